package engine

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/go-connections/nat"
)

// The pre-encoded list entry, with the status written in at read time,
// must be exactly what encoding the summary would give.
func TestAppendEntryMatchesMarshal(t *testing.T) {
	now := time.Now()
	started := now.Add(-3 * time.Minute).Format(time.RFC3339Nano)
	tests := []struct {
		name string
		c    *Container
		e    *Engine
	}{
		{"running with ports and networks", nil, &Engine{name: "node-1", addr: "10.0.0.1:2375"}},
		{"name needing escapes", nil, &Engine{name: `n<"&>`, addr: "10.0.0.2:2375"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info := container.InspectResponse{
				ContainerJSONBase: &container.ContainerJSONBase{
					ID: "abc", Name: "/web", Image: "sha256:1", Path: "sh", Args: []string{"-c", "x<y"},
					Created:    "2026-01-01T00:00:00Z",
					State:      &container.State{Status: "running", Running: true, StartedAt: started, Health: &container.Health{Status: container.Healthy}},
					HostConfig: &container.HostConfig{NetworkMode: "bridge", PortBindings: nat.PortMap{"80/tcp": {{HostPort: "8080"}}}},
				},
				Config: &container.Config{Image: "busybox", Labels: map[string]string{"a": "<b>"}},
				NetworkSettings: &container.NetworkSettings{
					NetworkSettingsBase: container.NetworkSettingsBase{Ports: nat.PortMap{"80/tcp": {{HostIP: "0.0.0.0", HostPort: "8080"}}}},
					Networks:            map[string]*network.EndpointSettings{"bridge": {NetworkID: "n1", IPAddress: "172.17.0.2"}},
				},
				Mounts: []container.MountPoint{{Name: "v", Destination: "/data"}},
			}
			c := newContainer(tt.e, info)
			want, err := json.Marshal(c.Summary(now))
			if err != nil {
				t.Fatal(err)
			}
			if got := c.AppendEntry(nil, now); string(got) != string(want) {
				t.Fatalf("entry\n got %s\nwant %s", got, want)
			}
			var s container.Summary
			if err := json.Unmarshal(want, &s); err != nil {
				t.Fatal(err)
			}
			if s.Status != "Up 3 minutes (healthy)" || s.Names[0] != "/"+tt.e.name+"/web" || s.Labels["a"] != "<b>" || len(s.Ports) != 1 || s.NetworkSettings.Networks["bridge"].IPAddress != "172.17.0.2" {
				t.Fatalf("summary %+v", s)
			}
			// A renamed node: the entry follows.
			tt.e.name += "-renamed"
			got := c.AppendEntry(nil, now)
			var r container.Summary
			if err := json.Unmarshal(got, &r); err != nil || r.Names[0] != "/"+tt.e.name+"/web" || r.Status != s.Status {
				t.Fatalf("after rename: %s (%v)", got, err)
			}
		})
	}
}

// A container known from a list answer only carries what the list said.
func TestListedContainer(t *testing.T) {
	e := &Engine{name: "node-1"}
	s := container.Summary{
		ID: "abc", Names: []string{"/other/alias", "/web"}, Image: "busybox", ImageID: "sha256:1",
		Command: "sleep 1", Created: 1700000000, State: container.StateExited, Status: "Exited (137) 5 minutes ago",
		Labels:          map[string]string{"app": "x"},
		Ports:           []container.Port{{IP: "0.0.0.0", PrivatePort: 80, PublicPort: 8080, Type: "tcp"}, {PrivatePort: 53, Type: "udp"}},
		NetworkSettings: &container.NetworkSettingsSummary{Networks: map[string]*network.EndpointSettings{"front": {NetworkID: "n9"}}},
		Mounts:          []container.MountPoint{{Name: "v", Destination: "/data"}},
	}
	s.HostConfig.NetworkMode = "front"
	c := newListedContainer(e, s)
	if c.Name() != "web" || !c.Listed() || c.ExitCode() != 137 || c.Running() || c.State() != "exited" {
		t.Fatalf("container %+v", c)
	}
	if hp := c.HostPorts(); len(hp) != 1 || hp[0] != (HostPort{Port: 8080, Proto: "tcp"}) {
		t.Fatalf("host ports %+v", hp)
	}
	if n := c.Networks(); len(n) != 1 || n[0] != (NetworkRef{Name: "front", ID: "n9"}) {
		t.Fatalf("networks %+v", n)
	}
	if got := c.Summary(time.Now()); got.Status != s.Status || got.Names[0] != "/node-1/web" || got.Labels["app"] != "x" {
		t.Fatalf("summary %+v", got)
	}
	info := c.Info()
	if info.Name != "/web" || info.State.ExitCode != 137 || info.Config.Labels["app"] != "x" || info.NetworkSettings.Networks["front"].NetworkID != "n9" {
		t.Fatalf("info %+v", info)
	}
}

func TestStretch(t *testing.T) {
	tests := []struct {
		n    int
		rate float64
		d    time.Duration
		want time.Duration
	}{
		{1, 100, 40 * time.Second, 40 * time.Second},
		{4500, 100, 40 * time.Second, 40 * time.Second},
		{900, 20, 40 * time.Second, 40 * time.Second},
		{9000, 100, 40 * time.Second, 80 * time.Second},
		{10000, 5, 30 * time.Second, 30 * time.Second * 10000 / (5 * 45)},
	}
	for _, tt := range tests {
		if got := stretch(tt.d, 30*time.Second, 60*time.Second, tt.n, tt.rate); got != tt.want {
			t.Errorf("stretch(%v, n=%d, rate=%v) = %v, want %v", tt.d, tt.n, tt.rate, got, tt.want)
		}
	}
}

func TestInternMapSharesLabelSets(t *testing.T) {
	a := internMap(map[string]string{"app": "web", "tier": "front"})
	b := internMap(map[string]string{"tier": "front", "app": "web"})
	c := internMap(map[string]string{"app": "web", "tier": "back"})
	if fmt.Sprintf("%p", a) != fmt.Sprintf("%p", b) {
		t.Fatal("equal label sets are not shared")
	}
	if fmt.Sprintf("%p", a) == fmt.Sprintf("%p", c) || c["tier"] != "back" || len(c) != 2 {
		t.Fatalf("different label sets shared: %v %v", a, c)
	}
	d := internMap(map[string]string{"app": "web", SwarmIDLabel: "x"})
	e := internMap(map[string]string{"app": "web", SwarmIDLabel: "x"})
	if fmt.Sprintf("%p", d) == fmt.Sprintf("%p", e) || d[SwarmIDLabel] != "x" {
		t.Fatal("label sets with a swarm ID are shared")
	}
	if internMap(nil) != nil {
		t.Fatal("nil labels became a map")
	}
}
