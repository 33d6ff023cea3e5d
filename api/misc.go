package api

import (
	"context"
	"net/http"
	"strings"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"

	"github.com/swarm-project/swarm/cluster/engine"
)

// systemBackend is what the system-wide routes need of the cluster: disk
// usage and container prune over every node, the node for calls any
// engine answers, and the container a commit names.
type systemBackend interface {
	DiskUsage(ctx context.Context, prefixVolumes bool) (types.DiskUsage, error)
	PruneContainers(ctx context.Context, args filters.Args) (container.PruneReport, error)
	AnyEngine() (*engine.Engine, error)
	Container(ref string) (*engine.Container, error)
}

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
	// The nodes routes are served (nodes.go), the rest of swarm mode not.
	for _, p := range []string{"/swarm", "/services", "/tasks", "/secrets", "/configs"} {
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
		"Swarm mode (services, tasks, secrets, configs) is not available through a classic swarm manager: "+
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

// forwardAny forwards a call that any engine can answer (auth, registry
// lookups) to the first healthy node.
func (s *Server) forwardAny(w http.ResponseWriter, r *http.Request) error {
	e, err := s.system.AnyEngine()
	if err != nil {
		return err
	}
	return s.forward(w, r, e, stripVersion(r.URL.Path), nil)
}

// pruneContainers prunes stopped containers on every healthy node (those
// the `node` filter names) and drops them from the caches.
func (s *Server) pruneContainers(w http.ResponseWriter, r *http.Request) error {
	args, err := filters.FromJSON(r.URL.Query().Get("filters"))
	if err != nil {
		return errorf(http.StatusBadRequest, err.Error())
	}
	out, err := s.system.PruneContainers(r.Context(), args)
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
	c, err := liveContainer(s.system, ref)
	if err != nil {
		return err
	}
	q.Set("container", c.ID())
	out := r.Clone(r.Context())
	out.URL.RawQuery = q.Encode()
	return s.forward(w, out, c.Engine, "/commit", func(resp *http.Response) error {
		refreshImagesAfter(resp, c.Engine)
		return nil
	})
}

// diskUsage answers GET /system/df with every healthy node's usage: image
// sizes count once per node that holds the image, containers and local
// volumes are listed per node.
func (s *Server) diskUsage(w http.ResponseWriter, r *http.Request) error {
	out, err := s.system.DiskUsage(r.Context(), wantsNodeNames(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, diskUsageFor(out, s.clientVersion(r), boolValue(r.URL.Query().Get("verbose"))))
	return nil
}
