package scheduler

import (
	"math"

	"github.com/swarm-project/swarm/filters"
	"github.com/swarm-project/swarm/scheduler/node"
)

// DefaultOvercommit is classic Swarm's default swarm.overcommit: a node may
// reserve 5% more CPU and memory than it has.
const DefaultOvercommit = 0.05

// Reasons the resources step gives for a node that is too small.
const (
	ReasonNoMemory    = "resources: not enough memory"
	ReasonNoCPU       = "resources: not enough cpu"
	ReasonNoMemoryCPU = "resources: not enough memory/cpu"
)

// reserved returns the CPUs and memory a node has reserved: its Reserved*
// totals, which the cluster keeps as the sums over its containers, pending
// reservations included.
func reserved(n *node.Node) (cpus, memory int64) {
	return n.ReservedCPUs, n.ReservedMemory
}

// ratio is the fraction of total that used+asked takes; 0 when the node
// reports no total.
func ratio(used, asked, total int64) float64 {
	if total <= 0 {
		return 0
	}
	return (float64(used) + float64(asked)) / float64(total)
}

// usageAfter is the resource-ratio helper spread and binpack share: the
// fraction of the node's CPUs plus the fraction of its memory that would be
// reserved once req is placed (0 to 2, more when overcommitted).
func usageAfter(r node.Rank, req *node.Request) float64 {
	return ratio(r.ReservedCPUs, req.CPUs, r.TotalCPUs) + ratio(r.ReservedMemory, req.Memory, r.TotalMemory)
}

// fits reports whether used+asked stays within total plus the overcommit
// fraction. A node that reports no total fits only requests for nothing.
func fits(used, asked, total int64, overcommit float64) bool {
	if asked <= 0 {
		return true
	}
	if total <= 0 {
		return false
	}
	limit := float64(total) * (1 + overcommit)
	return float64(used)+float64(asked) <= math.Floor(limit)
}

// resourcesFilter is the pipeline's resource step: a node whose free CPUs or
// memory would go negative (beyond the overcommit allowance) is not a
// candidate. It is always on and is not one of the selectable filters.
type resourcesFilter struct{ overcommit float64 }

func (resourcesFilter) Name() string { return "resources" }

func (f resourcesFilter) Prepare(req *node.Request, _ []*node.Node) (filters.Plan, error) {
	if req.CPUs <= 0 && req.Memory <= 0 {
		return filters.Plan{}, nil
	}
	return filters.Plan{Hard: func(n *node.Node) (bool, string) {
		cpus, mem := reserved(n)
		okCPU := fits(cpus, req.CPUs, n.TotalCPUs, f.overcommit)
		okMem := fits(mem, req.Memory, n.TotalMemory, f.overcommit)
		switch {
		case okCPU && okMem:
			return true, ""
		case okCPU:
			return false, ReasonNoMemory
		case okMem:
			return false, ReasonNoCPU
		}
		return false, ReasonNoMemoryCPU
	}}, nil
}
