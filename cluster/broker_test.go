package cluster

import (
	"testing"

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
