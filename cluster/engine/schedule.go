package engine

import (
	"math/rand/v2"
	"time"
)

// The fleet-wide rates of the engine loops' rounds. Each engine's pause
// is jittered between --engine-refresh-min-interval and
// --engine-refresh-max-interval; when the fleet is so large that these
// pauses would ask the engines more often than these rates, the pauses
// grow in proportion. With the default 30-60 s, pings keep their pause up
// to 900 engines and full reconciliations up to 135 engines; at 10,000
// engines an engine is pinged every 6 – 11 minutes and reconciled every
// 37 – 74 minutes (about 40 requests a second for the whole fleet).
//
// Pings are for daemons that hang with their connections open: an engine
// that stops or whose host goes away ends its event stream (at once, or
// through TCP keep-alive within a minute), which asks for a full round.
const (
	// pingRate is the pings per second the fleet gets at most.
	pingRate = 20
	// reconcileRate is the full reconciliations per second the fleet gets
	// at most (each is about seven requests on one connection).
	reconcileRate = 3
)

// pingPeriod is the pause before the engine's next round.
func (e *Engine) pingPeriod() time.Duration { return e.scaled(pingRate) }

// reconcilePeriod is the longest time between two full reconciliations of
// an engine whose event stream stays up: a change the stream did not
// report (it stalled silently) is in the cache within this period plus
// one round.
func (e *Engine) reconcilePeriod() time.Duration { return e.scaled(reconcileRate) }

// scaled is a jittered refresh pause, stretched so that the whole fleet
// makes at most rate rounds per second.
func (e *Engine) scaled(rate float64) time.Duration {
	d := e.jitter()
	n := 1
	if e.opts.FleetSize != nil {
		n = e.opts.FleetSize()
	}
	return stretch(d, e.opts.RefreshMin, e.opts.RefreshMax, n, rate)
}

// stretch scales the pause d (drawn between lo and hi) by the factor that
// brings n engines, each pausing (lo+hi)/2 on average, to rate rounds per
// second; never shorter than d.
func stretch(d, lo, hi time.Duration, n int, rate float64) time.Duration {
	mean := (lo + hi).Seconds() / 2
	if mean <= 0 || rate <= 0 {
		return d
	}
	factor := float64(n) / (rate * mean)
	if factor <= 1 {
		return d
	}
	return time.Duration(float64(d) * factor)
}

// jitter is a pause drawn between the refresh interval's bounds.
func (e *Engine) jitter() time.Duration {
	lo, hi := e.opts.RefreshMin, e.opts.RefreshMax
	if hi <= lo {
		return lo
	}
	return lo + rand.N(hi-lo)
}
