package cluster

import (
	"context"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/swarm-project/swarm/cluster/engine"
	"github.com/swarm-project/swarm/scheduler/node"
)

// placeIndex is what placement reads instead of walking every engine per
// decision: each engine's scheduling view and availability, and the names
// of the cached containers of the whole cluster, kept per engine at the
// engine generation (Engine.Generation) and node records generation
// (Cluster.nodesGen) they were read at. A decision first brings it up to
// date (sync): the engines whose generation moved queue themselves
// (engine.Changes), and only their entries are read again; the whole list
// is looked at only when the engine set or the node records changed.
//
// Entries are immutable; the list and the views of the active engines are
// changed in place under mu, and a decision copies the views it reads
// (snapshotOf), so that it reads them without a lock while other
// decisions update the index.
type placeIndex struct {
	// retakes counts the decisions taken again because every candidate
	// changed before the commit (create.go); BenchmarkParallelRuns
	// reports it.
	retakes atomic.Uint64

	mu       sync.Mutex // guards everything below
	clusterG uint64     // Cluster.gen the list was ordered at
	nodesG   uint64     // Cluster.nodesGen at the last pass over the list
	listed   bool       // list was built at least once
	list     []*placeEntry
	pos      map[*Engine]int            // index of each engine's entry in list
	byNode   map[*node.Node]*placeEntry // the entry of each current view
	names    map[string]holders         // cached containers by name
	ids      map[string]*Engine         // engine of each cached container ID
	// active are the views of the entries whose engine takes new
	// containers (AvailabilityActive), in list order, and activePos the
	// index of each of those engines in it.
	active    []*node.Node
	activePos map[*Engine]int
	// ranks[j] is node.RankOf(active[j]): a decision ranks the nodes by
	// this dense copy rather than by loading every view.
	ranks   []node.Rank
	changes *engine.Changes // the engines to read again; nil: all of them
	todo    []*Engine       // engines whose entries may be out of date
	reorder bool            // an availability changed: list active again
}

// holders are the cached containers of one name: usually one, so a short
// list; a set once the name is on many engines (every engine may have its
// own "web"), so that dropping one stays cheap.
type holders struct {
	list []*Container
	set  map[*Container]struct{}
}

// maxHolderList is how many holders a name keeps in a list.
const maxHolderList = 8

func (h *holders) add(ct *Container) {
	if h.set == nil && len(h.list) < maxHolderList {
		h.list = append(h.list, ct)
		return
	}
	if h.set == nil {
		h.set = make(map[*Container]struct{}, 2*maxHolderList)
		for _, other := range h.list {
			h.set[other] = struct{}{}
		}
		h.list = nil
	}
	h.set[ct] = struct{}{}
}

func (h *holders) drop(ct *Container) {
	if h.set != nil {
		delete(h.set, ct)
		return
	}
	for i, other := range h.list {
		if other == ct {
			h.list = append(h.list[:i:i], h.list[i+1:]...)
			return
		}
	}
}

func (h *holders) len() int { return len(h.list) + len(h.set) }

func (h *holders) all() []*Container {
	out := append(make([]*Container, 0, h.len()), h.list...)
	for ct := range h.set {
		out = append(out, ct)
	}
	return out
}

// placeEntry is one engine as placement sees it at one generation.
type placeEntry struct {
	e        *Engine
	gen      uint64 // Engine.Generation when read
	nodesGen uint64 // Cluster.nodesGen when read
	node     *node.Node
	avail    engine.Availability
	held     []*Container // the engine's cached containers (name index)
}

func newPlaceIndex(changes *engine.Changes) placeIndex {
	return placeIndex{
		changes: changes,
		pos:     map[*Engine]int{},
		byNode:  map[*node.Node]*placeEntry{},
		names:   map[string]holders{},
		ids:     map[string]*Engine{},

		activePos: map[*Engine]int{},
	}
}

// current reports whether en is what the engine looks like now.
func (c *Cluster) current(en *placeEntry) bool {
	return en.e.Generation() == en.gen && c.nodesGen.Load() == en.nodesGen
}

// readEntry reads e's entry; the generations are read first, so an entry
// is never newer than it says (at worst it is read again).
// prev, the entry it replaces (nil for none), lends the scheduler's views
// of the containers that did not change (buildNode).
func (c *Cluster) readEntry(e *Engine, prev *placeEntry) *placeEntry {
	en := &placeEntry{e: e, gen: e.Generation(), nodesGen: c.nodesGen.Load()}
	en.held = byID(e.Containers())
	var prevHeld []*Container
	var prevNode *node.Node
	if prev != nil && prev.node != nil && len(prev.node.Containers) == len(prev.held) {
		prevHeld, prevNode = prev.held, prev.node
	}
	en.node = buildNode(e, c.placementLabels(e), en.held, prevHeld, prevNode)
	en.avail = c.availability(e)
	return en
}

