package engine

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/events"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/system"
	"github.com/docker/docker/api/types/versions"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/client"
	log "github.com/sirupsen/logrus"
)

// MinEngineAPIVersion is the oldest engine API the manager drives
// (Docker 1.12).
const MinEngineAPIVersion = "1.24"

// requestTimeout bounds every refresh request the manager makes on its own.
const requestTimeout = 30 * time.Second

// Options are shared by every engine of a cluster.
type Options struct {
	RefreshMin   time.Duration // shortest pause between two full refreshes
	RefreshMax   time.Duration // longest pause between two full refreshes
	FailureRetry int           // consecutive failures that make an engine Unhealthy
	TLS          *tls.Config   // client TLS towards engines, nil for plain HTTP
	// Transport is the shared, bounded connection pool used for every
	// request to every engine.
	Transport *http.Transport
	// EventTransport carries the one long-lived /events stream per engine.
	EventTransport *http.Transport
	// RefreshSlots, when not nil, bounds how many full refreshes run at
	// once (its capacity); the cluster sets it.
	RefreshSlots chan struct{}
	// InspectSlots, when not nil, bounds how many background inspections
	// of listed containers run at once across the fleet (its capacity).
	InspectSlots chan struct{}
	// Joining, when not nil, counts the engines whose first round has not
	// ended yet. Background inspections wait while it is above zero: when
	// thousands of engines register at once, their first rounds come
	// before the inspection of their containers.
	Joining *Joining
	// Changes, when not nil, collects the engines whose Generation moved,
	// for the cluster's placement index.
	Changes *Changes
	// FleetSize, when set, is the number of engines of the cluster: the
	// pauses between pings and between reconciliations grow with it, so
	// that the fleet as a whole is asked at bounded rates (schedule.go).
	FleetSize func() int
}

// Sink is what an engine tells its cluster. The cluster implements it; an
// engine gets its sink at construction and never changes it. The methods
// are called without e.mu held (from the engine's refresh and event loops,
// and engine_remove from Removed once they stopped), so an implementation
// may call back into the engine's read methods.
type Sink interface {
	// EngineEvent hands over an engine event (from the daemon's /events
	// stream) or a manager event (engine_connect, engine_disconnect, ...)
	// to publish.
	EngineEvent(e *Engine, ev Event)
	// ClaimEngineID is called before e takes engine ID id; an error (a
	// second address answering with an ID another engine holds) fails the
	// refresh and leaves the engine's ID unchanged.
	ClaimEngineID(e *Engine, id string) error
	// EngineRenamed reports that the engine's name changed.
	EngineRenamed(e *Engine)
	// EngineAPIChanged reports that the engine's API range changed (it
	// was upgraded or downgraded in place).
	EngineAPIChanged(e *Engine)
}

// discardSink is the sink of an engine without a cluster (tests): events
// are dropped, every ID claim succeeds.
type discardSink struct{}

func (discardSink) EngineEvent(*Engine, Event)          {}
func (discardSink) ClaimEngineID(*Engine, string) error { return nil }
func (discardSink) EngineRenamed(*Engine)               {}
func (discardSink) EngineAPIChanged(*Engine)            {}

