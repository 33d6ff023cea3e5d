package engine

import (
	"context"
	"time"

	"github.com/docker/docker/api/types/events"
	log "github.com/sirupsen/logrus"
)

// A `docker run` through the manager used to read the new container four
// times: after the create, for the create event, after the start, and for
// the start event. The manager's own read after a call covers the event
// the same call makes the engine publish, so the event loop waits for that
// read instead of making one of its own:
//
//   - A create event only says that the container exists. Any inspect of
//     it that succeeded was made after it was created, so the event is
//     applied once the cache holds the container from an inspect. The
//     event loop first waits for the creates in flight through the
//     manager on the engine: one of them is usually this container's.
//   - A start event is covered by a read that began after the start
//     happened. The manager promises such a read before it forwards a
//     start (PromiseStart); when the start answered 2xx and the read that
//     followed succeeded, the first start event of that container to
//     arrive after the promise was made is applied by it. A start that
//     happened before the promised one and whose event comes later is
//     older than the read too. An event of another kind for the container
//     ends a kept promise (the start's own event would have come first),
//     and so does its age (promiseKeep).
//
// Either way the event is published only after the read it relies on
// stored the container, as before; the wait is bounded (promiseWait), and
// a wait that ends early or a promise not kept means a read of its own.

// promiseWait bounds how long the event loop waits for a read the manager
// promised: the engine's other events wait meanwhile.
const promiseWait = 5 * time.Second

// promiseKeep is how long a kept start promise waits for its event.
const promiseKeep = 10 * time.Second

// promises are the reads the manager promised on one engine; its own mutex
// keeps them off the cache's lock.
type promises struct {
	creates map[*Creating]struct{}
	starts  map[string]*StartRead
}

// Creating is a create through the manager in flight on an engine.
type Creating struct {
	e    *Engine
	done chan struct{}
}

// BeginCreate notes a create through the manager on e: create events that
// arrive before End wait for it. The caller reads the new container with
// Read and then calls End, also when the create failed.
func (e *Engine) BeginCreate() *Creating {
	c := &Creating{e: e, done: make(chan struct{})}
	e.promMu.Lock()
	if e.prom.creates == nil {
		e.prom.creates = map[*Creating]struct{}{}
	}
	e.prom.creates[c] = struct{}{}
	e.promMu.Unlock()
	return c
}

// Read reads the container the create made into the cache, so that it is
// there when the create returns.
func (c *Creating) Read(ctx context.Context, id string) {
	if err := c.e.RefreshContainer(ctx, id); err != nil {
		log.WithError(err).WithField("container", id).Warn("cannot read new container")
	}
}

// End ends the create; a second call does nothing.
func (c *Creating) End() {
	c.e.promMu.Lock()
	defer c.e.promMu.Unlock()
	if _, ok := c.e.prom.creates[c]; ok {
		delete(c.e.prom.creates, c)
		close(c.done)
	}
}

// createApplied waits for the creates in flight through the manager, then
// reports whether the cache holds container id from an inspect: its create
// event needs no read of its own then.
func (e *Engine) createApplied(ctx context.Context, id string) bool {
	e.promMu.Lock()
	var waits []chan struct{}
	for c := range e.prom.creates {
		waits = append(waits, c.done)
	}
	e.promMu.Unlock()
	if !waitAll(ctx, waits) {
		return false
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	c, ok := e.containers[id]
	return ok && !c.listed
}

// waitAll waits for every channel to close, at most promiseWait in all.
func waitAll(ctx context.Context, chans []chan struct{}) bool {
	if len(chans) == 0 {
		return true
	}
	t := time.NewTimer(promiseWait)
	defer t.Stop()
	for _, ch := range chans {
		select {
		case <-ch:
		case <-t.C:
			return false
		case <-ctx.Done():
			return false
		}
	}
	return true
}

// StartRead is the read the manager promised to make of a container once
// a start it forwards answered. A nil *StartRead is a plain read.
type StartRead struct {
	e        *Engine
	id       string
	done     chan struct{}
	kept     bool      // written before done closes
	resolved time.Time // under promMu, once done closed
}

// PromiseStart promises a read of container id after a start the manager
// is about to forward. Read makes it after a 2xx answer; Break ends it
// otherwise (after Read it does nothing). While another promise for the
// container is open, the promise covers no event (its Read still reads).
func (e *Engine) PromiseStart(id string) *StartRead {
	p := &StartRead{e: e, id: id, done: make(chan struct{})}
	e.promMu.Lock()
	defer e.promMu.Unlock()
	now := time.Now()
	for k, old := range e.prom.starts {
		if !old.resolved.IsZero() && now.Sub(old.resolved) > promiseKeep {
			delete(e.prom.starts, k)
		}
	}
	if _, open := e.prom.starts[id]; open {
		close(p.done)
		return p
	}
	if e.prom.starts == nil {
		e.prom.starts = map[string]*StartRead{}
	}
	e.prom.starts[id] = p
	return p
}

// Read re-reads the container after the start answered and keeps the
// promise when the read succeeded. A failed read is logged, and the
// refresh loop is asked to catch up soon.
func (p *StartRead) Read(ctx context.Context) {
	err := p.e.RefreshContainer(ctx, p.id)
	if err != nil {
		log.WithFields(log.Fields{"addr": p.e.addr, "container": p.id}).WithError(err).Warn("cache refresh after a start failed; refreshing soon")
		p.e.Kick()
	}
	p.resolve(err == nil)
}

// Break ends a promise whose start did not answer 2xx: its event is read
// by the event loop.
func (p *StartRead) Break() { p.resolve(false) }

func (p *StartRead) resolve(kept bool) {
	e := p.e
	e.promMu.Lock()
	defer e.promMu.Unlock()
	select {
	case <-p.done:
		return // resolved, or never registered
	default:
	}
	p.kept = kept
	p.resolved = time.Now()
	close(p.done)
	if !kept && e.prom.starts[p.id] == p {
		delete(e.prom.starts, p.id)
	}
}

// startApplied reports whether the start event of container id just
// arrived is covered by a promised read (waiting for it when it is still
// to come), and uses that promise up.
func (e *Engine) startApplied(ctx context.Context, id string) bool {
	e.promMu.Lock()
	p := e.prom.starts[id]
	e.promMu.Unlock()
	if p == nil {
		return false
	}
	waited := waitAll(ctx, []chan struct{}{p.done})
	e.promMu.Lock()
	defer e.promMu.Unlock()
	if e.prom.starts[id] != p {
		return false
	}
	delete(e.prom.starts, id) // used up, or not to be waited for again
	return waited && p.kept && time.Since(p.resolved) <= promiseKeep
}

// otherEvent ends a kept start promise of container id when an event of
// another kind arrives for it: the promised start's own event would have
// come before.
func (e *Engine) otherEvent(id string) {
	e.promMu.Lock()
	defer e.promMu.Unlock()
	if p := e.prom.starts[id]; p != nil && !p.resolved.IsZero() {
		delete(e.prom.starts, id)
	}
}

// eventApplied reports whether a container event needs no read of its own
// because a read the manager made for the same change covers it.
func (e *Engine) eventApplied(ctx context.Context, m events.Message) bool {
	switch m.Action {
	case events.ActionCreate:
		return e.createApplied(ctx, m.Actor.ID)
	case events.ActionStart:
		return e.startApplied(ctx, m.Actor.ID)
	}
	e.otherEvent(m.Actor.ID)
	return false
}
