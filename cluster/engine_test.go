package cluster

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/events"
	"github.com/docker/docker/api/types/volume"

	"github.com/swarm-project/swarm/cluster/engine"
	"github.com/swarm-project/swarm/test/simengine"
)

// managerEvents collects the manager-event actions published for addr.
func managerEvents(ch <-chan Event, addr string) func(want string) bool {
	var seen []string
	return func(want string) bool {
		for {
			select {
			case ev := <-ch:
				if ev.Type == engine.ManagerEventType && ev.Node != nil && ev.Node.Addr == addr {
					seen = append(seen, string(ev.Action))
				}
			default:
				for _, s := range seen {
					if s == want {
						return true
					}
				}
				return false
			}
		}
	}
}

func TestEngineHealthTransitions(t *testing.T) {
	tests := []struct {
		name    string
		fail    func(*simengine.Engine)
		recover func(*testing.T, *simengine.Engine)
	}{
		{"500 answers", func(s *simengine.Engine) { s.SetFailure(simengine.FailError) },
			func(_ *testing.T, s *simengine.Engine) { s.SetFailure(simengine.FailNone) }},
		{"closed connections", func(s *simengine.Engine) { s.SetFailure(simengine.FailClose) },
			func(_ *testing.T, s *simengine.Engine) { s.SetFailure(simengine.FailNone) }},
		{"engine down", func(s *simengine.Engine) { s.Stop() },
			func(t *testing.T, s *simengine.Engine) {
				if err := s.Restart(); err != nil {
					t.Fatal(err)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sim := startSim(t, simengine.Config{Name: "node-1"})
			c := newSimCluster(t, simOptions(t))
			_, evs, cancel := c.Events().Subscribe(1000)
			defer cancel()
			seen := managerEvents(evs, sim.Addr())
			if err := c.AddEngine(context.Background(), sim.Addr()); err != nil {
				t.Fatal(err)
			}
			e, err := c.Engine(sim.Addr())
			if err != nil {
				t.Fatal(err)
			}
			waitUntil(t, "the engine is healthy after its first refresh", e.IsHealthy)
			if e.ID() != sim.ID() || e.Name() != "node-1" || e.UpdatedAt().IsZero() || e.LastError() != "" {
				t.Fatalf("healthy engine: id %q name %q updated %v error %q", e.ID(), e.Name(), e.UpdatedAt(), e.LastError())
			}
			waitUntil(t, "engine_connect is published", func() bool { return seen("engine_connect") })

			tt.fail(sim)
			waitUntil(t, "the engine is unhealthy", func() bool { return e.Health() == Unhealthy })
			if e.LastError() == "" {
				t.Fatal("an unhealthy engine has no LastError")
			}
			if n := len(c.HealthyEngines()); n != 0 {
				t.Fatalf("%d healthy engines, want 0", n)
			}
			if c.schedNode(e).Healthy {
				t.Fatal("the scheduling view still says healthy")
			}
			waitUntil(t, "engine_disconnect is published", func() bool { return seen("engine_disconnect") })

			tt.recover(t, sim)
			waitUntil(t, "the engine recovers", e.IsHealthy)
			if e.LastError() != "" {
				t.Fatalf("LastError %q after recovery", e.LastError())
			}
			if !c.schedNode(e).Healthy {
				t.Fatal("the scheduling view still says unhealthy")
			}
			waitUntil(t, "engine_reconnect is published", func() bool { return seen("engine_reconnect") })
			waitUntil(t, "the event stream is back", func() bool { return sim.EventSubscribers() == 1 })
		})
	}
}

// TestEngineFailureCount checks that one failure is not enough with
// FailureRetry 2: the engine stays Healthy after a single failed refresh.
func TestEngineFailureCount(t *testing.T) {
	sim := startSim(t, simengine.Config{Name: "node-1"})
	opts := simOptions(t)
	opts.Engine.FailureRetry = 3
	c := newSimCluster(t, opts)
	addSims(t, c, sim)
	e := c.Engines()[0]
	before := sim.Requests()
	sim.SetFailure(simengine.FailError)
	// The first failure comes within a refresh period; the next retry one
	// second later. In between the engine must still be Healthy.
	waitUntil(t, "a refresh fails", func() bool { return sim.Requests() > before && e.LastError() != "" })
	if e.Health() != Healthy {
		t.Fatalf("health %v after one failure with FailureRetry 3", e.Health())
	}
	waitUntil(t, "the engine is unhealthy", func() bool { return e.Health() == Unhealthy })
}

func TestEngineRefusesOldAPI(t *testing.T) {
	sim := startSim(t, simengine.Config{Name: "old", APIVersion: "1.23"})
	c := newSimCluster(t, simOptions(t))
	if err := c.AddEngine(context.Background(), sim.Addr()); err != nil {
		t.Fatal(err)
	}
	e := c.Engines()[0]
	waitUntil(t, "the old engine is unhealthy", func() bool { return e.Health() == Unhealthy })
	if msg := e.LastError(); !strings.Contains(msg, "1.23") || !strings.Contains(msg, engine.MinEngineAPIVersion) {
		t.Fatalf("error %q should name the engine's API version and the minimum", msg)
	}
}

// TestFillWaitsForJoiningEngines: containers known from a list answer are
// inspected only once no engine is still in its first round.
func TestFillWaitsForJoiningEngines(t *testing.T) {
	sim := startSim(t, simengine.Config{Name: "node-1", Containers: simengine.Containers("web", 4)})
	opts := simOptions(t)
	joining := engine.NewJoining()
	other := joining.Join() // another engine, still in its first round
	opts.Engine.Joining = joining
	c := newSimCluster(t, opts)
	addSims(t, c, sim)
	e := c.Engines()[0]
	waitUntil(t, "the engine is healthy", func() bool { return e.IsHealthy() })
	if got := joining.Len(); got != 1 {
		t.Fatalf("%d engines joining after the engine's first round, want 1", got)
	}
	time.Sleep(300 * time.Millisecond) // three of the fill's polls
	if n := e.Unread(); n != 4 {
		t.Fatalf("%d containers left to inspect while another engine joins, want 4", n)
	}
	other()
	waitUntil(t, "every container is inspected", func() bool { return e.Unread() == 0 })
}

func TestEngineCacheFill(t *testing.T) {
	sim := startSim(t, simengine.Config{
		Name:       "node-1",
		NCPU:       8,
		MemTotal:   16 << 30,
		Labels:     []string{"zone=eu", "ssd=true"},
		Containers: simengine.Containers("web", 6),
		Volumes:    []*volume.Volume{{Name: "data", Driver: "local", Scope: "local"}},
	})
	c := newSimCluster(t, simOptions(t))
	addSims(t, c, sim)
	e := c.Engines()[0]
	// Registration lists the containers; their inspection follows in the
	// background.
	waitUntil(t, "every container is inspected", func() bool { return e.Unread() == 0 })

	cs := e.Containers()
	if len(cs) != 6 {
		t.Fatalf("%d containers cached, want 6", len(cs))
	}
	for _, ct := range cs {
		want, ok := sim.Inspect(ct.ID())
		if !ok {
			t.Fatalf("cached container %s is not on the engine", ct.ID())
		}
		if ct.Name() != strings.TrimPrefix(want.Name, "/") || ct.State() != string(want.State.Status) || ct.Memory() != 64<<20 {
			t.Fatalf("cached %s: name %q state %q memory %d; engine has %q %q", ct.ID(), ct.Name(), ct.State(), ct.Memory(), want.Name, want.State.Status)
		}
		if ct.Engine != e {
			t.Fatal("cached container does not point at its engine")
		}
	}
	labels := e.Labels()
	for k, v := range map[string]string{"zone": "eu", "ssd": "true", "node": "node-1", "storagedriver": "overlay2", "ostype": "linux"} {
		if labels[k] != v {
			t.Fatalf("label %s = %q, want %q (labels %v)", k, labels[k], v, labels)
		}
	}
	if len(e.Images()) != 1 || len(e.Networks()) != 3 || len(e.Volumes()) != 1 {
		t.Fatalf("images %d networks %d volumes %d, want 1 3 1", len(e.Images()), len(e.Networks()), len(e.Volumes()))
	}
	u := e.Usage()
	if u.Containers != 6 || u.Running != 3 || u.Stopped != 3 || u.TotalCPUs != 8e9 || u.TotalMemory != 16<<30 || u.ReservedMemory != 6*64<<20 {
		t.Fatalf("usage %+v", u)
	}

	// Later refreshes list the containers but inspect only new or changed
	// ones: wait for a few rounds and count the inspect calls.
	inspects := func() int {
		n := 0
		for _, r := range sim.RequestLog() {
			if strings.HasPrefix(r.Path, "/v1.41/containers/") && strings.HasSuffix(r.Path, "/json") && r.Path != "/v1.41/containers/json" {
				n++
			}
		}
		return n
	}
	lists := func() int {
		n := 0
		for _, r := range sim.RequestLog() {
			if r.Path == "/v1.41/containers/json" {
				n++
			}
		}
		return n
	}
	first := lists()
	waitUntil(t, "three more refreshes", func() bool { return lists() >= first+3 })
	if n := inspects(); n != 6 {
		t.Fatalf("%d inspect calls after several refreshes, want 6 (one per container)", n)
	}
}

func TestEngineEventsUpdateCache(t *testing.T) {
	// A refresh interval of an hour: only the event stream can update the
	// cache during the test.
	opts := simOptions(t)
	opts.Engine.RefreshMin, opts.Engine.RefreshMax = time.Hour, time.Hour
	type step struct {
		name  string
		do    func(t *testing.T, sim *simengine.Engine)
		check func(e *Engine) bool
	}
	var newID string
	tests := []struct {
		name  string
		steps []step
	}{
		{"container lifecycle", []step{
			{"create", func(t *testing.T, sim *simengine.Engine) {
				var err error
				newID, err = sim.AddContainer(simengine.Container{Name: "fresh", State: container.StateCreated})
				if err != nil {
					t.Fatal(err)
				}
			}, func(e *Engine) bool { return cachedState(e, newID) == "created" }},
			{"start", func(t *testing.T, sim *simengine.Engine) {
				if err := sim.SetState("fresh", container.StateRunning, 0); err != nil {
					t.Fatal(err)
				}
			}, func(e *Engine) bool { return cachedState(e, newID) == "running" }},
			{"die", func(t *testing.T, sim *simengine.Engine) {
				if err := sim.SetState("fresh", container.StateExited, 2); err != nil {
					t.Fatal(err)
				}
			}, func(e *Engine) bool { return cachedState(e, newID) == "exited" }},
			{"destroy", func(t *testing.T, sim *simengine.Engine) {
				if err := sim.RemoveContainer("fresh"); err != nil {
					t.Fatal(err)
				}
			}, func(e *Engine) bool { return cachedState(e, newID) == "" }},
		}},
		{"image pull", []step{
			{"pull", func(t *testing.T, sim *simengine.Engine) { sim.AddImage(simengine.NewImage("redis:7")) },
				func(e *Engine) bool { return e.HasImage("redis:7") }},
		}},
		{"forwarded to subscribers", []step{
			{"emit", func(t *testing.T, sim *simengine.Engine) {
				sim.Emit(events.Message{Type: events.ContainerEventType, Action: events.ActionExecCreate, Actor: events.Actor{ID: "x"}})
			}, nil},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim := startSim(t, simengine.Config{Name: "node-1", Containers: simengine.Containers("old", 2)})
			c := newSimCluster(t, opts)
			_, evs, cancel := c.Events().Subscribe(1000)
			defer cancel()
			addSims(t, c, sim)
			waitUntil(t, "the event stream is connected", func() bool { return sim.EventSubscribers() == 1 })
			e := c.Engines()[0]
			for _, s := range tt.steps {
				s.do(t, sim)
				if s.check != nil {
					waitUntil(t, "the cache reflects "+s.name, func() bool { return s.check(e) })
				}
			}
			// Every engine event reaches the broker tagged with its node.
			got := 0
			deadline := time.After(5 * time.Second)
			for got < len(tt.steps) {
				select {
				case ev := <-evs:
					if ev.Type == engine.ManagerEventType {
						continue
					}
					if ev.Node == nil || ev.Node.Name != "node-1" || ev.Node.Addr != sim.Addr() || ev.Node.ID != sim.ID() {
						t.Fatalf("event %s %s has node %+v", ev.Type, ev.Action, ev.Node)
					}
					got++
				case <-deadline:
					t.Fatalf("%d events published, want at least %d", got, len(tt.steps))
				}
			}
		})
	}
}

// cachedState is the cached state of container id on e, "" when absent.
func cachedState(e *Engine, id string) string {
	for _, c := range e.Containers() {
		if c.ID() == id {
			return c.State()
		}
	}
	return ""
}

// recordingSink is an engine.Sink that records what an engine tells it and
// refuses the IDs in refuse.
type recordingSink struct {
	refuse string

	mu      sync.Mutex
	events  []Event
	claims  []string
	renames int
}

func (s *recordingSink) EngineEvent(_ *Engine, ev Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events = append(s.events, ev)
}

func (s *recordingSink) ClaimEngineID(_ *Engine, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.claims = append(s.claims, id)
	if id == s.refuse {
		return errors.New("refused " + id)
	}
	return nil
}

func (s *recordingSink) EngineAPIChanged(*Engine) {}

func (s *recordingSink) EngineRenamed(*Engine) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.renames++
}

