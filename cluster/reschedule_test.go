package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/network"

	"github.com/swarm-project/swarm/cluster/engine"
	"github.com/swarm-project/swarm/cluster/state"
	"github.com/swarm-project/swarm/filters"
	"github.com/swarm-project/swarm/test/simengine"
)

// runOn creates and starts a busybox container through the manager with
// the given env, and returns it as cached.
func runOn(t *testing.T, c *Cluster, name string, env ...string) *Container {
	t.Helper()
	ctx := context.Background()
	req := busybox(name)
	req.Config.Env = env
	resp, e, err := c.CreateContainer(ctx, req)
	if err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	if err := e.Client().ContainerStart(ctx, resp.ID, container.StartOptions{}); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	if err := e.RefreshContainer(ctx, resp.ID); err != nil {
		t.Fatal(err)
	}
	return e.Lookup(resp.ID)
}

// copiesOf returns every cached container named name, on any engine.
func copiesOf(c *Cluster, name string) []*Container {
	var out []*Container
	for _, ct := range c.Containers() {
		if ct.Name() == name {
			out = append(out, ct)
		}
	}
	return out
}

// TestRescheduleOnNodeFailure: when node-1 dies, the policy container is
// made again on another node with its name, swarm ID and labels, and
// started; the one without policy and the pinned one stay; a manager
// event tells the move; when node-1 is back its stale copy is removed.
func TestRescheduleOnNodeFailure(t *testing.T) {
	c, sims := simFleet(t, 3, nil)
	ctx := context.Background()
	_, live, cancel := c.Subscribe(1000)
	defer cancel()

	c1 := runOn(t, c, "c1", "reschedule:on-node-failure", "constraint:node==~node-1", "A=1")
	c2 := runOn(t, c, "c2", "constraint:node==~node-1")
	c3 := runOn(t, c, "c3", "reschedule:on-node-failure", "constraint:node==node-1")
	for _, ct := range []*Container{c1, c2, c3} {
		if ct.Engine.Name() != "node-1" {
			t.Fatalf("%s landed on %s, want node-1", ct.Name(), ct.Engine.Name())
		}
	}
	if _, err := c.opts.State.Get(ctx, specKey(c1.SwarmID())); err != nil {
		t.Fatalf("c1's spec is not recorded: %v", err)
	}
	if _, err := c.opts.State.Get(ctx, specKey(c2.SwarmID())); err != state.ErrNotFound {
		t.Fatalf("c2 has no policy, but its spec reads %v", err)
	}

	sims[0].Stop()
	waitUntil(t, "c1 runs on another node", func() bool {
		ct, err := c.Container("c1")
		return err == nil && ct.Engine.Name() != "node-1" && ct.State() == "running"
	})
	moved, _ := c.Container("c1")
	if moved.SwarmID() != c1.SwarmID() || moved.ID() == c1.ID() {
		t.Errorf("moved c1: swarm ID %s, ID %s; want swarm ID %s and a new ID", moved.SwarmID(), moved.ID(), c1.SwarmID())
	}
	if got := moved.Info().Config.Env; !slices.Contains(got, "A=1") || slices.ContainsFunc(got, func(s string) bool { return strings.HasPrefix(s, "reschedule:") }) {
		t.Errorf("moved c1's env = %q", got)
	}
	if got := moved.Labels()["com.docker.swarm.constraints"]; got != `["node==~node-1"]` {
		t.Errorf("moved c1's constraints label = %q", got)
	}
	// The move drops the old copy right after the new one runs.
	waitUntil(t, "one copy of c1 in the cache while node-1 is down", func() bool { return len(copiesOf(c, "c1")) == 1 })
	for _, name := range []string{"c2", "c3"} {
		ct, err := c.Container(name)
		if err != nil || ct.Engine.Name() != "node-1" || !ct.NodeDown() {
			t.Errorf("%s: %v on %v, want it left on node-1 (down)", name, err, ct)
		}
	}
	var ev *Event
	waitUntil(t, "the reschedule event", func() bool {
		for {
			select {
			case e := <-live:
				if e.Action == RescheduleEventAction {
					ev = &e
					return true
				}
			default:
				return false
			}
		}
	})
	attrs := ev.Actor.Attributes
	if attrs["name"] != "c1" || attrs["old.node"] != "node-1" || attrs["new.node"] != moved.Engine.Name() || attrs["swarm.id"] != c1.SwarmID() || ev.Type != engine.ManagerEventType {
		t.Errorf("event %+v", ev)
	}
	s, ok := c.getSpec(ctx, c1.SwarmID())
	if !ok || s.Node != moved.Engine.Name() || s.ContainerID != moved.ID() || !s.Running {
		t.Errorf("spec after the move: %+v", s)
	}

	if err := sims[0].Restart(); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "node-1 is healthy and its stale c1 removed", func() bool {
		e, _ := c.Engine("node-1")
		return e.IsHealthy() && !slices.Contains(sims[0].ContainerIDs(), c1.ID())
	})
	waitUntil(t, "one c1 in the cache", func() bool { return len(copiesOf(c, "c1")) == 1 })
	if ct, err := c.Container("c2"); err != nil || ct.Engine.Name() != "node-1" {
		t.Errorf("c2 after node-1 came back: %v %v", ct, err)
	}
}

