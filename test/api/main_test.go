// Package apitest drives the manager's Docker API surface (networks,
// volumes, images, build, events, system calls, docker compose) with the
// real docker CLI against three real engines: the acceptance of the "whole
// Docker API a user touches" issue.
//
// One set of three engines and one manager serve every test of the
// package (TestMain). Tests name their objects with a per-test prefix so
// that they do not see each other's, and clean up after themselves.
package apitest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/swarm-project/swarm/test/harness"
)

var (
	engines []*harness.Engine
	manager *harness.Manager
)

func TestMain(m *testing.M) { os.Exit(harness.Main(m, setup)) }

// setup starts three engines and a manager shared by every test.
func setup() (func(failed bool), error) {
	// The docker CLI here has no buildx plugin: `docker build` must use
	// the legacy builder, and so must docker compose.
	os.Setenv("DOCKER_BUILDKIT", "0")
	os.Setenv("COMPOSE_DOCKER_CLI_BUILD", "0")
	c, err := harness.StartCluster(3, nil)
	if err != nil {
		return c.Teardown, err
	}
	engines, manager = c.Engines, c.Manager
	return c.Teardown, nil
}

// waitHealthy waits until the manager reports n healthy nodes.
func waitHealthy(n int) error {
	return harness.WaitFor(60*time.Second, func() (bool, error) {
		var info struct{ SystemStatus [][2]string }
		if err := getJSON("/info", &info); err != nil {
			return false, err
		}
		healthy := 0
		for _, kv := range info.SystemStatus {
			if strings.TrimSpace(kv[0]) == "└ Status" && kv[1] == "Healthy" {
				healthy++
			}
		}
		return healthy == n, fmt.Errorf("%d of %d nodes healthy", healthy, n)
	})
}

// docker runs the docker CLI against the manager and fails the test on a
// non-zero exit.
func docker(t *testing.T, args ...string) string {
	t.Helper()
	return harness.MustDocker(t, manager.Addr, args...)
}

// dockerFails runs the docker CLI against the manager, expects it to fail
// and returns its stderr.
func dockerFails(t *testing.T, args ...string) string {
	t.Helper()
	return harness.DockerFails(t, manager.Addr, args...)
}

// onEngine runs the docker CLI against one engine directly.
func onEngine(t *testing.T, e *harness.Engine, args ...string) string {
	t.Helper()
	return e.MustDocker(t, args...)
}

// engineHas reports whether `docker <kind> inspect name` succeeds on e.
func engineHas(e *harness.Engine, kind, name string) bool {
	_, _, err := e.Docker(kind, "inspect", name)
	return err == nil
}

// holders lists the engines on which `docker <kind> inspect name` succeeds.
func holders(kind, name string) []string {
	var out []string
	for _, e := range engines {
		if engineHas(e, kind, name) {
			out = append(out, e.Name)
		}
	}
	return out
}

func allNames() []string {
	out := make([]string, len(engines))
	for i, e := range engines {
		out[i] = e.Name
	}
	return out
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// lines splits command output into its non-empty trimmed lines.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// api does a raw HTTP request on the manager and returns the status and body.
func api(method, path string, body io.Reader) (int, []byte, error) {
	req, err := http.NewRequest(method, "http://"+manager.Addr+path, body)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, data, err
}

func getJSON(path string, v any) error {
	code, body, err := api("GET", path, nil)
	if err != nil {
		return err
	}
	if code != http.StatusOK {
		return fmt.Errorf("GET %s: %d %s", path, code, body)
	}
	return json.Unmarshal(body, v)
}

// apiMessage decodes Docker's {"message": ...} error body.
func apiMessage(body []byte) string {
	var m struct{ Message string }
	_ = json.Unmarshal(body, &m)
	return m.Message
}

// containerNode returns the node a container runs on, from the manager's
// inspect answer.
func containerNode(t *testing.T, ref string) string {
	t.Helper()
	return strings.TrimSpace(docker(t, "inspect", "-f", "{{.Node.Name}}", ref))
}

// runCmd runs a command with a timeout, returning combined output.
func runCmd(ctx context.Context, env []string, dir string, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// harnessDocker runs the docker CLI against the manager, for cleanups.
func harnessDocker(args ...string) (string, string, error) {
	return harness.Docker(manager.Addr, args...)
}
