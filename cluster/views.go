package cluster

import (
	"context"

	"github.com/docker/docker/api/types/versions"
)

// This file holds the cluster's small read and bookkeeping calls that the
// API layer uses besides the caches' own accessors.

// ContainersOn returns the cached containers of the engines whose name, ID
// or address matches one of the node patterns (MatchAny); every engine's
// when nodes is empty. Engines are picked first, so a node filter walks
// only the matching engines.
func (c *Cluster) ContainersOn(nodes []string) []*Container {
	all := c.Engines()
	engines := make([]*Engine, 0, len(all))
	n := 0
	for _, e := range all {
		if len(nodes) > 0 && !MatchAny(nodes, e.Name(), e.ID(), e.Addr()) {
			continue
		}
		engines = append(engines, e)
		n += e.ContainerCount()
	}
	// One slice of the right size (a few more for creates meanwhile),
	// filled in place: at 300,000 containers, appending each engine's
	// copy made 17 MB of garbage per ps.
	out := make([]*Container, 0, n+n/64)
	for _, e := range engines {
		out = e.AppendContainers(out)
	}
	return out
}

// NameAvailable refuses a container name that a container of the cluster
// uses or that a create in flight reserved (ErrConflict), as one engine
// refuses a name it holds.
func (c *Cluster) NameAvailable(name string) error {
	c.syncIndex()
	c.schedMu.Lock()
	defer c.schedMu.Unlock()
	return c.checkName(name)
}

// ContainerChanged re-reads a container after a call through the manager
// changed it (start, stop, rename...), so that the next ps or inspect sees
// the change. A failed read is logged and left to the refresh loop.
func (c *Cluster) ContainerChanged(ctx context.Context, ct *Container) {
	e := ct.Engine
	e.Resync(ctx, "container "+ct.ID(), func(ctx context.Context) error { return e.RefreshContainer(ctx, ct.ID()) })
}

// StartRead promises a re-read of a container after a start through the
// manager, which also stands for the start event (engine.PromiseStart).
func (c *Cluster) StartRead(ct *Container) *StartRead {
	return ct.Engine.PromiseStart(ct.ID())
}

// Subscribe returns the remembered events, oldest first, and a channel of
// the events published from now on; cancel must be called when done.
func (c *Cluster) Subscribe(buffer int) (past []Event, live <-chan Event, cancel func()) {
	return c.broker.Subscribe(buffer)
}

// Strategy is the name of the placement strategy ("spread").
func (c *Cluster) Strategy() string { return c.sched.Strategy() }

// Filters are the names of the placement filters, in pipeline order.
func (c *Cluster) Filters() []string { return c.sched.Filters() }

// NewestAPI is the newest Engine API version among the healthy engines, ""
// when none is healthy. It is computed again only after an engine joined,
// left or changed health (each of which moves the cluster's epoch), so it
// costs one atomic load per call otherwise.
func (c *Cluster) NewestAPI() string {
	epoch := c.epoch.Load()
	c.newestMu.Lock()
	defer c.newestMu.Unlock()
	if c.newestOK && c.newestEpoch == epoch {
		return c.newest
	}
	best := ""
	for _, e := range c.HealthyEngines() {
		if _, hi := e.APIRange(); hi != "" && (best == "" || versions.GreaterThan(hi, best)) {
			best = hi
		}
	}
	c.newest, c.newestEpoch, c.newestOK = best, epoch, true
	return best
}
