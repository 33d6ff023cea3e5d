// Package network checks multi-host networking through the manager (issue
// 13): overlay networks across test hosts that each have their own network
// stack, as in the networking chapter's walkthrough, on the engines of
// today. Each test runs the docker commands a user would type against the
// manager and checks the engines directly where it matters (the swarm-mode
// state the manager gives them, the networks left on them).
//
// One cluster of three host-mode engines (each dockerd in its own network
// namespace at 10.98.0.(100+N)) and one manager serve the tests that use
// the cluster as it is (TestMain); the first overlay network made through
// it turns the engines into a swarm-mode cluster, which the later tests
// share. Tests that need their own manager or engines (a late joiner,
// overlays turned off, Engine 29) start them and stop them, and run in
// parallel (t.Parallel: after the shared cluster's tests, two at a time on
// two cores), which keeps the package's time down. The manager restart
// test replaces the shared manager, so it runs last of the sequential ones
// (z_restart_test.go). Tests name their objects with their own prefix and
// remove them.
package network

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/swarm-project/swarm/test/harness"
)

// cluster is a manager and the engines behind it.
type cluster struct {
	m    *harness.Manager
	engs []*harness.Engine
}

var (
	// sharedCluster is the package's cluster as the harness started it
	// (its Manager is replaced by the restart test).
	sharedCluster *harness.Cluster
	shared        *cluster
)

func TestMain(m *testing.M) { os.Exit(harness.Main(m, setup)) }

// setup starts three host-mode engines and a manager over them.
func setup() (func(failed bool), error) {
	// The docker CLI here has no buildx plugin: compose must use the
	// legacy builder.
	os.Setenv("DOCKER_BUILDKIT", "0")
	os.Setenv("COMPOSE_DOCKER_CLI_BUILD", "0")
	start := time.Now()
	c, err := harness.StartClusterWith(3, harness.EnginesConfig{Hosts: true})
	fmt.Printf("shared cluster of 3 test hosts started in %v\n", time.Since(start).Round(100*time.Millisecond))
	sharedCluster = c
	if err != nil {
		return c.Teardown, err
	}
	for _, e := range c.Engines {
		if !e.Host || e.IP == "" {
			return c.Teardown, fmt.Errorf("engine %s is not in host mode (Host %v, IP %q)", e, e.Host, e.IP)
		}
	}
	shared = &cluster{m: c.Manager, engs: c.Engines}
	return func(failed bool) {
		if failed && c.Manager != nil {
			fmt.Fprintln(os.Stderr, "manager log tail:\n"+lastLines(c.Manager.Log(), 60))
		}
		stopFast(c)
	}, nil
}

// stopFast stops a cluster whose engines' data is not kept: a clean
// shutdown of an engine in a swarm takes over ten seconds (dockerd leaves
// the swarm's raft group), so the engines are killed (SIGKILL) first, and
// then purged as usual.
func stopFast(c *harness.Cluster) {
	killEngines(c.Engines)
	c.Stop()
}

// killEngines kills the engines concurrently; errors are ignored (the
// purge that follows stops whatever is left).
func killEngines(engs []*harness.Engine) {
	var wg sync.WaitGroup
	for _, e := range engs {
		if e == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = e.Kill()
		}()
	}
	wg.Wait()
}

// startCluster starts a cluster of its own for one test, with the manager
// arguments given, and stops it when the test ends (printing the
// manager's log tail if the test failed).
func startCluster(t *testing.T, n int, cfg harness.EnginesConfig, managerArgs ...string) *cluster {
	t.Helper()
	start := time.Now()
	c, err := harness.StartClusterWith(n, cfg, managerArgs...)
	t.Cleanup(func() {
		if t.Failed() && c.Manager != nil {
			t.Logf("manager log tail:\n%s", lastLines(c.Manager.Log(), 80))
		}
		start := time.Now()
		stopFast(c)
		t.Logf("cluster stopped in %v", time.Since(start).Round(100*time.Millisecond))
	})
	if err != nil {
		t.Fatalf("starting a cluster of %d engines: %v", n, err)
	}
	t.Logf("cluster of %d engines started in %v", n, time.Since(start).Round(100*time.Millisecond))
	return &cluster{m: c.Manager, engs: c.Engines}
}

