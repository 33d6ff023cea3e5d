package cluster

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/swarm-project/swarm/cluster/engine"
	"github.com/swarm-project/swarm/cluster/state"
	"github.com/swarm-project/swarm/scheduler"
	"github.com/swarm-project/swarm/test/simengine"
)

// update sets ref's spec at its current version, failing the test on error.
func update(t *testing.T, c *Cluster, ref string, spec engine.NodeSpec) []string {
	t.Helper()
	n, err := c.SwarmNode(ref)
	if err != nil {
		t.Fatal(err)
	}
	warns, err := c.UpdateNode(context.Background(), ref, n.Meta.Version, spec)
	if err != nil {
		t.Fatalf("update %s to %+v: %v", ref, spec, err)
	}
	return warns
}

// placements creates n containers (with env) and counts them per node.
func placements(t *testing.T, c *Cluster, n int, env ...string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for i := 0; i < n; i++ {
		req := busybox("")
		req.Config.Env = env
		_, e, err := c.CreateContainer(context.Background(), req)
		if err != nil {
			t.Fatalf("create %d: %v", i, err)
		}
		out[e.Name()]++
	}
	return out
}

func TestNodeAvailabilityPlacement(t *testing.T) {
	tests := []struct {
		name  string
		avail engine.Availability
		takes bool // node-1 takes new containers
	}{
		{"active", engine.AvailabilityActive, true},
		{"pause", engine.AvailabilityPause, false},
		{"drain", engine.AvailabilityDrain, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := simFleet(t, 3, nil)
			update(t, c, "node-1", engine.NodeSpec{Availability: tt.avail})
			got := placements(t, c, 6)
			if (got["node-1"] > 0) != tt.takes {
				t.Fatalf("placements %v with node-1 %s", got, tt.avail)
			}
			_, _, err := c.CreateContainer(context.Background(), func() CreateRequest {
				r := busybox("")
				r.Config.Env = []string{"constraint:node==node-1"}
				return r
			}())
			if tt.takes {
				if err != nil {
					t.Fatalf("pinned create on an active node: %v", err)
				}
				return
			}
			var nn *scheduler.NoNodeError
			if !errors.Is(err, ErrNoFit) || !errors.As(err, &nn) {
				t.Fatalf("pinned create: %v, want a no-fit error", err)
			}
			if want := fmt.Sprintf("node-1 (availability %s)", tt.avail); !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), scheduler.MsgNoFit) {
				t.Fatalf("pinned create: %q, want the no-fit message naming %q", err, want)
			}
		})
	}
}

func TestNodeActiveRestoresPlacement(t *testing.T) {
	c, _ := simFleet(t, 2, nil)
	update(t, c, "node-1", engine.NodeSpec{Availability: engine.AvailabilityDrain})
	if got := placements(t, c, 2); got["node-2"] != 2 {
		t.Fatalf("while node-1 drains: %v", got)
	}
	update(t, c, "node-1", engine.NodeSpec{Availability: engine.AvailabilityActive})
	if got := placements(t, c, 2); got["node-1"] != 2 {
		t.Fatalf("after active, spread should fill node-1 first: %v", got)
	}
}

func TestNodeNoFitWithoutUnavailableNode(t *testing.T) {
	c, _ := simFleet(t, 2, nil)
	update(t, c, "node-1", engine.NodeSpec{Availability: engine.AvailabilityPause})
	req := busybox("")
	req.Config.Env = []string{"constraint:tier==gold"}
	_, _, err := c.CreateContainer(context.Background(), req)
	if err == nil || strings.Contains(err.Error(), "availability") {
		t.Fatalf("no node would fit even if active: %v, want the classic message alone", err)
	}
}

func TestNodeLabelsInConstraints(t *testing.T) {
	c, _ := simFleet(t, 3, func(i int, cfg *simengine.Config) { cfg.Labels = []string{"tier=bronze"} })
	update(t, c, "node-2", engine.NodeSpec{Labels: map[string]string{"tier": "gold", "zone": "b"}})
	tests := []struct {
		name string
		env  string
		want string // the only node; "" for no fit
	}{
		{"manager label", "constraint:zone==b", "node-2"},
		{"overrides the engine label", "constraint:tier==gold", "node-2"},
		{"engine label elsewhere", "constraint:tier==bronze", ""},
		{"regexp over both", "constraint:tier==/gold|silver/", "node-2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := busybox("")
			req.Config.Env = []string{tt.env}
			_, e, err := c.CreateContainer(context.Background(), req)
			switch {
			case tt.want == "" && err == nil && e.Name() == "node-2":
				t.Fatalf("%s placed on node-2, whose tier is overridden", tt.env)
			case tt.want != "" && (err != nil || e.Name() != tt.want):
				t.Fatalf("%s: %v on %v, want %s", tt.env, err, e, tt.want)
			}
		})
	}
	update(t, c, "node-2", engine.NodeSpec{})
	req := busybox("")
	req.Config.Env = []string{"constraint:zone==b"}
	if _, _, err := c.CreateContainer(context.Background(), req); !errors.Is(err, ErrNoFit) {
		t.Fatalf("after the labels are removed: %v, want no fit", err)
	}
}

