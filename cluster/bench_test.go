package cluster

import (
	"context"
	"fmt"
	"testing"
	"time"

	log "github.com/sirupsen/logrus"

	"github.com/swarm-project/swarm/scheduler"
	"github.com/swarm-project/swarm/scheduler/node"
	"github.com/swarm-project/swarm/test/simengine"
)

// benchEngineCounts are the engine counts the benchmarks run with (see
// simengine.BenchEngineCounts).
func benchEngineCounts(b *testing.B) []int {
	counts, err := simengine.BenchEngineCounts()
	if err != nil {
		b.Fatal(err)
	}
	return counts
}

// simBenchContainers is how many containers each benchmark engine holds.
const simBenchContainers = 30

// newBenchCluster returns a cluster over n in-process simulated engines of
// 30 containers each, refreshed once an hour, and a function that stops
// everything.
func newBenchCluster(b *testing.B, n int) (*Cluster, simengine.Fleet, func()) {
	b.Helper()
	level := log.GetLevel()
	log.SetLevel(log.WarnLevel)
	defer log.SetLevel(level)
	nw := simengine.NewNetwork()
	fleet, err := nw.StartFleet(n, simengine.FleetConfig(simBenchContainers))
	if err != nil {
		b.Fatal(err)
	}
	sched, err := scheduler.New("spread", nil, scheduler.DefaultOptions())
	if err != nil {
		b.Fatal(err)
	}
	events := nw.Transport()
	events.DisableKeepAlives = true
	c := New(Options{
		Engine: EngineOptions{
			RefreshMin: time.Hour, RefreshMax: time.Hour, FailureRetry: 3,
			Transport: nw.Transport(), EventTransport: events,
		},
		Scheduler: sched,
	})
	stop := func() { c.stopAll(); fleet.Close() }
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	// Added in batches: thousands of simultaneous first refreshes on two
	// cores run past the 30s request timeout.
	addrs := fleet.Addrs()
	for lo := 0; lo < n; lo += 500 {
		hi := min(lo+500, n)
		for _, addr := range addrs[lo:hi] {
			if err := c.AddEngine(context.Background(), addr); err != nil {
				stop()
				b.Fatal(err)
			}
		}
		if err := c.WaitHealthy(ctx, hi); err != nil {
			stop()
			b.Fatal(err)
		}
	}
	for len(c.Containers()) < n*simBenchContainers {
		if ctx.Err() != nil {
			stop()
			b.Fatalf("%d containers cached, want %d", len(c.Containers()), n*simBenchContainers)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return c, fleet, stop
}

// BenchmarkClusterReads measures the cache lookups every API read and
// every proxied container call starts with, and the placement snapshot.
// Engines never see a request during the loop (engine-reqs/op is 0).
//
//	go test -run '^$' -bench ClusterReads -benchtime 100x ./cluster/
func BenchmarkClusterReads(b *testing.B) {
	for _, n := range benchEngineCounts(b) {
		c, fleet, stop := newBenchCluster(b, n)
		mid := fleet[n/2]
		ids := mid.ContainerIDs()
		reads := []struct {
			name string
			run  func(b *testing.B)
		}{
			{"lookup-id", func(b *testing.B) {
				if _, err := c.Container(ids[0]); err != nil {
					b.Fatal(err)
				}
			}},
			{"lookup-prefix", func(b *testing.B) {
				if _, err := c.Container(ids[0][:12]); err != nil {
					b.Fatal(err)
				}
			}},
			{"lookup-node-name", func(b *testing.B) {
				if _, err := c.Container(mid.Name() + "/c-3"); err != nil {
					b.Fatal(err)
				}
			}},
			{"containers", func(b *testing.B) {
				if got := len(c.Containers()); got != n*simBenchContainers {
					b.Fatalf("%d containers", got)
				}
			}},
			{"reserve-release", func(b *testing.B) {
				e, p, err := c.reserve(&node.Request{Image: "busybox", Memory: 64 << 20}, nil)
				if err != nil {
					b.Fatal(err)
				}
				c.release(e, p)
			}},
		}
		for _, r := range reads {
			b.Run(fmt.Sprintf("%s/engines=%d", r.name, n), func(b *testing.B) {
				before := fleet.Requests()
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					r.run(b)
				}
				b.StopTimer()
				reqs := fleet.Requests() - before
				b.ReportMetric(float64(reqs)/float64(b.N), "engine-reqs/op")
				if reqs != 0 {
					b.Fatalf("%d requests reached the engines", reqs)
				}
			})
		}
		stop()
	}
}
