package scheduler

import "github.com/swarm-project/swarm/scheduler/node"

// spread places a container on the healthiest node (see rankBy); among
// those, on the node with the fewest containers; among equals, the one with
// the most free resources once the container is placed; among those, one
// that holds the image; then the first in the caller's order.
type spread struct{}

func (spread) Name() string { return "spread" }

func (s spread) Rank(req *node.Request, nodes []*node.Node) []*node.Node {
	return rankBy(req, nodes, s.key(req))
}

func (s spread) key(req *node.Request) func(n *node.Node) (a, b uint64) {
	return nodeKey(s.rankKey(req))
}

func (spread) rankKey(req *node.Request) func(r node.Rank) (a, b uint64) {
	return func(r node.Rank) (a, b uint64) {
		return uint64(r.Containers), floatKey(usageAfter(r, req))
	}
}
