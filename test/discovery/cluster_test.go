package discovery_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/swarm-project/swarm/test/harness"
)

// Short timings so that the scenario runs in seconds: the joiners renew
// every second with a 3s TTL, and the manager follows the backend with a 1s
// heartbeat (Consul's session TTL is then 1.5s; test/stores.sh lowers the
// agent's session_ttl_min to 1s).
const (
	joinHeartbeat = "1s"
	joinTTL       = "3s"
)

// cluster is one backend under the end-to-end scenario.
type cluster struct {
	url string
	// add makes engine i known to the backend (starts a joiner, writes the
	// file); nil when the URL already lists every engine.
	add func(t *testing.T, i int)
	// drop makes engine i go away the way a dead joiner does (SIGKILL, no
	// deregistration), or removes it from the file; nil when nothing can.
	drop func(t *testing.T, i int)
	// restart restarts the store (or token server); nil for nodes and file.
	restart func(t *testing.T)
}

// joinCluster is a cluster whose engines join with `swarm join`.
func joinCluster(t *testing.T, url string, restart func(t *testing.T)) cluster {
	engs := needEngines(t)
	joiners := map[int]*proc{}
	return cluster{
		url: url,
		add: func(t *testing.T, i int) {
			joiners[i] = startProc(t, "join-"+engs[i].Name, swarmBin(t), nil,
				"join", "--advertise", engs[i].Addr, "--heartbeat", joinHeartbeat, "--ttl", joinTTL, url)
		},
		drop: func(t *testing.T, i int) {
			joiners[i].kill()
		},
		restart: restart,
	}
}

func TestClusterConsul(t *testing.T) {
	addr := needStore(t, "consul")
	runCluster(t, joinCluster(t, "consul://"+addr+"/"+uniquePath(t), func(t *testing.T) { restartStore(t, "consul") }))
}

func TestClusterEtcd(t *testing.T) {
	addr := needStore(t, "etcd")
	runCluster(t, joinCluster(t, "etcd://"+addr+"/"+uniquePath(t), func(t *testing.T) { restartStore(t, "etcd") }))
}

func TestClusterZooKeeper(t *testing.T) {
	addr := needStore(t, "zk")
	runCluster(t, joinCluster(t, "zk://"+addr+"/"+uniquePath(t), func(t *testing.T) { restartStore(t, "zk") }))
}

func TestClusterToken(t *testing.T) {
	needEngines(t)
	ts := startTokenServer(t, "", "")
	out, stderr, code := runSwarm(t, 10*time.Second, nil, "create", "--url", "http://"+ts.addr)
	if code != 0 {
		t.Fatalf("swarm create: exit %d: %s", code, stderr)
	}
	token := strings.TrimSpace(out)
	runCluster(t, joinCluster(t, "token://"+ts.addr+"/"+token, func(t *testing.T) {
		if err := ts.p.terminate(t); err != nil {
			t.Fatalf("token-server exit: %v", err)
		}
		startTokenServer(t, ts.addr, ts.db)
	}))
}

func TestClusterFile(t *testing.T) {
	engs := needEngines(t)
	path := filepath.Join(t.TempDir(), "cluster")
	listed := map[int]bool{}
	write := func(t *testing.T) {
		var b strings.Builder
		b.WriteString("# engines of the test cluster\n")
		for i, e := range engs {
			if listed[i] {
				b.WriteString(e.Addr + "\n")
			}
		}
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, path); err != nil {
			t.Fatal(err)
		}
	}
	write(t)
	runCluster(t, cluster{
		url:  "file://" + path,
		add:  func(t *testing.T, i int) { listed[i] = true; write(t) },
		drop: func(t *testing.T, i int) { listed[i] = false; write(t) },
	})
}

func TestClusterNodes(t *testing.T) {
	engs := needEngines(t)
	runCluster(t, cluster{url: "nodes://" + engs[0].Addr + "," + engs[1].Addr})
}

// runCluster: both engines join, the manager shows both and runs a
// container; engine 1 goes away and leaves the cluster after the TTL; the
// store restarts, engine 1 joins again, and the cluster has both again.
func runCluster(t *testing.T, c cluster) {
	engs := needEngines(t)
	if c.add != nil {
		c.add(t, 0)
		c.add(t, 1)
	}
	m, err := harness.StartManager(swarmBin(t), "--heartbeat", "1s", c.url)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if t.Failed() {
			t.Logf("manager log:\n%s", m.Log())
		}
		m.Stop()
	}()
	waitNodes(t, m, engs[0], engs[1])

	name := "disc-" + strings.ToLower(strings.TrimPrefix(t.Name(), "TestCluster"))
	dockerOK(t, m, "run", "-d", "--name", name, "busybox", "sleep", "60")
	if ps := dockerOK(t, m, "ps", "--format", "{{.Names}}"); !strings.Contains(ps, name) {
		t.Fatalf("docker ps does not show %s:\n%s", name, ps)
	}
	dockerOK(t, m, "rm", "-f", name)

	if c.drop == nil {
		return
	}
	c.drop(t, 1)
	waitNodes(t, m, engs[0])

	if c.restart == nil {
		return
	}
	c.restart(t)
	c.add(t, 1)
	waitNodes(t, m, engs[0], engs[1])
}

// waitNodes waits until `docker info` through m lists exactly engs.
func waitNodes(t *testing.T, m *harness.Manager, engs ...*harness.Engine) {
	t.Helper()
	var last string
	err := harness.WaitFor(45*time.Second, func() (bool, error) {
		out, _, err := harness.Docker(m.Addr, "info")
		if err != nil {
			return false, err
		}
		last = out
		if !strings.Contains(out, "Nodes: "+itoa(len(engs))+"\n") {
			return false, nil
		}
		for _, e := range engs {
			if !strings.Contains(out, e.Addr) {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		t.Fatalf("docker info never showed exactly %d nodes %v: %v\nlast info:\n%s", len(engs), engs, err, last)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// dockerOK runs the docker CLI against m and fails the test on error.
func dockerOK(t *testing.T, m *harness.Manager, args ...string) string {
	t.Helper()
	out, stderr, err := harness.Docker(m.Addr, args...)
	if err != nil {
		t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	return out
}
