package filters

import (
	"testing"

	"github.com/swarm-project/swarm/scheduler/node"
	nt "github.com/swarm-project/swarm/scheduler/node/nodetest"
)

func resourceNodes() []*node.Node {
	n1 := nt.New("node-1", nt.With(nt.Container("data")))
	n1.Networks = []node.Network{{ID: "abc123def456", Name: "front"}, {ID: "0000aaaa", Name: "shared"}, {ID: "cafe0001", Name: "ov", Scope: "swarm"}}
	n1.Swarm = true // a swarm manager: it lists the swarm's networks
	n1.Volumes = []string{"db-data", "common"}
	n2 := nt.New("node-2")
	n2.Networks = []node.Network{{ID: "fff000", Name: "back"}, {ID: "0000bbbb", Name: "shared"}}
	n2.Volumes = []string{"common", "cache"}
	n3 := nt.New("node-3")
	n3.Swarm = true // a swarm worker: it lists "ov" once a container uses it
	return []*node.Node{n1, n2, n3}
}

func TestNetworkAndVolumeDependencies(t *testing.T) {
	tests := []struct {
		name       string
		req        *node.Request
		wantFit    []string
		wantReason string
	}{
		{name: "network on one node", req: &node.Request{Networks: []string{"front"}}, wantFit: []string{"node-1"}, wantReason: "dependency --net=front"},
		{name: "network by id prefix", req: &node.Request{Networks: []string{"fff0"}}, wantFit: []string{"node-2"}, wantReason: "dependency --net=fff0"},
		{name: "network on two nodes", req: &node.Request{Networks: []string{"shared"}}, wantFit: []string{"node-1", "node-2"}, wantReason: "dependency --net=shared"},
		{name: "node/name pins the node", req: &node.Request{Networks: []string{"node-2/shared"}}, wantFit: []string{"node-2"}, wantReason: "dependency --net=node-2/shared"},
		{name: "swarm network reaches every swarm node", req: &node.Request{Networks: []string{"ov"}}, wantFit: []string{"node-1", "node-3"}, wantReason: "dependency --net=ov"},
		{name: "swarm network by ID", req: &node.Request{Networks: []string{"cafe0001"}}, wantFit: []string{"node-1", "node-3"}, wantReason: "dependency --net=cafe0001"},
		{name: "unknown network restricts nothing", req: &node.Request{Networks: []string{"nowhere"}}, wantFit: []string{"node-1", "node-2", "node-3"}},
		{name: "volume on one node", req: &node.Request{Volumes: []string{"db-data"}}, wantFit: []string{"node-1"}, wantReason: "dependency --volume=db-data"},
		{name: "new volume restricts nothing", req: &node.Request{Volumes: []string{"fresh"}}, wantFit: []string{"node-1", "node-2", "node-3"}},
		{name: "volume and network together", req: &node.Request{Volumes: []string{"common"}, Networks: []string{"back"}}, wantFit: []string{"node-2"}, wantReason: "dependency --net=back --volume=common"},
		{name: "volume next to a container dependency", req: &node.Request{VolumesFrom: []string{"data"}, Volumes: []string{"common"}}, wantFit: []string{"node-1"}, wantReason: "dependency --volumes-from=data --volume=common"},
		{
			name:       "on different nodes",
			req:        &node.Request{Volumes: []string{"db-data", "cache"}},
			wantReason: "dependency --volume=db-data (node-1), --volume=cache (node-2) are on different nodes",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := run(t, Dependency{}, tt.req, resourceNodes())
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
