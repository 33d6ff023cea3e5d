package cluster

import (
	"fmt"
	"sort"
	"sync"
	"unicode/utf8"
)

// Bounds of the event history and of each event's attributes.
const (
	// DefaultHistoryBytes bounds the event history's size, besides its
	// count: the oldest events are dropped first.
	DefaultHistoryBytes = 64 << 20
	// MaxAttrValue is the longest attribute value an event keeps (a
	// container's labels are attributes of its events); a longer one is
	// cut, with a marker. The container itself keeps the whole value.
	MaxAttrValue = 4 << 10
	// MaxAttrBytes bounds the values of one event's attributes together;
	// past it, values (in key order) are replaced by the marker alone.
	MaxAttrBytes = 64 << 10
)

// Broker fans events out to subscribers and keeps a history bounded in
// count and in bytes for `docker events --since`.
type Broker struct {
	size     int   // most events kept
	maxBytes int64 // most bytes kept (as estimated by eventSize)

	mu      sync.Mutex // guards history, start, n, bytes and subs
	history []sizedEvent
	start   int   // index of the oldest event in history
	n       int   // events in history
	bytes   int64 // sum of the kept events' sizes
	subs    map[chan Event]struct{}
}

type sizedEvent struct {
	ev    Event
	bytes int64
}

// NewBroker returns a broker that remembers the last size events, within
// DefaultHistoryBytes.
func NewBroker(size int) *Broker { return newBroker(size, DefaultHistoryBytes) }

func newBroker(size int, maxBytes int64) *Broker {
	if size < 1 {
		size = 1
	}
	return &Broker{size: size, maxBytes: maxBytes, history: make([]sizedEvent, size), subs: map[chan Event]struct{}{}}
}

// Publish records ev, its oversized attribute values cut, and hands it to
// every subscriber. A subscriber whose buffer is full is dropped (its
// channel is closed) rather than stalling the engines' event streams.
func (b *Broker) Publish(ev Event) {
	ev.Actor.Attributes = boundAttributes(ev.Actor.Attributes)
	size := eventSize(ev)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.n == b.size {
		b.dropOldest()
	}
	b.history[(b.start+b.n)%b.size] = sizedEvent{ev: ev, bytes: size}
	b.n++
	b.bytes += size
	for b.bytes > b.maxBytes && b.n > 1 {
		b.dropOldest()
	}
	for ch := range b.subs {
		select {
		case ch <- ev:
		default:
			delete(b.subs, ch)
			close(ch)
		}
	}
}

// dropOldest forgets the oldest event, leaving nothing of it in history.
func (b *Broker) dropOldest() {
	b.bytes -= b.history[b.start].bytes
	b.history[b.start] = sizedEvent{}
	b.start = (b.start + 1) % b.size
	b.n--
}

// Subscribe returns the remembered events, oldest first, and a channel of
// the events published from now on. cancel must be called when done.
func (b *Broker) Subscribe(buffer int) (past []Event, events <-chan Event, cancel func()) {
	ch := make(chan Event, buffer)
	b.mu.Lock()
	defer b.mu.Unlock()
	past = make([]Event, 0, b.n)
	for i := 0; i < b.n; i++ {
		past = append(past, b.history[(b.start+i)%b.size].ev)
	}
	b.subs[ch] = struct{}{}
	return past, ch, func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		if _, ok := b.subs[ch]; ok {
			delete(b.subs, ch)
			close(ch)
		}
	}
}

// eventOverhead is a rough count of an event's fixed bytes (its struct,
// the node pointer, the map header).
const eventOverhead = 256

// eventSize estimates the memory an event holds.
func eventSize(ev Event) int64 {
	n := eventOverhead + len(ev.Status) + len(ev.ID) + len(ev.From) + len(ev.Type) +
		len(ev.Action) + len(ev.Actor.ID) + len(ev.Scope)
	for k, v := range ev.Actor.Attributes {
		n += len(k) + len(v) + 16
	}
	return int64(n)
}

// boundAttributes returns attrs with each value cut to MaxAttrValue and
// all values together to MaxAttrBytes. The cut values are copies, so that
// nothing keeps the original (possibly huge) strings alive; attrs itself
// is never modified: a new map is returned when something was cut.
func boundAttributes(attrs map[string]string) map[string]string {
	total, over := 0, false
	for _, v := range attrs {
		total += len(v)
		if len(v) > MaxAttrValue {
			over = true
		}
	}
	if !over && total <= MaxAttrBytes {
		return attrs
	}
	keys := make([]string, 0, len(attrs))
	for k := range attrs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make(map[string]string, len(attrs))
	budget := MaxAttrBytes
	for _, k := range keys {
		v := attrs[k]
		keep := min(len(v), MaxAttrValue, budget)
		if keep == len(v) {
			out[k] = v
		} else {
			out[k] = truncated(v, keep)
		}
		budget -= keep
	}
	return out
}

// truncated returns the first keep bytes of v (on a UTF-8 boundary)
// followed by a marker saying how long v was, in a new string that does
// not share v's memory.
func truncated(v string, keep int) string {
	for keep > 0 && !utf8.RuneStart(v[keep]) {
		keep--
	}
	return v[:keep] + fmt.Sprintf("...[truncated by swarm: %d bytes]", len(v))
}
