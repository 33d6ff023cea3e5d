package harness

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// tokenServerStartTimeout bounds the wait for `swarm token-server`.
const tokenServerStartTimeout = 30 * time.Second

// TokenServer is a running `swarm token-server`: the token discovery
// service of `swarm create` and token://<token>.
type TokenServer struct {
	Addr    string // 127.0.0.1:PORT
	LogPath string // its stdout and stderr

	proc *process
	dir  string
}

// URL is the service URL, for SWARM_DISCOVERY_URL or --url.
func (s *TokenServer) URL() string { return "http://" + s.Addr }

// StartTokenServer runs `bin token-server` on a free loopback port with its
// database in a fresh directory under $SWARM_TEST_DIR, and waits until it
// answers HTTP.
func StartTokenServer(bin string) (*TokenServer, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	dir := filepath.Join(StateDir(), "tokens-"+strconv.Itoa(port))
	if err := os.RemoveAll(dir); err != nil {
		return nil, fmt.Errorf("harness: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("harness: %w", err)
	}
	p, err := startProcess("tokens-"+strconv.Itoa(port), bin,
		"token-server", "--addr", addr, "--data", filepath.Join(dir, "tokens.db"))
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	s := &TokenServer{Addr: addr, LogPath: p.logPath, proc: p, dir: dir}
	// Any HTTP answer means it serves; an unknown cluster is a 404.
	client := &http.Client{Timeout: 2 * time.Second}
	err = waitFor(tokenServerStartTimeout, func() (bool, error) {
		if p.exited() {
			return false, p.exitError()
		}
		resp, err := client.Get(s.URL() + "/v1/clusters/harness-probe")
		if err != nil {
			return false, err
		}
		resp.Body.Close()
		return true, nil
	}, p.done)
	if err != nil {
		_ = s.Stop()
		return nil, &StartError{What: "swarm token-server on " + addr, LogPath: p.logPath, LogTail: fileTail(p.logPath, 40), Err: err}
	}
	return s, nil
}

// Stop stops the server and deletes its database.
func (s *TokenServer) Stop() error {
	err := s.proc.stop(managerStopTimeout)
	if rmErr := os.RemoveAll(s.dir); err == nil && rmErr != nil {
		err = fmt.Errorf("harness: %w", rmErr)
	}
	return err
}

// Log returns the last lines of the server's log.
func (s *TokenServer) Log() string { return fileTail(s.LogPath, 50) }
