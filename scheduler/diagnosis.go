package scheduler

import (
	"strings"

	"github.com/swarm-project/swarm/filters"
	"github.com/swarm-project/swarm/scheduler/node"
)

// Diagnosis records what one Select did: per step, how many nodes it saw and
// rejected and why; which soft preferences were dropped.
type Diagnosis struct {
	Nodes     int      // nodes in the snapshot
	Steps     []Step   // the hard steps in pipeline order (filters, then resources)
	Dropped   []string // soft conditions no candidate satisfied, dropped
	Preferred int      // candidates that satisfy every kept soft condition
}

// Step is what one hard step did.
type Step struct {
	Name     string
	In       int // candidates the step looked at
	Rejected int
	Reasons  []ReasonCount // distinct reasons, first seen first
}

// ReasonCount is one reason a step gave and for how many nodes.
type ReasonCount struct {
	Reason string
	Nodes  int
}

func (s *Step) reject(reason string) { s.rejectN(reason, 1) }

func (s *Step) rejectN(reason string, n int) {
	s.Rejected += n
	if reason == "" {
		reason = s.Name
	}
	for i := range s.Reasons {
		if s.Reasons[i].Reason == reason {
			s.Reasons[i].Nodes += n
			return
		}
	}
	s.Reasons = append(s.Reasons, ReasonCount{Reason: reason, Nodes: n})
}

const healthStep = "health"

// NoNodeError is Select's answer when no node fits. Classic Swarm answered
// HTTP 500 for it. Its message is classic Swarm's, byte for byte (see
// Error); the Diagnosis holds the per-step counts.
type NoNodeError struct {
	// NoHealthy is true when the cluster has no (healthy) node at all.
	NoHealthy bool
	// NoResources is true when nodes passed every filter but none has the
	// CPUs or memory the request asks for.
	NoResources bool
	// Conditions holds the message's lines: for each filter in pipeline
	// order, up to and including the one that left no node, the conditions
	// the request sets for it (filters.Plan.Conditions), met or not.
	// Filters that set none have no line.
	Conditions [][]string
	Diagnosis  *Diagnosis
}

// Messages of a NoNodeError.
const (
	// MsgNoHealthy is the message when no node is healthy.
	MsgNoHealthy = "no healthy node available in the cluster"
	// MsgNoResources is the message when no node that passes the filters
	// has the CPUs or memory asked for.
	MsgNoResources = "no resources available to schedule container"
	// MsgNoFit starts the message when a filter left no node; note the
	// trailing space, which classic Swarm printed.
	MsgNoFit = "Unable to find a node that satisfies the following conditions "
)

// Error renders classic Swarm's text: MsgNoFit, then one line per filter
// holding its conditions between brackets, separated by spaces (as Go's %v
// prints a []string):
//
//	Unable to find a node that satisfies the following conditions
//	[available container slots]
//	[storage==ssd node!=node-1]
func (e *NoNodeError) Error() string {
	switch {
	case e.NoHealthy:
		return MsgNoHealthy
	case e.NoResources:
		return MsgNoResources
	}
	var b strings.Builder
	b.WriteString(MsgNoFit)
	for _, line := range e.Conditions {
		b.WriteString("\n[")
		b.WriteString(strings.Join(line, " "))
		b.WriteString("]")
	}
	return b.String()
}

// noNode builds the error for a Select that left no candidate. The message
// names what classic Swarm would have named: it applied the filters one
// after the other, in their configured order, each to the nodes the one
// before kept, and checked resources only after all of them. The hard pass
// runs cheap steps first and stops at a node's first failing check, so it
// cannot tell; noNode replays the filters' checks in classic order, which
// costs one more pass over the nodes, on this failure path only.
func (s *Scheduler) noNode(d *Diagnosis, plans []filters.Plan, nodes []*node.Node) *NoNodeError {
	e := &NoNodeError{Diagnosis: d}
	if d.Nodes == 0 {
		e.NoHealthy = true
		return e
	}
	failed := s.classicFailure(plans, nodes)
	switch {
	case failed >= 0 && s.filters[failed].Name() == healthStep:
		e.NoHealthy = true
		return e
	case failed < 0 && plans[s.resourcesStep].Hard != nil:
		e.NoResources = true
		return e
	}
	last := failed
	if last < 0 {
		// Not reached: the filters keep a node and resources ask nothing,
		// so the hard pass kept it too. List every filter.
		last = len(s.filters) - 1
	}
	for i := 0; i <= last; i++ {
		if c := plans[s.stepOf[i]].Conditions; len(c) > 0 {
			e.Conditions = append(e.Conditions, c)
		}
	}
	return e
}

// classicFailure returns the index in s.filters of the first filter that,
// applied in order to what the previous ones kept, leaves no node; -1 when
// the filters keep some.
func (s *Scheduler) classicFailure(plans []filters.Plan, nodes []*node.Node) int {
	cands := make([]*node.Node, 0, len(nodes))
	for _, n := range nodes {
		if n != nil {
			cands = append(cands, n)
		}
	}
	for i := range s.filters {
		check := plans[s.stepOf[i]].Hard
		if check == nil {
			continue
		}
		kept := cands[:0]
		for _, n := range cands {
			if ok, _ := check(n); ok {
				kept = append(kept, n)
			}
		}
		if len(kept) == 0 {
			return i
		}
		cands = kept
	}
	return -1
}

// Compile-time check that the pipeline's resource step is a filter.
var _ filters.Filter = resourcesFilter{}
