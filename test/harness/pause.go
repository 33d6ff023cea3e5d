//go:build unix

package harness

import (
	"fmt"
	"syscall"
)

// Pause stops the engine's dockerd with SIGSTOP: its TCP port still
// accepts connections and nothing answers, as with a hung daemon. Its
// containerd and containers keep running. Resume continues it; call Resume
// before Stop or Purge, which wait for the daemon to exit.
func (e *Engine) Pause() error { return e.signal(syscall.SIGSTOP) }

// Resume continues a dockerd stopped by Pause (a no-op for one that runs).
func (e *Engine) Resume() error { return e.signal(syscall.SIGCONT) }

func (e *Engine) signal(sig syscall.Signal) error {
	pid, ok := enginePID(e.Dir)
	if !ok {
		return fmt.Errorf("harness: %s: dockerd is not running", e)
	}
	if err := syscall.Kill(pid, sig); err != nil {
		return fmt.Errorf("harness: %s: signal %v to dockerd %d: %w", e, sig, pid, err)
	}
	return nil
}
