package harness

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"
	"time"
)

func numbers(cs []*claim) []int {
	var ns []int
	for _, c := range cs {
		ns = append(ns, c.n)
	}
	return ns
}

func TestAllocatorClaimN(t *testing.T) {
	tests := []struct {
		name    string
		first   int
		last    int
		inUse   map[int]bool
		held    []int // numbers another allocator holds first
		count   int
		want    []int
		wantErr error
	}{
		{name: "lowest first", first: 11, last: 20, count: 3, want: []int{11, 12, 13}},
		{name: "skips numbers in use", first: 11, last: 20, inUse: map[int]bool{11: true, 13: true}, count: 2, want: []int{12, 14}},
		{name: "skips numbers locked by another", first: 11, last: 20, held: []int{11, 12}, count: 2, want: []int{13, 14}},
		{name: "too few numbers", first: 11, last: 12, held: []int{11}, count: 2, wantErr: ErrNoEngineNumbers},
		{name: "zero engines", first: 11, last: 20, count: 0, wantErr: errAny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			lockDir := filepath.Join(dir, "locks")
			if err := os.MkdirAll(lockDir, 0o755); err != nil {
				t.Fatal(err)
			}
			other := &allocator{stateDir: dir, first: 1, last: MaxEngine}
			for _, n := range tt.held {
				c, err := other.tryClaim(lockDir, n)
				if err != nil || c == nil {
					t.Fatalf("pre-claim %d: %v", n, err)
				}
				defer c.release()
			}
			a := &allocator{stateDir: dir, first: tt.first, last: tt.last, inUse: func(n int) bool { return tt.inUse[n] }}
			got, err := a.claimN(tt.count)
			defer releaseAll(got)
			switch {
			case tt.wantErr == errAny:
				if err == nil {
					t.Fatalf("claimN(%d) = %v, want an error", tt.count, numbers(got))
				}
				return
			case tt.wantErr != nil:
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("claimN(%d) error = %v, want %v", tt.count, err, tt.wantErr)
				}
				return
			case err != nil:
				t.Fatalf("claimN(%d): %v", tt.count, err)
			}
			if !reflect.DeepEqual(numbers(got), tt.want) {
				t.Fatalf("claimN(%d) = %v, want %v", tt.count, numbers(got), tt.want)
			}
		})
	}
}

// errAny marks a table row that wants some error.
var errAny = errors.New("any error")

func TestAllocatorReleaseAndFailureGiveNumbersBack(t *testing.T) {
	dir := t.TempDir()
	a := &allocator{stateDir: dir, first: 1, last: 3}
	b := &allocator{stateDir: dir, first: 1, last: 3}

	got, err := a.claimN(2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.claimN(2); !errors.Is(err, ErrNoEngineNumbers) {
		t.Fatalf("second allocator got numbers held by the first: err = %v", err)
	}
	// The failed claim must not keep number 3.
	third, err := b.claimN(1)
	if err != nil {
		t.Fatalf("number 3 not given back after a failed claim: %v", err)
	}
	if n := numbers(third); !reflect.DeepEqual(n, []int{3}) {
		t.Fatalf("got %v, want [3]", n)
	}
	releaseAll(third)
	releaseAll(got)
	again, err := b.claimN(3)
	if err != nil {
		t.Fatalf("numbers not free after release: %v", err)
	}
	releaseAll(again)
}

func TestEngineInUse(t *testing.T) {
	// A stand-in for dockerd: a process whose command line names the
	// engine's data root, as engines.sh starts it.
	startFakeDockerd := func(t *testing.T, dir string) {
		t.Helper()
		cmd := exec.Command(os.Args[0], "--data-root", filepath.Join(dir, "data"))
		cmd.Env = append(os.Environ(), fakeEnv+"=sleep")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		})
		if err := os.WriteFile(filepath.Join(dir, "docker.pid"), []byte(strconv.Itoa(cmd.Process.Pid)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name    string
		setup   func(t *testing.T, dir string, port int)
		running bool // setup starts a fake dockerd
		want    bool
	}{
		{name: "nothing there", setup: func(*testing.T, string, int) {}, want: false},
		{name: "stale pidfile", setup: func(t *testing.T, dir string, _ int) {
			// Our own PID: alive, but not a dockerd for this directory.
			if err := os.WriteFile(filepath.Join(dir, "docker.pid"), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
				t.Fatal(err)
			}
		}, want: false},
		{name: "port taken by another program", setup: func(t *testing.T, _ string, port int) {
			l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
			if err != nil {
				t.Skipf("cannot listen on %d: %v", port, err)
			}
			t.Cleanup(func() { l.Close() })
		}, want: true},
		{name: "engine started by someone else", setup: func(t *testing.T, dir string, _ int) {
			startFakeDockerd(t, dir)
		}, running: true, want: true},
		{name: "engine left by a dead harness user", setup: func(t *testing.T, dir string, _ int) {
			startFakeDockerd(t, dir)
			if err := os.WriteFile(filepath.Join(dir, ownerFile), []byte("pid 1\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, running: true, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			state := t.TempDir()
			// A number whose bridge does not exist: a running engine of
			// another state directory on swbN would make it in use.
			n := freeBridgeNumber(t)
			dir := filepath.Join(state, fmt.Sprintf("engine-%d", n))
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			port, err := FreePort()
			if err != nil {
				t.Fatal(err)
			}
			base := port - n
			tt.setup(t, dir, port)
			// Give the fake dockerd time to exec so its cmdline is final.
			if err := WaitFor(5*time.Second, func() (bool, error) {
				_, ok := enginePID(dir)
				return ok == tt.running, nil
			}); err != nil {
				t.Fatalf("fake engine not seen: %v", err)
			}
			if got := engineInUse(state, base, n); got != tt.want {
				t.Fatalf("engineInUse = %v, want %v", got, tt.want)
			}
		})
	}
}

// freeBridgeNumber returns an engine number with no bridge swbN on this
// machine.
func freeBridgeNumber(t *testing.T) int {
	t.Helper()
	for n := MaxEngine; n >= 1; n-- {
		if _, err := os.Stat(fmt.Sprintf("/sys/class/net/swb%d", n)); os.IsNotExist(err) {
			return n
		}
	}
	t.Skip("every engine number has a bridge")
	return 0
}
