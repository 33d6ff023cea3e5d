package discovery_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/swarm-project/swarm/test/harness"
)

// oneLine checks that stderr is one clear error line (no panic, no trace).
func oneLine(t *testing.T, stderr string, want ...string) {
	t.Helper()
	s := strings.TrimSpace(stderr)
	if strings.Contains(s, "\n") {
		t.Fatalf("stderr is not one line:\n%s", s)
	}
	if strings.Contains(s, "panic") || strings.Contains(s, "goroutine") {
		t.Fatalf("stderr shows a panic:\n%s", s)
	}
	for _, w := range want {
		if !strings.Contains(s, w) {
			t.Fatalf("stderr %q does not mention %q", s, w)
		}
	}
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestBadInput(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test (-short)")
	}
	// Something that answers HTTP but is not a Docker engine.
	notEngine := httptest.NewServer(http.NotFoundHandler())
	defer notEngine.Close()
	notEngineAddr := strings.TrimPrefix(notEngine.URL, "http://")
	dead := closedPort(t)
	env := []string{"SWARM_DISCOVERY_URL=", "SWARM_DISCOVERY=", "SWARM_ADVERTISE="}

	tests := []struct {
		name string
		args []string
		want []string // the error line mentions each
	}{
		{name: "list unknown scheme", args: []string{"list", "foo://x"}, want: []string{"unknown discovery scheme", "consul, etcd, file, nodes, token, zk"}},
		{name: "manage unknown scheme", args: []string{"manage", "-H", closedPort(t), "foo://x"}, want: []string{"unknown discovery scheme"}},
		{name: "join unknown scheme", args: []string{"join", "--advertise", dead, "foo://x"}, want: []string{"unknown discovery scheme"}},
		{name: "list empty token", args: []string{"list", "token://"}, want: []string{"empty token"}},
		{name: "join empty token", args: []string{"join", "--advertise", dead, "token://"}, want: []string{"empty token"}},
		{name: "token without service", args: []string{"list", "token://abc"}, want: []string{"no token discovery service URL"}},
		{name: "create without service", args: []string{"create"}, want: []string{"no token discovery service URL"}},
		{name: "create unreachable service", args: []string{"create", "--url", "http://" + dead}, want: []string{"connection refused"}},
		{name: "list unreachable etcd", args: []string{"list", "--timeout", "2s", "etcd://" + dead + "/x"}, want: []string{"no answer from etcd://"}},
		{name: "list unreachable consul", args: []string{"list", "--timeout", "2s", "consul://" + dead + "/x"}, want: []string{"no answer from consul://", "connection refused"}},
		{name: "list unreachable zk", args: []string{"list", "--timeout", "2s", "zk://" + dead + "/x"}, want: []string{"no answer from zk://"}},
		{name: "list unreachable token service", args: []string{"list", "--timeout", "2s", "token://" + dead + "/abc"}, want: []string{"no answer from token://", "connection refused"}},
		{name: "list malformed range", args: []string{"list", "127.0.0.[3:1]:2375"}, want: []string{"invalid range", "greater than"}},
		{name: "list range letters", args: []string{"list", "nodes://127.0.0.[a:b]:2375"}, want: []string{"invalid range"}},
		{name: "list range unclosed", args: []string{"list", "nodes://127.0.0.[1:3:2375"}, want: []string{"missing ']'"}},
		{name: "list missing port", args: []string{"list", "nodes://127.0.0.1"}, want: []string{"missing port"}},
		{name: "list missing file", args: []string{"list", "--timeout", "2s", "file:///nonexistent/cluster"}, want: []string{"no such file"}},
		{name: "list bad option", args: []string{"list", "--discovery-opt", "kv.nope=1", "etcd://" + dead}, want: []string{"kv.nope"}},
		{name: "join without advertise", args: []string{"join", "etcd://" + dead}, want: []string{"--advertise"}},
		{name: "join advertise without port", args: []string{"join", "--advertise", "127.0.0.1", "etcd://" + dead}, want: []string{"--advertise should be of the form ip:port or hostname:port"}},
		{name: "join ttl not above heartbeat", args: []string{"join", "--advertise", dead, "--heartbeat", "5s", "--ttl", "5s", "etcd://" + dead}, want: []string{"--ttl"}},
		{name: "join engine unreachable", args: []string{"join", "--advertise", dead, "etcd://" + dead}, want: []string{"cannot reach the Docker engine", dead}},
		{name: "join not an engine", args: []string{"join", "--advertise", notEngineAddr, "etcd://" + dead}, want: []string{"not a Docker engine"}},
		{name: "join read-only nodes", args: []string{"join", "--advertise", dead, "nodes://" + dead}, want: []string{"read-only"}},
		{name: "join read-only file", args: []string{"join", "--advertise", dead, "file:///tmp/x"}, want: []string{"read-only"}},
		{name: "no discovery", args: []string{"list"}, want: []string{"discovery argument is required"}},
		{name: "token-server without data", args: []string{"token-server"}, want: []string{"--data"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := runSwarm(t, 30*time.Second, env, tt.args...)
			if code == 0 {
				t.Fatalf("swarm %s exited 0, want an error", strings.Join(tt.args, " "))
			}
			oneLine(t, stderr, tt.want...)
		})
	}
}

