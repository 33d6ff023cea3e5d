package api

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"os"
	"strings"
	"sync"

	"github.com/docker/docker/api/types/versions"
	"github.com/gorilla/mux"
	log "github.com/sirupsen/logrus"
)

// Options configure a Server.
type Options struct {
	Version      string // the manager's version, e.g. "1.0.0"
	GitCommit    string
	Experimental bool
	CORS         bool // answer cross-origin requests from any origin
	// Replication, when not nil, is this manager's place among replicated
	// managers: a replica forwards requests to the primary (replica.go).
	Replication Replication
	// PrimaryTLS is the client TLS configuration for forwarding to the
	// primary (the manager's own certificate); nil for plain HTTP.
	PrimaryTLS *tls.Config
	// Metrics, when not nil, gets the API's request metrics, and /metrics
	// serves everything registered on it (metrics.go).
	Metrics Registry
	// Limits bound request bodies and the time a client may stall
	// (limits.go); zero fields take their defaults.
	Limits Limits
}

// Backend is everything the API answers from. Server keeps each part
// behind the small interface its handlers use (backend.go);
// *cluster.Cluster implements them all.
type Backend interface {
	containerFinder
	containerLister
	containerCreator
	execRouter
	eventSource
	clusterSummary
	networkReader
	networkWriter
	volumeBackend
	imageStore
	imageMover
	builderBackend
	systemBackend
	nodeBackend
	startupGate
}

// Server serves the Docker API for a cluster. One route table, one
// ReverseProxy and one BuildKit session registry serve every listener.
type Server struct {
	opts Options

	containers containerFinder
	lister     containerLister
	creator    containerCreator
	execs      execRouter
	feed       eventSource
	summary    clusterSummary
	networks   networkReader
	networkOps networkWriter
	volumes    volumeBackend
	images     imageStore
	mover      imageMover
	builds     builderBackend
	system     systemBackend
	nodes      nodeBackend
	startup    startupGate // nil: no startup gate (handler tests)

	// infoCache holds the encoded node sections of `docker info`.
	infoCache infoCache

	proxy   *httputil.ReverseProxy
	handler http.Handler
	// streams are the answers that do not end by themselves (logs -f,
	// events, stats, hijacked attach and exec connections); Shutdown ends
	// them.
	streams *streamSet

	mu      sync.Mutex // guards servers and closing
	servers []*http.Server
	closing bool
}

// NewServer returns a server for the cluster c.
func NewServer(c Backend, opts Options) *Server {
	opts.Limits = opts.Limits.withDefaults()
	s := &Server{
		opts:       opts,
		containers: c,
		lister:     c,
		creator:    c,
		execs:      c,
		feed:       c,
		summary:    c,
		networks:   c,
		networkOps: c,
		volumes:    c,
		images:     c,
		mover:      c,
		builds:     c,
		system:     c,
		nodes:      c,
		startup:    c,
		streams:    newStreamSet(),
	}
	s.proxy = s.newProxy()
	s.handler = s.buildHandler()
	return s
}

// route is one entry of the route table.
type route struct {
	method, path string
	handler      handlerFunc
}

// routes is the whole route table. Paths use Docker's own patterns:
// {name:.*} so that "node-1/web" style names reach the handlers.
func (s *Server) routes() []route {
	var all []route
	all = append(all, s.coreRoutes()...)
	all = append(all, s.imageRoutes()...)
	all = append(all, s.networkRoutes()...)
	all = append(all, s.volumeRoutes()...)
	all = append(all, s.buildRoutes()...)
	all = append(all, s.nodeRoutes()...)
	all = append(all, s.uiRoutes()...)
	all = append(all, s.miscRoutes()...)
	return all
}

