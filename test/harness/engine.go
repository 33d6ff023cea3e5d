package harness

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Timeouts for engines.sh calls. Stop allows for dockerd's own 10s per
// container plus the script's SIGKILL fallback (25s by default).
const (
	engineStartTimeout = 5 * time.Minute
	engineStopTimeout  = 2 * time.Minute
	installTimeout     = 10 * time.Minute
)

// Engine is one real dockerd started by test/engines.sh.
type Engine struct {
	N         int        // engine number, 1..99
	Kind      EngineKind // which dockerd: Engine2010 or Engine29 ("" starts it as its data was last started, else 20.10)
	Name      string     // node-N: the engine's hostname and `docker info` Name
	Addr      string     // 127.0.0.1:PORT of its API; IP:2375 for a test host
	Labels    []string   // engine labels, key=value
	PublishIP string     // 127.99.N.1: where its published ports are bound; IP for a test host
	// Host makes the engine a test host: it runs in the network namespace
	// swarm-node-N with the address IP on the test network (see the
	// package doc). Set by NewHostEngine and EnginesConfig.Hosts.
	Host   bool
	IP     string // 10.98.0.(100+N) for a test host, "" on loopback
	Dir    string // its state directory
	Mirror string // registry mirror URL passed at Start ("" for none); from $SWARM_REGISTRY_MIRROR
	// TLS, when set at Start, makes the engine's TCP listener require TLS
	// with a client certificate from TLS's CA (dockerd --tlsverify with
	// TLS's server certificate); its unix socket stays plain.
	TLS *Certs

	claim *claim // the flock that makes N ours; nil for engines not from StartEngines
}

// NewEngine describes engine n, of DefaultEngineKind, without starting it
// or claiming its number; for tests that manage numbers themselves (set Kind
// before Start for another kind). StartEngines is the usual way.
func NewEngine(n int, labels []string) (*Engine, error) {
	if n < 1 || n > MaxEngine {
		return nil, fmt.Errorf("harness: engine number %d out of range 1..%d", n, MaxEngine)
	}
	if err := checkLabels(labels); err != nil {
		return nil, err
	}
	base, err := portBase()
	if err != nil {
		return nil, err
	}
	kind, err := DefaultEngineKind()
	if err != nil {
		return nil, fmt.Errorf("harness: %w", err)
	}
	return &Engine{
		N:         n,
		Kind:      kind,
		Name:      fmt.Sprintf("node-%d", n),
		Addr:      fmt.Sprintf("127.0.0.1:%d", base+n),
		Labels:    append([]string(nil), labels...),
		PublishIP: fmt.Sprintf("127.99.%d.1", n),
		Dir:       filepath.Join(StateDir(), fmt.Sprintf("engine-%d", n)),
		Mirror:    os.Getenv("SWARM_REGISTRY_MIRROR"),
	}, nil
}

// NewHostEngine is NewEngine for a test host: engine n in its own network
// namespace, at 10.98.0.(100+n):2375.
func NewHostEngine(n int, labels []string) (*Engine, error) {
	e, err := NewEngine(n, labels)
	if err != nil {
		return nil, err
	}
	e.setMode(true, 0)
	return e, nil
}

// ErrBadLabel is returned for an engine label that is not key=value.
var ErrBadLabel = errors.New("harness: engine label must be key=value")

func checkLabels(labels []string) error {
	for _, l := range labels {
		k, _, ok := strings.Cut(l, "=")
		if !ok || k == "" || strings.ContainsAny(l, "\n\x00") {
			return fmt.Errorf("%w: %q", ErrBadLabel, l)
		}
	}
	return nil
}

