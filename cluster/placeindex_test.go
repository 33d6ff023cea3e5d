package cluster

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/go-connections/nat"

	"github.com/swarm-project/swarm/cluster/engine"
	"github.com/swarm-project/swarm/scheduler/node"
	"github.com/swarm-project/swarm/test/simengine"
)

// parallelCreates runs the creates req(i), i < n, all at once and returns
// where each landed and its error.
func parallelCreates(c *Cluster, n int, req func(i int) CreateRequest) ([]*Engine, []error) {
	placed := make([]*Engine, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := req(i)
			<-start
			_, placed[i], errs[i] = c.CreateContainer(context.Background(), r)
		}()
	}
	close(start)
	wg.Wait()
	return placed, errs
}

// TestParallelCreatesGuarantees runs many creates at once, which decide in
// parallel and commit under schedMu, and checks what no two of them may
// share.
func TestParallelCreatesGuarantees(t *testing.T) {
	tests := []struct {
		name    string
		nodes   int
		creates int
		cfg     func(i int, c *simengine.Config)
		drain   string // a node drained before the creates
		req     func(i int) CreateRequest
		wantOK  int
		perNode int // at most this many on one node; 0: no bound
		errIs   func(error) bool
	}{
		{
			name: "one name", nodes: 3, creates: 50,
			req:    func(int) CreateRequest { return busybox("only") },
			wantOK: 1,
			errIs:  func(err error) bool { return errors.Is(err, ErrConflict) },
		},
		{
			name: "one host port", nodes: 3, creates: 12,
			req: func(int) CreateRequest {
				r := busybox("")
				r.HostConfig = &container.HostConfig{PortBindings: nat.PortMap{"80/tcp": {{HostPort: "8080"}}}}
				return r
			},
			wantOK: 3, perNode: 1,
			errIs: func(err error) bool { return errors.Is(err, ErrNoFit) },
		},
		{
			name: "memory", nodes: 3, creates: 12,
			cfg: func(_ int, c *simengine.Config) { c.MemTotal = 1 << 30 },
			req: func(int) CreateRequest {
				r := busybox("")
				r.HostConfig = &container.HostConfig{Resources: container.Resources{Memory: 400 << 20}}
				return r
			},
			wantOK: 6, perNode: 2,
			errIs: func(err error) bool { return errors.Is(err, ErrNoFit) },
		},
		{
			name: "cpus", nodes: 2, creates: 10,
			cfg: func(_ int, c *simengine.Config) { c.NCPU = 2 },
			req: func(int) CreateRequest {
				r := busybox("")
				r.HostConfig = &container.HostConfig{Resources: container.Resources{NanoCPUs: node.NanoCPU}}
				return r
			},
			wantOK: 4, perNode: 2,
			errIs: func(err error) bool { return errors.Is(err, ErrNoFit) },
		},
		{
			name: "drained node", nodes: 3, creates: 12, drain: "node-2",
			req:    func(int) CreateRequest { return busybox("") },
			wantOK: 12,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := simFleet(t, tt.nodes, tt.cfg)
			if tt.drain != "" {
				update(t, c, tt.drain, engine.NodeSpec{Availability: engine.AvailabilityDrain})
			}
			placed, errs := parallelCreates(c, tt.creates, tt.req)
			ok := 0
			perNode := map[string]int{}
			for i, err := range errs {
				if err != nil {
					if tt.errIs == nil || !tt.errIs(err) {
						t.Fatalf("create %d: unexpected error %v", i, err)
					}
					continue
				}
				ok++
				perNode[placed[i].Name()]++
			}
			if ok != tt.wantOK {
				t.Fatalf("%d of %d creates succeeded (%v), want %d", ok, tt.creates, perNode, tt.wantOK)
			}
			for name, n := range perNode {
				if tt.perNode > 0 && n > tt.perNode {
					t.Fatalf("%s took %d containers, at most %d fit: %v", name, n, tt.perNode, perNode)
				}
				if name == tt.drain {
					t.Fatalf("drained %s took %d containers: %v", name, n, perNode)
				}
			}
			// Nothing stays reserved once the creates are done.
			c.schedMu.Lock()
			left := len(c.pending)
			c.schedMu.Unlock()
			if left != 0 {
				t.Fatalf("%d engines still hold reservations", left)
			}
		})
	}
}

