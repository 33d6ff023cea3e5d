//go:build drills

package drills_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/swarm-project/swarm/test/harness"
)

// TestDrillEngineKill: 100 `docker run -d` in parallel through the manager
// over 3 engines; one engine is killed -9 once a quarter of the runs have
// answered, and started again after the last run has answered. Then every
// run that printed an ID exists exactly once (0 lost), no two containers
// share a name or an ID (0 duplicated), and the containers created but
// never started (orphans) are counted and listed.
func TestDrillEngineKill(t *testing.T) {
	ctx := drillContext(t, 10*time.Minute)
	c := startCluster(t, 3)
	m, victim := c.Manager, c.Engines[1]

	const runs = 100
	type result struct {
		name, id, stderr string
		err              error
		took             time.Duration
	}
	results := make([]result, runs)
	var answered atomic.Int32
	var firstAnswer atomic.Int64 // nanoseconds from start
	var wg sync.WaitGroup
	start := time.Now()
	for i := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if answered.Add(1) == 1 {
					firstAnswer.Store(int64(time.Since(start)))
				}
			}()
			name := fmt.Sprintf("drill-kill-%03d", i)
			rctx, cancel := context.WithTimeout(ctx, 4*time.Minute)
			defer cancel()
			out, stderr, err := harness.DockerContext(rctx, m.Addr, "", "run", "-d", "--stop-timeout", "1", "--name", name, "busybox", "sleep", "600")
			results[i] = result{name: name, id: strings.TrimSpace(out), stderr: strings.TrimSpace(stderr), err: err, took: time.Since(start)}
		}()
	}
	for answered.Load() < runs/4 && ctx.Err() == nil {
		time.Sleep(10 * time.Millisecond)
	}
	atKill := answered.Load()
	killStart := time.Since(start)
	if err := victim.Kill(); err != nil {
		t.Fatal(err)
	}
	killedAt := time.Since(start)
	wg.Wait()
	allAnswered := time.Since(start)
	if err := victim.Start(); err != nil {
		t.Fatal(err)
	}
	waitHealthy(t, ctx, m, len(c.Engines))
	back := time.Since(start)

	// The manager's view settles at its next refresh of the victim: wait
	// until its ps -a lists what the engines hold.
	a := newAPI(m.Addr)
	var ps map[string]psEntry
	var truth map[string]string
	settle := time.Now()
	for {
		var err error
		if ps, err = a.psAll(ctx); err != nil {
			t.Fatal(err)
		}
		truth = engineTruth(t, c.Engines)
		if sameIDs(ps, truth) || ctx.Err() != nil || time.Since(settle) > time.Minute {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if !sameIDs(ps, truth) {
		t.Errorf("the manager's ps -a (%d) never matched the engines (%d): %s", len(ps), len(truth), idDiff(ps, truth))
	}

	var took []time.Duration
	for _, r := range results {
		took = append(took, r.took)
	}
	t.Logf("time from the start to each run's answer: p50 %.1fs, p90 %.1fs, max %.1fs",
		percentile(took, 50).Seconds(), percentile(took, 90).Seconds(), percentile(took, 100).Seconds())
	var ok, failed, lost int
	var failures []string
	for _, r := range results {
		if r.err != nil {
			failed++
			failures = append(failures, r.name+": "+r.stderr)
			continue
		}
		ok++
		e, found := ps[r.id]
		switch {
		case !found:
			lost++
			t.Errorf("run %s answered %s but the manager does not list it", r.name, r.id)
		case e.name() != r.name:
			t.Errorf("run %s answered %s, which the manager lists as %q", r.name, r.id, e.name())
		}
		if _, found := truth[r.id]; !found {
			t.Errorf("run %s answered %s but no engine holds it", r.name, r.id)
		}
	}
	if dups := duplicateNames(ps); len(dups) > 0 {
		t.Errorf("duplicated names in ps -a: %v", dups)
	}
	if dups := truthDuplicateNames(truth); len(dups) > 0 {
		t.Errorf("duplicated names on the engines: %v", dups)
	}
	var orphans []string
	states := map[string]int{}
	for _, e := range ps {
		states[e.State]++
		if e.State == "created" {
			orphans = append(orphans, e.name())
		}
	}
	sort.Strings(orphans)
	sort.Strings(failures)
	failedNames := map[string]bool{}
	for _, r := range results {
		if r.err != nil {
			failedNames[r.name] = true
		}
	}
	orphansOfFailed := 0
	for _, o := range orphans {
		if failedNames[o] {
			orphansOfFailed++
		}
	}
	t.Logf("%d runs: %d answered an ID, %d failed; first answer after %.1fs; kill -9 of %s after %d answers (from %.1fs, its script done at %.1fs); all answered after %.1fs; engine back and Healthy after %.1fs",
		runs, ok, failed, time.Duration(firstAnswer.Load()).Seconds(), victim.Name, atKill, killStart.Seconds(), killedAt.Seconds(), allAnswered.Seconds(), back.Seconds())
	t.Logf("containers: %d in ps -a, %d on the engines, states %v; lost %d, duplicated names %d; orphans (created, never started) %d, %d of them of failed runs: %v",
		len(ps), len(truth), states, lost, len(duplicateNames(ps)), len(orphans), orphansOfFailed, orphans)
	for i, f := range failures {
		if i == 5 {
			t.Logf("... and %d more failures", len(failures)-5)
			break
		}
		t.Logf("failed run %s", f)
	}
	if lost != 0 {
		t.Errorf("%d runs lost", lost)
	}
	if ok+failed != runs {
		t.Errorf("%d runs answered, want %d", ok+failed, runs)
	}
}

// sameIDs reports whether ps lists exactly the containers of truth.
func sameIDs(ps map[string]psEntry, truth map[string]string) bool {
	if len(ps) != len(truth) {
		return false
	}
	for id := range truth {
		if _, ok := ps[id]; !ok {
			return false
		}
	}
	return true
}

// idDiff lists what only one side of sameIDs has.
func idDiff(ps map[string]psEntry, truth map[string]string) string {
	var onlyPS, onlyEngines []string
	for id, e := range ps {
		if _, ok := truth[id]; !ok {
			onlyPS = append(onlyPS, e.name())
		}
	}
	for id, n := range truth {
		if _, ok := ps[id]; !ok {
			onlyEngines = append(onlyEngines, n)
		}
	}
	sort.Strings(onlyPS)
	sort.Strings(onlyEngines)
	return fmt.Sprintf("only in ps -a %v, only on the engines %v", onlyPS, onlyEngines)
}

// truthDuplicateNames returns the names engineTruth finds more than once.
func truthDuplicateNames(truth map[string]string) []string {
	count := map[string]int{}
	for _, nodeName := range truth {
		_, name, _ := strings.Cut(nodeName, "/")
		count[name]++
	}
	var dups []string
	for n, c := range count {
		if c > 1 {
			dups = append(dups, n)
		}
	}
	sort.Strings(dups)
	return dups
}
