package cluster

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/swarm-project/swarm/cluster/engine"

	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"

	"github.com/swarm-project/swarm/test/simengine"
)

// objEngine stands in front of a simulated engine and serves the network
// and volume endpoints the simulation lacks, with its own state and
// injectable failures; every other request goes to the simulated engine.
type objEngine struct {
	sim   *simengine.Engine
	srv   *httptest.Server
	proxy *httputil.ReverseProxy

	mu       sync.Mutex
	networks []network.Summary
	volumes  []*volume.Volume
	fail     map[string]string // operation ("network create") -> 500 message
	calls    []string          // operations received, "network create app"
}

var versionPrefix = regexp.MustCompile(`^/v[0-9.]+/`)

// startObjEngines starts n simulated engines node-1..node-n behind
// objEngines, each configured by cfg (nil for defaults), and a cluster
// managing them.
func startObjEngines(t *testing.T, n int, cfg func(i int, c *simengine.Config)) (*Cluster, []*objEngine) {
	t.Helper()
	var objs []*objEngine
	for i := 0; i < n; i++ {
		sc := simengine.Config{Name: fmt.Sprintf("node-%d", i+1)}
		if cfg != nil {
			cfg(i, &sc)
		}
		o := &objEngine{sim: startSim(t, sc), fail: map[string]string{}}
		target, err := url.Parse(o.sim.URL())
		if err != nil {
			t.Fatal(err)
		}
		o.proxy = httputil.NewSingleHostReverseProxy(target)
		o.proxy.FlushInterval = -1
		o.networks = []network.Summary{{ID: o.id("bridge"), Name: "bridge", Driver: "bridge", Scope: "local"}}
		o.srv = httptest.NewServer(http.HandlerFunc(o.serve))
		t.Cleanup(o.srv.Close)
		objs = append(objs, o)
	}
	c := newSimCluster(t, simOptions(t))
	for _, o := range objs {
		if err := c.AddEngine(t.Context(), o.addr()); err != nil {
			t.Fatal(err)
		}
	}
	waitUntil(t, "every engine is healthy", func() bool { return len(c.HealthyEngines()) == n })
	return c, objs
}

func (o *objEngine) addr() string { return strings.TrimPrefix(o.srv.URL, "http://") }

// id is this engine's ID for a network name.
func (o *objEngine) id(name string) string {
	sum := sha256.Sum256([]byte(o.sim.Name() + "/" + name))
	return hex.EncodeToString(sum[:])
}

// failOn makes the operation answer 500 with msg; an empty msg makes it
// succeed again.
func (o *objEngine) failOn(op, msg string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if msg == "" {
		delete(o.fail, op)
		return
	}
	o.fail[op] = msg
}

func (o *objEngine) callLog() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.calls...)
}

func (o *objEngine) networkNames() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []string
	for _, n := range o.networks {
		out = append(out, n.Name)
	}
	return out
}

func (o *objEngine) volumeNames() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []string
	for _, v := range o.volumes {
		out = append(out, v.Name)
	}
	return out
}

