package discoverytest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/swarm-project/swarm/discovery"
)

// Fixture is one backend under test over a namespace of its own.
type Fixture struct {
	// Backend is the backend under test. The suite closes it (discovery.Close)
	// at the end of the sub-test.
	Backend discovery.Backend
	// Initial is what the backend holds when built (the nodes backend's
	// list); nil means empty.
	Initial discovery.Entries
	// Set replaces what the backend holds, for backends fed from outside
	// (file). Nil for backends written through Register or fixed ones.
	Set func(t *testing.T, addrs ...string)
	// TTL is the registration TTL the backend was built with. When set, the
	// suite checks that an entry that is not renewed goes away within
	// Expiry.
	TTL time.Duration
	// Expiry bounds how long after its last Register an entry may stay;
	// 3*TTL when zero (Consul may keep a session up to twice its TTL).
	Expiry time.Duration
	// Timeout bounds how long a change may take to show up; 15s when zero.
	Timeout time.Duration
	// NoExpiry, when set, says why the in-process expiry check cannot run
	// (ZooKeeper: entries live as long as the writer's session, which its
	// client keeps alive until the process stops).
	NoExpiry string
}

// NewFunc builds a fresh Fixture; it is called once per sub-test.
type NewFunc func(t *testing.T) Fixture

func (f Fixture) timeout() time.Duration {
	if f.Timeout > 0 {
		return f.Timeout
	}
	return 15 * time.Second
}

func (f Fixture) expiry() time.Duration {
	if f.Expiry > 0 {
		return f.Expiry
	}
	return 3 * f.TTL
}

// Addresses the suite registers. They are never contacted.
const (
	addrA = "127.0.0.1:23751"
	addrB = "127.0.0.1:23752"
	addrC = "127.0.0.1:23753"
)

// Run runs the conformance suite.
func Run(t *testing.T, newFixture NewFunc) {
	t.Helper()
	setup := func(t *testing.T) Fixture {
		f := newFixture(t)
		t.Cleanup(func() {
			if err := discovery.Close(f.Backend); err != nil {
				t.Logf("close backend: %v", err)
			}
		})
		return f
	}
	t.Run("InitialSnapshot", func(t *testing.T) { testInitialSnapshot(t, setup(t)) })
	t.Run("ChangeDelivery", func(t *testing.T) { testChangeDelivery(t, setup(t)) })
	t.Run("RenewDoesNotResend", func(t *testing.T) { testRenewDoesNotResend(t, setup(t)) })
	t.Run("TwoWatchers", func(t *testing.T) { testTwoWatchers(t, setup(t)) })
	t.Run("Expiry", func(t *testing.T) { testExpiry(t, setup(t)) })
	t.Run("BadAddress", func(t *testing.T) { testBadAddress(t, setup(t)) })
	t.Run("CancelClosesChannels", func(t *testing.T) { testCancel(t, setup(t)) })
}

// kind tells how the suite changes what f's backend holds: "external"
// through Set, "register" through Register, "static" not at all.
func kind(f Fixture) string {
	switch {
	case f.Set != nil:
		return "external"
	case f.Initial != nil:
		return "static"
	default:
		return "register"
	}
}

func testInitialSnapshot(t *testing.T, f Fixture) {
	w := startWatch(t, f.Backend)
	got := w.next(t, f.timeout())
	want := f.Initial.Normalize()
	if !got.Equal(want) {
		t.Fatalf("initial snapshot = %v, want %v", got, want)
	}
	if kind(f) != "register" {
		err := f.Backend.Register(context.Background(), addrA)
		if !errors.Is(err, discovery.ErrNotSupported) {
			t.Errorf("Register on a read-only backend = %v, want ErrNotSupported", err)
		}
	}
}

// change applies one change to the backend under test.
type change struct {
	name  string
	apply func(t *testing.T, f Fixture) bool // false: not supported, skip
	want  []string
}

