// Package discovery_test holds the integration tests of discovery: the
// conformance suite against real etcd, ZooKeeper and Consul servers (started
// by test/stores.sh), and end-to-end runs of swarm join, list, create,
// token-server and manage with real Docker engines (test/harness).
//
// Stores are started once per test binary and stopped at the end unless
// they were already running (or SWARM_TEST_KEEP_STORES=1). `go test -short`
// skips everything here.
package discovery_test

import (
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/swarm-project/swarm/test/harness"
)

func TestMain(m *testing.M) {
	code := m.Run()
	stopEngines()
	stopStores()
	os.Exit(code)
}

// The stores are the harness's (test/harness/stores.go), shared with test/ha.

func storesEnv(key string) (string, error) { return harness.StoresEnv(key) }

func needStore(t *testing.T, name string) string { t.Helper(); return harness.NeedStore(t, name) }

func restartStore(t *testing.T, name string) { t.Helper(); harness.RestartStore(t, name) }

func stopStores() { harness.StopStores() }

var prefixSeq atomic.Int64

// uniquePath gives each test its own key prefix in a shared store.
func uniquePath(t *testing.T) string {
	return fmt.Sprintf("swarmtest/%d-%d", time.Now().UnixNano(), prefixSeq.Add(1))
}
