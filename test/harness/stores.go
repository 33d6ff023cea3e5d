package harness

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// The real key/value stores of the integration tests (etcd, etcd-tls,
// zk, consul), started on loopback by test/stores.sh. A test binary
// starts each store it needs once (NeedStore) and stops, in its TestMain,
// those it started (StopStores); stores already running are left alone.

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

// RunStores runs test/stores.sh with args and returns its output.
func RunStores(args ...string) (string, error) {
	root, err := RepoRoot()
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

// StoresEnv returns one variable that `stores.sh env` prints.
func StoresEnv(key string) (string, error) {
	out, err := RunStores("env")
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

// storeEnvKeys are the variables holding each store's address.
var storeEnvKeys = map[string]string{"etcd": "SWARM_TEST_ETCD", "etcd-tls": "SWARM_TEST_ETCD_TLS", "zk": "SWARM_TEST_ZK", "consul": "SWARM_TEST_CONSUL"}

// NeedStore starts the named store (etcd, etcd-tls, zk, consul) once per
// test process and returns its address. It skips the test under -short
// and fails it when the store cannot run: these tests must prove they ran.
func NeedStore(t testing.TB, name string) string {
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
		key, ok := storeEnvKeys[name]
		if !ok {
			st.err = fmt.Errorf("harness: unknown store %q", name)
			return
		}
		status, err := RunStores("status", name)
		if err != nil {
			st.err = err
			return
		}
		wasRunning := strings.Contains(status, "running")
		if _, err := RunStores("start", name); err != nil {
			st.err = err
			return
		}
		st.started = !wasRunning
		st.addr, st.err = StoresEnv(key)
	})
	if st.err != nil {
		t.Fatalf("store %s: %v", name, st.err)
	}
	return st.addr
}

// RestartStore stops and starts the named store, keeping its data.
func RestartStore(t testing.TB, name string) {
	t.Helper()
	if _, err := RunStores("restart", name); err != nil {
		t.Fatal(err)
	}
}

// StopStores stops the stores this process started, unless
// SWARM_TEST_KEEP_STORES=1. Call it from TestMain after m.Run.
func StopStores() {
	if os.Getenv("SWARM_TEST_KEEP_STORES") == "1" {
		return
	}
	storesMu.Lock()
	defer storesMu.Unlock()
	for name, st := range stores {
		if st.started {
			if out, err := RunStores("stop", name); err != nil {
				fmt.Fprintf(os.Stderr, "stopping %s: %v\n%s", name, err, out)
			}
			st.started = false
		}
	}
}
