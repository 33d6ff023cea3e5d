package engine

import (
	"encoding/json"
	"strings"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
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
	// APIVersion, Extra and HostConfigExtra carry a create of API 1.52 or
	// later: the fields, top level and in HostConfig, that the manager's
	// types do not know, sent on as they came to an engine serving
	// APIVersion.
	APIVersion      string
	Extra           map[string]json.RawMessage
	HostConfigExtra map[string]json.RawMessage
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

// NodeResults are the outcomes of an operation the cluster ran on several
// nodes at once: Errs[i] is Nodes[i]'s error, nil when it succeeded.
type NodeResults struct {
	Nodes []*Engine
	Errs  []error
}

// Err is nil unless every node failed; then it names each node's failure
// and has the class (404, 500...) of the first.
func (r NodeResults) Err() error {
	if len(r.Nodes) == 0 {
		return nil
	}
	return allFailed(r.Nodes, r.Errs)
}

// ImportRequest is a docker import (POST /images/create?fromSrc=...).
type ImportRequest struct {
	Source  image.ImportSource
	Repo    string
	Options image.ImportOptions
	// Node pins the import to one node (the `node` parameter). When ""
	// the strategy chooses the node, and the image is then copied to
	// every other healthy node.
	Node string
}

// ImportResult is the outcome of an import whose output began.
type ImportResult struct {
	Node *Engine // where the image was imported
	ID   string  // the new image's ID, "" when the engine did not say
	// Err is the import's failure after its output began, naming the node.
	Err error
	// CopyErr is the failure to save the image for the copies, naming
	// the node and the image.
	CopyErr error
	// Copies are the outcomes of the copies to the other nodes.
	Copies NodeResults
}

// allFailed returns an error naming every node's failure when every node
// failed, nil otherwise. It has the class (404, 500...) of the first.
func allFailed(engines []*Engine, failed []error) error {
	var msgs []string
	for i, err := range failed {
		if err == nil {
			return nil
		}
		msgs = append(msgs, engines[i].Name()+": "+err.Error())
	}
	if len(failed) == 1 {
		return failed[0]
	}
	return &NodeError{Node: engines[0].Name(), Err: failed[0], Msg: strings.Join(msgs, "; ")}
}
