package simengine

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sync"
	"syscall"
	"time"
)

// Network serves engines in-process: a connection is a net.Pipe, so an
// engine costs no file descriptor. Clients reach the engines only through
// DialContext (or Transport); the addresses are loopback addresses nothing
// listens on, so a client that bypasses the Network fails to connect.
type Network struct {
	mu        sync.Mutex // guards listeners and next
	listeners map[string]*pipeListener
	next      int // engines started so far, for addresses
}

// NewNetwork returns an empty in-process network.
func NewNetwork() *Network {
	return &Network{listeners: map[string]*pipeListener{}}
}

// Start starts an engine on the network, at the next free address
// (127.1.0.1:2375, 127.1.0.2:2375, ...).
func (n *Network) Start(cfg Config) (*Engine, error) {
	e, err := newEngine(cfg)
	if err != nil {
		return nil, err
	}
	n.mu.Lock()
	n.next++
	i := n.next
	n.mu.Unlock()
	addr := fmt.Sprintf("127.%d.%d.%d:2375", 1+i/65536, (i/256)%256, i%256)
	e.listen = func() (net.Listener, error) { return n.listen(addr) }
	if err := e.Restart(); err != nil {
		return nil, err
	}
	return e, nil
}

func (n *Network) listen(addr string) (net.Listener, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if l, ok := n.listeners[addr]; ok && !l.closed() {
		return nil, fmt.Errorf("simengine: %s: %w", addr, syscall.EADDRINUSE)
	}
	l := &pipeListener{addr: pipeAddr(addr), conns: make(chan net.Conn), done: make(chan struct{})}
	n.listeners[addr] = l
	return l, nil
}

// DialContext connects to the engine at addr, like net.Dialer.DialContext.
func (n *Network) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	n.mu.Lock()
	l := n.listeners[addr]
	n.mu.Unlock()
	refused := &net.OpError{Op: "dial", Net: network, Addr: pipeAddr(addr), Err: syscall.ECONNREFUSED}
	if l == nil {
		return nil, refused
	}
	client, server := net.Pipe()
	select {
	case l.conns <- server:
		return client, nil
	case <-l.done:
		return nil, refused
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Transport returns an HTTP transport that dials into the network, with
// the same pooling as the manager's default transport.
func (n *Network) Transport() *http.Transport {
	return &http.Transport{
		DialContext:         n.DialContext,
		MaxIdleConns:        512,
		MaxIdleConnsPerHost: 4,
		IdleConnTimeout:     30 * time.Second,
	}
}

// pipeListener hands the server ends of dialled pipes to an http.Server.
type pipeListener struct {
	addr  pipeAddr
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *pipeListener) closed() bool {
	select {
	case <-l.done:
		return true
	default:
		return false
	}
}

func (l *pipeListener) Addr() net.Addr { return l.addr }

// pipeAddr is the address of an in-process engine.
type pipeAddr string

func (a pipeAddr) Network() string { return "tcp" }
func (a pipeAddr) String() string  { return string(a) }
