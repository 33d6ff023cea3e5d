package harness

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

func TestIsEventsRequestLine(t *testing.T) {
	tests := []struct {
		name string
		line string
		want bool
	}{
		{name: "versioned with a query", line: "GET /v1.41/events?filters=%7B%7D&since=1764950000.000000001 HTTP/1.1\r\n", want: true},
		{name: "bare", line: "GET /events HTTP/1.1\r\n", want: true},
		{name: "Engine 29's version", line: "GET /v1.56/events HTTP/1.1\n", want: true},
		{name: "no newline yet", line: "GET /v1.44/events HTTP/1.1", want: true},
		{name: "a POST", line: "POST /v1.41/events HTTP/1.1\r\n", want: false},
		{name: "a ping", line: "GET /_ping HTTP/1.1\r\n", want: false},
		{name: "container list", line: "GET /v1.41/containers/json?all=1 HTTP/1.1\r\n", want: false},
		{name: "longer path", line: "GET /v1.41/events/more HTTP/1.1\r\n", want: false},
		{name: "a longer last segment", line: "GET /v1.41/eventsx HTTP/1.1\r\n", want: false},
		{name: "events as a query value", line: "GET /info?x=/events HTTP/1.1\r\n", want: false},
		{name: "no protocol", line: "GET /events\r\n", want: false},
		{name: "lower-case method", line: "get /events HTTP/1.1\r\n", want: false},
		{name: "empty", line: "", want: false},
		{name: "TLS hello", line: "\x16\x03\x01\x02\x00\x01", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := isEventsRequestLine(tt.line); got != tt.want {
				t.Errorf("isEventsRequestLine(%q) = %v, want %v", tt.line, got, tt.want)
			}
		})
	}
}

func TestNewStallProxyRejectsBadTargets(t *testing.T) {
	for _, target := range []string{"", "127.0.0.1", ":2375", "127.0.0.1:", "tcp://127.0.0.1:2375"} {
		t.Run(target, func(t *testing.T) {
			p, err := NewStallProxy(target)
			if err == nil {
				p.Close()
				t.Fatalf("NewStallProxy(%q) = nil error, want one", target)
			}
			if !strings.Contains(err.Error(), "want host:port") {
				t.Errorf("NewStallProxy(%q): %v, want it to say host:port", target, err)
			}
		})
	}
}

// streamServer is a plain HTTP server with a streaming /events handler
// (Docker's shape: headers flushed at once, then one line per event) and a
// /_ping and an /echo handler.
type streamServer struct {
	srv    *httptest.Server
	send   chan string          // a line for the open event streams to write
	opened chan context.Context // each /events request's context, when it arrives
}

func newStreamServer(t *testing.T) *streamServer {
	t.Helper()
	s := &streamServer{send: make(chan string), opened: make(chan context.Context, 8)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /_ping", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "OK") })
	mux.HandleFunc("POST /echo", func(w http.ResponseWriter, r *http.Request) { io.Copy(w, r.Body) })
	events := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		s.opened <- r.Context()
		for {
			select {
			case <-r.Context().Done():
				return
			case line := <-s.send:
				io.WriteString(w, line)
				w.(http.Flusher).Flush()
			}
		}
	}
	mux.HandleFunc("GET /events", events)
	mux.HandleFunc("GET /v1.41/events", events)
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	return s
}

// addr is the server's host:port.
func (s *streamServer) addr() string { return strings.TrimPrefix(s.srv.URL, "http://") }

// waitOpened returns the context of the next /events request the server
// receives, failing t after 5s.
func (s *streamServer) waitOpened(t *testing.T) context.Context {
	t.Helper()
	select {
	case ctx := <-s.opened:
		return ctx
	case <-time.After(5 * time.Second):
		t.Fatal("the server never received the /events request")
		return nil
	}
}

// eventStream is a client's /events request on a raw connection, so that
// the test sees exactly what the connection does (data, silence, EOF).
// The body is read raw, chunk framing included: net/http's chunked
// reader keeps a read timeout as its final error.
type eventStream struct {
	conn net.Conn
	br   *bufio.Reader
}

