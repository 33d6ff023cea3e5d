package scheduler

import (
	"testing"

	"github.com/swarm-project/swarm/scheduler/node"
	nt "github.com/swarm-project/swarm/scheduler/node/nodetest"
)

func TestResources(t *testing.T) {
	tests := []struct {
		name       string
		node       *node.Node
		req        *node.Request
		overcommit float64
		wantFit    bool
		wantReason string
	}{
		{name: "nothing asked", node: nt.New("n"), req: &node.Request{}, wantFit: true},
		{name: "fits", node: nt.New("n", nt.Resources(4, 8*gib)), req: &node.Request{CPUs: 2 * node.NanoCPU, Memory: 4 * gib}, wantFit: true},
		{name: "exactly full", node: nt.New("n", nt.Resources(4, 8*gib), nt.With(nt.Container("a", nt.Reserve(2, 4*gib)))), req: &node.Request{CPUs: 2 * node.NanoCPU, Memory: 4 * gib}, wantFit: true},
		{name: "memory short", node: nt.New("n", nt.Resources(4, 8*gib), nt.With(nt.Container("a", nt.Reserve(0, 6*gib)))), req: &node.Request{Memory: 4 * gib}, wantReason: ReasonNoMemory},
		{name: "cpu short", node: nt.New("n", nt.Resources(2, 8*gib)), req: &node.Request{CPUs: 3 * node.NanoCPU}, wantReason: ReasonNoCPU},
		{name: "both short", node: nt.New("n", nt.Resources(2, 2*gib)), req: &node.Request{CPUs: 3 * node.NanoCPU, Memory: 3 * gib}, wantReason: ReasonNoMemoryCPU},
		{name: "pending reservation counts", node: nt.New("n", nt.Resources(4, 8*gib), nt.With(nt.Container("p", nt.Pending(), nt.Reserve(0, 6*gib)))), req: &node.Request{Memory: 4 * gib}, wantReason: ReasonNoMemory},
		{name: "stopped container counts", node: nt.New("n", nt.Resources(4, 8*gib), nt.With(nt.Container("x", nt.State("exited"), nt.Reserve(4, 0)))), req: &node.Request{CPUs: node.NanoCPU}, wantReason: ReasonNoCPU},
		{name: "overcommit allows 5%", node: nt.New("n", nt.Resources(4, 100*gib), nt.With(nt.Container("a", nt.Reserve(0, 100*gib)))), req: &node.Request{Memory: 5 * gib}, overcommit: 0.05, wantFit: true},
		{name: "overcommit beyond 5%", node: nt.New("n", nt.Resources(4, 100*gib), nt.With(nt.Container("a", nt.Reserve(0, 100*gib)))), req: &node.Request{Memory: 6 * gib}, overcommit: 0.05, wantReason: ReasonNoMemory},
		{name: "no overcommit", node: nt.New("n", nt.Resources(4, 100*gib), nt.With(nt.Container("a", nt.Reserve(0, 100*gib)))), req: &node.Request{Memory: 1}, overcommit: 0, wantReason: ReasonNoMemory},
		{name: "negative overcommit keeps headroom", node: nt.New("n", nt.Resources(4, 100*gib)), req: &node.Request{Memory: 95 * gib}, overcommit: -0.1, wantReason: ReasonNoMemory},
		{name: "cpu overcommit", node: nt.New("n", nt.Resources(20, gib), nt.With(nt.Container("a", nt.Reserve(20, 0)))), req: &node.Request{CPUs: node.NanoCPU}, overcommit: 0.05, wantFit: true},
		{name: "unknown totals fit nothing asked", node: nt.New("n"), req: &node.Request{}, wantFit: true},
		{name: "unknown memory total", node: nt.New("n"), req: &node.Request{Memory: 1}, wantReason: ReasonNoMemory},
		{name: "unknown cpu total", node: nt.New("n"), req: &node.Request{CPUs: 1}, wantReason: ReasonNoCPU},
		{name: "reads the reserved totals", node: func() *node.Node {
			n := nt.New("n", nt.Resources(4, 8*gib))
			n.ReservedMemory = 8 * gib
			return n
		}(), req: &node.Request{Memory: gib}, wantReason: ReasonNoMemory},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := resourcesFilter{overcommit: tt.overcommit}.Prepare(tt.req, nil)
			if err != nil {
				t.Fatal(err)
			}
			fit, reason := true, ""
			if p.Hard != nil {
				fit, reason = p.Hard(tt.node)
			}
			if fit != tt.wantFit || reason != tt.wantReason {
				t.Errorf("fit, reason = %v, %q; want %v, %q", fit, reason, tt.wantFit, tt.wantReason)
			}
		})
	}
}

func TestParseOvercommit(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    float64
		wantErr bool
	}{
		{name: "default", in: "0.05", want: 0.05},
		{name: "zero", in: "0", want: 0},
		{name: "negative", in: "-0.5", want: -0.5},
		{name: "spaces", in: " 0.1 ", want: 0.1},
		{name: "minus one", in: "-1", wantErr: true},
		{name: "not a number", in: "five", wantErr: true},
		{name: "nan", in: "NaN", wantErr: true},
		{name: "inf", in: "+Inf", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseOvercommit(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
