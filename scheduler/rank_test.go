package scheduler

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/swarm-project/swarm/scheduler/node"
	nt "github.com/swarm-project/swarm/scheduler/node/nodetest"
)

func TestFloatKeyOrder(t *testing.T) {
	// Ascending; equal neighbours are marked.
	values := []float64{math.Inf(-1), -math.MaxFloat64, -2.5, -1, -math.SmallestNonzeroFloat64,
		math.Copysign(0, -1), 0, math.SmallestNonzeroFloat64, 0.25, 1, 1 + 1e-15, 2, math.MaxFloat64, math.Inf(1)}
	for i := 1; i < len(values); i++ {
		x, y := values[i-1], values[i]
		kx, ky := floatKey(x), floatKey(y)
		switch {
		case x == y && kx != ky:
			t.Errorf("floatKey(%v) = %#x, floatKey(%v) = %#x: want equal", x, kx, y, ky)
		case x < y && kx >= ky:
			t.Errorf("floatKey(%v) = %#x >= floatKey(%v) = %#x", x, kx, y, ky)
		}
	}
}

// The radix sort orders keys exactly as comparing them does, ties
// included, on both sides of radixMin, and so does popping a keyHeap.
func TestSortKeysMatchesComparison(t *testing.T) {
	rng := seeded(7)
	gens := []struct {
		name string
		gen  func() (a, b uint64)
	}{
		{name: "distinct", gen: func() (uint64, uint64) { return rng.Uint64(), rng.Uint64() }},
		{name: "many ties", gen: func() (uint64, uint64) { return uint64(rng.IntN(4)), uint64(rng.IntN(8)) << 40 }},
		{name: "all equal", gen: func() (uint64, uint64) { return 3, 5 }},
		{name: "scores", gen: func() (uint64, uint64) {
			return uint64(rng.IntN(50)), floatKey(float64(rng.IntN(1000)) / 700)
		}},
	}
	for _, g := range gens {
		for _, size := range []int{0, 1, 2, radixMin - 1, radixMin, 3000} {
			t.Run(fmt.Sprintf("%s/%d", g.name, size), func(t *testing.T) {
				keys := make([]rankKey, size)
				for i := range keys {
					a, b := g.gen()
					keys[i] = rankKey{a: a, b: b, pos: i}
				}
				want := slices.Clone(keys)
				slices.SortFunc(want, compareKeys)
				got := sortKeys(slices.Clone(keys), make([]rankKey, size))
				if !slices.Equal(got, want) {
					t.Errorf("sortKeys differs from a comparison sort")
				}
				// SelectTop's heap hands them out in the same order.
				h := keyHeap(slices.Clone(keys))
				h.init()
				popped := make([]rankKey, 0, size)
				for kk, ok := h.pop(); ok; kk, ok = h.pop() {
					popped = append(popped, kk)
				}
				if !slices.Equal(popped, want) {
					t.Errorf("keyHeap pops differ from a comparison sort")
				}
			})
		}
	}
}

// Spread and binpack order as their definitions say, compared field by
// field (the way they were written before they ranked by keys).
func TestRankMatchesDefinition(t *testing.T) {
	req := &node.Request{CPUs: node.NanoCPU / 2, Memory: 256 << 20}
	spreadOrder := func(a, b *node.Node) int {
		if c := cmp.Compare(len(a.Containers), len(b.Containers)); c != 0 {
			return c
		}
		return cmp.Compare(usageAfter(node.RankOf(a), req), usageAfter(node.RankOf(b), req))
	}
	binpackOrder := func(a, b *node.Node) int {
		if c := cmp.Compare(usageAfter(node.RankOf(b), req), usageAfter(node.RankOf(a), req)); c != 0 {
			return c
		}
		return cmp.Compare(len(b.Containers), len(a.Containers))
	}
	rng := seeded(3)
	for _, size := range []int{5, radixMin + 1, 2000} {
		nodes := make([]*node.Node, size)
		for i := range nodes {
			var cs []*node.Container
			for range rng.IntN(6) {
				cs = append(cs, nt.Container(fmt.Sprint(rng.Uint64()), nt.Reserve(int64(rng.IntN(2)), int64(rng.IntN(4))<<30)))
			}
			opts := []nt.NodeOption{nt.With(cs...)}
			if rng.IntN(8) > 0 { // some nodes report no resources
				opts = append(opts, nt.Resources(int64(2+rng.IntN(3)), int64(4+rng.IntN(3))<<30))
			}
			nodes[i] = nt.New(fmt.Sprintf("n%04d", i), opts...)
		}
		for _, tt := range []struct {
			name  string
			st    Strategy
			order func(a, b *node.Node) int
		}{
			{name: "spread", st: spread{}, order: spreadOrder},
			{name: "binpack", st: binpack{}, order: binpackOrder},
		} {
			t.Run(fmt.Sprintf("%s/%d", tt.name, size), func(t *testing.T) {
				in := slices.Clone(nodes)
				got := tt.st.Rank(req, in)
				// Full ties keep the caller's order: a stable sort.
				want := slices.Clone(nodes)
				slices.SortStableFunc(want, tt.order)
				if !slices.Equal(got, want) {
					t.Errorf("order differs from the definition:\n got %s\nwant %s", show(names(got)), show(names(want)))
				}
				if !slices.Equal(in, nodes) {
					t.Error("Rank reordered its argument")
				}
			})
		}
	}
}

