package scheduler

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/swarm-project/swarm/scheduler/node"
	nt "github.com/swarm-project/swarm/scheduler/node/nodetest"
)

// TestSelectTopIsSelectCut: on random clusters and requests, SelectTop(k)
// returns Select's first k nodes, or Select's error.
func TestSelectTopIsSelectCut(t *testing.T) {
	requests := []*node.Request{
		{Image: "busybox"},
		{Image: "busybox", Memory: 3 << 30},
		{Image: "app1:latest", CPUs: 2 * node.NanoCPU},
		{Image: "app2", Env: []string{"constraint:zone==b"}},
		{Image: "app2", Env: []string{"constraint:zone==~b"}}, // soft: Select's path
		{Image: "busybox", Ports: []node.Port{{HostPort: 8080, Proto: "tcp"}}},
		{Image: "busybox", Env: []string{"affinity:container!=web-1"}},
		{Image: "busybox", Env: []string{"constraint:zone==nowhere"}}, // no node fits
		{Image: "", Memory: 1 << 30},
		{Image: "busybox", Memory: 1 << 40}, // too big for every node
	}
	for _, strategy := range []string{"spread", "binpack", "random"} {
		for seed := uint64(1); seed <= 40; seed++ {
			r := seeded(seed)
			nodes := make([]*node.Node, 5+r.IntN(60))
			sameHealth := r.IntN(4) > 0
			for i := range nodes {
				if r.IntN(10) == 0 {
					continue // a nil node, as a snapshot may hold
				}
				var cs []*node.Container
				for j := range r.IntN(4) {
					opts := []nt.ContainerOption{nt.Reserve(int64(r.IntN(2)), int64(r.IntN(3))<<30)}
					if r.IntN(3) == 0 {
						opts = append(opts, nt.Ports(8080))
					}
					cs = append(cs, nt.Container(fmt.Sprintf("web-%d", (i+j)%5), opts...))
				}
				var imgs []*node.Image
				if r.IntN(2) == 0 {
					imgs = append(imgs, node.NewImage("sha256:"+nt.HexID(fmt.Sprint("busybox", i)), []string{"busybox:latest"}, nil))
				}
				if r.IntN(2) == 0 {
					imgs = append(imgs, node.NewImage("sha256:"+nt.HexID(fmt.Sprint("app", i)), []string{"app1:latest", "app2:latest"}, nil))
				}
				opts := []nt.NodeOption{
					nt.Labels("zone", []string{"a", "b", "c"}[r.IntN(3)]),
					nt.Resources(4, 8<<30),
					nt.With(cs...),
					nt.Images(imgs...),
				}
				if r.IntN(8) == 0 {
					opts = append(opts, nt.Unhealthy())
				}
				if !sameHealth {
					opts = append(opts, nt.Health(100-25*r.IntN(3)))
				}
				nodes[i] = nt.New(fmt.Sprintf("node-%02d", i), opts...)
				if r.IntN(2) == 0 {
					nodes[i].Index = node.NewNodeIndex(nodes[i])
				}
			}
			for ri, req := range requests {
				for _, k := range []int{1, 3, 16, 1000} {
					name := fmt.Sprintf("%s/seed %d/request %d/k %d", strategy, seed, ri, k)
					opts := DefaultOptions()
					if strategy == "random" {
						opts.Rand = seeded(seed) // the same draws for both calls
					}
					s := mustNew(t, strategy, nil, opts)
					want, wantErr := s.Select(req, nodes)
					if strategy == "random" {
						s = mustNew(t, strategy, nil, Options{Overcommit: DefaultOvercommit, Rand: seeded(seed)})
					}
					got, err := s.SelectTop(req, nodes, k)
					if (err == nil) != (wantErr == nil) || (err != nil && err.Error() != wantErr.Error()) {
						t.Fatalf("%s: error %v, want %v", name, err, wantErr)
					}
					var nn *NoNodeError
					if wantErr != nil && !errors.As(err, &nn) && errors.As(wantErr, &nn) {
						t.Fatalf("%s: error %T, want a *NoNodeError", name, err)
					}
					if len(want) > k {
						want = want[:k]
					}
					if !slices.Equal(names(got), names(want)) {
						t.Fatalf("%s: %s, want %s", name, show(names(got)), show(names(want)))
					}
					// The same from the ranks a cluster keeps beside its nodes.
					if strategy != "random" {
						ranks := make([]node.Rank, len(nodes))
						for i, n := range nodes {
							if n != nil {
								ranks[i] = node.RankOf(n)
							}
						}
						got, err = s.SelectTopRanked(req, nodes, ranks, k)
						if (err == nil) != (wantErr == nil) || !slices.Equal(names(got), names(want)) {
							t.Fatalf("%s, ranked: %s (error %v), want %s (error %v)", name, show(names(got)), err, show(names(want)), wantErr)
						}
					}
				}
			}
		}
	}
}
