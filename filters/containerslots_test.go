package filters

import (
	"testing"

	"github.com/swarm-project/swarm/scheduler/node"
	nt "github.com/swarm-project/swarm/scheduler/node/nodetest"
)

func TestSlots(t *testing.T) {
	three := nt.With(nt.Container("a"), nt.Container("b", nt.State("exited")), nt.Container("c", nt.Pending()))
	tests := []struct {
		name    string
		node    *node.Node
		wantFit bool
	}{
		{name: "no label", node: nt.New("n", three), wantFit: true},
		{name: "room left", node: nt.New("n", three, nt.Labels(SlotsLabel, "4")), wantFit: true},
		{name: "full counting stopped and pending", node: nt.New("n", three, nt.Labels(SlotsLabel, "3"))},
		{name: "over full", node: nt.New("n", three, nt.Labels(SlotsLabel, "1"))},
		{name: "zero slots", node: nt.New("n", nt.Labels(SlotsLabel, "0"))},
		{name: "spaces", node: nt.New("n", three, nt.Labels(SlotsLabel, " 3 "))},
		{name: "not a number is no limit", node: nt.New("n", three, nt.Labels(SlotsLabel, "many")), wantFit: true},
		{name: "negative is no limit", node: nt.New("n", three, nt.Labels(SlotsLabel, "-1")), wantFit: true},
	}
	for _, tt := range tests {
		for _, indexed := range []bool{false, true} {
			t.Run(tt.name+indexName(indexed), func(t *testing.T) {
				n := *tt.node
				if indexed {
					n.Index = node.NewNodeIndex(&n)
				}
				o := run(t, Slots{}, &node.Request{}, []*node.Node{&n})
				if got := len(o.fit) == 1; got != tt.wantFit {
					t.Errorf("fit = %v, want %v", got, tt.wantFit)
				}
				if !tt.wantFit && o.reasons["n"] != ReasonSlots {
					t.Errorf("reason = %q, want %q", o.reasons["n"], ReasonSlots)
				}
			})
		}
	}

	// A pending reservation on a copy of an indexed node (as the cluster
	// makes) takes a slot.
	n := nt.New("n", three, nt.Labels(SlotsLabel, "4"))
	n.Index = node.NewNodeIndex(n)
	cp := *n
	cp.Containers = append(append([]*node.Container(nil), n.Containers...), nt.Container("p", nt.Pending()))
	if o := run(t, Slots{}, &node.Request{}, []*node.Node{&cp}); len(o.fit) != 0 {
		t.Errorf("copy with a pending container fits, want full")
	}
}
