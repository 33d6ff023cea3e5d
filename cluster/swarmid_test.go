package cluster

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/docker/docker/api/types/container"

	"github.com/swarm-project/swarm/cluster/engine"
)

var hex64 = regexp.MustCompile(`^[0-9a-f]{64}$`)

func TestWithSwarmID(t *testing.T) {
	kept := strings.Repeat("ab", 32)
	tests := []struct {
		name string
		in   map[string]string
		want string // the label wanted; "" for a new random one
	}{
		{"no labels", nil, ""},
		{"other labels", map[string]string{"app": "web"}, ""},
		{"empty label", map[string]string{engine.SwarmIDLabel: ""}, ""},
		{"re-created container keeps its ID", map[string]string{engine.SwarmIDLabel: kept}, kept},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := withSwarmID(tt.in)[engine.SwarmIDLabel]
			if tt.want != "" && got != tt.want {
				t.Fatalf("label %q, want %q kept", got, tt.want)
			}
			if !hex64.MatchString(got) {
				t.Fatalf("label %q is not 64 hexadecimal characters", got)
			}
		})
	}
	if a, b := newSwarmID(), newSwarmID(); a == b {
		t.Fatalf("two swarm IDs alike: %s", a)
	}
}

func TestCreateGivesASwarmID(t *testing.T) {
	c, _ := simFleet(t, 2, nil)
	ctx := context.Background()
	seen := map[string]bool{}
	for i := 0; i < 3; i++ {
		req := busybox("")
		req.Config.Labels = map[string]string{"app": "web"}
		resp, _, err := c.CreateContainer(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := req.Config.Labels[engine.SwarmIDLabel]; ok {
			t.Fatal("the caller's labels were modified")
		}
		ct, err := c.Container(resp.ID)
		if err != nil {
			t.Fatal(err)
		}
		sid := ct.SwarmID()
		if !hex64.MatchString(sid) || sid == ct.ID() || seen[sid] || ct.Labels()["app"] != "web" {
			t.Fatalf("container %s has swarm ID %q (seen before: %v), labels %v", ct.ID(), sid, seen[sid], ct.Labels())
		}
		seen[sid] = true
		for _, ref := range []string{sid, sid[:12], sid[:5]} {
			if got, err := c.Container(ref); err != nil || got.ID() != ct.ID() {
				t.Fatalf("Container(%q) = %v, %v; want %s", ref, got, err, ct.ID())
			}
		}
	}

	// A create that carries a swarm ID (a container created again from its
	// config) keeps it.
	old := strings.Repeat("5", 64)
	req := busybox("")
	req.Config.Labels = map[string]string{engine.SwarmIDLabel: old}
	resp, _, err := c.CreateContainer(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if ct, err := c.Container(old); err != nil || ct.ID() != resp.ID {
		t.Fatalf("Container(kept swarm ID) = %v, %v; want %s", ct, err, resp.ID)
	}
}

// addFixture adds an engine with a fixed cache to c.
func addFixture(c *Cluster, f engine.Fixture) {
	e := engine.NewFixture(f)
	c.mu.Lock()
	c.engines[e.Addr()] = &engineRun{engine: e}
	c.mu.Unlock()
	c.gen.Add(1)
}

func withLabels(id, name, swarmID string) container.InspectResponse {
	labels := map[string]string{}
	if swarmID != "" {
		labels[engine.SwarmIDLabel] = swarmID
	}
	return container.InspectResponse{
		ContainerJSONBase: &container.ContainerJSONBase{ID: id, Name: "/" + name, State: &container.State{Status: "running", Running: true}},
		Config:            &container.Config{Labels: labels},
	}
}

func TestContainerLookupBySwarmID(t *testing.T) {
	hex := func(prefix string) string { return prefix + strings.Repeat("0", 64-len(prefix)) }
	c := New(Options{})
	addFixture(c, engine.Fixture{Addr: "a:1", Name: "node-1", Health: engine.Healthy, Containers: []container.InspectResponse{
		withLabels(hex("1111"), "web", hex("aaaa1")),
		withLabels(hex("2222"), "db", hex("bbbb1")),
		withLabels(hex("3333"), "direct", ""),            // created on the engine: no swarm ID
		withLabels(hex("4444"), "cccc", hex("cccc1")),    // a name that is a swarm ID prefix
		withLabels(hex("5555"), "other", hex("1111")),    // a swarm ID that is another container's ID
		withLabels(hex("6666"), "moved", hex("dddd1")),   // re-created here while its old node is down
		withLabels(hex("7777"), "twin-up", hex("eeee1")), // two running containers with one swarm ID
		withLabels(hex("abab"), hex("bbbb1"), ""),        // a name that is another container's swarm ID
	}})
	addFixture(c, engine.Fixture{Addr: "c:1", Name: "node-3", Health: engine.Healthy, Containers: []container.InspectResponse{
		withLabels(hex("8888"), "twin-up2", hex("eeee1")), // (labels set by hand)
	}})
	addFixture(c, engine.Fixture{Addr: "b:1", Name: "node-2", Health: engine.Unhealthy, Containers: []container.InspectResponse{
		withLabels(hex("9999"), "moved", hex("dddd1")),
		withLabels(hex("aaaa2"), "gone", hex("ffff1")),
	}})
	tests := []struct {
		name, ref string
		wantID    string // "" when an error is expected
		wantErr   error
	}{
		{"full swarm ID", hex("aaaa1"), hex("1111"), nil},
		{"12-character swarm ID", hex("aaaa1")[:12], hex("1111"), nil},
		{"swarm ID prefix", "bbbb", hex("2222"), nil},
		{"container ID still works", hex("2222"), hex("2222"), nil},
		{"short container ID", hex("3333")[:12], hex("3333"), nil},
		{"exact ID wins over an equal swarm ID", hex("1111"), hex("1111"), nil},
		{"name wins over a swarm ID prefix", "cccc", hex("4444"), nil},
		{"full swarm ID wins over an equal name", hex("bbbb1"), hex("2222"), nil},
		{"prefix of an ID and of another's swarm ID is ambiguous", "aaaa", "", ErrInvalid},
		{"swarm ID of a container on a down node", hex("ffff1"), hex("aaaa2"), nil},
		{"re-created container: the one on the up node", hex("dddd1"), hex("6666"), nil},
		{"re-created container by prefix", "dddd", hex("6666"), nil},
		{"one swarm ID on two up containers", hex("eeee1"), "", ErrInvalid},
		{"unknown", "ffff2", "", ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkContainer(t, c, tt.ref, tt.wantID, tt.wantErr)
		})
	}
}
