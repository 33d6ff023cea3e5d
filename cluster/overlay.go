package cluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/docker/docker/api/types/swarm"
	"github.com/docker/docker/api/types/system"
	log "github.com/sirupsen/logrus"
)

// Overlay networks span engines through the engines' own swarm mode: the
// manager makes its engines one swarm-mode cluster (for networking only:
// it runs no services there), creates overlay networks attachable, and
// standalone containers on any engine join them. The swarm is made on the
// first overlay create; later the keeper joins engines that arrive and
// removes from the swarm the nodes that left the cluster.

// Timeouts of the swarm calls: a join waits for the manager's certificate
// and raft, which takes a few seconds.
const (
	swarmCallTimeout    = 60 * time.Second
	overlayKeepInterval = 10 * time.Second
	swarmInfoTimeout    = 10 * time.Second
	// swarmListenAddr is where engines listen for the swarm's control
	// traffic: port 2377 on all their addresses.
	swarmListenAddr = "0.0.0.0:2377"
)

// errOverlayOff answers an overlay create on a manager told not to use
// swarm mode.
var errOverlayOff = Errorf(ErrUnavailable, "overlay networks are turned off on this manager (--cluster-opt swarm.overlay=false)")

// overlaySwarm makes sure the healthy engines form one swarm and returns a
// manager engine of it, where overlay networks are created, with a warning
// for each engine that could not join. With mayInit false (the keeper) it
// makes no new swarm and returns a nil engine when there is none.
func (c *Cluster) overlaySwarm(ctx context.Context, mayInit bool) (*Engine, []string, error) {
	c.overlayMu.Lock()
	defer c.overlayMu.Unlock()
	engines := c.HealthyEngines()
	if len(engines) == 0 {
		return nil, nil, errNoHealthyNode()
	}
	infos, warnings := readSwarmInfo(ctx, engines)
	var members []swarmMember
	var memberEngines []*Engine
	for i, e := range engines {
		if infos[i] == nil {
			continue
		}
		members = append(members, memberOf(e.Name(), infos[i].Swarm))
		memberEngines = append(memberEngines, e)
	}
	plan := planSwarm(members, mayInit)
	for _, i := range plan.foreign {
		m := members[i]
		warnings = append(warnings, fmt.Sprintf("%s is in another swarm or in swarm state %q: overlay networks do not reach it", m.name, m.state))
	}
	if plan.cluster == "" && plan.init < 0 {
		if !mayInit {
			return nil, warnings, nil
		}
		return nil, warnings, Errorf(ErrUnavailable, "no engine can start a swarm for overlay networks: every healthy engine is in another swarm (%s)", strings.Join(warnings, "; "))
	}
	var mgr *Engine
	if plan.init >= 0 {
		mgr = memberEngines[plan.init]
		if err := initSwarm(ctx, mgr); err != nil {
			return nil, warnings, err
		}
	} else {
		mgr = memberEngines[plan.manager]
	}
	if len(plan.join) == 0 && len(plan.promote) == 0 {
		if plan.init >= 0 {
			mgr.Kick()
		}
		return mgr, warnings, nil
	}
	sctx, cancel := context.WithTimeout(ctx, swarmCallTimeout)
	defer cancel()
	sw, err := mgr.Client().SwarmInspect(sctx)
	if err != nil {
		return nil, warnings, onNode(mgr, err, true)
	}
	info, err := mgr.Client().Info(sctx)
	if err != nil {
		return nil, warnings, onNode(mgr, err, true)
	}
	remotes := managerAddrs(info.Swarm)
	for k, i := range plan.join {
		e := memberEngines[i]
		if err := joinSwarm(ctx, e, remotes, sw.JoinTokens, plan.asManager[k]); err != nil {
			warnings = append(warnings, err.Error())
			continue
		}
		if plan.asManager[k] {
			remotes = append(remotes, net.JoinHostPort(advertiseAddr(e), "2377"))
		}
	}
	for _, i := range plan.promote {
		if err := promote(ctx, mgr, memberEngines[i], members[i].nodeID); err != nil {
			warnings = append(warnings, err.Error())
		}
	}
	for _, e := range memberEngines {
		e.Kick()
	}
	return mgr, warnings, nil
}

