package cluster

import (
	"context"
	"errors"
	"net"
	"testing"

	"github.com/docker/docker/api/types/container"

	"github.com/swarm-project/swarm/cluster/engine"
)

// TestCreateConnectionFailureCounts: a create that cannot reach its engine
// counts against the engine's health, as a failed refresh does.
func TestCreateConnectionFailureCounts(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there any more
	opts := simOptions(t)
	opts.Engine.FailureRetry = 4
	e, err := engine.New(addr, &opts.Engine, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := newSimCluster(t, opts)
	req := busybox("")
	req.HostConfig = &container.HostConfig{}
	for i := 1; i <= 2; i++ {
		_, err = c.createOn(context.Background(), e, "", req.Config, req, nil)
		if !engine.IsConnectionError(err) {
			t.Fatalf("create %d: %v, want a connection error", i, err)
		}
		if got := e.Failures(); got != i {
			t.Fatalf("after %d failed creates the engine counts %d failures", i, got)
		}
	}
	if got := e.HealthScore(); got != 50 {
		t.Errorf("health score %d after 2 of 4 failures, want 50", got)
	}
}

// TestSnapshotCarriesHealth: the scheduler's view of an engine holds its
// health score, and is rebuilt when a failure moves it.
func TestSnapshotCarriesHealth(t *testing.T) {
	e := engine.NewFixture(engine.Fixture{Addr: "127.0.0.1:1", Name: "node-1", Health: engine.Healthy, FailureRetry: 4})
	c := newSimCluster(t, simOptions(t))
	if got := c.schedNode(e).Health; got != 100 {
		t.Fatalf("health %d before any failure, want 100", got)
	}
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	steps := []struct {
		err  error
		want int
	}{{refused, 75}, {refused, 50}, {nil, 100}, {refused, 75}, {refused, 50}, {refused, 25}, {refused, 0}}
	for i, s := range steps {
		e.ObserveCall(s.err)
		if got := c.schedNode(e).Health; got != s.want {
			t.Fatalf("step %d: the snapshot says health %d, want %d", i, got, s.want)
		}
	}
	if n := c.schedNode(e); n.Healthy {
		t.Errorf("after 4 failures of 4 the snapshot says healthy")
	}
}
