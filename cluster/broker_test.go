package cluster

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/docker/docker/api/types/events"
)

func ev(id string) Event { return Event{Message: events.Message{ID: id}} }

func ids(evs []Event) []string {
	out := []string{}
	for _, e := range evs {
		out = append(out, e.ID)
	}
	return out
}

func TestBrokerHistory(t *testing.T) {
	tests := []struct {
		name    string
		size    int
		publish []string
		want    []string
	}{
		{"empty", 3, nil, []string{}},
		{"partial", 3, []string{"a", "b"}, []string{"a", "b"}},
		{"exactly full", 3, []string{"a", "b", "c"}, []string{"a", "b", "c"}},
		{"wrapped keeps the newest", 3, []string{"a", "b", "c", "d", "e"}, []string{"c", "d", "e"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := NewBroker(tt.size)
			for _, id := range tt.publish {
				b.Publish(ev(id))
			}
			past, _, cancel := b.Subscribe(1)
			defer cancel()
			got := ids(past)
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("got %v, want %v", got, tt.want)
				}
			}
		})
	}
}

func TestBrokerLiveAndSlowSubscriber(t *testing.T) {
	b := NewBroker(10)
	_, fast, cancelFast := b.Subscribe(10)
	defer cancelFast()
	_, slow, cancelSlow := b.Subscribe(1)
	defer cancelSlow()
	b.Publish(ev("1"))
	b.Publish(ev("2")) // slow's buffer is full: it is dropped
	if got := (<-fast).ID; got != "1" {
		t.Fatalf("fast got %q", got)
	}
	if got := (<-fast).ID; got != "2" {
		t.Fatalf("fast got %q", got)
	}
	if got := (<-slow).ID; got != "1" {
		t.Fatalf("slow got %q", got)
	}
	if _, ok := <-slow; ok {
		t.Fatal("slow subscriber should have been closed")
	}
}

func sized(id string, attrBytes int) Event {
	e := ev(id)
	e.Actor.Attributes = map[string]string{"v": strings.Repeat("x", attrBytes)}
	return e
}

// TestBrokerHistoryBytes: the history keeps the newest events within its
// byte bound, dropping the oldest first, and always the newest one.
func TestBrokerHistoryBytes(t *testing.T) {
	one := eventSize(sized("a", 1000))
	tests := []struct {
		name     string
		maxBytes int64
		publish  []string
		want     []string
	}{
		{"all fit", 10 * one, []string{"a", "b", "c"}, []string{"a", "b", "c"}},
		{"two fit", 2 * one, []string{"a", "b", "c", "d"}, []string{"c", "d"}},
		{"none fits: the newest is kept", one / 2, []string{"a", "b"}, []string{"b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBroker(100, tt.maxBytes)
			for _, id := range tt.publish {
				b.Publish(sized(id, 1000))
			}
			past, _, cancel := b.Subscribe(1)
			defer cancel()
			if got := ids(past); strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Fatalf("history %v, want %v", got, tt.want)
			}
			b.mu.Lock()
			defer b.mu.Unlock()
			if b.bytes != int64(len(tt.want))*one {
				t.Errorf("bytes accounted %d, want %d", b.bytes, int64(len(tt.want))*one)
			}
			// Dropped slots hold nothing: their strings can be freed.
			for i := 0; i < b.size-b.n; i++ {
				if s := b.history[(b.start+b.n+i)%b.size]; s.ev.Actor.Attributes != nil || s.bytes != 0 {
					t.Fatalf("slot %d still holds an event", (b.start+b.n+i)%b.size)
				}
			}
		})
	}
}

// TestBoundAttributes: long values are cut with a marker, the whole set
// within its budget, on UTF-8 boundaries; short ones and the caller's map
// are left alone.
func TestBoundAttributes(t *testing.T) {
	huge := strings.Repeat("h", 10<<20)
	tests := []struct {
		name  string
		attrs map[string]string
		check func(t *testing.T, out map[string]string)
	}{
		{"short values are kept", map[string]string{"name": "web", "image": "busybox"}, func(t *testing.T, out map[string]string) {
			if out["name"] != "web" || out["image"] != "busybox" {
				t.Errorf("got %v", out)
			}
		}},
		{"a 10 MB label is cut", map[string]string{"name": "web", "big": huge}, func(t *testing.T, out map[string]string) {
			if out["name"] != "web" {
				t.Errorf("name = %q", out["name"])
			}
			want := strings.Repeat("h", MaxAttrValue) + "...[truncated by swarm: 10485760 bytes]"
			if out["big"] != want {
				t.Errorf("big is %d bytes, ends %q", len(out["big"]), out["big"][len(out["big"])-40:])
			}
		}},
		{"multi-byte runes are not split", map[string]string{"u": strings.Repeat("é", MaxAttrValue)}, func(t *testing.T, out map[string]string) {
			if !utf8.ValidString(out["u"]) || !strings.Contains(out["u"], "truncated by swarm") {
				t.Errorf("value %.40q... is not a valid cut", out["u"])
			}
		}},
		{"many values share one budget", manyAttrs(100, 2000), func(t *testing.T, out map[string]string) {
			total := 0
			for _, v := range out {
				total += len(v)
			}
			if len(out) != 100 {
				t.Errorf("%d attributes, want all 100 keys", len(out))
			}
			if total > MaxAttrBytes+100*64 {
				t.Errorf("values hold %d bytes, over the %d budget plus markers", total, MaxAttrBytes)
			}
			if out["k000"] != strings.Repeat("v", 2000) {
				t.Errorf("the first key in order was cut")
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			orig := make(map[string]string, len(tt.attrs))
			for k, v := range tt.attrs {
				orig[k] = v
			}
			out := boundAttributes(tt.attrs)
			tt.check(t, out)
			for k, v := range orig {
				if tt.attrs[k] != v {
					t.Fatalf("the caller's map was changed at %q", k)
				}
			}
		})
	}
}

func manyAttrs(n, size int) map[string]string {
	m := map[string]string{}
	for i := 0; i < n; i++ {
		m[fmt.Sprintf("k%03d", i)] = strings.Repeat("v", size)
	}
	return m
}

// TestBrokerPublishesCutAttributes: both the history and live subscribers
// get the cut event.
func TestBrokerPublishesCutAttributes(t *testing.T) {
	b := NewBroker(10)
	_, live, cancel := b.Subscribe(1)
	defer cancel()
	b.Publish(sized("a", 1<<20))
	got := <-live
	if n := len(got.Actor.Attributes["v"]); n > MaxAttrValue+64 {
		t.Errorf("live event carries a %d-byte value", n)
	}
	past, _, cancel2 := b.Subscribe(1)
	defer cancel2()
	if n := len(past[0].Actor.Attributes["v"]); n > MaxAttrValue+64 {
		t.Errorf("history keeps a %d-byte value", n)
	}
}