// TestMoveOffDrain: on a node that answers, MoveOff moves the policy
// containers, removes their old copies, and warns about the others.
func TestMoveOffDrain(t *testing.T) {
	c, sims := simFleet(t, 2, nil)
	ctx := context.Background()
	c1 := runOn(t, c, "c1", "reschedule:on-node-failure", "constraint:node==~node-1")
	runOn(t, c, "c2", "constraint:node==~node-1")
	runOn(t, c, "c3", "reschedule:on-node-failure", "constraint:node==node-1")
	e, _ := c.Engine("node-1")

	// Up and active (a failure move that came after the node was back).
	if moved, warnings := c.MoveOff(ctx, e, "node failure"); moved != nil || warnings != nil {
		t.Fatalf("moved %q (%q) off a node that answers and is active", moved, warnings)
	}
	if ct, err := c.Container("c1"); err != nil || ct.ID() != c1.ID() {
		t.Fatalf("c1 after a move off an active node: %v %v", ct, err)
	}
	markDrained(t, c, "node-1")

	c.SetLeading(false)
	if moved, warnings := c.MoveOff(ctx, e, "drain"); moved != nil || warnings != nil {
		t.Fatalf("a replica moved %q (%q)", moved, warnings)
	}
	c.SetLeading(true)

	moved, warnings := c.MoveOff(ctx, e, "drain")
	if !slices.Equal(moved, []string{"c1"}) {
		t.Errorf("moved %q, want [c1]", moved)
	}
	if len(warnings) != 2 || !strings.Contains(warnings[0], "c2 has no reschedule policy") || !strings.Contains(warnings[1], "c3 is pinned") {
		t.Errorf("warnings %q", warnings)
	}
	ct, err := c.Container("c1")
	if err != nil || ct.Engine.Name() != "node-2" || ct.SwarmID() != c1.SwarmID() || ct.State() != "running" {
		t.Fatalf("c1 after drain: %v %v", ct, err)
	}
	if slices.Contains(sims[0].ContainerIDs(), c1.ID()) {
		t.Error("c1's old copy is still on node-1")
	}
}

// markDrained sets the availability of the node name to drain without
// moving anything.
func markDrained(t *testing.T, c *Cluster, name string) {
	t.Helper()
	c.nodes.moveOff = func(context.Context, *Engine, string) ([]string, []string) { return nil, nil }
	defer func() { c.nodes.moveOff = nil }()
	update(t, c, name, engine.NodeSpec{Availability: engine.AvailabilityDrain})
}

