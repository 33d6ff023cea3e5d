package harness

import (
	"os"
	"path/filepath"
	"testing"
)

func TestEngineAddrs(t *testing.T) {
	tests := []struct {
		name                  string
		n, base               int
		host                  bool
		wantAddr, wantIP, pub string
	}{
		{name: "loopback", n: 1, base: 23750, wantAddr: "127.0.0.1:23751", pub: "127.99.1.1"},
		{name: "loopback custom base", n: 42, base: 30000, wantAddr: "127.0.0.1:30042", pub: "127.99.42.1"},
		{name: "host", n: 1, base: 23750, host: true, wantAddr: "10.98.0.101:2375", wantIP: "10.98.0.101", pub: "10.98.0.101"},
		{name: "host ignores the port base", n: 99, base: 30000, host: true, wantAddr: "10.98.0.199:2375", wantIP: "10.98.0.199", pub: "10.98.0.199"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr, ip, pub := engineAddrs(tt.n, tt.base, tt.host)
			if addr != tt.wantAddr || ip != tt.wantIP || pub != tt.pub {
				t.Fatalf("engineAddrs(%d, %d, %v) = %q, %q, %q; want %q, %q, %q",
					tt.n, tt.base, tt.host, addr, ip, pub, tt.wantAddr, tt.wantIP, tt.pub)
			}
		})
	}
}

func TestNewHostEngine(t *testing.T) {
	t.Setenv("SWARM_TEST_DIR", "/tmp/st")
	t.Setenv("SWARM_ENGINE_PORT_BASE", "")
	e, err := NewHostEngine(7, []string{"zone=a"})
	if err != nil {
		t.Fatalf("NewHostEngine: %v", err)
	}
	if !e.Host || e.Addr != "10.98.0.107:2375" || e.IP != "10.98.0.107" || e.PublishIP != "10.98.0.107" ||
		e.Name != "node-7" || e.Dir != filepath.Join("/tmp/st", "engine-7") {
		t.Fatalf("NewHostEngine(7) = %+v", e)
	}
	if _, err := NewHostEngine(100, nil); err == nil {
		t.Fatal("NewHostEngine(100) did not fail")
	}
	if _, err := NewHostEngine(1, []string{"zone"}); err == nil {
		t.Fatal("NewHostEngine with a bad label did not fail")
	}

	// Loopback stays the default, and switching follows the mode.
	l, err := NewEngine(7, nil)
	if err != nil {
		t.Fatal(err)
	}
	if l.Host || l.IP != "" || l.Addr != "127.0.0.1:23757" {
		t.Fatalf("NewEngine(7) = %+v, want a loopback engine", l)
	}
	l.setMode(true, 23750)
	if !l.Host || l.Addr != e.Addr || l.IP != e.IP || l.PublishIP != e.PublishIP {
		t.Fatalf("setMode(true) = %+v, want the addresses of %+v", l, e)
	}
	l.setMode(false, 23750)
	if l.Host || l.IP != "" || l.Addr != "127.0.0.1:23757" || l.PublishIP != "127.99.7.1" {
		t.Fatalf("setMode(false) = %+v", l)
	}
}

func TestModeFlag(t *testing.T) {
	if got := modeFlag(true); got != "--host" {
		t.Fatalf("modeFlag(true) = %q", got)
	}
	if got := modeFlag(false); got != "--loopback" {
		t.Fatalf("modeFlag(false) = %q", got)
	}
}

func TestHostNetInUseWithoutNamespace(t *testing.T) {
	// Engine 0 never has a veth: nothing is in use.
	if _, err := os.Stat("/sys/class/net/" + hostVeth(0)); err == nil {
		t.Skip("a swv0 exists on this machine")
	}
	if hostNetInUse("/tmp/st/engine-0", 0) {
		t.Fatal("hostNetInUse without a veth = true")
	}
}
