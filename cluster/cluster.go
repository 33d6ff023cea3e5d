package cluster

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/docker/docker/api/types/events"
	log "github.com/sirupsen/logrus"

	"github.com/swarm-project/swarm/cluster/engine"
	"github.com/swarm-project/swarm/cluster/metrics"
	"github.com/swarm-project/swarm/cluster/state"
	"github.com/swarm-project/swarm/discovery"
	"github.com/swarm-project/swarm/scheduler"
	"github.com/swarm-project/swarm/scheduler/node"
)

// Options configure a Cluster.
type Options struct {
	Engine      EngineOptions
	Scheduler   *scheduler.Scheduler
	CreateRetry int // extra engines to try when a create fails
	// EventHistory is how many events `docker events --since` can replay.
	EventHistory int
	// State keeps node availability, manager-side labels and reschedule
	// specs across restarts and failovers; nil means in memory only.
	State state.Store
	// NoOverlay keeps the engines out of swarm mode: `network create -d
	// overlay` is then refused (--cluster-opt swarm.overlay=false).
	NoOverlay bool
	// StartupWait bounds how long the manager is "starting" (startup.go):
	// until every engine of the first discovery answer answered or failed
	// for good. 0 means no startup gate.
	StartupWait time.Duration
}

// Cluster is the set of engines discovery found, and the placement of new
// containers on them.
type Cluster struct {
	opts   Options
	sched  *scheduler.Scheduler
	broker *Broker
	// metrics counts placements once RegisterMetrics ran; nil until then.
	metrics atomic.Pointer[metrics.Metrics]

	mu      sync.RWMutex // guards engines and byID
	engines map[string]*engineRun
	byID    map[string]*Engine

	// fleet is len(engines), for the engines' loops (engineCount).
	fleet atomic.Int64
	// schedMu serializes the commits of placement decisions so that two
	// creates never take the same free resources or name (create.go); it
	// guards pending.
	schedMu sync.Mutex
	pending map[*Engine][]*node.Container

	// gen counts changes of the engine set and of engine names; sorted
	// is Engines' answer for generation sortedGen.
	gen       atomic.Uint64
	sortedMu  sync.Mutex // guards sorted and sortedGen
	sorted    []*Engine
	sortedGen uint64

	execMu sync.Mutex        // guards execs
	execs  map[string]string // exec ID -> engine address

	index placeIndex // each engine's scheduling view, the names in use (placeindex.go)

	sessions buildSessions // open BuildKit sessions

	// epoch moves when an engine joins, leaves or changes health;
	// NewestAPI's answer is kept for one epoch.
	epoch       atomic.Uint64
	newestMu    sync.Mutex // guards newest, newestEpoch and newestOK
	newest      string
	newestEpoch uint64
	newestOK    bool

	// lead says whether, and until when, this manager is the primary
	// (leading.go); the zero value is a single manager, the primary.
	lead leadership

	// nodes caches the node records (availability, manager-side labels;
	// nodes.go); nodesGen moves when one changes, so that the scheduling
	// views are built again.
	nodes    nodeRecords
	nodesGen atomic.Uint64

	resched rescheduler // moves of containers off failed nodes (reschedule.go)

	overlayMu sync.Mutex // serializes changes to the engines' swarm (overlay.go)
	startup   startGate  // the startup gate (startup.go)
}

// maxRefreshesInFlight bounds the full engine refreshes running at once.
const maxRefreshesInFlight = 64

// maxInspectsInFlight bounds the background inspections of containers
// known from list answers only (engine.Options.InspectSlots): at
// registration, thousands of engines list their containers at once.
const maxInspectsInFlight = 4

// maxRememberedExecs bounds the exec ID shortcut map.
const maxRememberedExecs = 100000

type engineRun struct {
	engine *Engine
	cancel context.CancelFunc
	done   chan struct{}
}

// New returns an empty cluster. Call Run to feed it from discovery, or
// AddEngine to add engines by hand.
func New(opts Options) *Cluster {
	if opts.EventHistory <= 0 {
		opts.EventHistory = 10000
	}
	if opts.State == nil {
		opts.State = state.NewMemory()
	}
	if opts.Engine.RefreshSlots == nil {
		opts.Engine.RefreshSlots = make(chan struct{}, maxRefreshesInFlight)
	}
	if opts.Engine.InspectSlots == nil {
		opts.Engine.InspectSlots = make(chan struct{}, maxInspectsInFlight)
	}
	if opts.Engine.Joining == nil {
		opts.Engine.Joining = engine.NewJoining()
	}
	// The placement index reads the engines that changed: every cluster
	// has its own set.
	opts.Engine.Changes = engine.NewChanges()
	c := &Cluster{
		opts:     opts,
		sched:    opts.Scheduler,
		broker:   NewBroker(opts.EventHistory),
		engines:  map[string]*engineRun{},
		byID:     map[string]*Engine{},
		pending:  map[*Engine][]*node.Container{},
		execs:    map[string]string{},
		index:    newPlaceIndex(opts.Engine.Changes),
		sessions: buildSessions{m: map[string]*Engine{}},
		resched:  newRescheduler(),
	}
	if c.opts.Engine.FleetSize == nil {
		c.opts.Engine.FleetSize = c.engineCount
	}
	c.armStartup(opts.StartupWait)
	return c
}