// TestLandedCreateCountsOnce: a create's container is in the engine's
// cache, and so in the placement index, from its read until its
// reservation is released. A decision meanwhile counts it once: an engine
// with room for two 1-CPU containers takes a second one, and no third.
// (Counted twice, parallel creates were refused with room left.)
func TestLandedCreateCountsOnce(t *testing.T) {
	c, _ := simFleet(t, 1, func(_ int, cfg *simengine.Config) { cfg.NCPU = 2 })
	req := busybox("")
	req.HostConfig = &container.HostConfig{Resources: container.Resources{NanoCPUs: node.NanoCPU}}
	placement := containerRequest("", req.Config, req.HostConfig, nil)
	e, p, err := c.reserve(placement, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.createOn(context.Background(), e, "", req.Config, req, &p)
	if err != nil {
		t.Fatal(err)
	}
	if p.ID != resp.ID {
		t.Fatalf("the reservation's ID is %q after the create, want %s", p.ID, resp.ID)
	}
	s, err := c.takeSnapshot(nil, false, "")
	if err != nil {
		t.Fatal(err)
	}
	n := s.nodes[0]
	s.recycle()
	if len(n.Containers) != 1 || n.ReservedCPUs != node.NanoCPU {
		t.Fatalf("the view counts %d containers and %d CPUs, want 1 and one CPU", len(n.Containers), n.ReservedCPUs)
	}
	e2, p2, err := c.reserve(placement, nil)
	if err != nil {
		t.Fatalf("a second 1-CPU container on a 2-CPU engine: %v", err)
	}
	if _, _, err := c.reserve(placement, nil); !errors.Is(err, ErrNoFit) {
		t.Fatalf("a third 1-CPU container: %v, want no fit", err)
	}
	c.release(e2, p2)
	c.release(e, p)
	c.schedMu.Lock()
	left := len(c.pending)
	c.schedMu.Unlock()
	if left != 0 {
		t.Fatalf("%d engines still hold reservations after both releases", left)
	}
}

// TestNameIndexFollowsCache checks that the names a create is refused
// come from the cache as it is now: a removed container frees its name, a
// renamed one takes its new name, and the message names the holder.
func TestNameIndexFollowsCache(t *testing.T) {
	c, _ := simFleet(t, 2, nil)
	ctx := context.Background()
	resp, e, err := c.CreateContainer(ctx, busybox("web"))
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("Conflict. The container name \"/web\" is already in use by container \"%s\". You have to remove (or rename) that container to be able to reuse that name.", resp.ID)
	if _, _, err := c.CreateContainer(ctx, busybox("web")); !errors.Is(err, ErrConflict) || err.Error() != want {
		t.Fatalf("second create of web: %v, want %q", err, want)
	}
	if err := e.Client().ContainerRename(ctx, resp.ID, "api"); err != nil {
		t.Fatal(err)
	}
	if err := e.RefreshContainer(ctx, resp.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.NameAvailable("web"); err != nil {
		t.Fatalf("web after the rename: %v", err)
	}
	if err := c.NameAvailable("api"); !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), resp.ID) {
		t.Fatalf("api after the rename: %v, want a conflict naming %s", err, resp.ID)
	}
	if err := e.Client().ContainerRemove(ctx, resp.ID, container.RemoveOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	if err := e.RefreshContainer(ctx, resp.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.NameAvailable("api"); err != nil {
		t.Fatalf("api after the removal: %v", err)
	}
	if _, _, err := c.CreateContainer(ctx, busybox("api")); err != nil {
		t.Fatalf("create of a freed name: %v", err)
	}
}

// TestIndexFollowsEngineSet checks that an engine that leaves takes its
// names and its view out of placement, and one that joins brings them.
func TestIndexFollowsEngineSet(t *testing.T) {
	c, sims := simFleet(t, 2, func(i int, cfg *simengine.Config) {
		cfg.Containers = []simengine.Container{{Name: fmt.Sprintf("held-%d", i+1)}}
	})
	if err := c.NameAvailable("held-2"); !errors.Is(err, ErrConflict) {
		t.Fatalf("held-2 while node-2 is managed: %v", err)
	}
	c.RemoveEngine(sims[1].Addr())
	if err := c.NameAvailable("held-2"); err != nil {
		t.Fatalf("held-2 once node-2 left: %v", err)
	}
	for i := range 4 {
		if _, e, err := c.CreateContainer(context.Background(), busybox("")); err != nil || e.Name() != "node-1" {
			t.Fatalf("create %d: on %v, %v; want node-1, the only engine", i, e, err)
		}
	}
	if err := c.AddEngine(context.Background(), sims[1].Addr()); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "node-2 is back", func() bool {
		e, err := c.Engine("node-2")
		return err == nil && e.IsHealthy() && len(e.Containers()) == 1
	})
	if err := c.NameAvailable("held-2"); !errors.Is(err, ErrConflict) {
		t.Fatalf("held-2 once node-2 is back: %v", err)
	}
}

// TestCommitTarget checks the commit's test of a candidate chosen on a
// snapshot: one that another decision booked since is not taken; one whose
// view changed is taken only if the request still fits it.
func TestCommitTarget(t *testing.T) {
	c, _ := simFleet(t, 4, nil)
	s, err := c.takeSnapshot(nil, false, "")
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*node.Node{}
	for _, n := range s.nodes {
		byName[n.Name] = n
	}
	if len(byName) != 4 {
		t.Fatalf("snapshot of %d nodes, want 4", len(byName))
	}
	pinned := func(name string) *node.Request {
		return &node.Request{Image: "busybox", Env: []string{"constraint:node==" + name}}
	}
	// node-1 gets a reservation, node-2 a new container in its cache,
	// node-3 is drained.
	e1, p, err := c.reserve(pinned("node-1"), nil)
	if err != nil || e1.Name() != "node-1" {
		t.Fatalf("reserve on node-1: %v, %v", e1, err)
	}
	defer c.release(e1, p)
	if _, e, err := c.CreateContainer(context.Background(), func() CreateRequest {
		r := busybox("")
		r.Config.Env = []string{"constraint:node==node-2"}
		return r
	}()); err != nil || e.Name() != "node-2" {
		t.Fatalf("create on node-2: %v, %v", e, err)
	}
	update(t, c, "node-3", engine.NodeSpec{Availability: engine.AvailabilityDrain})
	tests := []struct {
		node string
		req  *node.Request
		want bool
	}{
		{"node-1", pinned("node-1"), false}, // booked since
		{"node-2", pinned("node-2"), true},  // changed, still fits
		{"node-2", pinned("node-4"), false}, // changed, does not fit
		{"node-3", pinned("node-3"), false}, // drained
		{"node-4", pinned("node-4"), true},
	}
	c.schedMu.Lock()
	defer c.schedMu.Unlock()
	for _, tt := range tests {
		if got := c.commitTargetLocked(s, byName[tt.node], tt.req) != nil; got != tt.want {
			t.Errorf("%s for %v: taken = %v, want %v", tt.node, tt.req.Env, got, tt.want)
		}
	}
}

// TestSerialDecision checks the last attempt of reserve, which holds
// schedMu from the snapshot to the commit: it books like the parallel
// one, checks the name and explains a no-fit the same way.
func TestSerialDecision(t *testing.T) {
	c, _ := simFleet(t, 2, nil)
	if _, _, err := c.CreateContainer(context.Background(), busybox("taken")); err != nil {
		t.Fatal(err)
	}
	update(t, c, "node-2", engine.NodeSpec{Availability: engine.AvailabilityDrain})
	tests := []struct {
		name     string
		req      *node.Request
		wantNode string
		wantErr  error
		wantMsg  string
	}{
		{name: "books", req: &node.Request{Image: "busybox", Name: "free"}, wantNode: "node-1"},
		{name: "name in use", req: &node.Request{Image: "busybox", Name: "taken"}, wantErr: ErrConflict, wantMsg: `container name "/taken" is already in use`},
		{name: "drained node named", req: &node.Request{Image: "busybox", Env: []string{"constraint:node==node-2"}}, wantErr: ErrNoFit, wantMsg: "node-2 (availability drain)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, p, err := c.tryReserve(tt.req, nil, true)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.wantMsg) {
					t.Fatalf("tryReserve = %v, want %v containing %q", err, tt.wantErr, tt.wantMsg)
				}
				return
			}
			if err != nil || e.Name() != tt.wantNode {
				t.Fatalf("tryReserve = %v, %v; want %s", e, err, tt.wantNode)
			}
			c.schedMu.Lock()
			booked := len(c.pending[e]) == 1 && c.pending[e][0] == p
			c.schedMu.Unlock()
			if !booked {
				t.Fatalf("the reservation is not booked on %s", e.Name())
			}
			c.release(e, p)
		})
	}
	// The lock is free again whatever the outcome.
	if !c.schedMu.TryLock() {
		t.Fatal("schedMu still held")
	}
	c.schedMu.Unlock()
}

