package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	cerrdefs "github.com/containerd/errdefs"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/go-connections/nat"

	"github.com/swarm-project/swarm/cluster/engine"
	"github.com/swarm-project/swarm/scheduler"
	"github.com/swarm-project/swarm/test/simengine"
)

// simFleet starts n simulated engines node-1..node-n, each configured by
// cfg (nil for defaults), and a cluster managing them.
func simFleet(t *testing.T, n int, cfg func(i int, c *simengine.Config)) (*Cluster, []*simengine.Engine) {
	t.Helper()
	sims := make([]*simengine.Engine, n)
	for i := range sims {
		c := simengine.Config{Name: fmt.Sprintf("node-%d", i+1)}
		if cfg != nil {
			cfg(i, &c)
		}
		sims[i] = startSim(t, c)
	}
	c := newSimCluster(t, simOptions(t))
	addSims(t, c, sims...)
	return c, sims
}

func busybox(name string) CreateRequest {
	return CreateRequest{Name: name, Config: &container.Config{Image: "busybox", Cmd: []string{"sleep", "60"}}}
}

func TestCreateSpreads(t *testing.T) {
	c, sims := simFleet(t, 3, nil)
	ctx := context.Background()
	perNode := map[string]int{}
	var order []string // placements, with each node's cached count before it
	for i := 0; i < 9; i++ {
		var seen []string
		for _, e := range c.Engines() {
			seen = append(seen, fmt.Sprintf("%s=%d/%v", e.Name(), len(e.Containers()), e.Health()))
		}
		resp, e, err := c.CreateContainer(ctx, busybox(""))
		if err != nil {
			t.Fatalf("create %d: %v", i, err)
		}
		order = append(order, fmt.Sprintf("%s (saw %s)", e.Name(), strings.Join(seen, " ")))
		perNode[e.Name()]++
		// The new container is in the cache when CreateContainer returns.
		ct, err := c.Container(resp.ID)
		if err != nil || ct.Engine != e {
			t.Fatalf("create %d: container %s not cached on %s: %v", i, resp.ID, e.Name(), err)
		}
	}
	for _, s := range sims {
		if perNode[s.Name()] != 3 || len(s.ContainerIDs()) != 3 {
			t.Fatalf("spread placed %v (engine %s holds %d), want 3 per node; placements:\n%s", perNode, s.Name(), len(s.ContainerIDs()), strings.Join(order, "\n"))
		}
	}
}

func TestCreateConstraint(t *testing.T) {
	c, sims := simFleet(t, 3, func(i int, cfg *simengine.Config) {
		cfg.Labels = []string{fmt.Sprintf("rack=%d", i%2)}
	})
	ctx := context.Background()
	tests := []struct {
		name    string
		env     []string
		want    []string // acceptable nodes; nil when an error is expected
		wantErr error    // nil, a sentinel, or errNoNode
	}{
		{"node name", []string{"constraint:node==node-2"}, []string{"node-2"}, nil},
		{"engine label", []string{"constraint:rack==1"}, []string{"node-2"}, nil},
		{"label matching two", []string{"constraint:rack==0"}, []string{"node-1", "node-3"}, nil},
		{"no node fits", []string{"constraint:rack==9"}, nil, errNoNode},
		{"bad expression", []string{"constraint:rack=~=="}, nil, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := busybox("")
			req.Config.Env = tt.env
			_, e, err := c.CreateContainer(ctx, req)
			switch {
			case tt.wantErr == errNoNode:
				var nn *scheduler.NoNodeError
				if !errors.As(err, &nn) {
					t.Fatalf("err = %v, want a *scheduler.NoNodeError", err)
				}
				return
			case tt.wantErr != nil:
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			ok := false
			for _, n := range tt.want {
				ok = ok || e.Name() == n
			}
			if !ok {
				t.Fatalf("placed on %s, want one of %v", e.Name(), tt.want)
			}
		})
	}
	_ = sims
}

// errNoNode stands for "the scheduler found no node" in test tables.
var errNoNode = errors.New("no node")

func TestCreateNameConflict(t *testing.T) {
	c, sims := simFleet(t, 2, nil)
	ctx := context.Background()
	if _, _, err := c.CreateContainer(ctx, busybox("web")); err != nil {
		t.Fatal(err)
	}
	// A name taken on another engine, outside the manager.
	if _, err := sims[1].AddContainer(simengine.Container{Name: "db"}); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "db is cached", func() bool { _, err := c.Container("db"); return err == nil })

	tests := []struct{ name, ref string }{
		{"created through the manager", "web"},
		{"with a leading slash", "/web"},
		{"created on an engine directly", "db"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := c.CreateContainer(ctx, busybox(tt.ref))
			if !errors.Is(err, ErrConflict) {
				t.Fatalf("second create of %q: %v, want ErrConflict", tt.ref, err)
			}
			if !strings.Contains(err.Error(), `"/`+strings.TrimPrefix(tt.ref, "/")+`"`) {
				t.Fatalf("message %q should quote the name as Docker does", err)
			}
		})
	}
	total := 0
	for _, s := range sims {
		total += len(s.ContainerIDs())
	}
	if total != 2 {
		t.Fatalf("%d containers on the engines, want 2 (refused creates must not reach an engine)", total)
	}
}

