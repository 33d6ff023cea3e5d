package harness

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// StallProxy is a TCP proxy for tests that can stall the Docker event
// streams it carries without closing them: the network failure a
// keep-alive cannot see. It listens on 127.0.0.1 and forwards every
// connection to one target (an engine's plain-HTTP API). A connection
// whose first request line is GET /events or GET /vX.Y/events is an
// events connection; every other connection (pings, refreshes, proxied
// requests) is forwarded as is, always.
//
// Stall stops the bytes on every events connection, open or opened later,
// in both directions: the sockets stay open (no FIN, no RST, the kernel
// still answers TCP keep-alives), the target's writes pile up in the
// kernel buffers and the client sees silence. Resume lets them flow again:
// the bytes held meanwhile are delivered, in order, then the rest, and
// events connections opened while stalled reach the target at last. Close
// ends every connection.
//
// What it does not do: TLS (the request line must be readable), and
// recognising a stream started on a keep-alive connection whose first
// request was something else (the manager's event transport opens one
// connection per stream, without keep-alive).
//
//	p, err := harness.NewStallProxy(engine.Addr)
//	defer p.Close()
//	m, err := harness.StartManager(bin, "nodes://"+p.Addr)
//	p.Stall() // the manager's event stream goes silent; the engine still answers
type StallProxy struct {
	Addr   string // 127.0.0.1:PORT the proxy listens on
	target string
	ln     net.Listener

	mu      sync.Mutex // guards stalled, resumed, closed and conns
	stalled bool
	// resumed is closed by Resume (and Close) to wake the copiers that
	// wait at the gate; Stall makes a new one.
	resumed chan struct{}
	closed  bool
	conns   map[net.Conn]struct{} // both ends of every open connection

	wg         sync.WaitGroup // the accept loop and every connection's goroutines
	eventConns atomic.Int64   // events connections open now
	eventBytes atomic.Int64   // bytes forwarded from the target on events connections
	held       atomic.Int64   // copiers waiting at the gate with bytes in hand
}

// Timeouts of a proxied connection's start.
const (
	// requestLineTimeout bounds the wait for a client's first request
	// line; a connection that sends none in time is forwarded as not
	// being an events connection.
	requestLineTimeout = 5 * time.Second
	// maxRequestLine is how much of a connection's first bytes are
	// read to find its request line.
	maxRequestLine   = 8 << 10
	stallDialTimeout = 10 * time.Second
)

// ErrProxyClosed is returned by StallProxy methods after Close.
var ErrProxyClosed = errors.New("harness: stall proxy closed")

// NewStallProxy starts a proxy to target (host:port) on a free loopback
// port. The target is dialled once per client connection; a client whose
// target cannot be reached is disconnected.
func NewStallProxy(target string) (*StallProxy, error) {
	host, port, err := net.SplitHostPort(target)
	if err != nil || host == "" || port == "" {
		return nil, fmt.Errorf("harness: stall proxy target %q: want host:port", target)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("harness: stall proxy: %w", err)
	}
	if ln.Addr().String() == target {
		// A port freed just before can come back: the proxy would
		// forward to itself without end.
		ln.Close()
		return nil, fmt.Errorf("harness: stall proxy target %s is the proxy's own address", target)
	}
	p := &StallProxy{
		Addr:    ln.Addr().String(),
		target:  target,
		ln:      ln,
		resumed: make(chan struct{}),
		conns:   map[net.Conn]struct{}{},
	}
	close(p.resumed) // not stalled
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Stall holds every events connection from now on: bytes read after Stall
// is called are not forwarded (a write already under way finishes), and
// events connections opened later are held before their request reaches
// the target. Stalling a stalled proxy does nothing.
func (p *StallProxy) Stall() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrProxyClosed
	}
	if !p.stalled {
		p.stalled = true
		p.resumed = make(chan struct{})
	}
	return nil
}

// Resume lets the events connections flow again: what was held is
// delivered first. Resuming a flowing proxy does nothing.
func (p *StallProxy) Resume() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrProxyClosed
	}
	if p.stalled {
		p.stalled = false
		close(p.resumed)
	}
	return nil
}

// EventConns is the number of events connections open now (held or not).
func (p *StallProxy) EventConns() int { return int(p.eventConns.Load()) }

// EventBytes is the number of bytes forwarded so far from the target to
// clients on events connections: it grows with every event delivered and
// stands still while the proxy is stalled.
func (p *StallProxy) EventBytes() int64 { return p.eventBytes.Load() }

// Held is the number of copiers (one per direction of an events
// connection) waiting at the stall with what they read (bytes, or the end
// of their side): nonzero means the stall is holding something back.
func (p *StallProxy) Held() int { return int(p.held.Load()) }

// Close stops listening, closes every connection (both ends) and waits
// for the proxy's goroutines. It is safe to call more than once.
func (p *StallProxy) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	if p.stalled {
		p.stalled = false
		close(p.resumed) // wake the copiers: they find the proxy closed
	}
	err := p.ln.Close()
	for c := range p.conns {
		_ = c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
	return err
}

// accept runs until the listener is closed.
func (p *StallProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			p.mu.Lock()
			closed := p.closed
			p.mu.Unlock()
			if closed {
				return
			}
			time.Sleep(10 * time.Millisecond) // e.g. out of file descriptors for a moment
			continue
		}
		if !p.track(c) {
			return
		}
		p.wg.Add(1)
		go p.serve(c)
	}
}

