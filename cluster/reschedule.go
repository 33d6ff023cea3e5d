package cluster

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/events"
	log "github.com/sirupsen/logrus"

	"github.com/swarm-project/swarm/cluster/engine"
	"github.com/swarm-project/swarm/filters"
)

// This file moves containers that have a reschedule policy
// (filters.Reschedules) off a node that failed or is drained, and removes
// the stale copies a failed node still holds when it comes back.
//
// When an engine turns Unhealthy (engine_disconnect), each of its policy
// containers is created again through the normal placement path, the
// failed node excluded: same name, same swarm ID, same labels, env and
// configuration (reschedspec.go), started when it was running. The old
// copy is dropped from the cache, so that ps shows one; when the engine
// is back (engine_reconnect), every container of it whose swarm ID runs
// on another healthy engine is removed from it. Only the primary moves
// (c.Leading); moves, stale removals and spec updates run one at a time.

// RescheduleEventAction is the action of the manager event (Type
// engine.ManagerEventType) published for each container moved.
const RescheduleEventAction = "container_reschedule"

// rescheduler is the cluster's rescheduling state.
type rescheduler struct {
	mu sync.Mutex // serializes moves, stale removals and spec syncs

	// moving holds the re-creations in flight, by container name; it is
	// guarded by Cluster.schedMu (checkName reads it).
	moving map[string]*move

	dirty chan struct{} // a container event arrived (cap 1)

	// ctx ends when the cluster stops; wg counts the goroutines started
	// for engine health changes and the watcher.
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func newRescheduler() rescheduler {
	ctx, cancel := context.WithCancel(context.Background())
	return rescheduler{moving: map[string]*move{}, dirty: make(chan struct{}, 1), ctx: ctx, cancel: cancel}
}

// spawn runs fn in a goroutine the rescheduler owns, unless it stopped.
func (r *rescheduler) spawn(fn func(ctx context.Context)) {
	if r.ctx.Err() != nil {
		return
	}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		fn(r.ctx)
	}()
}

// stop ends the rescheduler's goroutines and waits for them.
func (r *rescheduler) stop() {
	r.cancel()
	r.wg.Wait()
}

// move describes a create that makes a container again elsewhere.
type move struct {
	from    *Engine // the node it leaves (nil: unknown or gone)
	swarmID string
	oldID   string // the old copy's container ID, "" when not cached
}

// startMove and endMove bracket a re-creation of the container name.
func (c *Cluster) startMove(name string, mv *move) {
	c.schedMu.Lock()
	defer c.schedMu.Unlock()
	c.resched.moving[name] = mv
}

func (c *Cluster) endMove(name string) {
	c.schedMu.Lock()
	defer c.schedMu.Unlock()
	delete(c.resched.moving, name)
}

// replacedLocked reports whether ct is a copy that a re-creation in
// flight replaces: the very container being moved (with or without a
// swarm ID), or one of the same swarm ID on a node that is down or on the
// node it leaves. The caller holds schedMu.
func (c *Cluster) replacedLocked(ct *Container) bool {
	mv := c.resched.moving[ct.Name()]
	switch {
	case mv == nil:
		return false
	case mv.oldID != "" && ct.ID() == mv.oldID:
		return true
	case mv.swarmID == "" || ct.SwarmID() != mv.swarmID:
		return false
	}
	return ct.NodeDown() || (mv.from != nil && ct.Engine == mv.from)
}

// healthChanged reacts to an engine's manager events: a node that failed
// has its policy containers moved, a node that came back has its stale
// copies removed.
func (c *Cluster) healthChanged(e *Engine, action string) {
	switch action {
	case "engine_disconnect":
		c.resched.spawn(func(ctx context.Context) {
			if e.IsHealthy() && c.managed(e) {
				return // back already
			}
			c.MoveOff(ctx, e, "node failure")
		})
	case "engine_reconnect":
		c.resched.spawn(func(ctx context.Context) { c.removeStale(ctx, e) })
	}
}

