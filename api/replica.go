package api

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"strings"
	"time"

	log "github.com/sirupsen/logrus"
)

// Replication is this manager's place among replicated managers
// (--replication); cluster/leader's Election implements it. Primary is
// called on every request, so it must be cheap.
type Replication interface {
	// Primary reports whether this manager is the primary now (it holds
	// the lock and its lease has not run out), and the address of the
	// primary as last read from the store: "" when no primary is known,
	// also while this manager still holds a lock it could not renew in
	// time (fenced).
	Primary() (self bool, addr string)
}

// localRoutes are answered by a replica itself, as classic Swarm's
// replicas did: docker info then shows the replica's role and its primary.
// /metrics is each manager's own.
var localRoutes = []string{"/_ping", "/info", "/metrics"}

func isLocalRoute(path string) bool {
	p := stripVersion(path)
	for _, l := range localRoutes {
		if p == l {
			return true
		}
	}
	return false
}

// errNoPrimary is the answer of a replica, or of a fenced primary, that
// knows of no primary to forward to.
var errNoPrimary = errorf(http.StatusServiceUnavailable,
	"no primary manager is known: this manager lost the primary lock or an election is in progress; try again in a few seconds")

type primaryKey struct{}

// forward is one request on its way to the primary; it travels in the
// request's context.
type forward struct {
	addr    string
	untrack func() // set when the answer is a stream
}

func forwardOf(r *http.Request) *forward {
	f, _ := r.Context().Value(primaryKey{}).(*forward)
	if f == nil {
		return &forward{}
	}
	return f
}

// replicaMiddleware forwards every request but localRoutes to the primary
// when this manager is not the primary: plain answers, streams (flushed
// as they come) and upgraded attach/exec connections, which the standard
// library's ReverseProxy carries both ways once the primary answers 101.
// With no Replication (a single manager) it is next itself.
func (s *Server) replicaMiddleware(next http.Handler) http.Handler {
	rep := s.opts.Replication
	if rep == nil {
		return next
	}
	proxy := newReplicaProxy(s, s.opts.PrimaryTLS)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		self, primary := rep.Primary()
		if self || isLocalRoute(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		if primary == "" {
			writeError(w, r, errNoPrimary)
			return
		}
		f := &forward{addr: primary}
		markForwarded(r)
		proxy.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), primaryKey{}, f)))
		if f.untrack != nil {
			f.untrack()
		}
	})
}

// newReplicaProxy builds the proxy to the primary; tlsConfig, when not
// nil, is the manager's own client configuration (its certificate).
func newReplicaProxy(s *Server, tlsConfig *tls.Config) *httputil.ReverseProxy {
	scheme := "http"
	if tlsConfig != nil {
		scheme = "https"
	}
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	transport := &http.Transport{
		DialContext:         dialer.DialContext,
		TLSClientConfig:     tlsConfig,
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     30 * time.Second,
		TLSHandshakeTimeout: 10 * time.Second,
	}
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL.Scheme = scheme
			pr.Out.URL.Host = forwardOf(pr.In).addr
			pr.Out.Host = pr.In.Host
			pr.SetXForwarded()
		},
		Transport: transport,
		ModifyResponse: func(resp *http.Response) error {
			if resp.ContentLength < 0 && resp.StatusCode != http.StatusSwitchingProtocols && resp.Body != nil {
				// A stream (logs -f, events, stats): Shutdown ends it.
				body := &stoppableBody{ReadCloser: resp.Body}
				resp.Body = body
				forwardOf(resp.Request).untrack = s.streams.add(body.stop)
			}
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			primary := forwardOf(r).addr
			if r.Context().Err() != nil {
				return // the client went away
			}
			log.WithError(err).WithField("primary", primary).Warn("cannot forward a request to the primary")
			writeError(w, r, errorf(http.StatusServiceUnavailable, fmt.Sprintf("Unable to reach primary cluster manager (%s): %v", primary, strings.TrimSpace(err.Error()))))
		},
	}
}

// roleLines are the first lines of docker info's SystemStatus: "Role:
// primary", or "Role: replica" and "Primary: <addr>" (classic Swarm's).
func roleLines(rep Replication) [][2]string {
	if rep == nil {
		return [][2]string{{"Role", "primary"}}
	}
	self, primary := rep.Primary()
	if self {
		return [][2]string{{"Role", "primary"}}
	}
	if primary == "" {
		primary = "(none)"
	}
	return [][2]string{{"Role", "replica"}, {"Primary", primary}}
}
