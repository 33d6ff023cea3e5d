package api

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
	log "github.com/sirupsen/logrus"

	"github.com/swarm-project/swarm/cluster"
	"github.com/swarm-project/swarm/cluster/engine"
	"github.com/swarm-project/swarm/scheduler"
	"github.com/swarm-project/swarm/test/simengine"
)

// benchContainers is how many containers each simulated engine holds.
const benchContainers = 30

// benchBatch is how many engines the benchmark setup adds at a time:
// $SWARM_BENCH_BATCH, default 500.
func benchBatch(b *testing.B) int {
	v := os.Getenv("SWARM_BENCH_BATCH")
	if v == "" {
		return 500
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		b.Fatalf("SWARM_BENCH_BATCH=%q: want a positive number", v)
	}
	return n
}

// benchSizes are the engine counts the benchmarks run with (see
// simengine.BenchEngineCounts).
func benchSizes(b *testing.B) []int {
	counts, err := simengine.BenchEngineCounts()
	if err != nil {
		b.Fatal(err)
	}
	return counts
}

// benchFleet is a manager API over n in-process simulated engines.
type benchFleet struct {
	fleet  simengine.Fleet
	c      *cluster.Cluster
	api    *Server
	srv    *httptest.Server
	client *http.Client
	cancel context.CancelFunc
}

