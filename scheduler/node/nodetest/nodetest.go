// Package nodetest builds node.Node and node.Container fixtures for tests.
//
//	n := nodetest.New("node-1",
//		nodetest.Labels("storage", "ssd"),
//		nodetest.Resources(4, 8<<30),
//		nodetest.With(nodetest.Container("web", nodetest.Ports(80))),
//	)
package nodetest

import (
	"crypto/sha256"
	"encoding/hex"

	"github.com/swarm-project/swarm/scheduler/node"
)

// NodeOption changes a node being built.
type NodeOption func(*node.Node)

// New returns a healthy node named name whose ID is derived from the name
// and whose Labels hold the "node" default tag.
func New(name string, opts ...NodeOption) *node.Node {
	n := &node.Node{
		ID:      "ID-" + name,
		Name:    name,
		Addr:    "127.0.0.1:2375",
		IP:      "127.0.0.1",
		Labels:  map[string]string{"node": name},
		Healthy: true,
	}
	for _, o := range opts {
		o(n)
	}
	return n
}

// ID sets the node's ID.
func ID(id string) NodeOption { return func(n *node.Node) { n.ID = id } }

// Unhealthy marks the node unhealthy.
func Unhealthy() NodeOption { return func(n *node.Node) { n.Healthy = false } }

// Labels adds labels given as key, value pairs. An odd trailing key gets "".
func Labels(kv ...string) NodeOption {
	return func(n *node.Node) {
		if n.Labels == nil {
			n.Labels = map[string]string{}
		}
		for i := 0; i < len(kv); i += 2 {
			v := ""
			if i+1 < len(kv) {
				v = kv[i+1]
			}
			n.Labels[kv[i]] = v
		}
	}
}

// Resources sets the node's total CPUs (whole cores) and memory (bytes).
func Resources(cores int64, memory int64) NodeOption {
	return func(n *node.Node) {
		n.TotalCPUs = cores * node.NanoCPU
		n.TotalMemory = memory
	}
}

// With adds containers to the node and adds their CPUs and memory to the
// node's reserved totals, as the cluster does.
func With(cs ...*node.Container) NodeOption {
	return func(n *node.Node) {
		for _, c := range cs {
			n.Containers = append(n.Containers, c)
			n.ReservedCPUs += c.CPUs
			n.ReservedMemory += c.Memory
		}
	}
}

// Images adds images to the node.
func Images(imgs ...*node.Image) NodeOption {
	return func(n *node.Node) { n.Images = append(n.Images, imgs...) }
}

// ContainerOption changes a container being built.
type ContainerOption func(*node.Container)

// Container returns a running container named name whose ID is a 64 hex
// digit digest of the name.
func Container(name string, opts ...ContainerOption) *node.Container {
	c := &node.Container{
		ID:     HexID(name),
		Names:  []string{name},
		State:  "running",
		Labels: map[string]string{},
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

// HexID returns a deterministic 64 hex digit ID for seed.
func HexID(seed string) string {
	sum := sha256.Sum256([]byte(seed))
	return hex.EncodeToString(sum[:])
}

// CID sets the container's ID.
func CID(id string) ContainerOption { return func(c *node.Container) { c.ID = id } }

// State sets the container's state.
func State(s string) ContainerOption { return func(c *node.Container) { c.State = s } }

// Pending marks the container as a reservation the engine has not confirmed.
func Pending() ContainerOption {
	return func(c *node.Container) { c.Pending = true; c.State = "created" }
}

// Image sets the container's image reference.
func Image(ref string) ContainerOption { return func(c *node.Container) { c.Image = ref } }

// CLabels adds container labels given as key, value pairs.
func CLabels(kv ...string) ContainerOption {
	return func(c *node.Container) {
		for i := 0; i+1 < len(kv); i += 2 {
			c.Labels[kv[i]] = kv[i+1]
		}
	}
}

// Ports adds TCP ports bound on every address.
func Ports(ports ...uint16) ContainerOption {
	return func(c *node.Container) {
		for _, p := range ports {
			c.Ports = append(c.Ports, node.Port{HostPort: p, Proto: "tcp"})
		}
	}
}

// Port adds one port binding.
func Port(p node.Port) ContainerOption {
	return func(c *node.Container) { c.Ports = append(c.Ports, p) }
}

// NetworkMode sets the container's network mode.
func NetworkMode(m string) ContainerOption { return func(c *node.Container) { c.NetworkMode = m } }

// Reserve sets the container's reserved CPUs (whole cores) and memory.
func Reserve(cores int64, memory int64) ContainerOption {
	return func(c *node.Container) {
		c.CPUs = cores * node.NanoCPU
		c.Memory = memory
	}
}

// Health sets the node's health score (0 to 100).
func Health(score int) NodeOption { return func(n *node.Node) { n.Health = score } }
