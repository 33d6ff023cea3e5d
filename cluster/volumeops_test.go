package cluster

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/volume"

	"github.com/swarm-project/swarm/test/simengine"
)

// volNodes is the names of the engines whose cache holds the volume ref.
func volNodes(c *Cluster, ref string) []string {
	vols, err := c.FindVolumes(ref)
	if err != nil {
		return nil
	}
	return nodesOf(vols, func(v VolumeOn) *Engine { return v.Engine })
}

func TestCreateVolumePlacement(t *testing.T) {
	c, objs := startObjEngines(t, 3, func(i int, cfg *simengine.Config) {
		cfg.Labels = []string{fmt.Sprintf("rack=%d", i%2)}
	})
	objs[2].failOn("volume create", "disk full")
	ctx := t.Context()
	tests := []struct {
		name  string
		req   volume.CreateOptions
		nodes []string // where the volume is, by cache (named volumes)
		mount string   // the answer's Mountpoint: which node answered
		err   error
		msg   string
	}{
		{name: "pinned", req: volume.CreateOptions{Name: "node-2/data"}, nodes: []string{"node-2"}, mount: "/node-2"},
		// rack 0 is node-1 and node-3; node-3 fails after node-1 made it.
		{name: "constrained", req: volume.CreateOptions{Name: "racked", Labels: map[string]string{"constraint:rack": "=0"}},
			nodes: []string{"node-1"}, msg: "node-3: disk full"},
		{name: "constrained to healthy", req: volume.CreateOptions{Name: "one", DriverOpts: map[string]string{"constraint:node": "=node-1"}},
			nodes: []string{"node-1"}, mount: "/node-1"},
		{name: "unnamed on one node", req: volume.CreateOptions{}, mount: ""},
		{name: "slash in pinned name", req: volume.CreateOptions{Name: "node-1/a/b"}, err: ErrInvalid, msg: `invalid volume name "node-1/a/b"`},
		{name: "pinned node fails", req: volume.CreateOptions{Name: "node-3/x"}, msg: "disk full"},
		{name: "everywhere, one node fails", req: volume.CreateOptions{Name: "shared"}, msg: "node-3: disk full"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, err := c.CreateVolume(ctx, tc.req)
			if tc.msg != "" {
				if err == nil || err.Error() != tc.msg || (tc.err != nil && !errors.Is(err, tc.err)) {
					t.Fatalf("error %v, want %q", err, tc.msg)
				}
				if got := volNodes(c, tc.req.Name); tc.nodes != nil && !slices.Equal(got, tc.nodes) {
					t.Errorf("volume on %v, want %v", got, tc.nodes)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.req.Name == "" {
				if got := volNodes(c, v.Name); len(got) != 1 {
					t.Errorf("unnamed volume on %v, want one node", got)
				}
				return
			}
			if got := volNodes(c, v.Name); !slices.Equal(got, tc.nodes) {
				t.Errorf("volume on %v, want %v", got, tc.nodes)
			}
			if v.Mountpoint != tc.mount {
				t.Errorf("answer from %q, want %q", v.Mountpoint, tc.mount)
			}
		})
	}
}

func TestCreateVolumeEverywhere(t *testing.T) {
	c, _ := startObjEngines(t, 3, nil)
	v, err := c.CreateVolume(t.Context(), volume.CreateOptions{Name: "data", DriverOpts: map[string]string{"size": "1G"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := volNodes(c, "data"), []string{"node-1", "node-2", "node-3"}; !slices.Equal(got, want) {
		t.Errorf("data on %v, want %v", got, want)
	}
	if v.Mountpoint != "/node-1" {
		t.Errorf("answer from %s, want the first node's", v.Mountpoint)
	}
	// Again: an existing volume is no error.
	if _, err := c.CreateVolume(t.Context(), volume.CreateOptions{Name: "data"}); err != nil {
		t.Fatal(err)
	}
}

func TestCreateVolumeWhitelist(t *testing.T) {
	c, _ := startObjEngines(t, 3, nil)
	tests := []struct {
		name string
		req  volume.CreateOptions
		want []string
	}{
		{name: "label", req: volume.CreateOptions{Name: "wl-label", Labels: map[string]string{"com.docker.swarm.whitelists": `["node==node-1|node-3"]`}},
			want: []string{"node-1", "node-3"}},
		{name: "option", req: volume.CreateOptions{Name: "wl-opt", DriverOpts: map[string]string{"whitelist:node": "=node-2"}},
			want: []string{"node-2"}},
		{name: "two lists", req: volume.CreateOptions{Name: "wl-two", Labels: map[string]string{"com.docker.swarm.whitelists": `["node==node-1|node-2","name==node-2|node-3"]`}},
			want: []string{"node-2"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := c.CreateVolume(t.Context(), tc.req); err != nil {
				t.Fatal(err)
			}
			if got := volNodes(c, tc.req.Name); !slices.Equal(got, tc.want) {
				t.Errorf("%s on %v, want %v", tc.req.Name, got, tc.want)
			}
		})
	}
	_, err := c.CreateVolume(t.Context(), volume.CreateOptions{Name: "wl-bad", Labels: map[string]string{"com.docker.swarm.whitelists": `["node!=node-1"]`}})
	if !errors.Is(err, ErrInvalid) {
		t.Errorf("node!=node-1: error %v, want ErrInvalid", err)
	}
}

func TestRemoveVolume(t *testing.T) {
	c, objs := startObjEngines(t, 3, nil)
	ctx := t.Context()
	for _, name := range []string{"data", "solo", "busy"} {
		if _, err := c.CreateVolume(ctx, volume.CreateOptions{Name: name}); err != nil {
			t.Fatal(err)
		}
	}
	objs[0].failOn("volume remove", "volume is in use")
	if err := c.RemoveVolume(ctx, "busy", false); err == nil || err.Error() != "node-1: volume is in use" {
		t.Fatalf("remove with node-1 failing: %v, want node-1 named", err)
	}
	if got := volNodes(c, "busy"); !slices.Equal(got, []string{"node-1"}) {
		t.Fatalf("busy left on %v, want node-1", got)
	}
	objs[0].failOn("volume remove", "")
	makeUnhealthy(t, c, objs[1])
	tests := []struct {
		name, ref string
		left      []string
		msg       string // "" for no error
		err       error
	}{
		{name: "one node", ref: "node-3/solo", left: []string{"node-1", "node-2"}},
		{name: "unhealthy node skipped, others removed", ref: "data", left: []string{"node-2"},
			msg: fmt.Sprintf("node node-2 (%s) is Unhealthy", objs[1].addr()), err: ErrUnavailable},
		{name: "unknown", ref: "nope", msg: "No such volume: nope", err: ErrNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := c.RemoveVolume(ctx, tc.ref, true)
			switch {
			case tc.msg == "" && err != nil:
				t.Fatal(err)
			case tc.msg != "" && (err == nil || err.Error() != tc.msg || (tc.err != nil && !errors.Is(err, tc.err))):
				t.Fatalf("error %v, want %q", err, tc.msg)
			}
			if tc.left == nil {
				return
			}
			_, name := c.SplitNodeRef(tc.ref)
			if got := volNodes(c, name); !slices.Equal(got, tc.left) {
				t.Errorf("volume left on %v, want %v", got, tc.left)
			}
		})
	}
}

func TestPruneVolumes(t *testing.T) {
	c, objs := startObjEngines(t, 3, nil)
	ctx := t.Context()
	for _, name := range []string{"a", "node-2/b"} {
		if _, err := c.CreateVolume(ctx, volume.CreateOptions{Name: name}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := c.PruneVolumes(ctx, filters.NewArgs(filters.Arg("node", "node-2")))
	if err != nil {
		t.Fatal(err)
	}
	if want := []NodePruneReport{{Node: "node-2", Deleted: []string{"a", "b"}, SpaceReclaimed: 20}}; !reflect.DeepEqual(got, want) {
		t.Errorf("prune node-2: %+v, want %+v", got, want)
	}
	if nodes := volNodes(c, "a"); !slices.Equal(nodes, []string{"node-1", "node-3"}) {
		t.Errorf("a left on %v, want node-1 and node-3", nodes)
	}
	got, err = c.PruneVolumes(ctx, filters.Args{})
	if err != nil {
		t.Fatal(err)
	}
	want := []NodePruneReport{
		{Node: "node-1", Deleted: []string{"a"}, SpaceReclaimed: 10},
		{Node: "node-2", Deleted: []string{}},
		{Node: "node-3", Deleted: []string{"a"}, SpaceReclaimed: 10},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("prune all: %+v, want %+v", got, want)
	}
	objs[2].failOn("volume prune", "busy")
	if _, err := c.PruneVolumes(ctx, filters.Args{}); err == nil || err.Error() != "node-3: busy" {
		t.Errorf("prune with node-3 failing: %v, want node-3 named", err)
	}
	makeUnhealthy(t, c, objs[0])
	got, err = c.PruneVolumes(ctx, filters.NewArgs(filters.Arg("node", "node-1")))
	if err != nil || len(got) != 0 {
		t.Errorf("prune of an unhealthy node only: %+v, %v; want nothing pruned", got, err)
	}
}
