package discovery

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"
)

// TestPollWatchSendsChanges: a snapshot is sent when the set changes, not
// when the backend gives back the same slice or the same set in another
// order.
func TestPollWatchSendsChanges(t *testing.T) {
	a := Entry{Host: "10.0.0.1", Port: "2375"}
	b := Entry{Host: "10.0.0.2", Port: "2375"}
	c := Entry{Host: "10.0.0.3", Port: "2375"}
	first := Entries{b, a}
	reads := []Entries{
		first,
		first,         // the same slice: unchanged
		Entries{a, b}, // the same set in another order
		Entries{a, b, b},
		Entries{c, a}, // changed
		Entries{a, c},
	}
	var mu sync.Mutex
	n := 0
	read := func(context.Context) (Entries, error) {
		mu.Lock()
		defer mu.Unlock()
		es := reads[min(n, len(reads)-1)]
		n++
		return es, nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch, _ := pollWatch(ctx, time.Millisecond, read)
	want := []Entries{{a, b}, {a, c}}
	for i, w := range want {
		select {
		case got := <-ch:
			if !slices.Equal(got, w) {
				t.Fatalf("snapshot %d = %v, want %v", i, got, w)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("snapshot %d never came", i)
		}
	}
	// Wait for every read to be done, then no snapshot is left to come.
	for {
		mu.Lock()
		done := n > len(reads)+2
		mu.Unlock()
		if done {
			break
		}
		time.Sleep(time.Millisecond)
	}
	select {
	case got := <-ch:
		t.Fatalf("an extra snapshot: %v", got)
	default:
	}
}
