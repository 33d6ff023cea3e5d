package harness

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// MaxEngine is the highest engine number engines.sh accepts.
const MaxEngine = 99

// ErrNoEngineNumbers is returned when too few engine numbers are free.
var ErrNoEngineNumbers = errors.New("harness: not enough free engine numbers")

// ownerFile marks an engine directory as started by this harness, so that a
// later allocator knows it may purge the engine once its lock is free.
const ownerFile = "harness.owner"

// firstEngine is the lowest number StartEngines uses:
// $SWARM_HARNESS_FIRST_ENGINE, or 11.
func firstEngine() (int, error) {
	s := os.Getenv("SWARM_HARNESS_FIRST_ENGINE")
	if s == "" {
		return 11, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > MaxEngine {
		return 0, fmt.Errorf("harness: SWARM_HARNESS_FIRST_ENGINE=%q: want 1..%d", s, MaxEngine)
	}
	return n, nil
}

// portBase is the engine TCP port base: $SWARM_ENGINE_PORT_BASE, or 23750.
func portBase() (int, error) {
	s := os.Getenv("SWARM_ENGINE_PORT_BASE")
	if s == "" {
		return 23750, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n+MaxEngine > 65535 {
		return 0, fmt.Errorf("harness: SWARM_ENGINE_PORT_BASE=%q is not a usable port base", s)
	}
	return n, nil
}

// claim is one engine number held by this process.
type claim struct {
	n    int
	lock *os.File // flock(LOCK_EX) held while the number is ours
}

func (c *claim) release() {
	if c.lock != nil {
		_ = c.lock.Close() // closing drops the flock
		c.lock = nil
	}
}

// allocator hands out engine numbers first..last. inUse reports numbers
// taken by something other than the harness (a running engine without the
// owner marker, a busy port); it is called only while the lock is held.
type allocator struct {
	stateDir    string
	first, last int
	inUse       func(n int) bool
}

// claimN takes count free numbers, lowest first.
func (a *allocator) claimN(count int) ([]*claim, error) {
	if count < 1 {
		return nil, fmt.Errorf("harness: need at least one engine, got %d", count)
	}
	lockDir := filepath.Join(a.stateDir, "locks")
	if err := os.MkdirAll(lockDir, 0o755); err != nil {
		return nil, fmt.Errorf("harness: %w", err)
	}
	var got []*claim
	for n := a.first; n <= a.last && len(got) < count; n++ {
		c, err := a.tryClaim(lockDir, n)
		if err != nil {
			releaseAll(got)
			return nil, err
		}
		if c != nil {
			got = append(got, c)
		}
	}
	if len(got) < count {
		releaseAll(got)
		return nil, fmt.Errorf("%w: wanted %d in %d..%d", ErrNoEngineNumbers, count, a.first, a.last)
	}
	return got, nil
}

// tryClaim returns nil, nil when n is taken.
func (a *allocator) tryClaim(lockDir string, n int) (*claim, error) {
	path := filepath.Join(lockDir, fmt.Sprintf("engine-%d.lock", n))
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("harness: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, nil
		}
		return nil, fmt.Errorf("harness: flock %s: %w", path, err)
	}
	if a.inUse != nil && a.inUse(n) {
		_ = f.Close()
		return nil, nil
	}
	return &claim{n: n, lock: f}, nil
}

func releaseAll(cs []*claim) {
	for _, c := range cs {
		c.release()
	}
}

// engineInUse reports whether engine n is used by someone else: a running
// dockerd not started by the harness, a running engine of another state
// directory on the same bridge or namespace, or its TCP port held by another
// program. A running engine with the owner marker is a leftover of a dead
// test process (its lock was free) and is not in use.
func engineInUse(stateDir string, base, n int) bool {
	dir := filepath.Join(stateDir, fmt.Sprintf("engine-%d", n))
	if _, running := enginePID(dir); running {
		_, err := os.Stat(filepath.Join(dir, ownerFile))
		return err != nil
	}
	// engines.sh records the owning state directory on the bridge swbN.
	if alias, err := os.ReadFile(fmt.Sprintf("/sys/class/net/swb%d/ifalias", n)); err == nil {
		owner := strings.TrimSpace(string(alias))
		if owner != "" && owner != dir {
			if _, running := enginePID(owner); running {
				return true
			}
		}
	}
	// And the namespace swarm-node-N of a test host on the veth swvN.
	if hostNetInUse(dir, n) {
		return true
	}
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(base+n)))
	if err != nil {
		return true
	}
	_ = l.Close()
	return false
}

// enginePID reads the dockerd pidfile of the engine in dir and reports
// whether that process is alive and is this engine's dockerd.
func enginePID(dir string) (int, bool) {
	data, err := os.ReadFile(filepath.Join(dir, "docker.pid"))
	if err != nil {
		return 0, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 0 {
		return 0, false
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return 0, false
	}
	want := []byte("--data-root\x00" + filepath.Join(dir, "data") + "\x00")
	return pid, bytes.Contains(cmdline, want)
}
