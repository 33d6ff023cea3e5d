package cluster

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/network"
	log "github.com/sirupsen/logrus"

	"github.com/swarm-project/swarm/cluster/engine"
	"github.com/swarm-project/swarm/cluster/state"
	"github.com/swarm-project/swarm/filters"
)

// This file keeps the desired state of the containers that have a
// reschedule policy: one Spec per swarm ID in the state store, under
// specDir. A Spec is written when such a container is created (from the
// request as the client sent it, normalized), kept current by a watcher
// that follows the engines' container events (rename, start, stop,
// remove), and read when the container must be created again: by MoveOff
// when its node fails, and by TakeOver when a manager becomes the primary
// and finds a node that died before it could act.

// specDir is the state store directory of the container specs.
const specDir = "containers"

// Spec is what the manager needs to create a container again on another
// node.
type Spec struct {
	Name        string `json:"Name"`
	SwarmID     string `json:"SwarmID"`
	Node        string `json:"Node"`   // the engine's name
	NodeID      string `json:"NodeID"` // the engine's ID
	ContainerID string `json:"ContainerID"`
	// Running is whether the container ran when last seen: a copy made
	// again is started only then, as classic Swarm did.
	Running          bool                      `json:"Running"`
	Config           *container.Config         `json:"Config"`
	HostConfig       *container.HostConfig     `json:"HostConfig"`
	NetworkingConfig *network.NetworkingConfig `json:"NetworkingConfig,omitempty"`
}

func specKey(swarmID string) string { return specDir + "/" + swarmID }

// request is the create request that makes the container again; the
// request owns its copies of the labels and env.
func (s *Spec) request() CreateRequest {
	cfg := container.Config{}
	if s.Config != nil {
		cfg = *s.Config
	}
	cfg.Labels = maps.Clone(cfg.Labels)
	cfg.Env = slices.Clone(cfg.Env)
	if cfg.Labels == nil {
		cfg.Labels = map[string]string{}
	}
	if s.SwarmID != "" {
		cfg.Labels[engine.SwarmIDLabel] = s.SwarmID
	}
	hc := container.HostConfig{}
	if s.HostConfig != nil {
		hc = *s.HostConfig
	}
	return CreateRequest{Name: s.Name, Config: &cfg, HostConfig: &hc, NetworkingConfig: s.NetworkingConfig}
}

// recordCreated writes the spec of a container just created through the
// manager, when it has a reschedule policy. cfg is the normalized config
// (expressions in labels, the swarm ID set).
func (c *Cluster) recordCreated(ctx context.Context, name string, cfg *container.Config, req CreateRequest, e *Engine, id string) {
	if !filters.Reschedules(cfg.Labels) || cfg.Labels[engine.SwarmIDLabel] == "" {
		return
	}
	if name == "" {
		if ct := e.Lookup(id); ct != nil {
			name = ct.Name()
		}
	}
	c.putSpec(ctx, &Spec{
		Name:             name,
		SwarmID:          cfg.Labels[engine.SwarmIDLabel],
		Node:             e.Name(),
		NodeID:           e.ID(),
		ContainerID:      id,
		Config:           cfg,
		HostConfig:       req.HostConfig,
		NetworkingConfig: req.NetworkingConfig,
	})
}

// putSpec writes s; a store that fails is logged: the cache still lets a
// single manager reschedule.
func (c *Cluster) putSpec(ctx context.Context, s *Spec) {
	data, err := json.Marshal(s)
	if err == nil {
		err = c.opts.State.Put(context.WithoutCancel(ctx), specKey(s.SwarmID), data)
	}
	if err != nil {
		log.WithError(err).WithFields(log.Fields{"container": s.Name, "swarm_id": s.SwarmID}).Warn("cannot record the container's spec")
	}
}

// getSpec reads the spec of a swarm ID; ok is false when there is none.
func (c *Cluster) getSpec(ctx context.Context, sid string) (*Spec, bool) {
	if sid == "" {
		return nil, false
	}
	data, err := c.opts.State.Get(ctx, specKey(sid))
	if err != nil {
		if !errors.Is(err, state.ErrNotFound) {
			log.WithError(err).WithField("swarm_id", sid).Warn("cannot read the container's spec")
		}
		return nil, false
	}
	var s Spec
	if err := json.Unmarshal(data, &s); err != nil || s.Config == nil {
		log.WithField("swarm_id", sid).Warn("the container's recorded spec is not readable; using the cache")
		return nil, false
	}
	return &s, true
}