// docker runs the docker CLI against the manager and fails the test on a
// non-zero exit; it returns stdout.
func (c *cluster) docker(t *testing.T, args ...string) string {
	t.Helper()
	return harness.MustDocker(t, c.m.Addr, args...)
}

// try runs the docker CLI against the manager, for cleanups and polls.
func (c *cluster) try(args ...string) (string, string, error) {
	return harness.Docker(c.m.Addr, args...)
}

// names are the engines' node names.
func (c *cluster) names() []string {
	out := make([]string, len(c.engs))
	for i, e := range c.engs {
		out[i] = e.Name
	}
	return out
}

// nodeOf is the node a container runs on, as the manager reports it.
func (c *cluster) nodeOf(t *testing.T, ref string) string {
	t.Helper()
	return strings.TrimSpace(c.docker(t, "inspect", "-f", "{{.Node.Name}}", ref))
}

// removeLater removes containers (forcibly) and then networks through the
// manager when the test ends, whatever happened; errors are ignored (the
// test removes them itself when it checks removal).
func (c *cluster) removeLater(t *testing.T, containers []string, networks ...string) {
	t.Cleanup(func() {
		if len(containers) > 0 {
			_, _, _ = c.try(append([]string{"rm", "-f"}, containers...)...)
		}
		for _, n := range networks {
			_, _, _ = c.try("network", "rm", n)
		}
	})
}

// listed is how many lines of the manager's `network ls` carry exactly
// name, and their "name driver scope" rows.
func (c *cluster) listed(t *testing.T, name string) []string {
	t.Helper()
	var rows []string
	for _, l := range lines(c.docker(t, "network", "ls", "--format", "{{.Name}} {{.Driver}} {{.Scope}}")) {
		if f := strings.Fields(l); len(f) > 0 && f[0] == name {
			rows = append(rows, l)
		}
	}
	return rows
}

// createOverlay runs `docker network create -d overlay args... name`
// through the manager, checks that it printed one ID, and removes the
// network when the test ends. It returns the ID.
func (c *cluster) createOverlay(t *testing.T, name string, args ...string) string {
	t.Helper()
	full := append(append([]string{"network", "create", "-d", "overlay"}, args...), name)
	out, stderr, err := c.try(full...)
	if err != nil {
		t.Fatalf("docker %s: %v\n%s\nmanager log tail:\n%s", strings.Join(full, " "), err, stderr, lastLines(c.m.Log(), 40))
	}
	c.removeLater(t, nil, name)
	id := lines(out)
	if len(id) != 1 || !isID(id[0]) {
		t.Fatalf("docker %s printed %q, want one network ID", strings.Join(full, " "), out)
	}
	return id[0]
}

// isID reports whether s looks like a network ID: lower-case letters and
// digits (a swarm-scoped network's ID is 25 such characters, a local one's
// 64 hex digits).
func isID(s string) bool {
	if len(s) < 12 {
		return false
	}
	for _, r := range s {
		if (r < '0' || r > '9') && (r < 'a' || r > 'z') {
			return false
		}
	}
	return true
}

// engineNetworks lists the names of the networks engine e itself reports.
func engineNetworks(t *testing.T, e *harness.Engine) []string {
	t.Helper()
	return lines(e.MustDocker(t, "network", "ls", "--format", "{{.Name}}"))
}

// waitGoneFromEngines waits until no engine lists network name, and fails
// the test naming the engines that still do.
func waitGoneFromEngines(t *testing.T, engs []*harness.Engine, name string) {
	t.Helper()
	var holders []string
	err := harness.WaitFor(30*time.Second, func() (bool, error) {
		holders = nil
		for _, e := range engs {
			out, _, err := e.Docker("network", "ls", "--format", "{{.Name}}")
			if err != nil {
				return false, err
			}
			if slices.Contains(lines(out), name) {
				holders = append(holders, e.Name)
			}
		}
		return len(holders) == 0, nil
	})
	if err != nil {
		t.Errorf("network %s is still on %v after docker network rm: %v", name, holders, err)
	}
}

// swarmInfo is the part of an engine's `docker info` about swarm mode.
type swarmInfo struct {
	NodeID           string
	NodeAddr         string
	LocalNodeState   string
	ControlAvailable bool
	Cluster          *struct{ ID string }
	Managers         int
	Nodes            int
}

