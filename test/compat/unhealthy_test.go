package compattest

import (
	"strings"
	"testing"
	"time"

	"github.com/swarm-project/swarm/test/harness"
)

// TestContainersOnAnUnhealthyNode: once a node is Unhealthy, calls on its
// containers answer classic Swarm's 500 "Container <ref> running on
// unhealthy node <node>" instead of stale cached data, docker ps hides them
// and docker ps -a shows them "Host Down"; when the node is back, they are
// served as before. The test stops an engine, so it has its own cluster.
func TestContainersOnAnUnhealthyNode(t *testing.T) {
	c, err := harness.StartCluster(2, nil)
	t.Cleanup(c.Stop)
	if err != nil {
		t.Fatal(err)
	}
	up, down := c.Engines[0], c.Engines[1]
	run := func(args ...string) string {
		t.Helper()
		out, stderr, err := c.Manager.Docker(args...)
		if err != nil {
			t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, stderr)
		}
		return out
	}
	fails := func(args ...string) string {
		t.Helper()
		out, stderr, err := c.Manager.Docker(args...)
		if err == nil {
			t.Fatalf("docker %s succeeded, want an error; output:\n%s", strings.Join(args, " "), out)
		}
		return stderr
	}
	nodeStatus := func(name string) string {
		info, err := harness.SwarmStatus(c.Manager.Addr, nil)
		if err != nil {
			return err.Error()
		}
		n, _ := info.Node(name)
		return n.Fields["Status"]
	}
	waitStatus := func(name, want string) {
		t.Helper()
		err := harness.WaitFor(90*time.Second, func() (bool, error) { return nodeStatus(name) == want, nil })
		if err != nil {
			t.Fatalf("node %s never became %s (it is %q): %v", name, want, nodeStatus(name), err)
		}
	}

	p := prefix(t)
	there, here := p+"there", p+"here"
	run("run", "-d", "--name", here, "-e", "constraint:node=="+up.Name, "busybox", "sleep", "600")
	run("run", "-d", "--name", there, "-e", "constraint:node=="+down.Name, "--restart", "always", "--stop-timeout", "1",
		"busybox", "sh", "-c", "echo hello; exec sleep 600")
	sid := strings.TrimSpace(run("inspect", "-f", swarmIDFormat, there))
	if len(sid) != 64 {
		t.Fatalf("swarm ID %q", sid)
	}

	if err := down.Stop(); err != nil {
		t.Fatal(err)
	}
	restarted := false
	t.Cleanup(func() {
		if !restarted {
			_ = down.Start()
		}
	})
	waitStatus(down.Name, "Unhealthy")

	// Every call on the container names it as the client did.
	calls := []struct {
		name string
		args []string
		ref  string
		more string // what the docker CLI prints after the daemon's message
	}{
		{"inspect by name", []string{"inspect", there}, there, ""},
		{"inspect by swarm ID", []string{"inspect", sid[:12]}, sid[:12], ""},
		{"inspect -f", []string{"inspect", "-f", "{{.State.Running}}", there}, there, ""},
		{"logs", []string{"logs", there}, there, ""},
		{"start", []string{"start", there}, there, "Error: failed to start containers: " + there + "\n"},
		{"stop", []string{"stop", sid}, sid, ""},
		{"rm", []string{"rm", "-f", there}, there, ""},
		{"exec", []string{"exec", there, "true"}, there, ""},
		{"attach", []string{"attach", "--no-stdin", there}, there, ""},
		{"commit", []string{"commit", there, p + "img"}, there, ""},
	}
	for _, tt := range calls {
		t.Run(tt.name, func(t *testing.T) {
			want := "Error response from daemon: Container " + tt.ref + " running on unhealthy node " + down.Name + "\n" + tt.more
			if got := fails(tt.args...); got != want {
				t.Errorf("docker %s:\n got %q\nwant %q", strings.Join(tt.args, " "), got, want)
			}
		})
	}

	// ps hides it, ps -a shows it Host Down, a status filter never lists it.
	if got := run("ps", "--format", "{{.Names}}"); strings.Contains(got, there) || !strings.Contains(got, up.Name+"/"+here) {
		t.Errorf("docker ps lists:\n%s\nwant %s without %s", got, here, there)
	}
	if got := run("ps", "-a", "--filter", "name="+there, "--format", "{{.Names}}|{{.Status}}"); got != down.Name+"/"+there+"|Host Down\n" {
		t.Errorf("docker ps -a lists %q, want %q", got, down.Name+"/"+there+"|Host Down\n")
	}
	if got := run("ps", "--filter", "status=running", "--format", "{{.Names}}"); strings.Contains(got, there) || !strings.Contains(got, here) {
		t.Errorf("docker ps --filter status=running lists:\n%s\nwant %s without %s", got, here, there)
	}

	// Back: served again, and running again (restart always).
	if err := down.Start(); err != nil {
		t.Fatal(err)
	}
	restarted = true
	waitStatus(down.Name, "Healthy")
	err = harness.WaitFor(60*time.Second, func() (bool, error) {
		out, _, err := c.Manager.Docker("ps", "--filter", "name="+there, "--format", "{{.Names}}|{{.Status}}")
		return err == nil && strings.HasPrefix(out, down.Name+"/"+there+"|Up "), nil
	})
	if err != nil {
		t.Fatalf("%s never listed as running again: %v\n%s", there, err, run("ps", "-a"))
	}
	if got := run("inspect", "-f", "{{.State.Running}}", sid[:12]); got != "true\n" {
		t.Errorf("inspect after the node came back: %q", got)
	}
	if got := run("logs", there); !strings.HasPrefix(got, "hello\n") {
		t.Errorf("logs after the node came back: %q", got)
	}
	if got := run("rm", "-f", there, here); got != there+"\n"+here+"\n" {
		t.Errorf("docker rm printed %q", got)
	}
}
