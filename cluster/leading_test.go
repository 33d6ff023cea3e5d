package cluster

import (
	"errors"
	"testing"
	"time"
)

func TestLeading(t *testing.T) {
	tests := []struct {
		name string
		set  func(c *Cluster)
		want bool
	}{
		{name: "a single manager leads", set: func(*Cluster) {}, want: true},
		{name: "replica", set: func(c *Cluster) { c.SetLeading(false) }, want: false},
		{name: "primary with no lease", set: func(c *Cluster) { c.SetLeading(false); c.SetLeading(true) }, want: true},
		{name: "lease running", set: func(c *Cluster) { c.LeadUntil(time.Now().Add(time.Minute), 1) }, want: true},
		{name: "lease ran out (fenced)", set: func(c *Cluster) { c.LeadUntil(time.Now().Add(-time.Millisecond), 1) }, want: false},
		{name: "lease ending before the process started", set: func(c *Cluster) { c.LeadUntil(monoBase.Add(-time.Hour), 1) }, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := New(Options{})
			tt.set(c)
			if got := c.Leading(); got != tt.want {
				t.Fatalf("Leading() = %v, want %v", got, tt.want)
			}
			err := c.checkLeading("web")
			if tt.want != (err == nil) {
				t.Fatalf("checkLeading = %v, want ok=%v", err, tt.want)
			}
			if err != nil && !errors.Is(err, ErrUnavailable) {
				t.Fatalf("checkLeading error %v is not ErrUnavailable (503)", err)
			}
		})
	}
}

func TestLeadingRunsOut(t *testing.T) {
	c := New(Options{})
	c.LeadUntil(time.Now().Add(50*time.Millisecond), 3)
	if !c.Leading() || c.LeaderTerm() != 3 {
		t.Fatalf("Leading %v term %d right after LeadUntil", c.Leading(), c.LeaderTerm())
	}
	time.Sleep(60 * time.Millisecond)
	if c.Leading() {
		t.Fatal("still leading after the deadline: the fence does not depend on anyone calling SetLeading")
	}
}

func TestLeaderEvent(t *testing.T) {
	c := New(Options{})
	_, live, cancel := c.Events().Subscribe(4)
	defer cancel()
	c.LeaderEvent("leader_elected", "127.0.0.1:4000", 12)
	select {
	case ev := <-live:
		if ev.Type != "swarm" || ev.Action != "leader_elected" || ev.Actor.ID != "127.0.0.1:4000" || ev.Actor.Attributes["term"] != "12" {
			t.Fatalf("event %+v", ev)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no event")
	}
}
