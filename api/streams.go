package api

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
)

// streamSet holds the end functions of the answers that do not end by
// themselves: followed logs, events, stats, and hijacked attach and exec
// connections. Shutdown calls endAll; a stream added after that is ended
// at once.
type streamSet struct {
	mu    sync.Mutex // guards ended, next and ends
	ended bool
	next  uint64
	ends  map[uint64]func()
}

func newStreamSet() *streamSet { return &streamSet{ends: map[uint64]func(){}} }

// add registers end, which must be safe to call more than once, and
// returns the function that unregisters it when the stream ended by
// itself.
func (s *streamSet) add(end func()) (remove func()) {
	s.mu.Lock()
	if s.ended {
		s.mu.Unlock()
		end()
		return func() {}
	}
	id := s.next
	s.next++
	s.ends[id] = end
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		delete(s.ends, id)
	}
}

// endAll ends every registered stream, and every stream added later.
func (s *streamSet) endAll() {
	s.mu.Lock()
	s.ended = true
	ends := s.ends
	s.ends = map[uint64]func(){}
	s.mu.Unlock()
	for _, end := range ends {
		end()
	}
}

// len is how many streams are open.
func (s *streamSet) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.ends)
}

// stoppableBody is a streamed answer's body that stop ends cleanly: the
// read blocked on the engine returns io.EOF, so the proxy finishes the
// answer (the client sees the stream end, not a broken connection).
type stoppableBody struct {
	io.ReadCloser
	stopped atomic.Bool
	once    sync.Once
}

func (b *stoppableBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && b.stopped.Load() {
		return n, io.EOF
	}
	return n, err
}

// stop ends the body: the engine connection is closed.
func (b *stoppableBody) stop() {
	b.once.Do(func() {
		b.stopped.Store(true)
		_ = b.ReadCloser.Close()
	})
}

// trackHijacks registers the client connections of upgraded requests
// (attach, exec, BuildKit sessions) once the proxy hijacks them, so that
// Shutdown can close them: the HTTP server no longer tracks a hijacked
// connection.
func (s *Server) trackHijacks(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") == "" {
			next.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(&hijackTracker{ResponseWriter: w, streams: s.streams}, r)
	})
}

// hijackTracker is a ResponseWriter whose Hijack registers the connection.
type hijackTracker struct {
	http.ResponseWriter
	streams *streamSet
}

// Unwrap lets http.ResponseController reach Flush and the deadlines.
func (h *hijackTracker) Unwrap() http.ResponseWriter { return h.ResponseWriter }

// Flush flushes the answer's buffered bytes.
func (h *hijackTracker) Flush() { _ = http.NewResponseController(h.ResponseWriter).Flush() }

// Hijack takes over the connection and registers it until it is closed.
func (h *hijackTracker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	tc := &trackedConn{Conn: conn}
	tc.remove = h.streams.add(func() { _ = tc.Conn.Close() })
	return tc, brw, nil
}

// trackedConn unregisters itself when closed. It keeps half-close:
// `echo hi | docker run -i` needs the client's end of input to reach the
// engine.
type trackedConn struct {
	net.Conn
	remove func()
	once   sync.Once
}

func (c *trackedConn) Close() error {
	c.once.Do(c.remove)
	return c.Conn.Close()
}

// CloseWrite half-closes the connection when it can.
func (c *trackedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
