package cli

import (
	"context"
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

func TestTuneGC(t *testing.T) {
	t.Setenv("GOGC", "")
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	c := cluster.New(cluster.Options{StartupWait: 300 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tuneGC(ctx, c)
	if got := gcPercent(); got != startupGCPercent {
		t.Fatalf("GOGC %d while the manager starts, want %d", got, startupGCPercent)
	}
	deadline := time.Now().Add(10 * time.Second)
	for gcPercent() != managerGCPercent {
		if time.Now().After(deadline) {
			t.Fatalf("GOGC %d after the start, want %d", gcPercent(), managerGCPercent)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if starting, _ := c.Starting(); starting {
		t.Fatal("the target changed before the manager started")
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