// Specs returns the recorded specs, by swarm ID.
func (c *Cluster) Specs(ctx context.Context) (map[string]*Spec, error) {
	raw, err := c.opts.State.List(ctx, specDir)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*Spec, len(raw))
	for sid, data := range raw {
		var s Spec
		if json.Unmarshal(data, &s) == nil && s.Config != nil {
			out[sid] = &s
		}
	}
	return out, nil
}

// specOf is the spec to create ct again from: the recorded one (with the
// name and state the cache holds now), else one built from the cache.
func (c *Cluster) specOf(ctx context.Context, ct *Container) *Spec {
	if s, ok := c.getSpec(ctx, ct.SwarmID()); ok {
		s.Name = ct.Name()
		s.Running = ct.State() == "running"
		return s
	}
	return specFromCache(ct)
}

// specFromCache builds a spec from what the engine reported about ct: its
// config, host config and networks. The engine's CpuShares (its share of
// its CPUs) becomes the CPUs a create asks for; the host name the engine
// made from the ID, and the ID's alias on networks, are dropped.
func specFromCache(ct *Container) *Spec {
	info := ct.Info()
	cfg := container.Config{}
	if info.Config != nil {
		cfg = *info.Config
	}
	cfg.Labels = maps.Clone(cfg.Labels)
	cfg.Env = slices.Clone(cfg.Env)
	short := ct.ID()
	if len(short) > 12 {
		short = short[:12]
	}
	if cfg.Hostname != "" && strings.HasPrefix(ct.ID(), cfg.Hostname) {
		cfg.Hostname = ""
	}
	hc := container.HostConfig{}
	if info.ContainerJSONBase != nil && info.HostConfig != nil {
		hc = *info.HostConfig
	}
	if hc.CPUShares > 0 {
		hc.CPUShares = engine.ReservedCPUs(&container.HostConfig{Resources: container.Resources{CPUShares: hc.CPUShares}}, ct.Engine.Info().NCPU) / NanoCPU
	}
	var nc *network.NetworkingConfig
	if ns := info.NetworkSettings; ns != nil {
		eps := map[string]*network.EndpointSettings{}
		for name, ep := range ns.Networks {
			if ep == nil || name == "bridge" || name == "host" || name == "none" {
				continue
			}
			var aliases []string
			for _, a := range ep.Aliases {
				if a != short && a != ct.ID() {
					aliases = append(aliases, a)
				}
			}
			eps[name] = &network.EndpointSettings{Aliases: aliases, Links: ep.Links, IPAMConfig: ep.IPAMConfig}
		}
		if len(eps) > 0 {
			nc = &network.NetworkingConfig{EndpointsConfig: eps}
		}
	}
	return &Spec{
		Name:             ct.Name(),
		SwarmID:          ct.SwarmID(),
		Node:             ct.Engine.Name(),
		NodeID:           ct.Engine.ID(),
		ContainerID:      ct.ID(),
		Running:          ct.State() == "running",
		Config:           &cfg,
		HostConfig:       &hc,
		NetworkingConfig: nc,
	}
}

