package cluster

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/versions"
	log "github.com/sirupsen/logrus"

	"github.com/swarm-project/swarm/cluster/engine"
	"github.com/swarm-project/swarm/scheduler"
	"github.com/swarm-project/swarm/scheduler/node"
)

// CreateContainer places a new container with the scheduler and creates it
// on the chosen engine. The new container is in the cache when it returns.
func (c *Cluster) CreateContainer(ctx context.Context, req CreateRequest) (container.CreateResponse, *Engine, error) {
	return c.createContainer(ctx, req, nil)
}

// createContainer is CreateContainer; mv, when not nil, makes it the
// re-creation of a container on another node (reschedule.go): mv.from
// takes no part in the placement and the old copy does not hold the name.
// A container with a reschedule policy has its spec recorded
// (reschedspec.go).
func (c *Cluster) createContainer(ctx context.Context, req CreateRequest, mv *move) (resp container.CreateResponse, on *Engine, err error) {
	if req.Config == nil {
		req.Config = &container.Config{}
	}
	if req.HostConfig == nil {
		req.HostConfig = &container.HostConfig{}
	}
	name := strings.TrimPrefix(req.Name, "/")
	env, labels, err := scheduler.Normalize(req.Config.Env, req.Config.Labels)
	if err != nil {
		return container.CreateResponse{}, nil, Errorf(ErrInvalid, "%v", err)
	}
	cfg := *req.Config
	cfg.Env = env
	cfg.Labels = withSwarmID(labels) // labels is Normalize's copy
	placement := containerRequest(name, &cfg, req.HostConfig, req.NetworkingConfig)
	pinned := pinnedToNode(labels)

	tried := map[*Engine]bool{}
	if mv != nil {
		tried[mv.from] = true
		c.startMove(name, mv)
		defer c.endMove(name)
	}
	defer func() {
		if err == nil {
			c.recordCreated(ctx, name, &cfg, req, on, resp.ID)
		}
	}()
	var lastErr error
	for attempt := 0; attempt <= c.opts.CreateRetry; attempt++ {
		e, pending, err := c.reserve(placement, tried)
		if err != nil {
			if lastErr != nil {
				return container.CreateResponse{}, nil, lastErr
			}
			return container.CreateResponse{}, nil, err
		}
		tried[e] = true
		// Only the primary places (leading.go); checked after the
		// reservation, right before the engine is asked.
		if err := c.checkLeading(name); err != nil {
			c.release(e, pending)
			return container.CreateResponse{}, nil, err
		}
		resp, err := c.createOn(ctx, e, name, &cfg, req, &pending)
		c.release(e, pending)
		if err == nil {
			return resp, e, nil
		}
		// The registry cannot supply the image: unless the container is
		// pinned to that node, use a node that holds it.
		var pullFailed *pullFailedError
		if errors.As(err, &pullFailed) && !pinned {
			resp, held, herr := c.placeOnHolder(ctx, e, placement, tried, name, &cfg, req, err)
			if herr == nil {
				return resp, held, nil
			}
			err = herr
		}
		lastErr = err
		if !retryable(err) {
			break
		}
		log.WithError(err).WithFields(log.Fields{"node": e.Name(), "attempt": attempt + 1}).Warn("create failed")
	}
	return container.CreateResponse{}, nil, lastErr
}

// retryable reports whether another engine might succeed where one failed.
func retryable(err error) bool {
	return !(errors.Is(err, ErrInvalid) || errors.Is(err, ErrConflict) ||
		cerrdefs.IsInvalidArgument(err) || cerrdefs.IsConflict(err) || cerrdefs.IsNotFound(err))
}

// checkName refuses a name that is in use anywhere in the cluster (or
// reserved by a create in flight), as one engine would; the copy of a
// container that is being created again elsewhere does not count. The
// names come from the placement index (placeindex.go), which is as recent
// as the last decision's sync, and release brings the engine of every
// create that ends up to date before its reservation goes. The caller
// holds schedMu.
func (c *Cluster) checkName(name string) error {
	var held *Container
	for _, ct := range c.nameHolders(name) {
		if ct.Name() != name || c.replacedLocked(ct) {
			continue
		}
		// The first in Engines' order, as when every engine was asked.
		if held == nil || engineBefore(ct.Engine, held.Engine) {
			held = ct
		}
	}
	if held != nil {
		return Errorf(ErrConflict, "Conflict. The container name \"/%s\" is already in use by container \"%s\". You have to remove (or rename) that container to be able to reuse that name.", name, held.ID())
	}
	for _, list := range c.pending {
		for _, p := range list {
			if len(p.Names) > 0 && p.Names[0] == name {
				return Errorf(ErrConflict, "Conflict. The container name \"/%s\" is already being created.", name)
			}
		}
	}
	return nil
}

// engineBefore orders engines as Engines does: by name, then address.
func engineBefore(a, b *Engine) bool {
	if an, bn := a.Name(), b.Name(); an != bn {
		return an < bn
	}
	return a.Addr() < b.Addr()
}