// TestDrainRemovesStaleCopy: a drained node's policy container whose
// swarm ID runs on another node already is the stale copy: it is removed,
// not moved a second time.
func TestDrainRemovesStaleCopy(t *testing.T) {
	c, sims := simFleet(t, 2, nil)
	ctx := context.Background()
	c1 := runOn(t, c, "c1", "reschedule:on-node-failure", "constraint:node==~node-1")
	e1, _ := c.Engine("node-1")
	e2, _ := c.Engine("node-2")
	if c1.Engine != e1 {
		t.Fatalf("c1 landed on %s", c1.Engine.Name())
	}
	// The copy on node-2, as a move that could not remove c1 leaves it.
	resp, err := e2.Client().ContainerCreate(ctx, c1.Info().Config, &container.HostConfig{}, nil, nil, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if err := e2.Client().ContainerStart(ctx, resp.ID, container.StartOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := e2.RefreshContainer(ctx, resp.ID); err != nil {
		t.Fatal(err)
	}
	markDrained(t, c, "node-1")

	moved, warnings := c.MoveOff(ctx, e1, "drain")
	if !slices.Equal(moved, []string{"c1"}) || warnings != nil {
		t.Fatalf("moved %q, warnings %q; want [c1] and none", moved, warnings)
	}
	if slices.Contains(sims[0].ContainerIDs(), c1.ID()) {
		t.Error("the stale c1 is still on node-1")
	}
	if ids := sims[1].ContainerIDs(); len(ids) != 1 || ids[0] != resp.ID {
		t.Errorf("node-2 holds %q, want only %s", ids, resp.ID)
	}
	waitUntil(t, "one c1, on node-2", func() bool {
		cps := copiesOf(c, "c1")
		return len(cps) == 1 && cps[0].ID() == resp.ID
	})
}

// TestRescheduleNoPlace: with nowhere to go the container stays cached
// on the dead node, and is moved by a later reconcile once a node fits.
func TestRescheduleNoPlace(t *testing.T) {
	c, sims := simFleet(t, 2, func(i int, cfg *simengine.Config) {
		if i == 0 {
			cfg.Labels = []string{"disk=ssd"}
		}
	})
	ctx := context.Background()
	c1 := runOn(t, c, "c1", "reschedule:on-node-failure", "constraint:disk==ssd")
	sims[0].Stop()
	e1, _ := c.Engine("node-1")
	waitUntil(t, "node-1 is down", func() bool { return e1.Health() == Unhealthy })
	moved, warnings := c.MoveOff(ctx, e1, "node failure")
	if len(moved) != 0 || len(warnings) != 1 || !strings.Contains(warnings[0], "could not be moved") {
		t.Fatalf("moved %q, warnings %q", moved, warnings)
	}
	if ct, err := c.Container("c1"); err != nil || ct.ID() != c1.ID() {
		t.Fatalf("c1 should still be the old copy: %v %v", ct, err)
	}
	// A node with the label joins.
	s3 := startSim(t, simengine.Config{Name: "node-3", Labels: []string{"disk=ssd"}})
	addSims(t, c, s3)
	waitUntil(t, "node-3 is healthy", func() bool { e, err := c.Engine("node-3"); return err == nil && e.IsHealthy() })
	c.reconcile(ctx, true)
	ct, err := c.Container("c1")
	if err != nil || ct.Engine.Name() != "node-3" || ct.SwarmID() != c1.SwarmID() {
		t.Fatalf("c1 after reconcile: %v %v", ct, err)
	}
}

// TestTakeOverFromSpec: a spec whose node is gone, and whose container
// runs nowhere, is created again (started when it ran); one whose
// container runs is left alone; a pinned one stays.
func TestTakeOverFromSpec(t *testing.T) {
	c, _ := simFleet(t, 2, nil)
	ctx := context.Background()
	running := runOn(t, c, "up", "reschedule:on-node-failure")
	put := func(s *Spec) {
		data, _ := json.Marshal(s)
		if err := c.opts.State.Put(ctx, specKey(s.SwarmID), data); err != nil {
			t.Fatal(err)
		}
	}
	lost := newSwarmID()
	put(&Spec{Name: "lost", SwarmID: lost, Node: "node-9", NodeID: "GONE", Running: true,
		Config: &container.Config{Image: "busybox", Labels: map[string]string{
			"com.docker.swarm.reschedule-policies": `["on-node-failure"]`, "app": "x"}},
		HostConfig: &container.HostConfig{}})
	pinned := newSwarmID()
	put(&Spec{Name: "pinned", SwarmID: pinned, Node: "node-9", NodeID: "GONE",
		Config: &container.Config{Image: "busybox", Labels: map[string]string{
			"com.docker.swarm.reschedule-policies": `["on-node-failure"]`, "com.docker.swarm.constraints": `["node==node-9"]`}},
		HostConfig: &container.HostConfig{}})

	c.SetLeading(false)
	c.TakeOver(ctx)
	if _, err := c.Container("lost"); err == nil {
		t.Fatal("a replica took over")
	}
	c.SetLeading(true)
	c.TakeOver(ctx)
	ct, err := c.Container("lost")
	if err != nil || ct.SwarmID() != lost || ct.State() != "running" || ct.Labels()["app"] != "x" {
		t.Fatalf("lost after TakeOver: %v %v", ct, err)
	}
	if _, err := c.Container("pinned"); err == nil {
		t.Error("the pinned container was moved")
	}
	if n := len(copiesOf(c, "up")); n != 1 || copiesOf(c, "up")[0].ID() != running.ID() {
		t.Errorf("TakeOver touched a running container (%d copies)", n)
	}
	c.TakeOver(ctx) // again: nothing more
	if n := len(copiesOf(c, "lost")); n != 1 {
		t.Errorf("%d copies of lost after a second TakeOver", n)
	}
}

// TestSpecSync: the spec follows a rename and a stop, and is deleted when
// the container is removed; a container made on an engine directly with a
// policy gets one from the cache.
func TestSpecSync(t *testing.T) {
	c, sims := simFleet(t, 1, nil)
	ctx := context.Background()
	ct := runOn(t, c, "web", "reschedule:on-node-failure")
	e := ct.Engine
	sid := ct.SwarmID()
	if err := e.Client().ContainerRename(ctx, ct.ID(), "web2"); err != nil {
		t.Fatal(err)
	}
	if err := e.Client().ContainerStop(ctx, ct.ID(), container.StopOptions{}); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the cache sees the rename and stop", func() bool {
		got := e.Lookup(ct.ID())
		return got != nil && got.Name() == "web2" && got.State() != "running"
	})
	c.syncSpecs(ctx)
	s, ok := c.getSpec(ctx, sid)
	if !ok || s.Name != "web2" || s.Running || s.Config.Image != "busybox" {
		t.Fatalf("spec after rename and stop: %+v", s)
	}

	other := newSwarmID()
	if _, err := sims[0].AddContainer(simengine.Container{Name: "direct", Config: &container.Config{Image: "busybox",
		Labels: map[string]string{"com.docker.swarm.reschedule-policies": `["on-node-failure"]`, engine.SwarmIDLabel: other}}}); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "direct is cached", func() bool { return e.BySwarmID(other) != nil })
	c.syncSpecs(ctx)
	if s, ok := c.getSpec(ctx, other); !ok || s.Name != "direct" {
		t.Errorf("spec of a container made on the engine: %+v", s)
	}

	if err := e.Client().ContainerRemove(ctx, ct.ID(), container.RemoveOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the cache drops web2", func() bool { return e.Lookup(ct.ID()) == nil })
	c.syncSpecs(ctx)
	if _, ok := c.getSpec(ctx, sid); ok {
		t.Error("the spec of a removed container is still recorded")
	}
}

