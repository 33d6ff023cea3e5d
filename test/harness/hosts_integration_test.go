package harness

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestHostEnginesIntegration starts two engines as test hosts, each with a
// network stack of its own, and checks what the manager's overlay support
// relies on: distinct addresses reachable from the host, the same published
// port on both, an address kept across a restart, and a swarm-mode cluster
// of the two whose attachable overlay network carries traffic between
// containers on different hosts by name. Afterwards nothing of the test
// hosts' networks is left.
func TestHostEnginesIntegration(t *testing.T) {
	RequireEngines(t)

	start := time.Now()
	engs, err := StartEnginesWith(2, EnginesConfig{Hosts: true, Labels: map[int][]string{0: {"host=1"}}})
	if err != nil {
		t.Fatalf("StartEnginesWith(Hosts): %v", err)
	}
	t.Logf("2 test hosts up in %v: %v, %v", time.Since(start).Round(time.Millisecond), engs[0], engs[1])
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			StopEngines(engs)
		}
	})
	dumpLogsOnFailure(t, engs)

	e1, e2 := engs[0], engs[1]
	ids := map[string]bool{}
	for _, e := range engs {
		if !e.Host || e.IP != HostIP(e.N) || e.Addr != e.IP+":2375" || e.PublishIP != e.IP {
			t.Fatalf("%v: Host %v, IP %q, Addr %q, PublishIP %q; want a test host at %s", e, e.Host, e.IP, e.Addr, e.PublishIP, HostIP(e.N))
		}
		if _, err := os.Stat("/var/run/netns/" + HostNetns(e.N)); err != nil {
			t.Fatalf("%v: no namespace %s: %v", e, HostNetns(e.N), err)
		}
		ids[engineInfo(t, e, wantInfo{name: e.Name, labels: e.Labels})] = true
	}
	if e1.IP == e2.IP || len(ids) != 2 {
		t.Fatalf("test hosts share an address or an engine ID: %v, %v, IDs %v", e1, e2, ids)
	}

	// The same port published on both hosts, each serving its own name.
	for _, e := range engs {
		runWeb(t, e, 8080)
	}
	for _, e := range engs {
		waitWeb(t, e, 8080)
	}

	// A restart keeps the host mode and the address.
	id1 := engineInfo(t, e1, wantInfo{name: e1.Name, labels: e1.Labels})
	if err := e1.Stop(); err != nil {
		t.Fatalf("%v: Stop: %v", e1, err)
	}
	if _, err := os.Stat("/var/run/netns/" + HostNetns(e1.N)); !os.IsNotExist(err) {
		t.Fatalf("%v: namespace %s still there after Stop (%v)", e1, HostNetns(e1.N), err)
	}
	restart := time.Now()
	if err := e1.Start(); err != nil {
		t.Fatalf("%v: Start after Stop: %v", e1, err)
	}
	t.Logf("%v restarted in %v", e1, time.Since(restart).Round(time.Millisecond))
	if got := engineInfo(t, e1, wantInfo{name: e1.Name, labels: e1.Labels}); got != id1 {
		t.Fatalf("%v: engine ID changed across a restart: %s -> %s", e1, id1, got)
	}
	if out, err := enginesEnv(time.Minute, nil, "addr", strconv.Itoa(e1.N)); err != nil || strings.TrimSpace(out) != e1.Addr {
		t.Fatalf("engines.sh addr %d = %q (%v), want %s", e1.N, out, err, e1.Addr)
	}
	e1.MustDocker(t, "start", "web")
	waitWeb(t, e1, 8080)

	// Swarm mode across the two hosts.
	swarm := time.Now()
	e1.MustDocker(t, "swarm", "init", "--advertise-addr", e1.IP, "--listen-addr", "0.0.0.0:2377")
	token := strings.TrimSpace(e1.MustDocker(t, "swarm", "join-token", "-q", "worker"))
	e2.MustDocker(t, "swarm", "join", "--token", token, e1.IP+":2377")
	t.Logf("swarm init + join took %v", time.Since(swarm).Round(time.Millisecond))
	nodes := strings.Fields(e1.MustDocker(t, "node", "ls", "--format", "{{.Hostname}}:{{.Status}}"))
	if len(nodes) != 2 || !strings.Contains(strings.Join(nodes, " "), e2.Name+":Ready") {
		t.Fatalf("swarm nodes %q, want %s and %s Ready", nodes, e1.Name, e2.Name)
	}

	e1.MustDocker(t, "network", "create", "-d", "overlay", "--attachable", "ov")
	e1.MustDocker(t, "run", "-d", "--init", "--name", "target", "--net", "ov", "busybox", "sleep", "600")
	across := time.Now()
	var out, stderr string
	err = WaitFor(60*time.Second, func() (bool, error) {
		out, stderr, err = e2.Docker("run", "--rm", "--net", "ov", "busybox", "ping", "-c1", "-W3", "target")
		return err == nil, nil
	})
	if err != nil {
		t.Fatalf("ping target over ov from %v: %v\n%s%s", e2, err, out, stderr)
	}
	if !strings.Contains(out, "1 packets received") {
		t.Fatalf("ping target over ov from %v printed %q", e2, out)
	}
	t.Logf("target on %s answered a ping from %s over ov after %v", e1.Name, e2.Name, time.Since(across).Round(time.Millisecond))

	stop := time.Now()
	StopEngines(engs)
	stopped = true
	t.Logf("StopEngines took %v", time.Since(stop).Round(time.Millisecond))
	for _, e := range engs {
		if _, err := os.Stat("/var/run/netns/" + HostNetns(e.N)); !os.IsNotExist(err) {
			t.Errorf("%v: namespace %s left behind (%v)", e, HostNetns(e.N), err)
		}
		if _, err := os.Stat("/sys/class/net/" + hostVeth(e.N)); !os.IsNotExist(err) {
			t.Errorf("%v: veth %s left behind (%v)", e, hostVeth(e.N), err)
		}
	}
}

