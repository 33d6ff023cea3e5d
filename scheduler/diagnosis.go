package scheduler

import (
	"fmt"
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
	// Names are the first NameCap nodes (in snapshot order) rejected for
	// the reason. Select fills them only when no node fits, so that a
	// successful placement pays nothing for them.
	Names []string
}

// NameCap is how many node names a ReasonCount keeps.
const NameCap = 5

// FailedStep is the name of the hard step that left no candidate, "" when
// some node fit (or the cluster had no node at all). Steps run in the
// scheduler's order (cheap ones first), so this is the step that rejected
// the last candidates; NoNodeError.Filter names the filter classic Swarm
// would have blamed.
func (d *Diagnosis) FailedStep() string {
	if d == nil || len(d.Steps) == 0 {
		return ""
	}
	last := d.Steps[len(d.Steps)-1]
	if last.In > 0 && last.In == last.Rejected {
		return last.Name
	}
	return ""
}

// RejectedBy returns, per step name, how many nodes the step rejected
// (steps that rejected none are left out).
func (d *Diagnosis) RejectedBy() map[string]int {
	out := map[string]int{}
	if d == nil {
		return out
	}
	for _, st := range d.Steps {
		if st.Rejected > 0 {
			out[st.Name] += st.Rejected
		}
	}
	return out
}

// Explain renders one line per step and reason that ruled nodes out, in
// step order: "port 8080/tcp (Bridge mode): 3 nodes (node-0, node-1,
// node-2)", the step's name first when the reason does not start with it,
// at most NameCap names, then "and N more".
func (d *Diagnosis) Explain() []string {
	if d == nil {
		return nil
	}
	var out []string
	for _, st := range d.Steps {
		for _, rc := range st.Reasons {
			label := rc.Reason
			if rest, ok := strings.CutPrefix(label, st.Name); !ok || (rest != "" && rest[0] != ' ' && rest[0] != ':') {
				label = st.Name + ": " + label
			}
			noun := "nodes"
			if rc.Nodes == 1 {
				noun = "node"
			}
			line := fmt.Sprintf("%s: %d %s", label, rc.Nodes, noun)
			if len(rc.Names) > 0 {
				line += " (" + strings.Join(rc.Names, ", ")
				if more := rc.Nodes - len(rc.Names); more > 0 {
					line += fmt.Sprintf(" and %d more", more)
				}
				line += ")"
			}
			out = append(out, line)
		}
	}
	return out
}

// name records n among the nodes rejected for reason, up to NameCap.
func (s *Step) name(reason, n string) {
	if reason == "" {
		reason = s.Name
	}
	for i := range s.Reasons {
		if s.Reasons[i].Reason == reason {
			if len(s.Reasons[i].Names) < NameCap {
				s.Reasons[i].Names = append(s.Reasons[i].Names, n)
			}
			return
		}
	}
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
	// Filter is the name of the filter classic Swarm would blame: the
	// first, in the order given, that left no node ("resources" when the
	// filters kept some but none had the CPUs or memory; "" when the
	// cluster had no node).
	Filter    string
	Diagnosis *Diagnosis
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
	// MsgRuledOut heads the lines that follow classic Swarm's in a MsgNoFit
	// message: how many nodes each step ruled out, and which.
	MsgRuledOut = "Nodes ruled out, by the first condition each fails:"
)

// Error renders classic Swarm's text: MsgNoFit, then one line per filter
// holding its conditions between brackets, separated by spaces (as Go's %v
// prints a []string):
//
//	Unable to find a node that satisfies the following conditions
//	[available container slots]
//	[storage==ssd node!=node-1]
//
// When Select filled the Diagnosis, MsgRuledOut and the Diagnosis's Explain
// lines follow, so the classic lines stay first and unchanged. The
// MsgNoHealthy and MsgNoResources messages stay one line: tools compare
// them whole.
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
	if lines := e.Diagnosis.Explain(); len(lines) > 0 {
		b.WriteString("\n")
		b.WriteString(MsgRuledOut)
		for _, l := range lines {
			b.WriteString("\n")
			b.WriteString(l)
		}
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
	s.explain(d, plans, nodes)
	failed := s.classicFailure(plans, nodes)
	if failed >= 0 {
		e.Filter = s.filters[failed].Name()
	}
	switch {
	case failed >= 0 && s.filters[failed].Name() == healthStep:
		e.NoHealthy = true
		return e
	case failed < 0 && plans[s.resourcesStep].Hard != nil:
		e.NoResources = true
		e.Filter = s.steps[s.resourcesStep].Name()
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

// explain fills the Names of d's reasons: it replays the hard pass, in its
// order, on the failure path only.
func (s *Scheduler) explain(d *Diagnosis, plans []filters.Plan, nodes []*node.Node) {
	var checks []filters.Check
	for _, p := range plans {
		if p.Hard != nil {
			checks = append(checks, p.Hard)
		}
	}
	if len(checks) > len(d.Steps) {
		checks = checks[:len(d.Steps)]
	}
	for _, n := range nodes {
		if n == nil {
			continue
		}
		for i, check := range checks {
			if ok, reason := check(n); !ok {
				d.Steps[i].name(reason, n.Name)
				break
			}
		}
	}
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