// TestSpecFromCache: what the engine reports becomes a create request.
func TestSpecFromCache(t *testing.T) {
	id := strings.Repeat("ab", 32)
	tests := []struct {
		name         string
		hostname     string
		shares       int64
		networks     map[string]*network.EndpointSettings
		wantHostname string
		wantShares   int64
		wantNets     map[string][]string // network -> aliases
	}{
		{name: "engine host name dropped", hostname: id[:12]},
		{name: "own host name kept", hostname: "db", wantHostname: "db"},
		{name: "default networks dropped", networks: map[string]*network.EndpointSettings{"bridge": {}}},
		{name: "user network kept without the ID alias",
			networks: map[string]*network.EndpointSettings{"app": {Aliases: []string{id[:12], "db"}}},
			wantNets: map[string][]string{"app": {"db"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info := container.InspectResponse{
				ContainerJSONBase: &container.ContainerJSONBase{ID: id, Name: "/db", State: &container.State{Running: true, Status: "running"},
					HostConfig: &container.HostConfig{Resources: container.Resources{CPUShares: tt.shares}}},
				Config:          &container.Config{Hostname: tt.hostname, Image: "redis", Labels: map[string]string{engine.SwarmIDLabel: "sid", filters.ReschedulePoliciesLabel: `["on-node-failure"]`}},
				NetworkSettings: &container.NetworkSettings{Networks: tt.networks},
			}
			e := engine.NewFixture(engine.Fixture{Name: "node-1", ID: "N1", Containers: []container.InspectResponse{info}})
			s := specFromCache(e.Containers()[0])
			if s.Name != "db" || s.SwarmID != "sid" || s.Config.Image != "redis" || s.Config.Hostname != tt.wantHostname || s.HostConfig.CPUShares != tt.wantShares {
				t.Errorf("spec %+v %+v %+v", s, s.Config, s.HostConfig)
			}
			got := map[string][]string{}
			if s.NetworkingConfig != nil {
				for n, ep := range s.NetworkingConfig.EndpointsConfig {
					got[n] = ep.Aliases
				}
			}
			if len(got) != len(tt.wantNets) {
				t.Fatalf("networks %v, want %v", got, tt.wantNets)
			}
			for n, a := range tt.wantNets {
				if !slices.Equal(got[n], a) {
					t.Errorf("network %s aliases %q, want %q", n, got[n], a)
				}
			}
		})
	}
}

// TestTakeOverAfterRestart: a manager with a state file creates c1 on
// node-1 and stops; node-1 dies while no manager runs; a new manager over
// the same file, once its first refresh round is over, makes c1 again on
// node-2 from the recorded spec (its watcher's TakeOver).
func TestTakeOverAfterRestart(t *testing.T) {
	path := t.TempDir() + "/state.json"
	store, err := state.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sims := []*simengine.Engine{startSim(t, simengine.Config{Name: "node-1"}), startSim(t, simengine.Config{Name: "node-2"})}
	opts := simOptions(t)
	opts.State = store
	first := newSimCluster(t, opts)
	addSims(t, first, sims...)
	firstCtx, stopFirst := context.WithCancel(context.Background())
	defer stopFirst()
	first.startWatcher(firstCtx)
	c1 := runOn(t, first, "c1", "reschedule:on-node-failure", "constraint:node==~node-1")
	waitUntil(t, "the spec says c1 runs", func() bool { s, ok := first.getSpec(firstCtx, c1.SwarmID()); return ok && s.Running })
	first.stopAll()
	sims[0].Stop()

	reopened, err := state.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	opts = simOptions(t)
	opts.State = reopened
	second := newSimCluster(t, opts)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for _, s := range sims {
		if err := second.AddEngine(ctx, s.Addr()); err != nil {
			t.Fatal(err)
		}
	}
	second.startWatcher(ctx)
	waitUntil(t, "c1 runs on node-2", func() bool {
		ct, err := second.Container("c1")
		return err == nil && ct.Engine.Name() == "node-2" && ct.State() == "running" && ct.SwarmID() == c1.SwarmID()
	})
	s, ok := second.getSpec(ctx, c1.SwarmID())
	if !ok || s.Node != "node-2" {
		t.Errorf("spec after the takeover: %+v", s)
	}
}

// TestNameOfAMovedContainer: a name shared by a re-created container and
// its old copy on a down node finds the new one; the name check lets a
// re-creation take a name only its own old copy holds.
func TestNameOfAMovedContainer(t *testing.T) {
	hex := func(prefix string) string { return prefix + strings.Repeat("0", 64-len(prefix)) }
	c := New(Options{})
	addFixture(c, engine.Fixture{Addr: "a:1", Name: "node-1", Health: engine.Healthy, Containers: []container.InspectResponse{
		withLabels(hex("6666"), "moved", hex("dddd1")),
		withLabels(hex("7777"), "both", hex("eeee1")),
	}})
	addFixture(c, engine.Fixture{Addr: "b:1", Name: "node-2", Health: engine.Unhealthy, Containers: []container.InspectResponse{
		withLabels(hex("9999"), "moved", hex("dddd1")),
		withLabels(hex("aaaa2"), "gone", hex("ffff1")),
		withLabels(hex("bbbb2"), "both", hex("ffff2")), // another container of that name
	}})
	if ct, err := c.Container("moved"); err != nil || ct.ID() != hex("6666") {
		t.Errorf("Container(moved) = %v, %v; want the copy on node-1", ct, err)
	}
	if _, err := c.Container("both"); !errors.Is(err, ErrInvalid) {
		t.Errorf("Container(both) = %v, want ambiguous: two swarm IDs", err)
	}

	tests := []struct {
		name   string
		create string
		mv     *move
		ok     bool
	}{
		{"a plain create", "gone", nil, false},
		{"the re-creation of gone", "gone", &move{swarmID: hex("ffff1")}, true},
		{"a move of another swarm ID", "gone", &move{swarmID: hex("ffff9")}, false},
		{"the live copy still holds its name", "moved", &move{swarmID: hex("dddd1")}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.mv != nil {
				c.startMove(tt.create, tt.mv)
				defer c.endMove(tt.create)
			}
			err := c.NameAvailable(tt.create)
			if tt.ok && err != nil {
				t.Fatalf("NameAvailable(%s): %v", tt.create, err)
			}
			if !tt.ok && !errors.Is(err, ErrConflict) {
				t.Fatalf("NameAvailable(%s) = %v, want a conflict", tt.create, err)
			}
		})
	}
}

