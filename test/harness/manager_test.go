package harness

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestStartManager(t *testing.T) {
	t.Setenv("SWARM_TEST_DIR", t.TempDir())
	t.Setenv(fakeEnv, "manager")
	m, err := StartManager(os.Args[0], "127.0.0.1:1,127.0.0.1:2")
	if err != nil {
		t.Fatalf("StartManager: %v", err)
	}
	resp, err := http.Get("http://" + m.Addr + "/_ping")
	if err != nil {
		t.Fatalf("manager not serving: %v", err)
	}
	resp.Body.Close()
	if !strings.Contains(m.Log(), "fake manager listening on "+m.Addr) {
		t.Fatalf("log does not show the -H address; log:\n%s", m.Log())
	}
	if err := m.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := m.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	// Gone: signal 0 to the PID fails once it has been reaped.
	if err := m.Cmd.Process.Signal(syscall.Signal(0)); err == nil {
		t.Fatal("manager process still alive after Stop")
	}
	if _, err := http.Get("http://" + m.Addr + "/_ping"); err == nil {
		t.Fatal("manager still answers after Stop")
	}
}

func TestStartManagerReportsEarlyExit(t *testing.T) {
	t.Setenv("SWARM_TEST_DIR", t.TempDir())
	t.Setenv(fakeEnv, "broken")
	_, err := StartManager(os.Args[0])
	var se *StartError
	if !errors.As(err, &se) {
		t.Fatalf("error = %v (%T), want *StartError", err, err)
	}
	if !errors.Is(err, ErrExited) {
		t.Fatalf("error = %v, want it to wrap ErrExited", err)
	}
	if !strings.Contains(se.LogTail, "boom") {
		t.Fatalf("error does not carry the log tail: %q", se.LogTail)
	}
}

func TestStartManagerMissingBinary(t *testing.T) {
	t.Setenv("SWARM_TEST_DIR", t.TempDir())
	if _, err := StartManager("/nonexistent/swarm"); err == nil {
		t.Fatal("StartManager with a missing binary did not fail")
	}
}

func TestRemoveOldLogs(t *testing.T) {
	dir := t.TempDir()
	old := time.Now().Add(-48 * time.Hour)
	files := []struct {
		name     string
		old      bool
		wantKept bool
	}{
		{name: "manager-1234-1.log", old: true, wantKept: false},
		{name: "manager-1234-2.log", old: false, wantKept: true},
		{name: "registry-1.log", old: true, wantKept: true},
		{name: "manager-notes.txt", old: true, wantKept: true},
	}
	for _, f := range files {
		p := filepath.Join(dir, f.name)
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		if f.old {
			if err := os.Chtimes(p, old, old); err != nil {
				t.Fatal(err)
			}
		}
	}
	removeOldLogs(dir, "manager-5678", 24*time.Hour)
	for _, f := range files {
		t.Run(f.name, func(t *testing.T) {
			_, err := os.Stat(filepath.Join(dir, f.name))
			if kept := err == nil; kept != f.wantKept {
				t.Fatalf("kept = %v, want %v", kept, f.wantKept)
			}
		})
	}
}
