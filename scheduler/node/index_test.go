package node

import (
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
		{name: "name lower-cased", lower: "web", wantFound: true},
		{name: "second name", lower: "web/db", wantFound: true},
		{name: "id lower-cased", lower: "abc123", wantFound: true},
		{name: "absent", lower: "cache", wantFound: false},
		{name: "not lower-cased is not found", lower: "Web", wantFound: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			found, ok := x.MayHaveName(tt.lower)
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
			if _, ok := tt.x.MayHaveName("cafe"); ok {
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
