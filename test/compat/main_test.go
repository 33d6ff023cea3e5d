// Package compattest checks the manager against classic Swarm 1.2.9's
// behaviour that scripts depend on: its flags, its messages word for word,
// its placement semantics and its labels. Each test runs the commands a
// user would type (the swarm binary, the docker CLI) against real engines.
//
// One set of three engines and one manager serve the tests that do not
// disturb the cluster (TestMain). A test that stops an engine or needs
// other manager flags starts its own cluster. Tests name their objects with
// a per-test prefix and clean up after themselves.
package compattest

import (
	"os"
	"strings"
	"testing"

	"github.com/swarm-project/swarm/test/harness"
)

var (
	engines []*harness.Engine
	manager *harness.Manager
	// swarmBin is the swarm binary the shared manager runs.
	swarmBin string
)

func TestMain(m *testing.M) { os.Exit(harness.Main(m, setup)) }

// setup starts three engines labelled storage=ssd, storage=disk and
// nothing, and a manager over them.
func setup() (func(failed bool), error) {
	labels := map[int][]string{0: {"storage=ssd"}, 1: {"storage=disk"}}
	c, err := harness.StartCluster(3, labels)
	if err != nil {
		return c.Teardown, err
	}
	engines, manager, swarmBin = c.Engines, c.Manager, c.Bin
	return c.Teardown, nil
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

// prefix is a name prefix unique to the test, for its containers.
func prefix(t *testing.T) string {
	return "compat-" + strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(t.Name())) + "-"
}

// nodeOf is the name of the node that holds container ref, as the manager
// reports it.
func nodeOf(t *testing.T, ref string) string {
	t.Helper()
	return strings.TrimSpace(docker(t, "inspect", "-f", "{{.Node.Name}}", ref))
}
