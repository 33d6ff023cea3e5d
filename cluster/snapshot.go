package cluster

import (
	"errors"
	"slices"
	"sync"

	"github.com/docker/docker/api/types/swarm"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/go-connections/nat"

	"github.com/swarm-project/swarm/cluster/engine"
	"github.com/swarm-project/swarm/scheduler"
	"github.com/swarm-project/swarm/scheduler/node"
)

// schedNode returns the engine's scheduling view, rebuilding it only when
// the engine's cache changed since it was last built (placeindex.go).
func (c *Cluster) schedNode(e *Engine) *node.Node {
	if en := c.syncEngine(e); en != nil {
		return en.node
	}
	c.syncIndex() // e joined since the last decision
	if en := c.syncEngine(e); en != nil {
		return en.node
	}
	return buildNode(e, c.placementLabels(e), e.Containers(), nil, nil)
}

// forgetView drops a removed engine's view and names.
func (c *Cluster) forgetView(e *Engine) { c.forgetEngine(e) }

// buildNode is the scheduler's view of an engine, from its cache; labels
// are what constraint: expressions see (placementLabels) and containers
// are the engine's cached containers. When prev, an earlier view of the
// engine, was built from prevHeld (sorted by ID, as containers must then
// be), the views of the containers in both are taken from it rather than
// built again: a cached Container does not change once stored.
func buildNode(e *Engine, labels map[string]string, containers, prevHeld []*Container, prev *node.Node) *node.Node {
	info := e.Info()
	n := &node.Node{
		ID:          e.ID(),
		Name:        e.Name(),
		Addr:        e.Addr(),
		IP:          e.IP(),
		Labels:      labels,
		Healthy:     e.IsHealthy(),
		Health:      e.HealthScore(),
		TotalCPUs:   int64(info.NCPU) * node.NanoCPU,
		TotalMemory: info.MemTotal,
	}
	if prev != nil && prev.TotalCPUs != n.TotalCPUs {
		prev, prevHeld = nil, nil // the CPU reservations were counted against another total
	}
	n.Containers = make([]*node.Container, 0, len(containers))
	j := 0
	for _, c := range containers {
		for j < len(prevHeld) && prevHeld[j].ID() < c.ID() {
			j++
		}
		var nc *node.Container
		if j < len(prevHeld) && prevHeld[j] == c {
			nc = prev.Containers[j]
		} else {
			nc = schedContainer(c, info.NCPU)
		}
		n.ReservedCPUs += nc.CPUs
		n.ReservedMemory += nc.Memory
		n.Containers = append(n.Containers, nc)
	}
	// The index lets the port and affinity filters skip walking every
	// container, and the label filters skip the map; n.Containers and
	// n.Labels must not change after this.
	n.Index = node.NewNodeIndex(n)
	images := e.Images()
	n.Images = make([]*node.Image, 0, len(images))
	for _, img := range images {
		n.Images = append(n.Images, node.NewImage(img.ID, img.RepoTags, img.RepoDigests))
	}
	for _, v := range e.Volumes() {
		if v != nil {
			n.Volumes = append(n.Volumes, v.Name)
		}
	}
	for _, nw := range e.Networks() {
		n.Networks = append(n.Networks, node.Network{ID: nw.ID, Name: nw.Name, Scope: nw.Scope})
	}
	n.Swarm = info.Swarm.LocalNodeState == swarm.LocalNodeStateActive
	return n
}

// schedContainer is the scheduler's view of a cached container on an
// engine with engineCPUs CPUs.
func schedContainer(c *Container, engineCPUs int) *node.Container {
	nc := &node.Container{
		ID:          c.ID(),
		Names:       []string{c.Name()},
		Image:       c.Image(),
		ImageID:     c.ImageID(),
		State:       c.State(),
		Labels:      c.Labels(),
		NetworkMode: c.NetworkMode(),
		CPUs:        c.ReservedCPUs(engineCPUs),
		Memory:      c.Memory(),
	}
	nc.Ports = nodePorts(c.HostPorts())
	return nc
}

