package apitest

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// buildContext writes a Dockerfile into a new directory.
func buildContext(t *testing.T, dockerfile string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(dockerfile), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "payload.txt"), []byte("from the context\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestBuildLegacy drives `docker build` (the legacy builder: this docker
// CLI has no buildx) through the manager.
func TestBuildLegacy(t *testing.T) {
	n3 := engines[2]
	dir := buildContext(t, "FROM busybox\nCOPY payload.txt /payload.txt\nARG GREETING=none\nRUN echo \"$GREETING\" > /greeting\nLABEL built=by-swarm\n")
	t.Cleanup(func() { _, _, _ = harnessDocker("rmi", "bt-pinned:1", "bt-any:1") })

	// A constraint build argument chooses the node, and is not passed on.
	out := docker(t, "build", "-t", "bt-pinned:1", "--build-arg", "constraint:node=="+n3.Name, "--build-arg", "GREETING=hello", dir)
	if !strings.Contains(out, "Successfully tagged bt-pinned:1") {
		t.Fatalf("docker build output:\n%s", out)
	}
	if strings.Contains(out, "constraint:node") {
		t.Errorf("the constraint reached the engine as a build argument:\n%s", out)
	}
	if got := holders("image", "bt-pinned:1"); !sameSet(got, []string{n3.Name}) {
		t.Errorf("bt-pinned:1 built on %v, want %s", got, n3.Name)
	}
	// In `docker images` at once, not after the next refresh.
	if got := lines(docker(t, "images", "-q", "bt-pinned:1")); len(got) != 1 {
		t.Errorf("docker images right after the build: %q", got)
	}
	greeting := docker(t, "run", "--rm", "-e", "constraint:node=="+n3.Name, "bt-pinned:1", "cat", "/greeting", "/payload.txt")
	if greeting != "hello\nfrom the context\n" {
		t.Errorf("built image content: %q", greeting)
	}

	// Without a constraint the build lands on exactly one node.
	docker(t, "build", "-q", "-t", "bt-any:1", dir)
	if got := holders("image", "bt-any:1"); len(got) != 1 {
		t.Errorf("bt-any:1 built on %v, want one node", got)
	}

	// An impossible constraint is the scheduler's error.
	if msg := dockerFails(t, "build", "-t", "bt-never:1", "--build-arg", "constraint:node==nosuchnode", dir); !strings.Contains(msg, "nable to find a node") {
		t.Errorf("build with an impossible constraint: %q", msg)
	}
	// A bad Dockerfile is the engine's error, streamed back.
	bad := buildContext(t, "FROM busybox\nRUN exit 3\n")
	if msg := dockerFails(t, "build", bad); !strings.Contains(msg, "returned a non-zero code: 3") {
		t.Errorf("failing build: %q", msg)
	}
}

// TestBuildKitSessionUnknown: a BuildKit build naming a session the
// manager never saw gets a clear message rather than a hang.
func TestBuildKitSessionUnknown(t *testing.T) {
	code, body, err := api("POST", "/v1.41/build?version=2&session=nosuchsession", strings.NewReader(""))
	if err != nil {
		t.Fatal(err)
	}
	if code != http.StatusBadRequest || !strings.Contains(apiMessage(body), "DOCKER_BUILDKIT=0") {
		t.Errorf("BuildKit build with an unknown session: %d %s", code, body)
	}
}