// managed reports whether e is one of the cluster's engines.
func (c *Cluster) managed(e *Engine) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	run, ok := c.engines[e.Addr()]
	return ok && run.engine == e
}

// MoveOff re-creates, on other nodes, the containers of e that have a
// reschedule policy, and reports what it moved (names) and a warning for
// each container it left on e: without a policy, pinned by a hard node
// constraint, or that could not be placed. why names the cause for logs
// and events ("node failure", "drain"). On a node that is down the old
// copies are dropped from the cache (and removed when it comes back); on a
// node that answers (drain) they are removed once their copy exists. Only
// the primary moves anything.
func (c *Cluster) MoveOff(ctx context.Context, e *Engine, why string) (moved, warnings []string) {
	return c.moveOff(ctx, e, why, false)
}

// moveOff is MoveOff; quiet logs the containers left behind at the debug
// level (the watcher's retries).
func (c *Cluster) moveOff(ctx context.Context, e *Engine, why string, quiet bool) (moved, warnings []string) {
	fields := log.Fields{"node": e.Name(), "reason": why}
	if !c.Leading() {
		log.WithFields(fields).Info("not the primary manager: leaving the node's containers to the primary")
		return nil, nil
	}
	r := &c.resched
	r.mu.Lock()
	defer r.mu.Unlock()
	reachable := e.IsHealthy() && c.managed(e)
	if reachable && c.availability(e) != engine.AvailabilityDrain {
		// Back before its failure was dealt with, and not drained: its
		// containers stay (its stale copies, if any, go by removeStale).
		log.WithFields(fields).Info("the node answers and is not drained: nothing to move")
		return nil, nil
	}
	logLeft := log.WithFields(fields).Warn
	if quiet {
		logLeft = log.WithFields(fields).Debug
	}
	live := c.liveCopies()
	cts := e.Containers()
	sort.Slice(cts, func(i, j int) bool { return cts[i].Name() < cts[j].Name() })
	for _, ct := range cts {
		if !c.Leading() {
			log.WithFields(fields).Warn("no longer the primary manager: the moves stop")
			break
		}
		name := ct.Name()
		switch {
		case !filters.Reschedules(ct.Labels()):
			if reachable {
				w := fmt.Sprintf("container %s has no reschedule policy: it stays on %s", name, e.Name())
				warnings = append(warnings, w)
				logLeft(w)
			}
			continue
		case pinnedToNode(ct.Labels()):
			w := fmt.Sprintf("container %s is pinned to %s by a node constraint: it stays", name, e.Name())
			warnings = append(warnings, w)
			logLeft(w)
			continue
		}
		if sid := ct.SwarmID(); sid != "" && elsewhere(live[sid], e) {
			if !reachable {
				e.Forget(ct.ID()) // already made again (TakeOver)
				continue
			}
			// Drained, and a copy runs elsewhere already (an old copy
			// that a move could not remove, or that is back): this one
			// is the stale one.
			c.removeOldCopy(ctx, e, ct, fields)
			moved = append(moved, name)
			continue
		}
		s := c.specOf(ctx, ct)
		_, err := c.recreate(ctx, s, e, ct.ID(), why)
		if err != nil {
			w := fmt.Sprintf("container %s could not be moved off %s: %v", name, e.Name(), err)
			warnings = append(warnings, w)
			log.WithFields(fields).WithError(err).WithField("container", name).Error("cannot reschedule container")
			continue
		}
		moved = append(moved, name)
		if reachable {
			c.removeOldCopy(ctx, e, ct, fields)
		} else {
			e.Forget(ct.ID())
		}
	}
	return moved, warnings
}

// removeOldCopy removes from e, a drained node that answers, the old copy
// ct of a container that runs elsewhere.
func (c *Cluster) removeOldCopy(ctx context.Context, e *Engine, ct *Container, fields log.Fields) {
	rmCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	err := e.ObserveCall(e.Client().ContainerRemove(rmCtx, ct.ID(), container.RemoveOptions{Force: true}))
	cancel()
	if err != nil {
		log.WithFields(fields).WithError(err).WithField("container", ct.ID()).Warn("cannot remove the moved container's old copy")
	}
	e.Resync(ctx, "container "+ct.ID(), func(ctx context.Context) error { return e.RefreshContainer(ctx, ct.ID()) })
}