// engineSwarm reads engine e's swarm-mode state from its own `docker info`.
func engineSwarm(e *harness.Engine) (swarmInfo, error) {
	var s swarmInfo
	out, stderr, err := e.Docker("info", "--format", "{{json .Swarm}}")
	if err != nil {
		return s, fmt.Errorf("docker info on %s: %v: %s", e.Name, err, stderr)
	}
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		return s, fmt.Errorf("docker info on %s: %v: %q", e.Name, err, out)
	}
	return s, nil
}

func mustEngineSwarm(t *testing.T, e *harness.Engine) swarmInfo {
	t.Helper()
	s, err := engineSwarm(e)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// clusterID is the swarm's ID as a manager engine reports it ("" on a
// worker or outside a swarm).
func (s swarmInfo) clusterID() string {
	if s.Cluster == nil {
		return ""
	}
	return s.Cluster.ID
}

// swarmManager returns an engine that is a swarm-mode manager.
func swarmManager(t *testing.T, engs []*harness.Engine) *harness.Engine {
	t.Helper()
	for _, e := range engs {
		if mustEngineSwarm(t, e).ControlAvailable {
			return e
		}
	}
	t.Fatalf("no engine of %v is a swarm-mode manager", engineNames(engs))
	return nil
}

// swarmNodes lists the swarm's nodes as manager engine e reports them:
// hostname -> "status availability manager-status".
func swarmNodes(t *testing.T, e *harness.Engine) map[string]string {
	t.Helper()
	out := e.MustDocker(t, "node", "ls", "--format", "{{.Hostname}}\t{{.Status}}\t{{.Availability}}\t{{.ManagerStatus}}")
	nodes := map[string]string{}
	for _, l := range lines(out) {
		host, rest, _ := strings.Cut(l, "\t")
		if _, dup := nodes[host]; dup {
			t.Errorf("docker node ls on %s lists %s twice:\n%s", e.Name, host, out)
		}
		nodes[host] = strings.Join(strings.Fields(rest), " ")
	}
	return nodes
}

func engineNames(engs []*harness.Engine) []string {
	out := make([]string, len(engs))
	for i, e := range engs {
		out[i] = e.Name
	}
	return out
}

// waitFetch waits until `wget -qO- url` run in container from (through
// the manager's exec) prints want, and fails the test with the last
// answer otherwise. Name resolution across nodes may take a moment to
// spread. (The test images' busybox wget segfaults with -T, so timeout(1)
// bounds each try.)
func (c *cluster) waitFetch(t *testing.T, from, url, want string) {
	t.Helper()
	var last string
	err := harness.WaitFor(30*time.Second, func() (bool, error) {
		out, stderr, err := c.try("exec", from, "timeout", "5", "wget", "-qO-", url)
		last = strings.TrimSpace(out + stderr)
		return err == nil && strings.TrimSpace(out) == want, err
	})
	if err != nil {
		t.Errorf("from %s, wget %s: got %q, want %q: %v", from, url, last, want, err)
	}
}

// serve makes container ref (running busybox on the manager) serve
// /www/file with content body over HTTP on port 80, with busybox httpd
// in the background.
func (c *cluster) serve(t *testing.T, ref, body string) {
	t.Helper()
	c.docker(t, "exec", ref, "sh", "-c", "mkdir -p /www && echo "+body+" > /www/file && httpd -p 80 -h /www")
}

// ipOn is container ref's address on network net, from the manager's
// inspect.
func (c *cluster) ipOn(t *testing.T, ref, net string) string {
	t.Helper()
	ip := strings.TrimSpace(c.docker(t, "inspect", "-f", `{{(index .NetworkSettings.Networks "`+net+`").IPAddress}}`, ref))
	if _, err := netip.ParseAddr(ip); err != nil {
		t.Fatalf("container %s has no address on %s: inspect says %q", ref, net, ip)
	}
	return ip
}

// inPrefix reports whether address ip lies in CIDR prefix.
func inPrefix(ip, prefix string) bool {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	p, err := netip.ParsePrefix(prefix)
	if err != nil {
		return false
	}
	return p.Contains(a)
}

// lines splits command output into its non-empty trimmed lines.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	sort.Strings(a)
	sort.Strings(b)
	return slices.Equal(a, b)
}

// lastLines is the last n lines of s.
func lastLines(s string, n int) string {
	l := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return strings.Join(l, "\n")
}
