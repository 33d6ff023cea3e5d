package discovery_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/swarm-project/swarm/test/harness"
)

// proc is a swarm process (join, token-server) started by a test, logging
// to a file. It is stopped by its PID only.
type proc struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	done    chan struct{} // closed when the process exited; owned by the waiter goroutine
	waitErr error         // set before done is closed
}

// startProc starts bin args with extra environment variables; the test's
// cleanup kills it if it still runs.
func startProc(t *testing.T, name, bin string, env []string, args ...string) *proc {
	t.Helper()
	dir := filepath.Join(harness.StateDir(), "logs")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	logFile, err := os.CreateTemp(dir, "discovery-"+name+"-*.log")
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{name: name, cmd: cmd, logPath: logFile.Name(), done: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("log of %s (%s):\n%s", p.name, p.logPath, p.log())
		}
	})
	return p
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// kill sends SIGKILL (a crash: no deregistration) and waits.
func (p *proc) kill() {
	if !p.exited() {
		_ = p.cmd.Process.Kill()
	}
	<-p.done
}

// terminate sends SIGTERM and returns the exit error (nil for status 0).
func (p *proc) terminate(t *testing.T) error {
	t.Helper()
	if !p.exited() {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
	}
	select {
	case <-p.done:
		return p.waitErr
	case <-time.After(15 * time.Second):
		p.kill()
		t.Fatalf("%s did not exit 15s after SIGTERM", p.name)
		return nil
	}
}

func (p *proc) log() string {
	b, err := os.ReadFile(p.logPath)
	if err != nil {
		return err.Error()
	}
	return string(b)
}

// swarmBin builds the swarm binary once per test process.
func swarmBin(t *testing.T) string {
	t.Helper()
	bin, err := harness.BuildSwarm()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// runSwarm runs the swarm binary to completion (bounded by timeout) and
// returns stdout, stderr and the exit code.
func runSwarm(t *testing.T, timeout time.Duration, env []string, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, swarmBin(t), args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatalf("swarm %s: %v", strings.Join(args, " "), err)
	}
	if ctx.Err() != nil {
		t.Fatalf("swarm %s did not finish within %v", strings.Join(args, " "), timeout)
	}
	return out.String(), errOut.String(), code
}

// tokenServer is a running `swarm token-server`.
type tokenServer struct {
	addr, db string
	p        *proc
}

func startTokenServer(t *testing.T, addr, db string) *tokenServer {
	t.Helper()
	if addr == "" {
		port, err := harness.FreePort()
		if err != nil {
			t.Fatal(err)
		}
		addr = "127.0.0.1:" + strconv.Itoa(port)
	}
	if db == "" {
		db = filepath.Join(t.TempDir(), "tokens.db")
	}
	p := startProc(t, "token-server", swarmBin(t), nil, "token-server", "--addr", addr, "--data", db)
	err := harness.WaitFor(15*time.Second, func() (bool, error) {
		if p.exited() {
			exitErr := p.waitErr
			if exitErr == nil {
				exitErr = errors.New("exit status 0")
			}
			return false, fmt.Errorf("token-server exited: %w\n%s", exitErr, p.log())
		}
		_, _, code := runSwarm(t, 10*time.Second, nil, "create", "--url", "http://"+addr)
		return code == 0, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return &tokenServer{addr: addr, db: db, p: p}
}

// engines are two real engines shared by every test of this package,
// started by the first test that needs them.
var engines = harness.LazyEngines{N: 2}

func needEngines(t *testing.T) []*harness.Engine { t.Helper(); return engines.Get(t) }

func stopEngines() { engines.Stop() }
