package engine

import (
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// Values the cluster hands to the API: requests as a client made them and
// objects with the engine that holds them.

// CreateRequest is a container create call as the API received it.
type CreateRequest struct {
	Name             string
	Config           *container.Config
	HostConfig       *container.HostConfig
	NetworkingConfig *network.NetworkingConfig
	Platform         *ocispec.Platform
	RegistryAuth     string // X-Registry-Auth, used when the image must be pulled
}

// NetworkOn is one network as one engine holds it.
type NetworkOn struct {
	Engine  *Engine
	Network network.Summary
}

// IsLocal reports whether the network lives on its engine only (bridge,
// macvlan, host, null...), as opposed to a multi-host network (overlay on a
// key/value store, scope "global" or "swarm") that every engine sees.
func (n NetworkOn) IsLocal() bool { return n.Network.Scope == "" || n.Network.Scope == "local" }

// VolumeOn is one volume as one engine holds it.
type VolumeOn struct {
	Engine *Engine
	Volume *volume.Volume
}

// IsLocal reports whether the volume lives on its engine only.
func (v VolumeOn) IsLocal() bool { return v.Volume.Scope == "" || v.Volume.Scope == "local" }

// NodePruneReport is what a prune removed on one node.
type NodePruneReport struct {
	Node           string   // the engine's name
	Deleted        []string // the names (or IDs) the engine reported
	SpaceReclaimed uint64
}

// InUse records what the cached containers of each engine use: network IDs
// (NetworksInUse) or volume names (VolumesInUse).
type InUse map[*Engine]map[string]bool

// Has reports whether a container of engine e uses key.
func (u InUse) Has(e *Engine, key string) bool { return u[e][key] }

// Add records that a container of engine e uses key.
func (u InUse) Add(e *Engine, key string) {
	if u[e] == nil {
		u[e] = map[string]bool{}
	}
	u[e][key] = true
}