// Start starts the engine (again, after Stop or Kill: same data, same ID)
// and waits until its API answers and it has busybox:latest.
func (e *Engine) Start() error {
	if e.Kind.needsBuild() {
		// Build (once, cached) outside the start timeout.
		if _, err := BuildEngine29(); err != nil {
			return err
		}
	}
	if e.Host != (e.IP != "") {
		// Host was changed after NewEngine: follow it.
		base, err := portBase()
		if err != nil {
			return err
		}
		e.setMode(e.Host, base)
	}
	args := []string{"start", fmt.Sprint(e.N), modeFlag(e.Host)}
	for _, l := range e.Labels {
		args = append(args, "--label", l)
	}
	env := []string{"SWARM_REGISTRY_MIRROR=" + e.Mirror, "SWARM_ENGINE_TLS_DIR=", "SWARM_ENGINE_KIND=" + string(e.Kind)}
	if e.TLS != nil {
		env[1] += e.TLS.Dir
	}
	_, err := enginesEnv(engineStartTimeout, env, args...)
	return err
}

// Stop shuts the engine down cleanly (SIGTERM; SIGKILL after the script's
// timeout) and keeps its data for a later Start.
func (e *Engine) Stop() error {
	_, err := engines(engineStopTimeout, "stop", fmt.Sprint(e.N))
	return err
}

// Kill simulates a crash: SIGKILL to dockerd, its containerd and the
// container shims. Its data is kept; containers are found exited on Start.
func (e *Engine) Kill() error {
	_, err := engines(engineStopTimeout, "kill", fmt.Sprint(e.N))
	return err
}

// Purge stops the engine if it runs and deletes its state. Start after
// Purge gives a fresh engine (a new engine ID).
func (e *Engine) Purge() error {
	_, err := engines(engineStopTimeout, "stop", fmt.Sprint(e.N), "--purge")
	return err
}

// Running reports whether the engine's dockerd process is alive.
func (e *Engine) Running() bool {
	_, ok := enginePID(e.Dir)
	return ok
}

// Docker runs the docker CLI against this engine, with the client
// certificate when the engine requires TLS.
func (e *Engine) Docker(args ...string) (stdout, stderr string, err error) {
	return DockerTLS(e.Addr, e.TLS, args...)
}

// LogPath is the engine's dockerd log file.
func (e *Engine) LogPath() string { return filepath.Join(e.Dir, "dockerd.log") }

// Log returns the last lines of the engine's dockerd log, for test failure
// messages.
func (e *Engine) Log() string { return fileTail(e.LogPath(), 50) }

// String names the engine for test output.
func (e *Engine) String() string { return e.Name + "@" + e.Addr }

// APIVersion is the highest Docker API version the engine serves (1.41 for
// Engine2010, 1.56 for Engine29).
func (e *Engine) APIVersion() string { return e.kind().APIVersion() }

// MinAPIVersion is the lowest Docker API version the engine accepts (1.12
// for Engine2010, 1.44 for Engine29).
func (e *Engine) MinAPIVersion() string { return e.kind().MinAPIVersion() }

// kind is e.Kind, with "" read as Engine2010.
func (e *Engine) kind() EngineKind {
	if e.Kind == "" {
		return Engine2010
	}
	return e.Kind
}

// EnginesConfig is what StartEnginesWith sets on the engines it starts.
type EnginesConfig struct {
	Labels map[int][]string // engine labels keyed by 0-based position
	TLS    *Certs           // when set, every engine requires TLS (see Engine.TLS)
	// Kind is every engine's kind; "" means DefaultEngineKind
	// ($SWARM_ENGINE_KIND, else Engine2010).
	Kind EngineKind
	// Kinds overrides Kind by 0-based position, for mixed clusters:
	// {2: Engine29, 3: Engine29} makes the last two of four engines Engine 29.
	Kinds map[int]EngineKind
	// Hosts makes every engine a test host with a network stack of its own
	// (see Engine.Host).
	Hosts bool
}

// StartEngines starts n fresh engines with numbers it claims for this
// process (see the package doc) and labels keyed by 0-based position. The
// engines start concurrently. On error nothing is left running.
func StartEngines(n int, labels map[int][]string) ([]*Engine, error) {
	return StartEnginesWith(n, EnginesConfig{Labels: labels})
}

