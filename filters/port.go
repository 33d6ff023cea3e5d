package filters

import (
	"strconv"
	"strings"

	"github.com/swarm-project/swarm/scheduler/node"
)

// PortFilter rejects the nodes where a host port the request binds is
// already taken. A port stays taken while a container that binds it exists,
// whatever its state (pending reservations included). Bindings conflict when
// protocol and port are equal and their addresses overlap: an unspecified
// address ("", 0.0.0.0, ::) overlaps every address, otherwise the addresses
// must be equal. For host networking the cluster puts the exposed ports into
// Request.Ports, and into Container.Ports for host-mode containers.
// Port 0 (let the engine choose) never conflicts.
type PortFilter struct{}

// Name returns "port".
func (PortFilter) Name() string { return "port" }

// Cost returns CostContainers: the check walks the node's containers.
func (PortFilter) Cost() Cost { return CostContainers }

type wantedPort struct {
	ip     string // "" when unspecified
	port   uint16
	proto  string
	key    uint32 // node.PortKey, when keyOK
	keyOK  bool
	reason string
}

// Prepare collects the request's host ports.
func (PortFilter) Prepare(req *node.Request, _ []*node.Node) (Plan, error) {
	mode := "Bridge mode"
	if req.NetworkMode == "host" {
		mode = "Host mode"
	}
	var want []wantedPort
	for _, p := range req.Ports {
		if p.HostPort == 0 {
			continue
		}
		w := wantedPort{ip: canonicalIP(p.HostIP), port: p.HostPort, proto: strings.ToLower(p.Protocol())}
		if containsPort(want, w) {
			continue
		}
		w.key, w.keyOK = node.PortKey(w.port, w.proto)
		w.reason = "port " + portString(w) + " (" + mode + ")"
		want = append(want, w)
	}
	if len(want) == 0 {
		return Plan{}, nil
	}
	return Plan{Conditions: portConditions(req), Hard: func(n *node.Node) (bool, string) {
		idx, rest := n.Indexed()
		if idx != nil {
			// Ports bound on every address conflict whatever the address
			// asked for.
			for i := range want {
				if want[i].keyOK && idx.HasAnyAddrPort(want[i].key) {
					return false, want[i].reason
				}
			}
			if i := firstConflict(want, idx.OtherPorts); i >= 0 {
				return false, want[i].reason
			}
		}
		for _, c := range rest {
			if c == nil {
				continue
			}
			if i := firstConflict(want, c.Ports); i >= 0 {
				return false, want[i].reason
			}
		}
		return true, ""
	}}, nil
}

// firstConflict returns the index in want of the first port that one of
// used takes, or -1.
func firstConflict(want []wantedPort, used []node.Port) int {
	for _, u := range used {
		if u.HostPort == 0 {
			continue
		}
		for i := range want {
			if conflicts(&want[i], u) {
				return i
			}
		}
	}
	return -1
}

func containsPort(ws []wantedPort, w wantedPort) bool {
	for _, x := range ws {
		if x.ip == w.ip && x.port == w.port && x.proto == w.proto {
			return true
		}
	}
	return false
}

func conflicts(w *wantedPort, used node.Port) bool {
	if w.port != used.HostPort || !strings.EqualFold(w.proto, used.Protocol()) {
		return false
	}
	ip := canonicalIP(used.HostIP)
	return w.ip == "" || ip == "" || w.ip == ip
}

// canonicalIP maps every spelling of "any address" to "".
func canonicalIP(ip string) string {
	if (node.Port{HostIP: ip}).AnyAddr() {
		return ""
	}
	return strings.Trim(ip, "[]")
}

func portString(w wantedPort) string {
	s := strconv.Itoa(int(w.port))
	if w.ip != "" {
		if strings.Contains(w.ip, ":") {
			s = "[" + w.ip + "]:" + s
		} else {
			s = w.ip + ":" + s
		}
	}
	if w.proto != "tcp" {
		s += "/" + w.proto
	}
	return s
}
