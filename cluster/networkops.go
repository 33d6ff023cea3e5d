package cluster

import (
	"context"
	"sort"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	log "github.com/sirupsen/logrus"
)

// This file holds the network operations that change engines: create,
// remove, connect, disconnect and prune. Each one calls the engines it
// needs, then re-reads their caches.

// multiHostDrivers make one network that every engine sees (overlay in
// the engines' swarm, or on a key/value store); it is created once, not
// once per node.
var multiHostDrivers = map[string]bool{"overlay": true}

// CreateNetwork creates a network on the node its name ("node/name") or its
// constraints choose, else (a local driver) on every healthy node under the
// same name. A create on several nodes is all or nothing: when one node
// fails, the networks the others made are removed. The answer carries the
// first node's ID and every node's warning.
func (c *Cluster) CreateNetwork(ctx context.Context, req network.CreateRequest) (network.CreateResponse, error) {
	if req.Name == "" {
		return network.CreateResponse{}, Errorf(ErrInvalid, "network name is required")
	}
	pinned, name := c.SplitNodeRef(req.Name)
	if node, _, ok := strings.Cut(name, "/"); ok {
		return network.CreateResponse{}, &NotFoundError{Kind: "node", Ref: node}
	}
	preq, opts, constrained := objectRequest(req.Labels, req.Options)
	req.Options = opts
	driver := req.Driver
	if driver == "" {
		driver = "bridge"
	}
	if driver == "overlay" {
		return c.createOverlay(ctx, name, req)
	}
	targets, err := c.placeObject(pinned, preq, constrained, !multiHostDrivers[driver])
	if err != nil {
		return network.CreateResponse{}, err
	}
	for _, e := range targets {
		if n, ok := e.FindNetwork(name); ok && n.Name == name {
			return network.CreateResponse{}, Errorf(ErrConflict, "network with name %s already exists", name)
		}
	}
	var created []NetworkOn
	var warnings []string
	for _, e := range targets {
		resp, err := e.Client().NetworkCreate(ctx, name, req.CreateOptions)
		if err != nil {
			c.rollbackNetworks(ctx, created)
			return network.CreateResponse{}, onNode(e, err, len(targets) > 1)
		}
		created = append(created, NetworkOn{Engine: e, Network: network.Summary{ID: resp.ID, Name: name}})
		if resp.Warning != "" {
			warnings = append(warnings, e.Name()+": "+resp.Warning)
		}
		e.Resync(ctx, "networks", e.RefreshNetworks)
	}
	return network.CreateResponse{ID: created[0].Network.ID, Warning: strings.Join(warnings, "; ")}, nil
}

// createOverlay creates an overlay network in the engines' swarm, which
// it makes first when there is none (overlay.go), as an attachable network
// so that the containers the manager places can join it on any engine.
func (c *Cluster) createOverlay(ctx context.Context, name string, req network.CreateRequest) (network.CreateResponse, error) {
	if c.opts.NoOverlay {
		return network.CreateResponse{}, errOverlayOff
	}
	if _, ok := req.Options["encrypted"]; ok {
		return network.CreateResponse{}, Errorf(ErrInvalid, "encrypted overlay networks are not supported: the manager cannot tell whether every engine can carry their IPsec traffic; create the network without --opt encrypted")
	}
	if req.Ingress {
		return network.CreateResponse{}, Errorf(ErrInvalid, "ingress networks are not supported: they serve swarm-mode services, and the manager places containers itself")
	}
	if req.ConfigOnly || req.ConfigFrom != nil {
		return network.CreateResponse{}, Errorf(ErrInvalid, "--config-only and --config-from are not supported for overlay networks")
	}
	for _, n := range c.Networks() {
		if n.Network.Name == name && (!n.IsLocal() || n.Network.Driver == "overlay") {
			return network.CreateResponse{}, Errorf(ErrConflict, "network with name %s already exists", name)
		}
	}
	mgr, warnings, err := c.overlaySwarm(ctx, true)
	if err != nil {
		return network.CreateResponse{}, err
	}
	req.Attachable = true
	resp, err := mgr.Client().NetworkCreate(ctx, name, req.CreateOptions)
	if err != nil {
		return network.CreateResponse{}, EngineError(err)
	}
	if resp.Warning != "" {
		warnings = append(warnings, resp.Warning)
	}
	// Every swarm manager lists the new network, once its swarm has
	// allocated it: before that an engine lists it without driver or
	// subnet, and the cache would keep that until the next refresh.
	for _, e := range c.HealthyEngines() {
		if e.Info().Swarm.ControlAvailable || e == mgr {
			waitAllocated(ctx, e, resp.ID)
			e.Resync(ctx, "networks", e.RefreshNetworks)
		}
	}
	log.WithFields(log.Fields{"network": name, "id": resp.ID, "node": mgr.Name()}).Info("overlay networks: created an attachable overlay network in the engines' swarm")
	return network.CreateResponse{ID: resp.ID, Warning: strings.Join(warnings, "; ")}, nil
}

