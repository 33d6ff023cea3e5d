package walkthrough_test

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/swarm-project/swarm/test/harness"
)

// maxImageSize is the acceptance limit on the image (30 MB).
const maxImageSize = 30 * 1000 * 1000

// docker runs the docker CLI against host and fails the test on error.
func docker(t *testing.T, host string, args ...string) string {
	t.Helper()
	out, stderr, err := harness.Docker(host, args...)
	if err != nil {
		t.Fatalf("docker -H %s %s: %v\nstderr: %s", host, strings.Join(args, " "), err, stderr)
	}
	return strings.TrimSpace(out)
}

func TestImageIsSmallAndTheSameEverywhere(t *testing.T) {
	for _, e := range engines {
		if id := docker(t, e.Addr, "image", "inspect", "-f", "{{.Id}}", "swarm:latest"); id != imageID {
			t.Errorf("%v: swarm:latest is %s, want %s (one build, loaded everywhere)", e, id, imageID)
		}
	}
	var img []struct {
		Size   int64
		Config struct {
			Entrypoint   []string
			Cmd          []string
			Env          []string
			ExposedPorts map[string]struct{}
		}
		RootFS struct{ Layers []string }
	}
	if err := json.Unmarshal([]byte(docker(t, engines[0].Addr, "image", "inspect", "swarm:latest")), &img); err != nil || len(img) != 1 {
		t.Fatalf("docker image inspect swarm:latest: %v (%d images)", err, len(img))
	}
	c := img[0].Config
	t.Logf("swarm:latest: %d bytes, %d layer(s)", img[0].Size, len(img[0].RootFS.Layers))
	if img[0].Size <= 0 || img[0].Size >= maxImageSize {
		t.Errorf("image size %d bytes, want under %d", img[0].Size, maxImageSize)
	}
	if len(img[0].RootFS.Layers) != 1 {
		t.Errorf("image has %d layers, want 1 (FROM scratch, one COPY)", len(img[0].RootFS.Layers))
	}
	if !slices.Equal(c.Entrypoint, []string{"/swarm"}) || !slices.Equal(c.Cmd, []string{"--help"}) {
		t.Errorf("Entrypoint %q Cmd %q, want [/swarm] [--help]", c.Entrypoint, c.Cmd)
	}
	if _, ok := c.ExposedPorts["2375/tcp"]; !ok || len(c.ExposedPorts) != 1 {
		t.Errorf("ExposedPorts %v, want 2375/tcp only", c.ExposedPorts)
	}
	if !slices.Contains(c.Env, "SWARM_HOST=:2375") {
		t.Errorf("Env %q lacks SWARM_HOST=:2375", c.Env)
	}
}

func TestImageRunsTheBinary(t *testing.T) {
	e0 := engines[0].Addr
	version := docker(t, e0, "run", "--rm", "swarm", "--version")
	if !regexp.MustCompile(`^swarm version \S+ \(\S+\)$`).MatchString(version) {
		t.Errorf("docker run --rm swarm --version printed %q", version)
	}
	help := docker(t, e0, "run", "--rm", "swarm")
	for _, want := range []string{"Usage:", "manage", "join", "list", "create"} {
		if !strings.Contains(help, want) {
			t.Errorf("docker run --rm swarm (CMD --help) lacks %q:\n%s", want, help)
		}
	}
	// The CA bundle is in place: Go finds it where Debian puts it.
	out := docker(t, e0, "create", "swarm")
	defer docker(t, e0, "rm", out)
	files := docker(t, e0, "export", out)
	if !strings.Contains(files, "etc/ssl/certs/ca-certificates.crt") || !strings.Contains(files, "BEGIN CERTIFICATE") {
		t.Errorf("the image has no /etc/ssl/certs/ca-certificates.crt")
	}
}

// TestImageListensOnSwarmHost runs the manager as the classic image did,
// with no -H: SWARM_HOST=:2375 makes it listen on the container's port
// 2375, published on the engine's loopback publish address.
func TestImageListensOnSwarmHost(t *testing.T) {
	e0 := engines[0]
	id := docker(t, e0.Addr, "run", "-d", "-p", e0.PublishIP+"::2375", "swarm", "manage", "nodes://127.0.0.1:9")
	defer harness.Docker(e0.Addr, "rm", "-f", id)
	port := docker(t, e0.Addr, "port", id, "2375/tcp")
	port = strings.TrimSpace(strings.Split(port, "\n")[0])
	if !strings.HasPrefix(port, e0.PublishIP+":") {
		t.Fatalf("docker port %s 2375/tcp = %q, want %s:<port>", id, port, e0.PublishIP)
	}
	var version string
	err := harness.WaitFor(20*time.Second, func() (bool, error) {
		out, _, err := harness.Docker(port, "version", "--format", "{{.Server.Version}}")
		version = strings.TrimSpace(out)
		return err == nil, err
	})
	if err != nil {
		logs, _, _ := harness.Docker(e0.Addr, "logs", id)
		t.Fatalf("the manager in the image does not answer on %s: %v\nlogs:\n%s", port, err, logs)
	}
	if !strings.HasPrefix(version, "swarm/") {
		t.Errorf("server version through %s is %q, want swarm/...", port, version)
	}
}