// Placement decisions run in parallel: each takes a snapshot (the index's
// immutable list and a copy of the reservations), runs the scheduler on it
// without a lock, and commits under schedMu to the best candidate that no
// other decision booked since and that still fits (commitTargetLocked).
// These bound the optimistic attempts.
const (
	// commitWalk is how many of the ranked candidates a commit looks at
	// for one that no other decision changed meanwhile.
	commitWalk = 16
	// optimisticTries is how many decisions may find all of those changed
	// before the last one runs under schedMu from start to end.
	optimisticTries = 3
)

// reserve picks an engine for req among those not yet tried and books the
// request's resources, ports and slot on it until release.
func (c *Cluster) reserve(req *node.Request, tried map[*Engine]bool) (*Engine, *node.Container, error) {
	for try := 0; ; try++ {
		e, p, err := c.tryReserve(req, tried, try >= optimisticTries)
		if !errors.Is(err, errChanged) {
			return e, p, err
		}
		c.index.retakes.Add(1)
	}
}

// errChanged says that every candidate a commit looked at changed since
// the snapshot its decision read: the decision is taken again.
var errChanged = errors.New("the candidates changed during the decision")

// tryReserve is one decision of reserve. serial holds schedMu from the
// snapshot to the commit, so that nothing can change under the decision:
// it cannot fail with errChanged.
func (c *Cluster) tryReserve(req *node.Request, tried map[*Engine]bool, serial bool) (*Engine, *node.Container, error) {
	var s *snapshot
	if serial {
		c.syncIndex()
		c.schedMu.Lock()
		if req.Name != "" {
			if err := c.checkName(req.Name); err != nil {
				c.schedMu.Unlock()
				return nil, nil, err
			}
		}
		s = c.snapshotOf(c.pending, tried, false, false)
	} else {
		var err error
		if s, err = c.takeSnapshot(tried, false, req.Name); err != nil {
			return nil, nil, err
		}
	}
	defer s.recycle()
	start := time.Now()
	// The commit looks at the first commitWalk candidates only.
	candidates, err := c.sched.SelectTopRanked(req, s.nodes, s.ranks, commitWalk)
	c.observePlacement(start, err)
	if err != nil || len(candidates) == 0 {
		if serial {
			c.schedMu.Unlock()
		}
		if err != nil {
			logNoFit(req, err)
			return nil, nil, c.noFit(req, tried, err)
		}
		return nil, nil, Errorf(ErrUnavailable, "no node available in the cluster")
	}
	if !serial {
		c.schedMu.Lock()
	}
	defer c.schedMu.Unlock()
	var e *Engine
	if serial {
		e = c.engineOf(s, candidates[0])
	} else {
		if req.Name != "" {
			if err := c.checkName(req.Name); err != nil {
				return nil, nil, err
			}
		}
		for _, n := range candidates[:min(len(candidates), commitWalk)] {
			if e = c.commitTargetLocked(s, n, req); e != nil {
				break
			}
		}
		if e == nil {
			return nil, nil, errChanged
		}
	}
	p := &node.Container{
		ID:          unlanded,
		Image:       req.Image,
		Labels:      req.Labels,
		State:       "created",
		Ports:       req.Ports,
		NetworkMode: req.NetworkMode,
		CPUs:        req.CPUs,
		Memory:      req.Memory,
		Pending:     true,
	}
	if req.Name != "" {
		p.Names = []string{req.Name}
	}
	c.pending[e] = append(c.pending[e], p)
	return e, p, nil
}