// swarmStateWait bounds how long an overlay create or remove waits for
// one engine to show the change: a swarm applies it on its leader first,
// on the other managers a moment later.
const swarmStateWait = 5 * time.Second

// waitAllocated waits until engine e reports swarm network id with its
// driver set (the swarm's allocator has run).
func waitAllocated(ctx context.Context, e *Engine, id string) {
	waitNetwork(ctx, e, id, func(n network.Inspect, err error) bool { return err == nil && n.Driver != "" })
}

// waitGone waits until engine e no longer knows network id.
func waitGone(ctx context.Context, e *Engine, id string) {
	waitNetwork(ctx, e, id, func(_ network.Inspect, err error) bool { return cerrdefs.IsNotFound(err) })
}

// waitNetwork polls engine e's inspect of network id until done holds, for
// up to swarmStateWait. On timeout it returns anyway: the refresh loop
// catches up.
func waitNetwork(ctx context.Context, e *Engine, id string, done func(network.Inspect, error) bool) {
	ctx, cancel := context.WithTimeout(ctx, swarmStateWait)
	defer cancel()
	for {
		if done(e.Client().NetworkInspect(ctx, id, network.InspectOptions{})) {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// rollbackNetworks removes the networks a failed multi-node create made.
// It runs even when the client has gone: the create must leave nothing.
func (c *Cluster) rollbackNetworks(ctx context.Context, created []NetworkOn) {
	ctx = context.WithoutCancel(ctx)
	for _, n := range created {
		if err := n.Engine.Client().NetworkRemove(ctx, n.Network.ID); err != nil {
			log.WithFields(log.Fields{"addr": n.Engine.Addr(), "network": n.Network.ID}).WithError(err).
				Warn("removing a network after a failed create failed")
		}
		n.Engine.Resync(ctx, "networks", n.Engine.RefreshNetworks)
	}
}

// RemoveNetwork removes the network from every node that holds it under
// ref ("node/name" for one node only); a multi-host network is removed
// once. Every node is tried; the first failure is returned.
func (c *Cluster) RemoveNetwork(ctx context.Context, ref string) error {
	nets, err := c.FindNetworks(ref)
	if err != nil {
		return err
	}
	var errs []error
	removed := map[string]bool{} // multi-host networks go once
	// A swarm network is removed through a swarm manager: workers list it
	// while they have containers on it, but cannot remove it.
	sort.SliceStable(nets, func(i, j int) bool { return swarmManager(nets[i].Engine) && !swarmManager(nets[j].Engine) })
	for _, n := range nets {
		if !n.IsLocal() {
			if removed[n.Network.ID] {
				continue
			}
			removed[n.Network.ID] = true
		}
		if err := n.Engine.Available(); err != nil {
			errs = append(errs, err)
			continue
		}
		if err := n.Engine.Client().NetworkRemove(ctx, n.Network.ID); err != nil {
			errs = append(errs, onNode(n.Engine, err, len(nets) > 1))
		}
		n.Engine.Resync(ctx, "networks", n.Engine.RefreshNetworks)
	}
	for _, n := range nets {
		if !n.IsLocal() {
			if len(errs) == 0 {
				// Other swarm managers drop it a moment later.
				waitGone(ctx, n.Engine, n.Network.ID)
			}
			n.Engine.Resync(ctx, "networks", n.Engine.RefreshNetworks)
		}
	}
	if len(errs) > 0 {
		return errs[0]
	}
	return nil
}

// swarmManager reports whether the engine is a manager of a swarm, as of
// its last refresh.
func swarmManager(e *Engine) bool { return e.Info().Swarm.ControlAvailable }

// ConnectNetwork connects the container to the network, on the container's
// node and with the network as that node knows it.
func (c *Cluster) ConnectNetwork(ctx context.Context, netRef, containerRef string, cfg *network.EndpointSettings) error {
	ctr, netID, err := c.containerNetwork(netRef, containerRef)
	if err != nil {
		return err
	}
	if err := ctr.Engine.Client().NetworkConnect(ctx, netID, ctr.ID(), cfg); err != nil {
		return EngineError(err)
	}
	ctr.Engine.Resync(ctx, "container", func(ctx context.Context) error { return ctr.Engine.RefreshContainer(ctx, ctr.ID()) })
	return nil
}

// DisconnectNetwork disconnects the container from the network, on the
// container's node and with the network as that node knows it.
func (c *Cluster) DisconnectNetwork(ctx context.Context, netRef, containerRef string, force bool) error {
	ctr, netID, err := c.containerNetwork(netRef, containerRef)
	if err != nil {
		return err
	}
	if err := ctr.Engine.Client().NetworkDisconnect(ctx, netID, ctr.ID(), force); err != nil {
		return EngineError(err)
	}
	ctr.Engine.Resync(ctx, "container", func(ctx context.Context) error { return ctr.Engine.RefreshContainer(ctx, ctr.ID()) })
	return nil
}

// containerNetwork resolves a connect or disconnect: the container, and the
// ID of the network on the container's node. A network that the node lacks
// is a not-found error naming the nodes that hold it; a node that is not
// healthy is a *NodeUnavailableError.
func (c *Cluster) containerNetwork(netRef, containerRef string) (*Container, string, error) {
	ctr, err := c.Container(containerRef)
	if err != nil {
		return nil, "", err
	}
	if err := ctr.Available(containerRef); err != nil {
		return nil, "", err // a container on an unhealthy node: classic's 500
	}
	nets, err := c.FindNetworks(netRef)
	if err != nil {
		return nil, "", err
	}
	netID := ""
	var elsewhere []string
	for _, n := range nets {
		if n.Engine == ctr.Engine || !n.IsLocal() {
			netID = n.Network.ID
			break
		}
		elsewhere = append(elsewhere, n.Engine.Name())
	}
	if netID == "" && !strings.Contains(netRef, "/") {
		// Maybe the other node's ID of a network this node has by name.
		if n, ok := ctr.Engine.FindNetwork(nets[0].Network.Name); ok {
			netID = n.ID
		}
	}
	if netID == "" {
		return nil, "", Errorf(ErrNotFound, "network %s not found on node %s, where container %s runs (it is on %s)",
			netRef, ctr.Engine.Name(), ctr.Name(), strings.Join(elsewhere, ", "))
	}
	return ctr, netID, nil
}

// PruneNetworks prunes unused networks on every healthy node (those the
// `node` filter names; the other filters go to the engines). It stops at
// the first node that fails; the nodes before it have been pruned.
func (c *Cluster) PruneNetworks(ctx context.Context, args filters.Args) ([]NodePruneReport, error) {
	engines, args := c.pruneTargets(args)
	out := make([]NodePruneReport, 0, len(engines))
	for _, e := range engines {
		rep, err := e.Client().NetworksPrune(ctx, args)
		if err != nil {
			return nil, onNode(e, err, len(engines) > 1)
		}
		out = append(out, NodePruneReport{Node: e.Name(), Deleted: rep.NetworksDeleted})
		e.Resync(ctx, "networks", e.RefreshNetworks)
	}
	return out, nil
}
