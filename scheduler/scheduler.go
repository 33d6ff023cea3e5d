package scheduler

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/swarm-project/swarm/filters"
	"github.com/swarm-project/swarm/scheduler/node"
)

// Options tune a Scheduler.
type Options struct {
	// Overcommit is the fraction of a node's CPUs and memory that may be
	// reserved beyond its total (swarm.overcommit). 0 means none; classic
	// Swarm's default is DefaultOvercommit (0.05), which DefaultOptions
	// sets. It must be greater than -1 (a negative value keeps headroom).
	Overcommit float64
	// Rand drives the random strategy (math/rand/v2); nil = seeded from
	// the time. The scheduler serialises its own use of it; do not use it
	// elsewhere at the same time.
	Rand *rand.Rand
}

// DefaultOptions returns classic Swarm's defaults: 5% overcommit.
func DefaultOptions() Options { return Options{Overcommit: DefaultOvercommit} }

// ErrBadOption is wrapped by the errors New and ParseOvercommit return for a
// bad option value.
var ErrBadOption = errors.New("bad scheduler option")

// ErrNilRequest is returned by Select for a nil request.
var ErrNilRequest = errors.New("scheduler: nil request")

// ParseOvercommit parses a swarm.overcommit value such as "0.05".
func ParseOvercommit(s string) (float64, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return 0, fmt.Errorf("%w: swarm.overcommit=%q is not a number", ErrBadOption, s)
	}
	if err := checkOvercommit(f); err != nil {
		return 0, err
	}
	return f, nil
}

func checkOvercommit(f float64) error {
	if math.IsNaN(f) || math.IsInf(f, 0) || f <= -1 {
		return fmt.Errorf("%w: swarm.overcommit must be a number greater than -1, got %v", ErrBadOption, f)
	}
	return nil
}

// Scheduler picks the nodes a container may go to. It holds no mutable
// state apart from the random strategy's source, so Select may run
// concurrently.
type Scheduler struct {
	strategy Strategy
	filters  []filters.Filter // the chosen filters, in order
	steps    []filters.Filter // filters then the resource step
	// stepOf maps each filter (index in filters) to its index in steps;
	// resourcesStep is the resource step's index in steps.
	stepOf        []int
	resourcesStep int
}

// FilterNames returns the valid filter names, in default order.
func FilterNames() []string { return filters.Names() }

// New builds a scheduler from a strategy name ("" = spread) and filter
// names (nil or empty = every filter, in default order).
func New(strategy string, filterNames []string, opts Options) (*Scheduler, error) {
	if len(filterNames) == 0 {
		filterNames = filters.Names()
	}
	fs := make([]filters.Filter, 0, len(filterNames))
	seen := map[string]bool{}
	for _, name := range filterNames {
		name = strings.TrimSpace(name)
		if seen[name] {
			return nil, fmt.Errorf("%w: filter %q given twice", ErrBadOption, name)
		}
		seen[name] = true
		f, err := filters.New(name)
		if err != nil {
			return nil, err
		}
		fs = append(fs, f)
	}
	return newScheduler(strategy, fs, opts)
}

// newScheduler wires the pipeline. Tests call it with fake filters.
func newScheduler(strategy string, fs []filters.Filter, opts Options) (*Scheduler, error) {
	if err := checkOvercommit(opts.Overcommit); err != nil {
		return nil, err
	}
	st, err := newStrategy(strategy, opts)
	if err != nil {
		return nil, err
	}
	s := &Scheduler{strategy: st, filters: fs, stepOf: make([]int, len(fs))}
	// All hard steps must pass, so their order changes only the work done
	// and which step a node is counted against, not the result. Cheap steps
	// go first so that fewer nodes reach those that walk every container.
	//
	// 1. The chosen filters that read only node fields (health,
	//    containerslots, dependency, constraint, whitelist), in the order
	//    given.
	s.addSteps(fs, filters.CostNode)
	// 2. Resources: a node whose free CPUs or memory would go negative
	//    (beyond the overcommit allowance) is dropped. Always on.
	s.resourcesStep = len(s.steps)
	s.steps = append(s.steps, resourcesFilter{overcommit: opts.Overcommit})
	// 3. The chosen filters that walk the node's containers (port,
	//    affinity, and any filter that states no cost), in the order given.
	s.addSteps(fs, filters.CostContainers)
	// Each step prepares once per request; Select then runs their hard
	// checks node by node (hardPass). When no candidate is left, the
	// NoNodeError names the filter classic Swarm would have named, in the
	// order given, with resources last (noNode).
	// 4. Soft preferences, gathered from every step's plan, narrow the
	//    survivors one by one; one that no survivor meets is dropped
	//    (softPass).
	// 5. The strategy ranks the preferred candidates, then the others.
	return s, nil
}

// addSteps appends the filters of cost c to the steps, in order.
func (s *Scheduler) addSteps(fs []filters.Filter, c filters.Cost) {
	for i, f := range fs {
		if filters.CostOf(f) == c {
			s.stepOf[i] = len(s.steps)
			s.steps = append(s.steps, f)
		}
	}
}

// Strategy returns the strategy's name.
func (s *Scheduler) Strategy() string { return s.strategy.Name() }

// Filters returns the active filter names, in order, for `docker info`.
func (s *Scheduler) Filters() []string {
	out := make([]string, len(s.filters))
	for i, f := range s.filters {
		out[i] = f.Name()
	}
	return out
}

// Select returns the nodes req may go to, best first, so that the cluster
// can retry on the next one. The error is a *NoNodeError when none fits, a
// *filters.ExpressionError for a malformed constraint or affinity.
func (s *Scheduler) Select(req *node.Request, nodes []*node.Node) ([]*node.Node, error) {
	out, _, err := s.SelectWithDiagnosis(req, nodes)
	return out, err
}

// SelectWithDiagnosis is Select that also reports what each step did. The
// Diagnosis is nil only when the request could not be read.
func (s *Scheduler) SelectWithDiagnosis(req *node.Request, nodes []*node.Node) ([]*node.Node, *Diagnosis, error) {
	if req == nil {
		return nil, nil, ErrNilRequest
	}
	plans, err := s.prepare(req, nodes)
	if err != nil {
		return nil, nil, err
	}
	return s.selectPrepared(req, nodes, plans)
}

// selectPrepared is SelectWithDiagnosis once the steps have prepared.
func (s *Scheduler) selectPrepared(req *node.Request, nodes []*node.Node, plans []filters.Plan) ([]*node.Node, *Diagnosis, error) {
	cands := make([]*node.Node, 0, len(nodes))
	for _, n := range nodes {
		if n != nil {
			cands = append(cands, n)
		}
	}
	d := &Diagnosis{Nodes: len(cands)}
	if len(cands) == 0 {
		return nil, d, s.noNode(d, plans, nodes)
	}
	cands = hardPass(s.steps, plans, cands, d)
	if len(cands) == 0 {
		return nil, d, s.noNode(d, plans, nodes)
	}

	preferred, rest := softPass(plans, cands, d)
	out := s.strategy.Rank(req, preferred)
	if len(rest) > 0 {
		out = append(out, s.strategy.Rank(req, rest)...)
	}
	return out, d, nil
}

// prepare reads the request once per step, before looking at any node.
func (s *Scheduler) prepare(req *node.Request, nodes []*node.Node) ([]filters.Plan, error) {
	plans := make([]filters.Plan, len(s.steps))
	for i, f := range s.steps {
		p, err := f.Prepare(req, nodes)
		if err != nil {
			return nil, err
		}
		plans[i] = p
	}
	return plans, nil
}
