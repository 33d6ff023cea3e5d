//go:build drills

package drills_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/swarm-project/swarm/test/harness"
)

// inspectSummary is what the drill compares of one inspect answer.
type inspectSummary struct {
	ID      string `json:"Id"`
	Name    string `json:"Name"`
	Created string `json:"Created"`
	Config  struct {
		Image string `json:"Image"`
	} `json:"Config"`
	State struct {
		Status string `json:"Status"`
	} `json:"State"`
	Node struct {
		Name string `json:"Name"`
	} `json:"Node"`
}

// createBody is a container that sleeps (started or not).
var createBody = []byte(`{"Image":"busybox","Cmd":["sleep","600"],"HostConfig":{}}`)

// TestDrillManagerKill: 15 containers made through the manager; then a
// workload (4 clients creating containers, 2 listing them) runs while the
// manager is killed -9, and a new manager starts over the same engines.
// Right after its start, creates that reuse names of existing containers
// (one per engine) must never answer 201 (409, or 503 while it starts,
// retried). Once it has settled, its ps -a is exactly what the engines
// hold, every container seen before has the same ps and inspect answer,
// every create that answered 201 exists once, and no name is duplicated.
func TestDrillManagerKill(t *testing.T) {
	ctx := drillContext(t, 10*time.Minute)
	c := startCluster(t, 3)
	a := newAPI(c.Manager.Addr)

	for i := range 15 {
		id := create(t, ctx, a, fmt.Sprintf("drill-mk-pre-%02d", i))
		if i%2 == 0 {
			if code, body, err := a.doRetry(ctx, http.MethodPost, "/containers/"+id+"/start", nil); err != nil || code != http.StatusNoContent {
				t.Fatalf("start %s: %d %s %v", id, code, body, err)
			}
		}
	}
	before, err := a.psAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	beforeInspect := inspectAll(t, ctx, a, before)
	// One existing name per engine, for the duplicate probe after the restart.
	probeNames := map[string]string{} // node -> name
	for _, s := range beforeInspect {
		if _, ok := probeNames[s.Node.Name]; !ok {
			probeNames[s.Node.Name] = s.Name[1:]
		}
	}

	// The workload.
	wctx, stopWorkload := context.WithCancel(ctx)
	var mu sync.Mutex // guards created, createErrs, psOK
	created := map[string]string{}
	var createErrs, psOK int
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			wa := newAPI(c.Manager.Addr)
			for i := 0; wctx.Err() == nil; i++ {
				name := fmt.Sprintf("drill-mk-w%d-%03d", g, i)
				code, body, err := wa.do(wctx, http.MethodPost, "/containers/create?name="+name, "application/json", bytesReader(createBody))
				mu.Lock()
				if err == nil && code == http.StatusCreated {
					var r struct {
						ID string `json:"Id"`
					}
					if json.Unmarshal(body, &r) == nil {
						created[r.ID] = name
					}
				} else if wctx.Err() == nil {
					createErrs++
				}
				mu.Unlock()
				if err != nil {
					time.Sleep(50 * time.Millisecond)
				}
			}
		}()
	}
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			wa := newAPI(c.Manager.Addr)
			for wctx.Err() == nil {
				code, _, err := wa.do(wctx, http.MethodGet, "/containers/json?all=1", "", nil)
				if err == nil && code == http.StatusOK {
					mu.Lock()
					psOK++
					mu.Unlock()
				} else {
					time.Sleep(50 * time.Millisecond)
				}
			}
		}()
	}
	time.Sleep(4 * time.Second)
	if err := c.Manager.Kill(); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	time.Sleep(500 * time.Millisecond) // in-flight requests fail
	stopWorkload()
	wg.Wait()
	mu.Lock()
	t.Logf("workload: %d creates answered 201 before the kill, %d failed (in flight at the kill or after), %d ps answered 200", len(created), createErrs, psOK)
	mu.Unlock()

	// A new manager over the same engines.
	args := append(append([]string(nil), harness.FastRefresh...), harness.NodesURL(c.Engines))
	m2, err := harness.StartManager(c.Bin, args...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("new manager's log:\n%s", m2.Log())
		}
		_ = m2.Stop()
	})
	up := time.Since(killed)
	a2 := newAPI(m2.Addr)
	// The duplicate probe, at once: every engine may still be unreached.
	// The first answer (after 503s, which mean "still starting") must be
	// 409; a wrong answer is logged with how long such answers lasted, and
	// a 201 is a duplicate name.
	probeDups := map[string]string{} // ID -> name of probes answered 201; guarded by mu
	var probe sync.WaitGroup
	for node, name := range probeNames {
		probe.Add(1)
		go func() {
			defer probe.Done()
			path := "/containers/create?name=" + name
			sent := time.Now()
			code, body, err := a2.doRetry(ctx, http.MethodPost, path, createBody)
			if err != nil {
				t.Errorf("create %s (lives on %s) right after the restart: %v", name, node, err)
				return
			}
			if code == http.StatusConflict {
				t.Logf("create of existing %s (on %s) right after the restart: %d after %.2fs", name, node, code, time.Since(sent).Seconds())
				return
			}
			t.Errorf("create %s (lives on %s) right after the restart: %d %s, want 409", name, node, code, bytes.TrimSpace(body))
			t0 := time.Now()
			wrong := 1
			for code != http.StatusConflict && code != http.StatusCreated && time.Since(t0) < 30*time.Second {
				time.Sleep(50 * time.Millisecond)
				if code, body, err = a2.doRetry(ctx, http.MethodPost, path, createBody); err != nil {
					t.Errorf("create %s: %v", name, err)
					return
				}
				wrong++
			}
			t.Logf("create %s: %d wrong answers for %.2fs, then %d %s", name, wrong-1, time.Since(t0).Seconds(), code, bytes.TrimSpace(body))
			if code == http.StatusCreated {
				t.Errorf("create %s answered 201 after the restart: a duplicate name", name)
				var r struct {
					ID string `json:"Id"`
				}
				if json.Unmarshal(body, &r) == nil {
					mu.Lock()
					probeDups[r.ID] = name
					mu.Unlock()
				}
			}
		}()
	}
	probe.Wait()
	waitHealthy(t, ctx, m2, len(c.Engines))
	healthy := time.Since(killed)

	// Settled: compare.
	after, err := a2.psAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	truth := engineTruth(t, c.Engines)
	if !sameIDs(after, truth) {
		t.Errorf("new manager's ps -a (%d) differs from the engines (%d): %s", len(after), len(truth), idDiff(after, truth))
	}
	for id, e := range before {
		got, ok := after[id]
		if !ok {
			t.Errorf("%s (%s) was listed before the kill and is not after", e.name(), id)
			continue
		}
		if got.name() != e.name() || got.Image != e.Image || got.State != e.State {
			t.Errorf("ps -a of %s: before %+v, after %+v", id, e, got)
		}
	}
	afterInspect := inspectAll(t, ctx, a2, before)
	for id, s := range beforeInspect {
		if afterInspect[id] != s {
			t.Errorf("inspect %s: before %+v, after %+v", id, s, afterInspect[id])
		}
	}
	mu.Lock()
	for id, name := range created {
		if e, ok := after[id]; !ok || e.name() != name {
			t.Errorf("create %s answered 201 %s, after the restart: %+v (listed %v)", name, id, e, ok)
		}
	}
	mu.Unlock()
	if dups := duplicateNames(after); len(dups) > 0 {
		t.Errorf("duplicated names after the restart: %v", dups)
	}
	if dups := truthDuplicateNames(truth); len(dups) > 0 {
		t.Errorf("duplicated names on the engines: %v", dups)
	}
	// Creates the engines carried out whose 201 the kill swallowed.
	var unanswered []string
	mu.Lock()
	for id, e := range after {
		if _, ok := before[id]; !ok {
			if _, ok := created[id]; !ok && probeDups[id] == "" {
				unanswered = append(unanswered, e.name())
			}
		}
	}
	mu.Unlock()
	sort.Strings(unanswered)
	t.Logf("new manager: /_ping 200 %.2fs after the kill, all Healthy after %.2fs; %d containers before the workload, %d after (engines: %d); %d inspect answers compared; %d created without an answer (in flight at the kill): %v",
		up.Seconds(), healthy.Seconds(), len(before), len(after), len(truth), len(beforeInspect), len(unanswered), unanswered)
}

// create makes a sleeping busybox container through the manager and
// returns its ID.
func create(t *testing.T, ctx context.Context, a *api, name string) string {
	t.Helper()
	code, body, err := a.doRetry(ctx, http.MethodPost, "/containers/create?name="+name, createBody)
	if err != nil || code != http.StatusCreated {
		t.Fatalf("create %s: %d %s %v", name, code, body, err)
	}
	var r struct {
		ID string `json:"Id"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatal(err)
	}
	return r.ID
}

// inspectAll inspects every container of ps by ID.
func inspectAll(t *testing.T, ctx context.Context, a *api, ps map[string]psEntry) map[string]inspectSummary {
	t.Helper()
	out := make(map[string]inspectSummary, len(ps))
	for id := range ps {
		var s inspectSummary
		if err := a.getJSON(ctx, "/containers/"+id+"/json", &s); err != nil {
			t.Fatalf("inspect %s: %v", id, err)
		}
		out[id] = s
	}
	return out
}