func register(addr string) func(*testing.T, Fixture) bool {
	return func(t *testing.T, f Fixture) bool {
		if err := f.Backend.Register(context.Background(), addr); err != nil {
			t.Fatalf("Register(%s): %v", addr, err)
		}
		return true
	}
}

func deregister(addr string) func(*testing.T, Fixture) bool {
	return func(t *testing.T, f Fixture) bool {
		d, ok := f.Backend.(discovery.Deregisterer)
		if !ok {
			return false
		}
		if err := d.Deregister(context.Background(), addr); err != nil {
			t.Fatalf("Deregister(%s): %v", addr, err)
		}
		return true
	}
}

func set(addrs ...string) func(*testing.T, Fixture) bool {
	return func(t *testing.T, f Fixture) bool {
		f.Set(t, addrs...)
		return true
	}
}

func testChangeDelivery(t *testing.T, f Fixture) {
	var changes []change
	switch kind(f) {
	case "static":
		t.Skip("fixed backend: nothing changes")
	case "external":
		changes = []change{
			{"add first", set(addrA), []string{addrA}},
			{"add second", set(addrA, addrB), []string{addrA, addrB}},
			{"remove first", set(addrB), []string{addrB}},
			{"remove all", set(), nil},
		}
	default:
		changes = []change{
			{"register first", register(addrA), []string{addrA}},
			{"register second", register(addrB), []string{addrA, addrB}},
			{"deregister first", deregister(addrA), []string{addrB}},
			{"deregister second", deregister(addrB), nil},
		}
	}
	w := startWatch(t, f.Backend)
	prev := w.next(t, f.timeout())
	if len(prev) != 0 {
		t.Fatalf("initial snapshot of a fresh backend = %v, want empty", prev)
	}
	for _, c := range changes {
		if !c.apply(t, f) {
			t.Logf("%s: not supported by this backend, stopping here", c.name)
			return
		}
		want := entries(t, c.want...)
		got := w.waitFor(t, want, f.timeout())
		if got.Equal(prev) {
			t.Fatalf("%s: two snapshots in a row are equal: %v", c.name, got)
		}
		prev = got
	}
}

func testRenewDoesNotResend(t *testing.T, f Fixture) {
	var again func()
	switch kind(f) {
	case "static":
		t.Skip("fixed backend: nothing changes")
	case "external":
		f.Set(t, addrA)
		again = func() { f.Set(t, addrA) }
	default:
		register(addrA)(t, f)
		again = func() { register(addrA)(t, f) }
	}
	w := startWatch(t, f.Backend)
	w.waitFor(t, entries(t, addrA), f.timeout())
	// Keep renewing (as join's heartbeat does) while watching: the set does
	// not change, so no snapshot may come. This can only pass wrongly (a
	// late snapshot), never fail wrongly.
	period := 300 * time.Millisecond
	if f.TTL > 0 && f.TTL/4 < period {
		period = f.TTL / 4
	}
	tick := time.NewTicker(period)
	defer tick.Stop()
	window := time.After(2 * time.Second)
	for {
		select {
		case es, ok := <-w.entries:
			if ok {
				t.Fatalf("renewal produced a snapshot %v, want none (set did not change)", es)
			}
			t.Fatal("entries channel closed while the watch was running")
		case <-tick.C:
			again()
		case <-window:
			return
		}
	}
}

func testTwoWatchers(t *testing.T, f Fixture) {
	var apply func(*testing.T, Fixture) bool
	switch kind(f) {
	case "static":
		w1, w2 := startWatch(t, f.Backend), startWatch(t, f.Backend)
		want := f.Initial.Normalize()
		for _, w := range []*watch{w1, w2} {
			if got := w.next(t, f.timeout()); !got.Equal(want) {
				t.Fatalf("snapshot = %v, want %v", got, want)
			}
		}
		return
	case "external":
		apply = set(addrC)
	default:
		apply = register(addrC)
	}
	w1, w2 := startWatch(t, f.Backend), startWatch(t, f.Backend)
	w1.next(t, f.timeout())
	w2.next(t, f.timeout())
	apply(t, f)
	want := entries(t, addrC)
	w1.waitFor(t, want, f.timeout())
	w2.waitFor(t, want, f.timeout())
}