func TestRankHealthAndImage(t *testing.T) {
	redis := &node.Image{ID: "sha256:7614ae94", RepoTags: []string{"redis:latest"}}
	tests := []struct {
		name     string
		strategy Strategy
		nodes    []*node.Node
		req      *node.Request
		want     []string
	}{
		{
			name:     "spread: a node that failed goes last despite fewer containers",
			strategy: spread{},
			nodes: []*node.Node{
				nt.New("failed", nt.Health(80)),
				nt.New("busy", nt.Health(100), nt.With(nt.Container("1"), nt.Container("2"))),
				nt.New("ok", nt.Health(100), nt.With(nt.Container("3"))),
			},
			req:  &node.Request{},
			want: []string{"ok", "busy", "failed"},
		},
		{
			name:     "spread: health above free resources",
			strategy: spread{},
			nodes: []*node.Node{
				nt.New("big", nt.Health(67), nt.Resources(16, 64*gib)),
				nt.New("small", nt.Health(100), nt.Resources(1, gib)),
			},
			req:  &node.Request{CPUs: node.NanoCPU / 2},
			want: []string{"small", "big"},
		},
		{
			name:     "spread: more failures rank lower",
			strategy: spread{},
			nodes:    []*node.Node{nt.New("a", nt.Health(34)), nt.New("b", nt.Health(67)), nt.New("c", nt.Health(100))},
			req:      &node.Request{},
			want:     []string{"c", "b", "a"},
		},
		{
			name:     "binpack: a node that failed goes last despite more usage",
			strategy: binpack{},
			nodes: []*node.Node{
				nt.New("full", nt.Health(80), nt.Resources(4, 8*gib), nt.With(nt.Container("1", nt.Reserve(3, 6*gib)))),
				nt.New("empty", nt.Health(100), nt.Resources(4, 8*gib)),
			},
			req:  &node.Request{CPUs: node.NanoCPU, Memory: gib},
			want: []string{"empty", "full"},
		},
		{
			name:     "spread: the image breaks a tie",
			strategy: spread{},
			nodes:    []*node.Node{nt.New("a"), nt.New("b", nt.Images(redis)), nt.New("c")},
			req:      &node.Request{Image: "redis"},
			want:     []string{"b", "a", "c"},
		},
		{
			name:     "spread: the image does not beat fewer containers",
			strategy: spread{},
			nodes: []*node.Node{
				nt.New("a"),
				nt.New("b", nt.Images(redis), nt.With(nt.Container("1"))),
			},
			req:  &node.Request{Image: "redis:latest"},
			want: []string{"a", "b"},
		},
		{
			name:     "binpack: the image breaks a tie only",
			strategy: binpack{},
			nodes: []*node.Node{
				nt.New("a", nt.With(nt.Container("1"))),
				nt.New("b", nt.Images(redis)),
				nt.New("c", nt.Images(redis), nt.With(nt.Container("2"))),
			},
			req:  &node.Request{Image: "redis"},
			want: []string{"c", "a", "b"},
		},
		{
			name:     "the image does not beat health",
			strategy: spread{},
			nodes:    []*node.Node{nt.New("a", nt.Health(100)), nt.New("b", nt.Health(80), nt.Images(redis))},
			req:      &node.Request{Image: "redis"},
			want:     []string{"a", "b"},
		},
		{
			name:     "every node holds it: the caller's order",
			strategy: spread{},
			nodes:    []*node.Node{nt.New("c", nt.Images(redis)), nt.New("a", nt.Images(redis))},
			req:      &node.Request{Image: "redis"},
			want:     []string{"c", "a"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := slices.Clone(tt.nodes)
			got := names(tt.strategy.Rank(tt.req, in))
			if !slices.Equal(got, tt.want) {
				t.Errorf("Rank = %s, want %s", show(got), show(tt.want))
			}
			if !slices.Equal(in, tt.nodes) {
				t.Error("Rank reordered its argument")
			}
		})
	}
}
