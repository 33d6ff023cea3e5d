package network

import (
	"errors"
	"strings"
	"testing"

	"github.com/swarm-project/swarm/test/harness"
)

// TestOverlayTurnedOff: with --cluster-opt swarm.overlay=false, network
// create -d overlay fails with the contract's message and a non-zero exit,
// and leaves the engines alone (none in swarm mode, no network of that
// name); other networks are still made. Own manager over two fresh
// engines (loopback mode is enough: nothing may form a swarm).
func TestOverlayTurnedOff(t *testing.T) {
	t.Parallel() // its own engines and manager
	c := startCluster(t, 2, harness.EnginesConfig{}, "--cluster-opt", "swarm.overlay=false")
	const net = "off-net"
	c.removeLater(t, nil, net, "off-bridge")

	out, stderr, err := c.try("network", "create", "-d", "overlay", net)
	var ce *harness.CommandError
	if err == nil || !errors.As(err, &ce) || ce.ExitCode == 0 {
		t.Fatalf("network create -d overlay on a manager with overlays off: err %v, output %q; want a non-zero exit", err, out)
	}
	const want = "overlay networks are turned off on this manager (--cluster-opt swarm.overlay=false)"
	if !strings.Contains(stderr, want) {
		t.Errorf("network create -d overlay: stderr %q, want it to contain %q", stderr, want)
	}
	for _, e := range c.engs {
		if s := mustEngineSwarm(t, e); s.LocalNodeState != "inactive" {
			t.Errorf("%s: swarm state %q after the refused create, want inactive", e.Name, s.LocalNodeState)
		}
		for _, n := range engineNetworks(t, e) {
			if n == net {
				t.Errorf("%s has network %s after the refused create", e.Name, net)
			}
		}
	}
	if rows := c.listed(t, net); len(rows) != 0 {
		t.Errorf("the manager lists %q after the refused create", rows)
	}

	// The manager still makes local networks.
	c.docker(t, "network", "create", "off-bridge")
	for _, e := range c.engs {
		found := false
		for _, n := range engineNetworks(t, e) {
			found = found || n == "off-bridge"
		}
		if !found {
			t.Errorf("network create off-bridge: not on %s", e.Name)
		}
	}
	c.docker(t, "network", "rm", "off-bridge")
}
