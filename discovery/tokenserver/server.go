package tokenserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/swarm-project/swarm/discovery"
)

// Limits of the protocol.
const (
	DefaultTTL     = discovery.DefaultTTL // when a registration gives no ttl
	MaxTTL         = 7 * 24 * time.Hour
	maxBody        = 1024
	defaultSweep   = time.Minute
	tokenMaxLength = 64
)

var tokenPattern = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// ValidToken reports whether s can be a cluster token.
func ValidToken(s string) bool { return len(s) <= tokenMaxLength && tokenPattern.MatchString(s) }

// Config configures a Server.
type Config struct {
	// DBPath is the bbolt database file; it is created when missing.
	DBPath string
	// SweepInterval is how often expired registrations are deleted from
	// disk (they are never listed once expired); one minute when zero.
	SweepInterval time.Duration
	// Now gives the time; time.Now when nil (tests pass a fake clock).
	Now func() time.Time
	// Logf, when set, receives one line per request error and sweep.
	Logf func(format string, args ...any)
}

// Server serves the token discovery protocol over its database.
type Server struct {
	st  *store
	cfg Config
	mux *http.ServeMux
}

// Open opens (or creates) the database and returns the Server.
func Open(cfg Config) (*Server, error) {
	if cfg.DBPath == "" {
		return nil, errors.New("token server: no database path")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.SweepInterval <= 0 {
		cfg.SweepInterval = defaultSweep
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	st, err := openStore(cfg.DBPath, cfg.Now)
	if err != nil {
		return nil, err
	}
	s := &Server{st: st, cfg: cfg, mux: http.NewServeMux()}
	s.mux.HandleFunc("POST /v1/clusters", s.handleCreate)
	s.mux.HandleFunc("POST /v1/clusters/{token}", s.handleRegister)
	s.mux.HandleFunc("GET /v1/clusters/{token}", s.handleList)
	s.mux.HandleFunc("DELETE /v1/clusters/{token}", s.handleDelete)
	s.mux.HandleFunc("DELETE /v1/clusters/{token}/{addr}", s.handleUnregister)
	return s, nil
}

// ServeHTTP serves the protocol.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Sweep deletes expired registrations every SweepInterval until ctx is
// done.
func (s *Server) Sweep(ctx context.Context) {
	t := time.NewTicker(s.cfg.SweepInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			n, err := s.st.sweep()
			if err != nil {
				s.cfg.Logf("token server: sweep: %v", err)
			} else if n > 0 {
				s.cfg.Logf("token server: removed %d expired registrations", n)
			}
		}
	}
}

// Close closes the database.
func (s *Server) Close() error { return s.st.close() }

// httpError writes one plain-text line with status.
func (s *Server) httpError(w http.ResponseWriter, r *http.Request, status int, err error) {
	if status >= 500 {
		s.cfg.Logf("token server: %s %s: %v", r.Method, r.URL.Path, err)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintln(w, err.Error())
}

// statusOf maps store errors to HTTP statuses.
func statusOf(err error) int {
	if errors.Is(err, ErrUnknownCluster) {
		return http.StatusNotFound
	}
	return http.StatusInternalServerError
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) (string, bool) {
	t := r.PathValue("token")
	if !ValidToken(t) {
		s.httpError(w, r, http.StatusBadRequest, fmt.Errorf("invalid token %q", t))
		return "", false
	}
	return t, true
}

func (s *Server) handleCreate(w http.ResponseWriter, r *http.Request) {
	token, err := s.st.create()
	if err != nil {
		s.httpError(w, r, http.StatusInternalServerError, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusCreated)
	_, _ = io.WriteString(w, token) // a client that went away is not our error
}

// parseTTL reads the ttl query parameter: seconds, > 0, at most MaxTTL.
func parseTTL(v string) (time.Duration, error) {
	if v == "" {
		return DefaultTTL, nil
	}
	secs, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(secs) || secs <= 0 || secs > MaxTTL.Seconds() {
		return 0, fmt.Errorf("invalid ttl %q: want seconds, more than 0 and at most %d", v, int(MaxTTL.Seconds()))
	}
	return time.Duration(secs * float64(time.Second)), nil
}

func (s *Server) handleRegister(w http.ResponseWriter, r *http.Request) {
	token, ok := s.token(w, r)
	if !ok {
		return
	}
	ttl, err := parseTTL(r.URL.Query().Get("ttl"))
	if err != nil {
		s.httpError(w, r, http.StatusBadRequest, err)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		s.httpError(w, r, http.StatusBadRequest, err)
		return
	}
	if len(body) > maxBody {
		s.httpError(w, r, http.StatusRequestEntityTooLarge, fmt.Errorf("address longer than %d bytes", maxBody))
		return
	}
	e, err := discovery.ParseEntry(strings.TrimSpace(string(body)))
	if err != nil {
		s.httpError(w, r, http.StatusBadRequest, err)
		return
	}
	if err := s.st.register(token, e.String(), ttl); err != nil {
		s.httpError(w, r, statusOf(err), err)
		return
	}
	w.WriteHeader(http.StatusOK)
}

func (s *Server) handleList(w http.ResponseWriter, r *http.Request) {
	token, ok := s.token(w, r)
	if !ok {
		return
	}
	addrs, err := s.st.list(token)
	if err != nil {
		s.httpError(w, r, statusOf(err), err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(addrs) // a client that went away is not our error
}

func (s *Server) handleDelete(w http.ResponseWriter, r *http.Request) {
	token, ok := s.token(w, r)
	if !ok {
		return
	}
	if err := s.st.remove(token); err != nil {
		s.httpError(w, r, statusOf(err), err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleUnregister(w http.ResponseWriter, r *http.Request) {
	token, ok := s.token(w, r)
	if !ok {
		return
	}
	e, err := discovery.ParseEntry(r.PathValue("addr"))
	if err != nil {
		s.httpError(w, r, http.StatusBadRequest, err)
		return
	}
	if err := s.st.unregister(token, e.String()); err != nil {
		s.httpError(w, r, statusOf(err), err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