// Engine is one Docker daemon of the cluster and its cached state.
//
// The Engine type is the one writer of its cache (id, name, info, the
// containers, names, swarmIDs, gone, images, networks and volumes maps and lists, and
// the scheduling view node): every write is done by an Engine method while
// holding e.mu, and nothing outside those methods assigns the fields. The
// methods are driven from three places:
//
//   - the refresh loop (run, refresh) re-reads everything on a jittered
//     timer or when kicked;
//   - the event loop (watchEvents, handleEvent) re-reads or drops what one
//     daemon event names;
//   - the cluster's and the API's operations re-read what they changed
//     through RefreshContainer, RefreshImages, RefreshNetworks,
//     RefreshVolumes and resync.
//
// Container reads are ordered by the reads counter (see Container.seq), so
// whichever of these finishes last, the newest read wins. What the engine
// reports back to the cluster goes through its sink, never through the
// cluster's fields.
type Engine struct {
	addr string
	opts *Options
	// clients are replaced when the engine's API range changes.
	clients atomic.Pointer[clients]
	base    *url.URL
	// pingRequest is ping's request: GET /_ping, closing the connection.
	pingRequest string
	sink        Sink          // the cluster's side; never nil in an engine built by New
	kick        chan struct{} // asks the refresh loop for an early round
	// fillKick asks the fill loop to inspect the listed containers.
	fillKick chan struct{}
	// streamSince is when the current event stream started (UnixNano),
	// 0 while there is none.
	streamSince atomic.Int64
	reads       atomic.Uint64 // numbers container reads, to order their answers
	lists       atomic.Uint64 // numbers image, network and volume list reads, likewise
	// refreshErrs and eventErrs count failed refreshes and ended event
	// streams, for the metrics.
	refreshErrs, eventErrs atomic.Uint64
	// promMu guards prom, the reads the manager promised (promises.go).
	promMu sync.Mutex
	prom   promises

	mu        sync.RWMutex // guards every field below
	id, name  string
	labels    map[string]string // engine labels plus default tags
	info      system.Info
	version   types.Version
	health    healthState
	lastErr   string
	updatedAt time.Time
	// containers by full ID. Entries are never modified once stored:
	// an update replaces the pointer, so readers may keep them.
	containers map[string]*Container
	names      map[string]string     // container name (no slash) -> full ID
	swarmIDs   map[string]string     // com.docker.swarm.id label -> full ID (one of them if set twice by hand)
	policies   map[string]*Container // by full ID: the containers with a reschedule policy label
	gone       map[string]uint64     // container ID -> read seq that saw it removed
	listed     [listKinds]uint64     // the lists seq of each kind's stored list (newestList)
	images     []image.Summary
	networks   []network.Summary
	volumes    []*volume.Volume
	// gen counts the changes of what the engine caches; the cluster's
	// scheduling view of the engine is rebuilt when it moved.
	gen atomic.Uint64
	// queued is set while the engine waits in Options.Changes.
	queued atomic.Bool
	// unread counts the cached containers known from a list answer only
	// (listed); guarded by mu.
	unread int
}

// New builds the engine at addr; it reports to sink (nil: to nobody). It
// does not contact the engine: Run does.
func New(addr string, opts *Options, sink Sink) (*Engine, error) {
	if sink == nil {
		sink = discardSink{}
	}
	scheme := "http"
	if opts.TLS != nil {
		scheme = "https"
	}
	base := &url.URL{Scheme: scheme, Host: addr}
	cl, err := newClients(addr, scheme, opts)
	if err != nil {
		return nil, err
	}
	e := &Engine{
		addr:        addr,
		opts:        opts,
		base:        base,
		pingRequest: "GET /_ping HTTP/1.1\r\nHost: " + addr + "\r\nUser-Agent: swarm\r\nConnection: close\r\n\r\n",
		sink:        sink,
		kick:        make(chan struct{}, 1),
		fillKick:    make(chan struct{}, 1),
		health:      healthState{retry: opts.FailureRetry},
		containers:  map[string]*Container{},
		names:       map[string]string{},
		swarmIDs:    map[string]string{},
		gone:        map[string]uint64{},
	}
	e.clients.Store(cl)
	return e, nil
}

// clients are an engine's Docker API clients, negotiated for one API range
// of the engine.
type clients struct {
	api    *client.Client
	events *client.Client // for the /events stream only
	// pinged is the engine's newest API when they were negotiated ("" not
	// yet): an engine upgraded in place gets new clients.
	pinged string
}

func newClients(addr, scheme string, opts *Options) (*clients, error) {
	eventTransport := opts.EventTransport
	if eventTransport == nil {
		eventTransport = opts.Transport
	}
	api, err := newClient(addr, scheme, opts.Transport)
	if err != nil {
		return nil, err
	}
	events, err := newClient(addr, scheme, eventTransport)
	if err != nil {
		return nil, err
	}
	return &clients{api: api, events: events}, nil
}

// newClient is a Docker API client of the engine at addr over rt. The
// Docker client wraps the transport of the HTTP client it is given for
// OpenTelemetry; the manager sets no tracer or meter, so the wrapper only
// cost time (building the attributes of every call: a twentieth of an
// idle manager's CPU at 10,000 engines), and it is replaced by
// requestCopies, which keeps the one thing of it the client relies on.
func newClient(addr, scheme string, rt http.RoundTripper) (*client.Client, error) {
	hc := &http.Client{Transport: rt}
	c, err := client.NewClientWithOpts(
		client.WithHost("tcp://"+addr),
		client.WithScheme(scheme),
		client.WithHTTPClient(hc),
		client.WithAPIVersionNegotiation(),
	)
	if err != nil {
		return nil, fmt.Errorf("engine %s: %w", addr, err)
	}
	hc.Transport = requestCopies{rt}
	return c, nil
}

