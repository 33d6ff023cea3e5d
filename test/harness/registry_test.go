package harness

import (
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"
)

// TestRegistryMirrorIntegration: an engine that lacks busybox pulls it
// through the local registry as a mirror and gets the very image engines.sh
// loads; images the registry lacks fail without leaving the machine.
func TestRegistryMirrorIntegration(t *testing.T) {
	RequireEngines(t)

	r, err := StartRegistry()
	if err != nil {
		t.Fatalf("StartRegistry: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("registry log:\n%s", r.Log())
		}
		if err := r.Stop(); err != nil {
			t.Errorf("registry Stop: %v", err)
		}
		if _, err := os.Stat(r.Dir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("registry dir %s not removed: %v", r.Dir, err)
		}
	})
	resp, err := http.Get("http://" + r.Addr + "/v2/library/busybox/tags/list")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("registry has no library/busybox: %s", resp.Status)
	}

	t.Setenv("SWARM_REGISTRY_MIRROR", r.Mirror())
	engs, err := StartEngines(1, nil)
	if err != nil {
		t.Fatalf("StartEngines: %v", err)
	}
	t.Cleanup(func() { StopEngines(engs) })
	dumpLogsOnFailure(t, engs)
	e := engs[0]
	if e.Mirror != r.Mirror() {
		t.Fatalf("engine mirror = %q, want %q", e.Mirror, r.Mirror())
	}

	loadedID := imageID(t, e, "busybox")
	if _, _, err := e.Docker("rmi", "busybox"); err != nil {
		t.Fatalf("rmi busybox: %v", err)
	}
	if _, _, err := e.Docker("image", "inspect", "busybox"); err == nil {
		t.Fatal("busybox still there after rmi")
	}
	if _, _, err := e.Docker("pull", "busybox"); err != nil {
		t.Fatalf("pull busybox through the mirror: %v", err)
	}
	if id := imageID(t, e, "busybox"); id != loadedID {
		t.Fatalf("pulled busybox has ID %s, loaded one had %s", id, loadedID)
	}
	out, _, err := e.Docker("run", "--rm", "busybox", "echo", "pulled")
	if err != nil || strings.TrimSpace(out) != "pulled" {
		t.Fatalf("run pulled busybox: %q, %v", out, err)
	}

	// By name on the registry itself, without the mirror.
	if _, _, err := e.Docker("pull", r.Addr+"/library/busybox:latest"); err != nil {
		t.Fatalf("pull from %s: %v", r.Addr, err)
	}

	// An image the registry lacks: the pull falls back to Docker Hub,
	// which the engine must not reach.
	_, _, err = e.Docker("pull", "swarm-test/no-such-image:latest")
	if err == nil {
		t.Fatal("pulling an image that exists nowhere here succeeded")
	}
}

func imageID(t *testing.T, e *Engine, ref string) string {
	t.Helper()
	out, _, err := e.Docker("image", "inspect", "-f", "{{.Id}}", ref)
	if err != nil {
		t.Fatalf("%v: image inspect %s: %v", e, ref, err)
	}
	return strings.TrimSpace(out)
}
