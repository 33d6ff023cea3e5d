package scheduler

import (
	"slices"

	"github.com/swarm-project/swarm/scheduler/node"
)

// binpack fills the most used node that still fits before it uses another:
// highest resource usage once the container is placed first; among equals
// (no resources asked or reserved, say) the node with the most containers;
// then the first in the caller's order.
type binpack struct{}

func (binpack) Name() string { return "binpack" }

func (binpack) Rank(req *node.Request, nodes []*node.Node) []*node.Node {
	s := score(req, nodes)
	slices.SortFunc(s, func(a, b scored) int {
		if c := cmpFloat(b.usage, a.usage); c != 0 {
			return c
		}
		if c := cmpInt(b.containers, a.containers); c != 0 {
			return c
		}
		return byPosition(a, b)
	})
	return nodesOf(s)
}