// requestCopies hands rt a shallow copy of each request. The Docker
// client's Ping sets its request's method to GET for a second try after a
// failed HEAD while the transport may still read the first request (the
// race detector saw it); the OpenTelemetry wrapper used to copy requests.
type requestCopies struct{ rt http.RoundTripper }

func (t requestCopies) RoundTrip(r *http.Request) (*http.Response, error) {
	return t.rt.RoundTrip(r.WithContext(r.Context()))
}

// Addr is the host:port the manager reaches the engine at.
func (e *Engine) Addr() string { return e.addr }

// RefreshErrors counts the engine's failed refreshes.
func (e *Engine) RefreshErrors() uint64 { return e.refreshErrs.Load() }

// EventStreamErrors counts the engine's event streams that ended (and
// were opened again).
func (e *Engine) EventStreamErrors() uint64 { return e.eventErrs.Load() }

// URL is the engine's base URL (scheme and host).
func (e *Engine) URL() *url.URL { u := *e.base; return &u }

// Transport is the shared connection pool to use for proxied requests.
func (e *Engine) Transport() http.RoundTripper { return e.opts.Transport }

// Client is a Docker API client for the engine, for typed calls.
func (e *Engine) Client() *client.Client { return e.clients.Load().api }

// IP is the host part of Addr.
func (e *Engine) IP() string {
	host, _, err := net.SplitHostPort(e.addr)
	if err != nil {
		return e.addr
	}
	return host
}

// ID is the engine ID ("" until the engine was reached).
func (e *Engine) ID() string { e.mu.RLock(); defer e.mu.RUnlock(); return e.id }

// Name is the engine's host name, or its address until it was reached.
func (e *Engine) Name() string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.name == "" {
		return e.addr
	}
	return e.name
}

// Labels returns the engine labels plus the default tags.
func (e *Engine) Labels() map[string]string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	out := make(map[string]string, len(e.labels))
	for k, v := range e.labels {
		out[k] = v
	}
	return out
}

// Health is the engine's current state.
func (e *Engine) Health() Health { e.mu.RLock(); defer e.mu.RUnlock(); return e.health.state }

// IsHealthy reports whether the engine takes requests.
func (e *Engine) IsHealthy() bool { return e.Health() == Healthy }

// LastError is the last failure seen, "" when the last contact succeeded.
func (e *Engine) LastError() string { e.mu.RLock(); defer e.mu.RUnlock(); return e.lastErr }

// UpdatedAt is the time of the last successful full refresh.
func (e *Engine) UpdatedAt() time.Time { e.mu.RLock(); defer e.mu.RUnlock(); return e.updatedAt }

// Info is the engine's last /info answer.
func (e *Engine) Info() system.Info { e.mu.RLock(); defer e.mu.RUnlock(); return e.info }

// Version is the engine's last /version answer.
func (e *Engine) Version() types.Version { e.mu.RLock(); defer e.mu.RUnlock(); return e.version }

// NodeInfo is the `Node` object the API attaches to containers and events.
type NodeInfo struct {
	ID     string `json:"ID"`
	IP     string `json:"IP"`
	Addr   string `json:"Addr"`
	Name   string `json:"Name"`
	Labels map[string]string
}

// NodeInfo describes the engine as classic Swarm's `Node` object did.
func (e *Engine) NodeInfo() *NodeInfo {
	return &NodeInfo{ID: e.ID(), IP: e.IP(), Addr: e.addr, Name: e.Name(), Labels: e.Labels()}
}

// Kick asks the refresh loop for a refresh soon (after an event stream
// broke, or after an operation through the manager changed the engine).
func (e *Engine) Kick() {
	select {
	case e.kick <- struct{}{}:
	default:
	}
}

