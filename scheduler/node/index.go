package node

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// Index summarises what a node's containers take (host ports, names and
// IDs), so that filters need not walk every container on every scheduling
// decision, as the Kubernetes scheduler keeps used host ports in its
// NodeInfo. It is optional: the cluster may set
// n.Index = NewIndex(n.Containers) when it builds a Node it caches, and the
// filters read it through Node.Indexed.
//
// The contract: the containers an Index was built from are not changed
// afterwards (build a new Node and Index instead). Appending containers is
// fine (a copy of the node with pending reservations added): Indexed hands
// those to the filters to walk. An Index whose first container or count no
// longer matches is ignored. An Index is immutable once built.
type Index struct {
	built int        // how many containers it summarises: Containers[:built]
	first *Container // Containers[0] when built

	// AnyAddrPorts holds the PortKey of every port a container binds on
	// all addresses (Port.AnyAddr), packed so that checking a node reads a
	// few cache lines.
	AnyAddrPorts []uint32
	// OtherPorts holds the ports bound on one address, and those whose
	// protocol PortKey cannot pack. Port 0 is left out of both lists.
	OtherPorts []Port
	// names holds a hash (nameHash) of every container name and ID,
	// lower-cased; nameless is true when some name is not ASCII, and then
	// callers walk the containers.
	names    []uint64
	nameless bool
}

// NewIndex summarises cs. Build it after cs is complete; appending more
// containers afterwards (a pending reservation on a copy of the node) is
// fine, see Node.Indexed.
func NewIndex(cs []*Container) *Index {
	idx := &Index{built: len(cs), names: make([]uint64, 0, 2*len(cs))}
	if len(cs) > 0 {
		idx.first = cs[0]
	}
	for _, c := range cs {
		if c == nil {
			continue
		}
		for _, p := range c.Ports {
			if p.HostPort == 0 {
				continue
			}
			if key, ok := PortKey(p.HostPort, p.Proto); ok && p.AnyAddr() {
				idx.AnyAddrPorts = append(idx.AnyAddrPorts, key)
			} else {
				idx.OtherPorts = append(idx.OtherPorts, p)
			}
		}
		idx.addName(c.ID)
		for _, name := range c.Names {
			idx.addName(name)
		}
	}
	return idx
}

func (x *Index) addName(s string) {
	if x.nameless {
		return
	}
	if !isASCII(s) {
		x.nameless, x.names = true, nil
		return
	}
	x.names = append(x.names, nameHash(strings.ToLower(s)))
}

// nameHash is 64-bit FNV-1a.
func nameHash(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// MayHaveName reports whether some summarised container may have lower (an
// ASCII, lower-cased string) as a name or ID: false means none has; true
// means one probably has (the index keeps hashes), and the caller confirms
// on the containers. ok is false when the index cannot tell, and the
// caller must walk the containers.
func (x *Index) MayHaveName(lower string) (maybe, ok bool) {
	if x == nil || x.nameless {
		return false, false
	}
	return slices.Contains(x.names, nameHash(lower)), true
}

// Indexed returns the node's Index when it matches the node's containers,
// and the containers it does not cover (those appended after it was built,
// such as pending reservations on a copy of the node). When there is no
// usable index it returns nil and every container.
func (n *Node) Indexed() (*Index, []*Container) {
	x := n.Index
	if x == nil || x.built > len(n.Containers) || (x.built > 0 && n.Containers[0] != x.first) {
		return nil, n.Containers
	}
	return x, n.Containers[x.built:]
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
