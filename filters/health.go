package filters

import "github.com/swarm-project/swarm/scheduler/node"

// Health keeps only healthy nodes.
type Health struct{}

// Name returns "health".
func (Health) Name() string { return "health" }

// Cost returns CostNode: the check reads node fields only.
func (Health) Cost() Cost { return CostNode }

// ReasonUnhealthy is the reason Health gives for a node it rejects.
const ReasonUnhealthy = "healthy node"

// Prepare returns the health check; it reads nothing from the request.
func (Health) Prepare(*node.Request, []*node.Node) (Plan, error) {
	return Plan{Hard: func(n *node.Node) (bool, string) {
		if n.Healthy {
			return true, ""
		}
		return false, ReasonUnhealthy
	}}, nil
}