// TestJoinListDeregister runs join and list against a real etcd without a
// manager: list shows the joined engine; SIGTERM makes join exit 0 and
// remove its registration at once (well before the TTL).
func TestJoinListDeregister(t *testing.T) {
	engs := needEngines(t)
	addr := needStore(t, "etcd")
	disc := "etcd://" + addr + "/" + uniquePath(t)
	j := startProc(t, "join", swarmBin(t), nil, "join", "--advertise", engs[0].Addr, "--heartbeat", "1s", "--ttl", "60s", disc)
	list := func() string {
		out, stderr, code := runSwarm(t, 15*time.Second, nil, "list", "--timeout", "5s", disc)
		if code != 0 {
			t.Fatalf("swarm list: exit %d: %s", code, stderr)
		}
		return strings.TrimSpace(out)
	}
	var got string
	if err := harness.WaitFor(15*time.Second, func() (bool, error) { got = list(); return got == engs[0].Addr, nil }); err != nil {
		t.Fatalf("list = %q, want %s", got, engs[0].Addr)
	}
	if err := j.terminate(t); err != nil {
		t.Fatalf("join exit after SIGTERM: %v\n%s", err, j.log())
	}
	if got := list(); got != "" {
		t.Fatalf("after join stopped, list = %q, want nothing (TTL is 60s: the registration must have been removed)", got)
	}
	if !strings.Contains(j.log(), "registration removed") {
		t.Errorf("join log does not say it removed its registration:\n%s", j.log())
	}
}

// TestJoinSurvivesStoreOutage: join keeps going while its store is down and
// registers again when it is back.
func TestJoinSurvivesStoreOutage(t *testing.T) {
	engs := needEngines(t)
	ts := startTokenServer(t, "", "")
	out, _, code := runSwarm(t, 10*time.Second, nil, "create", "--url", "http://"+ts.addr)
	if code != 0 {
		t.Fatal("create failed")
	}
	disc := "token://" + ts.addr + "/" + strings.TrimSpace(out)
	j := startProc(t, "join", swarmBin(t), nil, "join", "--advertise", engs[0].Addr, "--heartbeat", "1s", "--ttl", "3s", disc)
	if err := ts.p.terminate(t); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second) // a few failed heartbeats
	if j.exited() {
		t.Fatalf("join exited while the store was down:\n%s", j.log())
	}
	startTokenServer(t, ts.addr, ts.db)
	var got string
	err := harness.WaitFor(20*time.Second, func() (bool, error) {
		o, _, code := runSwarm(t, 10*time.Second, nil, "list", "--timeout", "3s", disc)
		got = strings.TrimSpace(o)
		return code == 0 && got == engs[0].Addr, nil
	})
	if err != nil {
		t.Fatalf("after the store came back, list = %q, want %s\njoin log:\n%s", got, engs[0].Addr, j.log())
	}
	if !strings.Contains(j.log(), "registration failed") {
		t.Errorf("join did not log the failed registrations:\n%s", j.log())
	}
}

// TestJoinUnknownToken: a token the service does not know is a clear error,
// not an endless retry.
func TestJoinUnknownToken(t *testing.T) {
	engs := needEngines(t)
	ts := startTokenServer(t, "", "")
	_, stderr, code := runSwarm(t, 30*time.Second, nil, "join", "--advertise", engs[0].Addr, "token://"+ts.addr+"/nosuchtoken")
	if code == 0 {
		t.Fatal("join with an unknown token exited 0")
	}
	// join logs before failing; the last line is the error.
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	oneLine(t, lines[len(lines)-1], "unknown cluster token", "nosuchtoken")
}
