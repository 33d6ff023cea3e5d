package harness

import (
	"fmt"
	"os"
	"strings"
)

// The test network that test hosts (engines in host mode) share with the
// machine: the bridge swnet0 on the host, engine N at 10.98.0.(100+N).
const (
	TestNetBridge  = "swnet0"
	TestNetGateway = "10.98.0.1"
	hostEnginePort = 2375
)

// HostIP is engine n's address on the test network.
func HostIP(n int) string { return fmt.Sprintf("10.98.0.%d", 100+n) }

// HostNetns is the name of engine n's network namespace in host mode.
func HostNetns(n int) string { return fmt.Sprintf("swarm-node-%d", n) }

// hostVeth is the host side of engine n's veth pair into swnet0.
func hostVeth(n int) string { return fmt.Sprintf("swv%d", n) }

// engineAddrs returns engine n's API address, its test-network IP ("" on
// loopback) and where its published ports are bound.
func engineAddrs(n, base int, host bool) (addr, ip, publishIP string) {
	if host {
		ip = HostIP(n)
		return fmt.Sprintf("%s:%d", ip, hostEnginePort), ip, ip
	}
	return fmt.Sprintf("127.0.0.1:%d", base+n), "", fmt.Sprintf("127.99.%d.1", n)
}

// setMode sets Host and the addresses that follow from it; base is the
// loopback port base (unused for a test host).
func (e *Engine) setMode(host bool, base int) {
	e.Host = host
	e.Addr, e.IP, e.PublishIP = engineAddrs(e.N, base, host)
}

// modeFlag is the engines.sh start flag for the mode: an explicit one, so
// that starting data of the other mode fails instead of changing address.
func modeFlag(host bool) string {
	if host {
		return "--host"
	}
	return "--loopback"
}

// hostNetInUse reports whether engine n's namespace belongs to a running
// engine of another state directory than dir (engines.sh records the owner
// on the veth's alias).
func hostNetInUse(dir string, n int) bool {
	alias, err := os.ReadFile("/sys/class/net/" + hostVeth(n) + "/ifalias")
	if err != nil {
		return false
	}
	owner := strings.TrimSpace(string(alias))
	if owner == "" || owner == dir {
		return false
	}
	_, running := enginePID(owner)
	return running
}