// byID sorts cs by container ID, the order of placeEntry.held.
func byID(cs []*Container) []*Container {
	slices.SortFunc(cs, func(a, b *Container) int { return strings.Compare(a.ID(), b.ID()) })
	return cs
}

// syncIndex brings the index up to date with the engine set and every
// engine's cache.
func (c *Cluster) syncIndex() {
	x := &c.index
	x.mu.Lock()
	defer x.mu.Unlock()
	c.syncLocked()
}

// syncLocked is syncIndex with index.mu held.
func (c *Cluster) syncLocked() {
	x := &c.index
	c.pullLocked()
	c.refreshTodoLocked(len(x.todo))
	c.finishLocked()
}

// refreshTodoLocked reads again the entries of the last n engines of todo
// (all of them when there are fewer), drops those from it and returns how
// many are left. The caller holds index.mu.
func (c *Cluster) refreshTodoLocked(n int) (left int) {
	x := &c.index
	n = min(n, len(x.todo))
	done := x.todo[len(x.todo)-n:]
	for _, e := range done {
		if i, ok := x.pos[e]; ok {
			c.refreshLocked(i)
		}
	}
	clear(done)
	x.todo = x.todo[:len(x.todo)-n]
	return len(x.todo)
}

// pullLocked puts the engines whose entries may be out of date in todo:
// those that queued themselves in changes, or every engine when the engine
// set or the node records changed (the list is ordered again first). The
// caller holds index.mu.
func (c *Cluster) pullLocked() {
	x := &c.index
	// Drain first: a change after this queues its engine again, and one
	// before it is in the generations the entries are read at.
	if x.changes != nil {
		x.todo = x.changes.Drain(x.todo)
	}
	g, ng := c.gen.Load(), c.nodesGen.Load()
	relist := !x.listed || g != x.clusterG
	if relist {
		c.relistLocked(g)
	}
	if relist || x.changes == nil || ng != x.nodesG {
		clear(x.todo)
		x.todo = x.todo[:0]
		for _, en := range x.list {
			x.todo = append(x.todo, en.e)
		}
		x.nodesG = ng
		x.reorder = true
	}
}

// finishLocked lists the active views again if an engine's availability
// changed. The caller holds index.mu.
func (c *Cluster) finishLocked() {
	if x := &c.index; x.reorder {
		c.reorderLocked()
		x.reorder = false
	}
}

// refreshLocked reads the entry at i again unless it is current. The
// caller holds index.mu.
func (c *Cluster) refreshLocked(i int) {
	x := &c.index
	en := x.list[i]
	if c.current(en) {
		return
	}
	fresh := c.readEntry(en.e, en)
	c.replaceLocked(en, fresh)
	x.list[i] = fresh
	j, ok := x.activePos[en.e]
	if ok && fresh.avail == engine.AvailabilityActive {
		x.active[j] = fresh.node
		x.ranks[j] = node.RankOf(fresh.node)
	} else if ok || fresh.avail == engine.AvailabilityActive {
		x.reorder = true
	}
}

// reorderLocked lists the active views again, in list order. The caller
// holds index.mu.
func (c *Cluster) reorderLocked() {
	x := &c.index
	x.active = x.active[:0]
	x.ranks = x.ranks[:0]
	clear(x.activePos)
	for _, en := range x.list {
		if en.avail == engine.AvailabilityActive {
			x.activePos[en.e] = len(x.active)
			x.active = append(x.active, en.node)
			x.ranks = append(x.ranks, node.RankOf(en.node))
		}
	}
}

// keepChunk is how many engines keepUp reads again per hold of index.mu:
// a decision or a lookup by name or ID waits for one chunk at most.
const keepChunk = 256

// keepUp reads again the entries of the engines that changed, in chunks,
// so that the next decision finds the index up to date.
func (c *Cluster) keepUp() {
	x := &c.index
	for {
		x.mu.Lock()
		c.pullLocked()
		left := c.refreshTodoLocked(keepChunk)
		if left == 0 {
			c.finishLocked()
		}
		x.mu.Unlock()
		if left == 0 {
			return
		}
	}
}

// indexKeepPeriod is the pause between two keepUp passes.
const indexKeepPeriod = time.Second

// keepIndex runs keepUp every indexKeepPeriod until ctx ends, once no
// engine is in its first round: while the fleet registers, its views are
// left to the first decision (building them then would slow the
// registration down and rebuild each engine's view several times).
func (c *Cluster) keepIndex(ctx context.Context) {
	every(ctx, indexKeepPeriod, func() {
		if c.opts.Engine.Joining.Len() == 0 {
			c.keepUp()
		}
	})
}

