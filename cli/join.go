package cli

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	log "github.com/sirupsen/logrus"
	"github.com/spf13/cobra"

	"github.com/swarm-project/swarm/discovery"
)

// joinOptions are the flags of `swarm join`, as typed.
type joinOptions struct {
	advertise     string
	heartbeat     durationText
	ttl           durationText
	delay         durationText
	discoveryOpts []string
}

// joinSettings are the checked flags of `swarm join`.
type joinSettings struct {
	addr      discovery.Entry
	heartbeat time.Duration
	ttl       time.Duration
	delay     time.Duration
}

func newJoinCommand() *cobra.Command {
	o := &joinOptions{
		heartbeat: durationText(discovery.DefaultHeartbeat.String()),
		ttl:       durationText(discovery.DefaultTTL.String()),
		delay:     "0s",
	}
	cmd := &cobra.Command{
		Use:   "join [OPTIONS] <discovery>",
		Short: "Join a Docker engine to a cluster",
		Long: `Advertise a Docker engine to a discovery backend: check that the engine at
--advertise answers, then register it every --heartbeat with a time to live of
--ttl, until stopped (SIGINT or SIGTERM), when the registration is removed
where the backend can. The discovery argument may also come from
$SWARM_DISCOVERY. Read-only backends (nodes, file) cannot be joined.

Discovery: token://<token>, consul://h:p/path, etcd://h1:p1,h2:p2/path,
zk://h1:p1,h2:p2/path. For token://<token> the service URL comes from
token://host:port/<token>, --discovery-opt token.url=URL or $SWARM_DISCOVERY_URL.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			uri, err := discoveryArg("join", args)
			if err != nil {
				return err
			}
			if o.advertise == "" {
				o.advertise = envDefault("SWARM_ADVERTISE", "")
			}
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runJoin(ctx, o, uri)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.advertise, "advertise", "", "address of the Docker engine to advertise, ip:port ($SWARM_ADVERTISE)")
	f.StringVar(&o.advertise, "addr", "", "alias of --advertise")
	f.Var(&o.heartbeat, "heartbeat", "period between two registrations (at least 1s)")
	f.Var(&o.ttl, "ttl", "time a registration lives if not renewed (more than --heartbeat)")
	f.Var(&o.delay, "delay", "wait a random time up to this long before the first registration (spreads the load of many joins)")
	f.StringArrayVar(&o.discoveryOpts, "discovery-opt", nil, "discovery option key=value: kv.cacertfile, kv.certfile, kv.keyfile, kv.path, token.url (repeatable)")
	return cmd
}

// discoveryArg returns the discovery URL from the arguments or
// $SWARM_DISCOVERY.
func discoveryArg(command string, args []string) (string, error) {
	uri := envDefault("SWARM_DISCOVERY", "")
	if len(args) == 1 {
		uri = args[0]
	}
	if strings.TrimSpace(uri) == "" {
		return "", fmt.Errorf("%s: a discovery argument is required (e.g. token://<token>, etcd://127.0.0.1:2379/swarm, or $SWARM_DISCOVERY)", command)
	}
	return uri, nil
}

// parseDiscoveryOpts parses repeated --discovery-opt key=value flags.
func parseDiscoveryOpts(command string, list []string) (map[string]string, error) {
	out := map[string]string{}
	for _, kv := range list {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, fmt.Errorf("%s: --discovery-opt %q: want key=value", command, kv)
		}
		out[strings.TrimSpace(k)] = v
	}
	return out, nil
}

// Messages of `swarm join` that classic Swarm printed word for word.
var (
	errNoAdvertise  = errors.New("missing mandatory --advertise flag")
	errBadAdvertise = errors.New("--advertise should be of the form ip:port or hostname:port")
	errNegDelay     = errors.New("--delay should not be a negative number")
	errShortBeat    = errors.New("--heartbeat should be at least one second")
	errShortTTL     = errors.New("--ttl must be strictly superior to the heartbeat value")
)

// validate checks the flags in classic Swarm's order: --advertise, --delay,
// --heartbeat, --ttl.
func (o *joinOptions) validate() (joinSettings, error) {
	var s joinSettings
	if o.advertise == "" {
		return s, errNoAdvertise
	}
	var err error
	if s.addr, err = discovery.ParseEntry(o.advertise); err != nil {
		return s, errBadAdvertise
	}
	if s.delay, err = o.delay.parse("delay"); err != nil {
		return s, err
	}
	if s.delay < 0 {
		return s, errNegDelay
	}
	if s.heartbeat, err = o.heartbeat.parse("heartbeat"); err != nil {
		return s, err
	}
	if s.heartbeat < time.Second {
		return s, errShortBeat
	}
	if s.ttl, err = o.ttl.parse("ttl"); err != nil {
		return s, err
	}
	if s.ttl <= s.heartbeat {
		return s, errShortTTL
	}
	return s, nil
}

func runJoin(ctx context.Context, o *joinOptions, uri string) error {
	set, err := o.validate()
	if err != nil {
		return err
	}
	addr := set.addr
	opts, err := parseDiscoveryOpts("join", o.discoveryOpts)
	if err != nil {
		return err
	}
	backend, err := discovery.New(uri, discovery.Options{Heartbeat: set.heartbeat, TTL: set.ttl, Opts: opts})
	if err != nil {
		return fmt.Errorf("join: %w", err)
	}
	defer func() {
		if err := discovery.Close(backend); err != nil {
			log.WithError(err).Warn("closing the discovery backend")
		}
	}()
	if discovery.ReadOnly(backend) {
		return fmt.Errorf("join: the %s backend is read-only: engines cannot join it (use token, consul, etcd or zk)", schemeOf(uri))
	}
	if err := checkEngine(ctx, addr.String()); err != nil {
		return fmt.Errorf("join: %w", err)
	}

	logger := log.WithFields(log.Fields{"addr": addr.String(), "discovery": uri})
	if set.delay > 0 {
		d := rand.N(set.delay)
		logger.Infof("waiting %s before the first registration", d.Round(time.Millisecond))
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(d):
		}
	}
	if w := renewalWarning(schemeOf(uri), set.heartbeat, set.ttl); w != "" {
		logger.Warn(w)
	}
	logger.Infof("registering on the discovery service every %s (ttl %s)", set.heartbeat, set.ttl)
	if err := heartbeat(ctx, backend, addr.String(), set.heartbeat, logger); err != nil {
		return fmt.Errorf("join: %w", err)
	}
	if d, ok := backend.(discovery.Deregisterer); ok {
		dctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := d.Deregister(dctx, addr.String()); err != nil {
			logger.WithError(err).Warn("could not remove the registration; it lapses after its ttl")
		} else {
			logger.Info("registration removed")
		}
	}
	return nil
}

func schemeOf(uri string) string {
	if u, err := discovery.ParseURL(uri); err == nil {
		return u.Scheme
	}
	return uri
}

// renewalWarning returns a warning when the heartbeat is too slow for the
// backend's TTL rule, or "". Consul holds the key with a session of TTL
// ttl/2 and promises only to keep a session that long without renewal, so
// registrations must come more often than every ttl/2 (the defaults, 60s
// and 180s, do).
func renewalWarning(scheme string, heartbeat, ttl time.Duration) string {
	if scheme == "consul" && 2*heartbeat >= ttl {
		return fmt.Sprintf("--heartbeat (%s) is not shorter than half of --ttl (%s): Consul may drop the registration between two heartbeats; use a --heartbeat below %s", heartbeat, ttl, ttl/2)
	}
	return ""
}

// registerTimeout bounds one registration attempt.
const registerTimeout = 10 * time.Second

// heartbeat registers addr now and then every period until ctx is done.
// A failed registration is logged and tried again with a back-off (never
// waiting longer than the period); errors no retry can fix
// (ErrNotSupported, ErrUnknownToken) end it.
func heartbeat(ctx context.Context, b discovery.Backend, addr string, period time.Duration, logger *log.Entry) error {
	backoff := discovery.Backoff{Min: 500 * time.Millisecond, Max: period}
	failing := false
	for {
		rctx, cancel := context.WithTimeout(ctx, registerTimeout)
		err := b.Register(rctx, addr)
		cancel()
		if stopped(ctx) {
			return nil
		}
		switch {
		case errors.Is(err, discovery.ErrNotSupported), errors.Is(err, discovery.ErrUnknownToken):
			return err
		case err != nil:
			logger.WithError(err).Warn("registration failed; retrying")
			failing = true
			if !backoff.Wait(ctx) {
				return nil
			}
			continue
		}
		if failing {
			logger.Info("registered again")
			failing = false
		} else {
			logger.Debug("registered")
		}
		backoff.Reset()
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(period):
		}
	}
}

// stopped reports whether join was asked to stop: the end of a heartbeat,
// not an error.
func stopped(ctx context.Context) bool {
	select {
	case <-ctx.Done():
		return true
	default:
		return false
	}
}

// engineCheckTimeout bounds the check of the advertised engine.
const engineCheckTimeout = 10 * time.Second

// errNotEngine is returned when something answers at the advertised
// address but it is not a Docker engine.
var errNotEngine = errors.New("not a Docker engine")

// checkEngine checks that a Docker engine answers at addr: GET /_ping must
// answer 200 and GET /version must give an API version. An engine that
// serves TLS cannot be checked without its client certificates; it is
// accepted with a warning.
func checkEngine(ctx context.Context, addr string) error {
	ctx, cancel := context.WithTimeout(ctx, engineCheckTimeout)
	defer cancel()
	client := &http.Client{Transport: &http.Transport{Proxy: nil, TLSClientConfig: &tls.Config{}}}
	defer client.CloseIdleConnections()
	// get returns the status and (the start of) the body of GET path.
	get := func(path string) (int, []byte, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+path, nil)
		if err != nil {
			return 0, nil, err
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		return resp.StatusCode, body, err
	}
	status, body, err := get("/_ping")
	if err != nil {
		return fmt.Errorf("cannot reach the Docker engine at %s: %w", addr, unwrapURL(err))
	}
	if status == http.StatusBadRequest && strings.Contains(string(body), "HTTPS") {
		log.WithField("addr", addr).Warn("the engine serves TLS: it is advertised without checking its API")
		return nil
	}
	if status != http.StatusOK {
		return fmt.Errorf("%s is %w: GET /_ping answered %d", addr, errNotEngine, status)
	}
	status, body, err = get("/version")
	if err != nil {
		return fmt.Errorf("cannot reach the Docker engine at %s: %w", addr, unwrapURL(err))
	}
	var v struct{ ApiVersion string }
	if status != http.StatusOK || json.Unmarshal(body, &v) != nil || v.ApiVersion == "" {
		return fmt.Errorf("%s is %w: GET /version gave no API version", addr, errNotEngine)
	}
	return nil
}

// unwrapURL drops net/http's `Get "url":` prefix from err.
func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
