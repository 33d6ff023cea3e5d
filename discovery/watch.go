package discovery

import (
	"context"
	"slices"
	"time"
)

// watchBuffer is the capacity of the error channel: errors beyond it are
// dropped rather than stalling a watch whose consumer reads only entries.
const watchBuffer = 8

// newWatchChans makes the channel pair every Watch returns.
func newWatchChans() (chan Entries, chan error) {
	return make(chan Entries, 1), make(chan error, watchBuffer)
}

// sendEntries delivers a snapshot unless ctx ends first.
func sendEntries(ctx context.Context, ch chan<- Entries, es Entries) bool {
	select {
	case ch <- es:
		return true
	case <-ctx.Done():
		return false
	}
}

// reportErr hands err to the consumer without ever blocking the watch.
func reportErr(ch chan<- error, err error) {
	select {
	case ch <- err:
	default:
	}
}

// pollWatch runs read at once and then every period until ctx is done,
// sending a snapshot whenever the set differs from the last one sent and
// reporting read errors. read may give back the very slice it returned
// before, to say nothing changed, but must never change the contents of a
// slice it returned. It owns one goroutine, which closes both channels
// when ctx ends.
func pollWatch(ctx context.Context, period time.Duration, read func(context.Context) (Entries, error)) (<-chan Entries, <-chan error) {
	entries, errs := newWatchChans()
	go func() {
		defer close(errs)
		defer close(entries)
		var last, lastRead Entries // last is lastRead normalized
		sent := false
		t := time.NewTicker(period)
		defer t.Stop()
		for {
			es, err := read(ctx)
			switch {
			case ctx.Err() != nil:
				return
			case err != nil:
				reportErr(errs, err)
			case sent && sameSlice(es, lastRead):
				// The backend gave back what it read last time (the file
				// backend does when the file did not change): no need to
				// sort 10,000 entries to see that nothing changed.
			default:
				lastRead = es
				if es = es.Normalize(); sent && slices.Equal(es, last) {
					break
				}
				if !sendEntries(ctx, entries, es) {
					return
				}
				last, sent = es, true
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return entries, errs
}

// sameSlice reports whether a and b are the same slice: same length and,
// when not empty, the same first element.
func sameSlice(a, b Entries) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}
