package cli

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	log "github.com/sirupsen/logrus"
	"github.com/spf13/cobra"

	"github.com/swarm-project/swarm/api"
	"github.com/swarm-project/swarm/cluster"
	"github.com/swarm-project/swarm/cluster/leader"
	"github.com/swarm-project/swarm/cluster/state"
	"github.com/swarm-project/swarm/discovery"
	"github.com/swarm-project/swarm/scheduler"
)

// manageOptions are the flags of `swarm manage`.
type manageOptions struct {
	hosts        []string
	strategy     string
	filters      []string
	advertise    string
	refreshMin   time.Duration
	refreshMax   time.Duration
	failureRetry int
	refreshRetry int
	heartbeat    time.Duration
	cors         bool
	// metricsPerNode adds the per-node gauges to /metrics.
	metricsPerNode bool
	// Classic's cache-refresh switches for ps; accepted, without effect
	// (the cache follows each engine's event stream).
	refreshOnNodeFilter        bool
	containerNameRefreshFilter string
	clusterOpts                []string
	discoveryOpts              []string
	clusterDriver              string
	replication                bool
	replicationTTL             time.Duration
	stateFile                  string
	// startupWait bounds the startup gate (cluster.Options.StartupWait).
	startupWait time.Duration
	limits      limitFlags
	tlsOpts
}

