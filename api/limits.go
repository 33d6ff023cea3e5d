package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"strings"
	"time"

	units "github.com/docker/go-units"
)

// Limits bound what one client can make the manager hold or wait for. The
// zero value of a field takes its default (see withDefaults).
type Limits struct {
	// MaxBody is the largest JSON request body, in bytes. Bodies that are
	// not JSON (build contexts, image loads and imports, archive uploads,
	// attach and exec streams) are not limited.
	MaxBody int64
	// BodyTimeout is the longest a request body may stall: the time
	// allowed between two reads that make progress.
	BodyTimeout time.Duration
	// WriteTimeout is the longest one write of an answer that is not a
	// stream may block on a client that does not read. Streams (logs,
	// events, stats, attach, exec, build, pull, push, load, save, export,
	// archives) have no write deadline, as on dockerd.
	WriteTimeout time.Duration
	// IdleTimeout is how long an idle keep-alive connection is kept.
	IdleTimeout time.Duration
	// HeaderTimeout is the longest reading a request's headers may take.
	HeaderTimeout time.Duration
}

// The defaults of Limits.
const (
	DefaultMaxBody       = 16 << 20
	DefaultBodyTimeout   = 60 * time.Second
	DefaultWriteTimeout  = 60 * time.Second
	DefaultIdleTimeout   = 120 * time.Second
	DefaultHeaderTimeout = 30 * time.Second
)

// withDefaults returns l with every zero field set to its default.
func (l Limits) withDefaults() Limits {
	if l.MaxBody <= 0 {
		l.MaxBody = DefaultMaxBody
	}
	if l.BodyTimeout <= 0 {
		l.BodyTimeout = DefaultBodyTimeout
	}
	if l.WriteTimeout <= 0 {
		l.WriteTimeout = DefaultWriteTimeout
	}
	if l.IdleTimeout <= 0 {
		l.IdleTimeout = DefaultIdleTimeout
	}
	if l.HeaderTimeout <= 0 {
		l.HeaderTimeout = DefaultHeaderTimeout
	}
	return l
}

// bodyTooLarge is the answer to a JSON body over the limit.
func bodyTooLarge(limit int64) error {
	return errorf(http.StatusRequestEntityTooLarge, fmt.Sprintf(
		"request body larger than %s, the limit for JSON requests (swarm manage --max-request-body)",
		units.BytesSize(float64(limit))))
}

// bodyStalled is the answer to a body that stopped coming.
func bodyStalled(d time.Duration) error {
	return errorf(http.StatusRequestTimeout, fmt.Sprintf(
		"request body stalled: nothing received for %s (swarm manage --body-timeout)", d))
}

// checkJSON refuses a body sent with another Content-Type than JSON, with
// the engine's status and message (API 1.41). A body without a
// Content-Type is accepted, as classic Swarm accepted it.
func checkJSON(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return nil
	}
	if mt, _, err := mime.ParseMediaType(ct); err == nil && mt == "application/json" {
		return nil
	}
	return errorf(http.StatusBadRequest, fmt.Sprintf("Content-Type specified (%s) must be 'application/json'", ct))
}

// routeKind says how the limits apply to a request.
type routeKind struct {
	rawBody bool // the body is not JSON (a tar, a stream): no size limit
	stream  bool // the answer is a stream: no write deadline
}

// routeMatch names requests by method, path prefix and path suffix (the
// path without its version). Names may hold slashes ("node-1/web"), so
// the container and image routes are matched by their last element.
type routeMatch struct {
	method, prefix, suffix string
	kind                   routeKind
}

var (
	rawStream = routeKind{rawBody: true, stream: true}
	stream    = routeKind{stream: true}
)

// routeKinds are the requests with a raw body or a streamed answer; every
// other request has a JSON body (if any) and a plain answer.
var routeKinds = []routeMatch{
	{"GET", "/events", "", stream},
	{"GET", "/containers/", "/logs", stream},
	{"GET", "/containers/", "/stats", stream},
	{"GET", "/containers/", "/attach/ws", rawStream},
	{"GET", "/containers/", "/export", stream},
	{"GET", "/containers/", "/archive", stream},
	{"PUT", "/containers/", "/archive", rawStream},
	{"POST", "/containers/", "/attach", rawStream},
	{"POST", "/exec/", "/start", rawStream},
	{"POST", "/build", "", rawStream},
	{"POST", "/session", "", rawStream},
	{"POST", "/grpc", "", rawStream},
	{"POST", "/images/create", "", rawStream},
	{"POST", "/images/load", "", rawStream},
	{"GET", "/images/get", "", stream},
	{"GET", "/images/", "/get", stream},
	{"POST", "/images/", "/push", stream},
}

