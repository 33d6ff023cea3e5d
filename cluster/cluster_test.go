package cluster

import (
	"context"
	"errors"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/events"
	"github.com/swarm-project/swarm/cluster/engine"
	"github.com/swarm-project/swarm/discovery"
	"github.com/swarm-project/swarm/scheduler"
	"github.com/swarm-project/swarm/test/simengine"
)

// simOptions are the cluster options the tests use: fast refreshes and two
// failures to turn an engine Unhealthy.
func simOptions(t testing.TB) Options {
	sched, err := scheduler.New("spread", nil, scheduler.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{MaxIdleConnsPerHost: 4, IdleConnTimeout: 30 * time.Second}
	events := &http.Transport{DisableKeepAlives: true}
	t.Cleanup(tr.CloseIdleConnections)
	return Options{
		Engine: EngineOptions{
			RefreshMin:     50 * time.Millisecond,
			RefreshMax:     60 * time.Millisecond,
			FailureRetry:   2,
			Transport:      tr,
			EventTransport: events,
		},
		Scheduler: sched,
	}
}

// newSimCluster returns a cluster whose engines are stopped when the test
// ends (before the simulated engines close: cleanups run last-in first-out).
func newSimCluster(t testing.TB, opts Options) *Cluster {
	c := New(opts)
	t.Cleanup(c.stopAll)
	return c
}

// startSim starts a simulated engine on loopback TCP, closed at test end.
func startSim(t testing.TB, cfg simengine.Config) *simengine.Engine {
	t.Helper()
	e, err := simengine.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return e
}

// waitUntil polls cond every 10ms for up to 10s.
func waitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// addSims adds the simulated engines to c and waits until they are healthy.
func addSims(t testing.TB, c *Cluster, sims ...*simengine.Engine) {
	t.Helper()
	for _, s := range sims {
		if err := c.AddEngine(context.Background(), s.Addr()); err != nil {
			t.Fatal(err)
		}
	}
	waitUntil(t, "every engine is healthy", func() bool { return len(c.HealthyEngines()) == len(sims) })
}

func engineAddrs(es []*Engine) []string {
	out := make([]string, 0, len(es))
	for _, e := range es {
		out = append(out, e.Addr())
	}
	sort.Strings(out)
	return out
}

func sortedStrings(in ...string) []string {
	out := append([]string(nil), in...)
	sort.Strings(out)
	return out
}

func equalStrings(a, b []string) bool {
	return strings.Join(a, "\x00") == strings.Join(b, "\x00")
}

func TestSetEntriesDiff(t *testing.T) {
	a := startSim(t, simengine.Config{Name: "node-a"})
	b := startSim(t, simengine.Config{Name: "node-b"})
	d := startSim(t, simengine.Config{Name: "node-d"})
	c := newSimCluster(t, simOptions(t))
	_, evs, cancel := c.Events().Subscribe(100)
	defer cancel()
	ctx := context.Background()

	entries := func(sims ...*simengine.Engine) discovery.Entries {
		addrs := make([]string, len(sims))
		for i, s := range sims {
			addrs[i] = s.Addr()
		}
		es, err := discovery.ParseEntries(addrs)
		if err != nil {
			t.Fatal(err)
		}
		return es
	}
	c.SetEntries(ctx, entries(a, b))
	waitUntil(t, "a and b are healthy", func() bool { return len(c.HealthyEngines()) == 2 })
	if got, want := engineAddrs(c.Engines()), sortedStrings(a.Addr(), b.Addr()); !equalStrings(got, want) {
		t.Fatalf("engines %v, want %v", got, want)
	}
	keptB, err := c.Engine(b.Addr())
	if err != nil {
		t.Fatal(err)
	}

	c.SetEntries(ctx, entries(b, d))
	if got, want := engineAddrs(c.Engines()), sortedStrings(b.Addr(), d.Addr()); !equalStrings(got, want) {
		t.Fatalf("engines after the second snapshot %v, want %v", got, want)
	}
	if again, _ := c.Engine(b.Addr()); again != keptB {
		t.Fatal("an engine present in both snapshots was restarted")
	}
	waitUntil(t, "b and d are healthy", func() bool { return len(c.HealthyEngines()) == 2 })
	if _, err := c.Engine("node-a"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("removed engine still found: %v", err)
	}
	// a's event stream is closed once it is removed.
	waitUntil(t, "a has no event stream", func() bool { return a.EventSubscribers() == 0 })

	// a left the discovery: engine_disconnect (as an unhealthy engine
	// reports), then engine_remove.
	var disconnect *Event
	removed := false
	deadline := time.After(5 * time.Second)
	for !removed {
		select {
		case ev := <-evs:
			if ev.Type != engine.ManagerEventType || ev.Node == nil || ev.Node.Addr != a.Addr() {
				continue
			}
			switch ev.Action {
			case "engine_disconnect":
				disconnect = &ev
			case "engine_remove":
				removed = true
			}
		case <-deadline:
			t.Fatal("no engine_remove event for the removed engine")
		}
	}
	if disconnect == nil {
		t.Fatal("no engine_disconnect before engine_remove for the engine that left")
	}
	if got := disconnect.Actor.Attributes; got["name"] != "node-a" || got["addr"] != a.Addr() || disconnect.Actor.ID == "" || disconnect.From != "swarm" {
		t.Errorf("engine_disconnect actor %+v from %q, want node-a's ID, name and addr from swarm", disconnect.Actor, disconnect.From)
	}

	c.SetEntries(ctx, nil)
	if n := len(c.Engines()); n != 0 {
		t.Fatalf("%d engines left after an empty snapshot", n)
	}
}

func TestDuplicateEngineID(t *testing.T) {
	first := startSim(t, simengine.Config{Name: "clone-1", ID: "SAME:ID"})
	second := startSim(t, simengine.Config{Name: "clone-2", ID: "SAME:ID"})
	c := newSimCluster(t, simOptions(t))
	ctx := context.Background()
	for _, s := range []*simengine.Engine{first, second} {
		if err := c.AddEngine(ctx, s.Addr()); err != nil {
			t.Fatal(err)
		}
	}
	var healthy, refused *Engine
	waitUntil(t, "one clone healthy and the other unhealthy", func() bool {
		healthy, refused = nil, nil
		for _, e := range c.Engines() {
			switch e.Health() {
			case Healthy:
				healthy = e
			case Unhealthy:
				refused = e
			}
		}
		return healthy != nil && refused != nil
	})
	if msg := refused.LastError(); !strings.Contains(msg, "SAME:ID") || !strings.Contains(msg, healthy.Addr()) {
		t.Fatalf("refused engine's error %q should name the ID and the engine holding it", msg)
	}
	if refused.ID() != "" {
		t.Fatalf("refused engine took ID %q", refused.ID())
	}
	if got, err := c.Engine("SAME:ID"); err != nil || got != healthy {
		t.Fatalf("Engine(ID) = %v, %v; want the first claimer", got, err)
	}

	// Once the holder leaves, the other engine may claim the ID.
	c.RemoveEngine(healthy.Addr())
	waitUntil(t, "the remaining clone becomes healthy", refused.IsHealthy)
}

func TestEngineLookup(t *testing.T) {
	s1 := startSim(t, simengine.Config{Name: "node-1"})
	s2 := startSim(t, simengine.Config{Name: "node-2"})
	c := newSimCluster(t, simOptions(t))
	addSims(t, c, s1, s2)
	tests := []struct {
		name, ref string
		want      *simengine.Engine // nil: not found
	}{
		{"by name", "node-2", s2},
		{"by ID", s1.ID(), s1},
		{"by address", s2.Addr(), s2},
		{"unknown", "node-3", nil},
		{"empty", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := c.Engine(tt.ref)
			if tt.want == nil {
				var nf *NotFoundError
				if !errors.As(err, &nf) || nf.Kind != "node" {
					t.Fatalf("Engine(%q) = %v, %v; want a node NotFoundError", tt.ref, e, err)
				}
				return
			}
			if err != nil || e.Addr() != tt.want.Addr() {
				t.Fatalf("Engine(%q) = %v, %v; want %s", tt.ref, e, err, tt.want.Addr())
			}
		})
	}
}

