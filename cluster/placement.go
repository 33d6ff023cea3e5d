package cluster

import (
	"github.com/swarm-project/swarm/scheduler/node"
)

// SelectEngines asks the scheduler which engines fit req, best first,
// without reserving anything: for placements that are not containers (a
// build, a network or volume made on chosen nodes). The snapshot includes
// the reservations of creates in flight. A malformed expression is an
// ErrInvalid error; no fitting engine is the scheduler's error.
func (c *Cluster) SelectEngines(req *node.Request) ([]*Engine, error) {
	c.schedMu.Lock()
	nodes, byNode := c.snapshotLocked(nil)
	c.schedMu.Unlock()

	candidates, err := c.sched.Select(req, nodes)
	if err != nil {
		return nil, schedulerError(err)
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
