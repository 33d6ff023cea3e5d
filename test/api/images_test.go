package apitest

import (
	"archive/tar"
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/swarm-project/swarm/test/harness"
)

// imageID returns the image's ID on engine e ("" if it has none).
func imageID(e *harness.Engine, ref string) string {
	out, _, err := e.Docker("image", "inspect", "-f", "{{.Id}}", ref)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(out)
}

func TestImageTagInspectHistoryRmi(t *testing.T) {
	docker(t, "tag", "busybox", "it-tag:1")
	t.Cleanup(func() { _, _, _ = harnessDocker("rmi", "it-tag:1") })
	if got := holders("image", "it-tag:1"); !sameSet(got, allNames()) {
		t.Fatalf("tag: it-tag:1 on %v, want every node", got)
	}
	out := docker(t, "images", "--format", "{{.Repository}}:{{.Tag}}", "it-tag")
	if strings.TrimSpace(out) != "it-tag:1" {
		t.Errorf("docker images it-tag: %q", out)
	}
	id := strings.TrimSpace(docker(t, "image", "inspect", "-f", "{{.Id}}", "it-tag:1"))
	if id != imageID(engines[0], "busybox") {
		t.Errorf("inspect it-tag:1: %s, want busybox's ID", id)
	}
	if hist := docker(t, "history", "-q", "it-tag:1"); len(lines(hist)) == 0 {
		t.Errorf("docker history printed nothing")
	}
	out = docker(t, "rmi", "it-tag:1")
	if !strings.Contains(out, "Untagged: it-tag:1") {
		t.Errorf("rmi output: %q", out)
	}
	if got := holders("image", "it-tag:1"); len(got) != 0 {
		t.Errorf("after rmi, it-tag:1 on %v", got)
	}
	if msg := dockerFails(t, "rmi", "it-tag:1"); !strings.Contains(msg, "No such image") {
		t.Errorf("rmi of an unknown image: %q", msg)
	}
	code, _, _ := api("GET", "/images/it-nosuch/json", nil)
	if code != http.StatusNotFound {
		t.Errorf("GET /images/it-nosuch/json: %d, want 404", code)
	}
}

func TestImageSaveLoad(t *testing.T) {
	dir := t.TempDir()
	tarPath := filepath.Join(dir, "img.tar")
	docker(t, "tag", "busybox", "it-save:1")
	t.Cleanup(func() { _, _, _ = harnessDocker("rmi", "it-save:1") })
	docker(t, "save", "-o", tarPath, "it-save:1")
	st, err := os.Stat(tarPath)
	if err != nil || st.Size() < 10000 {
		t.Fatalf("docker save wrote %v (%v)", st, err)
	}
	docker(t, "rmi", "it-save:1")
	if got := holders("image", "it-save:1"); len(got) != 0 {
		t.Fatalf("after rmi, it-save:1 on %v", got)
	}
	out := docker(t, "load", "-i", tarPath)
	if !strings.Contains(out, "Loaded image: it-save:1") {
		t.Errorf("docker load output:\n%s", out)
	}
	if got := holders("image", "it-save:1"); !sameSet(got, allNames()) {
		t.Errorf("after load, it-save:1 on %v, want every node", got)
	}
	if len(lines(docker(t, "images", "-q", "it-save:1"))) != 1 {
		t.Errorf("docker images it-save:1 should list it once")
	}
}

// rootfsTar returns a tiny root file system as a tarball.
func rootfsTar(t *testing.T, content string) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(&tar.Header{Name: "hello.txt", Mode: 0o644, Size: int64(len(content))}); err != nil {
		t.Fatal(err)
	}
	if _, err := tw.Write([]byte(content)); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestImageImport(t *testing.T) {
	data := string(rootfsTar(t, "imported\n"))
	t.Cleanup(func() { _, _, _ = harnessDocker("rmi", "it-import:1", "it-import:one") })
	if _, stderr, err := harness.DockerStdin(manager.Addr, data, "import", "--change", "LABEL it=import", "-", "it-import:1"); err != nil {
		t.Fatalf("docker import: %v\n%s", err, stderr)
	}
	// Imported on one node, copied to the others: one ID everywhere.
	ids := map[string]bool{}
	for _, e := range engines {
		id := imageID(e, "it-import:1")
		if id == "" {
			t.Errorf("it-import:1 is not on %s", e.Name)
			continue
		}
		ids[id] = true
	}
	if len(ids) != 1 {
		t.Errorf("it-import:1 has IDs %v across the nodes, want one", ids)
	}
	label := strings.TrimSpace(docker(t, "image", "inspect", "-f", `{{index .Config.Labels "it"}}`, "it-import:1"))
	if label != "import" {
		t.Errorf("imported image label it=%q", label)
	}

	// The manager's node parameter pins an import to one node.
	code, body, err := api("POST", "/images/create?fromSrc=-&repo=it-import&tag=one&node="+engines[1].Name, strings.NewReader(data))
	if err != nil || code != http.StatusOK {
		t.Fatalf("import with node=: %d %v %s", code, err, body)
	}
	if got := holders("image", "it-import:one"); !sameSet(got, []string{engines[1].Name}) {
		t.Errorf("import pinned to %s: image on %v", engines[1].Name, got)
	}
}