// track registers an open connection end so that Close closes it; it
// closes c and reports false when the proxy is closed.
func (p *StallProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		_ = c.Close()
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *StallProxy) untrack(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	_ = c.Close()
}

// serve reads the client's request line, dials the target and copies both
// ways until both directions ended or one failed.
func (p *StallProxy) serve(client net.Conn) {
	defer p.wg.Done()
	defer p.untrack(client)
	first, err := readRequestLine(client)
	if err != nil {
		return
	}
	events := isEventsRequestLine(string(first))
	if events {
		p.eventConns.Add(1)
		defer p.eventConns.Add(-1)
	}
	backend, err := net.DialTimeout("tcp", p.target, stallDialTimeout)
	if err != nil {
		return
	}
	if !p.track(backend) {
		return
	}
	defer p.untrack(backend)

	var toBackend, toClient atomic.Int64 // counted but read only for events, below
	count := &toClient
	if events {
		count = &p.eventBytes
	}
	errc := make(chan error, 2)
	go func() { errc <- p.pipe(backend, io.MultiReader(bytes.NewReader(first), client), events, &toBackend) }()
	go func() { errc <- p.pipe(client, backend, events, count) }()
	// A clean end of one direction half-closes it; a failure (or the
	// proxy's Close) ends both.
	for range 2 {
		if err := <-errc; err != nil {
			_ = client.Close()
			_ = backend.Close()
		}
	}
}

// pipe copies src to dst. At src's EOF it half-closes dst and returns
// nil. On an events connection everything src gives (bytes, its EOF, its
// error) waits at the stall gate before it is passed on, so that a stalled
// connection carries nothing, not even a FIN.
func (p *StallProxy) pipe(dst io.Writer, src io.Reader, events bool, count *atomic.Int64) error {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if events {
			if gerr := p.gate(); gerr != nil {
				return gerr
			}
		}
		if n > 0 {
			// Counted before the write, so that a reader of the
			// counter never finds less than its peer has received.
			count.Add(int64(n))
			w, werr := dst.Write(buf[:n])
			if werr != nil {
				count.Add(int64(w - n))
				return werr
			}
		}
		if errors.Is(err, io.EOF) {
			if cw, ok := dst.(interface{ CloseWrite() error }); ok {
				_ = cw.CloseWrite()
			}
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// gate returns at once unless the proxy is stalled; then it waits for
// Resume, or returns ErrProxyClosed at Close.
func (p *StallProxy) gate() error {
	waiting := false
	defer func() {
		if waiting {
			p.held.Add(-1)
		}
	}()
	for {
		p.mu.Lock()
		stalled, resumed, closed := p.stalled, p.resumed, p.closed
		p.mu.Unlock()
		switch {
		case closed:
			return ErrProxyClosed
		case !stalled:
			return nil
		}
		if !waiting {
			waiting = true
			p.held.Add(1)
		}
		<-resumed // then look again: a Stall may have followed the Resume
	}
}

// readRequestLine reads a connection's first bytes up to and including
// the first newline. It stops early, returning what it read, when the
// bytes cannot begin an HTTP request line (TLS, another protocol), after
// maxRequestLine bytes, or when none came for requestLineTimeout. It
// fails only when the client closed or broke before sending anything.
func readRequestLine(c net.Conn) ([]byte, error) {
	_ = c.SetReadDeadline(time.Now().Add(requestLineTimeout))
	defer func() { _ = c.SetReadDeadline(time.Time{}) }()
	buf := make([]byte, 0, 512)
	chunk := make([]byte, 512)
	for len(buf) < maxRequestLine {
		n, err := c.Read(chunk[:min(len(chunk), maxRequestLine-len(buf))])
		buf = append(buf, chunk[:n]...)
		if bytes.IndexByte(buf, '\n') >= 0 || !mayBeRequestLine(buf) {
			return buf, nil
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return buf, nil
		}
		if err != nil {
			if len(buf) > 0 && errors.Is(err, io.EOF) {
				return buf, nil
			}
			return nil, err
		}
	}
	return buf, nil
}

// mayBeRequestLine reports whether b can begin an HTTP request line: a
// method of capital letters, then a space.
func mayBeRequestLine(b []byte) bool {
	for i, c := range b {
		switch {
		case c >= 'A' && c <= 'Z':
		case c == ' ' && i > 0:
			return true
		default:
			return false
		}
	}
	return true
}

// eventsPath is the path of Docker's events endpoint, bare or versioned.
var eventsPath = regexp.MustCompile(`^(/v[0-9]+\.[0-9]+)?/events$`)

// isEventsRequestLine reports whether line ("GET /v1.41/events?since=...
// HTTP/1.1\r\n") asks for Docker's event stream.
func isEventsRequestLine(line string) bool {
	line = strings.TrimRight(line, "\r\n")
	method, rest, ok := strings.Cut(line, " ")
	if !ok || method != "GET" {
		return false
	}
	target, proto, ok := strings.Cut(rest, " ")
	if !ok || !strings.HasPrefix(proto, "HTTP/") {
		return false
	}
	path, _, _ := strings.Cut(target, "?")
	return eventsPath.MatchString(path)
}
