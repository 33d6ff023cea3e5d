package network

import (
	"testing"
)

// TestManagerRestartAdoptsSwarm: the shared manager is stopped and a new
// one started over the same engines. The new one adopts the engines'
// swarm: a second overlay made through it leaves every engine in the same
// swarm (same cluster ID on the manager engines, same node IDs, no extra
// nodes), the network made before the restart is still listed once, and
// both networks carry traffic across nodes. It replaces the shared
// manager, so it runs last (file name).
func TestManagerRestartAdoptsSwarm(t *testing.T) {
	c := shared
	const before, after = "keep-net", "second-net"
	c.removeLater(t, []string{"keep-srv", "keep-cli", "second-srv", "second-cli"})
	c.createOverlay(t, before)

	type state struct{ node, cluster string }
	was := map[string]state{}
	for _, e := range c.engs {
		s := mustEngineSwarm(t, e)
		if s.LocalNodeState != "active" {
			t.Fatalf("%s: swarm state %q after network create, want active", e.Name, s.LocalNodeState)
		}
		was[e.Name] = state{s.NodeID, s.clusterID()}
	}

	if err := c.m.Stop(); err != nil {
		t.Logf("stopping the manager: %v", err)
	}
	m, err := sharedCluster.StartManager()
	if err != nil {
		t.Fatalf("starting a new manager over the same engines: %v", err)
	}
	sharedCluster.Manager, c.m = m, m
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("new manager's log tail:\n%s", lastLines(m.Log(), 80))
		}
	})

	if rows := c.listed(t, before); len(rows) != 1 || rows[0] != before+" overlay swarm" {
		t.Errorf("the new manager lists %s as %q, want once as %q", before, rows, before+" overlay swarm")
	}
	c.createOverlay(t, after)
	for _, e := range c.engs {
		s := mustEngineSwarm(t, e)
		w := was[e.Name]
		if s.LocalNodeState != "active" || s.NodeID != w.node || s.clusterID() != w.cluster {
			t.Errorf("%s after the restart: state %q node %q cluster %q; before: node %q cluster %q",
				e.Name, s.LocalNodeState, s.NodeID, s.clusterID(), w.node, w.cluster)
		}
	}
	checkSwarmFormed(t, c)
	if rows := c.listed(t, after); len(rows) != 1 {
		t.Errorf("the new manager lists %s as %q, want once", after, rows)
	}

	a, b := c.engs[0], c.engs[len(c.engs)-1]
	for _, net := range []string{before, after} {
		srv, cli := net[:len(net)-4]+"-srv", net[:len(net)-4]+"-cli"
		c.docker(t, "run", "-d", "--name", srv, "--net", net, "-e", "constraint:node=="+a.Name, "busybox", "sleep", "3600")
		c.docker(t, "run", "-d", "--name", cli, "--net", net, "-e", "constraint:node=="+b.Name, "busybox", "sleep", "3600")
		c.serve(t, srv, net+"-ok")
		c.waitFetch(t, cli, "http://"+srv+"/file", net+"-ok")
		c.docker(t, "rm", "-f", srv, cli)
	}
	for _, net := range []string{before, after} {
		c.docker(t, "network", "rm", net)
		waitGoneFromEngines(t, c.engs, net)
	}
}