// every runs f every period until ctx ends.
func every(ctx context.Context, period time.Duration, f func()) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			f()
		}
	}
}

// relistLocked orders the entries as Engines does, keeping those of the
// engines still managed and dropping the others'. A new engine gets a
// stub entry that is never current, so that syncIndex reads it. The
// caller holds index.mu.
func (c *Cluster) relistLocked(g uint64) {
	x := &c.index
	engines := c.Engines()
	list := make([]*placeEntry, len(engines))
	pos := make(map[*Engine]int, len(engines))
	for i, e := range engines {
		pos[e] = i
		if j, ok := x.pos[e]; ok {
			list[i] = x.list[j]
		} else {
			list[i] = &placeEntry{e: e, gen: ^uint64(0)}
		}
	}
	for e, j := range x.pos {
		if _, ok := pos[e]; !ok {
			c.replaceLocked(x.list[j], nil)
		}
	}
	x.list, x.pos, x.clusterG, x.listed = list, pos, g, true
}

// replaceLocked swaps old's contribution to the node and name maps for
// new's; either may be nil, and both are entries of one engine. Walking
// both held lists (sorted by ID) at once, it changes the name and ID maps
// for the containers that changed only. The caller holds index.mu.
func (c *Cluster) replaceLocked(old, new *placeEntry) {
	x := &c.index
	var a, b []*Container
	if old != nil {
		if old.node != nil {
			delete(x.byNode, old.node)
		}
		a = old.held
	}
	if new != nil {
		x.byNode[new.node] = new
		b = new.held
	}
	drop := func(ct *Container) {
		x.dropName(ct)
		if x.ids[ct.ID()] == old.e {
			delete(x.ids, ct.ID())
		}
	}
	add := func(ct *Container) {
		x.ids[ct.ID()] = new.e
		if n := ct.Name(); n != "" {
			h := x.names[n]
			h.add(ct)
			x.names[n] = h
		}
	}
	for len(a) > 0 || len(b) > 0 {
		switch {
		case len(b) == 0 || (len(a) > 0 && a[0].ID() < b[0].ID()):
			drop(a[0])
			a = a[1:]
		case len(a) == 0 || b[0].ID() < a[0].ID():
			add(b[0])
			b = b[1:]
		default: // the same ID
			if a[0] != b[0] {
				drop(a[0])
				add(b[0])
			}
			a, b = a[1:], b[1:]
		}
	}
}

// dropName forgets ct under its name. The caller holds mu.
func (x *placeIndex) dropName(ct *Container) {
	n := ct.Name()
	h, ok := x.names[n]
	if !ok {
		return
	}
	h.drop(ct)
	if h.len() == 0 {
		delete(x.names, n)
	} else {
		x.names[n] = h
	}
}

// syncEngine brings e's entry up to date, if e is in the index, and
// returns it (nil when e is not listed yet).
func (c *Cluster) syncEngine(e *Engine) *placeEntry {
	x := &c.index
	x.mu.Lock()
	defer x.mu.Unlock()
	i, ok := x.pos[e]
	if !ok {
		return nil
	}
	c.refreshLocked(i)
	return x.list[i]
}

// nameHolders returns the cached containers named name, on any engine.
func (c *Cluster) nameHolders(name string) []*Container {
	x := &c.index
	x.mu.Lock()
	defer x.mu.Unlock()
	h := x.names[name]
	return h.all()
}

// idHolder returns the engine that held a container with this full ID
// when the index last read it, or nil. The caller checks the engine's
// cache: the index may be behind it.
func (c *Cluster) idHolder(id string) *Engine {
	x := &c.index
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.ids[id]
}

// entryOf returns the entry whose view is n while it is the latest read
// of its engine; nil once the view was built again or the engine left.
func (c *Cluster) entryOf(n *node.Node) *placeEntry {
	x := &c.index
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.byNode[n]
}

// forgetEngine drops a removed engine from the index.
func (c *Cluster) forgetEngine(e *Engine) {
	x := &c.index
	x.mu.Lock()
	defer x.mu.Unlock()
	i, ok := x.pos[e]
	if !ok {
		return
	}
	c.replaceLocked(x.list[i], nil)
	x.list = append(x.list[:i], x.list[i+1:]...)
	delete(x.pos, e)
	for j := i; j < len(x.list); j++ {
		x.pos[x.list[j].e] = j
	}
	if _, ok := x.activePos[e]; ok {
		x.reorder = true
	}
}