// newBenchFleet starts n engines on an in-process simengine.Network (no
// file descriptor per engine or connection), a cluster that refreshes them
// once an hour, so that only the requests under test could reach them, and
// the API on a loopback httptest server.
func newBenchFleet(b *testing.B, n int) *benchFleet {
	b.Helper()
	start := time.Now()
	level := log.GetLevel()
	log.SetLevel(log.WarnLevel) // ten thousand "engine added" lines
	defer log.SetLevel(level)
	nw := simengine.NewNetwork()
	fleet, err := nw.StartFleet(n, simengine.FleetConfig(benchContainers))
	if err != nil {
		b.Fatal(err)
	}
	sched, err := scheduler.New("spread", nil, scheduler.DefaultOptions())
	if err != nil {
		b.Fatal(err)
	}
	events := nw.Transport()
	events.DisableKeepAlives = true
	c := cluster.New(cluster.Options{
		Engine: cluster.EngineOptions{
			RefreshMin: time.Hour, RefreshMax: time.Hour, FailureRetry: 3,
			Transport: nw.Transport(), EventTransport: events,
		},
		Scheduler: sched,
	})
	ctx, cancel := context.WithCancel(context.Background())
	f := &benchFleet{fleet: fleet, c: c, cancel: cancel}
	wait, done := context.WithTimeout(ctx, 20*time.Minute)
	defer done()
	// Engines are added in batches: the cluster refreshes every new engine
	// at once, and thousands of simultaneous first refreshes on two cores
	// all run past the 30s request timeout (see docs/performance.md).
	addrs := fleet.Addrs()
	batch := benchBatch(b)
	for lo := 0; lo < n; lo += batch {
		hi := min(lo+batch, n)
		for _, addr := range addrs[lo:hi] {
			if err := c.AddEngine(ctx, addr); err != nil {
				f.close()
				b.Fatal(err)
			}
		}
		if err := c.WaitHealthy(wait, hi); err != nil {
			f.close()
			b.Fatalf("%d of %d engines healthy: %v", len(c.HealthyEngines()), hi, err)
		}
	}
	for len(c.Containers()) < n*benchContainers {
		if wait.Err() != nil {
			f.close()
			b.Fatalf("%d containers cached, want %d", len(c.Containers()), n*benchContainers)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Let the background inspections finish: they count as requests.
	for {
		unread := 0
		for _, e := range c.Engines() {
			unread += e.Unread()
		}
		if unread == 0 {
			break
		}
		if wait.Err() != nil {
			f.close()
			b.Fatalf("%d containers not inspected", unread)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Let the event streams connect: they count as requests.
	for {
		subs := 0
		for _, e := range fleet {
			subs += e.EventSubscribers()
		}
		if subs == n {
			break
		}
		if wait.Err() != nil {
			f.close()
			b.Fatalf("%d of %d event streams connected", subs, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
	f.api = NewServer(c, Options{Version: "bench"})
	f.srv = httptest.NewServer(f.api.Handler())
	f.client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	b.Logf("%d engines x %d containers ready in %s", n, benchContainers, time.Since(start).Round(time.Millisecond))
	return f
}

func (f *benchFleet) close() {
	if f.srv != nil {
		f.srv.Close()
	}
	for _, addr := range f.fleet.Addrs() {
		f.c.RemoveEngine(addr)
	}
	f.cancel()
	f.fleet.Close()
}

// get fetches path and returns the body size.
func (f *benchFleet) get(b *testing.B, path string) int {
	resp, err := f.client.Get(f.srv.URL + path)
	if err != nil {
		b.Fatal(err)
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("GET %s: %d, %v", path, resp.StatusCode, err)
	}
	return int(n)
}

// BenchmarkManagerReads measures GET /info, GET /containers/json and a
// container inspect answered by the manager from its cache, over n
// simulated engines of 30 containers each. engine-reqs/op counts the
// requests the engines received during the loop: it must be 0 (no round
// trip per engine), and the benchmark fails otherwise.
//
//	go test -run '^$' -bench ManagerReads -benchtime 20x ./api/
//	SWARM_BENCH_ENGINES=10000 go test -run '^$' -bench ManagerReads -benchtime 5x -timeout 30m ./api/
func BenchmarkManagerReads(b *testing.B) {
	for _, n := range benchSizes(b) {
		f := newBenchFleet(b, n)
		target := fmt.Sprintf("node-%d/c-%d", n/2+1, 2)
		reads := []struct{ name, path string }{
			{"info", "/v1.41/info"},
			{"ps", "/v1.41/containers/json"},
			{"ps-all", "/v1.41/containers/json?all=1"},
			{"ps-filter-node", `/v1.41/containers/json?all=1&filters={"node":["node-1"]}`},
			{"inspect", "/v1.41/containers/" + target + "/json"},
		}
		for _, r := range reads {
			b.Run(fmt.Sprintf("%s/engines=%d", r.name, n), func(b *testing.B) {
				size := f.get(b, r.path) // warm up the client connection
				b.SetBytes(int64(size))
				before := f.fleet.Requests()
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					f.get(b, r.path)
				}
				b.StopTimer()
				reqs := f.fleet.Requests() - before
				b.ReportMetric(float64(reqs)/float64(b.N), "engine-reqs/op")
				// Lists and info come from the cache; inspect is the
				// engine's own answer (the cache is compact).
				want := int64(0)
				if r.name == "inspect" {
					want = int64(b.N)
				}
				if int64(reqs) != want {
					b.Fatalf("%d requests reached the engines during %d reads, want %d", reqs, b.N, want)
				}
			})
		}
		f.close()
	}
}

// discardResponse is an http.ResponseWriter that counts and drops the body.
type discardResponse struct {
	h http.Header
	n int
}

func (d *discardResponse) Header() http.Header {
	if d.h == nil {
		d.h = http.Header{}
	}
	return d.h
}
func (d *discardResponse) WriteHeader(int)             {}
func (d *discardResponse) Write(b []byte) (int, error) { d.n += len(b); return len(b), nil }

// BenchmarkInfo measures the GET /info handler alone (no HTTP client or
// connection) over n simulated engines of 30 containers each:
//
//   - reference: the answer as it was built before the node sections were
//     cached (referenceInfo: every engine walked and every row encoded);
//
//   - cached: nothing changed since the previous answer;
//
//   - one-changed: one engine's cache changed (a container forgotten)
//     before each answer, so that its section is built again.
//
//     SWARM_BENCH_ENGINES=1000 go test -run '^$' -bench 'Info$' -benchtime 50x ./api/
//     SWARM_BENCH_ENGINES=10000 go test -run '^$' -bench 'Info$' -benchtime 20x -timeout 60m ./api/
func BenchmarkInfo(b *testing.B) {
	for _, n := range benchSizes(b) {
		f := newBenchFleet(b, n)
		engines := f.c.Engines()
		req := httptest.NewRequest("GET", "/v1.41/info", nil)
		variants := []struct {
			name string
			run  func(i int, w http.ResponseWriter)
		}{
			{"reference", func(_ int, w http.ResponseWriter) { referenceInfo(f.api, w, time.Now()) }},
			{"cached", func(_ int, w http.ResponseWriter) {
				if err := f.api.info(w, req); err != nil {
					b.Fatal(err)
				}
			}},
			{"one-changed", func(i int, w http.ResponseWriter) {
				e := engines[i%len(engines)]
				if cs := e.Containers(); len(cs) > 0 {
					e.Forget(cs[0].ID())
				}
				if err := f.api.info(w, req); err != nil {
					b.Fatal(err)
				}
			}},
		}
		for _, v := range variants {
			b.Run(fmt.Sprintf("%s/engines=%d", v.name, n), func(b *testing.B) {
				w := &discardResponse{}
				v.run(0, w) // builds every section the first time
				b.SetBytes(int64(w.n))
				runtime.GC() // the fleet's setup left garbage behind
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					v.run(i+1, &discardResponse{})
				}
			})
		}
		f.close()
	}
}

// BenchmarkInfoFixtures is BenchmarkInfo over engines built in memory
// (engine.NewFixture: 30 containers each, half running, 64 MiB reserved
// each), without simulated engines or a cluster: the same handler work
// with a heap of a few hundred MB instead of the 10+ GB of a fleet of
// 10,000 simulated engines, whose garbage collection otherwise runs during
// the timed loop. The fixtures report no version, update time, CPUs or
// memory, so their rows are a little shorter. Every 100th node is drained
// and labelled by the manager.
//
//	SWARM_BENCH_ENGINES=1000,10000 go test -run '^$' -bench 'InfoFixtures' -benchtime 20x ./api/
func BenchmarkInfoFixtures(b *testing.B) {
	for _, n := range benchSizes(b) {
		f := &infoFixture{metas: map[*engine.Engine]engine.NodeMeta{}}
		for i := 0; i < n; i++ {
			name := fmt.Sprintf("node-%05d", i+1)
			cs := make([]container.InspectResponse, benchContainers)
			for j := range cs {
				cs[j] = fixtureContainer(fmt.Sprintf("%05x%02x", i, j), j%2 == 0)
			}
			e := engine.NewFixture(engine.Fixture{Addr: fmt.Sprintf("10.%d.%d.%d:2375", i>>16, (i>>8)&255, i&255), Name: name,
				ID: "ID-" + name, Health: engine.Healthy, Labels: map[string]string{"node": name, "rack": fmt.Sprint(i % 4)},
				Containers: cs, Images: []image.Summary{{ID: "sha256:busybox"}}})
			f.engines = append(f.engines, e)
			if i%100 == 0 {
				f.metas[e] = engine.NodeMeta{Spec: engine.NodeSpec{Availability: engine.AvailabilityDrain, Labels: map[string]string{"zone": "eu"}}}
			}
		}
		s := &Server{summary: f, nodes: f, streams: newStreamSet()}
		req := httptest.NewRequest("GET", "/v1.41/info", nil)
		variants := []struct {
			name string
			run  func(i int, w http.ResponseWriter)
		}{
			{"reference", func(_ int, w http.ResponseWriter) { referenceInfo(s, w, time.Now()) }},
			{"cached", func(_ int, w http.ResponseWriter) {
				if err := s.info(w, req); err != nil {
					b.Fatal(err)
				}
			}},
			{"one-changed", func(i int, w http.ResponseWriter) {
				e := f.engines[i%len(f.engines)]
				if cs := e.Containers(); len(cs) > 0 {
					e.Forget(cs[0].ID())
				}
				if err := s.info(w, req); err != nil {
					b.Fatal(err)
				}
			}},
		}
		for _, v := range variants {
			b.Run(fmt.Sprintf("%s/engines=%d", v.name, n), func(b *testing.B) {
				w := &discardResponse{}
				v.run(0, w)
				b.SetBytes(int64(w.n))
				runtime.GC()
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					v.run(i+1, &discardResponse{})
				}
			})
		}
	}
}
