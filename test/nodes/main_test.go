// Package nodestest drives `docker node ls`, `docker node inspect` and
// `docker node update` with the real docker CLI against a manager over
// three real engines: node availability (active, pause, drain),
// manager-side labels in constraint: expressions and `docker info`, and
// their persistence in the --state-file across a manager restart.
//
// One set of three engines and one manager serve the package (TestMain);
// tests that change a node set it back when they end.
package nodestest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/swarm-project/swarm/test/harness"
)

var (
	cluster   *harness.Cluster
	manager   *harness.Manager
	stateFile string
)

func TestMain(m *testing.M) { os.Exit(harness.Main(m, setup)) }

func setup() (func(failed bool), error) {
	dir, err := os.MkdirTemp("", "swarm-nodes-state-")
	if err != nil {
		return func(bool) {}, err
	}
	stateFile = filepath.Join(dir, "state.json")
	c, err := harness.StartCluster(3, nil, "--state-file", stateFile)
	cluster = c
	teardown := func(failed bool) {
		c.Teardown(failed)
		os.RemoveAll(dir)
	}
	if err != nil {
		return teardown, err
	}
	manager = c.Manager
	return teardown, nil
}

// docker runs the docker CLI against the manager and fails the test on a
// non-zero exit.
func docker(t *testing.T, args ...string) string {
	t.Helper()
	out, stderr, err := manager.Docker(args...)
	if err != nil {
		t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	return strings.TrimSpace(out)
}

// dockerFails runs the docker CLI against the manager, expects it to fail
// and returns its stderr.
func dockerFails(t *testing.T, args ...string) string {
	t.Helper()
	out, stderr, err := manager.Docker(args...)
	if err == nil {
		t.Fatalf("docker %s succeeded, want an error; output:\n%s", strings.Join(args, " "), out)
	}
	return stderr
}

// engineID is the engine ID node n's daemon reports itself.
func engineID(t *testing.T, n int) string {
	t.Helper()
	out, stderr, err := cluster.Engines[n].Docker("info", "-f", "{{.ID}}")
	if err != nil {
		t.Fatalf("docker info on %s: %v\n%s", cluster.Engines[n], err, stderr)
	}
	return strings.TrimSpace(out)
}

// nodeName is the host name of engine n, as the manager names it.
func nodeName(n int) string { return cluster.Engines[n].Name }

// nodeOf is the node a container runs on.
func nodeOf(t *testing.T, id string) string {
	t.Helper()
	return docker(t, "inspect", "-f", "{{.Node.Name}}", id)
}

// setNode runs docker node update with args on node and registers a
// cleanup that makes it active and drops its labels again.
func setNode(t *testing.T, node string, args ...string) {
	t.Helper()
	docker(t, append(append([]string{"node", "update"}, args...), node)...)
	t.Cleanup(func() { resetNode(t, node) })
}

// resetNode makes node active with no manager-side labels.
func resetNode(t *testing.T, node string) {
	t.Helper()
	args := []string{"node", "update", "--availability", "active"}
	for k := range inspectNode(t, node).Spec.Labels {
		args = append(args, "--label-rm", k)
	}
	docker(t, append(args, node)...)
}
