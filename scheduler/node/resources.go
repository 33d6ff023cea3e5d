package node

import "strings"

// AnyAddr reports whether the port is bound on every address: HostIP is
// "", 0.0.0.0 or ::.
func (p Port) AnyAddr() bool {
	switch p.HostIP {
	case "", "0.0.0.0", "::", "[::]":
		return true
	}
	return false
}

// PortKey packs a port number and protocol into one integer (port<<8 plus
// 0 for tcp, 1 for udp, 2 for sctp). ok is false for other protocols.
func PortKey(port uint16, proto string) (key uint32, ok bool) {
	var p uint32
	switch {
	case proto == "" || strings.EqualFold(proto, "tcp"):
		p = 0
	case strings.EqualFold(proto, "udp"):
		p = 1
	case strings.EqualFold(proto, "sctp"):
		p = 2
	default:
		return 0, false
	}
	return uint32(port)<<8 | p, true
}

// Protocol returns the port's protocol, "tcp" when none is set.
func (p Port) Protocol() string {
	if p.Proto == "" {
		return "tcp"
	}
	return p.Proto
}
