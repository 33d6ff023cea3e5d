package cluster

import (
	"github.com/docker/docker/api/types/container"
	"github.com/docker/go-connections/nat"

	"github.com/swarm-project/swarm/scheduler/node"
)

// schedNode returns the engine's scheduling view, rebuilding it only when
// the cache changed since it was last built.
func (e *Engine) schedNode() *node.Node {
	e.mu.RLock()
	n := e.node
	e.mu.RUnlock()
	if n != nil {
		return n
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.node != nil {
		return e.node
	}
	n = &node.Node{
		ID:          e.id,
		Name:        e.name,
		Addr:        e.addr,
		IP:          e.IP(),
		Labels:      e.labels,
		Healthy:     e.health.state == Healthy,
		TotalCPUs:   int64(e.info.NCPU) * node.NanoCPU,
		TotalMemory: e.info.MemTotal,
	}
	if n.Name == "" {
		n.Name = e.addr
	}
	n.Containers = make([]*node.Container, 0, len(e.containers))
	for _, c := range e.containers {
		nc := schedContainer(c)
		n.ReservedCPUs += nc.CPUs
		n.ReservedMemory += nc.Memory
		n.Containers = append(n.Containers, nc)
	}
	// The index lets the port and affinity filters skip walking every
	// container, and the label filters skip the map; n.Containers and
	// n.Labels must not change after this.
	n.Index = node.NewNodeIndex(n)
	n.Images = make([]*node.Image, 0, len(e.images))
	for _, img := range e.images {
		n.Images = append(n.Images, &node.Image{ID: img.ID, RepoTags: img.RepoTags, RepoDigests: img.RepoDigests})
	}
	for _, v := range e.volumes {
		n.Volumes = append(n.Volumes, v.Name)
	}
	for _, nw := range e.networks {
		n.Networks = append(n.Networks, node.Network{ID: nw.ID, Name: nw.Name})
	}
	e.node = n
	return n
}

// schedContainer is the scheduler's view of a cached container.
func schedContainer(c *Container) *node.Container {
	nc := &node.Container{
		ID:      c.ID(),
		Names:   []string{c.Name()},
		ImageID: c.Info.Image,
		State:   c.State(),
		Labels:  c.summary.Labels,
	}
	var exposed nat.PortSet
	if c.Info.Config != nil {
		nc.Image = c.Info.Config.Image
		exposed = c.Info.Config.ExposedPorts
	}
	if hc := c.Info.HostConfig; hc != nil {
		nc.NetworkMode = string(hc.NetworkMode)
		nc.CPUs = requestedCPUs(hc)
		nc.Memory = hc.Memory
		nc.Ports = hostPorts(hc, exposed)
	}
	return nc
}

// requestedCPUs reads a container's CPU request: NanoCpus when set, else
// CpuShares read as a number of CPUs, as classic Swarm did.
func requestedCPUs(hc *container.HostConfig) int64 {
	return node.CPUsFrom(hc.CPUShares, hc.NanoCPUs)
}

// hostPorts lists the host ports a container takes: its -p bindings, and
// in host network mode its exposed ports.
func hostPorts(hc *container.HostConfig, exposed nat.PortSet) []node.Port {
	var out []node.Port
	if hc.NetworkMode.IsHost() {
		for p := range exposed {
			out = append(out, node.Port{HostPort: uint16(p.Int()), Proto: p.Proto()})
		}
		return out
	}
	for p, bindings := range hc.PortBindings {
		for _, b := range bindings {
			if b.HostPort == "" {
				continue // a random port cannot conflict
			}
			start, end, err := nat.ParsePortRange(b.HostPort)
			if err != nil || start != end {
				continue // the engine picks a free port from a range
			}
			out = append(out, node.Port{HostIP: b.HostIP, HostPort: uint16(start), Proto: p.Proto()})
		}
	}
	return out
}

// Usage sums up an engine for `docker info`.
type Usage struct {
	Containers, Running, Paused, Stopped int
	ReservedCPUs, TotalCPUs              int64 // NanoCPU units
	ReservedMemory, TotalMemory          int64 // bytes
}

// Usage returns the engine's container counts and reserved resources.
func (e *Engine) Usage() Usage {
	n := e.schedNode()
	u := Usage{
		ReservedCPUs: n.ReservedCPUs, TotalCPUs: n.TotalCPUs,
		ReservedMemory: n.ReservedMemory, TotalMemory: n.TotalMemory,
	}
	for _, c := range e.Containers() {
		u.Containers++
		switch st := c.Info.State; {
		case st == nil:
			u.Stopped++
		case st.Paused:
			u.Paused++
		case st.Running:
			u.Running++
		default:
			u.Stopped++
		}
	}
	return u
}
