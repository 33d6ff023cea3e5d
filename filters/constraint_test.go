package filters

import (
	"testing"

	nt "github.com/swarm-project/swarm/scheduler/node/nodetest"

	"github.com/swarm-project/swarm/scheduler/node"
)

func constraintNodes() []*node.Node {
	return []*node.Node{
		nt.New("node-1", nt.ID("AAAA:1111"), nt.Labels("storage", "ssd", "region", "us-east-1", "kernelversion", "6.8.0", "ostype", "linux")),
		nt.New("node-2", nt.ID("BBBB:2222"), nt.Labels("storage", "disk", "region", "eu-west-1", "kernelversion", "5.15.0", "ostype", "linux")),
		nt.New("node-3", nt.ID("CCCC:3333"), nt.Labels("storage", "flash", "ostype", "windows")),
	}
}

func TestConstraint(t *testing.T) {
	tests := []struct {
		name       string
		req        *node.Request
		wantFit    []string
		wantReason string // reason given for the first rejected node
		wantSoft   [][]string
	}{
		{name: "no constraint", req: envReq("A=b"), wantFit: []string{"node-1", "node-2", "node-3"}},
		{name: "label equal", req: envReq("constraint:storage==ssd"), wantFit: []string{"node-1"}, wantReason: "constraint:storage==ssd"},
		{name: "label ignores case", req: envReq("constraint:storage==SSD"), wantFit: []string{"node-1"}, wantReason: "constraint:storage==SSD"},
		{name: "label not equal", req: envReq("constraint:storage!=ssd"), wantFit: []string{"node-2", "node-3"}, wantReason: "constraint:storage!=ssd"},
		{name: "glob", req: envReq("constraint:region==us-*"), wantFit: []string{"node-1"}, wantReason: "constraint:region==us-*"},
		{name: "regexp", req: envReq("constraint:storage==/ssd|flash/"), wantFit: []string{"node-1", "node-3"}, wantReason: "constraint:storage==/ssd|flash/"},
		{name: "negated regexp", req: envReq("constraint:storage!=/ssd|flash/"), wantFit: []string{"node-2"}, wantReason: "constraint:storage!=/ssd|flash/"},
		{name: "missing key fails equal", req: envReq("constraint:region==*"), wantFit: []string{"node-1", "node-2"}, wantReason: "constraint:region==*"},
		{name: "missing key passes not equal", req: envReq("constraint:region!=us-east-1"), wantFit: []string{"node-2", "node-3"}, wantReason: "constraint:region!=us-east-1"},
		{name: "default tag", req: envReq("constraint:kernelversion==6.*"), wantFit: []string{"node-1"}, wantReason: "constraint:kernelversion==6.*"},
		{name: "ostype", req: envReq("constraint:ostype==windows"), wantFit: []string{"node-3"}, wantReason: "constraint:ostype==windows"},
		{name: "node by name", req: envReq("constraint:node==node-2"), wantFit: []string{"node-2"}, wantReason: "constraint:node==node-2"},
		{name: "node by id", req: envReq("constraint:node==CCCC:3333"), wantFit: []string{"node-3"}, wantReason: "constraint:node==CCCC:3333"},
		{name: "node not equal", req: envReq("constraint:node!=node-2"), wantFit: []string{"node-1", "node-3"}, wantReason: "constraint:node!=node-2"},
		{
			name:       "every constraint must hold",
			req:        envReq("constraint:ostype==linux", "constraint:storage!=disk"),
			wantFit:    []string{"node-1"},
			wantReason: "constraint:storage!=disk",
		},
		{
			name:    "from label",
			req:     &node.Request{Labels: map[string]string{ConstraintsLabel: `["storage==disk"]`}},
			wantFit: []string{"node-2"}, wantReason: "constraint:storage==disk",
		},
		{
			name:    "from build args",
			req:     &node.Request{BuildArgs: map[string]string{"constraint:node": "=node-3"}},
			wantFit: []string{"node-3"}, wantReason: "constraint:node==node-3",
		},
		{
			name:     "soft is only a preference",
			req:      envReq("constraint:storage==~ssd", "constraint:region==~nowhere"),
			wantFit:  []string{"node-1", "node-2", "node-3"},
			wantSoft: [][]string{{"node-1"}, nil},
		},
		{
			name:       "hard and soft",
			req:        envReq("constraint:ostype==linux", "constraint:storage!=~ssd"),
			wantFit:    []string{"node-1", "node-2"},
			wantReason: "constraint:ostype==linux",
			wantSoft:   [][]string{{"node-2", "node-3"}},
		},
	}
	for _, tt := range tests {
		for _, indexed := range []bool{false, true} {
			t.Run(tt.name+indexName(indexed), func(t *testing.T) {
				nodes := constraintNodes()
				if indexed {
					index(nodes)
				}
				o := run(t, Constraint{}, tt.req, nodes)
				if !equalNames(o.fit, tt.wantFit) {
					t.Errorf("fit = %s, want %s", show(o.fit), show(tt.wantFit))
				}
				for _, n := range nodes {
					if r, ok := o.reasons[n.Name]; ok {
						if r != tt.wantReason {
							t.Errorf("reason for %s = %q, want %q", n.Name, r, tt.wantReason)
						}
						break
					}
				}
				if len(o.soft) != len(tt.wantSoft) {
					t.Fatalf("got %d preferences, want %d", len(o.soft), len(tt.wantSoft))
				}
				for i := range o.soft {
					if !equalNames(o.soft[i], tt.wantSoft[i]) {
						t.Errorf("preference %s passes %s, want %s", o.conds[i], show(o.soft[i]), show(tt.wantSoft[i]))
					}
				}
			})
		}
	}
}

func TestConstraintBadExpression(t *testing.T) {
	_, err := Constraint{}.Prepare(envReq("constraint:storage=ssd"), constraintNodes())
	if err == nil {
		t.Fatal("want an error for constraint:storage=ssd")
	}
}
