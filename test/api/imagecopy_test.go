package apitest

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/swarm-project/swarm/cluster"
	"github.com/swarm-project/swarm/scheduler"
)

// TestCopyImage drives cluster.CopyImage (the way an image that exists on
// one node only can reach another without a registry) on the real engines.
func TestCopyImage(t *testing.T) {
	from, to := engines[0], engines[1]
	onEngine(t, from, "tag", "busybox", "ci-copy:1")
	t.Cleanup(func() {
		_, _, _ = from.Docker("rmi", "ci-copy:1")
		_, _, _ = to.Docker("rmi", "ci-copy:1")
	})
	sched, err := scheduler.New("spread", nil, scheduler.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	c := cluster.New(cluster.Options{
		Scheduler: sched,
		Engine:    cluster.EngineOptions{RefreshMin: time.Second, RefreshMax: 2 * time.Second, FailureRetry: 2, Transport: &http.Transport{}},
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, e := range engines[:2] {
		if err := c.AddEngine(ctx, e.Addr); err != nil {
			t.Fatal(err)
		}
	}
	defer c.RemoveEngine(engines[1].Addr)
	defer c.RemoveEngine(engines[0].Addr)
	if err := c.WaitHealthy(ctx, 2); err != nil {
		t.Fatal(err)
	}
	target, err := c.Engine(to.Name)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.CopyImage(ctx, "ci-copy:1", target); err != nil {
		t.Fatalf("CopyImage: %v", err)
	}
	if got, want := imageID(to, "ci-copy:1"), imageID(from, "ci-copy:1"); got == "" || got != want {
		t.Errorf("copied image ID %q, want %q", got, want)
	}
	if !target.HasImage("ci-copy:1") {
		t.Errorf("the target's cache does not show the copied image")
	}
	if err := c.CopyImage(ctx, "ci-nosuch:1", target); !errors.Is(err, cluster.ErrNotFound) {
		t.Errorf("CopyImage of an unknown image: %v, want ErrNotFound", err)
	}
}
