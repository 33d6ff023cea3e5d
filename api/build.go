package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/docker/docker/api/types/build"

	"github.com/swarm-project/swarm/cluster"
	"github.com/swarm-project/swarm/scheduler/node"
)

// sessionHeader carries a BuildKit session's ID on POST /session.
const sessionHeader = "X-Docker-Expose-Session-Uuid"

// builder serves the build routes. It remembers which node holds each open
// BuildKit session so that the build that uses it goes to the same node.
type builder struct {
	s *Server

	mu       sync.Mutex                 // guards sessions
	sessions map[string]*cluster.Engine // open BuildKit session ID -> node
}

// buildRoutes are the build routes.
func (s *Server) buildRoutes() []route {
	b := &builder{s: s, sessions: map[string]*cluster.Engine{}}
	return []route{
		{"POST", "/build", b.build},
		{"POST", "/build/prune", s.pruneBuildCache},
		{"POST", "/build/cancel", s.cancelBuild},
		{"POST", "/session", b.session},
		{"POST", "/grpc", b.grpc},
	}
}

// build streams the build context to one node. The node is the one that
// holds the BuildKit session the build names, else the one the scheduler
// picks for the build's constraint:/affinity: build arguments (and the
// com.docker.swarm.constraints label, if given). Those arguments are not
// passed on. The new image is in the manager's cache when the response
// ends.
func (b *builder) build(w http.ResponseWriter, r *http.Request) error {
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
	req := &node.Request{Labels: labels, BuildArgs: map[string]string{}}
	kept := map[string]*string{}
	for k, v := range args {
		if isPlacementKey(k) {
			val := ""
			if v != nil {
				val = *v
			}
			req.BuildArgs[k] = val
			continue
		}
		kept[k] = v
	}

	var e *cluster.Engine
	if id := q.Get("session"); id != "" && q.Get("version") == "2" {
		if e = b.sessionEngine(id); e == nil {
			return errorf(http.StatusBadRequest, fmt.Sprintf("BuildKit session %s is not open on any node; "+
				"the manager forwards BuildKit through POST /session (or use the legacy builder: DOCKER_BUILDKIT=0)", id))
		}
	} else {
		engines, err := b.s.cluster.SelectEngines(req)
		if err != nil {
			return err
		}
		e = engines[0]
	}

	out := r
	if len(req.BuildArgs) > 0 {
		enc, err := json.Marshal(kept)
		if err != nil {
			return err
		}
		q.Set("buildargs", string(enc))
		out = r.Clone(r.Context())
		out.URL.RawQuery = q.Encode()
	}
	return b.s.forward(w, out, e, versionedPath(r, "/v"+APIVersion+"/build"), func(resp *http.Response) error {
		refreshImagesAfter(resp, e)
		return nil
	})
}

// session forwards a BuildKit session (an upgraded connection) to the node
// builds go to, and remembers it until the connection ends.
func (b *builder) session(w http.ResponseWriter, r *http.Request) error {
	e, err := b.buildKitEngine()
	if err != nil {
		return err
	}
	id := r.Header.Get(sessionHeader)
	if id != "" {
		b.mu.Lock()
		b.sessions[id] = e
		b.mu.Unlock()
		defer func() {
			b.mu.Lock()
			defer b.mu.Unlock()
			delete(b.sessions, id)
		}()
	}
	return b.s.forward(w, r, e, versionedPath(r, "/v"+APIVersion+"/session"), nil)
}

// grpc forwards BuildKit's gRPC control connection (buildx's docker
// driver) to the node builds go to.
func (b *builder) grpc(w http.ResponseWriter, r *http.Request) error {
	e, err := b.buildKitEngine()
	if err != nil {
		return err
	}
	return b.s.forward(w, r, e, versionedPath(r, "/v"+APIVersion+"/grpc"), nil)
}

// buildKitEngine is the node BuildKit connections go to: the first healthy
// node by name. BuildKit sends its build arguments inside the gRPC stream,
// after the connection is made, so they cannot choose the node.
func (b *builder) buildKitEngine() (*cluster.Engine, error) {
	engines, err := b.s.healthyEngines()
	if err != nil {
		return nil, err
	}
	return engines[0], nil
}

func (b *builder) sessionEngine(id string) *cluster.Engine {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.sessions[id]
}

// pruneBuildCache prunes the build cache of every healthy node and merges
// the reports.
func (s *Server) pruneBuildCache(w http.ResponseWriter, r *http.Request) error {
	engines, args, err := s.pruneTargets(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	opts := build.CachePruneOptions{All: boolValue(q.Get("all")), Filters: args}
	if v := q.Get("keep-storage"); v != "" {
		if _, err := fmt.Sscan(v, &opts.KeepStorage); err != nil {
			return errorf(http.StatusBadRequest, fmt.Sprintf("invalid keep-storage %q", v))
		}
	}
	ctx := r.Context()
	out := build.CachePruneReport{CachesDeleted: []string{}}
	for _, e := range engines {
		rep, err := e.Client().BuildCachePrune(ctx, opts)
		if err != nil {
			return nodeError(e, err, len(engines) > 1)
		}
		out.CachesDeleted = append(out.CachesDeleted, rep.CachesDeleted...)
		out.SpaceReclaimed += rep.SpaceReclaimed
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// cancelBuild asks every healthy node to cancel the build: build IDs are
// not tracked, and a node without that build ignores the call.
func (s *Server) cancelBuild(w http.ResponseWriter, r *http.Request) error {
	id := r.URL.Query().Get("id")
	if id == "" {
		return errorf(http.StatusBadRequest, "build ID is required")
	}
	engines, err := s.healthyEngines()
	if err != nil {
		return err
	}
	var errs []string
	for _, e := range engines {
		if err := e.Client().BuildCancel(r.Context(), id); err != nil {
			errs = append(errs, e.Name()+": "+cluster.EngineError(err).Error())
		}
	}
	if len(errs) == len(engines) {
		return errorf(http.StatusInternalServerError, strings.Join(errs, "; "))
	}
	w.WriteHeader(http.StatusOK)
	return nil
}
