package walkthrough_test

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/swarm-project/swarm/test/harness"
)

// wantFilters is the classic default filter chain, in order.
const wantFilters = "health, port, containerslots, dependency, affinity, constraint, whitelist"

// TestWalkthrough is README.md's "Run it with Docker", command by command:
// create a token on e0, join e1 and e2 to it, start the manager on e0,
// list the cluster, look at it with docker info, run an interactive
// container through the manager and see it in docker ps. Every swarm
// command runs from the image, in a --net=host container (the engines
// listen on loopback, so bridged containers could not reach them).
func TestWalkthrough(t *testing.T) {
	e0, e1, e2 := engines[0], engines[1], engines[2]
	discoveryURL := "SWARM_DISCOVERY_URL=" + tokens.URL()
	var cleanup []func()
	defer func() {
		for i := len(cleanup) - 1; i >= 0; i-- {
			cleanup[i]()
		}
	}()
	background := func(e *harness.Engine, args ...string) string {
		t.Helper()
		full := append([]string{"run", "-d", "--net=host", "-e", discoveryURL, "swarm"}, args...)
		id := docker(t, e.Addr, full...)
		cleanup = append(cleanup, func() {
			if t.Failed() {
				logs, stderr, _ := harness.Docker(e.Addr, "logs", id)
				t.Logf("logs of `swarm %s` on %v:\n%s%s", strings.Join(args, " "), e, logs, stderr)
			}
			_, _, _ = harness.Docker(e.Addr, "rm", "-f", id)
		})
		return id
	}

	// docker run --rm swarm create
	token := docker(t, e0.Addr, "run", "--rm", "--net=host", "-e", discoveryURL, "swarm", "create")
	if !regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`).MatchString(token) {
		t.Fatalf("swarm create printed %q, want one token", token)
	}
	disc := "token://" + token
	t.Logf("cluster %s", disc)

	// docker run -d swarm join --addr=<node_ip:2375> token://<cluster_id>
	for _, e := range []*harness.Engine{e1, e2} {
		background(e, "join", "--addr="+e.Addr, disc)
	}

	// docker run -d -p <swarm_port>:2375 swarm manage token://<cluster_id>
	port, err := harness.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	mgr := "127.0.0.1:" + strconv.Itoa(port)
	background(e0, "manage", "-H", mgr, disc)

	// docker run --rm swarm list token://<cluster_id>
	want := []string{e1.Addr, e2.Addr}
	slices.Sort(want)
	var listed []string
	err = harness.WaitFor(30*time.Second, func() (bool, error) {
		out, _, err := harness.Docker(e0.Addr, "run", "--rm", "--net=host", "-e", discoveryURL, "swarm", "list", disc)
		listed = strings.Fields(out)
		slices.Sort(listed)
		return err == nil && slices.Equal(listed, want), err
	})
	if err != nil {
		t.Fatalf("swarm list %s printed %q, want %q: %v", disc, listed, want, err)
	}

	// docker -H tcp://<swarm_ip:swarm_port> info
	var info *harness.SwarmInfo
	err = harness.WaitFor(60*time.Second, func() (bool, error) {
		info, err = harness.SwarmStatus(mgr, nil)
		if err != nil {
			return false, err
		}
		healthy := 0
		for _, n := range info.Nodes {
			if n.Fields["Status"] == "Healthy" {
				healthy++
			}
		}
		return healthy == 2, nil
	})
	if err != nil {
		t.Fatalf("docker -H %s info never showed 2 healthy nodes: %v (last: %+v)", mgr, err, info)
	}
	if got := info.Fields["Strategy"]; got != "spread" {
		t.Errorf("Strategy: %q, want spread", got)
	}
	if got := info.Fields["Filters"]; got != wantFilters {
		t.Errorf("Filters: %q, want %q", got, wantFilters)
	}
	if got := info.Fields["Nodes"]; got != "2" {
		t.Errorf("Nodes: %q, want 2", got)
	}
	for _, e := range []*harness.Engine{e1, e2} {
		n, ok := info.Node(e.Name)
		if !ok {
			t.Errorf("docker info has no node %s: %+v", e.Name, info.Nodes)
			continue
		}
		if n.Addr != e.Addr {
			t.Errorf("node %s at %q, want %s", e.Name, n.Addr, e.Addr)
		}
		// The join container runs on it.
		if c := n.Fields["Containers"]; !strings.HasPrefix(c, "1 (1 Running") {
			t.Errorf("node %s: Containers %q, want 1 running (its join container)", e.Name, c)
		}
		for _, f := range []string{"Reserved CPUs", "Reserved Memory"} {
			if !regexp.MustCompile(`^\S+ / \S+`).MatchString(n.Fields[f]) {
				t.Errorf("node %s: %s %q, want used / total", e.Name, f, n.Fields[f])
			}
		}
	}
	if _, ok := info.Node(e0.Name); ok {
		t.Errorf("docker info lists %s, which never joined", e0.Name)
	}

	// docker -H tcp://<swarm_ip:swarm_port> run -it --name swarm-ubuntu busybox /bin/sh
	term, err := harness.StartTerminal("docker", "-H", "tcp://"+mgr, "run", "-it", "--name", "swarm-ubuntu", "busybox", "/bin/sh")
	if err != nil {
		t.Fatal(err)
	}
	cleanup = append(cleanup, func() {
		term.Kill()
		_, _, _ = harness.Docker(mgr, "rm", "-f", "swarm-ubuntu")
	})
	if err := term.Type("echo answer=$((6*7))"); err != nil {
		t.Fatal(err)
	}
	if err := term.WaitOutput("answer=42", 30*time.Second); err != nil {
		t.Fatalf("docker run -it through the manager: %v\noutput: %q", err, term.Output())
	}

	// docker -H tcp://<swarm_ip:swarm_port> ps, from another terminal
	ps := docker(t, mgr, "ps", "--format", "{{.Names}} {{.Image}} {{.Status}}")
	var line string
	for _, l := range strings.Split(ps, "\n") {
		if strings.Contains(l, "/swarm-ubuntu ") {
			line = l
		}
	}
	if line == "" {
		t.Fatalf("docker ps through the manager does not list swarm-ubuntu:\n%s", ps)
	}
	node, _, _ := strings.Cut(line, "/")
	if node != e1.Name && node != e2.Name {
		t.Errorf("swarm-ubuntu runs on %q, want %s or %s", node, e1.Name, e2.Name)
	}
	if !strings.Contains(line, " busybox Up ") {
		t.Errorf("docker ps line %q, want busybox and Up", line)
	}

	if err := term.Type("exit"); err != nil {
		t.Fatal(err)
	}
	if err := term.Wait(30 * time.Second); err != nil {
		t.Errorf("docker run -it did not end cleanly after exit: %v\noutput: %q", err, term.Output())
	}
	state := docker(t, mgr, "inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "swarm-ubuntu")
	if state != "exited 0" {
		t.Errorf("swarm-ubuntu after exit: %q, want exited 0", state)
	}
}
