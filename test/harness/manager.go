package harness

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Manager timeouts.
const (
	managerStartTimeout = 30 * time.Second
	managerStopTimeout  = 10 * time.Second
)

// ErrExited is returned when a process ends before it is ready.
var ErrExited = errors.New("harness: process exited")

// StartError is returned when a manager or registry does not come up.
type StartError struct {
	What    string // e.g. "swarm manage on 127.0.0.1:41234"
	LogPath string
	LogTail string
	Err     error
}

func (e *StartError) Error() string {
	return fmt.Sprintf("harness: %s did not come up: %v\nlast lines of %s:\n%s", e.What, e.Err, e.LogPath, e.LogTail)
}

func (e *StartError) Unwrap() error { return e.Err }

// Manager is a running `swarm manage` process.
type Manager struct {
	Addr    string    // 127.0.0.1:PORT it serves the Docker API on
	Cmd     *exec.Cmd // the process
	LogPath string    // its stdout and stderr
	// TLS is set when the manager's listener requires TLS: Docker then
	// connects with TLS's client certificate.
	TLS *Certs

	proc *process
}

// StartManager runs `bin manage -H 127.0.0.1:PORT args...` on a free
// loopback port, logging to a file under $SWARM_TEST_DIR/logs, and waits up
// to 30s until GET /_ping answers 200. args carry the discovery, e.g. a
// comma list of engine addresses.
func StartManager(bin string, args ...string) (*Manager, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	return StartManagerCmd(bin, addr, nil, append([]string{"manage", "-H", addr}, args...)...)
}

