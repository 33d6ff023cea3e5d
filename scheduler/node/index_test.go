package node

import (
	"fmt"
	"slices"
	"testing"
)

func TestNewIndex(t *testing.T) {
	cs := []*Container{
		{ID: "ABC123", Names: []string{"Web"}, Ports: []Port{{HostPort: 80}, {HostPort: 0}, {HostIP: "::", HostPort: 53, Proto: "UDP"}}},
		nil,
		{ID: "def456", Names: []string{"db", "web/db"}, Ports: []Port{{HostIP: "127.0.0.1", HostPort: 5432, Proto: "tcp"}, {HostPort: 9, Proto: "dccp"}}},
	}
	x := NewIndex(cs)
	if want := []uint32{80 << 8, 53<<8 | 1}; !slices.Equal(x.AnyAddrPorts, want) {
		t.Errorf("AnyAddrPorts = %v, want %v", x.AnyAddrPorts, want)
	}
	if want := []Port{{HostIP: "127.0.0.1", HostPort: 5432, Proto: "tcp"}, {HostPort: 9, Proto: "dccp"}}; !slices.Equal(x.OtherPorts, want) {
		t.Errorf("OtherPorts = %v, want %v", x.OtherPorts, want)
	}
	tests := []struct {
		name      string
		lower     string
		wantFound bool
	}{
		{name: "name", lower: "web", wantFound: true},
		{name: "second name", lower: "web/db", wantFound: true},
		{name: "id lower-cased", lower: "abc123", wantFound: true},
		{name: "absent", lower: "cache", wantFound: false},
		{name: "any case", lower: "WEB/DB", wantFound: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			found, ok := x.MayHaveName(NewNameKey(tt.lower))
			if !ok || found != tt.wantFound {
				t.Errorf("MayHaveName(%q) = %v, %v; want %v, true", tt.lower, found, ok, tt.wantFound)
			}
		})
	}
}

func TestIndexCannotTell(t *testing.T) {
	tests := []struct {
		name string
		x    *Index
	}{
		{name: "nil index", x: nil},
		{name: "non-ascii name", x: NewIndex([]*Container{{ID: "1", Names: []string{"caf\u00e9"}}})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, ok := tt.x.MayHaveName(NewNameKey("cafe")); ok {
				t.Error("MayHaveName says it can tell")
			}
		})
	}
}

func TestIndexed(t *testing.T) {
	a, b, p := &Container{ID: "a"}, &Container{ID: "b"}, &Container{ID: "p", Pending: true}
	built := NewIndex([]*Container{a, b})
	tests := []struct {
		name      string
		node      *Node
		wantIndex bool
		wantRest  []*Container
	}{
		{name: "no index", node: &Node{Containers: []*Container{a, b}}, wantRest: []*Container{a, b}},
		{name: "matching", node: &Node{Containers: []*Container{a, b}, Index: built}, wantIndex: true, wantRest: []*Container{}},
		{name: "pending appended", node: &Node{Containers: []*Container{a, b, p}, Index: built}, wantIndex: true, wantRest: []*Container{p}},
		{name: "fewer containers", node: &Node{Containers: []*Container{a}, Index: built}, wantRest: []*Container{a}},
		{name: "other containers", node: &Node{Containers: []*Container{b, a}, Index: built}, wantRest: []*Container{b, a}},
		{name: "empty index on empty node", node: &Node{Index: NewIndex(nil)}, wantIndex: true, wantRest: nil},
		{name: "empty index, containers added", node: &Node{Containers: []*Container{p}, Index: NewIndex(nil)}, wantIndex: true, wantRest: []*Container{p}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x, rest := tt.node.Indexed()
			if (x != nil) != tt.wantIndex {
				t.Errorf("index = %v, want present %v", x, tt.wantIndex)
			}
			if !slices.Equal(rest, tt.wantRest) {
				t.Errorf("rest = %v, want %v", rest, tt.wantRest)
			}
		})
	}
}

// HasAnyAddrPort gives the same answers as a search of AnyAddrPorts, for
// every port and protocol, however many ports a node binds.
func TestHasAnyAddrPort(t *testing.T) {
	for _, count := range []int{0, 1, 30, 300} {
		t.Run(fmt.Sprintf("%d ports", count), func(t *testing.T) {
			var cs []*Container
			for i := range count {
				proto := []string{"tcp", "udp", "sctp"}[i%3]
				cs = append(cs, &Container{ID: fmt.Sprint(i), Ports: []Port{{HostPort: uint16(1000 + 7*i), Proto: proto}}})
			}
			x := NewIndex(cs)
			for port := range 4000 {
				for _, proto := range []string{"tcp", "udp", "sctp"} {
					key, _ := PortKey(uint16(port), proto)
					if got, want := x.HasAnyAddrPort(key), slices.Contains(x.AnyAddrPorts, key); got != want {
						t.Fatalf("HasAnyAddrPort(%d/%s) = %v, want %v", port, proto, got, want)
					}
				}
			}
		})
	}
}

// MayHaveName finds every name however many there are (the Bloom filter
// saturates, it never hides a name) and rules most others out.
func TestMayHaveNameMany(t *testing.T) {
	var cs []*Container
	for i := range 500 {
		cs = append(cs, &Container{ID: fmt.Sprintf("%064x", i), Names: []string{fmt.Sprintf("app-%d", i)}})
	}
	x := NewIndex(cs)
	for i := range 500 {
		for _, name := range []string{fmt.Sprintf("APP-%d", i), fmt.Sprintf("%064x", i)} {
			if maybe, ok := x.MayHaveName(NewNameKey(name)); !maybe || !ok {
				t.Fatalf("MayHaveName(%q) = %v, %v; want true, true", name, maybe, ok)
			}
		}
	}
	if maybe, ok := x.MayHaveName(NewNameKey("web")); maybe || !ok {
		t.Errorf("MayHaveName(web) = %v, %v; want false, true", maybe, ok)
	}
}

// An index is used for the node's own container array, and for a copy
// whose array starts with the same container; not for other containers.
func TestIndexedSameArray(t *testing.T) {
	a, b, p := &Container{ID: "a"}, &Container{ID: "b"}, &Container{ID: "p", Pending: true}
	arr := []*Container{a, b, p}
	x := NewIndex(arr[:2])
	tests := []struct {
		name      string
		cs        []*Container
		wantIndex bool
		wantRest  []*Container
	}{
		{name: "same array", cs: arr[:2], wantIndex: true, wantRest: []*Container{}},
		{name: "same array, one more", cs: arr, wantIndex: true, wantRest: []*Container{p}},
		{name: "copy", cs: []*Container{a, b, p}, wantIndex: true, wantRest: []*Container{p}},
		{name: "same array, shifted", cs: arr[1:3], wantRest: []*Container{b, p}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, rest := (&Node{Containers: tt.cs, Index: x}).Indexed()
			if (got != nil) != tt.wantIndex || !slices.Equal(rest, tt.wantRest) {
				t.Errorf("Indexed() = %v, %v; want index %v, rest %v", got != nil, rest, tt.wantIndex, tt.wantRest)
			}
		})
	}
}
