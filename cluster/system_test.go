package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/build"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/volume"

	"github.com/swarm-project/swarm/test/simengine"
)

// pruneEngine fronts a simulated engine with the system-wide calls it does
// not serve: prune, disk usage and build cancel. It records the filters
// each prune received.
type pruneEngine struct {
	sim  *simengine.Engine
	srv  *httptest.Server
	fail atomic.Bool // answer every system call with a 500

	mu      sync.Mutex
	filters []string // the filters query of each prune
}

func startPruneEngine(t *testing.T, name string) *pruneEngine {
	t.Helper()
	p := &pruneEngine{sim: startSim(t, simengine.Config{Name: name})}
	target, _ := url.Parse(p.sim.URL())
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.FlushInterval = -1 // the events stream
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path := r.URL.Path[strings.Index(r.URL.Path[1:], "/")+1:] // without the version
		var answer any
		switch {
		case strings.HasSuffix(path, "/prune"):
			p.mu.Lock()
			p.filters = append(p.filters, r.URL.Query().Get("filters"))
			p.mu.Unlock()
			switch path {
			case "/containers/prune":
				answer = container.PruneReport{ContainersDeleted: []string{name + "-c"}, SpaceReclaimed: 10}
			case "/images/prune":
				answer = image.PruneReport{ImagesDeleted: []image.DeleteResponse{{Deleted: name + "-i"}}, SpaceReclaimed: 20}
			case "/build/prune":
				answer = build.CachePruneReport{CachesDeleted: []string{name + "-b"}, SpaceReclaimed: 30}
			}
		case path == "/system/df":
			answer = types.DiskUsage{
				LayersSize: 100,
				Images:     []*image.Summary{{ID: "sha256:shared", RepoTags: []string{name + ":1"}, Containers: 1}},
				Containers: []*container.Summary{{ID: name + "-c", Names: []string{"/web"}}},
				Volumes:    []*volume.Volume{{Name: "data", Scope: "local"}, {Name: "g", Scope: "global"}},
			}
		case path == "/build/cancel":
			answer = struct{}{}
		default:
			proxy.ServeHTTP(w, r)
			return
		}
		if p.fail.Load() {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte(`{"message":"boom"}`))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(answer)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *pruneEngine) addr() string { return strings.TrimPrefix(p.srv.URL, "http://") }

func (p *pruneEngine) pruned() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.filters...)
}

func pruneFleet(t *testing.T, n int) (*Cluster, []*pruneEngine) {
	t.Helper()
	engines := make([]*pruneEngine, n)
	for i := range engines {
		engines[i] = startPruneEngine(t, fmt.Sprintf("node-%d", i+1))
	}
	// The cluster stops before the engines close (cleanups run last-in
	// first-out): a server does not close while an events stream is open.
	c := newSimCluster(t, simOptions(t))
	for i := range engines {
		if err := c.AddEngine(context.Background(), engines[i].addr()); err != nil {
			t.Fatal(err)
		}
	}
	waitUntil(t, "every engine is healthy", func() bool { return len(c.HealthyEngines()) == n })
	return c, engines
}