// TestCreateConcurrentNames checks that the pending reservation makes a
// name unique across concurrent creates.
func TestCreateConcurrentNames(t *testing.T) {
	c, _ := simFleet(t, 3, nil)
	const tries = 8
	var wg sync.WaitGroup
	errs := make([]error, tries)
	for i := range tries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, errs[i] = c.CreateContainer(context.Background(), busybox("unique"))
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, ErrConflict):
			t.Fatalf("unexpected error %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d creates of one name succeeded, want 1", ok)
	}
}

func TestCreateConcurrentHostPort(t *testing.T) {
	for _, nodes := range []int{1, 3, 5} {
		t.Run(fmt.Sprintf("%d nodes", nodes), func(t *testing.T) {
			c, sims := simFleet(t, nodes, nil)
			tries := 2*nodes + 3
			var wg sync.WaitGroup
			errs := make([]error, tries)
			placed := make([]*Engine, tries)
			start := make(chan struct{})
			for i := range tries {
				wg.Add(1)
				go func() {
					defer wg.Done()
					req := busybox("")
					req.HostConfig = &container.HostConfig{PortBindings: nat.PortMap{"80/tcp": {{HostPort: "8080"}}}}
					<-start
					_, placed[i], errs[i] = c.CreateContainer(context.Background(), req)
				}()
			}
			close(start)
			wg.Wait()
			ok := 0
			perNode := map[*Engine]int{}
			for i, err := range errs {
				if err == nil {
					ok++
					perNode[placed[i]]++
					continue
				}
				var nn *scheduler.NoNodeError
				if !errors.As(err, &nn) {
					t.Fatalf("create %d: %v, want a *scheduler.NoNodeError", i, err)
				}
			}
			if ok != nodes {
				t.Fatalf("%d creates binding port 8080 succeeded on %d nodes, want %d", ok, nodes, nodes)
			}
			for e, n := range perNode {
				if n != 1 {
					t.Fatalf("%s got %d containers binding 8080", e.Name(), n)
				}
			}
			for _, s := range sims {
				if n := len(s.ContainerIDs()); n != 1 {
					t.Fatalf("engine %s holds %d containers, want 1", s.Name(), n)
				}
			}
		})
	}
}