// nodePorts converts host ports to the scheduler's type.
func nodePorts(hp []engine.HostPort) []node.Port {
	if len(hp) == 0 {
		return nil
	}
	out := make([]node.Port, len(hp))
	for i, p := range hp {
		out[i] = node.Port{HostIP: p.HostIP, HostPort: p.Port, Proto: p.Proto}
	}
	return out
}

// hostPorts lists the host ports a create asks for (engine.HostPortsOf).
func hostPorts(hc *container.HostConfig, exposed nat.PortSet) []node.Port {
	return nodePorts(engine.HostPortsOf(hc, exposed))
}

// requestedCPUs reads a create's CPU request in NanoCPU units (CpuShares
// counts CPUs).
func requestedCPUs(hc *container.HostConfig) int64 { return engine.RequestedCPUs(hc) }

// snapshot is what one placement decision reads: the view of every engine
// that takes new containers, with the reservations of creates in flight
// added to the engines that have them.
type snapshot struct {
	nodes []*node.Node
	// ranks, when set, are node.RankOf of each of nodes (the index keeps
	// them for its active views).
	ranks   []node.Rank
	overlay map[*node.Node]overlaid // the views with reservations added
	// unavailable names the paused and drained healthy engines (only when
	// they were asked for).
	unavailable map[*Engine]engine.Availability
}

// overlaid is an engine's view with the reservations it was built with.
type overlaid struct {
	entry   *placeEntry
	pending []*node.Container
}

// takeSnapshot brings the index up to date and returns the scheduling
// view of every engine not in skip that takes new containers
// (availability active; nodes.go), with the reservations of creates in
// flight added; withUnavailable keeps the paused and drained engines too.
// When name is not "", it is checked first (checkName). Only the copy of
// the reservations is made under schedMu; the index's lock is taken before
// schedMu is let go, so that the reservations and the views are read at
// one moment: a create's container is counted by its reservation, by its
// engine's view, or once by both (withPending), never by neither and never
// twice.
func (c *Cluster) takeSnapshot(skip map[*Engine]bool, withUnavailable bool, name string) (*snapshot, error) {
	c.syncIndex()
	c.schedMu.Lock()
	if name != "" {
		if err := c.checkName(name); err != nil {
			c.schedMu.Unlock()
			return nil, err
		}
	}
	pending := make(map[*Engine][]*node.Container, len(c.pending))
	for e, l := range c.pending {
		pending[e] = append([]*node.Container(nil), l...)
	}
	x := &c.index
	x.mu.Lock()
	c.schedMu.Unlock()
	defer x.mu.Unlock()
	return c.snapshotIndexLocked(pending, skip, withUnavailable), nil
}

// snapshotOf builds a snapshot from the index as it is (sync: bring it up
// to date first) and the reservations in pending, which it does not
// modify. The caller holds schedMu, or pending is a copy read with the
// index's lock held (takeSnapshot).
func (c *Cluster) snapshotOf(pending map[*Engine][]*node.Container, skip map[*Engine]bool, withUnavailable, sync bool) *snapshot {
	x := &c.index
	x.mu.Lock()
	defer x.mu.Unlock()
	if sync {
		c.syncLocked()
	}
	return c.snapshotIndexLocked(pending, skip, withUnavailable)
}

// snapshotIndexLocked is snapshotOf with index.mu held.
func (c *Cluster) snapshotIndexLocked(pending map[*Engine][]*node.Container, skip map[*Engine]bool, withUnavailable bool) *snapshot {
	x := &c.index
	if len(skip) > 0 || withUnavailable {
		return buildSnapshot(x.list, pending, skip, withUnavailable)
	}
	// The common case: a copy of the active views, with the few engines
	// that have reservations overlaid.
	s := &snapshot{nodes: append(getNodes(len(x.active)), x.active...), ranks: append(getRanks(len(x.ranks)), x.ranks...)}
	for e, l := range pending {
		j, ok := x.activePos[e]
		if !ok || len(l) == 0 {
			continue
		}
		en := x.list[x.pos[e]]
		n := withPending(en.node, l)
		s.nodes[j] = n
		s.ranks[j] = node.RankOf(n)
		if s.overlay == nil {
			s.overlay = map[*node.Node]overlaid{}
		}
		s.overlay[n] = overlaid{entry: en, pending: l}
	}
	return s
}

