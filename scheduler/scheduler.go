package scheduler

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"strconv"
	"strings"
	"sync"

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
	// the time.
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
	s := &Scheduler{strategy: st, filters: fs}
	// All hard steps must pass, so their order changes only the work done
	// and which step a node is counted against, not the result. Cheap steps
	// go first so that fewer nodes reach those that walk every container.
	//
	// 1. The chosen filters that read only node fields (health,
	//    containerslots, dependency, constraint), in the order given.
	s.steps = append(s.steps, filtersCosting(fs, filters.CostNode)...)
	// 2. Resources: a node whose free CPUs or memory would go negative
	//    (beyond the overcommit allowance) is dropped. Always on.
	s.steps = append(s.steps, resourcesFilter{overcommit: opts.Overcommit})
	// 3. The chosen filters that walk the node's containers (port,
	//    affinity, and any filter that states no cost), in the order given.
	s.steps = append(s.steps, filtersCosting(fs, filters.CostContainers)...)
	// Each step prepares once per request; Select then runs their hard
	// checks node by node (hardPass), and the first step to leave no
	// candidate ends the search with a NoNodeError.
	// 4. Soft preferences, gathered from every step's plan, narrow the
	//    survivors one by one; one that no survivor meets is dropped
	//    (softPass).
	// 5. The strategy ranks the preferred candidates, then the others.
	return s, nil
}

func filtersCosting(fs []filters.Filter, c filters.Cost) []filters.Filter {
	var out []filters.Filter
	for _, f := range fs {
		if filters.CostOf(f) == c {
			out = append(out, f)
		}
	}
	return out
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
	// Read the request once per step, before looking at any node.
	plans := make([]filters.Plan, len(s.steps))
	for i, f := range s.steps {
		p, err := f.Prepare(req, nodes)
		if err != nil {
			return nil, nil, err
		}
		plans[i] = p
	}

	cands := make([]*node.Node, 0, len(nodes))
	for _, n := range nodes {
		if n != nil {
			cands = append(cands, n)
		}
	}
	d := &Diagnosis{Nodes: len(cands)}
	if len(cands) == 0 {
		return nil, d, noNode(d, nil)
	}
	cands, last := hardPass(s.steps, plans, cands, d)
	if len(cands) == 0 {
		return nil, d, noNode(d, last)
	}

	preferred, rest := softPass(plans, cands, d)
	out := s.strategy.Rank(req, preferred)
	if len(rest) > 0 {
		out = append(out, s.strategy.Rank(req, rest)...)
	}
	return out, d, nil
}

// parallelMin is the number of candidates from which the hard pass splits
// the work between the CPUs.
const parallelMin = 2048

// hardPass keeps the candidates that pass every step's hard check, in
// place. It walks node by node, running the checks in step order until one
// fails, so a node's containers are read while they are still in the CPU
// cache; the outcome is the same as running the steps one after the other:
// a node counts as rejected by the first step it fails. Large snapshots are
// cut into consecutive chunks checked in parallel and merged in order, so
// the result does not depend on the split. It fills d.Steps up to the step
// that left no candidate (returned as last), or with every step that has a
// hard check.
func hardPass(steps []filters.Filter, plans []filters.Plan, cands []*node.Node, d *Diagnosis) ([]*node.Node, *Step) {
	var checks []filters.Check
	for i, p := range plans {
		if p.Hard != nil {
			d.Steps = append(d.Steps, Step{Name: steps[i].Name()})
			checks = append(checks, p.Hard)
		}
	}
	total := len(cands)

	workers := min(runtime.GOMAXPROCS(0), total/(parallelMin/2))
	var kept []*node.Node
	if workers <= 1 {
		kept = checkChunk(checks, cands, d.Steps)
	} else {
		kept = checkParallel(checks, cands, d.Steps, workers)
	}

	// Each step saw what the steps before it kept.
	in := total
	for i := range d.Steps {
		d.Steps[i].In = in
		in -= d.Steps[i].Rejected
		if in == 0 {
			d.Steps = d.Steps[:i+1]
			return kept, &d.Steps[i]
		}
	}
	return kept, nil
}

// checkChunk filters cands in place and records rejections in steps (one
// per check).
func checkChunk(checks []filters.Check, cands []*node.Node, steps []Step) []*node.Node {
	kept := cands[:0]
	for _, n := range cands {
		fit := true
		for i, check := range checks {
			if ok, reason := check(n); !ok {
				steps[i].reject(reason)
				fit = false
				break
			}
		}
		if fit {
			kept = append(kept, n)
		}
	}
	clear(cands[len(kept):])
	return kept
}

// checkParallel runs checkChunk on consecutive chunks, one goroutine each,
// waits for all of them, then merges kept nodes and rejections in chunk
// order.
func checkParallel(checks []filters.Check, cands []*node.Node, steps []Step, workers int) []*node.Node {
	type result struct {
		kept  []*node.Node
		steps []Step
	}
	results := make([]result, workers)
	size := (len(cands) + workers - 1) / workers
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*size, min((w+1)*size, len(cands))
		local := make([]Step, len(steps))
		for i := range local {
			local[i].Name = steps[i].Name
		}
		results[w].steps = local
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[w].kept = checkChunk(checks, cands[lo:hi], local)
		}()
	}
	wg.Wait()

	kept := cands[:0]
	for _, r := range results {
		// r.kept lies at or after kept's end in the same array, so copying
		// down is safe.
		kept = append(kept, r.kept...)
		for i := range r.steps {
			for _, rc := range r.steps[i].Reasons {
				steps[i].rejectN(rc.Reason, rc.Nodes)
			}
		}
	}
	clear(cands[len(kept):])
	return kept
}

// softPass applies the soft preferences of every plan, in order, to the
// candidates. A preference that at least one remaining candidate meets
// narrows the preferred set; one that none meets is dropped. It returns the
// preferred candidates and the others, both in candidate order.
func softPass(plans []filters.Plan, cands []*node.Node, d *Diagnosis) (preferred, rest []*node.Node) {
	preferred = cands
	narrowed := false
	for _, p := range plans {
		for _, pref := range p.Soft {
			var kept []*node.Node
			for _, n := range preferred {
				if ok, _ := pref.Check(n); ok {
					kept = append(kept, n)
				}
			}
			if len(kept) == 0 {
				d.Dropped = append(d.Dropped, pref.Condition)
				continue
			}
			if len(kept) < len(preferred) {
				preferred, narrowed = kept, true
			}
		}
	}
	d.Preferred = len(preferred)
	if !narrowed {
		return preferred, nil
	}
	in := make(map[*node.Node]bool, len(preferred))
	for _, n := range preferred {
		in[n] = true
	}
	for _, n := range cands {
		if !in[n] {
			rest = append(rest, n)
		}
	}
	return preferred, rest
}
