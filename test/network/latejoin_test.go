package network

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/swarm-project/swarm/test/harness"
)

// TestLateJoiner: a manager over a file:// discovery file listing two
// test hosts makes an overlay; a third host added to the file later joins
// the same swarm by itself, and a container placed on it reaches one on
// another node over the overlay by name; taken out of the file and killed,
// it is removed from the swarm. Own engines and manager.
func TestLateJoiner(t *testing.T) {
	t.Parallel() // its own engines and manager
	engs, err := harness.StartEnginesWith(3, harness.EnginesConfig{Hosts: true})
	t.Cleanup(func() {
		killEngines(engs)
		harness.StopEngines(engs)
	})
	if err != nil {
		t.Fatal(err)
	}
	bin, err := harness.BuildSwarm()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "cluster")
	write := func(engs ...*harness.Engine) {
		t.Helper()
		var b strings.Builder
		for _, e := range engs {
			b.WriteString(e.Addr + "\n")
		}
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, path); err != nil {
			t.Fatal(err)
		}
	}
	write(engs[0], engs[1])
	args := append(append([]string(nil), harness.FastRefresh...), "--heartbeat", "1s", "file://"+path)
	m, err := harness.StartManager(bin, args...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("manager log tail:\n%s", lastLines(m.Log(), 80))
			late := engs[2]
			t.Logf("%s log tail:\n%s", late.Name, late.Log())
		}
		_ = m.Stop()
	})
	c := &cluster{m: m, engs: engs[:2]}
	waitHealthy(t, c, 2)

	const net = "late-net"
	srv, cli := "late-srv", "late-cli"
	c.removeLater(t, []string{srv, cli})
	c.createOverlay(t, net)
	for _, e := range engs[:2] {
		if s := mustEngineSwarm(t, e); s.LocalNodeState != "active" {
			t.Errorf("%s after network create: swarm state %q, want active", e.Name, s.LocalNodeState)
		}
	}
	late := engs[2]
	if s := mustEngineSwarm(t, late); s.LocalNodeState != "inactive" {
		t.Errorf("%s, not yet in the discovery file: swarm state %q, want inactive", late.Name, s.LocalNodeState)
	}

	write(engs...)
	c.engs = engs
	waitHealthy(t, c, 3)
	var last string
	err = harness.WaitFor(60*time.Second, func() (bool, error) {
		s, err := engineSwarm(late)
		if err != nil {
			return false, err
		}
		last = "swarm state " + s.LocalNodeState
		if s.LocalNodeState != "active" {
			return false, nil
		}
		for _, e := range engs[:2] {
			if mustEngineSwarm(t, e).ControlAvailable {
				out, _, err := e.Docker("node", "ls", "--format", "{{.Hostname}} {{.Status}}")
				last += "; node ls on " + e.Name + ": " + strings.Join(lines(out), ", ")
				if err != nil || !slices.Contains(lines(out), late.Name+" Ready") {
					return false, err
				}
			}
		}
		return true, nil
	})
	if err != nil {
		t.Fatalf("%s never joined the swarm: %s: %v", late.Name, last, err)
	}
	// Its role (worker or manager) is the manager's choice.
	checkSwarm(t, c, 0)

	c.docker(t, "run", "-d", "--name", srv, "--net", net, "-e", "constraint:node=="+engs[0].Name, "busybox", "sleep", "3600")
	c.docker(t, "run", "-d", "--name", cli, "--net", net, "-e", "constraint:node=="+late.Name, "busybox", "sleep", "3600")
	if got := c.nodeOf(t, cli); got != late.Name {
		t.Fatalf("%s runs on %s, want %s", cli, got, late.Name)
	}
	c.serve(t, srv, "late-ok")
	c.waitFetch(t, cli, "http://"+srv+"/file", "late-ok")

	c.docker(t, "rm", "-f", srv, cli)
	c.docker(t, "network", "rm", net)
	waitGoneFromEngines(t, engs, net)

	// The node leaves: out of the discovery file, then its engine dies.
	// The manager removes its swarm node once the swarm sees it down.
	write(engs[0], engs[1])
	c.engs = engs[:2]
	waitHealthy(t, c, 2)
	if err := late.Kill(); err != nil {
		t.Fatal(err)
	}
	err = harness.WaitFor(90*time.Second, func() (bool, error) {
		out, _, err := engs[0].Docker("node", "ls", "--format", "{{.Hostname}} {{.Status}}")
		last = strings.Join(lines(out), ", ")
		return err == nil && !strings.Contains(out, late.Name), err
	})
	if err != nil {
		t.Fatalf("%s left the cluster but stays in the swarm: node ls on %s: %s: %v", late.Name, engs[0].Name, last, err)
	}
	checkSwarm(t, c, 0)
}

// waitHealthy waits until c's manager reports n healthy nodes.
func waitHealthy(t *testing.T, c *cluster, n int) {
	t.Helper()
	var last string
	err := harness.WaitFor(60*time.Second, func() (bool, error) {
		out, _, err := c.try("info")
		last = out
		return err == nil && strings.Count(out, "Status: Healthy") == n, err
	})
	if err != nil {
		t.Fatalf("the manager never saw %d healthy engines: %v\nlast info:\n%s", n, err, last)
	}
}
