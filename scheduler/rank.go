package scheduler

import (
	"cmp"
	"math"
	"slices"
	"sync"

	"github.com/swarm-project/swarm/scheduler/node"
)

// rankKey is where a scoring strategy puts one candidate: candidates are
// ordered by a, then b, then pos (the candidate's position in the
// caller's slice, which breaks full ties), all ascending. Scores are turned
// into these integers once per candidate so that ordering never calls back
// into the strategy.
type rankKey struct {
	a, b uint64
	pos  int
}

// floatKey maps a score to an unsigned integer in the same order: a < b
// exactly when floatKey(a) < floatKey(b), for every value but NaN (which
// the scores never are). -0 and +0, equal scores, get the same key.
func floatKey(f float64) uint64 {
	if f == 0 {
		f = 0 // -0 becomes +0
	}
	u := math.Float64bits(f)
	if u>>63 != 0 {
		return ^u // negative: larger magnitude first
	}
	return u | 1<<63
}

// rankBy returns nodes in a new slice, ordered by:
//
//  1. health score, highest first: a node whose engine failed since its
//     last success comes after every node with fewer failures, whatever
//     its load, so a failing engine is avoided before it is Unhealthy;
//  2. the keys key gives them (the strategy's own order);
//  3. image locality: among nodes the strategy ranks equal, those that
//     already hold req.Image first, so that the create needs no pull;
//  4. the caller's order.
func rankBy(req *node.Request, nodes []*node.Node, key func(n *node.Node) (a, b uint64)) []*node.Node {
	nodes = imageHoldersFirst(req, nodes)
	if sameHealth(nodes) {
		return rankKeys(nodes, key)
	}
	byHealth := slices.Clone(nodes)
	slices.SortStableFunc(byHealth, func(x, y *node.Node) int { return cmp.Compare(y.Health, x.Health) })
	out := make([]*node.Node, 0, len(nodes))
	for start := 0; start < len(byHealth); {
		end := start + 1
		for end < len(byHealth) && byHealth[end].Health == byHealth[start].Health {
			end++
		}
		out = append(out, rankKeys(byHealth[start:end], key)...)
		start = end
	}
	return out
}

// sameHealth reports whether every node has the same health score (the
// usual case: no engine failed lately).
func sameHealth(nodes []*node.Node) bool {
	for _, n := range nodes {
		if n.Health != nodes[0].Health {
			return false
		}
	}
	return true
}

// imageHoldersFirst returns nodes with those that hold req's image first,
// each group in its order: as rankBy breaks full ties by position, the
// holders then win the ties. It returns nodes itself when there is nothing
// to move (no image asked, or every or no node holds it), else a new slice.
func imageHoldersFirst(req *node.Request, nodes []*node.Node) []*node.Node {
	if req == nil || req.Image == "" || len(nodes) < 2 {
		return nodes
	}
	ref := node.PrepareImageRef(req.Image)
	holds := make([]bool, len(nodes))
	n := 0
	for i, nd := range nodes {
		if holds[i] = nd.Holds(ref); holds[i] {
			n++
		}
	}
	if n == 0 || n == len(nodes) {
		return nodes
	}
	out := make([]*node.Node, len(nodes))
	h, o := 0, n // holders fill out[:n], the others out[n:]
	for i, nd := range nodes {
		if holds[i] {
			out[h] = nd
			h++
		} else {
			out[o] = nd
			o++
		}
	}
	return out
}

// rankKeys returns nodes ordered by the keys key gives them, then by
// position, in a new slice.
func rankKeys(nodes []*node.Node, key func(n *node.Node) (a, b uint64)) []*node.Node {
	buf := getKeys(2 * len(nodes))
	defer keyBufs.Put(buf)
	keys, scratch := (*buf)[:len(nodes)], (*buf)[len(nodes):]
	for i, n := range nodes {
		a, b := key(n)
		keys[i] = rankKey{a: a, b: b, pos: i}
	}
	keys = sortKeys(keys, scratch)
	out := make([]*node.Node, len(keys))
	for i := range keys {
		out[i] = nodes[keys[i].pos]
	}
	return out
}

// keyBufs recycles the key buffers of rankKeys (they hold no pointers, so
// keep nothing alive): at 10,000 nodes they are several times the size of
// the result.
var keyBufs sync.Pool // of *[]rankKey

func getKeys(n int) *[]rankKey {
	if p, ok := keyBufs.Get().(*[]rankKey); ok && cap(*p) >= n {
		*p = (*p)[:n]
		return p
	}
	s := make([]rankKey, n)
	return &s
}

// radixMin is the number of keys from which sortKeys uses a radix sort:
// below it, a comparison sort is cheaper than its counting passes.
const radixMin = 256

// sortKeys orders keys, which must be in ascending pos order (as rankKeys
// builds them), by a, then b, then pos. scratch, as long as keys, is
// overwritten; the result is keys or scratch.
//
// Large inputs are radix sorted, least significant byte first: each pass
// is stable, so keys equal in a and b stay in pos order with no pass over
// pos, and a byte that is the same in every key needs no pass at all. A
// comparison sort of thousands of scores spends most of its time on
// mispredicted branches; the counting passes have none.
func sortKeys(keys, scratch []rankKey) []rankKey {
	if len(keys) < radixMin {
		slices.SortFunc(keys, compareKeys)
		return keys
	}
	var diffA, diffB uint64 // the bits that differ between some keys
	for i := range keys {
		diffA |= keys[i].a ^ keys[0].a
		diffB |= keys[i].b ^ keys[0].b
	}
	src, dst := keys, scratch[:len(keys)]
	// b is the minor key: its bytes go first.
	for _, major := range []bool{false, true} {
		diff := diffB
		if major {
			diff = diffA
		}
		for shift := uint(0); shift < 64; shift += 8 {
			if diff>>shift&0xff != 0 {
				radixPass(src, dst, major, shift)
				src, dst = dst, src
			}
		}
	}
	return src
}

// radixPass copies src into dst ordered by one byte of a (major) or b,
// keeping the order of src among keys whose byte is equal.
func radixPass(src, dst []rankKey, major bool, shift uint) {
	digit := func(k *rankKey) uint64 {
		if major {
			return k.a >> shift & 0xff
		}
		return k.b >> shift & 0xff
	}
	var start [256]int
	for i := range src {
		start[digit(&src[i])]++
	}
	sum := 0
	for d, c := range start {
		start[d] = sum
		sum += c
	}
	for i := range src {
		d := digit(&src[i])
		dst[start[d]] = src[i]
		start[d]++
	}
}

// compareKeys orders keys by a, then b, then pos.
func compareKeys(x, y rankKey) int {
	if c := cmp.Compare(x.a, y.a); c != 0 {
		return c
	}
	if c := cmp.Compare(x.b, y.b); c != 0 {
		return c
	}
	return cmp.Compare(x.pos, y.pos)
}
