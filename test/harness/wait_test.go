package harness

import (
	"errors"
	"net"
	"strconv"
	"testing"
	"time"
)

var errNotYet = errors.New("not yet")

func TestWaitFor(t *testing.T) {
	tests := []struct {
		name      string
		trueAfter int // cond is true from this call on; 0 = never
		condErr   error
		wantErr   error
		wantCalls int // minimum number of calls
	}{
		{name: "true at once", trueAfter: 1, wantCalls: 1},
		{name: "true after some polls", trueAfter: 4, wantCalls: 4},
		{name: "never true", trueAfter: 0, wantErr: ErrTimeout, wantCalls: 2},
		{name: "never true keeps the last error", trueAfter: 0, condErr: errNotYet, wantErr: errNotYet, wantCalls: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			err := WaitFor(400*time.Millisecond, func() (bool, error) {
				calls++
				if tt.trueAfter > 0 && calls >= tt.trueAfter {
					return true, nil
				}
				return false, tt.condErr
			})
			if tt.wantErr == nil && err != nil {
				t.Fatalf("WaitFor: %v", err)
			}
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("WaitFor error = %v, want %v", err, tt.wantErr)
				}
				if !errors.Is(err, ErrTimeout) {
					t.Fatalf("WaitFor error = %v, want it to wrap ErrTimeout", err)
				}
			}
			if calls < tt.wantCalls {
				t.Fatalf("cond called %d times, want at least %d", calls, tt.wantCalls)
			}
		})
	}
}

func TestWaitForAbort(t *testing.T) {
	abort := make(chan struct{})
	close(abort)
	start := time.Now()
	err := waitFor(time.Minute, func() (bool, error) { return false, errNotYet }, abort)
	if !errors.Is(err, errNotYet) {
		t.Fatalf("waitFor error = %v, want %v", err, errNotYet)
	}
	if errors.Is(err, ErrTimeout) {
		t.Fatalf("an aborted wait reported a timeout: %v", err)
	}
	if time.Since(start) > 30*time.Second {
		t.Fatal("waitFor did not stop when aborted")
	}
}

func TestFreePort(t *testing.T) {
	port, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	if port <= 0 || port > 65535 {
		t.Fatalf("FreePort = %d", port)
	}
	l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		t.Fatalf("port %d from FreePort is not free: %v", port, err)
	}
	l.Close()
}
