package compattest

import (
	"strings"
	"testing"
	"time"

	"github.com/swarm-project/swarm/test/harness"
)

// nodeStatus reads one node's Status and Error from a manager's
// `docker info`.
func nodeStatus(t *testing.T, m *harness.Manager, node string) (status, lastErr string) {
	t.Helper()
	info, err := harness.SwarmStatus(m.Addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	n, ok := info.Node(node)
	if !ok {
		t.Fatalf("docker info has no node %s", node)
	}
	return n.Fields["Status"], n.Fields["Error"]
}

// TestHealthRanking: an engine that failed since its last contact is
// ranked after the others by spread while it is still Healthy, whatever
// its load; once it answers again it is ranked by its load.
//
// The failing engine holds fewer containers, so that spread without the
// health score would choose it; the manager does not retry a failed create
// (swarm.createretry=0), so such a choice would fail the run.
func TestHealthRanking(t *testing.T) {
	c, err := harness.StartCluster(2, nil, "--engine-failure-retry", "50")
	if err != nil {
		c.Stop()
		t.Fatal(err)
	}
	defer c.Stop()
	a, b := c.Engines[0], c.Engines[1]
	p := prefix(t)
	run := func(args ...string) string {
		t.Helper()
		out, stderr, err := c.Manager.Docker(args...)
		if err != nil {
			t.Fatalf("docker %s: %v\n%s\nmanager log:\n%s", strings.Join(args, " "), err, stderr, c.Manager.Log())
		}
		return strings.TrimSpace(out)
	}
	nodeOf := func(name string) string { return run("inspect", "-f", "{{.Node.Name}}", name) }

	// b holds fewer containers than a.
	run("run", "-d", "--name", p+"on-a", "-e", "constraint:node=="+a.Name, "busybox", "sleep", "600")

	// b fails: its refreshes are refused, but 50 failures make it
	// Unhealthy, so it stays Healthy for a while.
	if err := b.Stop(); err != nil {
		t.Fatal(err)
	}
	err = harness.WaitFor(60*time.Second, func() (bool, error) {
		_, lastErr := nodeStatus(t, c.Manager, b.Name)
		return lastErr != "(none)", nil
	})
	if err != nil {
		t.Fatalf("the manager never saw %s fail: %v", b.Name, err)
	}
	if status, lastErr := nodeStatus(t, c.Manager, b.Name); status != "Healthy" {
		t.Fatalf("%s is %s (%s), want still Healthy", b.Name, status, lastErr)
	}

	run("run", "-d", "--name", p+"while-failing", "busybox", "sleep", "600")
	if got := nodeOf(p + "while-failing"); got != a.Name {
		t.Errorf("while %s fails, spread placed on %s, want %s", b.Name, got, a.Name)
	}
	if status, _ := nodeStatus(t, c.Manager, b.Name); status != "Healthy" {
		t.Errorf("%s is %s after the run, want Healthy (50 failures make it Unhealthy)", b.Name, status)
	}

	// b answers again: its next refresh clears the failures, and spread
	// goes back to the node with fewer containers.
	if err := b.Start(); err != nil {
		t.Fatal(err)
	}
	err = harness.WaitFor(60*time.Second, func() (bool, error) {
		status, lastErr := nodeStatus(t, c.Manager, b.Name)
		return status == "Healthy" && lastErr == "(none)", nil
	})
	if err != nil {
		t.Fatalf("%s never came back: %v", b.Name, err)
	}
	run("run", "-d", "--name", p+"after", "busybox", "sleep", "600")
	if got := nodeOf(p + "after"); got != b.Name {
		t.Errorf("after %s came back, spread placed on %s, want %s (fewer containers)", b.Name, got, b.Name)
	}
	for _, n := range []string{"on-a", "while-failing", "after"} {
		_, _, _ = c.Manager.Docker("rm", "-f", p+n)
	}
}