// openEvents sends GET path on a new connection to addr.
func openEvents(t *testing.T, addr, path string) *eventStream {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := io.WriteString(conn, "GET "+path+" HTTP/1.1\r\nHost: engine\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	return &eventStream{conn: conn, br: bufio.NewReader(conn)}
}

// headers reads the response headers, failing t after 5s.
func (s *eventStream) headers(t *testing.T) {
	t.Helper()
	_ = s.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(s.br, nil)
	if err != nil {
		t.Fatalf("reading the /events response: %v", err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/events: %s", resp.Status)
	}
}

// read reads what arrives within d (raw, with its chunk framing).
func (s *eventStream) read(d time.Duration) (string, error) {
	_ = s.conn.SetReadDeadline(time.Now().Add(d))
	buf := make([]byte, 256)
	n, err := s.br.Read(buf)
	return string(buf[:n]), err
}

// mustRead reads until want has arrived, failing t after 5s.
func (s *eventStream) mustRead(t *testing.T, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	var got string
	for !strings.Contains(got, want) {
		chunk, err := s.read(time.Until(deadline))
		got += chunk
		if err != nil {
			t.Fatalf("the stream gave %q (%v), want %q in it", got, err, want)
		}
	}
}

// waitHeld waits until n copiers are held at the stall.
func waitHeld(t *testing.T, p *StallProxy, n int) {
	t.Helper()
	if err := WaitFor(5*time.Second, func() (bool, error) { return p.Held() == n, nil }); err != nil {
		t.Fatalf("the proxy holds %d copiers, want %d: %v", p.Held(), n, err)
	}
}

// quiet checks that the stream gives nothing, and does not end, for a
// moment: a read times out.
func (s *eventStream) quiet(t *testing.T, what string) {
	t.Helper()
	got, err := s.read(300 * time.Millisecond)
	if got != "" || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("%s: the stream gave %q (%v), want silence: no data, no end", what, got, err)
	}
}

func get(t *testing.T, url string) string {
	t.Helper()
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return string(b)
}

func TestStallProxyStallsOnlyEventStreams(t *testing.T) {
	srv := newStreamServer(t)
	p, err := NewStallProxy(srv.addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })

	// Flowing: a ping, a request with a body, and an event stream.
	if got := get(t, "http://"+p.Addr+"/_ping"); got != "OK" {
		t.Fatalf("ping through the proxy: %q", got)
	}
	resp, err := http.Post("http://"+p.Addr+"/echo", "text/plain", strings.NewReader("a body"))
	if err != nil {
		t.Fatal(err)
	}
	echoed, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(echoed) != "a body" {
		t.Fatalf("echo through the proxy: %q", echoed)
	}
	if n := p.EventConns(); n != 0 {
		t.Fatalf("%d events connections after a ping and a POST, want 0", n)
	}
	s1 := openEvents(t, p.Addr, "/v1.41/events?since=0")
	ctx1 := srv.waitOpened(t)
	s1.headers(t)
	if n := p.EventConns(); n != 1 {
		t.Fatalf("%d events connections, want 1", n)
	}
	srv.send <- "one\n"
	s1.mustRead(t, "one\n")
	before := p.EventBytes()
	if before == 0 {
		t.Fatal("EventBytes is 0 after an event went through")
	}

	// Stalled: the event written by the server is held, the stream stays
	// open at both ends, and other connections still flow.
	if err := p.Stall(); err != nil {
		t.Fatal(err)
	}
	srv.send <- "two\n"
	waitHeld(t, p, 1)
	s1.quiet(t, "stalled")
	if got := p.EventBytes(); got != before {
		t.Errorf("EventBytes went from %d to %d while stalled", before, got)
	}
	if ctx1.Err() != nil {
		t.Fatal("the server's stream ended while stalled")
	}
	if got := get(t, "http://"+p.Addr+"/_ping"); got != "OK" {
		t.Fatalf("ping through the stalled proxy: %q", got)
	}
	// A stream opened while stalled does not reach the server.
	s2 := openEvents(t, p.Addr, "/events")
	waitHeld(t, p, 2) // its request is held
	select {
	case <-srv.opened:
		t.Fatal("a stream opened while stalled reached the server")
	default:
	}
	if n := p.EventConns(); n != 2 {
		t.Fatalf("%d events connections, want 2", n)
	}

	// Resumed: what was held arrives, the held stream reaches the server.
	if err := p.Resume(); err != nil {
		t.Fatal(err)
	}
	s1.mustRead(t, "two\n")
	ctx2 := srv.waitOpened(t)
	s2.headers(t)
	srv.send <- "three\n" // one of the two streams writes it
	got1, _ := s1.read(time.Second)
	got2, _ := s2.read(time.Second)
	if strings.Count(got1+got2, "three\n") != 1 {
		t.Fatalf("after Resume the streams gave %q and %q, want three once", got1, got2)
	}
	waitHeld(t, p, 0)

	// A client closing its end reaches the server.
	s1.conn.Close()
	select {
	case <-ctx1.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the server never saw the client close its stream")
	}

	// Close ends everything: the client reads the end, the server's
	// request is over, and the proxy refuses to stall.
	if err := p.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if got, err := s2.read(5 * time.Second); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("after Close the stream gave %q, %v; want its end", got, err)
	}
	select {
	case <-ctx2.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the server's stream outlived the proxy's Close")
	}
	if err := p.Stall(); !errors.Is(err, ErrProxyClosed) {
		t.Errorf("Stall after Close: %v, want ErrProxyClosed", err)
	}
	if err := p.Close(); err != nil {
		t.Errorf("a second Close: %v", err)
	}
	if n := p.EventConns(); n != 0 {
		t.Errorf("%d events connections after Close, want 0", n)
	}
}

