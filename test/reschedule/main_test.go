// Package reschedtest checks rescheduling on node failure (issue 12) with
// the docker CLI against a manager over three real engines: a container
// with `reschedule:on-node-failure` is made again elsewhere when its
// engine dies, with its name and swarm ID; one without stays behind; the
// stale copy is removed when the engine comes back; bad policies get
// classic Swarm's 400 answers.
//
// One set of three engines and one manager serve the package (TestMain).
// The failure test stops an engine and starts it again before it ends.
// BenchmarkReschedule is the drill that measures the time from an engine
// killed to its container running elsewhere (docs/rescheduling.md).
package reschedtest

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/swarm-project/swarm/test/harness"
)

var cluster *harness.Cluster

func TestMain(m *testing.M) { os.Exit(harness.Main(m, setup)) }

func setup() (func(failed bool), error) {
	c, err := harness.StartCluster(3, nil)
	if err != nil {
		return c.Teardown, err
	}
	cluster = c
	return c.Teardown, nil
}

// docker runs the docker CLI against the manager and fails the test on a
// non-zero exit.
func docker(t testing.TB, args ...string) string {
	t.Helper()
	out, stderr, err := cluster.Manager.Docker(args...)
	if err != nil {
		t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	return out
}

// prefix names a test's objects.
func prefix(t testing.TB) string {
	return "resched-" + strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(t.Name())) + "-"
}

// waitNode waits until the manager reports node name with status want.
func waitNode(t testing.TB, name, want string) {
	t.Helper()
	status := func() string {
		info, err := harness.SwarmStatus(cluster.Manager.Addr, nil)
		if err != nil {
			return err.Error()
		}
		n, _ := info.Node(name)
		return n.Fields["Status"]
	}
	if err := harness.WaitFor(120*time.Second, func() (bool, error) { return status() == want, nil }); err != nil {
		t.Fatalf("node %s never became %s (it is %q): %v", name, want, status(), err)
	}
}

// engineNamed is the cluster's engine called name.
func engineNamed(t testing.TB, name string) *harness.Engine {
	t.Helper()
	for _, e := range cluster.Engines {
		if e.Name == name {
			return e
		}
	}
	t.Fatalf("no engine named %q", name)
	return nil
}
