package scheduler

import (
	"slices"
	"testing"

	"github.com/swarm-project/swarm/scheduler/node"
	nt "github.com/swarm-project/swarm/scheduler/node/nodetest"
)

const gib = int64(1) << 30

func TestSpread(t *testing.T) {
	tests := []struct {
		name  string
		nodes []*node.Node
		req   *node.Request
		want  []string
	}{
		{
			name: "fewest containers first",
			nodes: []*node.Node{
				nt.New("a", nt.With(nt.Container("1"), nt.Container("2"))),
				nt.New("b"),
				nt.New("c", nt.With(nt.Container("3"))),
			},
			req:  &node.Request{},
			want: []string{"b", "c", "a"},
		},
		{
			name: "stopped and pending containers count",
			nodes: []*node.Node{
				nt.New("a", nt.With(nt.Container("1", nt.State("exited")), nt.Container("2", nt.Pending()))),
				nt.New("b", nt.With(nt.Container("3"))),
			},
			req:  &node.Request{},
			want: []string{"b", "a"},
		},
		{
			name: "ties by most free resources",
			nodes: []*node.Node{
				nt.New("a", nt.Resources(4, 8*gib), nt.With(nt.Container("1", nt.Reserve(2, 4*gib)))),
				nt.New("b", nt.Resources(4, 8*gib), nt.With(nt.Container("2", nt.Reserve(1, 1*gib)))),
				nt.New("c", nt.Resources(4, 8*gib), nt.With(nt.Container("3", nt.Reserve(3, 6*gib)))),
			},
			req:  &node.Request{CPUs: node.NanoCPU, Memory: gib},
			want: []string{"b", "a", "c"},
		},
		{
			name: "bigger node is freer after placement",
			nodes: []*node.Node{
				nt.New("small", nt.Resources(2, 2*gib)),
				nt.New("big", nt.Resources(8, 16*gib)),
			},
			req:  &node.Request{CPUs: node.NanoCPU, Memory: gib},
			want: []string{"big", "small"},
		},
		{
			name:  "full ties keep the caller's order",
			nodes: []*node.Node{nt.New("c"), nt.New("a"), nt.New("b")},
			req:   &node.Request{},
			want:  []string{"c", "a", "b"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := slices.Clone(tt.nodes)
			got := names(spread{}.Rank(tt.req, in))
			if !slices.Equal(got, tt.want) {
				t.Errorf("Rank = %s, want %s", show(got), show(tt.want))
			}
			if !slices.Equal(in, tt.nodes) {
				t.Error("Rank reordered its argument")
			}
		})
	}
}

func TestBinpack(t *testing.T) {
	tests := []struct {
		name  string
		nodes []*node.Node
		req   *node.Request
		want  []string
	}{
		{
			name: "most used first",
			nodes: []*node.Node{
				nt.New("a", nt.Resources(4, 8*gib), nt.With(nt.Container("1", nt.Reserve(1, 2*gib)))),
				nt.New("b", nt.Resources(4, 8*gib), nt.With(nt.Container("2", nt.Reserve(3, 6*gib)))),
				nt.New("c", nt.Resources(4, 8*gib)),
			},
			req:  &node.Request{CPUs: node.NanoCPU, Memory: gib},
			want: []string{"b", "a", "c"},
		},
		{
			name: "smaller node fills up first",
			nodes: []*node.Node{
				nt.New("big", nt.Resources(8, 16*gib)),
				nt.New("small", nt.Resources(2, 2*gib)),
			},
			req:  &node.Request{CPUs: node.NanoCPU, Memory: gib},
			want: []string{"small", "big"},
		},
		{
			name: "without resources most containers first",
			nodes: []*node.Node{
				nt.New("a", nt.With(nt.Container("1"))),
				nt.New("b", nt.With(nt.Container("2"), nt.Container("3"))),
				nt.New("c"),
			},
			req:  &node.Request{},
			want: []string{"b", "a", "c"},
		},
		{
			name:  "full ties keep the caller's order",
			nodes: []*node.Node{nt.New("c"), nt.New("a"), nt.New("b")},
			req:   &node.Request{},
			want:  []string{"c", "a", "b"},
		},
		{
			name: "pending reservations count as used",
			nodes: []*node.Node{
				nt.New("a", nt.Resources(4, 8*gib)),
				nt.New("b", nt.Resources(4, 8*gib), nt.With(nt.Container("p", nt.Pending(), nt.Reserve(0, 4*gib)))),
			},
			req:  &node.Request{Memory: gib},
			want: []string{"b", "a"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := slices.Clone(tt.nodes)
			got := names(binpack{}.Rank(tt.req, in))
			if !slices.Equal(got, tt.want) {
				t.Errorf("Rank = %s, want %s", show(got), show(tt.want))
			}
			if !slices.Equal(in, tt.nodes) {
				t.Error("Rank reordered its argument")
			}
		})
	}
}

func TestRandomSpreadsOverAllNodes(t *testing.T) {
	nodes := []*node.Node{nt.New("a"), nt.New("b"), nt.New("c"), nt.New("d")}
	orig := slices.Clone(nodes)
	r := newRandom(seeded(42))
	first := map[string]int{}
	const rounds = 400
	for range rounds {
		got := r.Rank(&node.Request{}, nodes)
		if len(got) != len(nodes) {
			t.Fatalf("Rank returned %d nodes, want %d", len(got), len(nodes))
		}
		if !slices.Equal(nodes, orig) {
			t.Fatal("Rank reordered its argument")
		}
		sorted := names(got)
		slices.Sort(sorted)
		if !slices.Equal(sorted, names(orig)) {
			t.Fatalf("Rank returned %s, not a permutation", show(names(got)))
		}
		first[got[0].Name]++
	}
	for _, n := range orig {
		// Each of 4 nodes should come first about 100 times in 400.
		if c := first[n.Name]; c < rounds/8 {
			t.Errorf("node %s came first %d times in %d rounds", n.Name, c, rounds)
		}
	}
}

func TestRandomIsSeedable(t *testing.T) {
	nodes := []*node.Node{nt.New("a"), nt.New("b"), nt.New("c"), nt.New("d"), nt.New("e")}
	a, b := newRandom(seeded(7)), newRandom(seeded(7))
	for i := range 20 {
		x, y := names(a.Rank(nil, nodes)), names(b.Rank(nil, nodes))
		if !slices.Equal(x, y) {
			t.Fatalf("round %d: same seed gave %s and %s", i, show(x), show(y))
		}
	}
}

func TestStrategyRegistry(t *testing.T) {
	if strategiesErr != nil {
		t.Fatal(strategiesErr)
	}
	if got, want := Strategies(), []string{"spread", "binpack", "random"}; !slices.Equal(got, want) {
		t.Errorf("Strategies() = %q, want %q", got, want)
	}
	for _, name := range Strategies() {
		t.Run(name, func(t *testing.T) {
			s, err := newStrategy(name, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if s.Name() != name {
				t.Errorf("Name() = %q, want %q", s.Name(), name)
			}
		})
	}
	if _, err := buildStrategies([]strategyEntry{{"x", nil}, {"x", nil}}); err == nil {
		t.Error("want an error for a duplicate strategy name")
	}
}