// StartManagerTLS is StartManager for a manager with mutual TLS: it adds
// certs.SwarmFlags() (--tlsverify and the swarm certificate, used towards
// clients and engines alike) before args.
func StartManagerTLS(bin string, certs *Certs, args ...string) (*Manager, error) {
	if certs == nil {
		return nil, errors.New("harness: StartManagerTLS: nil certs")
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	full := append([]string{"manage", "-H", addr}, certs.SwarmFlags()...)
	return StartManagerCmd(bin, addr, certs, append(full, args...)...)
}

// StartManagerCmd runs bin with exactly args (which must make it listen on
// addr) and waits up to 30s until GET /_ping on addr answers 200: over
// verified TLS with the client certificate when certs is not nil.
func StartManagerCmd(bin, addr string, certs *Certs, args ...string) (*Manager, error) {
	url := "http://" + addr + "/_ping"
	client := &http.Client{Timeout: 2 * time.Second}
	if certs != nil {
		cfg, err := certs.ClientConfig()
		if err != nil {
			return nil, err
		}
		client.Transport = &http.Transport{TLSClientConfig: cfg, Proxy: nil}
		url = "https://" + addr + "/_ping"
	}
	_, port, _ := strings.Cut(addr, ":")
	p, err := startProcess("manager-"+port, bin, args...)
	if err != nil {
		return nil, err
	}
	m := &Manager{Addr: addr, Cmd: p.cmd, LogPath: p.logPath, TLS: certs, proc: p}
	if err := p.waitHTTP(client, url, managerStartTimeout); err != nil {
		_ = p.stop(managerStopTimeout)
		return nil, &StartError{What: "swarm manage on " + addr, LogPath: p.logPath, LogTail: fileTail(p.logPath, 40), Err: err}
	}
	return m, nil
}

// Docker runs the docker CLI against the manager, over TLS with the client
// certificate when the manager requires it.
func (m *Manager) Docker(args ...string) (stdout, stderr string, err error) {
	return DockerTLS(m.Addr, m.TLS, args...)
}

// ErrStillRunning is returned by Terminate when the process outlived its
// deadline.
var ErrStillRunning = errors.New("harness: process still running after SIGTERM")

// Terminate sends SIGTERM to the manager and waits up to timeout for it to
// exit. It returns nil when it exited with status 0, its exit error
// otherwise, and ErrStillRunning (after killing it) when it did not exit
// in time.
func (m *Manager) Terminate(timeout time.Duration) error {
	p := m.proc
	if !p.exited() {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
	}
	select {
	case <-p.done:
		return p.waitErr
	case <-time.After(timeout):
		_ = p.stop(0)
		return ErrStillRunning
	}
}

// Stop sends SIGTERM to the manager, waits up to 10s, then kills it.
func (m *Manager) Stop() error { return m.proc.stop(managerStopTimeout) }

// Kill simulates a crash of the manager: SIGKILL (no shutdown, no
// deregistration), then it waits up to 10s until the process is gone.
// Stop after Kill does nothing.
func (m *Manager) Kill() error {
	p := m.proc
	if !p.exited() {
		_ = p.cmd.Process.Kill()
	}
	select {
	case <-p.done:
		return nil
	case <-time.After(managerStopTimeout):
		return fmt.Errorf("harness: pid %d does not die", p.cmd.Process.Pid)
	}
}

// PID is the manager's process ID (for /proc/PID: its RSS, its fds).
func (m *Manager) PID() int { return m.proc.cmd.Process.Pid }

// Log returns everything the manager has logged so far.
func (m *Manager) Log() string {
	data, err := os.ReadFile(m.LogPath)
	if err != nil {
		return fmt.Sprintf("(cannot read %s: %v)", m.LogPath, err)
	}
	return string(data)
}

// process is a child process that logs to a file, with one goroutine
// waiting for it.
type process struct {
	cmd     *exec.Cmd
	logPath string
	done    chan struct{} // closed when the process has exited; owned by the waiter goroutine
	waitErr error         // set before done is closed

	stopOnce sync.Once // Stop may be called more than once
	stopErr  error     // set inside stopOnce
}

// startProcess starts bin with args, stdout and stderr appended to
// $SWARM_TEST_DIR/logs/<name>-<time>.log.
func startProcess(name, bin string, args ...string) (*process, error) {
	logDir := filepath.Join(StateDir(), "logs")
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		return nil, fmt.Errorf("harness: %w", err)
	}
	removeOldLogs(logDir, name, 24*time.Hour)
	logFile, err := os.CreateTemp(logDir, name+"-*.log")
	if err != nil {
		return nil, fmt.Errorf("harness: %w", err)
	}
	defer logFile.Close() // the child has its own copy
	cmd := exec.Command(bin, args...)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = childProcAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("harness: starting %s: %w", bin, err)
	}
	p := &process{cmd: cmd, logPath: logFile.Name(), done: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// exited reports whether the process has ended.
func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// waitHTTP polls url with client until it answers 200, failing early if
// the process exits.
func (p *process) waitHTTP(client *http.Client, url string, timeout time.Duration) error {
	err := waitFor(timeout, func() (bool, error) {
		if p.exited() {
			return false, p.exitError()
		}
		resp, err := client.Get(url)
		if err != nil {
			return false, err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return false, fmt.Errorf("GET %s: %s", url, resp.Status)
		}
		return true, nil
	}, p.done)
	if err != nil && p.exited() {
		// The process ended while the last probe was failing: its exit
		// is the reason, not the refused connection.
		return p.exitError()
	}
	return err
}

func (p *process) exitError() error {
	<-p.done
	if p.waitErr != nil {
		return fmt.Errorf("%w: %w", ErrExited, p.waitErr)
	}
	return fmt.Errorf("%w with status 0", ErrExited)
}

// stop sends SIGTERM to the process by its PID, waits up to timeout, then
// sends SIGKILL. It returns nil when the process ended (by any signal).
func (p *process) stop(timeout time.Duration) error {
	p.stopOnce.Do(func() {
		if p.exited() {
			return
		}
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
			return
		case <-time.After(timeout):
		}
		_ = p.cmd.Process.Kill()
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			p.stopErr = fmt.Errorf("harness: pid %d does not die", p.cmd.Process.Pid)
		}
	})
	return p.stopErr
}

// removeOldLogs deletes logs of earlier runs (name prefix without the port)
// last written more than maxAge ago, so the logs directory does not grow
// without end; recent ones stay for looking into failures.
func removeOldLogs(dir, name string, maxAge time.Duration) {
	prefix, _, _ := strings.Cut(name, "-")
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, ent := range ents {
		if !strings.HasPrefix(ent.Name(), prefix+"-") || !strings.HasSuffix(ent.Name(), ".log") {
			continue
		}
		if info, err := ent.Info(); err == nil && time.Since(info.ModTime()) > maxAge {
			_ = os.Remove(filepath.Join(dir, ent.Name()))
		}
	}
}