func TestContainerLookup(t *testing.T) {
	id := func(prefix string) string { return prefix + strings.Repeat("0", 64-len(prefix)) }
	s1 := startSim(t, simengine.Config{Name: "node-1", Containers: []simengine.Container{
		{ID: id("aaaa1"), Name: "web"},
		{ID: id("aaaa2"), Name: "db"},
	}})
	s2 := startSim(t, simengine.Config{Name: "node-2", Containers: []simengine.Container{
		{ID: id("bbbb1"), Name: "web"},
		{ID: id("aaaa3"), Name: "cache"},
		{ID: id("cccc1"), Name: "aaaa2"}, // a name that is also another container's ID prefix
	}})
	c := newSimCluster(t, simOptions(t))
	addSims(t, c, s1, s2)
	waitUntil(t, "5 containers cached", func() bool { return len(c.Containers()) == 5 })

	tests := []struct {
		name, ref string
		wantID    string // "" when an error is expected
		wantErr   error
	}{
		{"full ID", id("bbbb1"), id("bbbb1"), nil},
		{"unique prefix", "bbbb", id("bbbb1"), nil},
		{"name", "db", id("aaaa2"), nil},
		{"name with slash", "/cache", id("aaaa3"), nil},
		{"node/name", "node-2/web", id("bbbb1"), nil},
		{"node/name on the other node", "node-1/web", id("aaaa1"), nil},
		{"name wins over prefix", "aaaa2", id("cccc1"), nil},
		{"ambiguous name", "web", "", ErrInvalid},
		{"ambiguous prefix", "aaaa", "", ErrInvalid},
		{"wrong node", "node-1/cache", "", ErrNotFound},
		{"unknown", "nope", "", ErrNotFound},
		{"empty", "", "", ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkContainer(t, c, tt.ref, tt.wantID, tt.wantErr)
		})
	}

	var nf *NotFoundError
	if _, err := c.Container("nope"); !errors.As(err, &nf) || nf.Error() != "No such container: nope" {
		t.Fatalf("not found error = %v, want Docker's \"No such container: nope\"", err)
	}

	// A full ID is found through the placement index; the engine's cache
	// has the last word when the index is behind it.
	c.syncIndex()
	ct, err := c.Container(id("bbbb1"))
	if err != nil {
		t.Fatal(err)
	}
	e2 := ct.Engine
	if got := c.idHolder(id("bbbb1")); got != e2 {
		t.Fatalf("the index holds %s under bbbb1's ID, want %s", got.Addr(), e2.Addr())
	}
	e2.Forget(id("bbbb1"))
	if c.idHolder(id("bbbb1")) != e2 {
		t.Fatal("the index was read again before the test")
	}
	checkContainer(t, c, id("bbbb1"), "", ErrNotFound)
	checkContainer(t, c, id("aaaa3"), id("aaaa3"), nil)
	c.syncIndex()
	if got := c.idHolder(id("bbbb1")); got != nil {
		t.Fatalf("a forgotten container's ID is still in the index (on %s)", got.Addr())
	}
}