// TestMoveWithoutSwarmID: a policy container made directly on the
// engine, without a swarm ID, moves off a drained node that still holds
// its old copy, and off a failed node: the old copy does not hold the
// name. The new copy has a swarm ID of its own.
func TestMoveWithoutSwarmID(t *testing.T) {
	for _, tt := range []struct {
		name string
		down bool // the node fails instead of being drained
	}{
		{"drain", false},
		{"node failure", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, sims := simFleet(t, 2, nil)
			ctx := context.Background()
			e, _ := c.Engine("node-1")
			cfg := &container.Config{Image: "busybox", Cmd: []string{"sleep", "600"},
				Labels: map[string]string{"com.docker.swarm.reschedule-policies": `["on-node-failure"]`}}
			resp, err := e.Client().ContainerCreate(ctx, cfg, &container.HostConfig{}, nil, nil, "solo")
			if err != nil {
				t.Fatal(err)
			}
			if err := e.Client().ContainerStart(ctx, resp.ID, container.StartOptions{}); err != nil {
				t.Fatal(err)
			}
			if err := e.RefreshContainer(ctx, resp.ID); err != nil {
				t.Fatal(err)
			}
			if ct := e.Lookup(resp.ID); ct == nil || ct.SwarmID() != "" {
				t.Fatalf("solo as cached: %v", ct)
			}

			if tt.down {
				sims[0].Stop() // the cluster moves it by itself
			} else {
				markDrained(t, c, "node-1")
				moved, warnings := c.MoveOff(ctx, e, "drain")
				if !slices.Equal(moved, []string{"solo"}) || warnings != nil {
					t.Fatalf("moved %q, warnings %q; want [solo] and none", moved, warnings)
				}
				if slices.Contains(sims[0].ContainerIDs(), resp.ID) {
					t.Error("solo's old copy is still on node-1")
				}
			}
			waitUntil(t, "one solo, running on node-2", func() bool {
				cps := copiesOf(c, "solo")
				return len(cps) == 1 && cps[0].Engine.Name() == "node-2" && cps[0].State() == "running" && cps[0].SwarmID() != ""
			})
		})
	}
}

