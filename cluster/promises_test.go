package cluster

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/events"

	"github.com/swarm-project/swarm/test/simengine"
)

// inspects counts the inspect calls sim received for container id.
func inspects(sim *simengine.Engine, id string) int {
	n := 0
	for _, r := range sim.RequestLog() {
		if r.Method == "GET" && strings.HasSuffix(r.Path, "/containers/"+id+"/json") {
			n++
		}
	}
	return n
}

// nextEvent waits for the next container event of id with the given
// action among the published ones and runs check at that moment.
func nextEvent(t *testing.T, evs <-chan Event, id string, action events.Action, check func() string) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case ev := <-evs:
			if ev.Type != events.ContainerEventType || ev.Actor.ID != id || ev.Action != action {
				continue
			}
			if msg := check(); msg != "" {
				t.Fatalf("when the %s event was published: %s", action, msg)
			}
			return
		case <-deadline:
			t.Fatalf("no %s event published for %s", action, id)
		}
	}
}

// TestManagerReadsCoverTheirEvents checks that a create and a start
// through the manager read the container once each: the create and start
// events the engine publishes are applied by those reads, and are still
// published only once the cache shows what they report. Changes made on
// the engine directly, and a start whose promise was broken or outlived
// by another event, are read by the event loop as before.
func TestManagerReadsCoverTheirEvents(t *testing.T) {
	opts := simOptions(t)
	opts.Engine.RefreshMin, opts.Engine.RefreshMax = time.Hour, time.Hour // only events and the manager's own reads
	sim := startSim(t, simengine.Config{Name: "node-1"})
	c := newSimCluster(t, opts)
	_, evs, cancel := c.Events().Subscribe(1000)
	defer cancel()
	addSims(t, c, sim)
	waitUntil(t, "the event stream is connected", func() bool { return sim.EventSubscribers() == 1 })
	ctx := context.Background()
	state := func(id, want string) func() string {
		return func() string {
			ct, err := c.Container(id)
			if err != nil {
				return err.Error()
			}
			if ct.State() != want {
				return "the cache says " + ct.State() + ", want " + want
			}
			return ""
		}
	}

	// created makes a container on the engine directly and returns it
	// once its create event was published.
	created := func(t *testing.T, name string) (string, *Container) {
		t.Helper()
		id, err := sim.AddContainer(simengine.Container{Name: name, State: container.StateCreated})
		if err != nil {
			t.Fatal(err)
		}
		nextEvent(t, evs, id, events.ActionCreate, state(id, "created"))
		ct, err := c.Container(id)
		if err != nil {
			t.Fatal(err)
		}
		return id, ct
	}

	t.Run("run through the manager", func(t *testing.T) {
		resp, e, err := c.CreateContainer(ctx, busybox("managed"))
		if err != nil {
			t.Fatal(err)
		}
		nextEvent(t, evs, resp.ID, events.ActionCreate, state(resp.ID, "created"))
		ct, err := c.Container(resp.ID)
		if err != nil {
			t.Fatal(err)
		}
		read := c.StartRead(ct)
		if err := e.Client().ContainerStart(ctx, resp.ID, container.StartOptions{}); err != nil {
			t.Fatal(err)
		}
		read.Read(ctx)
		read.Break() // after Read: nothing
		nextEvent(t, evs, resp.ID, events.ActionStart, state(resp.ID, "running"))
		if n := inspects(sim, resp.ID); n != 2 {
			t.Errorf("a create and a start through the manager inspected the container %d times, want 2", n)
		}
	})

	t.Run("changes on the engine", func(t *testing.T) {
		id, err := sim.AddContainer(simengine.Container{Name: "direct", State: container.StateCreated})
		if err != nil {
			t.Fatal(err)
		}
		nextEvent(t, evs, id, events.ActionCreate, state(id, "created"))
		if err := sim.SetState("direct", container.StateRunning, 0); err != nil {
			t.Fatal(err)
		}
		nextEvent(t, evs, id, events.ActionStart, state(id, "running"))
		if n := inspects(sim, id); n != 2 {
			t.Errorf("a create and a start on the engine were read %d times, want 2 (one per event)", n)
		}
	})

	t.Run("broken promise", func(t *testing.T) {
		id, ct := created(t, "broken")
		// The start's event arrives while the promise is open; the call
		// "fails" (no 2xx answer): the event loop reads for itself.
		read := c.StartRead(ct)
		if err := sim.SetState("broken", container.StateRunning, 0); err != nil {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
		read.Break()
		nextEvent(t, evs, id, events.ActionStart, state(id, "running"))
	})

	t.Run("kept promise outlived by another event", func(t *testing.T) {
		id, ct := created(t, "outlived")
		// A promise kept with no start event to follow, then an event of
		// another kind: a later start is not covered by the old read.
		read := c.StartRead(ct)
		read.Read(ctx)
		sim.Emit(events.Message{Type: events.ContainerEventType, Action: events.ActionUpdate, Actor: events.Actor{ID: id}})
		nextEvent(t, evs, id, events.ActionUpdate, state(id, "created"))
		if err := sim.SetState("outlived", container.StateRunning, 0); err != nil {
			t.Fatal(err)
		}
		nextEvent(t, evs, id, events.ActionStart, state(id, "running"))
	})
}
