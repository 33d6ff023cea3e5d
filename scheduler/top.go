package scheduler

import (
	"github.com/swarm-project/swarm/filters"
	"github.com/swarm-project/swarm/scheduler/node"
)

// keyed is a strategy whose order is rankBy's with one key per node
// (spread and binpack): the order of a node does not depend on the others,
// and only its Rank counts.
type keyed interface {
	rankKey(req *node.Request) func(r node.Rank) (a, b uint64)
}

// nodeKey is a rank key read from the node itself.
func nodeKey(key func(r node.Rank) (a, b uint64)) func(n *node.Node) (a, b uint64) {
	return func(n *node.Node) (a, b uint64) {
		return key(node.RankOf(n))
	}
}

// SelectTop returns what Select returns, cut to its first k nodes, with
// the same errors. A placement looks at a few of the best candidates
// only, and at 10,000 nodes most of a decision's cost is running every
// filter on every node and checking every node for the image. So, for a
// keyed strategy, a request without soft preferences and nodes of equal
// health score (the usual case), SelectTop ranks the nodes by the
// strategy's keys first and runs the hard checks (and the image check)
// on the best ones only, until k pass. In any other case, and when no
// node fits (for the diagnosis), it runs Select.
func (s *Scheduler) SelectTop(req *node.Request, nodes []*node.Node, k int) ([]*node.Node, error) {
	return s.SelectTopRanked(req, nodes, nil, k)
}

// SelectTopRanked is SelectTop with ranks[i] the node.RankOf(nodes[i]) the
// caller keeps (nil: read from the nodes): the ranking then reads the
// dense ranks, and only the candidates it checks are loaded.
func (s *Scheduler) SelectTopRanked(req *node.Request, nodes []*node.Node, ranks []node.Rank, k int) ([]*node.Node, error) {
	if ranks != nil && len(ranks) != len(nodes) {
		ranks = nil
	}
	ks, ok := s.strategy.(keyed)
	if !ok || req == nil || k <= 0 {
		return s.selectCut(req, nodes, k)
	}
	plans, err := s.prepare(req, nodes)
	if err != nil {
		return nil, err
	}
	var checks []filters.Check
	for _, p := range plans {
		if len(p.Soft) > 0 {
			return s.selectCutPrepared(req, nodes, plans, k)
		}
		if p.Hard != nil {
			checks = append(checks, p.Hard)
		}
	}

	buf := getKeys(len(nodes))
	defer keyBufs.Put(buf)
	keys := (*buf)[:0]
	key := ks.rankKey(req)
	var health int32
	mixed := false
	for i, n := range nodes {
		if n == nil {
			continue
		}
		var r node.Rank
		if ranks != nil {
			r = ranks[i]
		} else {
			r = node.RankOf(n)
		}
		if len(keys) == 0 {
			health = r.Health
		} else if r.Health != health {
			mixed = true
			break
		}
		a, b := key(r)
		keys = append(keys, rankKey{a: a, b: b, pos: i})
	}
	if mixed || len(keys) == 0 {
		return s.selectCutPrepared(req, nodes, plans, k)
	}
	// The keys come out of a heap, smallest first, in the order sortKeys
	// would give them: a placement reads the first few of thousands, and
	// building the heap costs a fraction of sorting them all.
	order := keyHeap(keys)
	order.init()

	fits := func(n *node.Node) bool {
		for _, check := range checks {
			if ok, _ := check(n); !ok {
				return false
			}
		}
		return true
	}
	ref := node.PrepareImageRef(req.Image)
	out := make([]*node.Node, 0, k)
	var others []*node.Node
	// Nodes with equal keys are ranked by whether they hold the image,
	// then by position (rankBy): in each run of equal keys, the holders
	// that fit come first, then the others that fit, each in position
	// order. A run is read only as far as needed to fill out.
	var run rankKey // the keys of the run being read
	for started := false; len(out) < k; started = true {
		kk, ok := order.pop()
		if !ok {
			break
		}
		if started && (kk.a != run.a || kk.b != run.b) {
			// A new run: the last one's others follow its holders.
			out = append(out, others[:min(len(others), k-len(out))]...)
			others = others[:0]
			if len(out) == k {
				break
			}
		}
		run = kk
		n := nodes[kk.pos]
		if !fits(n) {
			continue
		}
		if req.Image == "" || n.Holds(ref) {
			out = append(out, n)
		} else {
			others = append(others, n)
		}
	}
	out = append(out, others[:min(len(others), k-len(out))]...)
	if len(out) == 0 {
		return s.selectCutPrepared(req, nodes, plans, k) // the NoNodeError and its diagnosis
	}
	return out, nil
}

// selectCut is Select cut to its first k nodes (all of them when k <= 0).
func (s *Scheduler) selectCut(req *node.Request, nodes []*node.Node, k int) ([]*node.Node, error) {
	out, err := s.Select(req, nodes)
	return cutTo(out, err, k)
}

// selectCutPrepared is selectCut once the steps have prepared.
func (s *Scheduler) selectCutPrepared(req *node.Request, nodes []*node.Node, plans []filters.Plan, k int) ([]*node.Node, error) {
	out, _, err := s.selectPrepared(req, nodes, plans)
	return cutTo(out, err, k)
}

// cutTo cuts a Select result to its first k nodes (all of them when
// k <= 0).
func cutTo(out []*node.Node, err error, k int) ([]*node.Node, error) {
	if err != nil || k <= 0 || len(out) <= k {
		return out, err
	}
	return out[:k], nil
}

// keyHeap is a binary min-heap of keys in compareKeys order.
type keyHeap []rankKey

// init orders h as a heap.
func (h keyHeap) init() {
	for i := len(h)/2 - 1; i >= 0; i-- {
		h.down(i)
	}
}

// down moves the key at i down to its place.
func (h keyHeap) down(i int) {
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		m := l
		if r := l + 1; r < len(h) && compareKeys(h[r], h[l]) < 0 {
			m = r
		}
		if compareKeys(h[m], h[i]) >= 0 {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

// pop removes and returns the smallest key; false when h is empty.
func (h *keyHeap) pop() (rankKey, bool) {
	old := *h
	if len(old) == 0 {
		return rankKey{}, false
	}
	top := old[0]
	last := len(old) - 1
	old[0] = old[last]
	*h = old[:last]
	h.down(0)
	return top, true
}
