package engine

import (
	"context"
	"errors"
	"time"

	"github.com/docker/docker/api/types/events"
	"github.com/docker/docker/api/types/filters"
	log "github.com/sirupsen/logrus"
)

// Event is one engine (or manager) event tagged with the node it came
// from, as classic Swarm sent them.
type Event struct {
	events.Message
	Node *EventNode `json:"node,omitempty"`
}

// EventNode is the `node` object of an event.
type EventNode struct {
	Name string `json:"Name"`
	ID   string `json:"Id"`
	Addr string `json:"Addr"`
	IP   string `json:"Ip"`
}

// watchEvents follows the engine's /events stream for as long as ctx
// lives, reconnecting with a back-off. It starts once the engine was first
// reached. Every broken stream asks the refresh loop for a health check.
func (e *Engine) watchEvents(ctx context.Context, connected <-chan time.Time) {
	var since time.Time
	select {
	case <-ctx.Done():
		return
	case since = <-connected:
	}
	backoff := time.Second
	for {
		start := time.Now()
		e.streamSince.Store(start.UnixNano())
		last, err := e.streamEvents(ctx, since)
		e.streamSince.Store(0)
		if ctx.Err() != nil {
			return
		}
		if !last.IsZero() {
			since = last
		}
		if errors.Is(err, errLargeEvent) {
			continue // nothing broke: follow on at once
		}
		e.eventErrs.Add(1)
		log.WithFields(log.Fields{"addr": e.addr}).WithError(err).Debug("engine event stream ended")
		e.Kick()
		if time.Since(start) > 10*time.Second {
			backoff = time.Second
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		backoff = min(backoff*2, max(e.opts.RefreshMin, time.Second))
	}
}

// errLargeEvent ends an event stream after an event of megabytes.
var errLargeEvent = errors.New("an event of over 1 MiB: reconnecting to let its buffer go")

// streamEvents reads one /events stream until it breaks. It returns the
// time of the last event seen.
func (e *Engine) streamEvents(ctx context.Context, since time.Time) (time.Time, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	msgs, errs := e.clients.Load().events.Events(ctx, events.ListOptions{
		Since:   since.Format(time.RFC3339Nano),
		Filters: filters.NewArgs(),
	})
	var last time.Time
	for {
		select {
		case err := <-errs:
			return last, err
		case m := <-msgs:
			last = time.Unix(0, m.TimeNano)
			e.handleEvent(ctx, m)
			if mapSize(m.Actor.Attributes) >= largeObject {
				// The stream's decoder keeps a buffer as large as the
				// largest event it read, for as long as the stream
				// lasts: start a new stream after this event, and give
				// the memory back once the event is garbage.
				returnMemorySoon()
				return last.Add(time.Nanosecond), errLargeEvent
			}
		}
	}
}

// handleEvent updates the cache for one event, then hands it to the sink.
// It runs on the event loop; the cache is written only through the
// engine's methods (dropContainer, RefreshContainer, Refresh*), under e.mu.
func (e *Engine) handleEvent(ctx context.Context, m events.Message) {
	switch m.Type {
	case events.ContainerEventType:
		switch m.Action {
		case events.ActionDestroy:
			e.dropContainer(m.Actor.ID, e.reads.Add(1))
		case events.ActionCreate, events.ActionStart, events.ActionDie, events.ActionStop,
			events.ActionKill, events.ActionPause, events.ActionUnPause, events.ActionRename,
			events.ActionUpdate, events.ActionRestart, events.ActionOOM, events.ActionHealthStatus,
			events.ActionHealthStatusHealthy, events.ActionHealthStatusUnhealthy,
			events.ActionHealthStatusRunning, events.ActionConnect, events.ActionDisconnect:
			if e.eventApplied(ctx, m) {
				break // a read the manager made for this change covers it (promises.go)
			}
			if err := e.RefreshContainer(ctx, m.Actor.ID); err != nil {
				log.WithFields(log.Fields{"addr": e.addr, "container": m.Actor.ID}).WithError(err).Warn("container refresh failed")
			}
		}
	case events.ImageEventType:
		if err := e.RefreshImages(ctx); err != nil {
			log.WithFields(log.Fields{"addr": e.addr}).WithError(err).Warn("image refresh failed")
		}
	case events.NetworkEventType:
		if m.Action == events.ActionCreate || m.Action == events.ActionDestroy || m.Action == events.ActionRemove {
			if err := e.RefreshNetworks(ctx); err != nil {
				log.WithFields(log.Fields{"addr": e.addr}).WithError(err).Warn("network refresh failed")
			}
		}
	case events.VolumeEventType:
		if m.Action == events.ActionCreate || m.Action == events.ActionDestroy || m.Action == events.ActionRemove {
			if err := e.RefreshVolumes(ctx); err != nil {
				log.WithFields(log.Fields{"addr": e.addr}).WithError(err).Warn("volume refresh failed")
			}
		}
	}
	e.sinkOrDiscard().EngineEvent(e, Event{Message: m})
}

// EventNode is the node object attached to the engine's events.
func (e *Engine) EventNode() *EventNode {
	return &EventNode{Name: e.Name(), ID: e.ID(), Addr: e.addr, IP: e.IP()}
}
