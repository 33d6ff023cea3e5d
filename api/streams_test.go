package api

import (
	"io"
	"net"
	"strings"
	"sync/atomic"
	"testing"
)

func TestStreamSet(t *testing.T) {
	s := newStreamSet()
	var ended atomic.Int32
	end := func() { ended.Add(1) }
	removeA := s.add(end)
	s.add(end)
	removeA() // stream A ended by itself
	if s.len() != 1 {
		t.Fatalf("%d streams open, want 1", s.len())
	}
	s.endAll()
	if got := ended.Load(); got != 1 {
		t.Fatalf("endAll ended %d streams, want 1 (A had ended by itself)", got)
	}
	s.add(end) // a stream that starts during the shutdown
	if got := ended.Load(); got != 2 {
		t.Fatalf("a stream added after endAll was not ended at once")
	}
	if s.len() != 0 {
		t.Fatalf("%d streams open after endAll", s.len())
	}
}

// blockingBody blocks reads until it is closed, as an engine's stream does.
type blockingBody struct{ closed chan struct{} }

func (b *blockingBody) Read([]byte) (int, error) { <-b.closed; return 0, net.ErrClosed }
func (b *blockingBody) Close() error             { close(b.closed); return nil }

func TestStoppableBodyEndsCleanly(t *testing.T) {
	b := &stoppableBody{ReadCloser: &blockingBody{closed: make(chan struct{})}}
	done := make(chan error, 1)
	go func() {
		_, err := io.ReadAll(b) // ReadAll returns nil at io.EOF
		done <- err
	}()
	b.stop()
	b.stop() // twice is fine
	if err := <-done; err != nil {
		t.Fatalf("a stopped stream read ended with %v, want a clean end", err)
	}

	// Without stop, the engine's error is the reader's error.
	plain := &stoppableBody{ReadCloser: io.NopCloser(iotestErr{})}
	if _, err := io.ReadAll(plain); err == nil || !strings.Contains(err.Error(), "unexpected EOF") {
		t.Fatalf("error %v, want the engine's", err)
	}
}

type iotestErr struct{}

func (iotestErr) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }

func TestTrackedConnHalfCloseAndUnregister(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- err.Error()
			return
		}
		defer c.Close()
		b, _ := io.ReadAll(c) // ends at the client's half-close
		_, _ = c.Write([]byte("bye"))
		got <- string(b)
	}()
	raw, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s := newStreamSet()
	tc := &trackedConn{Conn: raw}
	tc.remove = s.add(func() { _ = tc.Conn.Close() })
	_, _ = tc.Write([]byte("hello"))
	if err := tc.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	if b := <-got; b != "hello" {
		t.Fatalf("server read %q", b)
	}
	if reply, _ := io.ReadAll(tc); string(reply) != "bye" {
		t.Fatalf("reply after half-close %q, want bye", reply)
	}
	tc.Close()
	if s.len() != 0 {
		t.Fatalf("a closed connection is still registered")
	}
}