// engineCount is the number of engines the cluster manages (without a
// lock: the engines' loops ask while the cluster may wait for them).
func (c *Cluster) engineCount() int { return int(c.fleet.Load()) }

// Scheduler is the scheduler placing the cluster's containers.
func (c *Cluster) Scheduler() *scheduler.Scheduler { return c.sched }

// Events is the cluster's event broker.
func (c *Cluster) Events() *Broker { return c.broker }

// Run follows the discovery backend until ctx ends, then stops every engine.
func (c *Cluster) Run(ctx context.Context, backend discovery.Backend) {
	defer c.stopAll()
	c.startWatcher(ctx)
	go c.keepIndex(ctx)
	entries, errs := backend.Watch(ctx)
	// lastErr keeps a failing backend (polled every second) from logging
	// the same failure every second: a repeat goes to the debug level.
	lastErr := ""
	for {
		select {
		case <-ctx.Done():
			return
		case err, ok := <-errs:
			if !ok {
				errs = nil
				continue
			}
			if msg := err.Error(); msg != lastErr {
				log.WithError(err).Error("discovery error")
				lastErr = msg
			} else {
				log.WithError(err).Debug("discovery error (again)")
			}
		case list, ok := <-entries:
			if !ok {
				return
			}
			lastErr = ""
			c.SetEntries(ctx, list)
			c.startupListed(list)
		}
	}
}

// SetEntries makes the engine set match the given addresses: engines that
// left are removed first, then new ones are added.
func (c *Cluster) SetEntries(ctx context.Context, entries discovery.Entries) {
	want := map[string]bool{}
	for _, e := range entries {
		want[e.String()] = true
	}
	c.mu.RLock()
	var gone []string
	for addr := range c.engines {
		if !want[addr] {
			gone = append(gone, addr)
		}
	}
	c.mu.RUnlock()
	sort.Strings(gone)
	for _, addr := range gone {
		c.removeEngine(addr, true)
	}
	added := make([]string, 0, len(want))
	for addr := range want {
		added = append(added, addr)
	}
	sort.Strings(added)
	for _, addr := range added {
		if err := c.AddEngine(ctx, addr); err != nil {
			log.WithError(err).WithField("addr", addr).Error("cannot add engine")
		}
	}
}

// AddEngine starts managing the engine at addr (a no-op if it is managed).
func (c *Cluster) AddEngine(ctx context.Context, addr string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.engines[addr]; ok {
		return nil
	}
	e, err := engine.New(addr, &c.opts.Engine, sink{c})
	if err != nil {
		return err
	}
	runCtx, cancel := context.WithCancel(ctx)
	run := &engineRun{engine: e, cancel: cancel, done: make(chan struct{})}
	c.engines[addr] = run
	c.fleet.Store(int64(len(c.engines)))
	c.gen.Add(1)
	c.epoch.Add(1)
	log.WithField("addr", addr).Info("engine added")
	go func() {
		defer close(run.done)
		e.Run(runCtx)
	}()
	return nil
}

// RemoveEngine stops managing the engine at addr.
func (c *Cluster) RemoveEngine(addr string) { c.removeEngine(addr, false) }

// removeEngine stops managing the engine at addr. left says it left the
// discovery: as in classic Swarm, an engine that was ever reached then
// reports engine_disconnect (before engine_remove), as an unhealthy one does.
func (c *Cluster) removeEngine(addr string, left bool) {
	c.mu.Lock()
	run, ok := c.engines[addr]
	if ok {
		delete(c.engines, addr)
		c.fleet.Store(int64(len(c.engines)))
		c.gen.Add(1)
		c.epoch.Add(1)
		if id := run.engine.ID(); id != "" && c.byID[id] == run.engine {
			delete(c.byID, id)
		}
	}
	c.mu.Unlock()
	if !ok {
		return
	}
	run.cancel()
	<-run.done
	// A refresh in flight during the removal may have claimed the ID
	// again (ClaimEngineID refuses removed engines, but it may have run
	// before the delete above): the engine has stopped now, so drop it.
	c.mu.Lock()
	if id := run.engine.ID(); id != "" && c.byID[id] == run.engine {
		delete(c.byID, id)
	}
	c.mu.Unlock()
	log.WithFields(log.Fields{"addr": addr, "name": run.engine.Name()}).Info("engine removed")
	c.forgetView(run.engine)
	if left {
		run.engine.Disconnected()
	}
	run.engine.Removed()
}

