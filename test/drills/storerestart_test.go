//go:build drills

package drills_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/swarm-project/swarm/test/harness"
)

// TestDrillStoreRestart: 3 engines join an etcd discovery (swarm join,
// 1s heartbeat, 3s TTL) and a manager follows it (1s heartbeat). The
// store is stopped and started again while the drill asks the manager
// for /info every 250ms, through the outage and 20s past it (more than
// six TTLs): every answer must list the 3 engines, all Healthy.
func TestDrillStoreRestart(t *testing.T) {
	ctx := drillContext(t, 5*time.Minute)
	addr := harness.NeedStore(t, "etcd")
	engs, err := harness.StartEngines(3, nil)
	t.Cleanup(func() { harness.StopEngines(engs) })
	if err != nil {
		t.Fatal(err)
	}
	url := fmt.Sprintf("etcd://%s/drills/%d", addr, time.Now().UnixNano())
	var joiners []*harness.Process
	for _, e := range engs {
		p, err := harness.StartProcess("join-"+e.Name, bin, "join", "--advertise", e.Addr, "--heartbeat", "1s", "--ttl", "3s", url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = p.Stop() })
		joiners = append(joiners, p)
	}
	args := append(append([]string(nil), harness.FastRefresh...), "--heartbeat", "1s", url)
	m, err := harness.StartManager(bin, args...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("manager log:\n%s", m.Log())
		}
		_ = m.Stop()
	})
	waitHealthy(t, ctx, m, len(engs))

	a := newAPI(m.Addr)
	pctx, stopPoll := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var samples, bad, failed int
	var firstBad string
	wg.Add(1)
	go func() {
		defer wg.Done()
		for pctx.Err() == nil {
			nodes, err := infoNodes(pctx, a)
			if pctx.Err() != nil {
				return
			}
			samples++
			switch {
			case err != nil:
				failed++
				if firstBad == "" {
					firstBad = err.Error()
				}
			case !allHealthy(nodes, len(engs)):
				bad++
				if firstBad == "" {
					firstBad = fmt.Sprintf("%+v", nodes)
				}
			}
			time.Sleep(250 * time.Millisecond)
		}
	}()
	time.Sleep(2 * time.Second)
	t0 := time.Now()
	harness.RestartStore(t, "etcd")
	outage := time.Since(t0)
	time.Sleep(20 * time.Second)
	stopPoll()
	wg.Wait()

	t.Logf("etcd restart took %.2fs; %d /info samples every 250ms from 2s before to 20s after: %d not showing %d Healthy engines, %d failed",
		outage.Seconds(), samples, bad, len(engs), failed)
	if bad > 0 || failed > 0 {
		t.Errorf("engines flapped during the store restart: %d bad samples, %d failed requests; first: %s", bad, failed, firstBad)
	}
	if samples < 40 {
		t.Errorf("only %d samples: the drill did not watch the outage", samples)
	}
	// Keeping the engines proves nothing if the manager's watch froze on
	// its last snapshot: the joiner of the last engine stops now, and the
	// manager must drop that engine once its registration expires.
	if err := joiners[len(joiners)-1].Stop(); err != nil {
		t.Fatal(err)
	}
	t1 := time.Now()
	for {
		nodes, err := infoNodes(ctx, a)
		if err == nil && len(nodes) == len(engs)-1 {
			break
		}
		if ctx.Err() != nil || time.Since(t1) > time.Minute {
			t.Fatalf("the manager still lists %d nodes a minute after a joiner stopped (after the store restart): %v", len(nodes), err)
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Logf("after the restart, a stopped joiner (it deregisters) took its engine off the manager's list within %.2fs", time.Since(t1).Seconds())
}

// infoNodes is the node blocks of the manager's /info.
func infoNodes(ctx context.Context, a *api) ([]harness.SwarmNode, error) {
	var info struct {
		SystemStatus [][2]string
	}
	code, body, err := a.do(ctx, "GET", "/info", "", nil)
	if err != nil {
		return nil, err
	}
	if code != 200 {
		return nil, fmt.Errorf("/info: %d %s", code, body)
	}
	if err := json.Unmarshal(body, &info); err != nil {
		return nil, err
	}
	return harness.ParseSystemStatus(info.SystemStatus).Nodes, nil
}

// allHealthy reports whether nodes are n nodes, every one Healthy.
func allHealthy(nodes []harness.SwarmNode, n int) bool {
	if len(nodes) != n {
		return false
	}
	for _, nd := range nodes {
		if nd.Fields["Status"] != "Healthy" {
			return false
		}
	}
	return true
}
