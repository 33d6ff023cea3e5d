package cluster

import (
	"errors"
	"slices"
	"testing"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"
	"github.com/swarm-project/swarm/cluster/engine"
)

// fixtureCluster builds a cluster of engines that are never started, with
// the given cached networks and volumes per engine name.
func fixtureCluster(t *testing.T, nets map[string][]network.Summary, vols map[string][]string) *Cluster {
	t.Helper()
	c := New(Options{})
	names := map[string]bool{}
	for n := range nets {
		names[n] = true
	}
	for n := range vols {
		names[n] = true
	}
	for name := range names {
		f := engine.Fixture{Addr: name + ":2375", Name: name, ID: "ID-" + name, Networks: nets[name]}
		for _, v := range vols[name] {
			f.Volumes = append(f.Volumes, &volume.Volume{Name: v, Scope: "local"})
		}
		c.engines[f.Addr] = &engineRun{engine: engine.NewFixture(f)}
	}
	return c
}

func nodesOf[T any](list []T, engineOf func(T) *Engine) []string {
	var out []string
	for _, x := range list {
		out = append(out, engineOf(x).Name())
	}
	return out
}

func TestFindNetworks(t *testing.T) {
	c := fixtureCluster(t, map[string][]network.Summary{
		"n1": {{ID: "aaa111", Name: "bridge", Scope: "local"}, {ID: "bbb111", Name: "app", Scope: "local"}},
		"n2": {{ID: "aaa222", Name: "bridge", Scope: "local"}, {ID: "ccc222", Name: "only2", Scope: "local"}},
	}, nil)
	tests := []struct {
		name, ref string
		nodes     []string
		err       error
	}{
		{name: "name on every node", ref: "bridge", nodes: []string{"n1", "n2"}},
		{name: "node prefix", ref: "n2/bridge", nodes: []string{"n2"}},
		{name: "node prefix with ID", ref: "n1/bbb", nodes: []string{"n1"}},
		{name: "full ID", ref: "aaa222", nodes: []string{"n2"}},
		{name: "unique ID prefix", ref: "ccc", nodes: []string{"n2"}},
		{name: "ambiguous ID prefix", ref: "aaa", err: ErrInvalid},
		{name: "unknown", ref: "nope", err: ErrNotFound},
		{name: "unknown on node", ref: "n1/only2", err: ErrNotFound},
		{name: "empty", ref: "", err: ErrNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := c.FindNetworks(tc.ref)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("FindNetworks(%q) error %v, want %v", tc.ref, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if n := nodesOf(got, func(n NetworkOn) *Engine { return n.Engine }); !slices.Equal(n, tc.nodes) {
				t.Errorf("FindNetworks(%q) on %v, want %v", tc.ref, n, tc.nodes)
			}
		})
	}
}

func TestFindVolumes(t *testing.T) {
	c := fixtureCluster(t, nil, map[string][]string{"n1": {"data", "a/b"}, "n2": {"data"}})
	tests := []struct {
		name, ref string
		nodes     []string
		err       error
	}{
		{name: "name on every node", ref: "data", nodes: []string{"n1", "n2"}},
		{name: "node prefix", ref: "n2/data", nodes: []string{"n2"}},
		{name: "slash that is no node", ref: "a/b", nodes: []string{"n1"}},
		{name: "unknown", ref: "nope", err: ErrNotFound},
		{name: "unknown on node", ref: "n2/a", err: ErrNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := c.FindVolumes(tc.ref)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("FindVolumes(%q) error %v, want %v", tc.ref, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if n := nodesOf(got, func(v VolumeOn) *Engine { return v.Engine }); !slices.Equal(n, tc.nodes) {
				t.Errorf("FindVolumes(%q) on %v, want %v", tc.ref, n, tc.nodes)
			}
		})
	}
}

