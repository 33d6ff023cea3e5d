package cluster

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/swarm-project/swarm/discovery"
	"github.com/swarm-project/swarm/test/simengine"
)

// feedBackend is a discovery backend whose answers the test sends.
type feedBackend struct{ entries chan discovery.Entries }

func newFeedBackend() *feedBackend { return &feedBackend{entries: make(chan discovery.Entries, 4)} }

func (f *feedBackend) Watch(context.Context) (<-chan discovery.Entries, <-chan error) {
	return f.entries, nil
}

func (f *feedBackend) Register(context.Context, string) error { return discovery.ErrNotSupported }

// send lists addrs as the backend's next answer.
func (f *feedBackend) send(t *testing.T, addrs ...string) {
	t.Helper()
	es, err := discovery.ParseEntries(addrs)
	if err != nil {
		t.Fatal(err)
	}
	f.entries <- es
}

// heldEngine is a simulated engine behind a front that holds every
// request until release, as a dockerd stopped by SIGSTOP does: the
// connection is accepted, no answer comes.
type heldEngine struct {
	sim     *simengine.Engine
	srv     *httptest.Server
	release func()
}

func startHeld(t *testing.T, name string, containers ...simengine.Container) *heldEngine {
	t.Helper()
	sim := startSim(t, simengine.Config{Name: name, Containers: containers})
	target, err := url.Parse(sim.URL())
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.FlushInterval = -1 // the /events stream
	released := make(chan struct{})
	var once sync.Once
	h := &heldEngine{sim: sim, release: func() { once.Do(func() { close(released) }) }}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-released:
		case <-r.Context().Done():
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	// The cluster is stopped after this server (cleanups run last
	// first), and Close waits for the cluster's /events stream through
	// the proxy: close it once the cluster has gone.
	t.Cleanup(func() { go h.srv.Close() })
	t.Cleanup(h.release) // runs before srv.Close: no handler stays held
	return h
}

func (h *heldEngine) Addr() string { return strings.TrimPrefix(h.srv.URL, "http://") }

// runGated starts a cluster with the startup gate armed for wait, fed by
// the returned backend; it stops with the test.
func runGated(t *testing.T, wait time.Duration) (*Cluster, *feedBackend) {
	t.Helper()
	opts := simOptions(t)
	opts.StartupWait = wait
	c := New(opts)
	b := newFeedBackend()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.Run(ctx, b)
	}()
	t.Cleanup(func() { cancel(); <-done })
	return c, b
}

// waitStarted is WaitStarted bounded by d.
func waitStarted(c *Cluster, d time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return c.WaitStarted(ctx)
}

func TestStartupGateOff(t *testing.T) {
	c := New(simOptions(t)) // StartupWait 0, and never Run
	if starting, why := c.Starting(); starting {
		t.Fatalf("a cluster without a startup wait is starting: %s", why)
	}
	if err := waitStarted(c, time.Millisecond); err != nil {
		t.Fatalf("WaitStarted = %v, want nil", err)
	}
}

func TestStartupGate(t *testing.T) {
	tests := []struct {
		name string
		// engines: "up" answers, "held" answers only once released,
		// "down" refuses connections (it fails for good after
		// FailureRetry attempts).
		engines []string
		wait    time.Duration
		// wantHeld: the gate is still closed while the held engines are
		// held; the message names them.
		wantHeld bool
	}{
		{name: "every engine answers", engines: []string{"up", "up"}, wait: time.Minute},
		{name: "an engine that fails for good ends the wait", engines: []string{"up", "down"}, wait: time.Minute},
		{name: "a held engine keeps it starting", engines: []string{"up", "held"}, wait: time.Minute, wantHeld: true},
		{name: "no engine at all", engines: nil, wait: time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, b := runGated(t, tt.wait)
			if starting, why := c.Starting(); !starting || !strings.Contains(why, "the discovery has not listed the engines yet") {
				t.Fatalf("before the first discovery answer: Starting() = %v, %q", starting, why)
			}
			var addrs []string
			var held []*heldEngine
			for i, kind := range tt.engines {
				switch kind {
				case "up":
					addrs = append(addrs, startSim(t, simengine.Config{Name: "up-" + string(rune('a'+i))}).Addr())
				case "down":
					s := startSim(t, simengine.Config{Name: "down"})
					s.Stop()
					addrs = append(addrs, s.Addr())
				case "held":
					h := startHeld(t, "held")
					held = append(held, h)
					addrs = append(addrs, h.Addr())
				}
			}
			b.send(t, addrs...)
			if tt.wantHeld {
				err := waitStarted(c, 300*time.Millisecond)
				if !errors.Is(err, ErrUnavailable) {
					t.Fatalf("WaitStarted with an engine held = %v, want ErrUnavailable", err)
				}
				for _, want := range []string{"the manager is still starting", "1 of 2 engines has not answered yet", held[0].Addr(), "try again in a few seconds"} {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("message %q lacks %q", err, want)
					}
				}
				for _, h := range held {
					h.release()
				}
			}
			if err := waitStarted(c, 10*time.Second); err != nil {
				t.Fatalf("WaitStarted = %v, want started", err)
			}
			if starting, why := c.Starting(); starting {
				t.Fatalf("started, but Starting() says %q", why)
			}
		})
	}
}

