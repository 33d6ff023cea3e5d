package filters

import (
	"testing"

	"github.com/swarm-project/swarm/scheduler/node"
	nt "github.com/swarm-project/swarm/scheduler/node/nodetest"
)

func depNodes() []*node.Node {
	return []*node.Node{
		nt.New("node-1", nt.With(nt.Container("db", nt.CID("d0000000000000000000000000000000000000000000000000000000000000db")), nt.Container("data", nt.State("exited")))),
		nt.New("node-2", nt.With(nt.Container("cache", nt.CID("ca000000000000000000000000000000000000000000000000000000000000ce")), nt.Container("pend", nt.Pending()))),
		nt.New("node-3"),
	}
}

func TestDependency(t *testing.T) {
	tests := []struct {
		name       string
		req        *node.Request
		wantFit    []string
		wantReason string // the reason the rejected nodes get
	}{
		{name: "none", req: &node.Request{}, wantFit: []string{"node-1", "node-2", "node-3"}},
		{name: "volumes from", req: &node.Request{VolumesFrom: []string{"data"}}, wantFit: []string{"node-1"}, wantReason: "dependency --volumes-from=data"},
		{name: "volumes from read only", req: &node.Request{VolumesFrom: []string{"data:ro"}}, wantFit: []string{"node-1"}, wantReason: "dependency --volumes-from=data:ro"},
		{name: "link", req: &node.Request{Links: []string{"cache:c"}}, wantFit: []string{"node-2"}, wantReason: "dependency --link=cache:c"},
		{name: "link with slash", req: &node.Request{Links: []string{"/cache:/me/c"}}, wantFit: []string{"node-2"}, wantReason: "dependency --link=/cache:/me/c"},
		{name: "net container", req: &node.Request{NetworkMode: "container:db"}, wantFit: []string{"node-1"}, wantReason: "dependency --net=container:db"},
		{name: "ipc container", req: &node.Request{IpcMode: "container:cache"}, wantFit: []string{"node-2"}, wantReason: "dependency --ipc=container:cache"},
		{name: "pid container", req: &node.Request{PidMode: "container:db"}, wantFit: []string{"node-1"}, wantReason: "dependency --pid=container:db"},
		{name: "by id prefix", req: &node.Request{VolumesFrom: []string{"ca0000"}}, wantFit: []string{"node-2"}, wantReason: "dependency --volumes-from=ca0000"},
		{name: "by full id", req: &node.Request{Links: []string{"d0000000000000000000000000000000000000000000000000000000000000db:d"}}, wantFit: []string{"node-1"}, wantReason: "dependency --link=d0000000000000000000000000000000000000000000000000000000000000db:d"},
		{name: "pending target", req: &node.Request{Links: []string{"pend:p"}}, wantFit: []string{"node-2"}, wantReason: "dependency --link=pend:p"},
		{name: "several on one node", req: &node.Request{VolumesFrom: []string{"data"}, Links: []string{"db:db"}}, wantFit: []string{"node-1"}, wantReason: "dependency --volumes-from=data --link=db:db"},
		{name: "host networking is no dependency", req: &node.Request{NetworkMode: "host", IpcMode: "host"}, wantFit: []string{"node-1", "node-2", "node-3"}},
		{
			name:       "on different nodes",
			req:        &node.Request{VolumesFrom: []string{"data"}, Links: []string{"cache:c"}},
			wantFit:    nil,
			wantReason: "dependency --volumes-from=data (node-1), --link=cache:c (node-2) are on different nodes",
		},
		{
			name:       "missing target",
			req:        &node.Request{Links: []string{"ghost:g"}},
			wantFit:    nil,
			wantReason: "dependency --link=ghost:g: no such container",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nodes := depNodes()
			o := run(t, Dependency{}, tt.req, nodes)
			if !equalNames(o.fit, tt.wantFit) {
				t.Errorf("fit = %s, want %s", show(o.fit), show(tt.wantFit))
			}
			for name, r := range o.reasons {
				if r != tt.wantReason {
					t.Errorf("reason for %s = %q, want %q", name, r, tt.wantReason)
				}
			}
		})
	}
}

// A name wins over an ID prefix, as in docker.
func TestDependencyNameBeatsIDPrefix(t *testing.T) {
	nodes := []*node.Node{
		nt.New("node-1", nt.With(nt.Container("x", nt.CID("beef000000000000000000000000000000000000000000000000000000000001")))),
		nt.New("node-2", nt.With(nt.Container("beef"))),
	}
	o := run(t, Dependency{}, &node.Request{VolumesFrom: []string{"beef"}}, nodes)
	if want := []string{"node-2"}; !equalNames(o.fit, want) {
		t.Errorf("fit = %s, want %s", show(o.fit), show(want))
	}
}
