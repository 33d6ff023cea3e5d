package node

import "unique"

// NanoCPU is one CPU expressed in the units Node and Request use for CPU
// (the same unit as Docker's HostConfig.NanoCpus).
const NanoCPU int64 = 1e9

// Port is one host port a container binds (or, in host network mode, exposes).
type Port struct {
	HostIP   string // "" and "0.0.0.0" mean every address
	HostPort uint16
	Proto    string // "tcp" (default), "udp" or "sctp"
}

// Container is what the scheduler needs to know about a container that
// exists (or is reserved) on a node.
type Container struct {
	ID      string
	Names   []string // without the leading slash and without the node prefix
	Image   string   // the image reference the container was created from
	ImageID string
	Labels  map[string]string
	State   string // "created", "running", "paused", "exited", ...
	// Ports holds the host ports the container binds. A port stays taken
	// as long as the container exists, whatever its state.
	Ports       []Port
	NetworkMode string
	CPUs        int64 // reserved CPU in NanoCPU units
	Memory      int64 // reserved memory in bytes
	// Pending is true for a placement that has been reserved but that the
	// engine has not confirmed yet.
	Pending bool
}

// Image is one image present on a node.
type Image struct {
	ID          string
	RepoTags    []string
	RepoDigests []string
	// refs are the tags and digests normalised (NewImage); nil for an
	// Image built as a literal, whose tags are normalised at each check.
	refs []unique.Handle[string]
}

// Node is a point-in-time view of one engine, taken under the cluster's lock.
// The scheduler and the filters never modify it.
type Node struct {
	ID   string // the engine ID
	Name string // the engine's host name
	Addr string // host:port the manager reaches the engine at
	IP   string
	// Labels are the engine's labels plus the default tags: node,
	// storagedriver, executiondriver, kernelversion, operatingsystem, ostype.
	Labels  map[string]string
	Healthy bool
	// Health is the engine's health score, 0 to 100: 100 minus 100 per
	// --engine-failure-retry consecutive failures since its last success
	// (connection failures of refreshes and of API calls alike). Spread and
	// binpack rank every node with a higher score before any node with a
	// lower one.
	Health int

	TotalCPUs   int64 // NanoCPU units
	TotalMemory int64 // bytes
	// ReservedCPUs and ReservedMemory are the sums over Containers, Pending
	// ones included: the scheduler reads these totals and does not add up
	// the containers itself.
	ReservedCPUs   int64 // sum of the containers' CPUs (NanoCPU units)
	ReservedMemory int64 // sum of the containers' memory (bytes)

	Containers []*Container
	// Index, when set (NewNodeIndex(n), once Containers and Labels are
	// complete), lets filters skip walking Containers and the Labels map;
	// optional. See Index. Filters read labels through Node.Label.
	Index    *Index
	Images   []*Image
	Volumes  []string  // names of the volumes on the node
	Networks []Network // the networks defined on the node
	// Swarm says the node's engine is in a swarm-mode cluster: every
	// swarm-scoped network (an overlay one node lists) reaches it.
	Swarm bool
}

// Network is one network defined on a node.
type Network struct {
	ID    string
	Name  string
	Scope string // "local", "swarm" or "global"; "" reads as local
}

// IsLocal reports whether the network lives on its node only.
func (n Network) IsLocal() bool { return n.Scope == "" || n.Scope == "local" }

// Request is what a container to be placed asks of a node.
type Request struct {
	Name   string // requested container name, "" if none
	Image  string
	Env    []string          // the environment as given, constraint:/affinity: entries included
	Labels map[string]string // container labels as given
	CPUs   int64             // NanoCPU units
	Memory int64             // bytes
	Ports  []Port            // host port bindings (for host networking: exposed ports)
	// NetworkMode is the network mode as given ("", "default", "bridge",
	// "host", "none", "container:<id>", or a network name).
	NetworkMode string
	VolumesFrom []string // container names or IDs, optionally with ":ro"/":rw"
	Links       []string // "name:alias" as given
	IpcMode     string
	PidMode     string
	Volumes     []string // named volumes the container mounts
	// Networks are the user networks the container joins (by name, ID or
	// "node/name"), built-in modes (bridge, host, none, container:) left out.
	Networks []string
	// BuildArgs, when the request is for a docker build, holds its build
	// arguments (constraint:/affinity: may be given there).
	BuildArgs map[string]string
}
