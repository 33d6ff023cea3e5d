package scheduler

import (
	"slices"

	"github.com/swarm-project/swarm/scheduler/node"
)

// spread places a container on the node with the fewest containers; among
// equals, the one with the most free resources once the container is
// placed; among those, the first in the caller's order.
type spread struct{}

func (spread) Name() string { return "spread" }

func (spread) Rank(req *node.Request, nodes []*node.Node) []*node.Node {
	s := score(req, nodes)
	slices.SortFunc(s, func(a, b scored) int {
		if c := cmpInt(a.containers, b.containers); c != 0 {
			return c
		}
		if c := cmpFloat(a.usage, b.usage); c != 0 {
			return c
		}
		return byPosition(a, b)
	})
	return nodesOf(s)
}
