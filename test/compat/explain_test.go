package compattest

import (
	"strings"
	"testing"
	"time"

	"github.com/swarm-project/swarm/test/harness"
)

// TestNoFitExplained: after classic Swarm's lines, unchanged, the no-fit
// message says how many nodes each filter ruled out and which. One node is
// unhealthy, a port clash rules out another and a constraint the third.
// The test stops an engine, so it has its own cluster.
func TestNoFitExplained(t *testing.T) {
	c, err := harness.StartCluster(3, nil)
	t.Cleanup(c.Stop)
	if err != nil {
		t.Fatal(err)
	}
	sick, busy, other := c.Engines[0], c.Engines[1], c.Engines[2]
	p := prefix(t)
	if _, stderr, err := c.Manager.Docker("run", "-d", "--name", p+"web", "-p", "18481:80", "-e", "constraint:node=="+busy.Name, "busybox", "sleep", "600"); err != nil {
		t.Fatalf("docker run web: %v\n%s", err, stderr)
	}
	t.Cleanup(func() { _, _, _ = c.Manager.Docker("rm", "-f", p+"web") })

	if err := sick.Stop(); err != nil {
		t.Fatal(err)
	}
	status := func() string {
		info, err := harness.SwarmStatus(c.Manager.Addr, nil)
		if err != nil {
			return err.Error()
		}
		n, _ := info.Node(sick.Name)
		return n.Fields["Status"]
	}
	if err := harness.WaitFor(90*time.Second, func() (bool, error) { return status() == "Unhealthy", nil }); err != nil {
		t.Fatalf("node %s never became Unhealthy (it is %q): %v", sick.Name, status(), err)
	}

	args := []string{"run", "-d", "-p", "18481:80", "-e", "constraint:node!=" + other.Name, "busybox", "true"}
	_, stderr, err := c.Manager.Docker(args...)
	if err == nil {
		t.Fatalf("docker %s succeeded", strings.Join(args, " "))
	}
	// Classic lines first, byte for byte; then one line per filter and
	// reason, in the scheduler's step order (cheap steps first).
	want := nofitRunStderr(nofitMsg(
		"[port 18481 (Bridge mode)]", "[available container slots]", "[node!="+other.Name+"]",
		"Nodes ruled out, by the first condition each fails:",
		"health: healthy node: 1 node ("+sick.Name+")",
		"constraint:node!="+other.Name+": 1 node ("+other.Name+")",
		"port 18481 (Bridge mode): 1 node ("+busy.Name+")",
	))
	if stderr != want {
		t.Errorf("docker %s:\n got %q\nwant %q", strings.Join(args, " "), stderr, want)
	}
}