// seen reports whether an event of type typ and action action was handed
// over, and the counts of claims and renames so far.
func (s *recordingSink) seen(typ, action string) (found bool, claims []string, renames int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ev := range s.events {
		if string(ev.Type) == typ && string(ev.Action) == action {
			found = true
		}
	}
	return found, append([]string(nil), s.claims...), s.renames
}

// runEngine builds an engine for sim with the given sink and runs it until
// the test ends.
func runEngine(t *testing.T, sim *simengine.Engine, sink engine.Sink) *Engine {
	t.Helper()
	opts := simOptions(t)
	e, err := engine.New(sim.Addr(), &opts.Engine, sink)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.Run(ctx)
	}()
	t.Cleanup(func() { cancel(); <-done })
	return e
}

// TestEngineSink checks that an engine reports to the sink it was built
// with: the ID claim before the ID is taken, the rename, manager events and
// daemon events.
func TestEngineSink(t *testing.T) {
	sim := startSim(t, simengine.Config{Name: "node-1"})
	sink := &recordingSink{}
	e := runEngine(t, sim, sink)
	waitUntil(t, "the engine is healthy", e.IsHealthy)
	waitUntil(t, "engine_connect reaches the sink", func() bool {
		found, _, _ := sink.seen(engine.ManagerEventType, "engine_connect")
		return found
	})
	_, claims, renames := sink.seen("", "")
	if len(claims) == 0 || claims[0] != sim.ID() {
		t.Fatalf("claims %q, want %q first", claims, sim.ID())
	}
	if renames != 1 {
		t.Fatalf("%d renames after the first refreshes, want 1 (address to node-1)", renames)
	}
	waitUntil(t, "the event stream is connected", func() bool { return sim.EventSubscribers() == 1 })
	sim.Emit(events.Message{Type: events.ContainerEventType, Action: events.ActionExecCreate, Actor: events.Actor{ID: "x"}})
	waitUntil(t, "the daemon event reaches the sink", func() bool {
		found, _, _ := sink.seen(string(events.ContainerEventType), string(events.ActionExecCreate))
		return found
	})
}

