package cli

import (
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
)

// gcPacer keeps the collector's target at percent without GOGC: after
// each collection it sets the memory limit to what the process maps
// outside the heap plus the live heap grown by percent, and GOGC is off.
// The heap then grows as far as with GOGC=percent before it is collected,
// but an idle process is not collected at all: with GOGC on, Go forces a
// collection every two minutes, which at 10,000 engines marks the 800 MB
// cache for about 2 s of CPU and finds nothing to free (the runtime skips
// the forced collection only when GOGC is off). A GOMEMLIMIT the user set
// stays the ceiling.
type gcPacer struct {
	percent int
	ceiling int64
	stopped atomic.Bool
	paced   atomic.Uint64 // collections paced; read by the tests
}

// gcSentinel is the object whose clean-up runs after each collection: it
// holds a pointer so that it is never placed in a tiny block, whose
// clean-ups may wait for a neighbour.
type gcSentinel struct{ _ *byte }

// gcMinGrowth is the least the heap may grow between two collections, as
// Go's own 4 MB minimum heap.
const gcMinGrowth = 4 << 20

// startGCPacer turns GOGC off and paces the collector at percent.
func startGCPacer(percent int) *gcPacer {
	p := &gcPacer{percent: percent, ceiling: debug.SetMemoryLimit(-1)}
	p.pace()
	debug.SetGCPercent(-1)
	p.arm()
	return p
}

// stop gives the collector back to GOGC=percent and the user's limit.
func (p *gcPacer) stop() {
	if p.stopped.Swap(true) {
		return
	}
	debug.SetGCPercent(p.percent)
	debug.SetMemoryLimit(p.ceiling)
}

// arm leaves an unreachable sentinel behind, whose clean-up paces the
// collector once the next collection has found it, and arms again.
func (p *gcPacer) arm() {
	runtime.AddCleanup(&gcSentinel{}, func(p *gcPacer) {
		if p.stopped.Load() {
			return
		}
		p.pace()
		p.arm()
	}, p)
}

// pace sets the memory limit from the last collection's live heap.
func (p *gcPacer) pace() {
	s := []metrics.Sample{
		{Name: "/gc/heap/live:bytes"},
		{Name: "/memory/classes/total:bytes"},
		{Name: "/memory/classes/heap/released:bytes"},
		{Name: "/memory/classes/heap/free:bytes"},
		{Name: "/memory/classes/heap/objects:bytes"},
	}
	metrics.Read(s)
	live := s[0].Value.Uint64()
	mapped := s[1].Value.Uint64() - s[2].Value.Uint64()
	var other uint64 // stacks, the runtime's own structures
	if used := s[3].Value.Uint64() + s[4].Value.Uint64(); mapped > used {
		other = mapped - used
	}
	limit := gcLimit(live, other, p.percent)
	if limit > p.ceiling {
		limit = p.ceiling
	}
	debug.SetMemoryLimit(limit)
	p.paced.Add(1)
}

// gcLimit is the memory limit under which the runtime lets a heap of live
// bytes grow by percent before it collects, when the process maps other
// bytes besides the heap. The runtime keeps 3% of the limit's heap part
// as headroom; the limit adds it back.
func gcLimit(live, other uint64, percent int) int64 {
	if live > math.MaxInt64/4 || other > math.MaxInt64/4 {
		return math.MaxInt64
	}
	pc := uint64(percent)
	grow := live/100*pc + live%100*pc/100
	if grow < gcMinGrowth {
		grow = gcMinGrowth
	}
	heap := live + grow
	return int64(other + heap/97*100 + heap%97*100/97)
}
