package filters

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/swarm-project/swarm/scheduler/node"
)

// This file renders each filter's Plan.Conditions in the words classic Swarm
// used in its "Unable to find a node that satisfies the following
// conditions" error, so that scripts matching that text keep working.

// classicExpr renders an expression as classic Swarm listed it: key,
// operator and value as written, without the kind prefix and without the `~`
// of a soft expression ("storage==ssd", "node!=/node-[12]/").
func classicExpr(e *Expr) string { return e.Key + e.Op.String() + e.Value }

// constraintConditions lists constraints as "storage==ssd".
func constraintConditions(exprs []*Expr) []string {
	out := make([]string, len(exprs))
	for i, e := range exprs {
		out[i] = classicExpr(e)
	}
	return out
}

// affinityConditions lists affinities as "container==web (soft=false)".
func affinityConditions(exprs []*Expr) []string {
	out := make([]string, len(exprs))
	for i, e := range exprs {
		out[i] = classicExpr(e) + " (soft=" + strconv.FormatBool(e.Soft) + ")"
	}
	return out
}

// portConditions lists the host ports a request binds: "port 80 (Bridge
// mode)", one per binding, the host port alone; with host networking "port
// 80/tcp (Host mode)", one per exposed port. Ports the engine chooses (0)
// are left out. The order is by port, protocol and address, so that the
// message does not depend on the order of the request's port map.
func portConditions(req *node.Request) []string {
	ports := make([]node.Port, 0, len(req.Ports))
	for _, p := range req.Ports {
		if p.HostPort != 0 {
			ports = append(ports, p)
		}
	}
	if len(ports) == 0 {
		return nil
	}
	slices.SortStableFunc(ports, func(a, b node.Port) int {
		return cmp.Or(cmp.Compare(a.HostPort, b.HostPort),
			cmp.Compare(a.Protocol(), b.Protocol()),
			cmp.Compare(a.HostIP, b.HostIP))
	})
	host := req.NetworkMode == "host"
	out := make([]string, len(ports))
	for i, p := range ports {
		port := strconv.Itoa(int(p.HostPort))
		if host {
			out[i] = "port " + port + "/" + strings.ToLower(p.Protocol()) + " (Host mode)"
		} else {
			out[i] = "port " + port + " (Bridge mode)"
		}
	}
	return out
}