// TestEngineSinkRefusesID checks that a refused ID claim fails the refresh
// and leaves the engine without the ID.
func TestEngineSinkRefusesID(t *testing.T) {
	sim := startSim(t, simengine.Config{Name: "node-1"})
	sink := &recordingSink{refuse: sim.ID()}
	e := runEngine(t, sim, sink)
	waitUntil(t, "the engine is unhealthy", func() bool { return e.Health() == Unhealthy })
	if e.ID() != "" || e.Name() != e.Addr() || !strings.Contains(e.LastError(), "refused") {
		t.Fatalf("refused engine: id %q name %q error %q", e.ID(), e.Name(), e.LastError())
	}
	if _, _, renames := sink.seen("", ""); renames != 0 {
		t.Fatalf("%d renames of a refused engine, want 0", renames)
	}
}

// TestEngineNilSink checks that an engine built without a sink runs.
func TestEngineNilSink(t *testing.T) {
	sim := startSim(t, simengine.Config{Name: "node-1", Containers: simengine.Containers("web", 2)})
	e := runEngine(t, sim, nil)
	waitUntil(t, "the engine is healthy", e.IsHealthy)
	if n := len(e.Containers()); n != 2 {
		t.Fatalf("%d containers cached, want 2", n)
	}
	e.Removed() // dropped, must not panic
	(&Engine{}).Removed()
}

