package cluster

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"

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

// BenchmarkParallelRuns measures what `docker run -d` asks of the cluster
// (a named create, then the start's re-read of the container) from 8
// clients at once: containers per second of wall time and the p99 of one
// run. The engines answer in microseconds, so the figures are the
// manager's own cost and what serialises it.
//
//	SWARM_BENCH_ENGINES=1000,10000 go test -run '^$' -bench ParallelRuns -benchtime 2000x ./cluster/
func BenchmarkParallelRuns(b *testing.B) {
	const clients = 8
	for _, n := range benchEngineCounts(b) {
		c, _, stop := newBenchCluster(b, n)
		// The first decision builds every engine's view; not measured.
		if e, p, err := c.reserve(&node.Request{Image: "busybox"}, nil); err != nil {
			stop()
			b.Fatal(err)
		} else {
			c.release(e, p)
		}
		var named atomic.Int64 // names stay unique across b.Run's rounds
		b.Run(fmt.Sprintf("clients=%d/engines=%d", clients, n), func(b *testing.B) {
			var next atomic.Int64
			retakes := c.index.retakes.Load()
			lat := make([]time.Duration, b.N)
			errs := make(chan error, clients)
			var wg sync.WaitGroup
			b.ResetTimer()
			start := time.Now()
			for w := 0; w < clients; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					ctx := context.Background()
					for {
						i := int(next.Add(1)) - 1
						if i >= b.N {
							return
						}
						t0 := time.Now()
						req := CreateRequest{
							Name:       fmt.Sprintf("run-%d", named.Add(1)),
							Config:     &container.Config{Image: "busybox"},
							HostConfig: &container.HostConfig{},
						}
						resp, e, err := c.CreateContainer(ctx, req)
						if err == nil {
							err = e.Client().ContainerStart(ctx, resp.ID, container.StartOptions{})
						}
						if err != nil {
							errs <- err
							return
						}
						if ct := e.Lookup(resp.ID); ct != nil {
							c.ContainerChanged(ctx, ct)
						}
						lat[i] = time.Since(t0)
					}
				}()
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			select {
			case err := <-errs:
				b.Fatal(err)
			default:
			}
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "runs/s")
			b.ReportMetric(float64(lat[(len(lat)*99)/100].Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(c.index.retakes.Load()-retakes)/float64(b.N), "retakes/op")
		})
		stop()
	}
}