func TestUpdateNodeErrors(t *testing.T) {
	c, _ := simFleet(t, 2, func(i int, cfg *simengine.Config) { cfg.ID = fmt.Sprintf("ABCD:%d", i) })
	tests := []struct {
		name    string
		ref     string
		version uint64
		spec    engine.NodeSpec
		wantErr error
		wantMsg string
	}{
		{"unknown node", "nosuch", 0, engine.NodeSpec{}, ErrNotFound, "node nosuch not found"},
		{"empty ref", "", 0, engine.NodeSpec{}, ErrNotFound, "not found"},
		{"ambiguous prefix", "ABCD", 0, engine.NodeSpec{}, ErrInvalid, "node ABCD is ambiguous (2 matches found)"},
		{"stale version", "node-1", 7, engine.NodeSpec{}, ErrConflict, "update out of sequence"},
		{"bad availability", "node-1", 0, engine.NodeSpec{Availability: "sleepy"}, ErrInvalid, `invalid availability "sleepy"`},
		{"empty label key", "node-1", 0, engine.NodeSpec{Labels: map[string]string{"": "x"}}, ErrInvalid, "key is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.UpdateNode(context.Background(), tt.ref, tt.version, tt.spec)
			if !errors.Is(err, tt.wantErr) || err == nil || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("got %v, want %v containing %q", err, tt.wantErr, tt.wantMsg)
			}
		})
	}
	if n, _ := c.SwarmNode("node-1"); n.Meta.Version != 0 || n.Meta.Spec.Availability != engine.AvailabilityActive {
		t.Fatalf("a refused update changed the node: %+v", n.Meta)
	}
}

func TestSwarmNodeLookup(t *testing.T) {
	c, sims := simFleet(t, 2, func(i int, cfg *simengine.Config) { cfg.ID = fmt.Sprintf("ID%d:XYZ", i+1) })
	tests := []struct{ ref, want string }{
		{"ID1:XYZ", "node-1"},
		{"node-2", "node-2"},
		{"ID2", "node-2"},
		{sims[0].Addr(), "node-1"},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			n, err := c.SwarmNode(tt.ref)
			if err != nil || n.Engine.Name() != tt.want {
				t.Fatalf("SwarmNode(%q) = %v, %v; want %s", tt.ref, n.Engine, err, tt.want)
			}
		})
	}
	if got := c.SwarmNodes(); len(got) != 2 || got[0].NodeID() != "ID1:XYZ" || got[1].Meta.Spec.Availability != engine.AvailabilityActive {
		t.Fatalf("SwarmNodes = %+v", got)
	}
}

func TestUpdateNodeVersions(t *testing.T) {
	c, _ := simFleet(t, 1, nil)
	for i := 1; i <= 3; i++ {
		update(t, c, "node-1", engine.NodeSpec{Availability: engine.AvailabilityPause})
		n, _ := c.SwarmNode("node-1")
		if n.Meta.Version != uint64(i) || n.Meta.CreatedAt.IsZero() || n.Meta.UpdatedAt.Before(n.Meta.CreatedAt) {
			t.Fatalf("after update %d: %+v", i, n.Meta)
		}
	}
}

func TestDrainCallsMoveOff(t *testing.T) {
	c, _ := simFleet(t, 2, nil)
	var mu sync.Mutex
	var calls []string
	c.nodes.moveOff = func(_ context.Context, e *Engine, why string) ([]string, []string) {
		mu.Lock()
		defer mu.Unlock()
		calls = append(calls, e.Name()+":"+why)
		return []string{"web"}, []string{"container db has no reschedule policy: it stays on " + e.Name()}
	}
	steps := []struct {
		avail     engine.Availability
		wantCalls int
		wantWarn  bool
	}{
		{engine.AvailabilityPause, 0, false},
		{engine.AvailabilityDrain, 1, true},
		{engine.AvailabilityDrain, 1, false}, // already drained: nothing moves again
		{engine.AvailabilityActive, 1, false},
		{engine.AvailabilityDrain, 2, true},
	}
	for i, st := range steps {
		warns := update(t, c, "node-1", engine.NodeSpec{Availability: st.avail})
		mu.Lock()
		n := len(calls)
		mu.Unlock()
		if n != st.wantCalls || (len(warns) > 0) != st.wantWarn {
			t.Fatalf("step %d (%s): %d MoveOff calls %v, warnings %v", i, st.avail, n, calls, warns)
		}
		if st.wantWarn && !strings.Contains(warns[0], "db has no reschedule policy") {
			t.Fatalf("warnings %v", warns)
		}
	}
	if calls[0] != "node-1:drain" {
		t.Fatalf("MoveOff called as %v", calls)
	}
}

