package cluster

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	log "github.com/sirupsen/logrus"

	"github.com/swarm-project/swarm/discovery"
)

// This file holds the startup gate. Until an engine has been reached, the
// manager knows neither its containers nor their names: a create answered
// then could take a name the engine holds, and a ps would be silently
// partial. So a manager built with Options.StartupWait is "starting" until
// every engine of the first discovery answer has answered once (Healthy)
// or failed for good (Unhealthy: --engine-failure-retry failures), or
// until StartupWait has passed since New, whichever comes first. Engines
// that discovery adds later do not close the gate again.
//
// The API asks Starting and WaitStarted (api/startup.go): while starting,
// requests that depend on the engines wait a while, then get a 503 with
// Starting's message.

// startGate is the cluster's startup state. Its zero value is started.
type startGate struct {
	armed bool          // New was given a StartupWait; set once in New
	done  chan struct{} // closed when started; nil when not armed
	open  atomic.Bool   // done is closed: the fast path of Starting

	mu       sync.Mutex // guards every field below
	began    time.Time  // when New armed the gate
	deadline time.Time  // when the wait runs out
	timer    *time.Timer
	listed   bool     // the first discovery answer arrived
	addrs    []string // the engines of the first discovery answer, sorted
	// left is the part of addrs that checkStartup has not seen answer or
	// fail yet: each engine is looked at until it has, then never again,
	// so thousands of engines registering cost one pass in all, not one
	// per health change.
	left    []string
	stopped bool // the cluster stopped: its engines leaving open nothing
}

// armStartup arms the gate of a new cluster when wait > 0.
func (c *Cluster) armStartup(wait time.Duration) {
	g := &c.startup
	if wait <= 0 {
		g.open.Store(true)
		return
	}
	g.armed = true
	g.done = make(chan struct{})
	g.mu.Lock() // the timer may fire before the assignment ends
	defer g.mu.Unlock()
	now := time.Now()
	g.began, g.deadline = now, now.Add(wait)
	g.timer = time.AfterFunc(wait, func() { c.openStartup(true) })
}

// stopStartup stops the gate's timer when the cluster stops, before its
// engines are removed.
func (c *Cluster) stopStartup() {
	g := &c.startup
	g.mu.Lock()
	defer g.mu.Unlock()
	g.stopped = true
	if g.timer != nil {
		g.timer.Stop()
	}
}

// startupListed records the first discovery answer: the engines the gate
// waits for. Later answers change nothing.
func (c *Cluster) startupListed(entries discovery.Entries) {
	g := &c.startup
	if !g.armed {
		return
	}
	g.mu.Lock()
	if !g.listed {
		g.listed = true
		g.addrs = make([]string, 0, len(entries))
		for _, e := range entries {
			g.addrs = append(g.addrs, e.String())
		}
		sort.Strings(g.addrs)
		g.left = g.addrs
	}
	g.mu.Unlock()
	c.checkStartup()
}

// checkStartup opens the gate when no engine of the first discovery answer
// is still Pending. It is called after each discovery answer and on every
// engine health change.
func (c *Cluster) checkStartup() {
	g := &c.startup
	if !g.armed || g.open.Load() {
		return
	}
	g.mu.Lock()
	for len(g.left) > 0 && !c.startupPending(g.left[0]) {
		g.left = g.left[1:]
	}
	ready := g.listed && len(g.left) == 0
	g.mu.Unlock()
	if ready {
		c.openStartup(false)
	}
}

// startupPending reports whether the engine at addr is managed and still
// Pending: its first refresh neither succeeded nor failed for good.
func (c *Cluster) startupPending(addr string) bool {
	c.mu.RLock()
	run, ok := c.engines[addr]
	c.mu.RUnlock()
	return ok && run.engine.Health() == Pending
}

// startupWaiting returns the engines of the first discovery answer that are
// still managed, and those of them that are still Pending (their first
// refresh neither succeeded nor failed for good); listed is false until
// the first answer.
func (c *Cluster) startupWaiting() (known int, waiting []*Engine, listed bool) {
	g := &c.startup
	g.mu.Lock()
	listed, addrs := g.listed, g.addrs
	g.mu.Unlock()
	c.mu.RLock()
	engines := make([]*Engine, 0, len(addrs))
	for _, addr := range addrs {
		if run, ok := c.engines[addr]; ok {
			engines = append(engines, run.engine)
		}
	}
	c.mu.RUnlock()
	for _, e := range engines {
		if e.Health() == Pending { // e.mu is taken without c.mu held
			waiting = append(waiting, e)
		}
	}
	return len(engines), waiting, listed
}

// openStartup opens the gate once; timedOut says the wait ran out. A
// stopped cluster stays as it is: its engines leaving say nothing of its
// start.
func (c *Cluster) openStartup(timedOut bool) {
	g := &c.startup
	g.mu.Lock()
	if g.open.Load() || g.stopped {
		g.mu.Unlock()
		return
	}
	if g.timer != nil {
		g.timer.Stop()
	}
	g.open.Store(true)
	close(g.done)
	took := time.Since(g.began).Round(time.Millisecond)
	g.mu.Unlock()

	known, waiting, listed := c.startupWaiting()
	fields := log.Fields{"after": took, "engines": known}
	switch {
	case !timedOut:
		log.WithFields(fields).Info("manager ready: every engine known at start answered or failed")
	case !listed:
		log.WithFields(fields).Warn("manager ready: the startup wait ran out before the discovery listed any engine")
	default:
		fields["not_reached"] = strings.Join(addrsOf(waiting), ", ")
		log.WithFields(fields).Warn("manager ready: the startup wait ran out; the container names of the engines not reached are unknown until they answer")
	}
}

// Starting reports whether the manager is still starting and, if so, why,
// in a message for the client.
func (c *Cluster) Starting() (bool, string) {
	g := &c.startup
	if !g.armed || g.open.Load() {
		return false, ""
	}
	known, waiting, listed := c.startupWaiting()
	g.mu.Lock()
	left := max(time.Until(g.deadline), 0).Round(time.Second)
	g.mu.Unlock()
	var why string
	switch {
	case !listed:
		why = "the discovery has not listed the engines yet"
	case len(waiting) == 0:
		why = "every engine has answered; the manager is opening"
	default:
		verb := "have"
		if len(waiting) == 1 {
			verb = "has"
		}
		why = fmt.Sprintf("%d of %d engines %s not answered yet (%s)", len(waiting), known, verb, addrList(waiting, 3))
	}
	return true, fmt.Sprintf("the manager is still starting: %s; it waits at most %s more; try again in a few seconds", why, left)
}

// WaitStarted blocks until the manager has started or ctx ends. It
// returns nil once started, else an ErrUnavailable error with Starting's
// message.
func (c *Cluster) WaitStarted(ctx context.Context) error {
	g := &c.startup
	if !g.armed {
		return nil
	}
	select {
	case <-g.done:
		return nil
	case <-ctx.Done():
	}
	if starting, why := c.Starting(); starting {
		return Errorf(ErrUnavailable, "%s", why)
	}
	return nil
}

func addrsOf(es []*Engine) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Addr()
	}
	return out
}

// addrList names at most n engines by address, then how many more.
func addrList(es []*Engine, n int) string {
	addrs := addrsOf(es)
	if len(addrs) <= n {
		return strings.Join(addrs, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(addrs[:n], ", "), len(addrs)-n)
}