// kindOf classifies a request by its method and its path without version.
func kindOf(method, path string) routeKind {
	for _, m := range routeKinds {
		if m.method != method {
			continue
		}
		if m.suffix == "" {
			if path == m.prefix {
				return m.kind
			}
			continue
		}
		if strings.HasPrefix(path, m.prefix) && strings.HasSuffix(path, m.suffix) && len(path) > len(m.prefix)+len(m.suffix) {
			return m.kind
		}
	}
	return routeKind{}
}

// limitMiddleware applies the body limit, the body stall timeout and the
// write stall timeout. It runs first, on the server's own ResponseWriter,
// so that http.ResponseController reaches the connection's deadlines.
// Upgraded requests (attach, exec, BuildKit sessions) are left alone: the
// connection they hijack is theirs, without deadlines.
func (s *Server) limitMiddleware(next http.Handler) http.Handler {
	l := s.opts.Limits.withDefaults()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "" {
			next.ServeHTTP(w, r)
			return
		}
		kind := kindOf(r.Method, stripVersion(r.URL.Path))
		if !kind.rawBody && r.ContentLength > l.MaxBody {
			writeError(w, r, bodyTooLarge(l.MaxBody))
			return
		}
		rc := http.NewResponseController(w)
		// A keep-alive connection may carry the write deadline of its
		// previous request: start from none.
		_ = rc.SetWriteDeadline(time.Time{})
		if r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0 {
			max := l.MaxBody
			if kind.rawBody {
				max = -1
			}
			b := &guardedBody{ReadCloser: r.Body, rc: rc, stall: l.BodyTimeout, max: max}
			r = r.WithContext(context.WithValue(r.Context(), bodyKey{}, b))
			r.Body = b
		}
		if !kind.stream {
			w = &stallWriter{ResponseWriter: w, rc: rc, d: l.WriteTimeout}
		}
		next.ServeHTTP(w, r)
	})
}

// guardedBody is a request body read under a stall deadline (renewed
// before each read, lifted at the end of the body so that the server's
// background read of an idle client never times out) and, when max >= 0,
// a size limit.
type guardedBody struct {
	io.ReadCloser
	rc    *http.ResponseController
	stall time.Duration
	max   int64 // bytes allowed; -1 for no limit
	n     int64 // bytes read so far
	done  bool
	err   error // the error of the end of the body, returned again
}

func (b *guardedBody) Read(p []byte) (int, error) {
	if b.done {
		return 0, b.err
	}
	if b.max >= 0 && int64(len(p)) > b.max-b.n+1 {
		p = p[:b.max-b.n+1] // one byte over tells a body over the limit
	}
	_ = b.rc.SetReadDeadline(time.Now().Add(b.stall))
	n, err := b.ReadCloser.Read(p)
	b.n += int64(n)
	// After a body that ended early the server reads what is left of it
	// before answering: that read is bounded too, and fails at once
	// after a stall.
	switch {
	case b.max >= 0 && b.n > b.max:
		n -= int(b.n - b.max)
		err = bodyTooLarge(b.max)
	case errors.Is(err, os.ErrDeadlineExceeded):
		err = bodyStalled(b.stall)
		_ = b.rc.SetReadDeadline(time.Unix(1, 0))
	case errors.Is(err, io.EOF):
		_ = b.rc.SetReadDeadline(time.Time{})
	}
	if err != nil {
		b.done, b.err = true, err
	}
	return n, err
}

// bodyError is the error that ended r's body early (too large, stalled),
// nil if none did. The proxy reads a body in another goroutine; the
// transport has returned, so that read is over.
func bodyError(r *http.Request) error {
	var se *statusError
	if b, ok := r.Context().Value(bodyKey{}).(*guardedBody); ok && errors.As(b.err, &se) {
		return b.err
	}
	return nil
}

// bodyKey keys a request's *guardedBody in its context, for bodyError
// (the proxy wraps the body it reads).
type bodyKey struct{}

// stallWriter renews the connection's write deadline before each write of
// a plain answer: a client that stops reading is cut after d, however long
// the handler took to produce the answer.
type stallWriter struct {
	http.ResponseWriter
	rc *http.ResponseController
	d  time.Duration
}

func (w *stallWriter) extend() { _ = w.rc.SetWriteDeadline(time.Now().Add(w.d)) }

func (w *stallWriter) WriteHeader(code int) {
	w.extend()
	w.ResponseWriter.WriteHeader(code)
}

func (w *stallWriter) Write(p []byte) (int, error) {
	w.extend()
	return w.ResponseWriter.Write(p)
}

// Flush flushes the answer's buffered bytes under a fresh deadline.
func (w *stallWriter) Flush() {
	w.extend()
	_ = w.rc.Flush()
}

// Unwrap lets http.ResponseController reach the connection.
func (w *stallWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