func testExpiry(t *testing.T, f Fixture) {
	if kind(f) != "register" || f.TTL <= 0 {
		t.Skip("backend has no TTL")
	}
	if f.NoExpiry != "" {
		t.Skip(f.NoExpiry)
	}
	w := startWatch(t, f.Backend)
	w.next(t, f.timeout())
	register(addrC)(t, f)
	w.waitFor(t, entries(t, addrC), f.timeout())
	start := time.Now()
	w.waitFor(t, discovery.Entries{}, f.expiry()+f.timeout())
	t.Logf("entry expired %v after its registration was seen (TTL %v)", time.Since(start).Round(100*time.Millisecond), f.TTL)
}

func testBadAddress(t *testing.T, f Fixture) {
	if kind(f) != "register" {
		t.Skip("read-only backend")
	}
	for _, bad := range []string{"", "no-port", "host:", ":2375", "host:notaport", "host:70000"} {
		if err := f.Backend.Register(context.Background(), bad); err == nil {
			t.Errorf("Register(%q) = nil, want an error", bad)
		}
	}
}

func testCancel(t *testing.T, f Fixture) {
	ctx, cancel := context.WithCancel(context.Background())
	entriesCh, errs := f.Backend.Watch(ctx)
	select {
	case <-entriesCh:
	case <-time.After(f.timeout()):
		t.Fatal("no initial snapshot")
	}
	cancel()
	deadline := time.After(10 * time.Second)
	for entriesCh != nil || errs != nil {
		select {
		case _, ok := <-entriesCh:
			if !ok {
				entriesCh = nil
			}
		case _, ok := <-errs:
			if !ok {
				errs = nil
			}
		case <-deadline:
			t.Fatalf("channels still open 10s after cancel (entries open: %v, errors open: %v)", entriesCh != nil, errs != nil)
		}
	}
}

// watch is a running Watch whose errors are logged.
type watch struct {
	entries <-chan discovery.Entries
}

func startWatch(t *testing.T, b discovery.Backend) *watch {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	es, errs := b.Watch(ctx)
	go func() {
		for err := range errs {
			t.Logf("watch error (transient): %v", err)
		}
	}()
	return &watch{entries: es}
}

// next returns the next snapshot, checking it is normalized.
func (w *watch) next(t *testing.T, timeout time.Duration) discovery.Entries {
	t.Helper()
	select {
	case es, ok := <-w.entries:
		if !ok {
			t.Fatal("entries channel closed while the watch was running")
		}
		if fmt.Sprint(es) != fmt.Sprint(es.Normalize()) {
			t.Fatalf("snapshot %v is not sorted and de-duplicated", es)
		}
		return es
	case <-time.After(timeout):
		t.Fatalf("no snapshot within %v", timeout)
	}
	return nil
}

// waitFor reads snapshots until one equals want.
func (w *watch) waitFor(t *testing.T, want discovery.Entries, timeout time.Duration) discovery.Entries {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var seen []discovery.Entries
	for {
		left := time.Until(deadline)
		if left <= 0 {
			t.Fatalf("no snapshot equal to %v within %v; saw %v", want, timeout, seen)
		}
		select {
		case es, ok := <-w.entries:
			if !ok {
				t.Fatal("entries channel closed while the watch was running")
			}
			if es.Equal(want) {
				return es
			}
			seen = append(seen, es)
		case <-time.After(left):
			t.Fatalf("no snapshot equal to %v within %v; saw %v", want, timeout, seen)
		}
	}
}

func entries(t *testing.T, addrs ...string) discovery.Entries {
	t.Helper()
	es, err := discovery.ParseEntries(addrs)
	if err != nil {
		t.Fatal(err)
	}
	return es
}
