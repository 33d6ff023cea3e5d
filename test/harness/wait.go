package harness

import (
	"errors"
	"fmt"
	"net"
	"time"
)

// ErrTimeout is returned by WaitFor when the condition never held.
var ErrTimeout = errors.New("harness: timed out")

// WaitFor polls cond until it returns true or timeout passes, starting at
// 50ms between polls and backing off to 1s. An error from cond does not stop
// the polling (the thing may not be up yet); the last one is wrapped in the
// timeout error.
func WaitFor(timeout time.Duration, cond func() (bool, error)) error {
	return waitFor(timeout, cond, nil)
}

// waitFor is WaitFor that also gives up as soon as abort is closed,
// returning cond's last error.
func waitFor(timeout time.Duration, cond func() (bool, error), abort <-chan struct{}) error {
	deadline := time.Now().Add(timeout)
	delay := 50 * time.Millisecond
	for {
		ok, err := cond()
		if ok {
			return nil
		}
		select {
		case <-abort:
			if err == nil {
				err = errors.New("harness: wait aborted")
			}
			return err
		default:
		}
		left := time.Until(deadline)
		if left <= 0 {
			if err != nil {
				return fmt.Errorf("%w after %v: %w", ErrTimeout, timeout, err)
			}
			return fmt.Errorf("%w after %v", ErrTimeout, timeout)
		}
		t := time.NewTimer(min(delay, left))
		select {
		case <-t.C:
		case <-abort:
			t.Stop()
		}
		delay = min(delay*2, time.Second)
	}
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("harness: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
