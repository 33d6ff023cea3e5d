// Package filterstest holds reusable fake filters for scheduler tests: one
// that passes every node, one built from a function, and a wrapper that
// counts how often Prepare and the checks run.
package filterstest

import (
	"sync/atomic"

	"github.com/swarm-project/swarm/filters"
	"github.com/swarm-project/swarm/scheduler/node"
)

// AlwaysFit is a filter that passes every node.
type AlwaysFit struct{ FilterName string }

// Name returns the configured name, "always" by default.
func (f AlwaysFit) Name() string {
	if f.FilterName == "" {
		return "always"
	}
	return f.FilterName
}

// Cost returns CostNode.
func (AlwaysFit) Cost() filters.Cost { return filters.CostNode }

// Prepare returns a check that passes every node.
func (AlwaysFit) Prepare(*node.Request, []*node.Node) (filters.Plan, error) {
	return filters.Plan{Hard: func(*node.Node) (bool, string) { return true, "" }}, nil
}

// Func is a filter whose hard check is Fit, whose preferences are Soft and
// whose plan lists Conditions. A nil Fit asks nothing; Err, when set, is
// returned by Prepare. NodeCost makes it state filters.CostNode; otherwise
// it states CostContainers.
type Func struct {
	FilterName string
	Fit        filters.Check
	Soft       []filters.Preference
	Conditions []string
	Err        error
	NodeCost   bool
}

// Name returns FilterName.
func (f Func) Name() string { return f.FilterName }

// Cost returns CostNode when NodeCost is set, CostContainers otherwise.
func (f Func) Cost() filters.Cost {
	if f.NodeCost {
		return filters.CostNode
	}
	return filters.CostContainers
}

// Prepare returns the configured plan.
func (f Func) Prepare(*node.Request, []*node.Node) (filters.Plan, error) {
	if f.Err != nil {
		return filters.Plan{}, f.Err
	}
	return filters.Plan{Hard: f.Fit, Soft: f.Soft, Conditions: f.Conditions}, nil
}

// Counting wraps a filter and counts the calls to Prepare and to the hard
// check of the plans it returns. Safe for concurrent use.
type Counting struct {
	Inner    filters.Filter
	prepares atomic.Int64
	checks   atomic.Int64
}

// Name returns the wrapped filter's name.
func (c *Counting) Name() string { return c.Inner.Name() }

// Cost returns the wrapped filter's cost.
func (c *Counting) Cost() filters.Cost { return filters.CostOf(c.Inner) }

// Prepare counts the call and wraps the plan's hard check.
func (c *Counting) Prepare(req *node.Request, snapshot []*node.Node) (filters.Plan, error) {
	c.prepares.Add(1)
	p, err := c.Inner.Prepare(req, snapshot)
	if err != nil || p.Hard == nil {
		return p, err
	}
	inner := p.Hard
	p.Hard = func(n *node.Node) (bool, string) {
		c.checks.Add(1)
		return inner(n)
	}
	return p, nil
}

// Prepares returns how many times Prepare ran.
func (c *Counting) Prepares() int64 { return c.prepares.Load() }

// Checks returns how many nodes the hard checks looked at.
func (c *Counting) Checks() int64 { return c.checks.Load() }