func (c *Cluster) stopAll() {
	c.stopStartup()
	c.mu.RLock()
	addrs := make([]string, 0, len(c.engines))
	for addr := range c.engines {
		addrs = append(addrs, addr)
	}
	c.mu.RUnlock()
	for _, addr := range addrs {
		c.RemoveEngine(addr)
	}
	c.resched.stop()
}

// sink is what the engines report to: the cluster.
type sink struct{ c *Cluster }

var _ engine.Sink = sink{}

// ClaimEngineID records that e answers with engine ID id; two addresses
// with one engine ID (a cloned VM, a copied /etc/docker/key.json) are
// refused.
func (s sink) ClaimEngineID(e *Engine, id string) error {
	c := s.c
	c.loadNode(id) // the node's record, the first time its ID is known
	c.mu.Lock()
	defer c.mu.Unlock()
	if run, ok := c.engines[e.Addr()]; !ok || run.engine != e {
		return fmt.Errorf("engine %s was removed from the cluster", e.Addr())
	}
	if other, ok := c.byID[id]; ok && other != e {
		return fmt.Errorf("engine ID %s of %s is already used by %s: give each engine its own ID (remove /etc/docker/key.json and restart it)", id, e.Addr(), other.Addr())
	}
	if old := e.ID(); old != "" && old != id && c.byID[old] == e {
		delete(c.byID, old) // the engine was re-created with a new ID
	}
	c.byID[id] = e
	return nil
}

// EngineEvent publishes an event of e, tagged with e's node.
func (s sink) EngineEvent(e *Engine, ev Event) {
	if ev.Type == engine.ManagerEventType {
		s.c.epoch.Add(1) // connect, disconnect, reconnect: health changed
		s.c.healthChanged(e, string(ev.Action))
		s.c.checkStartup()
	}
	if ev.Type == events.ContainerEventType {
		s.c.containerChanged() // the reschedule specs may need an update
	}
	ev.Node = e.EventNode()
	s.c.broker.Publish(ev)
}

// EngineAPIChanged makes NewestAPI look again: e was upgraded in place.
func (s sink) EngineAPIChanged(*Engine) { s.c.epoch.Add(1) }

// EngineRenamed makes Engines sort again: e's name changed.
func (s sink) EngineRenamed(*Engine) { s.c.gen.Add(1) }

// Engines returns every managed engine, sorted by name. The order is
// computed again only when an engine was added, removed or renamed.
func (c *Cluster) Engines() []*Engine {
	c.sortedMu.Lock()
	defer c.sortedMu.Unlock()
	if gen := c.gen.Load(); c.sorted == nil || gen != c.sortedGen {
		c.sorted = c.sortEngines()
		c.sortedGen = gen
	}
	return append([]*Engine(nil), c.sorted...)
}

func (c *Cluster) sortEngines() []*Engine {
	type named struct {
		name string
		e    *Engine
	}
	c.mu.RLock()
	list := make([]named, 0, len(c.engines))
	for _, r := range c.engines {
		list = append(list, named{e: r.engine})
	}
	c.mu.RUnlock()
	for i := range list {
		list[i].name = list[i].e.Name() // once each: Name takes the engine's lock
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].name != list[j].name {
			return list[i].name < list[j].name
		}
		return list[i].e.Addr() < list[j].e.Addr()
	})
	out := make([]*Engine, len(list))
	for i, n := range list {
		out[i] = n.e
	}
	return out
}

// HealthyEngines returns the engines that take requests, sorted by name.
func (c *Cluster) HealthyEngines() []*Engine {
	var out []*Engine
	for _, e := range c.Engines() {
		if e.IsHealthy() {
			out = append(out, e)
		}
	}
	return out
}

// Engine finds an engine by ID, name or address.
func (c *Cluster) Engine(ref string) (*Engine, error) {
	for _, e := range c.Engines() {
		if e.ID() == ref || e.Name() == ref || e.Addr() == ref {
			return e, nil
		}
	}
	return nil, &NotFoundError{Kind: "node", Ref: ref}
}

// Containers returns every cached container of every engine.
func (c *Cluster) Containers() []*Container {
	var out []*Container
	for _, e := range c.Engines() {
		out = append(out, e.Containers()...)
	}
	return out
}

