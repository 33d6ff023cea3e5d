package api

import (
	"context"
	"net/http"
	"strings"
	"time"
)

// startupGate says whether the manager is still starting: until every
// engine known at start has answered once or failed for good, bounded by
// --startup-wait (cluster/startup.go).
type startupGate interface {
	// Starting reports whether the manager is still starting and, if
	// so, why (a message for the client).
	Starting() (bool, string)
	// WaitStarted blocks until the manager has started (nil) or ctx ends
	// (an ErrUnavailable error with Starting's message).
	WaitStarted(ctx context.Context) error
}

// startupHold is how long a request waits for the manager to start before
// it gets a 503 that says why: long enough for the usual start (engines
// answer in well under a second), short enough that a client learns why
// it waits when an engine does not answer.
const startupHold = 10 * time.Second

// startupRetryAfter is the Retry-After of the 503 answered while starting.
const startupRetryAfter = "5"

// ungatedPaths answer at once while the manager starts: liveness and
// version (/_ping, /version), the manager's own views, which show each
// node's state (/info, /nodes, /metrics, /ui) and the event stream. Every
// other route depends on what the engines hold: a ps, an inspect or a
// create answered before every engine was reached would be partial or
// could take a name an unreached engine holds.
var ungatedPaths = []string{"/_ping", "/version", "/info", "/events", "/metrics", "/nodes", "/ui"}

// gatedPath reports whether a request to path waits for the startup.
func gatedPath(path string) bool {
	p := stripVersion(path)
	for _, u := range ungatedPaths {
		if p == u || strings.HasPrefix(p, u+"/") {
			return false
		}
	}
	return true
}

// startupMiddleware holds the requests that depend on the engines until
// the manager has started, for at most startupHold (and the request's own
// life); then they get a 503 with the reason.
func (s *Server) startupMiddleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.startup == nil || !gatedPath(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		if starting, _ := s.startup.Starting(); starting {
			ctx, cancel := context.WithTimeout(r.Context(), startupHold)
			err := s.startup.WaitStarted(ctx)
			cancel()
			if err != nil {
				w.Header().Set("Retry-After", startupRetryAfter)
				writeError(w, r, err)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// startupLines is the line `docker info` shows while the manager starts.
func (s *Server) startupLines() [][2]string {
	if s.startup == nil {
		return nil
	}
	if starting, why := s.startup.Starting(); starting {
		return [][2]string{{"Startup", why}}
	}
	return nil
}