func (o *objEngine) serve(w http.ResponseWriter, r *http.Request) {
	path := "/" + versionPrefix.ReplaceAllString(r.URL.Path, "")
	if !strings.HasPrefix(path, "/networks") && !strings.HasPrefix(path, "/volumes") {
		o.proxy.ServeHTTP(w, r)
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	code, body := o.route(r, path)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	if body != nil {
		_ = json.NewEncoder(w).Encode(body)
	}
}

// route answers one network or volume request; o.mu is held.
func (o *objEngine) route(r *http.Request, path string) (int, any) {
	kind, rest, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	kind = strings.TrimSuffix(kind, "s") // "network", "volume"
	op, ref := "", ""
	switch {
	case r.Method == http.MethodGet && rest == "":
		if kind == "network" {
			return 200, o.networks
		}
		return 200, volume.ListResponse{Volumes: o.volumes}
	case r.Method == http.MethodPost && (rest == "create" || rest == "prune"):
		op = rest
	case r.Method == http.MethodDelete:
		op, ref = "remove", rest
	case r.Method == http.MethodPost && strings.HasSuffix(rest, "/connect"):
		op, ref = "connect", strings.TrimSuffix(rest, "/connect")
	case r.Method == http.MethodPost && strings.HasSuffix(rest, "/disconnect"):
		op, ref = "disconnect", strings.TrimSuffix(rest, "/disconnect")
	default:
		return 404, map[string]string{"message": "page not found"}
	}
	var body struct {
		Name, Driver, Container string
		Labels                  map[string]string
	}
	_ = json.NewDecoder(r.Body).Decode(&body)
	if body.Name == "" {
		body.Name = ref
	}
	if body.Container != "" {
		body.Name += " " + body.Container
	}
	o.calls = append(o.calls, strings.TrimSpace(kind+" "+op+" "+body.Name))
	if msg, ok := o.fail[kind+" "+op]; ok {
		return 500, map[string]string{"message": msg}
	}
	switch kind + " " + op {
	case "network create":
		n := network.Summary{ID: o.id(body.Name), Name: body.Name, Driver: body.Driver, Scope: "local", Labels: body.Labels}
		o.networks = append(o.networks, n)
		return 201, network.CreateResponse{ID: n.ID, Warning: body.Labels["warn"]}
	case "network remove":
		for i, n := range o.networks {
			if n.ID == ref || n.Name == ref {
				o.networks = append(o.networks[:i:i], o.networks[i+1:]...)
				return 204, nil
			}
		}
		return 404, map[string]string{"message": "network " + ref + " not found"}
	case "network connect", "network disconnect":
		return 200, nil
	case "network prune":
		rep := network.PruneReport{NetworksDeleted: []string{}}
		kept := o.networks[:0:0]
		for _, n := range o.networks {
			if n.Name == "bridge" {
				kept = append(kept, n)
			} else {
				rep.NetworksDeleted = append(rep.NetworksDeleted, n.Name)
			}
		}
		o.networks = kept
		return 200, rep
	case "volume create":
		if body.Name == "" {
			body.Name = o.id(fmt.Sprint("anon", len(o.calls)))
		}
		for _, v := range o.volumes {
			if v.Name == body.Name {
				return 201, v
			}
		}
		v := &volume.Volume{Name: body.Name, Driver: "local", Scope: "local", Labels: body.Labels, Mountpoint: "/" + o.sim.Name()}
		o.volumes = append(o.volumes, v)
		return 201, v
	case "volume remove":
		for i, v := range o.volumes {
			if v.Name == ref {
				o.volumes = append(o.volumes[:i:i], o.volumes[i+1:]...)
				return 204, nil
			}
		}
		return 404, map[string]string{"message": "get " + ref + ": no such volume"}
	case "volume prune":
		rep := volume.PruneReport{VolumesDeleted: []string{}}
		for _, v := range o.volumes {
			rep.VolumesDeleted = append(rep.VolumesDeleted, v.Name)
			rep.SpaceReclaimed += 10
		}
		o.volumes = nil
		return 200, rep
	}
	return 404, map[string]string{"message": "page not found"}
}

// netNodes is the names of the engines whose cache holds the network ref.
func netNodes(c *Cluster, ref string) []string {
	nets, err := c.FindNetworks(ref)
	if err != nil {
		return nil
	}
	return nodesOf(nets, func(n NetworkOn) *Engine { return n.Engine })
}

func TestCreateNetworkPlacement(t *testing.T) {
	c, objs := startObjEngines(t, 3, func(i int, cfg *simengine.Config) {
		cfg.Labels = []string{fmt.Sprintf("rack=%d", i%2)}
	})
	ctx := t.Context()
	tests := []struct {
		name    string
		before  func(t *testing.T)
		req     network.CreateRequest
		nodes   []string // where the network is, by cache
		count   int      // instead of nodes: on this many nodes
		warning string
		err     error  // a sentinel, when the create fails
		msg     string // the error's message
	}{
		{name: "everywhere", req: netReq("every", nil), nodes: []string{"node-1", "node-2", "node-3"}},
		{name: "pinned", req: netReq("node-2/pinned", nil), nodes: []string{"node-2"}},
		{name: "constraint label", req: netReq("constrained", map[string]string{"constraint:node": "=node-3"}), nodes: []string{"node-3"}},
		{name: "constraint engine label", req: network.CreateRequest{Name: "racked", CreateOptions: network.CreateOptions{
			Options: map[string]string{"constraint:rack": "=0", "mtu": "1400"}}}, nodes: []string{"node-1", "node-3"}},
		// These fake engines have no swarm mode: the overlay create fails
		// where it starts the swarm (test/network runs it on real ones).
		{name: "overlay needs swarm mode", req: network.CreateRequest{Name: "over", CreateOptions: network.CreateOptions{Driver: "overlay"}},
			err: ErrUnavailable, msg: "starting a swarm on node-1 for overlay networks: page not found"},
		{name: "encrypted overlay", req: network.CreateRequest{Name: "sec", CreateOptions: network.CreateOptions{Driver: "overlay", Options: map[string]string{"encrypted": ""}}},
			err: ErrInvalid, msg: "encrypted overlay networks are not supported: the manager cannot tell whether every engine can carry their IPsec traffic; create the network without --opt encrypted"},
		{name: "ingress overlay", req: network.CreateRequest{Name: "ing", CreateOptions: network.CreateOptions{Driver: "overlay", Ingress: true}},
			err: ErrInvalid, msg: "ingress networks are not supported: they serve swarm-mode services, and the manager places containers itself"},
		{name: "warnings joined", req: netReq("warned", map[string]string{"warn": "careful"}), nodes: []string{"node-1", "node-2", "node-3"},
			warning: "node-1: careful; node-2: careful; node-3: careful"},
		{name: "no name", req: netReq("", nil), err: ErrInvalid, msg: "network name is required"},
		{name: "unknown node", req: netReq("nope/x", nil), err: ErrNotFound, msg: "No such node: nope"},
		{name: "no node fits", req: netReq("nofit", map[string]string{"constraint:rack": "=9"}), err: ErrNoFit},
		{name: "name taken on one node",
			before: func(t *testing.T) {
				if _, err := c.CreateNetwork(ctx, netReq("node-3/taken", nil)); err != nil {
					t.Fatal(err)
				}
			},
			req: netReq("taken", nil), err: ErrConflict, msg: "network with name taken already exists"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.before != nil {
				tc.before(t)
			}
			resp, err := c.CreateNetwork(ctx, tc.req)
			if tc.err != nil {
				if !errors.Is(err, tc.err) || (tc.msg != "" && err.Error() != tc.msg) {
					t.Fatalf("CreateNetwork error %v, want %q (%v)", err, tc.msg, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			_, name := c.SplitNodeRef(tc.req.Name)
			got := netNodes(c, name)
			if tc.nodes != nil && !slices.Equal(got, tc.nodes) {
				t.Errorf("network on %v, want %v", got, tc.nodes)
			}
			if tc.count != 0 && len(got) != tc.count {
				t.Errorf("network on %v, want %d node(s)", got, tc.count)
			}
			if first := objByName(objs, got[0]); resp.ID != first.id(name) {
				t.Errorf("ID %s, want the first node's %s", resp.ID, first.id(name))
			}
			if resp.Warning != tc.warning {
				t.Errorf("warning %q, want %q", resp.Warning, tc.warning)
			}
		})
	}
}

func netReq(name string, labels map[string]string) network.CreateRequest {
	return network.CreateRequest{Name: name, CreateOptions: network.CreateOptions{Labels: labels}}
}

func objByName(objs []*objEngine, name string) *objEngine {
	for _, o := range objs {
		if o.sim.Name() == name {
			return o
		}
	}
	return nil
}

func TestCreateNetworkRollback(t *testing.T) {
	c, objs := startObjEngines(t, 3, nil)
	objs[1].failOn("network create", "boom")
	_, err := c.CreateNetwork(t.Context(), netReq("app", nil))
	var ne *NodeError
	if !errors.As(err, &ne) || err.Error() != "node-2: boom" {
		t.Fatalf("error %v, want node-2's failure named", err)
	}
	if got, want := objs[0].callLog(), []string{"network create app", "network remove " + objs[0].id("app")}; !slices.Equal(got, want) {
		t.Errorf("node-1 got %q, want %q", got, want)
	}
	if got := objs[2].callLog(); len(got) != 0 {
		t.Errorf("node-3 got %q after node-2 failed, want nothing", got)
	}
	for _, o := range objs {
		if names := o.networkNames(); slices.Contains(names, "app") {
			t.Errorf("%s still holds app: %v", o.sim.Name(), names)
		}
	}
	if nodes := netNodes(c, "app"); nodes != nil {
		t.Errorf("cache still has app on %v", nodes)
	}

	// One node only: the engine's message as it is.
	_, err = c.CreateNetwork(t.Context(), netReq("node-2/solo", nil))
	if err == nil || err.Error() != "boom" || errors.As(err, &ne) {
		t.Fatalf("pinned create error %v, want the engine's own", err)
	}
}

// makeUnhealthy makes the engine answer 500 until it is marked unhealthy.
func makeUnhealthy(t *testing.T, c *Cluster, o *objEngine) {
	t.Helper()
	o.sim.SetFailure(simengine.FailError)
	waitUntil(t, o.sim.Name()+" is unhealthy", func() bool {
		e, err := c.Engine(o.sim.Name())
		return err == nil && e.Health() == Unhealthy
	})
}

func TestRemoveNetwork(t *testing.T) {
	c, objs := startObjEngines(t, 3, nil)
	ctx := t.Context()
	for _, name := range []string{"app", "solo", "fails"} {
		if _, err := c.CreateNetwork(ctx, netReq(name, nil)); err != nil {
			t.Fatal(err)
		}
	}
	objs[2].failOn("network remove", "in use")
	// Several nodes, one failing: the others are removed, the failure
	// names its node.
	if err := c.RemoveNetwork(ctx, "fails"); err == nil || err.Error() != "node-3: in use" {
		t.Fatalf("remove with node-3 failing: %v, want node-3 named", err)
	}
	if got := netNodes(c, "fails"); !slices.Equal(got, []string{"node-3"}) {
		t.Fatalf("fails left on %v, want node-3", got)
	}
	makeUnhealthy(t, c, objs[1])

	tests := []struct {
		name, ref string
		left      []string // nodes that still hold the network afterwards
		check     func(t *testing.T, err error)
	}{
		{name: "one node", ref: "node-1/solo", left: []string{"node-2", "node-3"}, check: noError},
		{name: "unhealthy node skipped, others removed", ref: "app", left: []string{"node-2", "node-3"},
			check: func(t *testing.T, err error) {
				var nu *NodeUnavailableError
				want := fmt.Sprintf("node node-2 (%s) is Unhealthy", objs[1].addr())
				if !errors.As(err, &nu) || !errors.Is(err, ErrUnavailable) || err.Error() != want {
					t.Fatalf("error %v, want %q", err, want)
				}
			}},
		{name: "unknown", ref: "nope", check: func(t *testing.T, err error) {
			if !errors.Is(err, ErrNotFound) || err.Error() != "No such network: nope" {
				t.Fatalf("error %v, want not found", err)
			}
		}},
		{name: "one node's engine error as it is", ref: "node-3/fails", left: []string{"node-3"},
			check: func(t *testing.T, err error) {
				if err == nil || err.Error() != "in use" {
					t.Fatalf("error %v, want the engine's own message", err)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.check(t, c.RemoveNetwork(ctx, tc.ref))
			if tc.left == nil {
				return
			}
			_, name := c.SplitNodeRef(tc.ref)
			if got := netNodes(c, name); !slices.Equal(got, tc.left) {
				t.Errorf("network left on %v, want %v", got, tc.left)
			}
		})
	}
}

func noError(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestConnectNetwork(t *testing.T) {
	c, objs := startObjEngines(t, 2, func(i int, cfg *simengine.Config) {
		if i == 0 {
			cfg.Containers = []simengine.Container{{Name: "web"}}
		}
	})
	ctx := t.Context()
	for _, name := range []string{"app", "node-2/only2"} {
		if _, err := c.CreateNetwork(ctx, netReq(name, nil)); err != nil {
			t.Fatal(err)
		}
	}
	web, err := c.Container("web")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, net, ctr string
		disconnect     bool
		call           string // what node-1 receives
		err            error
		msg            string
	}{
		{name: "by name", net: "app", ctr: "web", call: "network connect " + objs[0].id("app") + " " + web.ID()},
		{name: "other node's ID", net: objs[1].id("app"), ctr: "web", call: "network connect " + objs[0].id("app") + " " + web.ID()},
		{name: "disconnect", net: "app", ctr: "web", disconnect: true, call: "network disconnect " + objs[0].id("app") + " " + web.ID()},
		{name: "network only elsewhere", net: "only2", ctr: "web", err: ErrNotFound,
			msg: "network only2 not found on node node-1, where container web runs (it is on node-2)"},
		{name: "other node's network by prefix", net: "node-2/app", ctr: "web", err: ErrNotFound,
			msg: "network node-2/app not found on node node-1, where container web runs (it is on node-2)"},
		{name: "no such container", net: "app", ctr: "nope", err: ErrNotFound, msg: "No such container: nope"},
		{name: "no such network", net: "nope", ctr: "web", err: ErrNotFound, msg: "No such network: nope"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := len(objs[0].callLog())
			var err error
			if tc.disconnect {
				err = c.DisconnectNetwork(ctx, tc.net, tc.ctr, true)
			} else {
				err = c.ConnectNetwork(ctx, tc.net, tc.ctr, nil)
			}
			if tc.err != nil {
				if !errors.Is(err, tc.err) || err.Error() != tc.msg {
					t.Fatalf("error %v, want %q", err, tc.msg)
				}
				if calls := objs[0].callLog()[before:]; len(calls) != 0 {
					t.Errorf("node-1 got %q, want nothing", calls)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if calls := objs[0].callLog()[before:]; !slices.Equal(calls, []string{tc.call}) {
				t.Errorf("node-1 got %q, want %q", calls, tc.call)
			}
		})
	}
	makeUnhealthy(t, c, objs[0])
	err = c.ConnectNetwork(ctx, "app", "web", nil)
	if !errors.Is(err, engine.ErrNodeDown) || err.Error() != "Container web running on unhealthy node node-1" {
		t.Fatalf("connect on an unhealthy node: %v, want classic's container-on-unhealthy-node error", err)
	}
}

func TestPruneNetworks(t *testing.T) {
	c, objs := startObjEngines(t, 3, nil)
	ctx := t.Context()
	create := func(names ...string) {
		t.Helper()
		for _, n := range names {
			if _, err := c.CreateNetwork(ctx, netReq(n, nil)); err != nil {
				t.Fatal(err)
			}
		}
	}
	create("a", "node-2/b")
	got, err := c.PruneNetworks(ctx, filters.NewArgs(filters.Arg("node", "node-2")))
	if err != nil {
		t.Fatal(err)
	}
	if want := []NodePruneReport{{Node: "node-2", Deleted: []string{"a", "b"}}}; !reflect.DeepEqual(got, want) {
		t.Errorf("prune node-2: %+v, want %+v", got, want)
	}
	if nodes := netNodes(c, "a"); !slices.Equal(nodes, []string{"node-1", "node-3"}) {
		t.Errorf("a left on %v, want node-1 and node-3", nodes)
	}
	got, err = c.PruneNetworks(ctx, filters.NewArgs(filters.Arg("label", "x")))
	if err != nil {
		t.Fatal(err)
	}
	want := []NodePruneReport{{Node: "node-1", Deleted: []string{"a"}}, {Node: "node-2", Deleted: []string{}}, {Node: "node-3", Deleted: []string{"a"}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("prune all: %+v, want %+v", got, want)
	}
	objs[1].failOn("network prune", "busy")
	if _, err := c.PruneNetworks(ctx, filters.Args{}); err == nil || err.Error() != "node-2: busy" {
		t.Errorf("prune with node-2 failing: %v, want node-2 named", err)
	}
}
