// Package ha_test holds the acceptance tests of replicated managers
// (swarm manage --replication): three managers over the same engines and
// one real store (etcd, Consul, ZooKeeper, started by test/stores.sh), the
// docker CLI through every manager, kill -9 of the primary, and a primary
// paused (SIGSTOP) past its lock's TTL, and the primary killed together
// with an engine (TestTakeOverEtcd).
//
// `go test -short` skips everything here. The figures docs/ha.md quotes
// come from test/ha/drill.sh, which runs these tests with -v (they log
// them).
package ha_test

import (
	"os"
	"testing"

	"github.com/swarm-project/swarm/test/harness"
)

func TestMain(m *testing.M) {
	code := m.Run()
	stopEngines()
	stopStores()
	os.Exit(code)
}

// needStore starts the named store once (test/harness/stores.go).
func needStore(t *testing.T, name string) string { t.Helper(); return harness.NeedStore(t, name) }

func stopStores() { harness.StopStores() }

// engines are two real engines shared by every test of this package,
// started by the first test that needs them.
var engines = harness.LazyEngines{N: 2}

func needEngines(t *testing.T) []*harness.Engine { t.Helper(); return engines.Get(t) }

func stopEngines() { engines.Stop() }