func TestCreatePullsMissingImage(t *testing.T) {
	tests := []struct {
		name     string
		pullable []string
		wantErr  bool
	}{
		{"pullable", []string{"redis:7"}, false},
		{"not in the registry", []string{"busybox"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, sims := simFleet(t, 1, func(_ int, cfg *simengine.Config) {
				cfg.Images = []image.Summary{}
				cfg.Pullable = tt.pullable
			})
			req := CreateRequest{Name: "cache", Config: &container.Config{Image: "redis:7"}}
			resp, e, err := c.CreateContainer(context.Background(), req)
			pulls := pullsOn(sims[0])
			if pulls != 1 {
				t.Fatalf("%d pulls, want 1", pulls)
			}
			if tt.wantErr {
				if err == nil {
					t.Fatal("create succeeded without the image")
				}
				if len(sims[0].ContainerIDs()) != 0 {
					t.Fatal("a container was created without its image")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !e.HasImage("redis:7") {
				t.Fatal("the pulled image is not in the cache")
			}
			if got, ok := sims[0].Inspect(resp.ID); !ok || got.Config.Image != "redis:7" {
				t.Fatalf("container %s not created with redis:7", resp.ID)
			}
		})
	}
}

func TestCreateNoEngine(t *testing.T) {
	c := newSimCluster(t, simOptions(t))
	_, _, err := c.CreateContainer(context.Background(), busybox("x"))
	var nn *scheduler.NoNodeError
	if !errors.As(err, &nn) || !nn.NoHealthy {
		t.Fatalf("create on an empty cluster: %v, want a NoNodeError with NoHealthy", err)
	}
}

// TestCreateRetry checks that a create that fails on one engine is retried
// on another when CreateRetry allows it.
func TestCreateRetry(t *testing.T) {
	for _, retry := range []int{0, 1} {
		t.Run(fmt.Sprintf("createretry=%d", retry), func(t *testing.T) {
			bad := startSim(t, simengine.Config{Name: "node-1"})
			good := startSim(t, simengine.Config{Name: "node-2", Containers: simengine.Containers("x", 1)})
			opts := simOptions(t)
			opts.CreateRetry = retry
			opts.Engine.FailureRetry = 100 // stays Healthy while failing
			c := newSimCluster(t, opts)
			addSims(t, c, bad, good)
			// Spread picks node-1 first: it holds no container.
			bad.SetFailure(simengine.FailError)
			_, e, err := c.CreateContainer(context.Background(), busybox(""))
			if retry == 0 {
				if err == nil {
					t.Fatalf("create succeeded on %s without retry", e.Name())
				}
				return
			}
			if err != nil || e.Name() != "node-2" {
				t.Fatalf("create with retry: %v on %v, want node-2", err, e)
			}
		})
	}
}

func TestSplitEndpoints(t *testing.T) {
	old := engine.NewFixture(engine.Fixture{Addr: "a:1", APIVersion: "1.41", MinAPIVersion: "1.12"})
	new29 := engine.NewFixture(engine.Fixture{Addr: "b:1", APIVersion: "1.56", MinAPIVersion: "1.44"})
	two := func() *network.NetworkingConfig {
		return &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{
			"front": {Aliases: []string{"f"}}, "back": {Aliases: []string{"b"}},
		}}
	}
	tests := []struct {
		name      string
		e         *Engine
		mode      string
		nc        *network.NetworkingConfig
		wantKeep  []string
		wantLater []string
	}{
		{"Engine 29 takes both at create", new29, "front", two(), []string{"back", "front"}, nil},
		{"20.10 gets the network mode's endpoint, the other later", old, "front", two(), []string{"front"}, []string{"back"}},
		{"20.10, mode not among them: the first by name", old, "bridge", two(), []string{"back"}, []string{"front"}},
		{"one endpoint is never split", old, "front", &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{"front": {}}}, []string{"front"}, nil},
		{"no networking config", old, "", nil, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nc, later := splitEndpoints(tt.e, &container.HostConfig{NetworkMode: container.NetworkMode(tt.mode)}, tt.nc)
			var keep, rest []string
			if nc != nil {
				for n := range nc.EndpointsConfig {
					keep = append(keep, n)
				}
			}
			for n := range later {
				rest = append(rest, n)
			}
			sort.Strings(keep)
			sort.Strings(rest)
			if !slices.Equal(keep, tt.wantKeep) || !slices.Equal(rest, tt.wantLater) {
				t.Fatalf("create with %q, connect later %q; want %q and %q", keep, rest, tt.wantKeep, tt.wantLater)
			}
		})
	}
}

func TestRawCreateBodyAndErrors(t *testing.T) {
	req := CreateRequest{
		Extra:           map[string]json.RawMessage{"Future": json.RawMessage(`{"a":1}`)},
		HostConfigExtra: map[string]json.RawMessage{"Umask": json.RawMessage(`"0027"`)},
	}
	body, err := rawCreateBody(&container.Config{Image: "busybox", Labels: map[string]string{"k": "v"}},
		&container.HostConfig{Resources: container.Resources{Memory: 64}}, nil, req)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Image      string
		Labels     map[string]string
		Future     map[string]int
		HostConfig struct {
			Memory int64
			Umask  string
		}
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	if got.Image != "busybox" || got.Labels["k"] != "v" || got.Future["a"] != 1 || got.HostConfig.Memory != 64 || got.HostConfig.Umask != "0027" {
		t.Fatalf("merged body %s", body)
	}
	if names := extraNames(req); !slices.Equal(names, []string{"Future", "HostConfig.Umask"}) {
		t.Fatalf("extraNames %q", names)
	}
	for code, is := range map[int]func(error) bool{404: cerrdefs.IsNotFound, 409: cerrdefs.IsConflict, 400: cerrdefs.IsInvalidArgument, 503: cerrdefs.IsUnavailable} {
		if err := statusClass(code, "m"); !is(err) || err.Error() != "m" {
			t.Errorf("status %d: %v has not its class", code, err)
		}
	}
	// An engine that does not serve the client's version is refused clearly.
	old := engine.NewFixture(engine.Fixture{Addr: "a:1", Name: "node-1", APIVersion: "1.41", MinAPIVersion: "1.12"})
	req.APIVersion = "1.56"
	_, err = createRaw(context.Background(), old, "x", &container.Config{}, &container.HostConfig{}, nil, req)
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "Future, HostConfig.Umask: API 1.56 fields; node node-1 serves API 1.12 to 1.41") {
		t.Fatalf("error %v", err)
	}
}

// pullsOn counts the image pulls sim received.
func pullsOn(sim *simengine.Engine) int {
	n := 0
	for _, r := range sim.RequestLog() {
		if strings.HasSuffix(r.Path, "/images/create") {
			n++
		}
	}
	return n
}
