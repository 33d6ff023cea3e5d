package discovery_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/swarm-project/swarm/discovery"
)

// TestRecoverAfterStoreRestart restarts each real store under a running
// watch and a heartbeating writer (a separate connection, as join and
// manage are): the watch must come back by itself and deliver what is
// registered after the restart.
func TestRecoverAfterStoreRestart(t *testing.T) {
	for _, store := range []string{"etcd", "zk", "consul"} {
		t.Run(store, func(t *testing.T) {
			addr := needStore(t, store)
			url := store + "://" + addr + "/" + uniquePath(t)
			opts := discovery.Options{Heartbeat: 500 * time.Millisecond, TTL: 4 * time.Second}
			writer, err := discovery.New(url, opts)
			if err != nil {
				t.Fatal(err)
			}
			defer discovery.Close(writer)
			watcher, err := discovery.New(url, opts)
			if err != nil {
				t.Fatal(err)
			}
			defer discovery.Close(watcher)

			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			defer wg.Wait()
			defer cancel()

			// heartbeat registers addr every 500ms until ctx ends, as join does.
			heartbeat := func(addr string) {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						rctx, rcancel := context.WithTimeout(ctx, 2*time.Second)
						_ = writer.Register(rctx, addr)
						rcancel()
						select {
						case <-ctx.Done():
							return
						case <-time.After(500 * time.Millisecond):
						}
					}
				}()
			}
			entries, errs := watcher.Watch(ctx)
			wg.Add(1)
			go func() {
				defer wg.Done()
				for err := range errs {
					t.Logf("watch error (expected while the store restarts): %v", err)
				}
			}()
			heartbeat("127.0.0.1:23761")
			waitEntries(t, entries, 15*time.Second, "127.0.0.1:23761")

			restartStore(t, store)
			t.Logf("%s restarted", store)
			heartbeat("127.0.0.1:23762")
			waitEntries(t, entries, 30*time.Second, "127.0.0.1:23761", "127.0.0.1:23762")
		})
	}
}

// waitEntries reads snapshots until one holds exactly addrs.
func waitEntries(t *testing.T, entries <-chan discovery.Entries, timeout time.Duration, addrs ...string) {
	t.Helper()
	want, err := discovery.ParseEntries(addrs)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.After(timeout)
	var last discovery.Entries
	for {
		select {
		case es, ok := <-entries:
			if !ok {
				t.Fatal("watch ended")
			}
			if es.Equal(want) {
				return
			}
			last = es
		case <-deadline:
			t.Fatalf("no snapshot %v within %v (last %v)", want, timeout, last)
		}
	}
}