// readSwarmInfo reads every engine's /info at once (the cached one may be a
// refresh old); an engine that does not answer is left out (nil) with a
// warning.
func readSwarmInfo(ctx context.Context, engines []*Engine) ([]*system.Info, []string) {
	infos := make([]*system.Info, len(engines))
	errs := make([]error, len(engines))
	var wg sync.WaitGroup
	for i, e := range engines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(ctx, swarmInfoTimeout)
			defer cancel()
			info, err := e.Client().Info(ctx)
			if err != nil {
				errs[i] = err
				return
			}
			infos[i] = &info
		}()
	}
	wg.Wait()
	var warnings []string
	for i, err := range errs {
		if err != nil {
			warnings = append(warnings, fmt.Sprintf("%s: reading its swarm state: %v", engines[i].Name(), err))
		}
	}
	return infos, warnings
}

// memberOf is an engine's swarm state as planSwarm reads it.
func memberOf(name string, s swarm.Info) swarmMember {
	m := swarmMember{name: name, state: s.LocalNodeState, nodeID: s.NodeID, manager: s.ControlAvailable}
	if m.state == "" {
		m.state = swarm.LocalNodeStateInactive
	}
	if s.Cluster != nil {
		m.cluster = s.Cluster.ID
		_, m.ours = s.Cluster.Spec.Labels[OverlayLabel]
	}
	for _, p := range s.RemoteManagers {
		m.managers = append(m.managers, p.NodeID)
	}
	return m
}

// managerAddrs are the swarm addresses of the managers an engine knows.
func managerAddrs(s swarm.Info) []string {
	var out []string
	for _, p := range s.RemoteManagers {
		if p.Addr != "" {
			out = append(out, p.Addr)
		}
	}
	return out
}

// advertiseAddr is the address an engine gives the swarm: the IP the
// manager reaches it at (a host name is resolved; swarm mode takes IPs
// and interface names only).
func advertiseAddr(e *Engine) string {
	host := e.IP()
	if net.ParseIP(host) != nil {
		return host
	}
	if ips, err := net.LookupHost(host); err == nil && len(ips) > 0 {
		return ips[0]
	}
	return host
}

// initSwarm starts a new swarm on e, labelled as the manager's.
func initSwarm(ctx context.Context, e *Engine) error {
	ctx, cancel := context.WithTimeout(ctx, swarmCallTimeout)
	defer cancel()
	req := swarm.InitRequest{
		ListenAddr:    swarmListenAddr,
		AdvertiseAddr: advertiseAddr(e),
		Spec:          swarm.Spec{Annotations: swarm.Annotations{Labels: map[string]string{OverlayLabel: "true"}}},
	}
	if _, err := e.Client().SwarmInit(ctx, req); err != nil {
		return Errorf(ErrUnavailable, "starting a swarm on %s for overlay networks: %v", e.Name(), EngineError(err))
	}
	log.WithFields(log.Fields{"node": e.Name(), "addr": e.Addr(), "advertise": req.AdvertiseAddr}).
		Info("overlay networks: started a swarm-mode cluster on the node (swarm init); it runs no services")
	return nil
}

// joinSwarm joins e to the swarm whose managers listen at remotes.
func joinSwarm(ctx context.Context, e *Engine, remotes []string, tokens swarm.JoinTokens, asManager bool) error {
	ctx, cancel := context.WithTimeout(ctx, swarmCallTimeout)
	defer cancel()
	token, role := tokens.Worker, "worker"
	if asManager {
		token, role = tokens.Manager, "manager"
	}
	req := swarm.JoinRequest{ListenAddr: swarmListenAddr, AdvertiseAddr: advertiseAddr(e), RemoteAddrs: remotes, JoinToken: token}
	if err := e.Client().SwarmJoin(ctx, req); err != nil {
		log.WithFields(log.Fields{"node": e.Name(), "addr": e.Addr(), "role": role}).WithError(err).
			Warn("overlay networks: the node could not join the swarm")
		return fmt.Errorf("%s could not join the swarm of overlay networks: %v", e.Name(), EngineError(err))
	}
	log.WithFields(log.Fields{"node": e.Name(), "addr": e.Addr(), "role": role}).
		Info("overlay networks: the node joined the swarm (swarm join)")
	return nil
}