// TestTakeOverStartsAnUnstartedMove: an old primary that died between
// creating a moved copy and starting it leaves the copy created and the
// spec naming the old container. The next primary starts the copy when
// the spec says the container ran, and records it; it leaves a copy whose
// spec says stopped, or that the spec names, as it is.
func TestTakeOverStartsAnUnstartedMove(t *testing.T) {
	tests := []struct {
		name      string
		running   bool // the spec says the container ran
		specNames bool // the spec names the created copy itself
		want      string
	}{
		{name: "moved copy of a running container", running: true, want: "running"},
		{name: "moved copy of a stopped container", running: false, want: "created"},
		{name: "the recorded container, never started", running: true, specNames: true, want: "created"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := simFleet(t, 2, nil)
			ctx := context.Background()
			sid := newSwarmID()
			labels := map[string]string{"com.docker.swarm.reschedule-policies": `["on-node-failure"]`, engine.SwarmIDLabel: sid}
			e, err := c.Engine("node-2")
			if err != nil {
				t.Fatal(err)
			}
			resp, err := e.Client().ContainerCreate(ctx, &container.Config{Image: "busybox", Labels: labels}, &container.HostConfig{}, nil, nil, "moved")
			if err != nil {
				t.Fatal(err)
			}
			if err := e.RefreshContainer(ctx, resp.ID); err != nil {
				t.Fatal(err)
			}
			spec := &Spec{Name: "moved", SwarmID: sid, Node: "node-9", NodeID: "GONE", ContainerID: "old", Running: tt.running,
				Config: &container.Config{Image: "busybox", Labels: labels}, HostConfig: &container.HostConfig{}}
			if tt.specNames {
				spec.Node, spec.NodeID, spec.ContainerID = "node-2", e.ID(), resp.ID
			}
			data, _ := json.Marshal(spec)
			if err := c.opts.State.Put(ctx, specKey(sid), data); err != nil {
				t.Fatal(err)
			}
			c.syncSpecs(ctx) // must not record the copy as stopped first
			c.TakeOver(ctx)
			got := "gone"
			if ct := e.Lookup(resp.ID); ct != nil {
				got = ct.State()
			}
			if got != tt.want {
				t.Fatalf("the copy after TakeOver is %s, want %s", got, tt.want)
			}
			if n := len(copiesOf(c, "moved")); n != 1 {
				t.Errorf("%d copies after TakeOver, want 1", n)
			}
			s, ok := c.getSpec(ctx, sid)
			if !ok || s.ContainerID != resp.ID || s.Running != (tt.want == "running") {
				t.Errorf("spec after TakeOver: %+v", s)
			}
		})
	}
}
