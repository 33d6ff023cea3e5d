package engine

import "sync"

// Changes collects the engines of a fleet whose cache changed (their
// Generation moved) since its reader last drained it, each engine once
// however often it changed: a reader that keeps per-engine state current
// reads the changed engines instead of asking all of them. Its zero value
// is ready.
type Changes struct {
	mu   sync.Mutex
	list []*Engine
}

// NewChanges returns an empty set.
func NewChanges() *Changes { return &Changes{} }

// add queues e unless it is queued already. The engine calls it after
// moving its generation, holding e.mu.
func (c *Changes) add(e *Engine) {
	if !e.queued.CompareAndSwap(false, true) {
		return
	}
	c.mu.Lock()
	c.list = append(c.list, e)
	c.mu.Unlock()
}

// Drain appends the engines that changed since the last Drain to buf and
// returns it, emptying the set. Each engine may be queued again from then
// on: a reader that reads an engine's generation after Drain returned
// sees every change that did not queue the engine again.
func (c *Changes) Drain(buf []*Engine) []*Engine {
	c.mu.Lock()
	buf = append(buf, c.list...)
	clear(c.list)
	c.list = c.list[:0]
	c.mu.Unlock()
	for _, e := range buf {
		e.queued.Store(false)
	}
	return buf
}