func TestLocalizeNetworking(t *testing.T) {
	c := fixtureCluster(t, map[string][]network.Summary{
		"n1": {{ID: "app111111111111", Name: "app", Scope: "local"}},
		"n2": {{ID: "app222222222222", Name: "app", Scope: "local"}, {ID: "own222222222222", Name: "own", Scope: "local"}},
	}, nil)
	e2, err := c.Engine("n2")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, mode, want string
	}{
		{name: "plain name kept", mode: "app", want: "app"},
		{name: "node prefix of the target dropped", mode: "n2/own", want: "own"},
		{name: "other node's ID becomes the name", mode: "app111111111111", want: "app"},
		{name: "other node's prefix kept", mode: "n1/app", want: "n1/app"},
		{name: "builtin mode kept", mode: "bridge", want: "bridge"},
		{name: "container mode kept", mode: "container:n1/x", want: "container:n1/x"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hc := &container.HostConfig{NetworkMode: container.NetworkMode(tc.mode)}
			nc := &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{tc.mode: {}}}
			c.LocalizeNetworking(e2, hc, nc)
			if string(hc.NetworkMode) != tc.want {
				t.Errorf("NetworkMode %q became %q, want %q", tc.mode, hc.NetworkMode, tc.want)
			}
			if _, ok := nc.EndpointsConfig[tc.want]; !ok || len(nc.EndpointsConfig) != 1 {
				t.Errorf("EndpointsConfig keys %v, want [%s]", nc.EndpointsConfig, tc.want)
			}
		})
	}
}

func TestLocalizeVolumes(t *testing.T) {
	c := fixtureCluster(t, nil, map[string][]string{"n1": {"data"}, "n2": {"data"}})
	e1, err := c.Engine("n1")
	if err != nil {
		t.Fatal(err)
	}
	hc := &container.HostConfig{
		Binds:  []string{"n1/data:/a", "n2/data:/b:ro", "/host:/c", "plain:/d"},
		Mounts: []mount.Mount{{Type: mount.TypeVolume, Source: "n1/data", Target: "/e"}, {Type: mount.TypeBind, Source: "/n1/x", Target: "/f"}},
	}
	c.LocalizeVolumes(e1, hc)
	wantBinds := []string{"data:/a", "n2/data:/b:ro", "/host:/c", "plain:/d"}
	if !slices.Equal(hc.Binds, wantBinds) {
		t.Errorf("Binds %q, want %q", hc.Binds, wantBinds)
	}
	if hc.Mounts[0].Source != "data" || hc.Mounts[1].Source != "/n1/x" {
		t.Errorf("Mounts %+v", hc.Mounts)
	}
	c.LocalizeVolumes(e1, nil) // no panic
}

func TestInUse(t *testing.T) {
	infos := map[string][]container.InspectResponse{}
	add := func(node, id string, nets []string, vols []string) {
		info := container.InspectResponse{ContainerJSONBase: &container.ContainerJSONBase{ID: id, Name: "/" + id}}
		if nets != nil {
			info.NetworkSettings = &container.NetworkSettings{Networks: map[string]*network.EndpointSettings{}}
			for _, n := range nets {
				info.NetworkSettings.Networks[n] = &network.EndpointSettings{NetworkID: n}
			}
			info.NetworkSettings.Networks["nil"] = nil
		}
		for _, v := range vols {
			info.Mounts = append(info.Mounts, container.MountPoint{Type: mount.TypeVolume, Name: v})
		}
		info.Mounts = append(info.Mounts, container.MountPoint{Type: mount.TypeBind, Source: "/etc"})
		infos[node] = append(infos[node], info)
	}
	add("n1", "c1", []string{"net-a", ""}, []string{"data"})
	add("n1", "c2", nil, []string{"logs"})
	add("n2", "c3", []string{"net-b"}, nil)
	c := New(Options{})
	for _, name := range []string{"n1", "n2"} {
		f := engine.Fixture{Addr: name + ":2375", Name: name, ID: "ID-" + name, Containers: infos[name]}
		c.engines[f.Addr] = &engineRun{engine: engine.NewFixture(f)}
	}
	e1, _ := c.Engine("n1")
	e2, _ := c.Engine("n2")

	nets, vols := c.NetworksInUse(), c.VolumesInUse()
	tests := []struct {
		name  string
		inUse InUse
		e     *Engine
		key   string
		want  bool
	}{
		{"network on its node", nets, e1, "net-a", true},
		{"network of another node", nets, e2, "net-a", false},
		{"second node's network", nets, e2, "net-b", true},
		{"empty network ID", nets, e1, "", false},
		{"volume", vols, e1, "data", true},
		{"second container's volume", vols, e1, "logs", true},
		{"volume of another node", vols, e2, "data", false},
		{"bind mount", vols, e1, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.inUse.Has(tc.e, tc.key); got != tc.want {
				t.Errorf("Has(%s, %q) = %v, want %v", tc.e.Name(), tc.key, got, tc.want)
			}
		})
	}
}
