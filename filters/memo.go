package filters

import (
	"sync/atomic"
	"unsafe"
)

// memoSlots is how many distinct values a matchMemo remembers.
const (
	memoBits  = 6
	memoSlots = 1 << memoBits
)

// matchMemo remembers, for one expression during one request, whether the
// strings it was asked about match. Node labels read through a node.Index
// are interned, so the nodes that share a value (us-east-1, ssd, linux)
// share its bytes, and a string's address and length identify its content
// while the snapshot that holds it is alive: the memo is keyed by them and
// never reads the string again. Each slot is filled once and never
// replaced, so a request with more distinct values than slots matches the
// others directly, without allocating. Safe for concurrent use: a slot is
// written once, with a compare-and-swap.
type matchMemo struct {
	slots [memoSlots]atomic.Pointer[memoEntry]
}

type memoEntry struct {
	data  *byte
	n     int
	match bool
}

// matches returns e.Matches(s), from the memo when s was seen before.
func (m *matchMemo) matches(e *Expr, s string) bool {
	data := unsafe.StringData(s)
	// Fibonacci hashing of the address; the top bits pick the slot.
	h := uint64(uintptr(unsafe.Pointer(data))) * 0x9e3779b97f4a7c15
	slot := &m.slots[h>>(64-memoBits)]
	if ent := slot.Load(); ent != nil {
		if ent.data == data && ent.n == len(s) {
			return ent.match
		}
		return e.Matches(s)
	}
	match := e.Matches(s)
	slot.CompareAndSwap(nil, &memoEntry{data: data, n: len(s), match: match})
	return match
}
