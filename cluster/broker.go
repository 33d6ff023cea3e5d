package cluster

import "sync"

// Broker fans events out to subscribers and keeps a bounded history for
// `docker events --since`.
type Broker struct {
	size int

	mu      sync.Mutex // guards history, next and subs
	history []Event    // ring buffer of the last size events
	next    int        // where the next event goes in history
	full    bool       // history has wrapped
	subs    map[chan Event]struct{}
}

// NewBroker returns a broker that remembers the last size events.
func NewBroker(size int) *Broker {
	if size < 1 {
		size = 1
	}
	return &Broker{size: size, history: make([]Event, size), subs: map[chan Event]struct{}{}}
}

// Publish records ev and hands it to every subscriber. A subscriber whose
// buffer is full is dropped (its channel is closed) rather than stalling
// the engines' event streams.
func (b *Broker) Publish(ev Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.history[b.next] = ev
	b.next = (b.next + 1) % b.size
	if b.next == 0 {
		b.full = true
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

// Subscribe returns the remembered events, oldest first, and a channel of
// the events published from now on. cancel must be called when done.
func (b *Broker) Subscribe(buffer int) (past []Event, events <-chan Event, cancel func()) {
	ch := make(chan Event, buffer)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.full {
		past = append(past, b.history[b.next:]...)
	}
	past = append(past, b.history[:b.next]...)
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
