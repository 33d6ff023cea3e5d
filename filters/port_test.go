package filters

import (
	"testing"

	"github.com/swarm-project/swarm/scheduler/node"
	nt "github.com/swarm-project/swarm/scheduler/node/nodetest"
)

func TestPort(t *testing.T) {
	bind := func(ip string, port uint16, proto string) node.Port {
		return node.Port{HostIP: ip, HostPort: port, Proto: proto}
	}
	tests := []struct {
		name       string
		used       []node.Port // bound by a container on node-1
		state      string      // that container's state
		pending    bool
		req        *node.Request
		wantFit    bool
		wantReason string
	}{
		{name: "free port", used: []node.Port{bind("", 80, "tcp")}, req: &node.Request{Ports: []node.Port{bind("", 8080, "")}}, wantFit: true},
		{name: "same port", used: []node.Port{bind("", 8080, "tcp")}, req: &node.Request{Ports: []node.Port{bind("", 8080, "")}}, wantReason: "port 8080 (Bridge mode)"},
		{name: "stopped container keeps its port", used: []node.Port{bind("", 8080, "tcp")}, state: "exited", req: &node.Request{Ports: []node.Port{bind("", 8080, "tcp")}}, wantReason: "port 8080 (Bridge mode)"},
		{name: "pending container holds its port", used: []node.Port{bind("", 8080, "tcp")}, pending: true, req: &node.Request{Ports: []node.Port{bind("", 8080, "tcp")}}, wantReason: "port 8080 (Bridge mode)"},
		{name: "tcp and udp do not conflict", used: []node.Port{bind("", 53, "tcp")}, req: &node.Request{Ports: []node.Port{bind("", 53, "udp")}}, wantFit: true},
		{name: "udp conflicts with udp", used: []node.Port{bind("", 53, "udp")}, req: &node.Request{Ports: []node.Port{bind("", 53, "udp")}}, wantReason: "port 53/udp (Bridge mode)"},
		{name: "loopback and any conflict", used: []node.Port{bind("0.0.0.0", 80, "tcp")}, req: &node.Request{Ports: []node.Port{bind("127.0.0.1", 80, "tcp")}}, wantReason: "port 127.0.0.1:80 (Bridge mode)"},
		{name: "any and loopback conflict", used: []node.Port{bind("127.0.0.1", 80, "tcp")}, req: &node.Request{Ports: []node.Port{bind("0.0.0.0", 80, "tcp")}}, wantReason: "port 80 (Bridge mode)"},
		{name: "two loopbacks do not conflict", used: []node.Port{bind("127.0.0.1", 80, "tcp")}, req: &node.Request{Ports: []node.Port{bind("127.0.0.2", 80, "tcp")}}, wantFit: true},
		{name: "same address conflicts", used: []node.Port{bind("127.0.0.1", 80, "tcp")}, req: &node.Request{Ports: []node.Port{bind("127.0.0.1", 80, "tcp")}}, wantReason: "port 127.0.0.1:80 (Bridge mode)"},
		{name: "ipv6 any conflicts", used: []node.Port{bind("::", 80, "tcp")}, req: &node.Request{Ports: []node.Port{bind("::1", 80, "tcp")}}, wantReason: "port [::1]:80 (Bridge mode)"},
		{name: "port zero never conflicts", used: []node.Port{bind("", 0, "tcp")}, req: &node.Request{Ports: []node.Port{bind("", 0, "tcp")}}, wantFit: true},
		{name: "second port conflicts", used: []node.Port{bind("", 443, "tcp")}, req: &node.Request{Ports: []node.Port{bind("", 80, "tcp"), bind("", 443, "tcp")}}, wantReason: "port 443 (Bridge mode)"},
		{name: "host mode", used: []node.Port{bind("", 9000, "tcp")}, req: &node.Request{NetworkMode: "host", Ports: []node.Port{bind("", 9000, "tcp")}}, wantReason: "port 9000 (Host mode)"},
		{name: "no ports asked", used: []node.Port{bind("", 80, "tcp")}, req: &node.Request{}, wantFit: true},
	}
	for _, tt := range tests {
		for _, indexed := range []bool{false, true} {
			t.Run(tt.name+indexName(indexed), func(t *testing.T) {
				c := nt.Container("c1")
				c.Ports = tt.used
				if tt.state != "" {
					c.State = tt.state
				}
				c.Pending = tt.pending
				nodes := []*node.Node{nt.New("node-1", nt.With(c)), nt.New("node-2")}
				if indexed {
					index(nodes)
				}
				o := run(t, PortFilter{}, tt.req, nodes)
				want := []string{"node-2"}
				if tt.wantFit {
					want = []string{"node-1", "node-2"}
				}
				if !equalNames(o.fit, want) {
					t.Errorf("fit = %s, want %s", show(o.fit), show(want))
				}
				if got := o.reasons["node-1"]; got != tt.wantReason {
					t.Errorf("reason = %q, want %q", got, tt.wantReason)
				}
			})
		}
	}
}

// A pending reservation appended to a copy of an indexed node (as the
// cluster does) still holds its port.
func TestPortIndexedNodeWithPendingCopy(t *testing.T) {
	n := nt.New("node-1", nt.With(nt.Container("a", nt.Ports(80))))
	index([]*node.Node{n})
	cp := *n
	cp.Containers = append(append([]*node.Container(nil), n.Containers...), nt.Container("p", nt.Pending(), nt.Ports(8080)))
	tests := []struct {
		name    string
		port    uint16
		wantFit bool
	}{
		{name: "indexed port", port: 80},
		{name: "pending port", port: 8080},
		{name: "free port", port: 9090, wantFit: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := run(t, PortFilter{}, &node.Request{Ports: []node.Port{{HostPort: tt.port}}}, []*node.Node{&cp})
			if got := len(o.fit) == 1; got != tt.wantFit {
				t.Errorf("fit = %v, want %v", got, tt.wantFit)
			}
		})
	}
}

// A host-mode container's exposed ports, which the cluster puts into its
// Ports, block a bridge-mode binding of the same port.
func TestPortHostModeContainer(t *testing.T) {
	c := nt.Container("h", nt.NetworkMode("host"), nt.Ports(8080))
	nodes := []*node.Node{nt.New("node-1", nt.With(c))}
	o := run(t, PortFilter{}, &node.Request{Ports: []node.Port{{HostPort: 8080}}}, nodes)
	if len(o.fit) != 0 {
		t.Errorf("fit = %s, want none", show(o.fit))
	}
}