// coreRoutes are the system and container routes.
func (s *Server) coreRoutes() []route {
	return []route{
		{"GET", "/_ping", s.ping},
		{"HEAD", "/_ping", s.ping},
		{"GET", "/version", s.version},
		{"GET", "/info", s.info},
		{"GET", "/events", s.events},

		{"GET", "/containers/json", s.listContainers},
		{"POST", "/containers/create", s.createContainer},
		{"GET", "/containers/{name:.*}/json", s.inspectContainer},
		{"GET", "/containers/{name:.*}/top", s.proxyContainer(nil)},
		{"GET", "/containers/{name:.*}/logs", s.proxyContainer(nil)},
		{"GET", "/containers/{name:.*}/changes", s.proxyContainer(nil)},
		{"GET", "/containers/{name:.*}/export", s.proxyContainer(nil)},
		{"GET", "/containers/{name:.*}/stats", s.proxyContainer(nil)},
		{"GET", "/containers/{name:.*}/attach/ws", s.proxyContainer(nil)},
		{"HEAD", "/containers/{name:.*}/archive", s.proxyContainer(nil)},
		{"GET", "/containers/{name:.*}/archive", s.proxyContainer(nil)},
		{"PUT", "/containers/{name:.*}/archive", s.proxyContainer(nil)},
		{"POST", "/containers/{name:.*}/start", s.startContainer},
		{"POST", "/containers/{name:.*}/stop", s.proxyContainer(s.refreshAfter)},
		{"POST", "/containers/{name:.*}/restart", s.proxyContainer(s.refreshAfter)},
		{"POST", "/containers/{name:.*}/kill", s.proxyContainer(s.refreshAfter)},
		{"POST", "/containers/{name:.*}/pause", s.proxyContainer(s.refreshAfter)},
		{"POST", "/containers/{name:.*}/unpause", s.proxyContainer(s.refreshAfter)},
		{"POST", "/containers/{name:.*}/update", s.proxyContainer(s.refreshAfter)},
		{"POST", "/containers/{name:.*}/rename", s.renameContainer},
		{"POST", "/containers/{name:.*}/resize", s.proxyContainer(nil)},
		{"POST", "/containers/{name:.*}/wait", s.proxyContainer(s.refreshBeforeResult)},
		{"POST", "/containers/{name:.*}/attach", s.proxyContainer(nil)},
		{"POST", "/containers/{name:.*}/exec", s.proxyContainer(s.rememberExec)},
		{"POST", "/containers/{name:.*}/copy", s.proxyContainer(nil)},
		{"DELETE", "/containers/{name:.*}", s.proxyContainer(s.refreshAfter)},

		{"POST", "/exec/{id:.*}/start", s.proxyExec},
		{"POST", "/exec/{id:.*}/resize", s.proxyExec},
		{"GET", "/exec/{id:.*}/json", s.proxyExec},
	}
}

// Handler returns the HTTP handler serving the API (the same one for
// every listener).
func (s *Server) Handler() http.Handler { return s.handler }

// buildHandler builds the route table and its middlewares, once.
func (s *Server) buildHandler() http.Handler {
	r := mux.NewRouter()
	var reqMetrics *requestMetrics
	if s.opts.Metrics != nil {
		var err error
		if reqMetrics, err = newRequestMetrics(s.opts.Metrics); err != nil {
			log.WithError(err).Warn("API request metrics are off")
		}
		r.Path("/metrics").Methods("GET").Handler(metricsHandler(s.opts.Metrics))
	}
	for _, rt := range s.routes() {
		h := adapt(rt.handler)
		r.Path("/v{version:[0-9.]+}" + rt.path).Methods(rt.method).Handler(h)
		r.Path(rt.path).Methods(rt.method).Handler(h)
	}
	r.NotFoundHandler = adapt(s.notSupported)
	r.MethodNotAllowedHandler = adapt(s.notSupported)
	if reqMetrics != nil {
		r.Use(routeLabel)
	}
	r.Use(s.versionMiddleware)
	r.Use(s.startupMiddleware)
	var h http.Handler = r
	if s.opts.CORS {
		h = corsMiddleware(h)
	}
	h = s.replicaMiddleware(h)
	if reqMetrics != nil {
		h = reqMetrics.middleware(h)
	}
	return s.limitMiddleware(logMiddleware(s.trackHijacks(h)))
}

// notSupported answers routes the manager does not serve. HEAD and
// OPTIONS get the engine's answers: dockerd answers every OPTIONS request
// 200 (for CORS preflights) and a HEAD without a route of its own 404.
func (s *Server) notSupported(w http.ResponseWriter, r *http.Request) error {
	switch r.Method {
	case http.MethodOptions:
		s.versionMiddleware(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusOK)
		})).ServeHTTP(w, r)
		return nil
	case http.MethodHead:
		return errorf(http.StatusNotFound, "page not found")
	}
	return errorf(http.StatusNotImplemented, fmt.Sprintf("%s %s is not supported by swarm", r.Method, stripVersion(r.URL.Path)))
}

// versionOf returns the API version the request asks for ("" if none).
func versionOf(r *http.Request) string { return mux.Vars(r)["version"] }

// stripVersion removes a leading /v1.NN from a path.
func stripVersion(path string) string {
	if strings.HasPrefix(path, "/v") {
		if i := strings.Index(path[1:], "/"); i > 0 {
			v := path[2 : i+1]
			if v != "" && strings.Trim(v, "0123456789.") == "" {
				return path[i+1:]
			}
		}
	}
	return path
}

