package filters

import (
	"testing"

	"github.com/swarm-project/swarm/scheduler/node"
	nt "github.com/swarm-project/swarm/scheduler/node/nodetest"
)

func TestHealth(t *testing.T) {
	tests := []struct {
		name  string
		nodes []*node.Node
		want  []string
	}{
		{name: "all healthy", nodes: []*node.Node{nt.New("a"), nt.New("b")}, want: []string{"a", "b"}},
		{name: "one down", nodes: []*node.Node{nt.New("a", nt.Unhealthy()), nt.New("b")}, want: []string{"b"}},
		{name: "all down", nodes: []*node.Node{nt.New("a", nt.Unhealthy())}, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := run(t, Health{}, &node.Request{}, tt.nodes)
			if !equalNames(o.fit, tt.want) {
				t.Errorf("fit = %s, want %s", show(o.fit), show(tt.want))
			}
			for n, r := range o.reasons {
				if r != ReasonUnhealthy {
					t.Errorf("reason for %s = %q", n, r)
				}
			}
		})
	}
}
