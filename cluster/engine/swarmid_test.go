package engine

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
)

// inspected is an inspect answer for the cache tests: a running container
// with the given ID, name and swarm ID ("" for none).
func inspected(id, name, swarmID string) container.InspectResponse {
	labels := map[string]string{}
	if swarmID != "" {
		labels[SwarmIDLabel] = swarmID
	}
	return container.InspectResponse{
		ContainerJSONBase: &container.ContainerJSONBase{ID: id, Name: "/" + name,
			State: &container.State{Status: "running", Running: true}},
		Config: &container.Config{Image: "busybox", Labels: labels},
	}
}

func TestLookupBySwarmID(t *testing.T) {
	id1, sid1 := strings.Repeat("1", 64), strings.Repeat("a", 64)
	id2 := strings.Repeat("2", 64)
	id3, sid3 := strings.Repeat("3", 64), strings.Repeat("c", 64)
	e := NewFixture(Fixture{Name: "node-1", Health: Healthy, Containers: []container.InspectResponse{
		inspected(id1, "web", sid1),
		inspected(id2, "direct", ""), // created on the engine, not through the manager
		inspected(id3, sid1, sid3),   // a name that is another container's swarm ID
	}})
	tests := []struct {
		name, ref         string
		lookup, bySwarmID string // the IDs found, "" for nothing
	}{
		{"full ID", id1, id1, ""},
		{"full swarm ID", sid3, "", id3},
		{"name", "web", id1, ""},
		{"container without a swarm ID by name", "direct", id2, ""},
		{"a name equal to a swarm ID: each finds its own", sid1, id3, id1},
		{"short swarm ID is not an exact reference", sid1[:12], "", ""},
		{"empty", "", "", ""},
	}
	idOf := func(c *Container) string {
		if c == nil {
			return ""
		}
		return c.ID()
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := idOf(e.Lookup(tt.ref)); got != tt.lookup {
				t.Errorf("Lookup(%q) = %q, want %q", tt.ref, got, tt.lookup)
			}
			if got := idOf(e.BySwarmID(tt.ref)); got != tt.bySwarmID {
				t.Errorf("BySwarmID(%q) = %q, want %q", tt.ref, got, tt.bySwarmID)
			}
		})
	}
}

// The swarm ID index follows the cache: a re-read container keeps its
// entry, a dropped one loses it.
func TestSwarmIDIndexFollowsTheCache(t *testing.T) {
	id, sid := strings.Repeat("1", 64), strings.Repeat("a", 64)
	read := func(seq uint64, swarmID string) *Container {
		c := newContainer(&Engine{}, inspected(id, "web", swarmID))
		c.seq = seq
		return c
	}
	tests := []struct {
		name  string
		steps func(e *Engine)
		found bool // whether Lookup(sid) finds the container
	}{
		{"stored", func(e *Engine) { e.storeContainer(read(1, sid)) }, true},
		{"re-read", func(e *Engine) { e.storeContainer(read(1, sid)); e.storeContainer(read(2, sid)) }, true},
		{"dropped", func(e *Engine) { e.storeContainer(read(1, sid)); e.dropContainer(id, 2) }, false},
		{"label gone on re-read", func(e *Engine) { e.storeContainer(read(1, sid)); e.storeContainer(read(2, "")) }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &Engine{containers: map[string]*Container{}, names: map[string]string{}, gone: map[string]uint64{}}
			tt.steps(e)
			if got := e.BySwarmID(sid) != nil; got != tt.found {
				t.Fatalf("BySwarmID found %v, want %v", got, tt.found)
			}
		})
	}
}

func TestContainerAvailable(t *testing.T) {
	tests := []struct {
		name     string
		health   Health
		wantMsg  string // "" for no error
		wantKind error
	}{
		{"healthy node", Healthy, "", nil},
		{"unhealthy node", Unhealthy, "Container web running on unhealthy node node-1", ErrNodeDown},
		{"pending node", Pending, "node node-1 (10.0.0.1:2375) is Pending", ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := NewFixture(Fixture{Addr: "10.0.0.1:2375", Name: "node-1", Health: tt.health,
				Containers: []container.InspectResponse{inspected("abc", "web", "")}})
			err := e.Lookup("web").Available("web")
			if tt.wantMsg == "" {
				if err != nil {
					t.Fatalf("Available = %v, want nil", err)
				}
				return
			}
			if err == nil || err.Error() != tt.wantMsg || !errors.Is(err, tt.wantKind) {
				t.Fatalf("Available = %v, want %q matching %v", err, tt.wantMsg, tt.wantKind)
			}
		})
	}
	// An unhealthy node's container is not a 503 "unavailable": classic
	// Swarm answered 500 with its own message.
	down := &ContainerNodeDownError{Ref: "x", Node: "n"}
	if errors.Is(down, ErrUnavailable) {
		t.Fatal("ContainerNodeDownError matches ErrUnavailable")
	}
}

func TestSummaryOfAContainerOnADownNode(t *testing.T) {
	now := time.Now()
	for _, tt := range []struct {
		name   string
		health Health
		want   string
	}{
		{"healthy", Healthy, "Up Less than a second"},
		{"unhealthy", Unhealthy, "Host Down"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			info := inspected("abc", "web", "")
			info.State.StartedAt = now.Format(time.RFC3339Nano)
			e := NewFixture(Fixture{Name: "node-1", Health: tt.health, Containers: []container.InspectResponse{info}})
			c := e.Lookup("abc")
			if got := c.Summary(now).Status; got != tt.want {
				t.Fatalf("status %q, want %q", got, tt.want)
			}
			if c.NodeDown() != (tt.health == Unhealthy) {
				t.Fatalf("NodeDown = %v on a %s node", c.NodeDown(), tt.health)
			}
		})
	}
}