// buildSnapshot is a snapshot of the entries in list that skips the
// engines in skip and, unless withUnavailable, the engines that do not
// take new containers.
func buildSnapshot(list []*placeEntry, pending map[*Engine][]*node.Container, skip map[*Engine]bool, withUnavailable bool) *snapshot {
	s := &snapshot{nodes: getNodes(len(list))}
	for _, en := range list {
		e := en.e
		if skip[e] {
			continue
		}
		if en.avail != engine.AvailabilityActive {
			if !withUnavailable {
				continue
			}
			if e.IsHealthy() {
				if s.unavailable == nil {
					s.unavailable = map[*Engine]engine.Availability{}
				}
				s.unavailable[e] = en.avail
			}
		}
		n := en.node
		if l := pending[e]; len(l) > 0 {
			n = withPending(n, l)
			if s.overlay == nil {
				s.overlay = map[*node.Node]overlaid{}
			}
			s.overlay[n] = overlaid{entry: en, pending: l}
		}
		s.nodes = append(s.nodes, n)
	}
	return s
}

// nodeBufs holds the nodes slices of finished decisions' snapshots
// (recycle) for the next ones: at 10,000 engines a slice is 80 KB, which
// every create allocated and the collector had to make up for.
var nodeBufs sync.Pool

// getNodes returns an empty slice with room for n nodes.
func getNodes(n int) []*node.Node {
	if p, ok := nodeBufs.Get().(*[]*node.Node); ok && cap(*p) >= n {
		return (*p)[:0]
	}
	return make([]*node.Node, 0, n)
}

// rankBufs recycles the snapshots' ranks slices (no pointers: nothing to
// clear).
var rankBufs sync.Pool // of *[]node.Rank

// getRanks returns an empty slice with room for n ranks.
func getRanks(n int) []node.Rank {
	if p, ok := rankBufs.Get().(*[]node.Rank); ok && cap(*p) >= n {
		return (*p)[:0]
	}
	return make([]node.Rank, 0, n)
}

// recycle gives the snapshot's nodes and ranks slices back for another
// decision's snapshot. The caller must not use s, nor any slice of its nodes the
// scheduler returned, afterwards.
func (s *snapshot) recycle() {
	if s.ranks != nil {
		ranks := s.ranks[:0]
		s.ranks = nil
		rankBufs.Put(&ranks)
	}
	nodes := s.nodes[:cap(s.nodes)]
	s.nodes = nil
	if len(nodes) == 0 {
		return
	}
	clear(nodes) // hold no view alive
	nodes = nodes[:0]
	nodeBufs.Put(&nodes)
}

// withPending is a copy of the view n with the reservations l added. A
// reservation whose create landed (Cluster.land) and whose container the
// view read already is counted once, not twice: a create's container is in
// the index from its read until its reservation is released.
func withPending(n *node.Node, l []*node.Container) *node.Node {
	cp := *n
	cp.Containers = append(make([]*node.Container, 0, len(n.Containers)+len(l)), n.Containers...)
	for _, p := range l {
		if held := landedIn(n, p); held != nil {
			// The view holds the container the create made: count
			// only what its cached entry lacks.
			cp.ReservedCPUs += max(0, p.CPUs-held.CPUs)
			cp.ReservedMemory += max(0, p.Memory-held.Memory)
			continue
		}
		cp.Containers = append(cp.Containers, p)
		cp.ReservedCPUs += p.CPUs
		cp.ReservedMemory += p.Memory
	}
	return &cp
}

// landedIn returns n's entry of the container reservation p's create made
// (Cluster.land), when n holds it with every host port p books; nil
// otherwise, and for a reservation that has not landed.
func landedIn(n *node.Node, p *node.Container) *node.Container {
	if p.ID == unlanded {
		return nil
	}
	for _, ct := range n.Containers {
		if ct.ID != p.ID {
			continue
		}
		for _, port := range p.Ports {
			if !slices.Contains(ct.Ports, port) {
				return nil
			}
		}
		return ct
	}
	return nil
}

