package simengine

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/events"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"
)

// Defaults used when a Config leaves a field zero.
const (
	DefaultAPIVersion    = "1.41"
	DefaultServerVersion = "20.10.24-sim"
	DefaultNCPU          = 2
	DefaultMemTotal      = 2 << 30
	DefaultImage         = "busybox:latest"
)

// requestLogSize bounds the request log.
const requestLogSize = 1000

// Config describes one simulated engine.
type Config struct {
	ID            string   // engine ID; derived from Name when empty
	Name          string   // host name; "sim" when empty
	NCPU          int      // DefaultNCPU when 0
	MemTotal      int64    // DefaultMemTotal when 0
	Labels        []string // engine labels, "key=value"
	APIVersion    string   // highest API version served; DefaultAPIVersion when ""
	ServerVersion string   // the engine's Docker version; DefaultServerVersion when ""
	// Containers present when the engine starts.
	Containers []Container
	// Images present when the engine starts. nil means one image,
	// DefaultImage; use an empty slice for an engine without images.
	Images []image.Summary
	// Networks; nil means bridge, host and none.
	Networks []network.Summary
	Volumes  []*volume.Volume
	// Pullable restricts what POST /images/create can pull (normalized
	// references, e.g. "redis:latest"). nil means any reference.
	Pullable []string
}

// Container describes a container to put on an engine.
type Container struct {
	ID         string // 64 hex digits; derived from the engine and name when ""
	Name       string // without the leading slash; generated when ""
	Image      string // DefaultImage when "" and Config.Image is ""
	Config     *container.Config
	HostConfig *container.HostConfig
	// State is "created", "running", "paused", "exited" or "dead";
	// "running" when "".
	State    string
	ExitCode int
	Created  time.Time // now when zero
}

// Failure is an injected fault.
type Failure int

// The failures SetFailure can inject.
const (
	// FailNone serves normally.
	FailNone Failure = iota
	// FailError answers every request with 500 and a JSON message.
	FailError
	// FailClose closes every connection without answering, and cuts the
	// event streams that are open.
	FailClose
)

// Request is one request the engine received.
type Request struct {
	Method string
	Path   string // as received, version prefix included
	Query  string
}

// Engine is one simulated Docker engine.
type Engine struct {
	cfg      Config
	id, name string
	requests atomic.Int64
	listen   func() (net.Listener, error) // opens the engine's listener; called with runMu held
	seq      atomic.Int64                 // for generated IDs and names

	runMu   sync.Mutex // guards addr, srv, down and serving
	addr    string
	srv     *http.Server
	down    chan struct{}  // closed when the current server stops
	serving sync.WaitGroup // the Serve goroutine of the current server

	logMu sync.Mutex // guards log and logN
	log   []Request  // ring buffer of the last requestLogSize requests
	logN  int        // requests written to log so far

	mu         sync.Mutex // guards every field below
	failure    Failure
	containers map[string]*container.InspectResponse
	images     []image.Summary
	networks   []network.Summary
	volumes    []*volume.Volume
	execs      map[string]string // exec ID -> container ID
	history    []events.Message  // the last historySize events
	subs       map[*subscriber]struct{}
}

// Start starts an engine listening on 127.0.0.1 on a random port.
func Start(cfg Config) (*Engine, error) {
	e, err := newEngine(cfg)
	if err != nil {
		return nil, err
	}
	// listen runs under runMu: it reads e.addr directly.
	e.listen = func() (net.Listener, error) {
		if e.addr == "" {
			return net.Listen("tcp", "127.0.0.1:0")
		}
		return net.Listen("tcp", e.addr)
	}
	if err := e.Restart(); err != nil {
		return nil, err
	}
	return e, nil
}

