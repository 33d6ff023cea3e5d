package engine

// Health is an engine's state as `docker info` shows it.
type Health int

// The health states. An engine starts Pending, becomes Healthy once it has
// been reached, turns Unhealthy after the configured number of consecutive
// failures and back to Healthy at the next success.
const (
	Pending Health = iota
	Healthy
	Unhealthy
)

func (h Health) String() string {
	switch h {
	case Healthy:
		return "Healthy"
	case Unhealthy:
		return "Unhealthy"
	}
	return "Pending"
}

// healthState is the failure-counting state machine. It is not safe for
// concurrent use: the Engine guards it with its mutex.
type healthState struct {
	state    Health
	failures int // consecutive failures since the last success
	retry    int // failures that make a Healthy engine Unhealthy
}

// success records a successful contact and reports whether the state changed.
func (h *healthState) success() bool {
	h.failures = 0
	if h.state == Healthy {
		return false
	}
	h.state = Healthy
	return true
}

// failure records a failed contact and reports whether the state changed.
// A Pending engine that cannot be reached goes Unhealthy after the same
// number of attempts.
func (h *healthState) failure() bool {
	h.failures++
	retry := h.retry
	if retry < 1 {
		retry = 1
	}
	if h.state != Unhealthy && h.failures >= retry {
		h.state = Unhealthy
		return true
	}
	return false
}
