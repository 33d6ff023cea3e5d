package cluster

import (
	"context"
	"errors"
	"strings"
	"sync"

	"github.com/docker/docker/api/types/build"
)

// This file places builds and BuildKit sessions, and runs the build cache
// calls that go to every node.

// buildSessions remembers which node holds each open BuildKit session, so
// that the build that uses it goes to the same node. The cluster has one,
// shared by every listener of the API.
type buildSessions struct {
	mu sync.Mutex         // guards m
	m  map[string]*Engine // session ID -> node
}

// BuildKitNode is the node BuildKit connections (/session, /grpc) go to:
// the first healthy node by name. BuildKit sends its build arguments
// inside the gRPC stream, after the connection is made, so they cannot
// choose the node.
func (c *Cluster) BuildKitNode() (*Engine, error) {
	return c.AnyEngine()
}

// OpenBuildSession chooses the node for BuildKit session id and remembers
// it until done is called (when the session's connection ends). An empty
// id is not remembered.
func (c *Cluster) OpenBuildSession(id string) (e *Engine, done func(), err error) {
	e, err = c.BuildKitNode()
	if err != nil {
		return nil, nil, err
	}
	if id == "" {
		return e, func() {}, nil
	}
	c.sessions.mu.Lock()
	c.sessions.m[id] = e
	c.sessions.mu.Unlock()
	return e, func() {
		c.sessions.mu.Lock()
		defer c.sessions.mu.Unlock()
		delete(c.sessions.m, id)
	}, nil
}

func (c *Cluster) sessionEngine(id string) *Engine {
	c.sessions.mu.Lock()
	defer c.sessions.mu.Unlock()
	return c.sessions.m[id]
}

// BuildTarget chooses the node a build goes to: the one that holds the
// BuildKit session the build names (session, "" for none), else the one
// the scheduler picks for the build's constraint:/affinity: arguments (and
// the com.docker.swarm.constraints label, if given). Those arguments place
// the build and are not passed on: kept holds the arguments the engine
// gets. A session that is not open is an ErrInvalid error.
func (c *Cluster) BuildTarget(args map[string]*string, labels map[string]string, session string) (e *Engine, kept map[string]*string, err error) {
	req, kept := buildRequest(args, labels)
	if session != "" {
		if e = c.sessionEngine(session); e == nil {
			return nil, nil, Errorf(ErrInvalid, "BuildKit session %s is not open on any node; "+
				"the manager forwards BuildKit through POST /session (or use the legacy builder: DOCKER_BUILDKIT=0)", session)
		}
		return e, kept, nil
	}
	engines, err := c.SelectEngines(req)
	if err != nil {
		return nil, nil, err
	}
	return engines[0], kept, nil
}

// PruneBuildCache prunes the build cache of every healthy node (those the
// manager's `node` filter in opts.Filters names; the other filters go to
// the engines) and merges the reports.
func (c *Cluster) PruneBuildCache(ctx context.Context, opts build.CachePruneOptions) (build.CachePruneReport, error) {
	engines, args := c.pruneTargets(opts.Filters)
	opts.Filters = args
	out := build.CachePruneReport{CachesDeleted: []string{}}
	for _, e := range engines {
		rep, err := e.Client().BuildCachePrune(ctx, opts)
		if err != nil {
			return out, onNode(e, err, len(engines) > 1)
		}
		out.CachesDeleted = append(out.CachesDeleted, rep.CachesDeleted...)
		out.SpaceReclaimed += rep.SpaceReclaimed
	}
	return out, nil
}

// CancelBuild asks every healthy node to cancel build id: build IDs are
// not tracked, and a node without that build ignores the call. It fails
// only when every node failed, naming each.
func (c *Cluster) CancelBuild(ctx context.Context, id string) error {
	engines, err := c.healthyEngines()
	if err != nil {
		return err
	}
	var errs []string
	for _, e := range engines {
		if err := e.Client().BuildCancel(ctx, id); err != nil {
			errs = append(errs, e.Name()+": "+EngineError(err).Error())
		}
	}
	if len(errs) == len(engines) {
		return errors.New(strings.Join(errs, "; "))
	}
	return nil
}
