package api

import (
	"context"
	"net/http"
	"sort"
	"strings"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"

	"github.com/swarm-project/swarm/cluster"
)

// systemBackend is what the system-wide routes need of the cluster: disk
// usage and container prune over every node, the node for calls any
// engine answers, and the container a commit names.
type systemBackend interface {
	DiskUsage(ctx context.Context, prefixVolumes bool) (types.DiskUsage, error)
	PruneContainers(ctx context.Context, args filters.Args) (container.PruneReport, error)
	AnyEngine() (*cluster.Engine, error)
	Container(ref string) (*cluster.Container, error)
}

var _ systemBackend = (*cluster.Cluster)(nil)

// miscRoutes are the system-wide routes (df, auth, prune of containers,
// commit, distribution) and the swarm-mode routes the manager refuses.
func (s *Server) miscRoutes() []route {
	rs := []route{
		{"GET", "/system/df", s.diskUsage},
		{"POST", "/auth", s.forwardAny},
		{"GET", "/distribution/{name:.*}/json", s.forwardAny},
		{"POST", "/containers/prune", s.pruneContainers},
		{"POST", "/commit", s.commit},
	}
	// Swarm mode is an engine feature that a classic manager does not
	// offer; answer as a standalone engine does.
	for _, p := range []string{"/swarm", "/nodes", "/services", "/tasks", "/secrets", "/configs"} {
		for _, m := range []string{"GET", "POST", "DELETE"} {
			rs = append(rs, route{m, p, s.notSwarmManager}, route{m, p + "/{rest:.*}", s.notSwarmManager})
		}
	}
	return rs
}

// notSwarmManager answers the swarm-mode routes with Docker's own status
// and message for an engine outside swarm mode.
func (s *Server) notSwarmManager(w http.ResponseWriter, r *http.Request) error {
	return errorf(http.StatusServiceUnavailable, "This node is not a swarm manager. "+
		"Swarm mode (services, nodes, tasks, secrets, configs) is not available through a classic swarm manager: "+
		"use docker run, docker compose or the engines directly.")
}

// wantsNodeNames reports whether a list should name local objects
// "node/name". The docker CLI gets them, as classic Swarm showed them, so
// that a person sees which node holds what; other clients (docker compose,
// the SDKs) compare the names they read with the names they created, so
// they get the engines' own names, one entry per node.
func wantsNodeNames(r *http.Request) bool {
	return strings.HasPrefix(r.UserAgent(), "Docker-Client/")
}

// placementExprs collects the constraint and affinity expressions given as
// labels or options ("constraint:node==node-1" arrives as the key
// "constraint:node" and the value "=node-1", the way the docker CLI splits
// key=value flags) and returns them as scheduler env entries.
func placementExprs(maps ...map[string]string) []string {
	var out []string
	for _, m := range maps {
		keys := make([]string, 0, len(m))
		for k := range m {
			if isPlacementKey(k) {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			if v := m[k]; v != "" {
				out = append(out, k+"="+v)
			} else {
				out = append(out, k)
			}
		}
	}
	return out
}

func isPlacementKey(k string) bool { return cluster.IsObjectPlacementKey(k) }

// withoutPlacement returns m without its constraint and affinity keys
// (drivers refuse options they do not know).
func withoutPlacement(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		if !isPlacementKey(k) {
			out[k] = v
		}
	}
	return out
}

// placeObject chooses the nodes a network or volume is created on: the
// pinned node; else the nodes the expressions allow (all of them when
// everywhere, else the best one); else every healthy node (everywhere) or
// the one the strategy ranks first.
func (s *Server) placeObject(pinned *cluster.Engine, exprs []string, labels map[string]string, everywhere bool) ([]*cluster.Engine, error) {
	return s.cluster.PlaceObjectExprs(pinned, exprs, labels, everywhere)
}

// nodeError wraps an engine's error; when the request went to several
// nodes it says which one failed. The error keeps its class (404, 409...).
func nodeError(e *cluster.Engine, err error, multi bool) error {
	err = cluster.EngineError(err)
	if !multi {
		return err
	}
	return &onNodeError{node: e.Name(), err: err}
}

// onNodeError is an engine's error with the node named; msg, when set,
// replaces the whole message (errors from several nodes).
type onNodeError struct {
	node string
	err  error
	msg  string
}

func (e *onNodeError) Error() string {
	if e.msg != "" {
		return e.msg
	}
	return e.node + ": " + e.err.Error()
}
func (e *onNodeError) Unwrap() error { return e.err }

// pruneTargets reads a prune call's filters: the `node` filter (matched
// like the list filters) narrows the healthy nodes and is not sent on.
func (s *Server) pruneTargets(r *http.Request) ([]*cluster.Engine, filters.Args, error) {
	args, err := filters.FromJSON(r.URL.Query().Get("filters"))
	if err != nil {
		return nil, args, errorf(http.StatusBadRequest, err.Error())
	}
	nodes := args.Get("node")
	for _, n := range nodes {
		args.Del("node", n)
	}
	var out []*cluster.Engine
	for _, e := range s.cluster.HealthyEngines() {
		if len(nodes) == 0 || matchAny(nodes, e.Name(), e.ID(), e.Addr()) {
			out = append(out, e)
		}
	}
	return out, args, nil
}

// forwardAny forwards a call that any engine can answer (auth, registry
// lookups) to the first healthy node.
func (s *Server) forwardAny(w http.ResponseWriter, r *http.Request) error {
	e, err := s.cluster.AnyEngine()
	if err != nil {
		return err
	}
	return s.forward(w, r, e, versionedPath(r, "/v"+APIVersion+stripVersion(r.URL.Path)), nil)
}

// pruneContainers prunes stopped containers on every healthy node (those
// the `node` filter names) and drops them from the caches.
func (s *Server) pruneContainers(w http.ResponseWriter, r *http.Request) error {
	args, err := filters.FromJSON(r.URL.Query().Get("filters"))
	if err != nil {
		return errorf(http.StatusBadRequest, err.Error())
	}
	out, err := s.cluster.PruneContainers(r.Context(), args)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// commit forwards POST /commit to the container's node, naming the
// container by its ID there, and refreshes that node's images.
func (s *Server) commit(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	ref := q.Get("container")
	if ref == "" {
		return errorf(http.StatusBadRequest, "container is required")
	}
	c, err := s.cluster.Container(ref)
	if err != nil {
		return err
	}
	q.Set("container", c.ID())
	out := r.Clone(r.Context())
	out.URL.RawQuery = q.Encode()
	return s.forward(w, out, c.Engine, versionedPath(r, "/v"+APIVersion+"/commit"), func(resp *http.Response) error {
		refreshImagesAfter(resp, c.Engine)
		return nil
	})
}

// diskUsage answers GET /system/df with every healthy node's usage: image
// sizes count once per node that holds the image, containers and local
// volumes are listed per node.
func (s *Server) diskUsage(w http.ResponseWriter, r *http.Request) error {
	out, err := s.cluster.DiskUsage(r.Context(), wantsNodeNames(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// healthyEngines returns the healthy engines, or a 503 error.
func (s *Server) healthyEngines() ([]*cluster.Engine, error) {
	engines := s.cluster.HealthyEngines()
	if len(engines) == 0 {
		return nil, errorf(http.StatusServiceUnavailable, "no healthy node in the cluster")
	}
	return engines, nil
}
