package cluster

import (
	"errors"
	"github.com/docker/docker/api/types/swarm"
	"sync"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/go-connections/nat"

	"github.com/swarm-project/swarm/cluster/engine"
	"github.com/swarm-project/swarm/scheduler"
	"github.com/swarm-project/swarm/scheduler/node"
)

// nodeViews caches each engine's scheduling view with the engine
// generation it was built at (Engine.Generation).
type nodeViews struct {
	mu sync.Mutex // guards m
	m  map[*Engine]nodeView
}

type nodeView struct {
	gen      uint64 // Engine.Generation
	nodesGen uint64 // Cluster.nodesGen: the node records
	node     *node.Node
}

// schedNode returns the engine's scheduling view, rebuilding it only when
// the engine's cache changed since it was last built.
func (c *Cluster) schedNode(e *Engine) *node.Node {
	gen, nodesGen := e.Generation(), c.nodesGen.Load()
	c.views.mu.Lock()
	v, ok := c.views.m[e]
	c.views.mu.Unlock()
	if ok && v.gen == gen && v.nodesGen == nodesGen {
		return v.node
	}
	// Built from gen or a newer state: at worst it is built again.
	n := buildNode(e, c.placementLabels(e))
	c.views.mu.Lock()
	c.views.m[e] = nodeView{gen: gen, nodesGen: nodesGen, node: n}
	c.views.mu.Unlock()
	return n
}

// forgetView drops a removed engine's view.
func (c *Cluster) forgetView(e *Engine) {
	c.views.mu.Lock()
	defer c.views.mu.Unlock()
	delete(c.views.m, e)
}

// buildNode is the scheduler's view of an engine, from its cache; labels
// are what constraint: expressions see (placementLabels).
func buildNode(e *Engine, labels map[string]string) *node.Node {
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
	containers := e.Containers()
	n.Containers = make([]*node.Container, 0, len(containers))
	for _, c := range containers {
		nc := schedContainer(c, info.NCPU)
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
		n.Images = append(n.Images, &node.Image{ID: img.ID, RepoTags: img.RepoTags, RepoDigests: img.RepoDigests})
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

// snapshotLocked returns the scheduling view of every engine not in skip
// that takes new containers (availability active; nodes.go), with the
// reservations of creates in flight added, and the engine behind each
// node. The caller holds schedMu.
func (c *Cluster) snapshotLocked(skip map[*Engine]bool) ([]*node.Node, map[*node.Node]*Engine) {
	nodes, byNode, _ := c.snapshotOf(skip, false)
	return nodes, byNode
}

// snapshotOf is snapshotLocked; withUnavailable keeps the paused and
// drained engines too, and unavailable names those among the healthy ones.
// The caller holds schedMu.
func (c *Cluster) snapshotOf(skip map[*Engine]bool, withUnavailable bool) (nodes []*node.Node, byNode map[*node.Node]*Engine, unavailable map[*Engine]engine.Availability) {
	engines := c.Engines()
	byNode = make(map[*node.Node]*Engine, len(engines))
	nodes = make([]*node.Node, 0, len(engines))
	for _, e := range engines {
		if skip[e] {
			continue
		}
		if a := c.availability(e); a != engine.AvailabilityActive {
			if !withUnavailable {
				continue
			}
			if e.IsHealthy() {
				if unavailable == nil {
					unavailable = map[*Engine]engine.Availability{}
				}
				unavailable[e] = a
			}
		}
		n := c.schedNode(e)
		if list := c.pending[e]; len(list) > 0 {
			cp := *n
			cp.Containers = append(append([]*node.Container(nil), n.Containers...), list...)
			for _, p := range list {
				cp.ReservedCPUs += p.CPUs
				cp.ReservedMemory += p.Memory
			}
			n = &cp
		}
		byNode[n] = e
		nodes = append(nodes, n)
	}
	return nodes, byNode, unavailable
}

// noFitLocked turns the scheduler's error for req into the cluster's
// (schedulerError). When no node fits, and some paused or drained nodes
// would have, the error names them and their availability: a create
// pinned to a drained node says why it fails. The caller holds schedMu.
func (c *Cluster) noFitLocked(req *node.Request, skip map[*Engine]bool, err error) error {
	var noNode *scheduler.NoNodeError
	if !errors.As(err, &noNode) {
		return schedulerError(err)
	}
	nodes, byNode, unavailable := c.snapshotOf(skip, true)
	if len(unavailable) == 0 {
		return schedulerError(err)
	}
	candidates, serr := c.sched.Select(req, nodes)
	if serr != nil {
		return schedulerError(err)
	}
	fit := map[*Engine]engine.Availability{}
	for _, n := range candidates {
		if a, ok := unavailable[byNode[n]]; ok {
			fit[byNode[n]] = a
		}
	}
	if len(fit) == 0 {
		return schedulerError(err)
	}
	return &classed{kind: ErrNoFit, err: &unavailableError{err: err, note: unavailableNote(fit)}}
}
