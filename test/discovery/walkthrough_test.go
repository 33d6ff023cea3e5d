package discovery_test

import (
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/swarm-project/swarm/test/harness"
)

// TestSeedWalkthrough follows the classic walkthrough on loopback: create a
// token, join two engines to it, start a manager on it, list it, and ask
// docker info. The service URL comes from $SWARM_DISCOVERY_URL, as with the
// plain token://<token> form.
func TestSeedWalkthrough(t *testing.T) {
	engs := needEngines(t)
	ts := startTokenServer(t, "", "")
	t.Setenv("SWARM_DISCOVERY_URL", "http://"+ts.addr) // inherited by the manager too

	out, stderr, code := runSwarm(t, 10*time.Second, nil, "create")
	if code != 0 {
		t.Fatalf("swarm create: exit %d: %s", code, stderr)
	}
	token := strings.TrimSpace(out)
	if token == "" || strings.ContainsAny(token, " \n") {
		t.Fatalf("swarm create printed %q, want one token", out)
	}
	disc := "token://" + token

	for _, e := range engs {
		startProc(t, "join-"+e.Name, swarmBin(t), nil, "join", "--addr="+e.Addr, "--heartbeat", "1s", "--ttl", "3s", disc)
	}

	port, err := harness.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	// StartManager picks -H itself; the walkthrough's -H form is checked by
	// starting the manager on a chosen free port here.
	mgrAddr := "127.0.0.1:" + strconv.Itoa(port)
	mgr := startProc(t, "manage", swarmBin(t), nil, "manage", "-H", mgrAddr, "--heartbeat", "1s", disc)
	m := &harness.Manager{Addr: mgrAddr}

	want := []string{engs[0].Addr, engs[1].Addr}
	sort.Strings(want)
	var listed string
	err = harness.WaitFor(30*time.Second, func() (bool, error) {
		out, _, code := runSwarm(t, 15*time.Second, nil, "list", disc)
		listed = out
		return code == 0 && strings.Join(strings.Fields(out), ",") == strings.Join(want, ","), nil
	})
	if err != nil {
		t.Fatalf("swarm list %s never printed %v: last output %q", disc, want, listed)
	}

	var info string
	err = harness.WaitFor(30*time.Second, func() (bool, error) {
		out, _, err := harness.Docker(m.Addr, "info")
		info = out
		return err == nil && strings.Contains(info, "Nodes: 2\n"), nil
	})
	if err != nil {
		t.Fatalf("docker -H %s info never showed Nodes: 2 (%v):\n%s\nmanager log:\n%s", mgrAddr, err, info, mgr.log())
	}
	if err := mgr.terminate(t); err != nil {
		t.Errorf("manager exit after SIGTERM: %v", err)
	}
}