// recreate creates the container of s again on a node other than from,
// starts it when it was running, records its spec and publishes the move.
// The caller holds resched.mu.
func (c *Cluster) recreate(ctx context.Context, s *Spec, from *Engine, oldID, why string) (*Engine, error) {
	start := time.Now()
	resp, to, err := c.createContainer(ctx, s.request(), &move{from: from, swarmID: s.SwarmID, oldID: oldID})
	if err != nil {
		return nil, err
	}
	fromName := s.Node
	if from != nil {
		fromName = from.Name()
	}
	fields := log.Fields{"container": s.Name, "swarm_id": s.SwarmID, "from": fromName, "to": to.Name(), "id": resp.ID, "old_id": oldID, "reason": why}
	if s.Running {
		err := to.ObserveCall(to.Client().ContainerStart(ctx, resp.ID, container.StartOptions{}))
		if err != nil {
			log.WithFields(fields).WithError(err).Error("rescheduled container created but not started")
		}
		to.Resync(ctx, "container "+resp.ID, func(ctx context.Context) error { return to.RefreshContainer(ctx, resp.ID) })
		if ct := to.Lookup(resp.ID); ct != nil {
			next := *s
			next.Node, next.NodeID, next.ContainerID = to.Name(), to.ID(), resp.ID
			next.Running = ct.State() == "running"
			c.putSpec(ctx, &next)
		}
	}
	log.WithFields(fields).WithField("took", time.Since(start).Round(time.Millisecond)).Info("container rescheduled")
	c.publishMove(s, fromName, oldID, to, resp.ID, why)
	return to, nil
}

// publishMove publishes the manager event of one move.
func (c *Cluster) publishMove(s *Spec, from, oldID string, to *Engine, id, why string) {
	now := time.Now()
	c.broker.Publish(Event{Message: events.Message{
		Type:     engine.ManagerEventType,
		Action:   RescheduleEventAction,
		Status:   RescheduleEventAction,
		ID:       id,
		From:     "swarm",
		Scope:    "swarm",
		Time:     now.Unix(),
		TimeNano: now.UnixNano(),
		Actor: events.Actor{ID: id, Attributes: map[string]string{
			"name":     s.Name,
			"swarm.id": s.SwarmID,
			"old.id":   oldID,
			"old.node": from,
			"new.node": to.Name(),
			"reason":   why,
		}},
	}, Node: to.EventNode()})
}

// removeStale removes from e, a node that came back, the containers whose
// swarm ID now runs on another healthy node: their copies were made while
// e was down.
func (c *Cluster) removeStale(ctx context.Context, e *Engine) {
	if !c.Leading() {
		return
	}
	r := &c.resched
	r.mu.Lock()
	defer r.mu.Unlock()
	live := c.liveCopies()
	for _, ct := range e.Containers() {
		sid := ct.SwarmID()
		if sid == "" || !elsewhere(live[sid], e) {
			continue
		}
		fields := log.Fields{"node": e.Name(), "container": ct.Name(), "id": ct.ID(), "swarm_id": sid}
		rmCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := e.ObserveCall(e.Client().ContainerRemove(rmCtx, ct.ID(), container.RemoveOptions{Force: true, RemoveVolumes: true}))
		cancel()
		if err != nil {
			log.WithFields(fields).WithError(err).Error("cannot remove the stale copy of a rescheduled container")
			continue
		}
		log.WithFields(fields).Info("removed the stale copy of a rescheduled container from a node that came back")
		e.Resync(ctx, "container "+ct.ID(), func(ctx context.Context) error { return e.RefreshContainer(ctx, ct.ID()) })
	}
}