// release drops a reservation made by reserve. The engine's entry in the
// placement index is read again first: a create that put its container in
// the cache never leaves a moment when neither its reservation nor the
// index holds its name.
func (c *Cluster) release(e *Engine, p *node.Container) {
	c.syncEngine(e)
	c.schedMu.Lock()
	defer c.schedMu.Unlock()
	list := c.pending[e]
	for i, q := range list {
		if q == p {
			list = append(list[:i:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(c.pending, e)
	} else {
		c.pending[e] = list
	}
}

// unlanded is the ID of a reservation whose create has not made its
// container yet.
const unlanded = "pending"

// land gives p, the reservation of a create on e, the ID of the container
// the engine made for it, and returns the entry that stands for p from
// then on (release it instead of p). The container reaches e's cache, and
// from there the placement index, before the reservation is released;
// meanwhile a snapshot counts it once (withPending). Snapshots may share
// the list, so it is copied, not changed.
func (c *Cluster) land(e *Engine, p *node.Container, id string) *node.Container {
	c.schedMu.Lock()
	defer c.schedMu.Unlock()
	list := c.pending[e]
	for i, q := range list {
		if q == p {
			landed := *p
			landed.ID = id
			list = slices.Clone(list)
			list[i] = &landed
			c.pending[e] = list
			return &landed
		}
	}
	return p
}

// createOn creates the container on e and reads it into e's cache, so
// that it is there when the create returns (the read also stands for the
// create event, engine.BeginCreate). Network and volume references are
// rewritten for e ("node/name", another node's network ID), and CpuShares
// (a number of CPUs) becomes e's share of them. When e lacks the image, it
// is pulled with the client's registry auth; a failed pull is a
// *pullFailedError. pending, when not nil, is the create's reservation on
// e: it lands (Cluster.land) before the new container is read.
func (c *Cluster) createOn(ctx context.Context, e *Engine, name string, cfg *container.Config, req CreateRequest, pending **node.Container) (container.CreateResponse, error) {
	hc, nc := localCopies(req.HostConfig, req.NetworkingConfig)
	c.LocalizeNetworking(e, hc, nc)
	c.LocalizeVolumes(e, hc)
	nc, later := splitEndpoints(e, hc, nc)
	// -c N asks for N CPUs; the engine gets that share of its CPUs.
	hc.CPUShares = engine.EngineCPUShares(hc.CPUShares, e.Info().NCPU)
	// A connection failure counts against e's health.
	create := func() (container.CreateResponse, error) {
		if len(req.Extra) > 0 || len(req.HostConfigExtra) > 0 {
			resp, err := createRaw(ctx, e, name, cfg, hc, nc, req)
			return resp, e.ObserveCall(err)
		}
		resp, err := e.Client().ContainerCreate(ctx, cfg, hc, nc, req.Platform, name)
		return resp, e.ObserveCall(err)
	}
	tracked := e.BeginCreate()
	defer func() { tracked.End() }()
	// created connects a new container to its other networks and reads it.
	created := func(id string) error {
		if pending != nil {
			*pending = c.land(e, *pending, id)
		}
		if err := connectLater(ctx, e, id, later); err != nil {
			return err
		}
		tracked.Read(ctx, id)
		return nil
	}
	resp, err := create()
	if err == nil {
		return resp, created(resp.ID)
	}
	if !cerrdefs.IsNotFound(err) || cfg.Image == "" || e.HasImage(cfg.Image) {
		return resp, EngineError(err)
	}
	// Create events on e need not wait for the pull.
	tracked.End()
	log.WithFields(log.Fields{"node": e.Name(), "image": cfg.Image}).Info("pulling image for create")
	if perr := e.Pull(ctx, cfg.Image, req.RegistryAuth, nil); perr != nil {
		return resp, &pullFailedError{err: perr}
	}
	tracked = e.BeginCreate()
	resp, err = create()
	if err != nil {
		return resp, EngineError(err)
	}
	return resp, created(resp.ID)
}

// splitEndpoints keeps, for an engine older than API 1.44 (which takes one
// network at create), the endpoint of the container's network mode in the
// create call and returns the others to connect after it, as clients of
// that API did.
func splitEndpoints(e *Engine, hc *container.HostConfig, nc *network.NetworkingConfig) (*network.NetworkingConfig, map[string]*network.EndpointSettings) {
	if nc == nil || len(nc.EndpointsConfig) < 2 {
		return nc, nil
	}
	if _, hi := e.APIRange(); hi == "" || !versions.LessThan(hi, "1.44") {
		return nc, nil
	}
	keep := string(hc.NetworkMode)
	if _, ok := nc.EndpointsConfig[keep]; !ok {
		names := make([]string, 0, len(nc.EndpointsConfig))
		for n := range nc.EndpointsConfig {
			names = append(names, n)
		}
		sort.Strings(names)
		keep = names[0]
	}
	later := map[string]*network.EndpointSettings{}
	for n, ep := range nc.EndpointsConfig {
		if n != keep {
			later[n] = ep
		}
	}
	return &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{keep: nc.EndpointsConfig[keep]}}, later
}

// connectLater connects a new container to the networks splitEndpoints
// held back. When one fails, the container is removed: a create is all or
// nothing.
func connectLater(ctx context.Context, e *Engine, id string, later map[string]*network.EndpointSettings) error {
	for n, ep := range later {
		if err := e.Client().NetworkConnect(ctx, n, id, ep); err != nil {
			if rerr := e.Client().ContainerRemove(context.WithoutCancel(ctx), id, container.RemoveOptions{Force: true}); rerr != nil {
				log.WithError(rerr).WithField("container", id).Warn("cannot remove a half-made container")
			}
			return EngineError(err)
		}
	}
	return nil
}

// localCopies copies what LocalizeNetworking and LocalizeVolumes modify,
// so that each attempt starts from the request as the client sent it.
func localCopies(hc *container.HostConfig, nc *network.NetworkingConfig) (*container.HostConfig, *network.NetworkingConfig) {
	hcCopy := *hc
	hcCopy.Binds = append([]string(nil), hc.Binds...)
	hcCopy.Mounts = append([]mount.Mount(nil), hc.Mounts...)
	if nc == nil {
		return &hcCopy, nil
	}
	ncCopy := *nc
	ncCopy.EndpointsConfig = make(map[string]*network.EndpointSettings, len(nc.EndpointsConfig))
	for k, v := range nc.EndpointsConfig {
		ncCopy.EndpointsConfig[k] = v
	}
	return &hcCopy, &ncCopy
}