func newEngine(cfg Config) (*Engine, error) {
	if cfg.Name == "" {
		cfg.Name = "sim"
	}
	if cfg.ID == "" {
		cfg.ID = engineID(cfg.Name)
	}
	if cfg.NCPU == 0 {
		cfg.NCPU = DefaultNCPU
	}
	if cfg.MemTotal == 0 {
		cfg.MemTotal = DefaultMemTotal
	}
	if cfg.APIVersion == "" {
		cfg.APIVersion = DefaultAPIVersion
	}
	if cfg.ServerVersion == "" {
		cfg.ServerVersion = DefaultServerVersion
	}
	e := &Engine{
		cfg:        cfg,
		id:         cfg.ID,
		name:       cfg.Name,
		containers: map[string]*container.InspectResponse{},
		execs:      map[string]string{},
		subs:       map[*subscriber]struct{}{},
	}
	if cfg.Images == nil {
		e.images = []image.Summary{NewImage(DefaultImage)}
	} else {
		e.images = append([]image.Summary(nil), cfg.Images...)
	}
	if cfg.Networks == nil {
		for _, n := range []string{"bridge", "host", "none"} {
			e.networks = append(e.networks, network.Summary{Name: n, ID: hexID("network/" + cfg.ID + "/" + n), Driver: n, Scope: "local"})
		}
	} else {
		e.networks = append([]network.Summary(nil), cfg.Networks...)
	}
	e.volumes = append([]*volume.Volume(nil), cfg.Volumes...)
	for _, c := range cfg.Containers {
		if _, err := e.addContainer(c, false); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// engineID derives a Docker-style engine ID from a name.
func engineID(name string) string {
	h := hexID("engine/" + name)
	// Docker engine IDs look like "ABCD:EFGH:...": twelve groups of four.
	out := make([]byte, 0, 59)
	for i := 0; i < 48; i += 4 {
		if i > 0 {
			out = append(out, ':')
		}
		out = append(out, h[i:i+4]...)
	}
	return string(out)
}

// hexID derives a 64-hex-digit ID from a seed.
func hexID(seed string) string {
	sum := sha256.Sum256([]byte(seed))
	return hex.EncodeToString(sum[:])
}

// Addr is the host:port the engine is reached at.
func (e *Engine) Addr() string { e.runMu.Lock(); defer e.runMu.Unlock(); return e.addr }

// URL is "http://" + Addr.
func (e *Engine) URL() string { return "http://" + e.Addr() }

// ID is the engine ID.
func (e *Engine) ID() string { return e.id }

// Name is the engine's host name.
func (e *Engine) Name() string { return e.name }

// Restart starts serving again on the same address after Stop. Calling it
// on a running engine is an error.
func (e *Engine) Restart() error {
	e.runMu.Lock()
	defer e.runMu.Unlock()
	if e.srv != nil {
		return errors.New("simengine: engine is running")
	}
	l, err := e.listen()
	if err != nil {
		return fmt.Errorf("simengine: listen: %w", err)
	}
	e.addr = l.Addr().String()
	down := make(chan struct{})
	srv := &http.Server{Handler: e.handler(down), ReadHeaderTimeout: 10 * time.Second}
	e.srv, e.down = srv, down
	e.serving.Add(1)
	go func() {
		defer e.serving.Done()
		_ = srv.Serve(l)
	}()
	return nil
}

// Stop closes the listener and every connection, as a daemon that died:
// clients get "connection refused" until Restart.
func (e *Engine) Stop() {
	e.runMu.Lock()
	defer e.runMu.Unlock()
	if e.srv == nil {
		return
	}
	close(e.down)
	_ = e.srv.Close()
	e.serving.Wait()
	e.srv = nil
}

// Close stops the engine for good.
func (e *Engine) Close() { e.Stop() }

// SetFailure injects a failure (FailNone to serve normally again).
func (e *Engine) SetFailure(f Failure) {
	e.mu.Lock()
	e.failure = f
	var cut []*subscriber
	if f == FailClose {
		for s := range e.subs {
			cut = append(cut, s)
		}
	}
	e.mu.Unlock()
	for _, s := range cut {
		s.cut()
	}
}

// Failing reports whether a failure is injected.
func (e *Engine) Failing() bool { return e.currentFailure() != FailNone }

func (e *Engine) currentFailure() Failure {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.failure
}

// Requests is the number of requests the engine received (failed ones and
// event streams included).
func (e *Engine) Requests() int64 { return e.requests.Load() }

// RequestLog returns the last requests received, oldest first.
func (e *Engine) RequestLog() []Request {
	e.logMu.Lock()
	defer e.logMu.Unlock()
	if e.logN <= len(e.log) {
		return append([]Request(nil), e.log...)
	}
	i := e.logN % requestLogSize
	return append(append([]Request(nil), e.log[i:]...), e.log[:i]...)
}

func (e *Engine) record(r *http.Request) {
	e.requests.Add(1)
	req := Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery}
	e.logMu.Lock()
	defer e.logMu.Unlock()
	if len(e.log) < requestLogSize {
		e.log = append(e.log, req)
	} else {
		e.log[e.logN%requestLogSize] = req
	}
	e.logN++
}