// TakeOver runs when this manager becomes the primary, and once when a
// single manager has finished its first refresh round: it moves the
// policy containers of the nodes that are down, from the cache, and
// re-creates, from the specs recorded in the state store, those whose
// node is down or gone and that run nowhere else (their node died before
// or with the old primary).
func (c *Cluster) TakeOver(ctx context.Context) { c.reconcile(ctx, false) }

// reconcile is TakeOver; quiet is the watcher's periodic retry.
func (c *Cluster) reconcile(ctx context.Context, quiet bool) {
	if !c.Leading() {
		return
	}
	engines := c.Engines()
	for _, e := range engines {
		if e.Health() == Unhealthy {
			c.moveOff(ctx, e, "node failure", quiet)
		}
	}
	specs, err := c.Specs(ctx)
	if err != nil {
		log.WithError(err).Warn("cannot read the container specs")
		return
	}
	if len(specs) == 0 {
		return // nothing to watch: no need to walk every container
	}
	r := &c.resched
	r.mu.Lock()
	defer r.mu.Unlock()
	live := c.liveCopies()
	sids := make([]string, 0, len(specs))
	for sid := range specs {
		sids = append(sids, sid)
	}
	sort.Strings(sids)
	for _, sid := range sids {
		if !c.Leading() {
			return // fenced or demoted: the new primary takes over
		}
		s := specs[sid]
		s.SwarmID = sid
		if copies := live[sid]; len(copies) > 0 {
			if len(copies) == 1 && unstartedMove(s, copies[0]) {
				c.startUnstarted(ctx, s, copies[0], quiet)
			}
			continue
		}
		var node *Engine
		for _, e := range engines {
			if e.ID() == s.NodeID || (s.NodeID == "" && e.Name() == s.Node) {
				node = e
				break
			}
		}
		if node != nil && node.Health() != Unhealthy {
			continue // up, or not reached yet
		}
		if node != nil && node.BySwarmID(sid) != nil {
			continue // cached: the move above dealt with it
		}
		if s.Config == nil || pinnedToNode(s.Config.Labels) {
			continue
		}
		if _, err := c.recreate(ctx, s, node, "", "takeover"); err != nil {
			lg := log.WithError(err).WithFields(log.Fields{"container": s.Name, "swarm_id": sid, "node": s.Node})
			if quiet {
				lg.Debug("cannot reschedule container from its spec")
			} else {
				lg.Error("cannot reschedule container from its spec")
			}
		}
	}
}

// unstartedMove reports whether ct is a copy a move created and never
// started: its spec says the container ran, and names another container
// (the mover, an old primary, died between the create and the start, or
// before it recorded the new copy).
func unstartedMove(s *Spec, ct *Container) bool {
	return s.Running && s.ContainerID != "" && s.ContainerID != ct.ID() && ct.State() == "created"
}

// startUnstarted starts such a copy and records it; quiet logs a failure
// at the debug level (the watcher's retries). The caller holds resched.mu.
func (c *Cluster) startUnstarted(ctx context.Context, s *Spec, ct *Container, quiet bool) {
	e := ct.Engine
	fields := log.Fields{"container": s.Name, "swarm_id": s.SwarmID, "id": ct.ID(), "node": e.Name()}
	if err := e.ObserveCall(e.Client().ContainerStart(ctx, ct.ID(), container.StartOptions{})); err != nil {
		lg := log.WithFields(fields).WithError(err)
		if quiet {
			lg.Debug("cannot start the rescheduled copy an earlier move left created")
		} else {
			lg.Error("cannot start the rescheduled copy an earlier move left created")
		}
		return
	}
	e.Resync(ctx, "container "+ct.ID(), func(ctx context.Context) error { return e.RefreshContainer(ctx, ct.ID()) })
	next := *s
	next.Name, next.Node, next.NodeID, next.ContainerID = ct.Name(), e.Name(), e.ID(), ct.ID()
	if cur := e.Lookup(ct.ID()); cur != nil {
		next.Running = cur.State() == "running"
	}
	c.putSpec(ctx, &next)
	log.WithFields(fields).Info("started the rescheduled copy an earlier move left created")
}