// TestEngineLargeEventReconnects checks that an event of megabytes ends
// its stream (so that the stream's buffer goes with it) without a health
// check, and that the next stream misses and repeats nothing.
func TestEngineLargeEventReconnects(t *testing.T) {
	sim := startSim(t, simengine.Config{Name: "node-1"})
	sink := &recordingSink{}
	e := runEngine(t, sim, sink)
	waitUntil(t, "the event stream is connected", func() bool { return sim.EventSubscribers() == 1 })
	big := map[string]string{"huge": strings.Repeat("x", 2<<20)}
	sim.Emit(events.Message{Type: events.ContainerEventType, Action: events.ActionExecCreate, Actor: events.Actor{ID: "big", Attributes: big}})
	sim.Emit(events.Message{Type: events.ContainerEventType, Action: events.ActionExecStart, Actor: events.Actor{ID: "after"}})
	waitUntil(t, "the event after the large one arrives", func() bool {
		found, _, _ := sink.seen(string(events.ContainerEventType), string(events.ActionExecStart))
		return found
	})
	sink.mu.Lock()
	count := map[string]int{}
	for _, ev := range sink.events {
		count[ev.Actor.ID]++
	}
	sink.mu.Unlock()
	if count["big"] != 1 || count["after"] != 1 {
		t.Fatalf("events handed over: %v, want big and after once each", count)
	}
	if n := e.EventStreamErrors(); n != 0 {
		t.Fatalf("%d event stream errors, want 0: a large event is no failure", n)
	}
	streams := 0
	for _, r := range sim.RequestLog() {
		if strings.HasSuffix(r.Path, "/events") {
			streams++
		}
	}
	if streams != 2 {
		t.Fatalf("%d /events streams opened, want 2: one more after the large event", streams)
	}
}
