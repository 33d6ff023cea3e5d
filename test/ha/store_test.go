package ha_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/swarm-project/swarm/cluster/state"
	"github.com/swarm-project/swarm/discovery"
	"github.com/swarm-project/swarm/discovery/kv"
	"github.com/swarm-project/swarm/test/harness"
)

// The store primitives replication needs (Get, Set, List, TryLock,
// Unlock) and the state adapter, against the real stores.
func TestStoreEtcd(t *testing.T)      { runStore(t, "etcd") }
func TestStoreConsul(t *testing.T)    { runStore(t, "consul") }
func TestStoreZooKeeper(t *testing.T) { runStore(t, "zk") }

func runStore(t *testing.T, name string) {
	addr := needStore(t, name)
	url := fmt.Sprintf("%s://%s/swarmkv/%d", name, addr, time.Now().UnixNano())
	const lockTTL = 4 * time.Second
	open := func() (kv.Store, string) {
		s, base, err := discovery.OpenStore(url, discovery.Options{}, lockTTL)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s, base
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	a, base := open()

	// Data: persistent keys.
	key := kv.Join(base, "data", "x")
	// The first request may come before the connection is up (ZooKeeper
	// connects in the background): wait for a real answer.
	var getErr error
	if err := harness.WaitFor(30*time.Second, func() (bool, error) {
		_, getErr = a.Get(ctx, key)
		return errors.Is(getErr, kv.ErrNotFound), nil
	}); err != nil {
		t.Fatalf("Get of a missing key: %v, want ErrNotFound", getErr)
	}
	for k, v := range map[string]string{"x": "1", "y": "2"} {
		if err := a.Set(ctx, kv.Join(base, "data", k), []byte(v)); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Set(ctx, key, []byte("one")); err != nil {
		t.Fatalf("Set over an existing key: %v", err)
	}
	if v, err := a.Get(ctx, key); err != nil || string(v) != "one" {
		t.Fatalf("Get = %q, %v", v, err)
	}
	got, err := a.List(ctx, kv.Join(base, "data"))
	if err != nil || !slices.Equal(state.Keys(got), []string{"x", "y"}) || string(got["y"]) != "2" {
		t.Fatalf("List = %q, %v", got, err)
	}
	if err := a.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Get(ctx, key); !errors.Is(err, kv.ErrNotFound) {
		t.Fatalf("Get after Delete: %v", err)
	}

	// The state adapter over the store, seen from a second connection.
	b, _ := open()
	if err := state.NewKV(a, base, kv.ErrNotFound).Put(ctx, "nodes/n1", []byte(`{"availability":"drain"}`)); err != nil {
		t.Fatal(err)
	}
	sb := state.NewKV(b, base, kv.ErrNotFound)
	if v, err := sb.Get(ctx, "nodes/n1"); err != nil || string(v) != `{"availability":"drain"}` {
		t.Fatalf("state Get from another connection = %q, %v", v, err)
	}
	if _, err := sb.Get(ctx, "nodes/none"); !errors.Is(err, state.ErrNotFound) {
		t.Fatalf("state Get of a missing key: %v, want state.ErrNotFound", err)
	}
	if got, err := sb.List(ctx, "nodes"); err != nil || len(got) != 1 {
		t.Fatalf("state List = %q, %v", got, err)
	}

	// Locks: one holder at a time; renewal keeps it; Unlock frees it; a
	// holder that goes away loses it within the TTL.
	lock := kv.Join(base, "docker/swarm/leader")
	tryLock := func(s kv.Store, value string) (bool, string) {
		t.Helper()
		held, holder, err := s.TryLock(ctx, lock, []byte(value), lockTTL)
		if err != nil {
			t.Fatalf("TryLock(%s): %v", value, err)
		}
		return held, string(holder)
	}
	if held, holder := tryLock(a, "a"); !held || holder != "a" {
		t.Fatalf("a: TryLock of a free lock = %v, %q", held, holder)
	}
	if held, holder := tryLock(b, "b"); held || holder != "a" {
		t.Fatalf("b: TryLock of a's lock = %v, %q; want not held, holder a", held, holder)
	}
	for i := 0; i < 3; i++ {
		time.Sleep(lockTTL / 4)
		if held, _ := tryLock(a, "a"); !held {
			t.Fatalf("a lost its lock while renewing it (renewal %d)", i+1)
		}
	}
	if v, err := b.Get(ctx, lock); err != nil || string(v) != "a" {
		t.Fatalf("the lock key holds %q (%v), want the holder's value", v, err)
	}
	if err := a.Unlock(ctx, lock); err != nil {
		t.Fatal(err)
	}
	if held, _ := tryLock(b, "b"); !held {
		t.Fatal("b cannot take the lock a released")
	}
	if held, holder := tryLock(a, "a"); held || holder != "b" {
		t.Fatalf("a: TryLock of b's lock = %v, %q", held, holder)
	}
	// b goes away without unlocking (Close; for etcd the lease lapses).
	gone := time.Now()
	_ = b.Close()
	if err := harness.WaitFor(lockTTL+10*time.Second, func() (bool, error) {
		held, _ := tryLock(a, "a")
		return held, nil
	}); err != nil {
		t.Fatalf("a never took the lock of a closed holder: %v", err)
	}
	t.Logf("%s: the lock of a closed holder was free again after %v (TTL %v)", name, time.Since(gone).Round(time.Millisecond), lockTTL)
}