// TestPruneMerge: a prune goes to the nodes the `node` filter names, the
// other filters go on without it, and the reports are merged in node
// order.
func TestPruneMerge(t *testing.T) {
	c, engines := pruneFleet(t, 3)
	ctx := context.Background()
	tests := []struct {
		name  string
		nodes []string // the node filter
		want  []string // nodes pruned
	}{
		{name: "every node", want: []string{"node-1", "node-2", "node-3"}},
		{name: "node filter", nodes: []string{"node-3", "node-1"}, want: []string{"node-1", "node-3"}},
		{name: "pattern", nodes: []string{"node-[23]"}, want: []string{"node-2", "node-3"}},
		{name: "no match", nodes: []string{"nosuch"}, want: nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := filters.NewArgs(filters.Arg("until", "24h"))
			for _, n := range tc.nodes {
				args.Add("node", n)
			}
			before := make([]int, len(engines))
			for i, p := range engines {
				before[i] = len(p.pruned())
			}
			cr, err := c.PruneContainers(ctx, args)
			if err != nil {
				t.Fatal(err)
			}
			ir, err := c.PruneImages(ctx, args)
			if err != nil {
				t.Fatal(err)
			}
			br, err := c.PruneBuildCache(ctx, build.CachePruneOptions{Filters: args})
			if err != nil {
				t.Fatal(err)
			}
			var wantC, wantI, wantB []string
			for _, n := range tc.want {
				wantC, wantI, wantB = append(wantC, n+"-c"), append(wantI, n+"-i"), append(wantB, n+"-b")
			}
			var gotI []string
			for _, d := range ir.ImagesDeleted {
				gotI = append(gotI, d.Deleted)
			}
			k := uint64(len(tc.want))
			if !equalStrings(cr.ContainersDeleted, wantC) || cr.SpaceReclaimed != 10*k {
				t.Errorf("container prune %+v, want %q", cr, wantC)
			}
			if !equalStrings(gotI, wantI) || ir.SpaceReclaimed != 20*k {
				t.Errorf("image prune %+v, want %q", ir, wantI)
			}
			if !equalStrings(br.CachesDeleted, wantB) || br.SpaceReclaimed != 30*k {
				t.Errorf("build cache prune %+v, want %q", br, wantB)
			}
			if cr.ContainersDeleted == nil || ir.ImagesDeleted == nil || br.CachesDeleted == nil {
				t.Errorf("an empty report lists null, want []")
			}
			for i, p := range engines {
				for _, f := range p.pruned()[before[i]:] {
					got, err := filters.FromJSON(f)
					if err != nil || got.Contains("node") || !got.ExactMatch("until", "24h") {
						t.Errorf("%s got filters %s, want until only", p.sim.Name(), f)
					}
				}
			}
			if !args.Contains("node") && len(tc.nodes) > 0 {
				t.Errorf("the caller's filters lost their node filter")
			}
		})
	}
}

func TestPruneNodeError(t *testing.T) {
	c, engines := pruneFleet(t, 2)
	engines[1].fail.Store(true)
	_, err := c.PruneContainers(context.Background(), filters.NewArgs())
	var ne *NodeError
	if !errors.As(err, &ne) || ne.Node != "node-2" || err.Error() != "node-2: boom" {
		t.Errorf("prune error %v, want node-2: boom", err)
	}
	_, err = c.PruneImages(context.Background(), filters.NewArgs(filters.Arg("node", "node-2")))
	if errors.As(err, &ne) || err == nil || err.Error() != "boom" {
		t.Errorf("prune of one node: %v, want boom without the node", err)
	}
}

func TestDiskUsageMerge(t *testing.T) {
	c, _ := pruneFleet(t, 2)
	for _, prefix := range []bool{false, true} {
		du, err := c.DiskUsage(context.Background(), prefix)
		if err != nil {
			t.Fatal(err)
		}
		if du.LayersSize != 200 || len(du.Images) != 1 || du.Images[0].Containers != 2 ||
			!equalStrings(du.Images[0].RepoTags, []string{"node-1:1", "node-2:1"}) {
			t.Errorf("images merged as %+v (layers %d)", du.Images, du.LayersSize)
		}
		var names, vols []string
		for _, ct := range du.Containers {
			names = append(names, ct.Names...)
		}
		for _, v := range du.Volumes {
			vols = append(vols, v.Name)
		}
		wantVols := []string{"data", "g", "data", "g"}
		if prefix {
			wantVols = []string{"node-1/data", "g", "node-2/data", "g"}
		}
		if !equalStrings(names, []string{"/node-1/web", "/node-2/web"}) || !equalStrings(vols, wantVols) {
			t.Errorf("prefix %v: containers %q, volumes %q", prefix, names, vols)
		}
	}
}

func TestCancelBuild(t *testing.T) {
	c, engines := pruneFleet(t, 2)
	ctx := context.Background()
	engines[0].fail.Store(true)
	if err := c.CancelBuild(ctx, "b1"); err != nil {
		t.Errorf("one node failed: %v, want nil", err)
	}
	engines[1].fail.Store(true)
	if err := c.CancelBuild(ctx, "b1"); err == nil || err.Error() != "node-1: boom; node-2: boom" {
		t.Errorf("every node failed: %v", err)
	}
}
