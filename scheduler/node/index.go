package node

import (
	"slices"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// Index summarises what a node's containers take (host ports, names and
// IDs) and, when built by NewNodeIndex, the node's labels, so that filters
// need not walk every container or look labels up in a map on every
// scheduling decision, as the Kubernetes scheduler keeps used host ports in
// its NodeInfo. It is optional: the cluster sets n.Index = NewNodeIndex(n)
// when it builds a Node it caches, and the filters read it through
// Node.Indexed and Node.Label.
//
// The contract: the containers and the labels map an Index was built from
// are not changed afterwards (build a new Node and Index instead).
// Appending containers is fine (a copy of the node with pending
// reservations added): Indexed hands those to the filters to walk. An Index
// whose first container or count no longer matches is ignored for
// containers; one built from another labels map than the node's is ignored
// for labels. An Index is immutable once built.
//
// The fields a check reads for every node come first and fit in a few
// cache lines: at 10,000 nodes the cost of a decision is mostly memory
// latency, one miss per pointer followed.
type Index struct {
	built int         // how many containers it summarises: Containers[:built]
	slot  **Container // &Containers[0] when built > 0: same array, no load
	first *Container  // Containers[0] when built > 0

	// labelsOf is the labels map summarised (its identity, see mapID);
	// its entries, interned (labels.go), are held inline up to
	// inlineLabels, the others in moreLabels.
	labelsOf   unsafe.Pointer
	hasLabels  bool
	nameless   bool // some container name or ID is not ASCII: walk them
	nLabels    int  // entries in inline
	inline     [inlineLabels]labelPair
	moreLabels []labelPair

	// anyAddrBloom has, for each key in AnyAddrPorts, two bits set (a
	// Bloom filter): a clear bit proves a port is free without reading
	// the list.
	anyAddrBloom [4]uint64
	// OtherPorts holds the ports bound on one address, and those whose
	// protocol PortKey cannot pack. Port 0 is left out of both lists.
	OtherPorts []Port
	// nameBloom does the same for names (three bits per name hash).
	nameBloom [8]uint64

	// AnyAddrPorts holds the PortKey of every port a container binds on
	// all addresses (Port.AnyAddr). Use HasAnyAddrPort to look one up.
	AnyAddrPorts []uint32
	// names holds a hash (nameHash) of every container name and ID,
	// lower-cased, unless nameless.
	names []uint64
}

// NewIndex summarises cs only; the node's labels are then read from its
// map. NewNodeIndex summarises labels too. Build it after cs is complete;
// appending more containers afterwards (a pending reservation on a copy of
// the node) is fine, see Node.Indexed.
func NewIndex(cs []*Container) *Index {
	idx := &Index{built: len(cs), names: make([]uint64, 0, 2*len(cs))}
	if len(cs) > 0 {
		idx.slot, idx.first = &cs[0], cs[0]
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
				bloomAdd(idx.anyAddrBloom[:], portHash(key), 2)
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

// NewNodeIndex summarises n's containers and labels. Build it once n's
// Containers and Labels are complete; neither may change afterwards,
// although containers may be appended on a copy of n (see Index).
func NewNodeIndex(n *Node) *Index {
	idx := NewIndex(n.Containers)
	idx.setLabels(n.Labels)
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
	h := nameHash(strings.ToLower(s))
	x.names = append(x.names, h)
	bloomAdd(x.nameBloom[:], h, 3)
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

// portHash spreads a PortKey over 64 bits for the Bloom filter.
func portHash(key uint32) uint64 { return uint64(key) * 0x9e3779b97f4a7c15 }

// bloomAdd sets k bits of b (whose length in bits is a power of two) for
// hash h; bloomHas reports whether all of them are set.
func bloomAdd(b []uint64, h uint64, k int) {
	h, mask := mix(h), uint64(len(b)*64-1)
	for range k {
		bit := h & mask
		b[bit>>6] |= 1 << (bit & 63)
		h >>= 9
	}
}

func bloomHas(b []uint64, h uint64, k int) bool {
	h, mask := mix(h), uint64(len(b)*64-1)
	for range k {
		bit := h & mask
		if b[bit>>6]&(1<<(bit&63)) == 0 {
			return false
		}
		h >>= 9
	}
	return true
}

// mix is the murmur3 64-bit finaliser: every output bit depends on every
// input bit, so the low bits the filters use are well spread.
func mix(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

// HasAnyAddrPort reports whether key (a PortKey) is in AnyAddrPorts.
func (x *Index) HasAnyAddrPort(key uint32) bool {
	if !bloomHas(x.anyAddrBloom[:], portHash(key), 2) {
		return false
	}
	return slices.Contains(x.AnyAddrPorts, key)
}

// NameKey is a container name or ID prepared for Index.MayHaveName:
// lower-cased and hashed once per request rather than once per node.
type NameKey struct {
	hash  uint64
	ascii bool
}

// NewNameKey prepares name (any case) for MayHaveName.
func NewNameKey(name string) NameKey {
	lower := strings.ToLower(name)
	if !isASCII(lower) {
		return NameKey{}
	}
	return NameKey{hash: nameHash(lower), ascii: true}
}

// MayHaveName reports whether some summarised container may have k as a
// name or ID, ignoring case: false means none has; true means one probably
// has (the index keeps hashes), and the caller confirms on the containers.
// ok is false when the index cannot tell (no index, or a name that is not
// ASCII), and the caller must walk the containers.
func (x *Index) MayHaveName(k NameKey) (maybe, ok bool) {
	if x == nil || x.nameless || !k.ascii {
		return false, false
	}
	if !bloomHas(x.nameBloom[:], k.hash, 3) {
		return false, true
	}
	return slices.Contains(x.names, k.hash), true
}

// Indexed returns the node's Index when it matches the node's containers,
// and the containers it does not cover (those appended after it was built,
// such as pending reservations on a copy of the node). When there is no
// usable index it returns nil and every container.
func (n *Node) Indexed() (*Index, []*Container) {
	x := n.Index
	if x == nil || x.built > len(n.Containers) {
		return nil, n.Containers
	}
	// Same backing array: the containers are those indexed, and checking
	// it reads no container slot. A copy (pending reservations appended)
	// has its own array: compare the first container.
	if x.built > 0 && &n.Containers[0] != x.slot && n.Containers[0] != x.first {
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
