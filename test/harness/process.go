package harness

import "time"

// processStopTimeout is how long Process.Stop waits after SIGTERM.
const processStopTimeout = 10 * time.Second

// Process is a long-running child process (e.g. `swarm join`) logging to a
// file under $SWARM_TEST_DIR/logs.
type Process struct {
	LogPath string // its stdout and stderr

	proc *process
}

// StartProcess starts bin with args; name prefixes its log file. It does
// not wait for anything: poll what the process should do.
func StartProcess(name, bin string, args ...string) (*Process, error) {
	p, err := startProcess(name, bin, args...)
	if err != nil {
		return nil, err
	}
	return &Process{LogPath: p.logPath, proc: p}, nil
}

// Exited reports whether the process has ended.
func (p *Process) Exited() bool { return p.proc.exited() }

// Stop sends SIGTERM, waits up to 10s, then kills the process.
func (p *Process) Stop() error { return p.proc.stop(processStopTimeout) }

// Log returns the last lines of the process's log.
func (p *Process) Log() string { return fileTail(p.LogPath, 50) }
