// Package ha_test holds the acceptance tests of replicated managers
// (swarm manage --replication): three managers over the same engines and
// one real store (etcd, Consul, ZooKeeper, started by test/stores.sh), the
// docker CLI through every manager, kill -9 of the primary, and a primary
// paused (SIGSTOP) past its lock's TTL.
//
// `go test -short` skips everything here. The failover drill that
// docs/ha.md quotes is TestFailoverDrill (run with -v; it logs figures).
package ha_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/swarm-project/swarm/test/harness"
)

func TestMain(m *testing.M) {
	code := m.Run()
	stopEngines()
	stopStores()
	os.Exit(code)
}

// storeState remembers which stores this test binary started.
type storeState struct {
	once    sync.Once
	addr    string
	err     error
	started bool // this process started it, so it stops it
}

var (
	storesMu sync.Mutex // guards stores
	stores   = map[string]*storeState{}
)

// runStores runs test/stores.sh with args and returns its output.
func runStores(args ...string) (string, error) {
	root, err := harness.RepoRoot()
	if err != nil {
		return "", err
	}
	script := filepath.Join(root, "test", "stores.sh")
	out, err := exec.Command("bash", append([]string{script}, args...)...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("stores.sh %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// storeAddr returns the address stores.sh gives the named store.
func storeAddr(name string) (string, error) {
	key := map[string]string{"etcd": "SWARM_TEST_ETCD", "zk": "SWARM_TEST_ZK", "consul": "SWARM_TEST_CONSUL"}[name]
	out, err := runStores("env")
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(line, key+"="); ok {
			return strings.TrimSpace(v), nil
		}
	}
	return "", fmt.Errorf("stores.sh env: no %s", key)
}

// needStore starts the named store once and returns its address; it fails
// the test when the store cannot run.
func needStore(t *testing.T, name string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test (-short)")
	}
	storesMu.Lock()
	st, ok := stores[name]
	if !ok {
		st = &storeState{}
		stores[name] = st
	}
	storesMu.Unlock()
	st.once.Do(func() {
		status, err := runStores("status", name)
		if err != nil {
			st.err = err
			return
		}
		wasRunning := strings.Contains(status, "running")
		if _, err := runStores("start", name); err != nil {
			st.err = err
			return
		}
		st.started = !wasRunning
		st.addr, st.err = storeAddr(name)
	})
	if st.err != nil {
		t.Fatalf("store %s: %v", name, st.err)
	}
	return st.addr
}

func stopStores() {
	if os.Getenv("SWARM_TEST_KEEP_STORES") == "1" {
		return
	}
	storesMu.Lock()
	defer storesMu.Unlock()
	for name, st := range stores {
		if st.started {
			if out, err := runStores("stop", name); err != nil {
				fmt.Fprintf(os.Stderr, "stopping %s: %v\n%s", name, err, out)
			}
		}
	}
}

// engines shared by every test of this package.
var (
	enginesOnce sync.Once
	engines     []*harness.Engine
	enginesErr  error
)

// needEngines starts two real engines once per test process.
func needEngines(t *testing.T) []*harness.Engine {
	t.Helper()
	harness.RequireEngines(t)
	enginesOnce.Do(func() {
		engines, enginesErr = harness.StartEngines(2, nil)
	})
	if enginesErr != nil {
		t.Fatal(enginesErr)
	}
	return engines
}

func stopEngines() {
	if engines != nil {
		harness.StopEngines(engines)
	}
}
