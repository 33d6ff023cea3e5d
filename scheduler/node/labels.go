package node

import (
	"unique"
	"unsafe"
)

// LabelKey is a node label name prepared for Node.Label: interned once
// (per request, or once for a fixed name), so that finding it among an
// Index's labels compares one pointer per label and reads no string.
// The zero LabelKey names the empty label and is looked up in the map.
type LabelKey struct {
	name   string
	handle unique.Handle[string]
}

// NewLabelKey prepares name for Node.Label.
func NewLabelKey(name string) LabelKey {
	return LabelKey{name: name, handle: unique.Make(name)}
}

// String returns the label name.
func (k LabelKey) String() string { return k.name }

// labelPair is one label of an Index. The key is interned, so that equal
// keys are equal handles; the value is the interned copy, shared by every
// node that has the same value (us-east-1, ext4, linux, ...), so that
// reading it usually hits the CPU cache.
type labelPair struct {
	key   unique.Handle[string]
	value string
}

// inlineLabels is how many labels an Index holds in its own memory, so
// that looking one up follows no further pointer. Engines carry six
// default tags (node, storagedriver, executiondriver, kernelversion,
// operatingsystem, ostype) and usually a few labels of their own.
const inlineLabels = 8

func (x *Index) setLabels(labels map[string]string) {
	x.labelsOf, x.hasLabels = mapID(labels), true
	for k, v := range labels {
		p := labelPair{key: unique.Make(k), value: unique.Make(v).Value()}
		if x.nLabels < inlineLabels {
			x.inline[x.nLabels] = p
			x.nLabels++
		} else {
			x.moreLabels = append(x.moreLabels, p)
		}
	}
}

// mapID returns the identity of a map: the pointer a map value holds (nil
// for a nil map), as reflect.Value.UnsafePointer returns it, without
// reading the map and at the cost of one load.
func mapID(m map[string]string) unsafe.Pointer {
	return *(*unsafe.Pointer)(unsafe.Pointer(&m))
}

// Label returns the value of the node's label k and whether the node has
// it, as n.Labels[k.String()] would. It reads the Index when one built by
// NewNodeIndex from this very labels map is set, and the map otherwise.
func (n *Node) Label(k LabelKey) (string, bool) {
	if x := n.Index; x != nil && x.hasLabels && k.handle != (unique.Handle[string]{}) && x.labelsOf == mapID(n.Labels) {
		for i := range x.inline[:x.nLabels] {
			if x.inline[i].key == k.handle {
				return x.inline[i].value, true
			}
		}
		for i := range x.moreLabels {
			if x.moreLabels[i].key == k.handle {
				return x.moreLabels[i].value, true
			}
		}
		return "", false
	}
	v, ok := n.Labels[k.name]
	return v, ok
}
