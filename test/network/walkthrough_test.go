package network

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/swarm-project/swarm/test/harness"
)

// walk is what the walkthrough made, for the checks a caller adds while
// its containers run.
type walk struct {
	net        string // the overlay network's name
	netID      string // the ID network create printed
	os, client string // the two containers' names
	osNode     *harness.Engine
	clientNode *harness.Engine
	osIP       string // os's address on net
}

// walkthrough runs the core of the networking chapter's walkthrough
// through c's manager, as a user types it:
//
//	docker network create -d overlay NET
//	docker network ls
//	docker run -itd --name=os --net=NET -e constraint:node==FIRST busybox
//	docker run -d --name=oc --net=NET -e constraint:node==LAST busybox sleep 3600
//	docker exec oc wget -qO- http://os/file      (and by os's IP)
//	docker rm -f os oc; docker network rm NET
//
// and checks that the network is listed once, that the containers on two
// nodes exchange data by name and by IP, and that after rm no engine has
// the network. during, if not nil, runs while both containers run.
func walkthrough(t *testing.T, c *cluster, net string, during func(t *testing.T, w *walk)) {
	t.Helper()
	if len(c.engs) < 2 {
		t.Fatalf("the walkthrough needs two nodes, the cluster has %d", len(c.engs))
	}
	w := &walk{net: net, os: "os", client: "oc", osNode: c.engs[0], clientNode: c.engs[len(c.engs)-1]}
	c.removeLater(t, []string{w.os, w.client})
	start := time.Now()
	step := func(what string) { t.Logf("%v: %s", time.Since(start).Round(100*time.Millisecond), what) }

	w.netID = c.createOverlay(t, net)
	step("network created")
	if rows := c.listed(t, net); len(rows) != 1 || rows[0] != net+" overlay swarm" {
		t.Errorf("docker network ls lists %s as %q, want once as %q", net, rows, net+" overlay swarm")
	}
	for _, l := range lines(c.docker(t, "network", "ls", "--format", "{{.Name}}")) {
		if strings.HasSuffix(l, "/"+net) {
			t.Errorf("docker network ls lists %s with a node prefix too", l)
		}
	}
	if id := strings.TrimSpace(c.docker(t, "network", "inspect", "-f", "{{.Id}}", net)); id != w.netID {
		t.Errorf("network inspect %s: ID %q, network create printed %q", net, id, w.netID)
	}

	// The chapter's container, kept up by an interactive shell.
	c.docker(t, "run", "-itd", "--name="+w.os, "--net="+net, "-e", "constraint:node=="+w.osNode.Name, "busybox")
	if got := c.nodeOf(t, w.os); got != w.osNode.Name {
		t.Fatalf("os runs on %s, want %s (its constraint)", got, w.osNode.Name)
	}
	token := "hello-from-" + w.osNode.Name
	c.serve(t, w.os, token)
	c.docker(t, "run", "-d", "--name="+w.client, "--net="+net, "-e", "constraint:node=="+w.clientNode.Name, "busybox", "sleep", "3600")
	if got := c.nodeOf(t, w.client); got != w.clientNode.Name {
		t.Fatalf("%s runs on %s, want %s (its constraint)", w.client, got, w.clientNode.Name)
	}

	step("containers running")
	// Data across nodes, by name then by IP, and back by name.
	c.waitFetch(t, w.client, "http://"+w.os+"/file", token)
	w.osIP = c.ipOn(t, w.os, net)
	c.waitFetch(t, w.client, "http://"+w.osIP+"/file", token)
	if out, stderr, err := c.try("exec", w.os, "ping", "-c", "1", "-W", "3", w.client); err != nil {
		t.Errorf("docker exec os ping -c 1 %s: %v\n%s%s", w.client, err, out, stderr)
	}

	step("data exchanged")
	if during != nil {
		during(t, w)
		step("extra checks done")
	}

	c.docker(t, "rm", "-f", w.os, w.client)
	c.docker(t, "network", "rm", net)
	if rows := c.listed(t, net); len(rows) != 0 {
		t.Errorf("after docker network rm, the manager still lists %q", rows)
	}
	if _, stderr, err := c.try("network", "inspect", net); err == nil || !strings.Contains(stderr, "No such network") {
		t.Errorf("network inspect %s after rm: err %v, stderr %q; want No such network", net, err, stderr)
	}
	waitGoneFromEngines(t, c.engs, net)
	step("network gone")
}