// Run drives the engine until ctx ends: connects, reconciles and pings
// on jittered timers (schedule.go), counts failures, and runs the events
// stream and the fill loop beside it.
//
// The event stream is what keeps the cache current. While it is up, a
// round is a ping (liveness, and a changed API version), and a full
// reconciliation (every cached list read again) comes only every
// reconcile period, which grows with the fleet. A round that was kicked
// (the stream broke, an operation asked for it), the first round, and the
// first round after a failure always reconcile in full.
func (e *Engine) Run(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	joined := e.join()
	defer joined()
	// connected carries the start time of the first successful refresh:
	// the event stream replays from there, so nothing between the first
	// container list and the stream's start is missed.
	connected := make(chan time.Time, 1)
	wg.Add(2)
	go func() {
		defer wg.Done()
		e.watchEvents(ctx, connected)
	}()
	go func() {
		defer wg.Done()
		e.fillLoop(ctx)
	}()

	var delay time.Duration // first round at once
	first, needFull := true, true
	var lastFull time.Time
	var fullEvery time.Duration
	for {
		timer := time.NewTimer(delay)
		kicked := false
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
		case <-e.kick:
			timer.Stop()
			kicked = true
		}
		start := time.Now()
		full := needFull || kicked || !e.streamTrusted(start) || start.Sub(lastFull) >= fullEvery
		var err error
		if !full {
			if err = e.check(ctx); errors.Is(err, errAPIChanged) {
				full = true
			}
		}
		if full {
			err = e.refreshLimited(ctx)
		}
		if ctx.Err() != nil {
			return
		}
		joined()
		if err != nil {
			needFull = true
			delay = e.recordFailure(err)
			continue
		}
		e.recordSuccess()
		if full {
			needFull = false
			lastFull = start
			fullEvery = e.reconcilePeriod()
		}
		delay = e.pingPeriod()
		if first {
			connected <- start
			first = false
			// Engines registered together would otherwise ping and
			// reconcile in waves: start each at a random point of its
			// periods, so that the fleet's rates are even from the start.
			if delay > 0 {
				delay = rand.N(delay) + time.Millisecond
			}
			if fullEvery > 0 {
				lastFull = start.Add(-rand.N(fullEvery))
			}
		}
	}
}

// join counts e among the joining engines (Options.Joining) and returns
// the function that ends its count; later calls do nothing.
func (e *Engine) join() func() {
	if e.opts.Joining == nil {
		return func() {}
	}
	return e.opts.Joining.Join()
}

// errAPIChanged says a ping saw another API version: the round becomes a
// full one.
var errAPIChanged = errors.New("engine API version changed")

// check is the light round: a ping. It renegotiates when the engine's API
// changed (and returns errAPIChanged).
func (e *Engine) check(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	api, err := e.ping(ctx)
	if err != nil {
		return err
	}
	if api != "" && api != e.clients.Load().pinged {
		return errAPIChanged
	}
	e.mu.Lock()
	e.updatedAt = time.Now()
	e.mu.Unlock()
	return nil
}

