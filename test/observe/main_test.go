// Package observe checks what an operator sees of a cluster through the
// manager (issue 14): its Prometheus /metrics and its live page, against
// three real engines and the real docker CLI.
//
// One set of three engines and one default manager serve every test of
// the package (TestMain). Tests name their containers with a per-test
// prefix and remove them when they end.
package observe

import (
	"os"
	"strings"
	"testing"

	"github.com/swarm-project/swarm/test/harness"
)

var (
	engines []*harness.Engine
	manager *harness.Manager
)

func TestMain(m *testing.M) { os.Exit(harness.Main(m, setup)) }

// setup starts three engines and a manager with its default flags.
func setup() (func(failed bool), error) {
	c, err := harness.StartCluster(3, nil)
	if err != nil {
		return c.Teardown, err
	}
	engines, manager = c.Engines, c.Manager
	return c.Teardown, nil
}

// docker runs the docker CLI against the manager and fails the test on a
// non-zero exit; it returns the trimmed stdout.
func docker(t *testing.T, args ...string) string {
	t.Helper()
	return strings.TrimSpace(harness.MustDocker(t, manager.Addr, args...))
}

// dockerFails runs the docker CLI against the manager, expects it to fail
// and returns its stderr.
func dockerFails(t *testing.T, args ...string) string {
	t.Helper()
	return harness.DockerFails(t, manager.Addr, args...)
}

// removeByPrefix removes every container whose name starts with prefix.
func removeByPrefix(t *testing.T, prefix string) {
	t.Helper()
	ids := docker(t, "ps", "-aq", "--filter", "name="+prefix)
	if ids == "" {
		return
	}
	harness.MustDocker(t, manager.Addr, append([]string{"rm", "-f"}, strings.Fields(ids)...)...)
}
