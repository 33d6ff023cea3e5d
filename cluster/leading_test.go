package cluster

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/swarm-project/swarm/cluster/engine"
	"github.com/swarm-project/swarm/cluster/state"
	"github.com/swarm-project/swarm/test/simengine"
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

// TestElectedAfterPrimaryAndNodeDie: two managers over the same engines
// and one shared state store. The primary pauses node-3 and creates c1 on
// node-1; then the primary and node-1 die together. The replica sees
// node-1 fail and leaves it (not the primary); once elected, it makes c1
// again on node-2 (node-3 is paused) with its swarm ID, and keeps node-3
// paused.
func TestElectedAfterPrimaryAndNodeDie(t *testing.T) {
	sims := []*simengine.Engine{
		startSim(t, simengine.Config{Name: "node-1"}),
		startSim(t, simengine.Config{Name: "node-2"}),
		startSim(t, simengine.Config{Name: "node-3"}),
	}
	store := state.NewMemory()
	newManager := func() *Cluster {
		opts := simOptions(t)
		opts.State = store
		c := newSimCluster(t, opts)
		addSims(t, c, sims...)
		return c
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	primary := newManager()
	replica := newManager()
	replica.SetLeading(false)
	replica.startWatcher(ctx)

	n, err := primary.SwarmNode("node-3")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := primary.UpdateNode(ctx, "node-3", n.Meta.Version, engine.NodeSpec{Availability: engine.AvailabilityPause}); err != nil {
		t.Fatal(err)
	}
	c1 := runOn(t, primary, "c1", "reschedule:on-node-failure", "constraint:node==~node-1")
	if c1.Engine.Name() != "node-1" {
		t.Fatalf("c1 landed on %s, want node-1", c1.Engine.Name())
	}
	// Running, not only created: the replica makes again what it last saw,
	// and a copy it saw only created would be made again unstarted.
	waitUntil(t, "the replica sees c1 running", func() bool {
		ct, err := replica.Container("c1")
		return err == nil && ct.State() == "running"
	})

	primary.stopAll()
	sims[0].Stop()
	waitUntil(t, "the replica sees node-1 fail", func() bool {
		e, err := replica.Engine("node-1")
		return err == nil && e.Health() == Unhealthy
	})
	time.Sleep(200 * time.Millisecond) // the replica's health reaction and a watcher round
	if ct, err := replica.Container("c1"); err != nil || ct.Engine.Name() != "node-1" {
		t.Fatalf("the replica moved c1 (or lost it): %v %v", ct, err)
	}

	replica.LeadUntil(time.Now().Add(time.Minute), 2)
	replica.Elected(ctx)
	waitUntil(t, "c1 runs on node-2", func() bool {
		ct, err := replica.Container("c1")
		return err == nil && ct.Engine.Name() == "node-2" && ct.State() == "running" && ct.SwarmID() == c1.SwarmID()
	})
	if n, err := replica.SwarmNode("node-3"); err != nil || n.Meta.Spec.Availability != engine.AvailabilityPause {
		t.Errorf("node-3 after the failover: %+v %v, want paused", n.Meta, err)
	}
	if n := len(copiesOf(replica, "c1")); n != 1 {
		t.Errorf("%d copies of c1 in the new primary's cache, want 1", n)
	}
}