func newManageCommand(g *globalOptions) *cobra.Command {
	o := &manageOptions{}
	cmd := &cobra.Command{
		Use:   "manage [OPTIONS] <discovery>",
		Short: "Manage a Docker cluster",
		Long: `Start a manager that serves the Docker API for every engine the discovery
backend lists. The discovery argument may also come from $SWARM_DISCOVERY.

Discovery: nodes://h1:p1,h2:p2 (or h1:p1,h2:p2, ranges like 10.0.0.[10:20]:2375),
file:///path, token://<token>, consul://h:p/path, etcd://h1:p1,h2:p2/path,
zk://h1:p1,h2:p2/path.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, old := range []string{"refresh-retry", "engine-refresh-retry"} {
				if cmd.Flags().Changed(old) && !cmd.Flags().Changed("engine-failure-retry") {
					log.Warnf("--%s is deprecated: use --engine-failure-retry", old)
					o.failureRetry = o.refreshRetry
				}
			}
			if o.refreshOnNodeFilter || o.containerNameRefreshFilter != "" {
				log.Info("--refresh-on-node-filter and --container-name-refresh-filter are accepted for classic Swarm's scripts and have no effect: the container cache follows every engine's event stream")
			}
			// The flags are checked before the discovery, as classic
			// Swarm did.
			cfg, err := o.config()
			if err != nil {
				return err
			}
			uri := envDefault("SWARM_DISCOVERY", "")
			if len(args) == 1 {
				uri = args[0]
			}
			if uri == "" {
				return errors.New("manage: a discovery argument is required (e.g. nodes://127.0.0.1:2375,127.0.0.1:2376, or $SWARM_DISCOVERY)")
			}
			return runManage(cmd.Context(), g, o, cfg, uri)
		},
	}
	f := cmd.Flags()
	hosts := strings.Split(envDefault("SWARM_HOST", "127.0.0.1:2375"), ",")
	f.StringSliceVarP(&o.hosts, "host", "H", hosts, "address to listen on: tcp://host:port, host:port, :port or unix:///path ($SWARM_HOST); repeatable")
	f.StringVar(&o.strategy, "strategy", "spread", "placement strategy: "+strings.Join(scheduler.Strategies(), ", "))
	f.StringSliceVarP(&o.filters, "filter", "f", nil, "filters to use (repeatable; default all): "+strings.Join(scheduler.FilterNames(), ", "))
	f.StringVar(&o.advertise, "advertise", envDefault("SWARM_ADVERTISE", ""), "address this manager is reached at, ip:port ($SWARM_ADVERTISE)")
	f.StringVar(&o.advertise, "addr", envDefault("SWARM_ADVERTISE", ""), "alias of --advertise")
	f.DurationVar(&o.refreshMin, "engine-refresh-min-interval", 30*time.Second, "shortest pause between two refreshes of an engine")
	f.DurationVar(&o.refreshMax, "engine-refresh-max-interval", 60*time.Second, "longest pause between two refreshes of an engine")
	f.IntVar(&o.failureRetry, "engine-failure-retry", 3, "consecutive failures before an engine is marked unhealthy")
	f.IntVar(&o.refreshRetry, "refresh-retry", 3, "deprecated: use --engine-failure-retry")
	f.DurationVar(&o.heartbeat, "heartbeat", 60*time.Second, "discovery heartbeat, at least 1s: how often joiners re-register (the registration TTL is three heartbeats)")
	f.BoolVar(&o.cors, "cors", false, "allow cross-origin requests")
	f.BoolVar(&o.cors, "api-enable-cors", false, "alias of --cors")
	f.BoolVar(&o.metricsPerNode, "metrics-per-node", true, "serve per-node gauges on /metrics (5 series per node; turn off for very large clusters)")
	f.IntVar(&o.refreshRetry, "engine-refresh-retry", 3, "deprecated: use --engine-failure-retry")
	f.BoolVar(&o.refreshOnNodeFilter, "refresh-on-node-filter", false, "accepted for compatibility, no effect: the container cache follows the engines' events")
	f.StringVar(&o.containerNameRefreshFilter, "container-name-refresh-filter", "", "accepted for compatibility, no effect: the container cache follows the engines' events")
	f.StringArrayVar(&o.clusterOpts, "cluster-opt", nil, "cluster option key=value: swarm.overcommit=0.05, swarm.createretry=0, swarm.overlay=true (repeatable)")
	f.StringArrayVar(&o.discoveryOpts, "discovery-opt", nil, "discovery option key=value, e.g. kv.path=/swarm (repeatable)")
	f.StringVarP(&o.clusterDriver, "cluster-driver", "c", "swarm", "cluster driver (only swarm)")
	f.BoolVar(&o.replication, "replication", false, "replicate the manager: elect one primary among the managers of a consul, etcd or zk discovery (needs --advertise)")
	f.DurationVar(&o.replicationTTL, "replication-ttl", 20*time.Second, "TTL of the primary's lock for --replication: a replica takes over within about this long after the primary dies")
	f.StringVar(&o.stateFile, "state-file", envDefault("SWARM_STATE_FILE", ""), "file that keeps node availability, labels and reschedule specs across restarts, when discovery has no key/value store ($SWARM_STATE_FILE; default: in memory only)")
	f.DurationVar(&o.startupWait, "startup-wait", 30*time.Second, "after start, hold requests that depend on the engines (ps, inspect, create...) until every engine answered once or failed, at most this long; 0 turns the hold off")
	o.limits.register(f)
	o.tlsOpts.register(f)
	for _, hidden := range []string{"refresh-retry", "engine-refresh-retry", "api-enable-cors", "refresh-on-node-filter", "container-name-refresh-filter"} {
		_ = f.MarkHidden(hidden)
	}
	_ = f.MarkHidden("addr")
	return cmd
}

// managerConfig is everything runManage builds from the flags.
type managerConfig struct {
	sched       *scheduler.Scheduler
	createRetry int
	noOverlay   bool // --cluster-opt swarm.overlay=false
	discOpts    map[string]string
	limits      api.Limits
}

// Messages of `swarm manage` that classic Swarm printed word for word.
var (
	errRefreshMin   = errors.New("min refresh interval should be a positive number")
	errRefreshMax   = errors.New("max refresh interval cannot be less than min refresh interval")
	errFailureRetry = errors.New("invalid failure retry count")
)

// config checks the flags, the refresh settings first as classic Swarm
// did, and builds the scheduler.
func (o *manageOptions) config() (*managerConfig, error) {
	if o.refreshMin <= 0 {
		return nil, errRefreshMin
	}
	if o.refreshMax < o.refreshMin {
		return nil, errRefreshMax
	}
	if o.failureRetry <= 0 {
		return nil, errFailureRetry
	}
	if o.clusterDriver != "swarm" {
		return nil, fmt.Errorf("manage: unknown --cluster-driver %q (only swarm)", o.clusterDriver)
	}
	if o.heartbeat < time.Second {
		return nil, errShortBeat
	}
	if o.startupWait < 0 {
		return nil, fmt.Errorf("manage: --startup-wait %s is negative: give a duration such as 30s, or 0 to turn the startup hold off", o.startupWait)
	}
	if err := o.checkReplication(); err != nil {
		return nil, err
	}
	cfg := &managerConfig{}
	var err error
	if cfg.limits, err = o.limits.parse(); err != nil {
		return nil, err
	}
	sopts := scheduler.DefaultOptions()
	copts, err := keyValues("--cluster-opt", o.clusterOpts)
	if err != nil {
		return nil, err
	}
	if sopts.Overcommit, cfg.createRetry, err = clusterOpts(copts, sopts.Overcommit); err != nil {
		return nil, err
	}
	if cfg.noOverlay, err = overlayOpt(copts); err != nil {
		return nil, err
	}
	if cfg.sched, err = scheduler.New(o.strategy, o.filters, sopts); err != nil {
		return nil, fmt.Errorf("manage: %w", err)
	}
	if cfg.discOpts, err = keyValues("--discovery-opt", o.discoveryOpts); err != nil {
		return nil, err
	}
	return cfg, nil
}

// overlayOpt reads --cluster-opt swarm.overlay (default true): whether the
// manager may put its engines into a swarm-mode cluster so that `network
// create -d overlay` works. It reports noOverlay, the inverse.
func overlayOpt(opts map[string]string) (noOverlay bool, err error) {
	v, ok := opts["swarm.overlay"]
	if !ok {
		return false, nil
	}
	on, err := strconv.ParseBool(strings.TrimSpace(v))
	if err != nil {
		return false, fmt.Errorf("manage: --cluster-opt swarm.overlay=%q must be true or false", v)
	}
	return !on, nil
}

// clusterOpts returns the overcommit ratio (def when not given) and the
// create retry count of --cluster-opt. The options are checked in a fixed
// order, swarm.overcommit first as in classic Swarm, whatever the order
// they were given in.
func clusterOpts(opts map[string]string, def float64) (overcommit float64, createRetry int, err error) {
	overcommit = def
	if v, ok := opts["swarm.overcommit"]; ok {
		// A number at or below -1 gets classic Swarm's message; anything
		// else the scheduler's own check.
		if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && f <= -1 {
			return 0, 0, fmt.Errorf("swarm.overcommit should be larger than -1, %f is invalid", f)
		}
		if overcommit, err = scheduler.ParseOvercommit(v); err != nil {
			return 0, 0, err
		}
	}
	if v, ok := opts["swarm.createretry"]; ok {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return 0, 0, fmt.Errorf("manage: --cluster-opt swarm.createretry=%q must be a whole number >= 0", v)
		}
		if n < 0 {
			return 0, 0, fmt.Errorf("swarm.createretry can not be negative, %d is invalid", n)
		}
		createRetry = n
	}
	unknown := make([]string, 0, len(opts))
	for k := range opts {
		if k != "swarm.overcommit" && k != "swarm.createretry" && k != "swarm.overlay" {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return 0, 0, fmt.Errorf("manage: unknown --cluster-opt %q (valid: swarm.overcommit, swarm.createretry, swarm.overlay)", unknown[0])
	}
	return overcommit, createRetry, nil
}

// keyValues parses repeated key=value flags.
func keyValues(flag string, list []string) (map[string]string, error) {
	out := map[string]string{}
	for _, kv := range list {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, fmt.Errorf("manage: %s %q: want key=value", flag, kv)
		}
		out[strings.TrimSpace(k)] = v
	}
	return out, nil
}

// newTransports returns the pool for proxied requests (bounded idle
// connections, shared by every engine) and the one for event streams
// (one long-lived connection per engine, never pooled).
func newTransports(tlsConfig *tls.Config) (requests, events *http.Transport) {
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	requests = &http.Transport{
		Proxy:           nil,
		DialContext:     dialer.DialContext,
		TLSClientConfig: tlsConfig,
		// A refresh reuses one connection for its few requests; it is
		// closed 5s later, so that between refreshes an engine holds only
		// its event stream (see docs/performance.md, Sockets per engine).
		MaxIdleConns:          512,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       5 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	// An event stream is idle for as long as its engine is: TCP
	// keep-alive probes find a host that went away within a minute,
	// without a request (the stream then ends and the engine is checked).
	streamDialer := &net.Dialer{Timeout: 10 * time.Second, KeepAliveConfig: net.KeepAliveConfig{
		Enable: true, Idle: 30 * time.Second, Interval: 10 * time.Second, Count: 3,
	}}
	events = &http.Transport{
		DialContext:         streamDialer.DialContext,
		TLSClientConfig:     tlsConfig,
		DisableKeepAlives:   true,
		TLSHandshakeTimeout: 10 * time.Second,
		// One stream per engine lives as long as the engine: small
		// buffers (events are a few hundred bytes; the request is one
		// line) save 6 KiB per engine against the 4 KiB defaults.
		ReadBufferSize:  1 << 10,
		WriteBufferSize: 1 << 9,
	}
	return requests, events
}

// managerGCPercent is the garbage collector's target for the manager:
// the heap may grow to 1.5 times what is live (Go's default is 2 times).
// The manager's live heap is mostly its cache, large and long-lived (about
// 800 MB at 10,000 engines and 300,000 containers), while its garbage
// comes in bursts (registration, inspections): a lower target keeps the
// peak well below twice the cache for a little more collector work during
// the bursts (docs/performance.md).
const managerGCPercent = 50

// startupGCPercent is the collector's target while the manager starts:
// until every engine of the first discovery answer has had its first
// round, the heap only grows (the cache fills), and at 10,000 engines a
// 1.5 times target made the collector a fifth of the registration's CPU.
const startupGCPercent = 100

// tuneGC applies startupGCPercent, then managerGCPercent once the cluster
// has started, paced without GOGC (gcPacer) until ctx ends; unless GOGC
// is set.
func tuneGC(ctx context.Context, c *cluster.Cluster) {
	if os.Getenv("GOGC") != "" {
		return
	}
	debug.SetGCPercent(startupGCPercent)
	go func() {
		if c.WaitStarted(ctx) != nil || ctx.Err() != nil {
			debug.SetGCPercent(managerGCPercent)
			return
		}
		p := startGCPacer(managerGCPercent)
		<-ctx.Done()
		p.stop()
	}()
}

func runManage(ctx context.Context, g *globalOptions, o *manageOptions, cfg *managerConfig, uri string) error {
	serverTLS, clientTLS, err := o.tlsOpts.configs()
	if err != nil {
		return err
	}
	discOpts := discovery.Options{Heartbeat: o.heartbeat, TTL: 3 * o.heartbeat, Opts: cfg.discOpts}
	backend, err := discovery.New(uri, discOpts)
	if err != nil {
		return fmt.Errorf("manage: %w", err)
	}
	defer discovery.Close(backend)
	// With a consul, etcd or zk discovery the managers share their state
	// (and elect a primary with --replication) in the same store.
	shared, err := openShared(o, uri, discOpts)
	if err != nil {
		return err
	}
	if shared != nil {
		defer shared.store.Close()
	}
	listeners := make([]net.Listener, 0, len(o.hosts))
	for _, h := range o.hosts {
		l, err := api.Listen(h, serverTLS)
		if err != nil {
			for _, open := range listeners {
				open.Close()
			}
			return fmt.Errorf("manage: %w", err)
		}
		listeners = append(listeners, l)
	}

	var store state.Store
	if shared != nil {
		if o.stateFile != "" {
			return fmt.Errorf("manage: --state-file is for a discovery without a key/value store: with %s the managers keep their state in that store", uri)
		}
		store = shared.state
	} else if store, err = openState(o.stateFile); err != nil {
		return fmt.Errorf("manage: %w", err)
	}
	reqTransport, eventTransport := newTransports(clientTLS)
	copts := cluster.Options{
		Engine: cluster.EngineOptions{
			RefreshMin:     o.refreshMin,
			RefreshMax:     o.refreshMax,
			FailureRetry:   o.failureRetry,
			TLS:            clientTLS,
			Transport:      reqTransport,
			EventTransport: eventTransport,
		},
		Scheduler:   cfg.sched,
		CreateRetry: cfg.createRetry,
		State:       store,
		NoOverlay:   cfg.noOverlay,
		StartupWait: o.startupWait,
	}
	c := cluster.New(copts)
	gcCtx, stopGC := context.WithCancel(context.Background())
	defer stopGC()
	tuneGC(gcCtx, c)
	if err := c.LoadNodes(context.Background()); err != nil {
		return fmt.Errorf("manage: %w", err)
	}
	reg, err := newMetricsRegistry(c, o.metricsPerNode)
	if err != nil {
		return fmt.Errorf("manage: %w", err)
	}
	apiOpts := api.Options{Version: Version, GitCommit: GitCommit, Experimental: g.experimental, CORS: o.cors, Metrics: reg, Limits: cfg.limits}
	var election *leader.Election
	if o.replication {
		election = shared.newElection(o, c)
		apiOpts.Replication = election
		if serverTLS != nil {
			apiOpts.PrimaryTLS = clientTLS
		}
	}
	srv := api.NewServer(c, apiOpts)

	if ctx == nil {
		ctx = context.Background()
	}
	sigCtx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	// The engines and discovery run until the API server has shut down,
	// so that requests in flight can still reach their engines.
	clusterCtx, stopCluster := context.WithCancel(context.Background())
	defer stopCluster()

	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		c.Run(clusterCtx, backend)
	}()
	electionCtx, stopElection := context.WithCancel(context.Background())
	defer stopElection()
	var electionDone chan struct{}
	if election != nil {
		electionDone = make(chan struct{})
		go func() {
			defer close(electionDone)
			election.Run(electionCtx)
		}()
		log.WithFields(log.Fields{"advertise": o.advertise, "ttl": o.replicationTTL}).Info("replication on: running for primary")
	}
	errc := make(chan error, len(listeners))
	for _, l := range listeners {
		log.WithFields(log.Fields{"addr": l.Addr().String(), "tls": serverTLS != nil}).Info("listening for HTTP")
		go func() { errc <- srv.Serve(l) }()
	}
	log.WithFields(log.Fields{"discovery": uri, "strategy": cfg.sched.Strategy(), "filters": strings.Join(cfg.sched.Filters(), ", ")}).Info("swarm manager started")
	var serveErr error
	select {
	case <-sigCtx.Done():
		log.WithField("deadline", shutdownTimeout).Info("shutting down: finishing requests in flight, ending streams")
	case serveErr = <-errc:
	}
	stop()
	// A stopping primary releases its lock first, so that a replica takes
	// over at once.
	stopElection()
	if electionDone != nil {
		<-electionDone
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		log.WithError(err).Warn("requests still open at the shutdown deadline were closed")
	}
	stopCluster()
	wg.Wait()
	log.Info("manager stopped")
	return serveErr
}

// openState opens the state store of a manager whose discovery has no
// key/value store: the --state-file, or memory (nil) without one.
func openState(path string) (state.Store, error) {
	if path == "" {
		log.Info("node availability and labels are kept in memory: give --state-file to keep them across restarts")
		return nil, nil
	}
	f, err := state.OpenFile(path)
	if err != nil {
		return nil, err
	}
	log.WithField("path", f.Path()).Info("state file opened")
	return f, nil
}

// shutdownTimeout bounds how long a stopping manager waits for requests in
// flight.
const shutdownTimeout = 10 * time.Second
