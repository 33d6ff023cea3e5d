package cluster

import (
	"errors"

	"github.com/swarm-project/swarm/filters"
	"github.com/swarm-project/swarm/scheduler/node"
)

// SelectEngines asks the scheduler which engines fit req, best first,
// without reserving anything: for placements that are not containers (a
// build, a network or volume made on chosen nodes). The snapshot includes
// the reservations of creates in flight. A malformed expression is an
// ErrInvalid error; no fitting engine is the scheduler's error.
func (c *Cluster) SelectEngines(req *node.Request) ([]*Engine, error) {
	c.schedMu.Lock()
	engines := c.Engines()
	byNode := make(map[*node.Node]*Engine, len(engines))
	nodes := make([]*node.Node, 0, len(engines))
	for _, e := range engines {
		n := e.schedNode()
		if list := c.pending[e]; len(list) > 0 {
			cp := *n
			cp.Containers = append(append([]*node.Container(nil), n.Containers...), list...)
			for _, p := range list {
				cp.ReservedCPUs += p.CPUs
				cp.ReservedMemory += p.Memory
			}
			n = &cp
		}
		byNode[n] = e
		nodes = append(nodes, n)
	}
	c.schedMu.Unlock()

	candidates, err := c.sched.Select(req, nodes)
	if err != nil {
		if errors.Is(err, filters.ErrBadExpression) {
			return nil, Errorf(ErrInvalid, "%v", err)
		}
		return nil, err
	}
	out := make([]*Engine, 0, len(candidates))
	for _, n := range candidates {
		out = append(out, byNode[n])
	}
	if len(out) == 0 {
		return nil, Errorf(ErrUnavailable, "no node available in the cluster")
	}
	return out, nil
}