// StartEnginesWith is StartEngines with more settings.
func StartEnginesWith(n int, cfg EnginesConfig) ([]*Engine, error) {
	labels := cfg.Labels
	for i, ls := range labels {
		if i < 0 || i >= n {
			return nil, fmt.Errorf("harness: labels for engine %d, but only %d engines", i, n)
		}
		if err := checkLabels(ls); err != nil {
			return nil, err
		}
	}
	if n < 1 {
		return nil, fmt.Errorf("harness: need at least one engine, got %d", n)
	}
	kinds, err := kindsFor(n, cfg)
	if err != nil {
		return nil, err
	}
	for _, k := range kinds {
		if k.needsBuild() {
			// Before claiming numbers: the first build takes minutes.
			if _, err := BuildEngine29(); err != nil {
				return nil, err
			}
			break
		}
	}
	first, err := firstEngine()
	if err != nil {
		return nil, err
	}
	base, err := portBase()
	if err != nil {
		return nil, err
	}
	state := StateDir()
	a := &allocator{
		stateDir: state,
		first:    first,
		last:     MaxEngine,
		inUse:    func(num int) bool { return engineInUse(state, base, num) },
	}
	claims, err := a.claimN(n)
	if err != nil {
		return nil, err
	}
	engs := make([]*Engine, n)
	for i, c := range claims {
		e, err := NewEngine(c.n, labels[i])
		if err != nil {
			releaseAll(claims)
			return nil, err
		}
		e.claim = c
		e.TLS = cfg.TLS
		e.Kind = kinds[i]
		if cfg.Hosts {
			e.setMode(true, base)
		}
		engs[i] = e
	}

	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, e := range engs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = e.startFresh()
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		StopEngines(engs)
		return nil, err
	}
	return engs, nil
}

// startFresh removes whatever an earlier user of this number left behind,
// marks the directory as the harness's and starts the engine.
func (e *Engine) startFresh() error {
	if err := e.Purge(); err != nil {
		return err
	}
	if err := os.MkdirAll(e.Dir, 0o755); err != nil {
		return fmt.Errorf("harness: %w", err)
	}
	owner := fmt.Sprintf("pid %d\n", os.Getpid())
	if err := os.WriteFile(filepath.Join(e.Dir, ownerFile), []byte(owner), 0o644); err != nil {
		return fmt.Errorf("harness: %w", err)
	}
	if err := e.Start(); err != nil {
		return fmt.Errorf("harness: starting %s: %w", e, err)
	}
	return nil
}

// StopEngines stops and purges the engines concurrently and gives their
// numbers back. Errors are ignored: it is meant for defer and t.Cleanup.
func StopEngines(engs []*Engine) {
	var wg sync.WaitGroup
	for _, e := range engs {
		if e == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = e.Purge()
			if e.claim != nil {
				e.claim.release()
				e.claim = nil
			}
		}()
	}
	wg.Wait()
}

// InstallEngines runs `engines.sh install`: docker.io, busybox-static,
// iproute2 and util-linux, each only if missing.
func InstallEngines() error {
	_, err := engines(installTimeout, "install")
	return err
}

// engines runs test/engines.sh with args and returns its stdout.
func engines(timeout time.Duration, args ...string) (string, error) {
	return enginesEnv(timeout, nil, args...)
}

// enginesEnv runs test/engines.sh with extra environment variables
// (NAME=value) and the harness's state directory.
func enginesEnv(timeout time.Duration, env []string, args ...string) (string, error) {
	script, err := scriptPath("engines.sh")
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := []string{"env", "SWARM_TEST_DIR=" + StateDir()}
	cmd = append(cmd, env...)
	cmd = append(cmd, "bash", script)
	out, _, err := run(ctx, "", append(cmd, args...)...)
	return out, err
}

// MustDocker runs the docker CLI against this engine and fails t on a
// non-zero exit; it returns stdout.
func (e *Engine) MustDocker(t testing.TB, args ...string) string {
	t.Helper()
	out, stderr, err := e.Docker(args...)
	if err != nil {
		t.Fatalf("docker %s on %s: %v\n%s", strings.Join(args, " "), e.Name, err, stderr)
	}
	return out
}