// A stalled connection carries no FIN either: a client hanging up while
// stalled is seen by the server only once the proxy resumes.
func TestStallProxyHoldsTheClientsClose(t *testing.T) {
	srv := newStreamServer(t)
	p, err := NewStallProxy(srv.addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	s := openEvents(t, p.Addr, "/events")
	ctx := srv.waitOpened(t)
	s.headers(t)

	if err := p.Stall(); err != nil {
		t.Fatal(err)
	}
	if err := p.Stall(); err != nil { // twice is once
		t.Fatal(err)
	}
	s.conn.Close()
	waitHeld(t, p, 1)
	select {
	case <-ctx.Done():
		t.Fatal("the server saw the client hang up through a stalled proxy")
	case <-time.After(300 * time.Millisecond):
	}
	if err := p.Resume(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("after Resume the server never saw the client hang up")
	}
	if err := WaitFor(5*time.Second, func() (bool, error) { return p.EventConns() == 0, nil }); err != nil {
		t.Fatalf("%d events connections after both ends closed: %v", p.EventConns(), err)
	}
}

// Bytes that cannot start an HTTP request line are forwarded at once, as
// a connection that is not an event stream.
func TestStallProxyForwardsOtherProtocols(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); io.Copy(c, c) }()
		}
	}()
	p, err := NewStallProxy(ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	if err := p.Stall(); err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", p.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	msg := "\x16\x03\x01 not http"
	if _, err := io.WriteString(c, msg); err != nil {
		t.Fatal(err)
	}
	// Well before requestLineTimeout: the first byte tells.
	_ = c.SetReadDeadline(time.Now().Add(requestLineTimeout / 2))
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil || string(got) != msg {
		t.Fatalf("echo through the stalled proxy: %q, %v; want %q", got, err, msg)
	}
}

// A client whose target cannot be reached is disconnected.
func TestStallProxyUnreachableTarget(t *testing.T) {
	// The port is held until the proxy has its own, so that the proxy
	// cannot get it; then nothing listens there.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewStallProxy(ln.Addr().String())
	ln.Close()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	c, err := net.Dial("tcp", p.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET /_ping HTTP/1.1\r\nHost: x\r\n\r\n")
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, err := c.Read(make([]byte, 16))
	if n != 0 || err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read from a proxy without a target: %d bytes, %v; want the connection closed", n, err)
	}
}
