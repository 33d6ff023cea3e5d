package harness

import (
	"errors"
	"os"
	"sync"
	"testing"
)

// ErrNotRoot is returned when engines are wanted but the process is not root.
var ErrNotRoot = errors.New("harness: integration tests need root (dockerd, bridges and namespaces)")

var (
	// installOnce runs the engines.sh install check once per process;
	// installErr is its result.
	installOnce sync.Once
	installErr  error
)

// EnginesAvailable checks, once per process, that this process is root and
// that engines.sh can install what it needs.
func EnginesAvailable() error {
	installOnce.Do(func() {
		if os.Geteuid() != 0 {
			installErr = ErrNotRoot
			return
		}
		installErr = InstallEngines()
	})
	return installErr
}

// RequireEngines fails the test, with the reason, when real engines cannot
// run here. Integration tests call it first. It skips only under
// `go test -short`, which asks for no integration tests.
func RequireEngines(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: needs real Docker engines; skipped because of -short")
	}
	if err := EnginesAvailable(); err != nil {
		t.Fatalf("integration test cannot run: %v\n(run the tests as root on Debian; "+
			"test/engines.sh install must be able to apt-get install docker.io busybox-static)", err)
	}
}