// TestHostEngine29Integration: an Engine 29 runs as a test host too.
func TestHostEngine29Integration(t *testing.T) {
	RequireEngines(t)
	if _, err := BuildEngine29(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	engs, err := StartEnginesWith(1, EnginesConfig{Hosts: true, Kind: Engine29})
	if err != nil {
		t.Fatalf("StartEnginesWith(Hosts, Engine29): %v", err)
	}
	t.Cleanup(func() { StopEngines(engs) })
	dumpLogsOnFailure(t, engs)
	e := engs[0]
	t.Logf("%v (Engine 29) up in %v", e, time.Since(start).Round(time.Millisecond))
	if !e.Host || e.Addr != HostIP(e.N)+":2375" {
		t.Fatalf("%v: not a test host (Host %v, Addr %q)", e, e.Host, e.Addr)
	}
	out, _, err := e.Docker("version", "--format", "{{.Server.Version}}")
	if err != nil || !strings.HasPrefix(strings.TrimSpace(out), "29.") {
		t.Fatalf("%v: server version %q (%v), want 29.*", e, out, err)
	}
	engineInfo(t, e, wantInfo{name: e.Name})
	runWeb(t, e, 8080)
	waitWeb(t, e, 8080)
}

// TestHostTLSEngineIntegration: a test host requiring TLS answers a client
// of its CA at its test-network address (NewCerts' certificates name it),
// and only such a client.
func TestHostTLSEngineIntegration(t *testing.T) {
	RequireEngines(t)
	certs, err := NewCerts(filepath.Join(t.TempDir(), "certs"), "hosts")
	if err != nil {
		t.Fatal(err)
	}
	engs, err := StartEnginesWith(1, EnginesConfig{Hosts: true, TLS: certs})
	if err != nil {
		t.Fatalf("StartEnginesWith(Hosts, TLS): %v", err)
	}
	t.Cleanup(func() { StopEngines(engs) })
	dumpLogsOnFailure(t, engs)
	e := engs[0]
	engineInfo(t, e, wantInfo{name: e.Name})
	if _, _, err := Docker(e.Addr, "version"); err == nil {
		t.Fatalf("%v answers plain HTTP", e)
	}
}
