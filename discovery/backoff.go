package discovery

import (
	"context"
	"math/rand/v2"
	"time"
)

// Backoff is an exponential back-off with jitter: each Wait sleeps about
// twice as long as the one before, from Min up to Max; Reset starts over.
// The zero value uses 100ms and 5s.
type Backoff struct {
	Min, Max time.Duration
	next     time.Duration
}

// Wait sleeps for the next delay or until ctx is done; false means ctx is
// done.
func (b *Backoff) Wait(ctx context.Context) bool {
	lo, hi := b.Min, b.Max
	if lo <= 0 {
		lo = 100 * time.Millisecond
	}
	if hi <= 0 {
		hi = 5 * time.Second
	}
	if b.next < lo {
		b.next = lo
	}
	d := b.next
	// Jitter: between half and all of the delay.
	d = d/2 + rand.N(d/2+1)
	b.next *= 2
	if b.next > hi {
		b.next = hi
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// Reset makes the next Wait short again.
func (b *Backoff) Reset() { b.next = 0 }
