package scheduler

import (
	"strings"

	"github.com/swarm-project/swarm/filters"
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

// conditions lists the unmet conditions, one per distinct reason, in step
// order. Health is left out: an unhealthy node is not a condition the
// request set.
func (d *Diagnosis) conditions() []string {
	var out []string
	for _, s := range d.Steps {
		if s.Name == healthStep {
			continue
		}
		for _, r := range s.Reasons {
			if !containsString(out, r.Reason) {
				out = append(out, r.Reason)
			}
		}
	}
	return out
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

const healthStep = "health"

// NoNodeError is Select's answer when no node fits. Classic Swarm answered
// HTTP 500 for it.
type NoNodeError struct {
	// NoHealthy is true when the cluster has no (healthy) node at all.
	NoHealthy bool
	// Conditions are the unmet conditions, as the message lists them.
	Conditions []string
	Diagnosis  *Diagnosis
}

// MsgNoHealthy is the message of a NoNodeError with NoHealthy set.
const MsgNoHealthy = "no healthy node available in the cluster"

// Error renders classic Swarm's text: a header and one bracketed line per
// unmet condition.
func (e *NoNodeError) Error() string {
	if e.NoHealthy {
		return MsgNoHealthy
	}
	var b strings.Builder
	b.WriteString("Unable to find a node that satisfies the following conditions")
	for _, c := range e.Conditions {
		b.WriteString("\n[")
		b.WriteString(c)
		b.WriteString("]")
	}
	return b.String()
}

func noNode(d *Diagnosis, last *Step) *NoNodeError {
	noHealthy := d.Nodes == 0 || (last != nil && last.Name == healthStep)
	e := &NoNodeError{NoHealthy: noHealthy, Diagnosis: d}
	if !noHealthy {
		e.Conditions = d.conditions()
	}
	return e
}

// Compile-time check that the pipeline's resource step is a filter.
var _ filters.Filter = resourcesFilter{}
