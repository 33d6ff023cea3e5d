package scheduler

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/swarm-project/swarm/scheduler/node"
)

func names(nodes []*node.Node) []string {
	out := make([]string, len(nodes))
	for i, n := range nodes {
		out[i] = n.Name
	}
	return out
}

func show(s []string) string { return "[" + strings.Join(s, " ") + "]" }

func seeded(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed+1)) }

func mustNew(t *testing.T, strategy string, filterNames []string, opts Options) *Scheduler {
	t.Helper()
	s, err := New(strategy, filterNames, opts)
	if err != nil {
		t.Fatalf("New(%q, %q): %v", strategy, filterNames, err)
	}
	return s
}

// sameReasons compares two reason lists, names included.
func sameReasons(a, b []ReasonCount) bool {
	return slices.EqualFunc(a, b, func(x, y ReasonCount) bool {
		return x.Reason == y.Reason && x.Nodes == y.Nodes && slices.Equal(x.Names, y.Names)
	})
}
