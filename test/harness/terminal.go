package harness

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// Terminal is a command running on a pseudo-terminal (under script(1)),
// for `docker run -it` and `docker exec -it`: lines are typed one by one
// and its output is read while it runs.
type Terminal struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *lockedBuffer
	done  chan struct{} // closed when the command has exited; owned by the waiter goroutine
	err   error         // Wait's result, set before done is closed
}

// lockedBuffer is an output buffer the command's copier writes while the
// test reads it.
type lockedBuffer struct {
	mu  sync.Mutex // guards buf
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// ErrTerminalRunning is returned by Wait when the command does not end in
// time.
var ErrTerminalRunning = errors.New("harness: terminal command still running")

// StartTerminal runs args (args[0] is the program) on a pseudo-terminal.
func StartTerminal(args ...string) (*Terminal, error) {
	if len(args) == 0 {
		return nil, errors.New("harness: StartTerminal: no command")
	}
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = shellQuote(a)
	}
	cmd := exec.Command("script", "-qec", strings.Join(quoted, " "), "/dev/null")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("harness: %w", err)
	}
	t := &Terminal{cmd: cmd, stdin: stdin, out: &lockedBuffer{}, done: make(chan struct{})}
	cmd.Stdout = t.out
	cmd.Stderr = t.out
	// A grandchild holding the pipe open cannot keep Wait from returning.
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("harness: starting script(1): %w", err)
	}
	go func() {
		t.err = cmd.Wait()
		close(t.done)
	}()
	return t, nil
}

// shellQuote quotes s for sh.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Type sends line and a newline, as if typed.
func (t *Terminal) Type(line string) error {
	_, err := io.WriteString(t.stdin, line+"\n")
	return err
}

// Output is everything printed so far, carriage returns removed.
func (t *Terminal) Output() string { return strings.ReplaceAll(t.out.String(), "\r", "") }

// WaitOutput waits until the output contains want.
func (t *Terminal) WaitOutput(want string, timeout time.Duration) error {
	err := waitFor(timeout, func() (bool, error) {
		if strings.Contains(t.Output(), want) {
			return true, nil
		}
		return false, fmt.Errorf("no %q in the output yet", want)
	}, t.done)
	if err == nil || strings.Contains(t.Output(), want) {
		// Once done is closed all output has been copied: look once more.
		return nil
	}
	select {
	case <-t.done:
		return fmt.Errorf("harness: the command exited (%v) without printing %q", t.err, want)
	default:
		return err
	}
}

// Wait waits up to timeout for the command to end and returns its exit
// error; after the timeout it kills it and returns ErrTerminalRunning.
func (t *Terminal) Wait(timeout time.Duration) error {
	select {
	case <-t.done:
		return t.err
	case <-time.After(timeout):
		t.Kill()
		return ErrTerminalRunning
	}
}

// Kill ends the command (script(1) and, with it, the terminal).
func (t *Terminal) Kill() {
	select {
	case <-t.done:
		return
	default:
	}
	_ = t.cmd.Process.Kill()
	<-t.done
}
