package network

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestOverlayOptions: --subnet, --internal and --label on an overlay made
// through the manager behave as on one engine: inspect shows them (through
// the manager and on a swarm manager engine), label filters find the
// network, containers on two nodes get addresses in the subnet, and the
// internal network still carries their traffic.
func TestOverlayOptions(t *testing.T) {
	c := shared
	const net, subnet = "opt-net", "10.77.0.0/24"
	srv, cli := "opt-srv", "opt-cli"
	c.removeLater(t, []string{srv, cli})
	c.createOverlay(t, net, "--subnet", subnet, "--internal", "--label", "k=v")

	type inspected struct {
		Driver, Scope string
		Internal      bool
		Attachable    bool
		Labels        map[string]string
		IPAM          struct{ Config []struct{ Subnet string } }
	}
	check := func(where, out string) {
		t.Helper()
		var n []inspected
		if err := json.Unmarshal([]byte(out), &n); err != nil || len(n) != 1 {
			t.Fatalf("network inspect %s %s: %v, %d networks: %s", net, where, err, len(n), out)
		}
		got := n[0]
		if got.Driver != "overlay" || got.Scope != "swarm" {
			t.Errorf("%s: driver %q scope %q, want overlay swarm", where, got.Driver, got.Scope)
		}
		if !got.Internal {
			t.Errorf("%s: Internal false, want true", where)
		}
		if got.Labels["k"] != "v" {
			t.Errorf("%s: labels %v, want k=v", where, got.Labels)
		}
		if len(got.IPAM.Config) != 1 || got.IPAM.Config[0].Subnet != subnet {
			t.Errorf("%s: IPAM config %+v, want subnet %s", where, got.IPAM.Config, subnet)
		}
	}
	check("through the manager", c.docker(t, "network", "inspect", net))
	mgr := swarmManager(t, c.engs)
	check("on "+mgr.Name, mgr.MustDocker(t, "network", "inspect", net))

	if got := lines(c.docker(t, "network", "ls", "--filter", "label=k=v", "--format", "{{.Name}}")); len(got) != 1 || got[0] != net {
		t.Errorf("network ls --filter label=k=v: %q, want [%s]", got, net)
	}
	if got := lines(c.docker(t, "network", "ls", "--filter", "label=k=other", "--format", "{{.Name}}")); len(got) != 0 {
		t.Errorf("network ls --filter label=k=other: %q, want nothing", got)
	}

	a, b := c.engs[0], c.engs[1]
	c.docker(t, "run", "-d", "--name", srv, "--net", net, "-e", "constraint:node=="+a.Name, "busybox", "sleep", "3600")
	c.docker(t, "run", "-d", "--name", cli, "--net", net, "-e", "constraint:node=="+b.Name, "busybox", "sleep", "3600")
	for ref, node := range map[string]string{srv: a.Name, cli: b.Name} {
		if got := c.nodeOf(t, ref); got != node {
			t.Errorf("%s runs on %s, want %s", ref, got, node)
		}
		if ip := c.ipOn(t, ref, net); !inPrefix(ip, subnet) {
			t.Errorf("%s has address %s on %s, want one in %s", ref, ip, net, subnet)
		}
	}
	// An internal network has no gateway bridge to the outside.
	if addrs := ifaceAddrs(t, c, srv); len(addrs) != 2 || addrs["eth0"] == "" {
		t.Errorf("%s on an internal network has interfaces %v, want lo and eth0 only", srv, addrs)
	}
	c.serve(t, srv, "internal-ok")
	c.waitFetch(t, cli, "http://"+srv+"/file", "internal-ok")
	c.waitFetch(t, cli, "http://"+c.ipOn(t, srv, net)+"/file", "internal-ok")

	c.docker(t, "rm", "-f", srv, cli)
	c.docker(t, "network", "rm", net)
	waitGoneFromEngines(t, c.engs, net)
}

// TestEncryptedOverlayRefused: --opt encrypted gets the contract's clear
// error, and no network of that name appears anywhere.
func TestEncryptedOverlayRefused(t *testing.T) {
	c := shared
	const net = "enc-net"
	c.removeLater(t, nil, net)
	out, stderr, err := c.try("network", "create", "-d", "overlay", "--opt", "encrypted", net)
	if err == nil {
		t.Fatalf("network create -d overlay --opt encrypted succeeded (%q), want an error", out)
	}
	if !strings.Contains(stderr, "encrypted overlay networks are not supported") {
		t.Errorf("network create -d overlay --opt encrypted: stderr %q, want it to say encrypted overlay networks are not supported", stderr)
	}
	if rows := c.listed(t, net); len(rows) != 0 {
		t.Errorf("after the refused create, the manager lists %q", rows)
	}
	for _, e := range c.engs {
		for _, n := range engineNetworks(t, e) {
			if n == net {
				t.Errorf("after the refused create, %s has network %s", e.Name, net)
			}
		}
	}
}