func TestHolders(t *testing.T) {
	cts := make([]*Container, 20)
	for i := range cts {
		cts[i] = &Container{}
	}
	tests := []struct {
		name string
		add  int   // cts[:add] are added
		drop []int // then these are dropped
	}{
		{name: "one", add: 1},
		{name: "one dropped", add: 1, drop: []int{0}},
		{name: "list", add: maxHolderList, drop: []int{3, 0}},
		{name: "set", add: 20, drop: []int{19, 0, 7}},
		{name: "set emptied", add: 10, drop: []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}},
		{name: "dropping a stranger", add: 2, drop: []int{5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h holders
			want := map[*Container]bool{}
			for _, ct := range cts[:tt.add] {
				h.add(ct)
				want[ct] = true
			}
			for _, i := range tt.drop {
				h.drop(cts[i])
				delete(want, cts[i])
			}
			got := h.all()
			if h.len() != len(want) || len(got) != len(want) {
				t.Fatalf("len %d, all %d, want %d", h.len(), len(got), len(want))
			}
			for _, ct := range got {
				if !want[ct] {
					t.Fatalf("all() holds a container that was dropped or never added")
				}
			}
		})
	}
}

// TestIndexReadsChangedEngines checks that a sync reads again the entry of
// an engine whose cache changed, and only that one, and that the views a
// decision reads follow it; keepUp does the same without a decision.
func TestIndexReadsChangedEngines(t *testing.T) {
	c, _ := simFleet(t, 3, nil)
	ctx := context.Background()
	entries := func() []*placeEntry {
		c.index.mu.Lock()
		defer c.index.mu.Unlock()
		return append([]*placeEntry(nil), c.index.list...)
	}
	// viewHolds reports whether the decision's view of e holds a
	// container named name.
	viewHolds := func(e *Engine, name string) bool {
		s, err := c.takeSnapshot(nil, false, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range s.nodes {
			if n.Addr != e.Addr() {
				continue
			}
			for _, ct := range n.Containers {
				if slices.Contains(ct.Names, name) {
					return true
				}
			}
		}
		return false
	}
	for round, sync := range []func(){c.syncIndex, c.keepUp} {
		c.syncIndex()
		before := entries()
		e := before[1].e
		name := fmt.Sprintf("direct-%d", round)
		resp, err := e.Client().ContainerCreate(ctx, &container.Config{Image: "busybox"}, nil, nil, nil, name)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.RefreshContainer(ctx, resp.ID); err != nil {
			t.Fatal(err)
		}
		sync()
		after := entries()
		if after[0] != before[0] || after[2] != before[2] {
			t.Fatalf("round %d: the entries of the unchanged engines were read again", round)
		}
		if after[1] == before[1] || after[1].e != e {
			t.Fatalf("round %d: the entry of %s was not read again", round, e.Name())
		}
		if !viewHolds(e, name) {
			t.Fatalf("round %d: the decision's view of %s lacks %s", round, e.Name(), name)
		}
		if err := c.NameAvailable(name); !errors.Is(err, ErrConflict) {
			t.Fatalf("round %d: %s is free in the name index: %v", round, name, err)
		}
	}
}

// TestIndexActiveViews checks that a drained engine leaves the views a
// decision reads, and comes back when active again.
func TestIndexActiveViews(t *testing.T) {
	c, _ := simFleet(t, 3, nil)
	ctx := context.Background()
	addrs := func() []string {
		s, err := c.takeSnapshot(nil, false, "")
		if err != nil {
			t.Fatal(err)
		}
		defer s.recycle()
		checkRanks(t, s)
		var out []string
		for _, n := range s.nodes {
			out = append(out, n.Addr)
		}
		return out
	}
	all := addrs()
	if len(all) != 3 {
		t.Fatalf("%d views, want 3", len(all))
	}
	e := c.Engines()[1]
	set := func(a engine.Availability) {
		t.Helper()
		n, err := c.SwarmNode(e.ID())
		if err != nil {
			t.Fatal(err)
		}
		spec := n.Meta.Spec
		spec.Availability = a
		if _, err := c.UpdateNode(ctx, e.ID(), n.Meta.Version, spec); err != nil {
			t.Fatal(err)
		}
	}
	set(engine.AvailabilityDrain)
	if got := addrs(); len(got) != 2 || got[0] != all[0] || got[1] != all[2] {
		t.Fatalf("views %v with %s drained, want %v without it", got, e.Addr(), all)
	}
	set(engine.AvailabilityActive)
	if got := addrs(); strings.Join(got, ",") != strings.Join(all, ",") {
		t.Fatalf("views %v once active again, want %v", got, all)
	}
	// A create changes its engine's view and rank; a reservation is
	// overlaid on both in the snapshot.
	if _, _, err := c.CreateContainer(ctx, busybox("ranked")); err != nil {
		t.Fatal(err)
	}
	addrs()
	c.schedMu.Lock()
	c.pending[e] = append(c.pending[e], &node.Container{ID: "reserved", CPUs: node.NanoCPU, Memory: 64 << 20})
	c.schedMu.Unlock()
	s, err := c.takeSnapshot(nil, false, "")
	if err != nil {
		t.Fatal(err)
	}
	checkRanks(t, s)
	if j := slices.IndexFunc(s.nodes, func(n *node.Node) bool { return n.Addr == e.Addr() }); j < 0 || s.ranks[j].ReservedMemory < 64<<20 {
		t.Fatalf("the reservation on %s is not in its rank", e.Addr())
	}
	s.recycle()
	c.schedMu.Lock()
	delete(c.pending, e)
	c.schedMu.Unlock()
}

// checkRanks fails unless the snapshot's ranks are those of its nodes.
func checkRanks(t *testing.T, s *snapshot) {
	t.Helper()
	if len(s.ranks) != len(s.nodes) {
		t.Fatalf("%d ranks for %d nodes", len(s.ranks), len(s.nodes))
	}
	for i, n := range s.nodes {
		if s.ranks[i] != node.RankOf(n) {
			t.Fatalf("rank %d is %+v, its node's %+v", i, s.ranks[i], node.RankOf(n))
		}
	}
}

// TestIndexKeepsUnchangedContainerViews checks that an engine's view read
// again shares the scheduler's views of the containers that did not
// change, builds the others, and equals a view built from nothing; and
// that the name index follows a rename, a removal and a create.
func TestIndexKeepsUnchangedContainerViews(t *testing.T) {
	c, _ := simFleet(t, 1, nil)
	ctx := context.Background()
	e := c.Engines()[0]
	ids := map[string]string{} // name -> ID
	for _, name := range []string{"keep-a", "keep-b", "renamed", "removed"} {
		resp, err := e.Client().ContainerCreate(ctx, &container.Config{Image: "busybox"},
			&container.HostConfig{Resources: container.Resources{NanoCPUs: 500_000_000, Memory: 64 << 20}}, nil, nil, name)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.RefreshContainer(ctx, resp.ID); err != nil {
			t.Fatal(err)
		}
		ids[name] = resp.ID
	}
	entry := func() *placeEntry {
		c.syncIndex()
		c.index.mu.Lock()
		defer c.index.mu.Unlock()
		return c.index.list[c.index.pos[e]]
	}
	viewsByID := func(n *node.Node) map[string]*node.Container {
		out := map[string]*node.Container{}
		for _, nc := range n.Containers {
			out[nc.ID] = nc
		}
		return out
	}
	before := viewsByID(entry().node)

	if err := e.Client().ContainerRename(ctx, ids["renamed"], "now-named"); err != nil {
		t.Fatal(err)
	}
	if err := e.Client().ContainerRemove(ctx, ids["removed"], container.RemoveOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	added, err := e.Client().ContainerCreate(ctx, &container.Config{Image: "busybox"}, nil, nil, nil, "added")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{ids["renamed"], ids["removed"], added.ID} {
		if err := e.RefreshContainer(ctx, id); err != nil && !errors.Is(err, ErrNotFound) {
			t.Fatal(err)
		}
	}
	en := entry()
	after := viewsByID(en.node)
	for _, name := range []string{"keep-a", "keep-b"} {
		if after[ids[name]] != before[ids[name]] {
			t.Errorf("the view of the unchanged %s was built again", name)
		}
	}
	if nc := after[ids["renamed"]]; nc == nil || nc == before[ids["renamed"]] || !slices.Contains(nc.Names, "now-named") {
		t.Errorf("the view of the renamed container is %+v", nc)
	}
	if _, ok := after[ids["removed"]]; ok {
		t.Error("the removed container is still in the view")
	}
	if _, ok := after[added.ID]; !ok {
		t.Error("the new container is not in the view")
	}

	fresh := buildNode(e, c.placementLabels(e), byID(e.Containers()), nil, nil)
	if en.node.ReservedCPUs != fresh.ReservedCPUs || en.node.ReservedMemory != fresh.ReservedMemory ||
		len(en.node.Containers) != len(fresh.Containers) {
		t.Fatalf("view read again: %d CPUs, %d bytes, %d containers; built from nothing: %d, %d, %d",
			en.node.ReservedCPUs, en.node.ReservedMemory, len(en.node.Containers),
			fresh.ReservedCPUs, fresh.ReservedMemory, len(fresh.Containers))
	}
	for i := range fresh.Containers {
		if got, want := *en.node.Containers[i], *fresh.Containers[i]; !reflect.DeepEqual(got, want) {
			t.Errorf("container %d: read again %+v, built from nothing %+v", i, got, want)
		}
	}

	for name, taken := range map[string]bool{"keep-a": true, "now-named": true, "added": true, "renamed": false, "removed": false} {
		err := c.NameAvailable(name)
		if taken != errors.Is(err, ErrConflict) {
			t.Errorf("name %s: taken %v, NameAvailable says %v", name, taken, err)
		}
	}
}