// syncSpecs makes the store match the cache: a policy container of a
// healthy engine has a spec naming its current name, node, ID and state
// (written from the cache when the manager did not create it); a spec
// whose container is gone from a healthy node (removed) is deleted. Specs
// of containers on nodes that are down or unknown stay: they are the
// containers to reschedule. Only the primary writes.
func (c *Cluster) syncSpecs(ctx context.Context) {
	if !c.Leading() {
		return
	}
	r := &c.resched
	r.mu.Lock()
	defer r.mu.Unlock()
	specs, err := c.Specs(ctx)
	if err != nil {
		log.WithError(err).Warn("cannot read the container specs")
		return
	}
	// One walk over the engines: after every burst of container events
	// at 10,000 engines, a second one (liveCopies) and the list of the
	// healthy engines were most of this function's cost.
	type policed struct {
		e  *Engine
		cs []*Container
	}
	var withPolicy []policed
	live := map[string][]*Container{} // as liveCopies
	engines := c.Engines()
	for _, e := range engines {
		cs := e.Reschedulable()
		if len(cs) == 0 {
			continue
		}
		withPolicy = append(withPolicy, policed{e, cs})
		if e.IsHealthy() {
			for _, ct := range cs {
				if sid := ct.SwarmID(); sid != "" {
					live[sid] = append(live[sid], ct)
				}
			}
		}
	}
	seen := map[string]bool{}
	for _, p := range withPolicy {
		e := p.e
		// Only containers with a policy have specs (recordCreated), and
		// a copy made again elsewhere keeps its labels.
		for _, ct := range p.cs {
			sid := ct.SwarmID()
			if sid == "" {
				continue
			}
			seen[sid] = true
			if !e.IsHealthy() || !filters.Reschedules(ct.Labels()) {
				continue
			}
			s, ok := specs[sid]
			if len(live[sid]) > 1 && (!ok || s.ContainerID != ct.ID()) {
				continue // a moved container and its old copy, back before its removal
			}
			if !ok {
				c.putSpec(ctx, specFromCache(ct))
				continue
			}
			if unstartedMove(s, ct) {
				continue // reconcile starts it, then records it
			}
			next := *s
			next.Name, next.Node, next.NodeID, next.ContainerID = ct.Name(), e.Name(), e.ID(), ct.ID()
			next.Running = ct.State() == "running"
			if a, b := mustJSON(s), mustJSON(&next); !bytes.Equal(a, b) {
				c.putSpec(ctx, &next)
			}
		}
	}
	for sid, s := range specs {
		if seen[sid] {
			continue
		}
		for _, e := range engines {
			if (e.ID() == s.NodeID || (s.NodeID == "" && e.Name() == s.Node)) && e.IsHealthy() {
				if err := c.opts.State.Delete(ctx, specKey(sid)); err != nil {
					log.WithError(err).WithField("swarm_id", sid).Warn("cannot delete the container's spec")
				}
				break
			}
		}
	}
}

// liveCopies maps each swarm ID of a container with a reschedule policy
// to its containers on healthy engines
// (one, unless a moved container's old copy is back and not yet removed).
func (c *Cluster) liveCopies() map[string][]*Container {
	out := map[string][]*Container{}
	for _, e := range c.HealthyEngines() {
		for _, ct := range e.Reschedulable() {
			if sid := ct.SwarmID(); sid != "" {
				out[sid] = append(out[sid], ct)
			}
		}
	}
	return out
}

// elsewhere reports whether one of copies is on an engine other than e.
func elsewhere(copies []*Container, e *Engine) bool {
	for _, ct := range copies {
		if ct.Engine != e {
			return true
		}
	}
	return false
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// watchInterval is how often the watcher reconciles: it retries the moves
// that failed and reschedules from specs whose node went away.
const watchInterval = 5 * time.Second

// startWatcher starts the goroutine that keeps the specs current and, once
// the first refresh round is over, runs TakeOver (a single manager is the
// primary from the start) and then reconciles every watchInterval. It
// ends with ctx or when the cluster stops.
func (c *Cluster) startWatcher(ctx context.Context) {
	r := &c.resched
	r.spawn(func(bg context.Context) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		defer context.AfterFunc(bg, cancel)()
		c.watch(ctx)
	})
	r.spawn(func(bg context.Context) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		defer context.AfterFunc(bg, cancel)()
		c.keepOverlay(ctx)
	})
}

func (c *Cluster) watch(ctx context.Context) {
	r := &c.resched
	started := false
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	last := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.dirty:
			// Let a burst of events land before reading the caches.
			select {
			case <-ctx.Done():
				return
			case <-time.After(100 * time.Millisecond):
			}
			c.syncSpecs(ctx)
		case <-tick.C:
			if !started {
				if !c.firstRoundDone() {
					continue
				}
				started = true
				c.syncSpecs(ctx)
				c.TakeOver(ctx)
				last = time.Now()
				continue
			}
			if time.Since(last) >= watchInterval {
				last = time.Now()
				c.reconcile(ctx, true)
			}
		}
	}
}

// firstRoundDone reports whether every engine was tried once (none is
// still Pending) and there is at least one.
func (c *Cluster) firstRoundDone() bool {
	if j := c.opts.Engine.Joining; j != nil && j.Len() > 0 {
		return false // an engine in its first round is Pending
	}
	engines := c.Engines()
	if len(engines) == 0 {
		return false
	}
	for _, e := range engines {
		if e.Health() == Pending {
			return false
		}
	}
	return true
}

// containerChanged tells the watcher that a container event arrived.
func (c *Cluster) containerChanged() {
	select {
	case c.resched.dirty <- struct{}{}:
	default:
	}
}
