package scheduler

import (
	"runtime"
	"sync"

	"github.com/swarm-project/swarm/filters"
	"github.com/swarm-project/swarm/scheduler/node"
)

// parallelMin is the number of candidates from which the hard pass splits
// the work between the CPUs.
const parallelMin = 512

// hardPass keeps the candidates that pass every step's hard check, in
// place. It walks node by node, running the checks in step order until one
// fails, so a node's containers are read while they are still in the CPU
// cache; the outcome is the same as running the steps one after the other:
// a node counts as rejected by the first step it fails. Large snapshots are
// cut into consecutive chunks checked in parallel and merged in order, so
// the result does not depend on the split. It fills d.Steps up to the step
// that left no candidate, or with every step that has a hard check.
func hardPass(steps []filters.Filter, plans []filters.Plan, cands []*node.Node, d *Diagnosis) []*node.Node {
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
			return kept
		}
	}
	return kept
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
