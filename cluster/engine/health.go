package engine

import (
	"context"
	"errors"
	"net"

	"github.com/docker/docker/client"
	log "github.com/sirupsen/logrus"
)

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

// MaxHealthScore is the score of an engine with no failure since its last
// success.
const MaxHealthScore = 100

// healthState is the failure-counting state machine. It is not safe for
// concurrent use: the Engine guards it with its mutex.
type healthState struct {
	state    Health
	failures int // consecutive failures since the last success
	retry    int // failures that make a Healthy engine Unhealthy
}

// limit is retry, at least 1.
func (h *healthState) limit() int { return max(h.retry, 1) }

// success records a successful contact and reports whether the state or
// the score changed.
func (h *healthState) success() bool {
	hadFailures := h.failures > 0
	h.failures = 0
	if h.state == Healthy {
		return hadFailures
	}
	h.state = Healthy
	return true
}

// failure records a failed contact and reports whether the state changed
// (the score always does, until it reaches 0). A Pending engine that cannot
// be reached goes Unhealthy after the same number of attempts.
func (h *healthState) failure() bool {
	h.failures++
	if h.state != Unhealthy && h.failures >= h.limit() {
		h.state = Unhealthy
		return true
	}
	return false
}

// score is 100 - failures*100/retry (classic Swarm's health indicator),
// never below 0: 100 for an engine whose last contact succeeded, 0 once the
// failures made it Unhealthy.
func (h *healthState) score() int {
	return max(MaxHealthScore-h.failures*MaxHealthScore/h.limit(), 0)
}

// HealthScore is the engine's health from 0 to 100: 100 minus 100 per
// --engine-failure-retry consecutive failures since its last success. The
// strategies rank a node whose score is lower after every node whose score
// is higher, so that an engine that just failed is avoided before it is
// marked Unhealthy.
func (e *Engine) HealthScore() int { e.mu.RLock(); defer e.mu.RUnlock(); return e.health.score() }

// Failures is the number of consecutive failures since the last success.
func (e *Engine) Failures() int { e.mu.RLock(); defer e.mu.RUnlock(); return e.health.failures }

// IsConnectionError reports whether err says the engine could not be
// reached or dropped the connection (as opposed to an answer from the
// engine, or the caller giving up).
func IsConnectionError(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	if client.IsErrConnectionFailed(err) {
		return true
	}
	var op *net.OpError
	return errors.As(err, &op)
}

// ObserveCall counts the outcome of an API call the manager made to the
// engine outside its refresh loop (a create, a pull): a connection failure
// counts against the engine as a failed refresh does, and may make it
// Unhealthy; a success clears the failures of a Healthy engine. Errors the
// engine answered with do not count. It returns err.
func (e *Engine) ObserveCall(err error) error {
	switch {
	case err == nil:
		e.mu.Lock()
		cleared := e.health.state == Healthy && e.health.failures > 0
		if cleared {
			e.health.failures = 0
			e.lastErr = ""
			e.changed()
		}
		e.mu.Unlock()
	case IsConnectionError(err):
		e.countFailure(err, "engine call failed")
	}
	return err
}

// countFailure counts one failure and logs it (with msg while the engine
// stays Healthy); when it made the engine Unhealthy it publishes
// engine_disconnect. It returns the failure count and the new state.
func (e *Engine) countFailure(err error, msg string) (int, Health) {
	e.mu.Lock()
	changed := e.health.failure()
	failures, state := e.health.failures, e.health.state
	e.lastErr = err.Error()
	e.changed() // the score moved: the scheduling view must be rebuilt
	e.mu.Unlock()
	fields := log.Fields{"addr": e.addr, "name": e.Name(), "failures": failures}
	if changed {
		log.WithFields(fields).WithError(err).Error("engine is unhealthy")
		e.emitManagerEvent("engine_disconnect")
	} else {
		log.WithFields(fields).WithError(err).Warn(msg)
	}
	return failures, state
}