// TestWalkthrough is the chapter's walkthrough on three test hosts
// (issue 13's acceptance), with the checks that the chapter shows along
// the way: one swarm among the engines, the network's containers in
// inspect, the container's two interfaces.
func TestWalkthrough(t *testing.T) {
	c := shared
	walkthrough(t, c, "sample-net", func(t *testing.T, w *walk) {
		checkSwarmFormed(t, c)
		checkSwarmNetworksListed(t, c)

		// inspect through the manager shows the containers of both nodes.
		var attached map[string]struct{ Name, IPv4Address string }
		out := c.docker(t, "network", "inspect", "-f", "{{json .Containers}}", w.net)
		if err := json.Unmarshal([]byte(out), &attached); err != nil {
			t.Fatalf("network inspect %s .Containers: %v: %q", w.net, err, out)
		}
		for _, ref := range []string{w.os, w.client} {
			id := strings.TrimSpace(c.docker(t, "inspect", "-f", "{{.Id}}", ref))
			if _, ok := attached[id]; !ok {
				t.Errorf("network inspect %s: .Containers lacks %s (%s); has %v", w.net, ref, id, attached)
			}
		}

		// eth0 on the overlay, eth1 on the node's docker_gwbridge.
		subnet := strings.TrimSpace(c.docker(t, "network", "inspect", "-f", "{{(index .IPAM.Config 0).Subnet}}", w.net))
		gw := strings.TrimSpace(w.osNode.MustDocker(t, "network", "inspect", "-f", "{{(index .IPAM.Config 0).Subnet}}", "docker_gwbridge"))
		addrs := ifaceAddrs(t, c, w.os)
		if len(addrs) != 3 {
			t.Errorf("os has interfaces %v, want lo, eth0 and eth1", addrs)
		}
		if a := addrs["eth0"]; a != w.osIP || !inPrefix(a, subnet) {
			t.Errorf("os eth0 has %q, want %s in %s's subnet %s", a, w.osIP, w.net, subnet)
		}
		if a := addrs["eth1"]; !inPrefix(a, gw) {
			t.Errorf("os eth1 has %q, want an address in %s's docker_gwbridge subnet %s", a, w.osNode.Name, gw)
		}
	})
}

// ifaceAddrs maps container ref's interfaces to their IPv4 address, from
// `docker exec ref ip -o -4 addr` through the manager.
func ifaceAddrs(t *testing.T, c *cluster, ref string) map[string]string {
	t.Helper()
	out := c.docker(t, "exec", ref, "ip", "-o", "-4", "addr")
	addrs := map[string]string{}
	for _, l := range lines(out) {
		// "12: eth0    inet 10.0.1.2/24 brd 10.0.1.255 scope global eth0..."
		f := strings.Fields(l)
		if len(f) < 4 || f[2] != "inet" {
			continue
		}
		name, _, _ := strings.Cut(f[1], "@")
		addr, _, _ := strings.Cut(f[3], "/")
		addrs[name] = addr
	}
	return addrs
}

// checkSwarmFormed checks the swarm-mode cluster the manager made among
// c's engines: every engine active in one swarm, with the manager count
// the contract sets for the cluster's size, and a manager's node list
// naming each engine once, Ready.
func checkSwarmFormed(t *testing.T, c *cluster) {
	t.Helper()
	checkSwarm(t, c, wantManagers(len(c.engs)))
}

// checkSwarm is checkSwarmFormed with the manager count given (0: any).
func checkSwarm(t *testing.T, c *cluster, want int) {
	t.Helper()
	clusterIDs := map[string]bool{}
	managers := 0
	for _, e := range c.engs {
		s := mustEngineSwarm(t, e)
		if s.LocalNodeState != "active" || s.NodeID == "" {
			t.Errorf("%s: swarm state %q (node ID %q), want active", e.Name, s.LocalNodeState, s.NodeID)
		}
		if s.ControlAvailable {
			managers++
			clusterIDs[s.clusterID()] = true
		}
	}
	if len(clusterIDs) != 1 {
		t.Errorf("manager engines report swarms %v, want exactly one", clusterIDs)
	}
	if want != 0 && managers != want {
		t.Errorf("%d of %d engines are swarm managers, want %d", managers, len(c.engs), want)
	}
	nodes := swarmNodes(t, swarmManager(t, c.engs))
	if len(nodes) != len(c.engs) {
		t.Errorf("docker node ls lists %v, want exactly %v", nodes, c.names())
	}
	for _, name := range c.names() {
		if st, ok := nodes[name]; !ok || !strings.HasPrefix(st, "Ready Active") {
			t.Errorf("docker node ls: %s is %q, want Ready Active", name, st)
		}
	}
}

// wantManagers is the contract's count of swarm managers for n engines.
func wantManagers(n int) int {
	switch {
	case n <= 2:
		return 1
	case n <= 6:
		return 3
	}
	return 5
}

// checkSwarmNetworksListed checks the manager's `network ls` once the
// engines are a swarm: the engines' ingress network once, without a
// prefix, and each node's docker_gwbridge as NODE/docker_gwbridge.
func checkSwarmNetworksListed(t *testing.T, c *cluster) {
	t.Helper()
	if rows := c.listed(t, "ingress"); len(rows) != 1 || rows[0] != "ingress overlay swarm" {
		t.Errorf("docker network ls lists ingress as %q, want once as \"ingress overlay swarm\"", rows)
	}
	for _, e := range c.engs {
		if rows := c.listed(t, e.Name+"/docker_gwbridge"); len(rows) != 1 {
			t.Errorf("docker network ls lists %s/docker_gwbridge as %q, want once", e.Name, rows)
		}
	}
}

// TestWalkthroughEngine29 runs the walkthrough's core on a cluster of
// three Engine 29 test hosts and on a mixed one (two 20.10, one 29: the
// containers then sit on a 20.10 node and on the Engine 29 node).
func TestWalkthroughEngine29(t *testing.T) {
	t.Parallel() // its own engines and manager
	for _, tc := range []struct {
		name string
		cfg  harness.EnginesConfig
	}{
		{name: "all Engine 29", cfg: harness.EnginesConfig{Hosts: true, Kind: harness.Engine29}},
		{name: "mixed 20.10 and 29", cfg: harness.EnginesConfig{Hosts: true, Kinds: map[int]harness.EngineKind{2: harness.Engine29}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := startCluster(t, 3, tc.cfg)
			walkthrough(t, c, "sample-net", func(t *testing.T, w *walk) {
				checkSwarmFormed(t, c)
			})
		})
	}
}
