package node

import (
	"fmt"
	"maps"
	"testing"
	"unsafe"
)

// Label answers as the Labels map does, whether the node has an index
// with its labels, an index without them, or none.
func TestLabel(t *testing.T) {
	base := map[string]string{"node": "n1", "storage": "ssd", "region": "us-east-1", "empty": ""}
	many := map[string]string{}
	for i := range 2*inlineLabels + 3 {
		many[fmt.Sprintf("k%02d", i)] = fmt.Sprintf("v%d", i)
	}
	withNodeIndex := func(labels map[string]string) *Node {
		n := &Node{Labels: labels}
		n.Index = NewNodeIndex(n)
		return n
	}
	replaced := withNodeIndex(base)
	replaced.Labels = map[string]string{"storage": "disk"}

	tests := []struct {
		name string
		node *Node
	}{
		{name: "no index", node: &Node{Labels: base}},
		{name: "index without labels", node: &Node{Labels: base, Index: NewIndex(nil)}},
		{name: "node index", node: withNodeIndex(base)},
		{name: "more labels than held inline", node: withNodeIndex(many)},
		{name: "nil labels", node: withNodeIndex(nil)},
		{name: "labels map replaced after indexing", node: replaced},
	}
	keys := []string{"node", "storage", "region", "empty", "absent", "", "k00", "k07", "k08", "k18", "k99"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, k := range keys {
				wantV, wantOK := tt.node.Labels[k]
				if v, ok := tt.node.Label(NewLabelKey(k)); v != wantV || ok != wantOK {
					t.Errorf("Label(%q) = %q, %v; want %q, %v", k, v, ok, wantV, wantOK)
				}
			}
			// The zero key is the empty label name.
			wantV, wantOK := tt.node.Labels[""]
			if v, ok := tt.node.Label(LabelKey{}); v != wantV || ok != wantOK {
				t.Errorf("Label(zero key) = %q, %v; want %q, %v", v, ok, wantV, wantOK)
			}
		})
	}
}

// A node index serves labels from its own copy: changing the map in place
// (which the contract forbids) is not seen, which shows the map is not read.
func TestLabelReadsIndex(t *testing.T) {
	labels := map[string]string{"storage": "ssd"}
	n := &Node{Labels: labels}
	n.Index = NewNodeIndex(n)
	labels["storage"] = "disk"
	if v, _ := n.Label(NewLabelKey("storage")); v != "ssd" {
		t.Errorf("Label(storage) = %q, want the indexed %q", v, "ssd")
	}
	// A copy of the node that shares the map (the cluster's pending copy)
	// still uses the index.
	cp := *n
	cp.Containers = append(cp.Containers, &Container{ID: "p", Pending: true})
	if v, _ := cp.Label(NewLabelKey("storage")); v != "ssd" {
		t.Errorf("copy: Label(storage) = %q, want the indexed %q", v, "ssd")
	}
}

// Equal values on different nodes share their bytes once indexed.
func TestLabelValuesInterned(t *testing.T) {
	a := &Node{Labels: map[string]string{"region": string([]byte("us-east-1"))}}
	b := &Node{Labels: maps.Clone(map[string]string{"region": string([]byte("us-east-1"))})}
	a.Index, b.Index = NewNodeIndex(a), NewNodeIndex(b)
	key := NewLabelKey("region")
	va, _ := a.Label(key)
	vb, _ := b.Label(key)
	if va != "us-east-1" || vb != "us-east-1" {
		t.Fatalf("values %q and %q", va, vb)
	}
	if !sameBytes(va, vb) {
		t.Error("equal values are not shared")
	}
}

func TestLabelKeyString(t *testing.T) {
	if got := NewLabelKey("storage").String(); got != "storage" {
		t.Errorf("String() = %q", got)
	}
}

func sameBytes(a, b string) bool { return unsafe.StringData(a) == unsafe.StringData(b) }
