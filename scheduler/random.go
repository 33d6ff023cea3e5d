package scheduler

import (
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/swarm-project/swarm/scheduler/node"
)

// random returns the candidates in a random order (so the first is any node
// that passed the filters, and the cluster can retry on the next).
type random struct {
	mu  sync.Mutex // guards rng, which is not safe for concurrent use
	rng *rand.Rand
}

func newRandom(rng *rand.Rand) *random {
	if rng == nil {
		now := uint64(time.Now().UnixNano())
		rng = rand.New(rand.NewPCG(now, now>>17^0x9e3779b97f4a7c15))
	}
	return &random{rng: rng}
}

func (*random) Name() string { return "random" }

func (r *random) Rank(_ *node.Request, nodes []*node.Node) []*node.Node {
	out := slices.Clone(nodes)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}