// versionMiddleware refuses API versions outside what the manager speaks,
// with Docker's messages.
func (s *Server) versionMiddleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		maxVersion := s.advertisedAPI()
		if v := versionOf(r); v != "" {
			if versions.GreaterThan(v, maxVersion) {
				writeError(w, r, errorf(http.StatusBadRequest, fmt.Sprintf("client version %s is too new. Maximum supported API version is %s", v, maxVersion)))
				return
			}
			if versions.LessThan(v, MinAPIVersion) {
				writeError(w, r, errorf(http.StatusBadRequest, fmt.Sprintf("client version %s is too old. Minimum supported API version is %s, please upgrade your client to a newer version", v, MinAPIVersion)))
				return
			}
		}
		w.Header().Set("Api-Version", maxVersion)
		w.Header().Set("Server", "Swarm/"+s.opts.Version+" ("+osType()+")")
		next.ServeHTTP(w, r)
	})
}

func corsMiddleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Access-Control-Allow-Headers", "Origin, X-Requested-With, Content-Type, Accept, X-Registry-Auth")
		w.Header().Set("Access-Control-Allow-Methods", "HEAD, GET, POST, DELETE, PUT, OPTIONS")
		if r.Method == http.MethodOptions {
			w.WriteHeader(http.StatusOK)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func logMiddleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if log.IsLevelEnabled(log.DebugLevel) {
			log.WithFields(log.Fields{"method": r.Method, "uri": r.RequestURI}).Debug("request")
		}
		next.ServeHTTP(w, r)
	})
}

// Listen opens a listener for a -H address: "tcp://h:p", "h:p", ":p" or
// "unix:///path".
func Listen(addr string, tlsConfig *tls.Config) (net.Listener, error) {
	proto, address, err := ParseHost(addr)
	if err != nil {
		return nil, err
	}
	var l net.Listener
	switch proto {
	case "unix":
		if err := os.Remove(address); err != nil && !os.IsNotExist(err) {
			return nil, fmt.Errorf("listen on %s: %w", addr, err)
		}
		l, err = net.Listen("unix", address)
	default:
		l, err = net.Listen("tcp", address)
	}
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	if tlsConfig != nil && proto == "tcp" {
		l = tls.NewListener(l, tlsConfig)
	}
	return l, nil
}

// ParseHost splits a -H value into protocol and address.
func ParseHost(addr string) (proto, address string, err error) {
	addr = strings.TrimSpace(addr)
	switch {
	case addr == "":
		return "", "", fmt.Errorf("empty listen address")
	case strings.HasPrefix(addr, "unix://"):
		path := strings.TrimPrefix(addr, "unix://")
		if path == "" {
			return "", "", fmt.Errorf("invalid listen address %q: unix:// needs a socket path", addr)
		}
		return "unix", path, nil
	case strings.HasPrefix(addr, "tcp://"):
		addr = strings.TrimPrefix(addr, "tcp://")
	case strings.Contains(addr, "://"):
		return "", "", fmt.Errorf("invalid listen address %q: use tcp://host:port, host:port, :port or unix:///path", addr)
	}
	addr = strings.TrimSuffix(addr, "/")
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", "", fmt.Errorf("invalid listen address %q: %v", addr, err)
	}
	if port == "" {
		return "", "", fmt.Errorf("invalid listen address %q: missing port", addr)
	}
	return "tcp", net.JoinHostPort(host, port), nil
}

// Serve serves the API on l until Shutdown or Close.
func (s *Server) Serve(l net.Listener) error {
	// No server-wide ReadTimeout or WriteTimeout: they would cut streams
	// and hijacked connections. Bodies and plain answers get deadlines of
	// their own (limits.go).
	lim := s.opts.Limits.withDefaults()
	srv := &http.Server{Handler: s.handler, ReadHeaderTimeout: lim.HeaderTimeout, IdleTimeout: lim.IdleTimeout}
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		_ = l.Close()
		return nil
	}
	s.servers = append(s.servers, srv)
	s.mu.Unlock()
	err := srv.Serve(l)
	if errors.Is(err, http.ErrServerClosed) || errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// Shutdown stops the server gracefully: every listener stops accepting,
// answers that end by themselves may finish until ctx ends, and the ones
// that do not (logs -f, events, stats, attach and exec connections) are
// ended at once, each client seeing its stream end. Whatever is still
// open when ctx ends is closed; the error is then ctx's.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	servers := append([]*http.Server(nil), s.servers...)
	s.mu.Unlock()

	done := make(chan error, len(servers))
	for _, srv := range servers {
		go func() { done <- srv.Shutdown(ctx) }()
	}
	s.streams.endAll()
	var first error
	for range servers {
		if err := <-done; err != nil && first == nil {
			first = err
		}
	}
	if first != nil {
		for _, srv := range servers {
			_ = srv.Close()
		}
	}
	return first
}

// Close stops the server at once: listeners and every connection.
func (s *Server) Close() {
	s.mu.Lock()
	s.closing = true
	servers := append([]*http.Server(nil), s.servers...)
	s.mu.Unlock()
	s.streams.endAll()
	for _, srv := range servers {
		_ = srv.Close()
	}
}
