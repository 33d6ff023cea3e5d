package leader

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// fakeLock is a lock in memory shared by several elections; who is the
// Store identity of each caller.
type fakeLock struct {
	mu     sync.Mutex // guards holder, down
	holder string
	down   bool
}

type lockView struct {
	l   *fakeLock
	who string
}

func (v lockView) TryLock(_ context.Context, _ string, value []byte, _ time.Duration) (bool, []byte, error) {
	v.l.mu.Lock()
	defer v.l.mu.Unlock()
	if v.l.down {
		return false, nil, errors.New("store down")
	}
	if v.l.holder == "" {
		v.l.holder = v.who
	}
	return v.l.holder == v.who, []byte(v.l.holder), nil
}

func (v lockView) Unlock(context.Context, string) error {
	v.l.mu.Lock()
	defer v.l.mu.Unlock()
	if v.l.holder == v.who {
		v.l.holder = ""
	}
	return nil
}

// fakeCluster records what the election told it.
type fakeCluster struct {
	mu        sync.Mutex // guards the fields
	until     time.Time
	leading   bool
	events    []string
	takeOvers int
}

func (c *fakeCluster) LeadUntil(d time.Time, _ uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.until, c.leading = d, true
}
func (c *fakeCluster) SetLeading(b bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.leading, c.until = b, time.Time{}
}
func (c *fakeCluster) Leading() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.leading && (c.until.IsZero() || time.Now().Before(c.until))
}
func (c *fakeCluster) LeaderEvent(action, _ string, _ uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.events = append(c.events, action)
}
func (c *fakeCluster) Elected(context.Context) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.takeOvers++
}

func TestElectionSteps(t *testing.T) {
	ctx := context.Background()
	l := &fakeLock{}
	ca, cb := &fakeCluster{}, &fakeCluster{}
	a := New(Config{Key: "k", Addr: "a:1", TTL: 10 * time.Second}, lockView{l, "a:1"}, ca)
	b := New(Config{Key: "k", Addr: "b:1", TTL: 10 * time.Second}, lockView{l, "b:1"}, cb)

	steps := []struct {
		name         string
		run          func()
		wantA, wantB bool   // Primary().self
		wantPrimaryB string // what b forwards to
	}{
		{name: "a wins", run: func() { a.once(ctx); b.once(ctx) }, wantA: true, wantPrimaryB: "a:1"},
		{name: "renewal keeps a", run: func() { a.once(ctx); b.once(ctx) }, wantA: true, wantPrimaryB: "a:1"},
		{name: "store down: a keeps its lease", run: func() { l.down = true; a.once(ctx) }, wantA: true, wantPrimaryB: "a:1"},
		{name: "lease runs out: a is fenced", run: func() {
			ca.mu.Lock()
			ca.until = time.Now().Add(-time.Millisecond)
			ca.mu.Unlock()
		}, wantA: false, wantPrimaryB: "a:1"},
		{name: "a's lock lapsed, b takes it", run: func() { l.down = false; l.holder = ""; b.once(ctx); a.once(ctx) }, wantB: true, wantPrimaryB: "b:1"},
	}
	for _, st := range steps {
		st.run()
		if self, _ := a.Primary(); self != st.wantA {
			t.Fatalf("%s: a primary = %v, want %v", st.name, self, st.wantA)
		}
		self, p := b.Primary()
		if self != st.wantB || p != st.wantPrimaryB {
			t.Fatalf("%s: b = (%v, %q), want (%v, %q)", st.name, self, p, st.wantB, st.wantPrimaryB)
		}
	}
	if _, p := a.Primary(); p != "b:1" {
		t.Errorf("a follows %q, want b:1", p)
	}
	a.wg.Wait()
	b.wg.Wait()
	if got := ca.events; len(got) != 2 || got[0] != "leader_elected" || got[1] != "leader_lost" {
		t.Errorf("a's events = %v, want leader_elected then leader_lost", got)
	}
	if ca.takeOvers != 1 || cb.takeOvers != 1 {
		t.Errorf("Elected ran %d and %d times, want once each", ca.takeOvers, cb.takeOvers)
	}
	// A fenced primary reports no primary, so that the API answers 503.
	b.cluster.SetLeading(false)
	if self, p := b.Primary(); self || p != "" {
		t.Errorf("fenced b: Primary() = (%v, %q), want (false, \"\")", self, p)
	}
}

func TestRunResigns(t *testing.T) {
	l := &fakeLock{}
	c := &fakeCluster{}
	e := New(Config{Key: "k", Addr: "a:1", TTL: time.Second}, lockView{l, "a:1"}, c)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); e.Run(ctx) }()
	deadline := time.Now().Add(5 * time.Second)
	for self, _ := e.Primary(); !self; self, _ = e.Primary() {
		if time.Now().After(deadline) {
			t.Fatal("never became primary")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	if l.holder != "" {
		t.Fatalf("lock still held by %q after Run ended", l.holder)
	}
	if c.Leading() {
		t.Fatal("still leading after Run ended")
	}
}