func TestNodeStatePersists(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	sim := startSim(t, simengine.Config{Name: "node-1"})
	start := func() *Cluster {
		f, err := state.OpenFile(path)
		if err != nil {
			t.Fatal(err)
		}
		opts := simOptions(t)
		opts.State = f
		c := newSimCluster(t, opts)
		if err := c.LoadNodes(context.Background()); err != nil {
			t.Fatal(err)
		}
		addSims(t, c, sim)
		return c
	}
	c1 := start()
	update(t, c1, "node-1", engine.NodeSpec{Availability: engine.AvailabilityDrain, Labels: map[string]string{"tier": "gold"}})
	before, _ := c1.SwarmNode("node-1")
	c1.stopAll()

	c2 := start()
	after, err := c2.SwarmNode("node-1")
	if err != nil {
		t.Fatal(err)
	}
	if after.Meta.Spec.Availability != engine.AvailabilityDrain || after.Meta.Spec.Labels["tier"] != "gold" ||
		after.Meta.Version != before.Meta.Version || !after.Meta.UpdatedAt.Equal(before.Meta.UpdatedAt) {
		t.Fatalf("after restart %+v, before %+v", after.Meta, before.Meta)
	}
	req := busybox("")
	req.Config.Env = []string{"constraint:tier==gold"}
	if _, _, err := c2.CreateContainer(context.Background(), req); !errors.Is(err, ErrNoFit) || !strings.Contains(err.Error(), "availability drain") {
		t.Fatalf("create on the restored drained node: %v", err)
	}
}

func TestNodeRecordReadWhenEngineConnects(t *testing.T) {
	store := state.NewMemory()
	sim := startSim(t, simengine.Config{Name: "node-1", ID: "LATE:1"})
	opts := simOptions(t)
	opts.State = store
	c := newSimCluster(t, opts)
	if err := c.LoadNodes(context.Background()); err != nil { // nothing yet
		t.Fatal(err)
	}
	// Another manager (or a person) wrote the record after the load.
	if err := store.Put(context.Background(), "nodes/LATE:1", []byte(`{"spec":{"availability":"pause","labels":{"a":"b"}},"version":4}`)); err != nil {
		t.Fatal(err)
	}
	addSims(t, c, sim)
	n, _ := c.SwarmNode("node-1")
	if n.Meta.Spec.Availability != engine.AvailabilityPause || n.Meta.Version != 4 || n.Meta.Spec.Labels["a"] != "b" {
		t.Fatalf("record after connect: %+v", n.Meta)
	}
}

func TestNodeCreatedAtBeforeFirstUpdate(t *testing.T) {
	c, _ := simFleet(t, 1, nil)
	n, _ := c.SwarmNode("node-1")
	if n.Meta.CreatedAt.IsZero() || !n.Meta.UpdatedAt.IsZero() || n.Meta.Version != 0 {
		t.Fatalf("a node never updated: %+v, want a join time, no update time, version 0", n.Meta)
	}
	update(t, c, "node-1", engine.NodeSpec{Availability: engine.AvailabilityPause})
	after, _ := c.SwarmNode("node-1")
	if !after.Meta.CreatedAt.Equal(n.Meta.CreatedAt) || after.Meta.Version != 1 {
		t.Fatalf("after the first update: %+v, was %+v", after.Meta, n.Meta)
	}
}

func TestNodeUpdateEvent(t *testing.T) {
	c, _ := simFleet(t, 1, nil)
	_, live, cancel := c.Events().Subscribe(16)
	defer cancel()
	update(t, c, "node-1", engine.NodeSpec{Availability: engine.AvailabilityPause})
	for {
		var ev Event
		select {
		case ev = <-live:
		case <-time.After(10 * time.Second):
			t.Fatal("no node update event")
		}
		if ev.Type != "node" {
			continue // engine events of the simulated engine
		}
		a := ev.Actor.Attributes
		if ev.Action != "update" || a["name"] != "node-1" || a["availability.old"] != "active" || a["availability.new"] != "pause" || ev.Node == nil || ev.Node.Name != "node-1" {
			t.Fatalf("event %+v", ev)
		}
		return
	}
}