func TestCommit(t *testing.T) {
	n2 := engines[1]
	t.Cleanup(func() {
		_, _, _ = harnessDocker("rm", "-f", "it-commit")
		_, _, _ = harnessDocker("rmi", "it-committed:1")
	})
	docker(t, "run", "--name", "it-commit", "-e", "constraint:node=="+n2.Name, "busybox", "sh", "-c", "echo committed > /marker")
	docker(t, "commit", "it-commit", "it-committed:1")
	if got := holders("image", "it-committed:1"); !sameSet(got, []string{n2.Name}) {
		t.Errorf("commit: image on %v, want %s (the container's node)", got, n2.Name)
	}
	if out := docker(t, "images", "-q", "it-committed:1"); len(lines(out)) != 1 {
		t.Errorf("docker images right after commit: %q", out)
	}
	out := docker(t, "run", "--rm", "-e", "constraint:node=="+n2.Name, "it-committed:1", "cat", "/marker")
	if strings.TrimSpace(out) != "committed" {
		t.Errorf("committed image content: %q", out)
	}
	if msg := dockerFails(t, "commit", "it-nosuch", "x:1"); !strings.Contains(msg, "No such container") {
		t.Errorf("commit of an unknown container: %q", msg)
	}
}

func TestImagePrune(t *testing.T) {
	data := string(rootfsTar(t, "dangling\n"))
	// No name: a dangling image, copied to every node.
	out, stderr, err := harness.DockerStdin(manager.Addr, data, "import", "--change", "LABEL itprune=1", "-")
	if err != nil {
		t.Fatalf("docker import: %v\n%s", err, stderr)
	}
	id := strings.TrimSpace(out)
	if i := strings.LastIndex(id, "sha256:"); i >= 0 {
		id = id[i:]
	}
	if got := holders("image", id); !sameSet(got, allNames()) {
		t.Fatalf("dangling image %s on %v, want every node", id, got)
	}
	out = docker(t, "image", "prune", "-f", "--filter", "label=itprune=1")
	if !strings.Contains(out, "deleted: "+id) {
		t.Errorf("image prune output:\n%s", out)
	}
	if got := holders("image", id); len(got) != 0 {
		t.Errorf("after prune, %s on %v", id, got)
	}
}

func TestPushPullLogin(t *testing.T) {
	reg, err := harness.StartRegistry()
	if err != nil {
		t.Fatalf("local registry: %v", err)
	}
	t.Cleanup(func() { _ = reg.Stop() })

	// POST /auth is forwarded to a node, which checks the registry.
	out, stderr, err := harness.DockerStdin(manager.Addr, "secret\n", "login", "-u", "swarm", "--password-stdin", reg.Addr)
	if err != nil || !strings.Contains(out, "Login Succeeded") {
		t.Errorf("docker login: %v\n%s%s", err, out, stderr)
	}
	ref := reg.Addr + "/swarmtest/bb:1"
	docker(t, "tag", "busybox", ref)
	t.Cleanup(func() { _, _, _ = harnessDocker("rmi", ref) })
	if out := docker(t, "push", ref); !strings.Contains(out, "digest: sha256:") {
		t.Errorf("docker push output:\n%s", out)
	}
	// GET /distribution asks a node about the registry's manifest.
	code, body, err := api("GET", "/v1.41/distribution/"+ref+"/json", nil)
	if err != nil || code != http.StatusOK || !strings.Contains(string(body), "sha256:") {
		t.Errorf("GET /distribution/%s/json: %d %v %s", ref, code, err, body)
	}
	docker(t, "rmi", ref)
	if got := holders("image", ref); len(got) != 0 {
		t.Fatalf("after rmi, %s on %v", ref, got)
	}
	out = docker(t, "pull", ref)
	if !strings.Contains(out, ref) {
		t.Errorf("docker pull output:\n%s", out)
	}
	if got := holders("image", ref); !sameSet(got, allNames()) {
		t.Errorf("after pull, %s on %v, want every node", ref, got)
	}
	if msg := dockerFails(t, "pull", reg.Addr+"/swarmtest/nosuch:1"); msg == "" {
		t.Errorf("pull of an unknown image: no error message")
	}
}

func TestImageSearchIsForwarded(t *testing.T) {
	// No registry index is reachable here: the engine's own error comes
	// back, not a "not supported" from the manager.
	code, body, err := api("GET", "/images/search?term=busybox", nil)
	if err != nil {
		t.Fatal(err)
	}
	if code == http.StatusNotImplemented || strings.Contains(string(body), "not supported by swarm") {
		t.Errorf("search: %d %s", code, body)
	}
}