// promote makes the worker e (swarm node nodeID) a manager, through mgr.
func promote(ctx context.Context, mgr, e *Engine, nodeID string) error {
	ctx, cancel := context.WithTimeout(ctx, swarmCallTimeout)
	defer cancel()
	n, _, err := mgr.Client().NodeInspectWithRaw(ctx, nodeID)
	if err == nil {
		n.Spec.Role = swarm.NodeRoleManager
		err = mgr.Client().NodeUpdate(ctx, n.ID, n.Version, n.Spec)
	}
	if err != nil {
		return fmt.Errorf("%s could not become a swarm manager: %v", e.Name(), EngineError(err))
	}
	log.WithFields(log.Fields{"node": e.Name(), "addr": e.Addr()}).Info("overlay networks: promoted the node to swarm manager")
	return nil
}

// keepOverlay runs the keeper every overlayKeepInterval until ctx ends.
func (c *Cluster) keepOverlay(ctx context.Context) {
	if c.opts.NoOverlay {
		return
	}
	every(ctx, overlayKeepInterval, func() { c.keepOverlayOnce(ctx) })
}

// keepOverlayOnce keeps the manager's swarm (the one labelled OverlayLabel)
// complete: healthy engines outside it join, and nodes of engines that
// left the cluster and are down are removed from it. Only the primary
// manager does this, and only when the cached state says there is work.
func (c *Cluster) keepOverlayOnce(ctx context.Context) {
	if !c.Leading() || !c.overlayWork() {
		return
	}
	mgr, warnings, err := c.overlaySwarm(ctx, false)
	if err != nil && !errors.Is(err, ErrUnavailable) {
		log.WithError(err).Warn("overlay networks: keeping the swarm complete failed")
	}
	for _, w := range warnings {
		log.Debug("overlay networks: " + w)
	}
	if mgr != nil {
		c.pruneSwarmNodes(ctx, mgr)
	}
}

// overlayWork reports from the caches whether the keeper has something to
// do: the manager's swarm exists, and a healthy engine is not in it or a
// swarm node is not one of the cluster's engines.
func (c *Cluster) overlayWork() bool {
	ours, inactive := false, false
	known := map[string]bool{}
	nodes, managers, healthy := 0, 0, 0
	for _, e := range c.Engines() {
		s := e.Info().Swarm
		if s.NodeID != "" {
			known[s.NodeID] = true
		}
		if s.Cluster != nil {
			if _, ok := s.Cluster.Spec.Labels[OverlayLabel]; ok && s.ControlAvailable {
				ours = true
				nodes = max(nodes, s.Nodes)
				managers = max(managers, s.Managers)
			}
		}
		if e.IsHealthy() {
			healthy++
			if s.LocalNodeState == "" || s.LocalNodeState == swarm.LocalNodeStateInactive {
				inactive = true
			}
		}
	}
	return ours && (inactive || nodes > len(known) || managers < wantManagers(healthy))
}

// pruneSwarmNodes removes from the manager's swarm the nodes that are down
// and belong to no engine of the cluster (the engine left discovery):
// managers are demoted first, as swarm mode requires.
func (c *Cluster) pruneSwarmNodes(ctx context.Context, mgr *Engine) {
	known := map[string]bool{}
	for _, e := range c.Engines() {
		if id := e.Info().Swarm.NodeID; id != "" {
			known[id] = true
		}
	}
	ctx, cancel := context.WithTimeout(ctx, swarmCallTimeout)
	defer cancel()
	nodes, err := mgr.Client().NodeList(ctx, swarm.NodeListOptions{})
	if err != nil {
		log.WithError(err).Debug("overlay networks: listing the swarm's nodes failed")
		return
	}
	for _, n := range nodes {
		if known[n.ID] || n.Status.State != swarm.NodeStateDown {
			continue
		}
		fields := log.Fields{"swarm_node": n.ID, "hostname": n.Description.Hostname}
		if n.Spec.Role == swarm.NodeRoleManager {
			n.Spec.Role = swarm.NodeRoleWorker
			if err := mgr.Client().NodeUpdate(ctx, n.ID, n.Version, n.Spec); err != nil {
				log.WithFields(fields).WithError(err).Warn("overlay networks: demoting a departed manager failed")
				continue
			}
		}
		if err := mgr.Client().NodeRemove(ctx, n.ID, swarm.NodeRemoveOptions{Force: true}); err != nil {
			log.WithFields(fields).WithError(err).Warn("overlay networks: removing a departed node from the swarm failed")
			continue
		}
		log.WithFields(fields).Info("overlay networks: removed a node that left the cluster from the swarm")
	}
}
