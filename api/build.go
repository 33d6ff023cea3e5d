package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/docker/docker/api/types/build"
	"github.com/docker/docker/api/types/filters"

	"github.com/swarm-project/swarm/cluster/engine"
)

// sessionHeader carries a BuildKit session's ID on POST /session.
const sessionHeader = "X-Docker-Expose-Session-Uuid"

// builderBackend is what the build routes need of the cluster: where a
// build or a BuildKit connection goes, and the build cache calls that go
// to every node.
type builderBackend interface {
	BuildTarget(args map[string]*string, labels map[string]string, session string) (*engine.Engine, map[string]*string, error)
	OpenBuildSession(id string) (*engine.Engine, func(), error)
	BuildKitNode() (*engine.Engine, error)
	PruneBuildCache(ctx context.Context, opts build.CachePruneOptions) (build.CachePruneReport, error)
	CancelBuild(ctx context.Context, id string) error
}

// buildRoutes are the build routes.
func (s *Server) buildRoutes() []route {
	return []route{
		{"POST", "/build", s.build},
		{"POST", "/build/prune", s.pruneBuildCache},
		{"POST", "/build/cancel", s.cancelBuild},
		{"POST", "/session", s.buildSession},
		{"POST", "/grpc", s.buildGRPC},
	}
}

// build streams the build context to one node. The node is the one that
// holds the BuildKit session the build names, else the one the scheduler
// picks for the build's constraint:/affinity: build arguments (and the
// com.docker.swarm.constraints label, if given). Those arguments are not
// passed on. The new image is in the manager's cache when the response
// ends.
func (s *Server) build(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var args map[string]*string
	if v := q.Get("buildargs"); v != "" {
		if err := json.Unmarshal([]byte(v), &args); err != nil {
			return errorf(http.StatusBadRequest, "invalid buildargs: "+err.Error())
		}
	}
	var labels map[string]string
	if v := q.Get("labels"); v != "" {
		if err := json.Unmarshal([]byte(v), &labels); err != nil {
			return errorf(http.StatusBadRequest, "invalid labels: "+err.Error())
		}
	}
	session := ""
	if q.Get("version") == "2" {
		session = q.Get("session")
	}
	e, kept, err := s.builds.BuildTarget(args, labels, session)
	if err != nil {
		return err
	}
	out := r
	if len(kept) != len(args) {
		enc, err := json.Marshal(kept)
		if err != nil {
			return err
		}
		q.Set("buildargs", string(enc))
		out = r.Clone(r.Context())
		out.URL.RawQuery = q.Encode()
	}
	return s.forward(w, out, e, "/build", func(resp *http.Response) error {
		refreshImagesAfter(resp, e)
		return nil
	})
}

// buildSession forwards a BuildKit session (an upgraded connection) to the
// node builds go to; the cluster remembers it until the connection ends.
func (s *Server) buildSession(w http.ResponseWriter, r *http.Request) error {
	e, done, err := s.builds.OpenBuildSession(r.Header.Get(sessionHeader))
	if err != nil {
		return err
	}
	defer done()
	return s.forward(w, r, e, "/session", nil)
}

// buildGRPC forwards BuildKit's gRPC control connection (buildx's docker
// driver) to the node builds go to.
func (s *Server) buildGRPC(w http.ResponseWriter, r *http.Request) error {
	e, err := s.builds.BuildKitNode()
	if err != nil {
		return err
	}
	return s.forward(w, r, e, "/grpc", nil)
}

// pruneBuildCache prunes the build cache of every healthy node (those the
// `node` filter names) and merges the reports.
func (s *Server) pruneBuildCache(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	args, err := filters.FromJSON(q.Get("filters"))
	if err != nil {
		return errorf(http.StatusBadRequest, err.Error())
	}
	opts := build.CachePruneOptions{All: boolValue(q.Get("all")), Filters: args}
	if v := q.Get("keep-storage"); v != "" {
		if _, err := fmt.Sscan(v, &opts.KeepStorage); err != nil {
			return errorf(http.StatusBadRequest, fmt.Sprintf("invalid keep-storage %q", v))
		}
	}
	out, err := s.builds.PruneBuildCache(r.Context(), opts)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// cancelBuild asks every healthy node to cancel the build.
func (s *Server) cancelBuild(w http.ResponseWriter, r *http.Request) error {
	id := r.URL.Query().Get("id")
	if id == "" {
		return errorf(http.StatusBadRequest, "build ID is required")
	}
	if err := s.builds.CancelBuild(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}
