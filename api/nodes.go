package api

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/swarm"
	"github.com/gorilla/mux"

	"github.com/swarm-project/swarm/cluster/engine"
)

// This file serves the part of swarm mode's nodes API that makes `docker
// node ls`, `docker node inspect` and `docker node update` work against the
// manager: every engine is a node (its ID is the engine ID), with an
// availability and manager-side labels the manager keeps. Removing,
// promoting and demoting nodes are refused: discovery decides which
// engines are nodes, and every node is a worker.

// nodeBackend is what the nodes routes need of the cluster.
type nodeBackend interface {
	// SwarmNodes lists every engine with the manager's record of it.
	SwarmNodes() []engine.Node
	// SwarmNode finds a node by engine ID, name or unique ID prefix.
	SwarmNode(ref string) (engine.Node, error)
	// UpdateNode sets a node's availability and labels; version is the
	// one the caller read. The warnings name what a drain left in place.
	UpdateNode(ctx context.Context, ref string, version uint64, spec engine.NodeSpec) (warnings []string, err error)
}

// nodeRoutes are the routes of the nodes API.
func (s *Server) nodeRoutes() []route {
	return []route{
		{"GET", "/nodes", s.listNodes},
		{"GET", "/nodes/{id:.*}", s.inspectNode},
		{"POST", "/nodes/{id:.*}/update", s.updateNode},
		{"DELETE", "/nodes/{id:.*}", s.removeNode},
	}
}

// nodeListFilters are the filters `docker node ls --filter` may send.
var nodeListFilters = map[string]bool{"id": true, "name": true, "role": true, "membership": true, "label": true, "node.label": true}

// listNodes answers GET /nodes.
func (s *Server) listNodes(w http.ResponseWriter, r *http.Request) error {
	args, err := filters.FromJSON(r.URL.Query().Get("filters"))
	if err != nil {
		return errorf(http.StatusBadRequest, err.Error())
	}
	if err := args.Validate(nodeListFilters); err != nil {
		return errorf(http.StatusBadRequest, err.Error())
	}
	out := []swarm.Node{}
	for _, n := range s.nodes.SwarmNodes() {
		sn := swarmNode(n)
		if nodeMatches(args, sn) {
			out = append(out, sn)
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// nodeMatches applies swarm mode's node list filters: id and name match a
// prefix, label the engine labels, node.label the manager-side labels.
func nodeMatches(args filters.Args, n swarm.Node) bool {
	prefix := func(key, v string) bool {
		vals := args.Get(key)
		if len(vals) == 0 {
			return true
		}
		for _, p := range vals {
			if strings.HasPrefix(v, p) {
				return true
			}
		}
		return false
	}
	return prefix("id", n.ID) && prefix("name", n.Description.Hostname) &&
		args.ExactMatch("role", string(n.Spec.Role)) &&
		args.ExactMatch("membership", "accepted") &&
		args.MatchKVList("label", n.Description.Engine.Labels) &&
		args.MatchKVList("node.label", n.Spec.Labels)
}

// inspectNode answers GET /nodes/{id}.
func (s *Server) inspectNode(w http.ResponseWriter, r *http.Request) error {
	n, err := s.nodes.SwarmNode(mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, swarmNode(n))
	return nil
}

// updateNode answers POST /nodes/{id}/update?version=N, whose body is the
// whole swarm.NodeSpec (`docker node update` reads the node, changes the
// spec and sends it back with the version it read).
func (s *Server) updateNode(w http.ResponseWriter, r *http.Request) error {
	raw := r.URL.Query().Get("version")
	version, err := strconv.ParseUint(raw, 10, 64)
	if err != nil {
		return errorf(http.StatusBadRequest, fmt.Sprintf("invalid node version '%s': %v", raw, err))
	}
	var spec swarm.NodeSpec
	if err := decodeBody(r, &spec); err != nil {
		return err
	}
	if spec.Role != "" && spec.Role != swarm.NodeRoleWorker {
		return errorf(http.StatusBadRequest, fmt.Sprintf("role %s is not supported by a classic swarm manager: every node is a worker (run several managers with --replication instead)", spec.Role))
	}
	warnings, err := s.nodes.UpdateNode(r.Context(), mux.Vars(r)["id"], version,
		engine.NodeSpec{Availability: engine.Availability(spec.Availability), Labels: spec.Labels})
	if err != nil {
		return err
	}
	if len(warnings) == 0 {
		w.WriteHeader(http.StatusOK)
		return nil
	}
	writeJSON(w, http.StatusOK, map[string][]string{"Warnings": warnings})
	return nil
}

// removeNode refuses DELETE /nodes/{id}: discovery says which engines are
// nodes.
func (s *Server) removeNode(w http.ResponseWriter, r *http.Request) error {
	return errorf(http.StatusBadRequest, "a classic swarm manager does not remove nodes: remove the engine from discovery "+
		"(supported here: docker node ls, docker node inspect, docker node update --availability and --label-add/--label-rm)")
}

// swarmNode renders a node as swarm mode's Node object.
func swarmNode(n engine.Node) swarm.Node {
	e := n.Engine
	info := e.Info()
	labels := n.Meta.Spec.Labels
	if labels == nil {
		labels = map[string]string{}
	}
	return swarm.Node{
		ID: n.NodeID(),
		Meta: swarm.Meta{
			Version:   swarm.Version{Index: n.Meta.Version},
			CreatedAt: n.Meta.CreatedAt,
			UpdatedAt: n.Meta.UpdatedAt,
		},
		Spec: swarm.NodeSpec{
			Annotations:  swarm.Annotations{Labels: labels},
			Role:         swarm.NodeRoleWorker,
			Availability: swarm.NodeAvailability(n.Meta.Spec.Availability),
		},
		Description: swarm.NodeDescription{
			Hostname:  e.Name(),
			Platform:  swarm.Platform{Architecture: info.Architecture, OS: info.OSType},
			Resources: swarm.Resources{NanoCPUs: int64(info.NCPU) * engine.NanoCPU, MemoryBytes: info.MemTotal},
			Engine:    swarm.EngineDescription{EngineVersion: e.Version().Version, Labels: e.Labels()},
		},
		Status: swarm.NodeStatus{State: nodeState(e.Health()), Addr: e.IP()},
	}
}

// nodeState maps an engine's health to swarm mode's node state.
func nodeState(h engine.Health) swarm.NodeState {
	switch h {
	case engine.Healthy:
		return swarm.NodeStateReady
	case engine.Unhealthy:
		return swarm.NodeStateDown
	}
	return swarm.NodeStateUnknown
}

// nodeLabels is what `docker info` shows as a node's labels: its engine
// labels with its manager-side labels over them, as constraints see them.
func nodeLabels(e *engine.Engine, meta engine.NodeMeta) []string {
	labels := e.Labels()
	for k, v := range meta.Spec.Labels {
		labels[k] = v
	}
	return engine.SortedLabels(labels)
}

// nodeMetas maps each engine to its record, for `docker info`.
func (s *Server) nodeMetas() map[*engine.Engine]engine.NodeMeta {
	out := map[*engine.Engine]engine.NodeMeta{}
	if s.nodes == nil {
		return out
	}
	for _, n := range s.nodes.SwarmNodes() {
		out[n.Engine] = n.Meta
	}
	return out
}
