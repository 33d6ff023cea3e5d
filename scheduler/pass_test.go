package scheduler

import (
	"fmt"
	"slices"
	"testing"

	"github.com/swarm-project/swarm/filters"
	"github.com/swarm-project/swarm/scheduler/node"
	nt "github.com/swarm-project/swarm/scheduler/node/nodetest"
)

// The parallel hard pass keeps the same nodes in the same order and records
// the same diagnosis as the sequential one, whatever the split.
func TestCheckParallelMatchesSequential(t *testing.T) {
	nodes := make([]*node.Node, 5000)
	for i := range nodes {
		nodes[i] = nt.New(fmt.Sprintf("n%04d", i))
	}
	checks := []filters.Check{
		func(n *node.Node) (bool, string) { return n.Name[len(n.Name)-1] != '3', "ends in 3" },
		func(n *node.Node) (bool, string) {
			switch n.Name[len(n.Name)-1] {
			case '5':
				return false, "ends in 5"
			case '7':
				return false, ""
			}
			return true, ""
		},
	}
	newSteps := func() []Step { return []Step{{Name: "a"}, {Name: "b"}} }

	wantSteps := newSteps()
	want := names(checkChunk(checks, slices.Clone(nodes), wantSteps))
	if len(want) != 3500 {
		t.Fatalf("sequential kept %d nodes, want 3500", len(want))
	}
	for _, workers := range []int{2, 3, 7} {
		t.Run(fmt.Sprintf("%d workers", workers), func(t *testing.T) {
			steps := newSteps()
			got := names(checkParallel(checks, slices.Clone(nodes), steps, workers))
			if !slices.Equal(got, want) {
				t.Errorf("kept %d nodes, differs from sequential (%d)", len(got), len(want))
			}
			for i := range steps {
				if steps[i].Rejected != wantSteps[i].Rejected || !sameReasons(steps[i].Reasons, wantSteps[i].Reasons) {
					t.Errorf("step %d = %+v, want %+v", i, steps[i], wantSteps[i])
				}
			}
		})
	}
}

// A big snapshot goes through the parallel path end to end.
func TestSelectLargeSnapshot(t *testing.T) {
	nodes := benchCluster(parallelMin*2, 3, false)
	s := mustNew(t, "spread", nil, DefaultOptions())
	got, d, err := s.SelectWithDiagnosis(benchRequest(), nodes)
	if err != nil {
		t.Fatal(err)
	}
	// One node in three is in eu-west-1 and fails the constraint.
	wantKept := len(nodes) - (len(nodes)+1)/3
	if len(got) != wantKept {
		t.Errorf("kept %d nodes, want %d", len(got), wantKept)
	}
	i := slices.IndexFunc(d.Steps, func(s Step) bool { return s.Name == "constraint" })
	if i < 0 || d.Steps[i].Rejected != (len(nodes)+1)/3 {
		t.Errorf("constraint step missing or wrong: %+v", d.Steps)
	}
}

// Nodes that carry a node.Index are placed exactly like nodes that do not.
func TestSelectSameWithIndex(t *testing.T) {
	reqs := []*node.Request{
		benchRequest(),
		{Ports: []node.Port{{HostPort: 10001}}},
		{Env: []string{"affinity:container==app-7-2"}},
		{Env: []string{"affinity:container!=app-7-2", "constraint:storage==ssd"}},
		{Env: []string{"affinity:container==~APP-3-1"}},
		{Env: []string{"affinity:container==app-1*"}},
	}
	for _, strategy := range []string{"spread", "binpack"} {
		s := mustNew(t, strategy, nil, DefaultOptions())
		plain, indexed := benchCluster(40, 4, false), benchCluster(40, 4, true)
		for i, req := range reqs {
			a, errA := s.Select(req, plain)
			b, errB := s.Select(req, indexed)
			if (errA == nil) != (errB == nil) {
				t.Fatalf("%s request %d: errors %v and %v", strategy, i, errA, errB)
			}
			if !slices.Equal(names(a), names(b)) {
				t.Errorf("%s request %d: without index %s, with %s", strategy, i, show(names(a)), show(names(b)))
			}
		}
	}
}