func TestNewestAPI(t *testing.T) {
	c := New(Options{})
	add := func(name, lo, hi string, h engine.Health) *Engine {
		e := engine.NewFixture(engine.Fixture{Addr: name + ":1", Name: name, ID: "ID-" + name, Health: h, APIVersion: hi, MinAPIVersion: lo})
		c.mu.Lock()
		c.engines[e.Addr()] = &engineRun{engine: e}
		c.mu.Unlock()
		c.gen.Add(1)
		c.epoch.Add(1)
		return e
	}
	if got := c.NewestAPI(); got != "" {
		t.Fatalf("empty cluster: %q", got)
	}
	add("old", "1.12", "1.41", engine.Healthy)
	if got := c.NewestAPI(); got != "1.41" {
		t.Fatalf("20.10 only: %q", got)
	}
	add("down", "1.44", "1.56", engine.Unhealthy)
	if got := c.NewestAPI(); got != "1.41" {
		t.Fatalf("an unhealthy Engine 29 counted: %q", got)
	}
	add("new", "1.44", "1.56", engine.Healthy)
	if got := c.NewestAPI(); got != "1.56" {
		t.Fatalf("with a healthy Engine 29: %q", got)
	}
	// Kept until the epoch moves.
	c.mu.Lock()
	delete(c.engines, "new:1")
	c.mu.Unlock()
	c.gen.Add(1)
	if got := c.NewestAPI(); got != "1.56" {
		t.Fatalf("recomputed without an epoch change: %q", got)
	}
	sink{c}.EngineEvent(engine.NewFixture(engine.Fixture{Addr: "x:1"}), Event{Message: events.Message{Type: engine.ManagerEventType, Action: "engine_remove"}})
	if got := c.NewestAPI(); got != "1.41" {
		t.Fatalf("after a manager event: %q", got)
	}
}

// checkContainer resolves ref and checks that it names the container
// wantID, or fails with wantErr.
func checkContainer(t *testing.T, c *Cluster, ref, wantID string, wantErr error) {
	t.Helper()
	got, err := c.Container(ref)
	if wantErr != nil {
		if !errors.Is(err, wantErr) {
			t.Fatalf("Container(%q) = %v, %v; want %v", ref, got, err, wantErr)
		}
		return
	}
	if err != nil || got.ID() != wantID {
		t.Fatalf("Container(%q) = %v, %v; want %s", ref, got, err, wantID)
	}
}
