package filters

import (
	"errors"
	"fmt"
	"strings"

	"github.com/swarm-project/swarm/scheduler/node"
)

// Filter is one placement rule. Prepare reads the request once, before the
// scheduler loops over the nodes, and returns the per-request Plan; it may
// look at the whole snapshot (to resolve container names, say) but must not
// keep it or modify it.
type Filter interface {
	Name() string
	Prepare(req *node.Request, snapshot []*node.Node) (Plan, error)
}

// Check reports whether a node fits. When it does not, reason names the unmet
// condition as the scheduler's error shows it between brackets, for example
// "port 8080 (Bridge mode)". Checks must be safe for concurrent use and should
// return reasons built in Prepare, not per node.
type Check func(n *node.Node) (fit bool, reason string)

// Plan is what a filter asks of the nodes for one request.
type Plan struct {
	// Hard must pass; nil when the request asks nothing of this filter.
	Hard Check
	// Soft are preferences (the `==~`/`!=~` expressions). The scheduler
	// applies them in a second pass and drops those no candidate satisfies.
	Soft []Preference
	// Conditions lists every condition the request sets for this filter,
	// met or not, hard or soft, in the words of classic Swarm's error, e.g.
	// "port 80 (Bridge mode)" or "storage==ssd". When no node fits, the
	// scheduler prints them as one line per filter, "[a b c]", for each
	// filter up to the one that left no node. Nil when the request sets
	// none: the filter then prints no line. A filter fills it in Prepare.
	Conditions []string
}

// Preference is one soft condition.
type Preference struct {
	Condition string // e.g. "constraint:storage==~ssd"
	Check     Check
}

// Cost says how much of a node a filter's check reads. The scheduler runs
// the cheaper checks first, so that fewer nodes reach the ones that walk
// every container.
type Cost int

// Costs, cheapest first.
const (
	CostNode       Cost = iota // reads the node's own fields: O(1) per node
	CostContainers             // walks the node's containers or images
)

// Coster is implemented by filters that state their cost. A filter that
// does not is taken as CostContainers.
type Coster interface{ Cost() Cost }

// CostOf returns f's cost.
func CostOf(f Filter) Cost {
	if c, ok := f.(Coster); ok {
		return c.Cost()
	}
	return CostContainers
}

// ErrUnknownFilter is wrapped by the error New returns for a name it does not know.
var ErrUnknownFilter = errors.New("unknown filter")

// Factory makes a filter.
type Factory func() Filter

type entry struct {
	name    string
	factory Factory
}

// defaults lists every filter in the order `docker info` shows them; it is
// also the order in which they run when none are chosen.
var defaults = []entry{
	{"health", func() Filter { return Health{} }},
	{"port", func() Filter { return PortFilter{} }},
	{"containerslots", func() Filter { return Slots{} }},
	{"dependency", func() Filter { return Dependency{} }},
	{"affinity", func() Filter { return Affinity{} }},
	{"constraint", func() Filter { return Constraint{} }},
	{"whitelist", func() Filter { return Whitelist{} }},
}

// registry maps each name to its factory; built once, here.
var registry, registryErr = buildRegistry(defaults)

func buildRegistry(entries []entry) (map[string]Factory, error) {
	m := make(map[string]Factory, len(entries))
	for _, e := range entries {
		if _, dup := m[e.name]; dup {
			return nil, fmt.Errorf("filters: duplicate filter name %q", e.name)
		}
		m[e.name] = e.factory
	}
	return m, nil
}

// Names returns the name of every filter, in default order.
func Names() []string {
	out := make([]string, len(defaults))
	for i, e := range defaults {
		out[i] = e.name
	}
	return out
}

// New returns a new filter by name.
func New(name string) (Filter, error) {
	if registryErr != nil {
		return nil, registryErr
	}
	f, ok := registry[name]
	if !ok {
		return nil, fmt.Errorf("%w %q (valid: %s)", ErrUnknownFilter, name, strings.Join(Names(), ", "))
	}
	return f(), nil
}