// engineOf returns the engine behind one of the snapshot's nodes.
func (c *Cluster) engineOf(s *snapshot, n *node.Node) *Engine {
	if o, ok := s.overlay[n]; ok {
		return o.entry.e
	}
	if en := c.entryOf(n); en != nil {
		return en.e
	}
	// n was built again since: the engine at its address, if it is still
	// managed (the commit checks its current view).
	c.mu.RLock()
	defer c.mu.RUnlock()
	if r, ok := c.engines[n.Addr]; ok {
		return r.engine
	}
	return nil
}

// enginesOf returns the engines behind nodes of the snapshot, in order.
func (c *Cluster) enginesOf(s *snapshot, nodes []*node.Node) []*Engine {
	out := make([]*Engine, 0, len(nodes))
	for _, n := range nodes {
		if e := c.engineOf(s, n); e != nil {
			out = append(out, e)
		}
	}
	return out
}

// commitTargetLocked returns the engine behind n, one of s's nodes, when
// the decision that chose n on s may still book it: no other decision
// reserved or released on it since s was taken, and either its view is
// still the one s holds or req still fits the engine's current view (the
// scheduler run on that node alone). nil means the candidate changed
// under the decision. The caller holds schedMu.
func (c *Cluster) commitTargetLocked(s *snapshot, n *node.Node, req *node.Request) *Engine {
	e := c.engineOf(s, n)
	if e == nil {
		return nil
	}
	view, pending := n, []*node.Container(nil)
	if o, ok := s.overlay[n]; ok {
		view, pending = o.entry.node, o.pending
	}
	now := c.pending[e]
	if len(now) != len(pending) {
		return nil
	}
	for i := range now {
		if now[i] != pending[i] {
			return nil
		}
	}
	en := c.syncEngine(e)
	switch {
	case en == nil || en.avail != engine.AvailabilityActive:
		return nil // left, paused or drained
	case en.node == view:
		return e
	}
	view = en.node
	if len(now) > 0 {
		view = withPending(view, now)
	}
	if cands, err := c.sched.Select(req, []*node.Node{view}); err != nil || len(cands) != 1 {
		return nil
	}
	return e
}

// snapshotLocked returns the scheduling view of every engine not in skip
// that takes new containers, with the reservations of creates in flight
// added, and the engine behind each node. The caller holds schedMu.
func (c *Cluster) snapshotLocked(skip map[*Engine]bool) ([]*node.Node, map[*node.Node]*Engine) {
	s := c.snapshotOf(c.pending, skip, false, true)
	byNode := make(map[*node.Node]*Engine, len(s.nodes))
	for _, n := range s.nodes {
		byNode[n] = c.engineOf(s, n)
	}
	return s.nodes, byNode
}

// noFit turns the scheduler's error for req into the cluster's
// (schedulerError). When no node fits, and some paused or drained nodes
// would have, the error names them and their availability: a create
// pinned to a drained node says why it fails. The caller must not hold
// schedMu.
func (c *Cluster) noFit(req *node.Request, skip map[*Engine]bool, err error) error {
	var noNode *scheduler.NoNodeError
	if !errors.As(err, &noNode) {
		return schedulerError(err)
	}
	s, _ := c.takeSnapshot(skip, true, "")
	if len(s.unavailable) == 0 {
		return schedulerError(err)
	}
	candidates, serr := c.sched.Select(req, s.nodes)
	if serr != nil {
		return schedulerError(err)
	}
	fit := map[*Engine]engine.Availability{}
	for _, e := range c.enginesOf(s, candidates) {
		if a, ok := s.unavailable[e]; ok {
			fit[e] = a
		}
	}
	if len(fit) == 0 {
		return schedulerError(err)
	}
	return &classed{kind: ErrNoFit, err: &unavailableError{err: err, note: unavailableNote(fit)}}
}
