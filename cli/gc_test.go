package cli

import (
	"context"
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/swarm-project/swarm/cluster"
)

// gcPercent reads the collector's target without changing it.
func gcPercent() int {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return int(s[0].Value.Uint64())
}

// memoryLimit reads the memory limit without changing it.
func memoryLimit() int64 { return debug.SetMemoryLimit(-1) }

func TestTuneGC(t *testing.T) {
	t.Setenv("GOGC", "")
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	c := cluster.New(cluster.Options{StartupWait: 300 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tuneGC(ctx, c)
	if got := gcPercent(); got != startupGCPercent {
		t.Fatalf("GOGC %d while the manager starts, want %d", got, startupGCPercent)
	}
	waitFor(t, "GOGC off once started", func() bool { return gcPercent() < 0 && memoryLimit() < math.MaxInt64 })
	if starting, _ := c.Starting(); starting {
		t.Fatal("the target changed before the manager started")
	}
	cancel()
	waitFor(t, "GOGC back when the manager ends", func() bool {
		return gcPercent() == managerGCPercent && memoryLimit() == math.MaxInt64
	})
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: GOGC %d, limit %d after 10 s", what, gcPercent(), memoryLimit())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestGCPacerFollowsLiveHeap keeps 64 MiB alive, then lets it go: after
// each collection the limit leaves the live heap room to grow by half,
// and no more.
func TestGCPacerFollowsLiveHeap(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	p := startGCPacer(50)
	defer p.stop()
	if gcPercent() >= 0 {
		t.Fatalf("GOGC %d while paced, want off", gcPercent())
	}
	const big = 64 << 20
	held := make([]byte, big)
	for i := range held {
		held[i] = 1
	}
	collect := func() int64 {
		n := p.paced.Load()
		runtime.GC()
		waitFor(t, "a paced collection", func() bool { return p.paced.Load() > n })
		return memoryLimit()
	}
	with := collect()
	if with < big*3/2 {
		t.Fatalf("limit %d MiB with 64 MiB live, want at least 96", with>>20)
	}
	runtime.KeepAlive(held)
	held = nil
	without := collect()
	if without > with-big*3/2+8<<20 {
		t.Fatalf("limit %d MiB after 64 MiB were freed, was %d MiB", without>>20, with>>20)
	}
	p.stop()
	if gcPercent() != 50 || memoryLimit() != math.MaxInt64 {
		t.Fatalf("after stop: GOGC %d, limit %d; want 50 and no limit", gcPercent(), memoryLimit())
	}
}

func TestGCLimit(t *testing.T) {
	for _, tc := range []struct {
		live, other uint64
		percent     int
		want        int64
	}{
		{live: 0, other: 0, percent: 50, want: gcMinGrowth * 100 / 97},
		{live: 970 << 20, other: 30 << 20, percent: 50, want: 30<<20 + 1500<<20},
		{live: 97 << 20, other: 0, percent: 100, want: 200 << 20},
		{live: math.MaxUint64 / 2, other: math.MaxUint64 / 2, percent: 50, want: math.MaxInt64},
	} {
		if got := gcLimit(tc.live, tc.other, tc.percent); got != tc.want {
			t.Errorf("gcLimit(%d, %d, %d) = %d, want %d", tc.live, tc.other, tc.percent, got, tc.want)
		}
	}
}

func TestTuneGCLeavesGOGC(t *testing.T) {
	t.Setenv("GOGC", "80")
	defer debug.SetGCPercent(debug.SetGCPercent(80))
	tuneGC(context.Background(), cluster.New(cluster.Options{}))
	time.Sleep(20 * time.Millisecond)
	if got := gcPercent(); got != 80 {
		t.Fatalf("GOGC %d with GOGC=80 set, want 80", got)
	}
}