// ping asks GET /_ping on a connection of its own, closed after the
// answer, and returns the engine's API-Version header. At 10,000 engines
// the fleet is pinged 20 times a second and an engine once in minutes: a
// pooled connection would only wait out its idle timeout, and the
// transport's two goroutines per connection and the Docker client's
// request building only added to each ping's cost.
func (e *Engine) ping(ctx context.Context) (string, error) {
	conn, err := e.dialPing(ctx)
	if err != nil {
		return "", fmt.Errorf("ping %s: %w", e.addr, err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if d, ok := ctx.Deadline(); ok {
		conn.SetDeadline(d)
	}
	if _, err := io.WriteString(conn, e.pingRequest); err != nil {
		return "", fmt.Errorf("ping %s: %w", e.addr, err)
	}
	resp, err := http.ReadResponse(bufio.NewReaderSize(conn, 1<<10), nil)
	if err != nil {
		return "", fmt.Errorf("ping %s: %w", e.addr, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("ping %s: %s", e.addr, resp.Status)
	}
	return resp.Header.Get("API-Version"), nil
}

// dialPing opens ping's connection, with the transport's dialer and TLS
// when it has them.
func (e *Engine) dialPing(ctx context.Context) (net.Conn, error) {
	dial := (&net.Dialer{Timeout: 10 * time.Second}).DialContext
	var tlsConfig *tls.Config
	if t := e.opts.Transport; t != nil {
		if t.DialContext != nil {
			dial = t.DialContext
		}
		tlsConfig = t.TLSClientConfig
	}
	if tlsConfig == nil {
		tlsConfig = e.opts.TLS
	}
	conn, err := dial(ctx, "tcp", e.addr)
	if err != nil || e.base.Scheme != "https" {
		return conn, err
	}
	cfg := tlsConfig.Clone()
	if cfg == nil {
		cfg = &tls.Config{}
	}
	if cfg.ServerName == "" {
		cfg.ServerName, _, _ = net.SplitHostPort(e.addr)
	}
	tc := tls.Client(conn, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		conn.Close()
		return nil, err
	}
	return tc, nil
}

// streamTrusted reports whether the engine's event stream is up and has
// been for a second: its events keep the cache current.
func (e *Engine) streamTrusted(now time.Time) bool {
	since := e.streamSince.Load()
	return since != 0 && now.Sub(time.Unix(0, since)) >= time.Second
}

// recordFailure counts a failure and returns how long to wait before the
// next attempt: quick retries while counting towards Unhealthy, then the
// refresh interval.
func (e *Engine) recordFailure(err error) time.Duration {
	e.refreshErrs.Add(1)
	failures, state := e.countFailure(err, "engine refresh failed")
	backoff := time.Second << min(failures-1, 6)
	if state == Unhealthy {
		backoff = min(backoff, e.opts.RefreshMin)
	}
	return min(backoff, max(e.opts.RefreshMin, time.Second))
}

func (e *Engine) recordSuccess() {
	e.mu.Lock()
	prev := e.health.state
	changed := e.health.success() // the state or the score moved
	e.lastErr = ""
	if changed {
		e.changed()
	}
	e.mu.Unlock()
	if prev != Healthy {
		log.WithFields(log.Fields{"addr": e.addr, "name": e.Name()}).Info("engine is healthy")
		if prev == Unhealthy {
			e.emitManagerEvent("engine_reconnect")
		} else {
			e.emitManagerEvent("engine_connect")
		}
	}
}

// refreshLimited runs refresh once a refresh slot is free: when thousands
// of engines join at once, only opts.RefreshSlots of them refresh at a
// time, so none of them times out waiting for the others.
func (e *Engine) refreshLimited(ctx context.Context) error {
	if slots := e.opts.RefreshSlots; slots != nil {
		select {
		case slots <- struct{}{}:
			defer func() { <-slots }()
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return e.refresh(ctx)
}

// refresh pings the engine (negotiating the API version), reads /version
// and /info, then every cached list.
func (e *Engine) refresh(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	ping, err := e.Client().Ping(ctx)
	if err != nil {
		return err
	}
	if err := e.negotiate(ping); err != nil {
		return err
	}
	v, err := e.Client().ServerVersion(ctx)
	if err != nil {
		return err
	}
	if versions.LessThan(v.APIVersion, MinEngineAPIVersion) {
		return fmt.Errorf("engine %s runs Docker %s (API %s); swarm needs API %s or newer", e.addr, v.Version, v.APIVersion, MinEngineAPIVersion)
	}
	info, err := e.Client().Info(ctx)
	if err != nil {
		return err
	}
	if err := e.sinkOrDiscard().ClaimEngineID(e, info.ID); err != nil {
		return err
	}
	e.mu.Lock()
	apiChanged := e.version.APIVersion != "" && (e.version.APIVersion != v.APIVersion || e.version.MinAPIVersion != v.MinAPIVersion)
	// A reconciliation that finds the engine as it was moves nothing: no
	// scheduling view or /info section is built again.
	moved := !reflect.DeepEqual(e.version, v) || !reflect.DeepEqual(stableInfo(e.info), stableInfo(info))
	e.version = v
	e.info = info
	e.id = info.ID
	nameChanged := e.name != info.Name
	e.name = info.Name
	if moved {
		e.labels = engineLabels(info)
		e.changed()
	}
	e.mu.Unlock()
	if nameChanged {
		e.sinkOrDiscard().EngineRenamed(e)
	}
	if apiChanged {
		e.sinkOrDiscard().EngineAPIChanged(e)
	}
	if err := e.refreshContainers(ctx); err != nil {
		return err
	}
	if err := e.RefreshImages(ctx); err != nil {
		return err
	}
	if err := e.RefreshNetworks(ctx); err != nil {
		return err
	}
	if err := e.RefreshVolumes(ctx); err != nil {
		return err
	}
	e.mu.Lock()
	e.updatedAt = time.Now()
	e.mu.Unlock()
	return nil
}

// stableInfo is info without the figures that move with every answer
// (the clock, goroutines, file descriptors, container and image counts):
// what the cache derives from /info changes only when this does.
func stableInfo(info system.Info) system.Info {
	info.SystemTime = ""
	info.NGoroutines, info.NFd, info.NEventsListener = 0, 0, 0
	info.Containers, info.ContainersRunning, info.ContainersPaused, info.ContainersStopped, info.Images = 0, 0, 0, 0, 0
	return info
}

// engineLabels returns the engine's labels plus the default tags the
// constraint filter matches on.
func engineLabels(info system.Info) map[string]string {
	labels := map[string]string{}
	for _, l := range info.Labels {
		k, v, _ := strings.Cut(l, "=")
		labels[k] = v
	}
	labels["node"] = info.Name
	labels["storagedriver"] = info.Driver
	// Engines stopped reporting an execution driver in Docker 1.13; the
	// tag stays for constraints written against older clusters.
	labels["executiondriver"] = "<not supported>"
	labels["kernelversion"] = info.KernelVersion
	labels["operatingsystem"] = info.OperatingSystem
	labels["ostype"] = info.OSType
	return labels
}

// SortedLabels renders labels as "k=v" sorted by key.
func SortedLabels(labels map[string]string) []string {
	out := make([]string, 0, len(labels))
	for k, v := range labels {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// sinkOrDiscard is the engine's sink, or a discarding one for an Engine
// literal built without newEngine (tests).
func (e *Engine) sinkOrDiscard() Sink {
	if e.sink == nil {
		return discardSink{}
	}
	return e.sink
}

// ManagerEventType is the Type of the manager's own events about its
// engines (engine_connect, engine_disconnect, ...), as classic Swarm
// typed them.
const ManagerEventType = "swarm"

// emitManagerEvent publishes a manager event (Type ManagerEventType) about e.
func (e *Engine) emitManagerEvent(action string) {
	now := time.Now()
	e.sinkOrDiscard().EngineEvent(e, Event{Message: events.Message{
		Type:     ManagerEventType,
		Action:   events.Action(action),
		Status:   action,
		ID:       e.ID(),
		From:     "swarm",
		Scope:    "swarm",
		Time:     now.Unix(),
		TimeNano: now.UnixNano(),
		Actor:    events.Actor{ID: e.ID(), Attributes: map[string]string{"name": e.Name(), "addr": e.addr}},
	}})
}

// Resync re-reads one part of the engine's cache (read is one of the
// Refresh methods) after an operation through the manager changed it. A
// failed read does not fail the operation, which the engine already did:
// it is logged, and the refresh loop is asked to catch up soon.
func (e *Engine) Resync(ctx context.Context, what string, read func(context.Context) error) {
	if err := read(ctx); err != nil {
		log.WithFields(log.Fields{"addr": e.addr, "cache": what}).WithError(err).Warn("cache refresh after a change failed; refreshing soon")
		e.Kick()
	}
}

// Disconnected publishes engine_disconnect, the same event an engine that
// turns unhealthy publishes, for an engine that left the discovery; nothing
// for one that was never reached (it never connected).
func (e *Engine) Disconnected() {
	if e.ID() != "" {
		e.emitManagerEvent("engine_disconnect")
	}
}

// Removed publishes engine_remove: the cluster stopped managing the engine.
func (e *Engine) Removed() { e.emitManagerEvent("engine_remove") }

// changed records that the cache changed (the caller holds e.mu).
func (e *Engine) changed() {
	e.gen.Add(1)
	if e.opts != nil && e.opts.Changes != nil {
		e.opts.Changes.add(e)
	}
}

// Generation counts the changes of the engine's cache and health: a view
// built from the engine at one generation is current until it moves.
func (e *Engine) Generation() uint64 { return e.gen.Load() }

// APIRange is the range of Engine API versions the engine serves, from its
// last /version answer (read again at every refresh, so an engine upgraded
// in place is seen): ("", "") until it was reached. An engine that does not
// report a minimum (before API 1.25) serves only its own version.
func (e *Engine) APIRange() (lo, hi string) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	hi = e.version.APIVersion
	lo = e.version.MinAPIVersion
	if lo == "" {
		lo = hi
	}
	return lo, hi
}

// negotiate makes the engine's clients speak the newest API both they and
// the engine know. An engine whose newest API changed since the last
// negotiation (upgraded or downgraded in place) gets new clients: a
// negotiated client keeps its version otherwise.
func (e *Engine) negotiate(ping types.Ping) error {
	cl := e.clients.Load()
	if cl.pinged == ping.APIVersion {
		return nil
	}
	if cl.pinged != "" {
		fresh, err := newClients(e.addr, e.base.Scheme, e.opts)
		if err != nil {
			return err
		}
		log.WithFields(log.Fields{"addr": e.addr, "was": cl.pinged, "now": ping.APIVersion}).Info("engine API changed; negotiating again")
		cl = fresh
	}
	next := &clients{api: cl.api, events: cl.events, pinged: ping.APIVersion}
	next.api.NegotiateAPIVersionPing(ping)
	next.events.NegotiateAPIVersionPing(ping)
	e.clients.Store(next)
	return nil
}
