package filters

import (
	"slices"
	"testing"

	"github.com/swarm-project/swarm/scheduler/node"
	nt "github.com/swarm-project/swarm/scheduler/node/nodetest"
)

// Each filter lists the request's conditions in classic Swarm's words, met
// or not, whatever the nodes.
func TestPlanConditions(t *testing.T) {
	snapshot := []*node.Node{
		nt.New("a", nt.With(nt.Container("db"))),
		nt.New("b", nt.With(nt.Container("cache"))),
	}
	tests := []struct {
		name   string
		filter Filter
		req    *node.Request
		want   []string
	}{
		{name: "health lists nothing", filter: Health{}, req: envReq("constraint:node==a"), want: nil},
		{name: "port, none", filter: PortFilter{}, req: &node.Request{Ports: []node.Port{{HostPort: 0}}}, want: nil},
		{name: "port, bridge", filter: PortFilter{}, req: &node.Request{Ports: []node.Port{{HostPort: 80}}},
			want: []string{"port 80 (Bridge mode)"}},
		{name: "port, bridge, address and protocol left out, sorted", filter: PortFilter{},
			req: &node.Request{NetworkMode: "bridge", Ports: []node.Port{
				{HostPort: 8080}, {HostIP: "10.0.0.1", HostPort: 53, Proto: "udp"}, {HostPort: 53},
			}},
			want: []string{"port 53 (Bridge mode)", "port 53 (Bridge mode)", "port 8080 (Bridge mode)"}},
		{name: "port, host mode, with the protocol", filter: PortFilter{},
			req:  &node.Request{NetworkMode: "host", Ports: []node.Port{{HostPort: 80}, {HostPort: 53, Proto: "UDP"}}},
			want: []string{"port 53/udp (Host mode)", "port 80/tcp (Host mode)"}},
		{name: "containerslots, always", filter: Slots{}, req: &node.Request{}, want: []string{"available container slots"}},
		{name: "dependency, none", filter: Dependency{}, req: &node.Request{}, want: nil},
		{name: "dependency, met", filter: Dependency{},
			req:  &node.Request{VolumesFrom: []string{"db:ro"}, Links: []string{"db:alias"}, NetworkMode: "container:db"},
			want: []string{"--volumes-from=db:ro", "--link=db:alias", "--net=container:db"}},
		{name: "dependency, on two nodes", filter: Dependency{},
			req:  &node.Request{VolumesFrom: []string{"db"}, Links: []string{"cache"}},
			want: []string{"--volumes-from=db", "--link=cache"}},
		{name: "dependency, missing", filter: Dependency{},
			req: &node.Request{NetworkMode: "container:nosuch"}, want: []string{"--net=container:nosuch"}},
		{name: "affinity, none", filter: Affinity{}, req: envReq("constraint:node==a"), want: nil},
		{name: "affinity, hard and soft", filter: Affinity{},
			req:  envReq("affinity:container==db", "affinity:container!=~cache", "affinity:image==redis:7"),
			want: []string{"container==db (soft=false)", "container!=cache (soft=true)", "image==redis:7 (soft=false)"}},
		{name: "affinity, label then env", filter: Affinity{},
			req:  &node.Request{Labels: map[string]string{AffinitiesLabel: `["container!=db"]`}, Env: []string{"affinity:com.x.type==~front"}},
			want: []string{"container!=db (soft=false)", "com.x.type==front (soft=true)"}},
		{name: "constraint, none", filter: Constraint{}, req: envReq("affinity:container==db"), want: nil},
		{name: "constraint, as written without prefix or ~", filter: Constraint{},
			req:  envReq("constraint:node==node-9", "constraint:node!=a", "constraint:Region==/eu-[0-9]+/", "constraint:zone==~us-*"),
			want: []string{"node==node-9", "node!=a", "Region==/eu-[0-9]+/", "zone==us-*"}},
		{name: "constraint, shell-escaped label", filter: Constraint{},
			req:  &node.Request{Labels: map[string]string{ConstraintsLabel: `["node\!=a"]`}},
			want: []string{"node!=a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := tt.filter.Prepare(tt.req, snapshot)
			if err != nil {
				t.Fatalf("Prepare: %v", err)
			}
			if !slices.Equal(p.Conditions, tt.want) {
				t.Errorf("Conditions = %q, want %q", p.Conditions, tt.want)
			}
		})
	}
}
