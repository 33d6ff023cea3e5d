package api

import (
	"context"

	"github.com/docker/docker/api/types/container"

	"github.com/swarm-project/swarm/cluster/engine"
)

// The API layer's view of the cluster: small interfaces, each named for
// what a group of handlers needs. Server holds one field per interface;
// *engine.Cluster implements them all, and handler tests use fakes.

// containerFinder resolves a container reference: a full ID or swarm ID,
// a name ("web", "/web", "node-1/web") or a unique prefix of an ID or a
// swarm ID.
type containerFinder interface {
	Container(ref string) (*engine.Container, error)
}

// containerLister lists the cached containers of the nodes that match one
// of the patterns (every node when there are none).
type containerLister interface {
	ContainersOn(nodes []string) []*engine.Container
}

// containerCreator places new containers and guards container names.
type containerCreator interface {
	CreateContainer(ctx context.Context, req engine.CreateRequest) (container.CreateResponse, *engine.Engine, error)
	// NameAvailable refuses a name that a container of the cluster uses
	// or that a create in flight reserved.
	NameAvailable(name string) error
	// ContainerChanged re-reads a container after a call through the
	// manager changed it, so that the next ps or inspect sees the change.
	ContainerChanged(ctx context.Context, c *engine.Container)
	// StartRead promises a re-read of a container after a start the
	// manager is about to forward; the read also stands for the start
	// event (engine.PromiseStart).
	StartRead(c *engine.Container) *engine.StartRead
}

// execRouter knows which node holds an exec instance.
type execRouter interface {
	RememberExec(execID string, e *engine.Engine)
	ExecEngine(execID string) (*engine.Engine, error)
}

// eventSource hands out the cluster's events: the remembered ones, and a
// channel of the ones to come until cancel is called.
type eventSource interface {
	Subscribe(buffer int) (past []engine.Event, live <-chan engine.Event, cancel func())
}

// clusterSummary is what `docker info` shows: the nodes and how the
// cluster places containers.
type clusterSummary interface {
	Engines() []*engine.Engine
	Strategy() string
	Filters() []string
	// NewestAPI is the newest Engine API among the healthy engines ("" when
	// none is healthy).
	NewestAPI() string
}
