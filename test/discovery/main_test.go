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
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
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

// storesScript returns the path of test/stores.sh.
func storesScript() (string, error) {
	root, err := harness.RepoRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, "test", "stores.sh"), nil
}

// runStores runs test/stores.sh with args and returns its output.
func runStores(args ...string) (string, error) {
	script, err := storesScript()
	if err != nil {
		return "", err
	}
	out, err := exec.Command("bash", append([]string{script}, args...)...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("stores.sh %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// storeAddr returns the address stores.sh uses for name.
func storeAddr(name string) (string, error) {
	key := map[string]string{"etcd": "SWARM_TEST_ETCD", "etcd-tls": "SWARM_TEST_ETCD_TLS", "zk": "SWARM_TEST_ZK", "consul": "SWARM_TEST_CONSUL"}[name]
	return storesEnv(key)
}

// storesEnv returns one variable that `stores.sh env` prints.
func storesEnv(key string) (string, error) {
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

// needStore starts the named store (etcd, etcd-tls, zk, consul) once and returns its
// address. It fails the test when the store cannot run: these tests must
// prove they ran.
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
		start := time.Now()
		if _, err := runStores("start", name); err != nil {
			st.err = err
			return
		}
		st.started = !wasRunning
		if st.started {
			t.Logf("started %s in %v", name, time.Since(start).Round(time.Millisecond))
		}
		st.addr, st.err = storeAddr(name)
	})
	if st.err != nil {
		t.Fatalf("store %s: %v", name, st.err)
	}
	return st.addr
}

// restartStore stops and starts the named store, keeping its data.
func restartStore(t *testing.T, name string) {
	t.Helper()
	if _, err := runStores("restart", name); err != nil {
		t.Fatal(err)
	}
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

var prefixSeq atomic.Int64

// uniquePath gives each test its own key prefix in a shared store.
func uniquePath(t *testing.T) string {
	return fmt.Sprintf("swarmtest/%d-%d", time.Now().UnixNano(), prefixSeq.Add(1))
}
