package cluster

import (
	"fmt"
	"sort"
	"testing"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/go-connections/nat"

	"github.com/swarm-project/swarm/scheduler/node"
)

func TestHostPorts(t *testing.T) {
	tests := []struct {
		name    string
		hc      container.HostConfig
		exposed nat.PortSet
		want    []node.Port
	}{
		{"bindings", container.HostConfig{PortBindings: nat.PortMap{
			"80/tcp": {{HostIP: "127.0.0.1", HostPort: "8080"}},
			"53/udp": {{HostPort: "53"}},
		}}, nil, []node.Port{{HostIP: "", HostPort: 53, Proto: "udp"}, {HostIP: "127.0.0.1", HostPort: 8080, Proto: "tcp"}}},
		{"random host port takes nothing", container.HostConfig{PortBindings: nat.PortMap{"80/tcp": {{HostPort: ""}}}}, nil, nil},
		{"a range takes nothing", container.HostConfig{PortBindings: nat.PortMap{"80/tcp": {{HostPort: "8000-8010"}}}}, nil, nil},
		{"host mode takes exposed ports", container.HostConfig{NetworkMode: "host"}, nat.PortSet{"9000/tcp": {}}, []node.Port{{HostPort: 9000, Proto: "tcp"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := hostPorts(&tt.hc, tt.exposed)
			sort.Slice(got, func(i, j int) bool { return got[i].HostPort < got[j].HostPort })
			if len(got) != len(tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("got %+v, want %+v", got, tt.want)
				}
			}
		})
	}
}

func TestRequestedCPUs(t *testing.T) {
	tests := []struct {
		name string
		hc   container.HostConfig
		want int64
	}{
		{"none", container.HostConfig{}, 0},
		{"shares read as cores", container.HostConfig{Resources: container.Resources{CPUShares: 2}}, 2 * node.NanoCPU},
		{"nano cpus win", container.HostConfig{Resources: container.Resources{CPUShares: 2, NanoCPUs: 500000000}}, 500000000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := requestedCPUs(&tt.hc); got != tt.want {
				t.Fatalf("got %d, want %d", got, tt.want)
			}
		})
	}
}

func TestBuildRequest(t *testing.T) {
	cfg := &container.Config{Image: "busybox", Env: []string{"constraint:zone==a"}, Labels: map[string]string{"x": "y"}}
	hc := &container.HostConfig{
		Resources:   container.Resources{Memory: 64 << 20, CPUShares: 1},
		NetworkMode: "container:db",
		VolumesFrom: []string{"data:ro"},
		Links:       []string{"db:database"},
		IpcMode:     "container:db",
		Binds:       []string{"named:/data", "/host/path:/mnt"},
		Mounts:      []mount.Mount{{Type: mount.TypeVolume, Source: "other", Target: "/o"}},
	}
	req := containerRequest("web", cfg, hc, nil)
	if req.Name != "web" || req.Image != "busybox" || req.Memory != 64<<20 || req.CPUs != node.NanoCPU {
		t.Fatalf("request %+v", req)
	}
	if req.NetworkMode != "container:db" || req.IpcMode != "container:db" || req.VolumesFrom[0] != "data:ro" || req.Links[0] != "db:database" {
		t.Fatalf("request %+v", req)
	}
	if len(req.Volumes) != 2 || req.Volumes[0] != "named" || req.Volumes[1] != "other" {
		t.Fatalf("volumes %v", req.Volumes)
	}
	if req.Env[0] != "constraint:zone==a" || req.Labels["x"] != "y" {
		t.Fatalf("env/labels %+v", req)
	}
}

func TestBuildRequestNetworks(t *testing.T) {
	tests := []struct {
		name string
		mode container.NetworkMode
		eps  []string
		want string
	}{
		{"default bridge", "", nil, "[]"},
		{"builtin modes", "host", []string{"host"}, "[]"},
		{"container mode", "container:db", nil, "[]"},
		{"user network", "front", []string{"front"}, "[front]"},
		{"node-pinned network", "node-1/front", nil, "[node-1/front]"},
		{"several endpoints", "front", []string{"front", "back", "bridge"}, "[back front]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var nc *network.NetworkingConfig
			if tt.eps != nil {
				nc = &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{}}
				for _, ep := range tt.eps {
					nc.EndpointsConfig[ep] = &network.EndpointSettings{}
				}
			}
			req := containerRequest("", &container.Config{}, &container.HostConfig{NetworkMode: tt.mode}, nc)
			if got := fmt.Sprint(req.Networks); got != tt.want && !(tt.want == "[]" && len(req.Networks) == 0) {
				t.Fatalf("networks %v, want %s", req.Networks, tt.want)
			}
		})
	}
}

// TestWithPendingCountsLandedOnce checks what a reservation adds to a
// view: all of it until its create landed, and only what the cached entry
// lacks once the view holds the container.
func TestWithPendingCountsLandedOnce(t *testing.T) {
	port := node.Port{HostPort: 8080, Proto: "tcp"}
	held := &node.Container{ID: "c1", CPUs: node.NanoCPU, Memory: 64 << 20, Ports: []node.Port{port}}
	view := &node.Node{Containers: []*node.Container{held}, ReservedCPUs: node.NanoCPU, ReservedMemory: 64 << 20}
	tests := []struct {
		name     string
		p        node.Container
		wantN    int
		wantCPUs int64
		wantMem  int64
	}{
		{"not landed", node.Container{ID: unlanded, CPUs: node.NanoCPU, Memory: 64 << 20}, 2, 2 * node.NanoCPU, 128 << 20},
		{"landed elsewhere", node.Container{ID: "c2", CPUs: node.NanoCPU}, 2, 2 * node.NanoCPU, 64 << 20},
		{"landed and held", node.Container{ID: "c1", CPUs: node.NanoCPU, Memory: 64 << 20, Ports: []node.Port{port}}, 1, node.NanoCPU, 64 << 20},
		{"held with less", node.Container{ID: "c1", CPUs: 3 * node.NanoCPU, Memory: 64 << 20}, 1, 3 * node.NanoCPU, 64 << 20},
		{"held without its port", node.Container{ID: "c1", Ports: []node.Port{{HostPort: 9090, Proto: "tcp"}}}, 2, node.NanoCPU, 64 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.p
			p.Pending = true
			got := withPending(view, []*node.Container{&p})
			if len(got.Containers) != tt.wantN || got.ReservedCPUs != tt.wantCPUs || got.ReservedMemory != tt.wantMem {
				t.Fatalf("%d containers, %d CPUs, %d bytes; want %d, %d, %d",
					len(got.Containers), got.ReservedCPUs, got.ReservedMemory, tt.wantN, tt.wantCPUs, tt.wantMem)
			}
			if len(view.Containers) != 1 || view.ReservedCPUs != node.NanoCPU {
				t.Fatal("withPending changed the view it copies")
			}
		})
	}
}
