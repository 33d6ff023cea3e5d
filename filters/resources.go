package filters

import (
	"strings"

	"github.com/swarm-project/swarm/scheduler/node"
)

// resourceDependencies lists the networks and named volumes req uses that
// exist on some nodes of the snapshot, with where they are. One that exists
// nowhere is left out: it restricts nothing. A "node/name" reference pins
// the named node.
func resourceDependencies(req *node.Request, snapshot []*node.Node) ([]dependency, []located) {
	var deps []dependency
	var locs []located
	// A swarm-scoped network one node lists reaches every node in the
	// swarm (the engines attach it on first use).
	swarmWide := map[string]bool{}
	for _, ref := range req.Networks {
		for _, n := range snapshot {
			if n != nil && hasSwarmNetwork(n, ref) {
				swarmWide[ref] = true
				break
			}
		}
	}
	hasNet := func(n *node.Node, ref string) bool {
		return hasNetwork(n, ref) || (swarmWide[ref] && n.Swarm)
	}
	add := func(refs []string, flag string, has func(*node.Node, string) bool) {
		for _, ref := range refs {
			var l located
			for _, n := range snapshot {
				if n != nil && has(n, ref) {
					l.byName = addNode(l.byName, n)
				}
			}
			if len(l.byName) > 0 {
				deps = append(deps, dependency{ref: ref, flag: flag + ref})
				locs = append(locs, l)
			}
		}
	}
	add(req.Networks, "--net=", hasNet)
	add(req.Volumes, "--volume=", hasVolume)
	return deps, locs
}

// splitNodeRef splits "node-1/name" when the prefix names node n; ok is
// false when ref has no node prefix.
func splitNodeRef(n *node.Node, ref string) (name string, onNode, ok bool) {
	prefix, rest, found := strings.Cut(ref, "/")
	if !found || rest == "" {
		return ref, false, false
	}
	return rest, prefix == n.Name || prefix == n.ID, true
}

func hasNetwork(n *node.Node, ref string) bool {
	name, onNode, pinned := splitNodeRef(n, ref)
	if pinned && !onNode {
		return false
	}
	for _, nw := range n.Networks {
		if nw.Name == name || nw.ID == name || (len(name) >= 3 && isHex(name) && strings.HasPrefix(nw.ID, name)) {
			return true
		}
	}
	return false
}

// hasSwarmNetwork reports whether n lists ref as a swarm-scoped network.
func hasSwarmNetwork(n *node.Node, ref string) bool {
	for _, nw := range n.Networks {
		if !nw.IsLocal() && (nw.Name == ref || nw.ID == ref || (len(ref) >= 3 && isHex(ref) && strings.HasPrefix(nw.ID, ref))) {
			return true
		}
	}
	return false
}

func hasVolume(n *node.Node, ref string) bool {
	name, onNode, pinned := splitNodeRef(n, ref)
	if pinned && !onNode {
		return false
	}
	return containsString(n.Volumes, name)
}
