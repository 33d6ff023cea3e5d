package scheduler

import "github.com/swarm-project/swarm/scheduler/node"

// binpack fills the most used node that still fits before it uses another:
// among the healthiest nodes (see rankBy), highest resource usage once the
// container is placed first; among equals (no resources asked or reserved,
// say) the node with the most containers; then one that holds the image;
// then the first in the caller's order.
type binpack struct{}

func (binpack) Name() string { return "binpack" }

func (b binpack) Rank(req *node.Request, nodes []*node.Node) []*node.Node {
	return rankBy(req, nodes, b.key(req))
}

func (b binpack) key(req *node.Request) func(n *node.Node) (a, b uint64) {
	return nodeKey(b.rankKey(req))
}

func (binpack) rankKey(req *node.Request) func(r node.Rank) (a, b uint64) {
	// Both descending: complement the keys.
	return func(r node.Rank) (a, b uint64) {
		return ^floatKey(usageAfter(r, req)), ^uint64(r.Containers)
	}
}