// TestStartupGateWaitRunsOut: an engine that neither answers nor fails
// keeps the manager starting only for StartupWait.
func TestStartupGateWaitRunsOut(t *testing.T) {
	c, b := runGated(t, 400*time.Millisecond)
	h := startHeld(t, "held")
	b.send(t, h.Addr())
	start := time.Now()
	if err := waitStarted(c, 10*time.Second); err != nil {
		t.Fatalf("WaitStarted = %v, want started once the wait ran out", err)
	}
	if took := time.Since(start); took < 200*time.Millisecond {
		t.Errorf("started after %s while the only engine was held", took)
	}
	if e, err := c.Engine(h.Addr()); err != nil || e.Health() != Pending {
		t.Fatalf("the held engine: %v, %v; want Pending", e, err)
	}
}

// TestStartupGateIgnoresLaterEngines: engines that discovery adds after
// the start do not make the manager starting again.
func TestStartupGateIgnoresLaterEngines(t *testing.T) {
	c, b := runGated(t, time.Minute)
	a := startSim(t, simengine.Config{Name: "a"})
	b.send(t, a.Addr())
	if err := waitStarted(c, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	h := startHeld(t, "late")
	b.send(t, a.Addr(), h.Addr())
	waitUntil(t, "the late engine is managed", func() bool { _, err := c.Engine(h.Addr()); return err == nil })
	if starting, why := c.Starting(); starting {
		t.Fatalf("a late engine closed the gate again: %s", why)
	}
}

// TestStartupNameHeldByHeldEngine is the reproduction, without the
// API: while an engine holding "keep" is not reached, the gate is closed;
// once it answers, "keep" is taken and a create of that name is refused.
func TestStartupNameHeldByHeldEngine(t *testing.T) {
	c, b := runGated(t, time.Minute)
	free := startSim(t, simengine.Config{Name: "free"})
	h := startHeld(t, "holder", simengine.Container{Name: "keep"})
	b.send(t, free.Addr(), h.Addr())
	if err := waitStarted(c, 300*time.Millisecond); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("WaitStarted while the holder is held = %v, want ErrUnavailable", err)
	}
	h.release()
	if err := waitStarted(c, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.CreateContainer(context.Background(), busybox("keep")); !errors.Is(err, ErrConflict) {
		t.Fatalf("create keep after the start = %v, want ErrConflict", err)
	}
	ct, err := c.Container("keep")
	if err != nil || ct.Engine.Name() != "holder" {
		t.Fatalf("keep: %v, %v; want the holder's", ct, err)
	}
}

// TestUnhealthyEngineKeepsNames: the cached containers of an engine that
// turned Unhealthy keep their names reserved.
func TestUnhealthyEngineKeepsNames(t *testing.T) {
	a := startSim(t, simengine.Config{Name: "node-a", Containers: []simengine.Container{{Name: "keep"}}})
	other := startSim(t, simengine.Config{Name: "node-b"})
	c := newSimCluster(t, simOptions(t))
	addSims(t, c, a, other)
	ea, err := c.Engine("node-a")
	if err != nil {
		t.Fatal(err)
	}
	a.SetFailure(simengine.FailClose)
	waitUntil(t, "node-a is unhealthy", func() bool { return ea.Health() == Unhealthy })
	tests := []struct {
		name  string
		check func() error
	}{
		{name: "create", check: func() error { _, _, err := c.CreateContainer(context.Background(), busybox("keep")); return err }},
		{name: "rename", check: func() error { return c.NameAvailable("keep") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.check(); !errors.Is(err, ErrConflict) {
				t.Fatalf("%s with the name of an unhealthy node's container = %v, want ErrConflict", tt.name, err)
			}
		})
	}
	if got := len(other.ContainerIDs()); got != 0 {
		t.Fatalf("node-b holds %d containers, want 0", got)
	}
}

// TestStartupGateStopped: a cluster stopped while starting does not
// count its engines leaving as a start.
func TestStartupGateStopped(t *testing.T) {
	opts := simOptions(t)
	opts.StartupWait = time.Minute
	c := New(opts)
	h := startHeld(t, "held")
	b := newFeedBackend()
	b.send(t, h.Addr())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.Run(ctx, b)
	}()
	waitUntil(t, "the held engine is managed", func() bool { _, err := c.Engine(h.Addr()); return err == nil })
	cancel()
	<-done
	if starting, _ := c.Starting(); !starting {
		t.Fatal("a cluster stopped while starting says it started")
	}
}