// Container finds a container by full ID or full swarm ID (the
// com.docker.swarm.id label), by name ("web", "/web" or "node-1/web"), or
// by a prefix of its ID or swarm ID that no other container's ID or swarm
// ID has, in that order, as docker does with IDs. Exact IDs, swarm IDs and
// names are found through each engine's index; only a prefix walks the
// containers.
func (c *Cluster) Container(ref string) (*Container, error) {
	name := strings.TrimPrefix(ref, "/")
	if name == "" {
		return nil, &NotFoundError{Kind: "container", Ref: ref}
	}
	// A full ID, what clients send once they know the container: the
	// placement index says which engine holds it, without asking every
	// engine's cache (an ID match wins over any other kind below).
	if len(name) == engine.IDLength && engine.IsHex(name) {
		if e := c.idHolder(name); e != nil && c.managed(e) {
			if ct := e.Lookup(name); ct != nil && ct.ID() == name {
				return ct, nil
			}
		}
	}
	engines := c.Engines()
	var byName, bySwarmID []*Container
	for _, e := range engines {
		if ct := e.Lookup(name); ct != nil {
			if ct.ID() == name {
				return ct, nil
			}
			byName = append(byName, ct)
		}
		if ct := e.BySwarmID(name); ct != nil {
			bySwarmID = append(bySwarmID, ct)
		}
	}
	if len(bySwarmID) > 0 {
		if ct, ok := swarmTwin(bySwarmID, name); ok {
			return ct, nil
		}
		return nil, Errorf(ErrInvalid, "swarm ID %s is used by several containers (on %s): use the container ID", ref, containerNodes(bySwarmID))
	}
	if nodeName, rest, ok := strings.Cut(name, "/"); ok && len(byName) == 0 {
		for _, e := range engines {
			if e.Name() == nodeName {
				if ct := e.Lookup(rest); ct != nil {
					return ct, nil
				}
			}
		}
	}
	switch {
	case len(byName) == 1:
		return byName[0], nil
	case len(byName) > 1:
		// A rescheduled container and its old copy on a node that is
		// down share the name and the swarm ID: the reference means the
		// copy that runs.
		if sid := byName[0].SwarmID(); sid != "" {
			if ct, ok := swarmTwin(byName, sid); ok {
				return ct, nil
			}
		}
		return nil, Errorf(ErrInvalid, "container name %q is used on several nodes (%s): use node/name or the ID", name, containerNodes(byName))
	}
	var byPrefix []*Container
	for _, e := range engines {
		if !engine.IsHex(name) {
			break
		}
		for _, ct := range e.Containers() {
			if strings.HasPrefix(ct.ID(), name) || strings.HasPrefix(ct.SwarmID(), name) {
				byPrefix = append(byPrefix, ct)
			}
		}
	}
	if ct, ok := swarmTwin(byPrefix, name); ok {
		return ct, nil
	}
	if len(byPrefix) > 1 {
		return nil, Errorf(ErrInvalid, "multiple IDs found with provided prefix: %s", ref)
	}
	return nil, &NotFoundError{Kind: "container", Ref: ref}
}

func containerNodes(cs []*Container) string {
	names := make([]string, len(cs))
	for i, ct := range cs {
		names[i] = ct.Engine.Name()
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// RememberExec records which engine holds an exec instance.
func (c *Cluster) RememberExec(execID string, e *Engine) {
	c.execMu.Lock()
	defer c.execMu.Unlock()
	if len(c.execs) >= maxRememberedExecs {
		// The map is only a shortcut: ExecEngine falls back to the
		// containers' exec IDs, so forgetting is safe.
		c.execs = map[string]string{}
	}
	c.execs[execID] = e.Addr()
}

// ExecEngine finds the engine that holds an exec instance: from what the
// manager saw created, else from the containers' cached exec IDs.
func (c *Cluster) ExecEngine(execID string) (*Engine, error) {
	c.execMu.Lock()
	addr, ok := c.execs[execID]
	c.execMu.Unlock()
	if ok {
		c.mu.RLock()
		run, found := c.engines[addr]
		c.mu.RUnlock()
		if found {
			return run.engine, nil
		}
	}
	for _, ct := range c.Containers() {
		for _, id := range ct.ExecIDs() {
			if id == execID {
				return ct.Engine, nil
			}
		}
	}
	return nil, &NotFoundError{Kind: "exec instance", Ref: execID}
}

// WaitHealthy blocks until n engines are healthy or ctx ends.
func (c *Cluster) WaitHealthy(ctx context.Context, n int) error {
	for {
		if len(c.HealthyEngines()) >= n {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}
