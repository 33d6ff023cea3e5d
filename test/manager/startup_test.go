package manager_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/swarm-project/swarm/test/harness"
)

// TestStartupHoldsUntilEveryEngineAnswered is issue 16's first defect, with
// real engines: engine A holds a container "keep"; A's dockerd hangs
// (SIGSTOP) while the manager restarts. A create of "keep" sent at once
// must not land on B (which would make two containers of that name once A
// is back), and a ps or an inspect must not answer a silently partial 200:
// they get a 503 that says the manager is starting and which engine it
// waits for. Once A answers, there is one "keep", and a create of that
// name is a conflict.
func TestStartupHoldsUntilEveryEngineAnswered(t *testing.T) {
	engs, err := harness.StartEngines(2, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { harness.StopEngines(engs) })
	a, b := engs[0], engs[1]
	bin, err := harness.BuildSwarm()
	if err != nil {
		t.Fatal(err)
	}
	args := append(append([]string(nil), harness.FastRefresh...), "--startup-wait", "60s", harness.NodesURL(engs))

	// The first manager creates keep on A, then stops.
	m1, err := harness.StartManager(bin, args...)
	if err != nil {
		t.Fatal(err)
	}
	if out, stderr, err := harness.Docker(m1.Addr, "create", "--name", "keep", "-e", "constraint:node=="+a.Name, "busybox"); err != nil {
		_ = m1.Stop()
		t.Fatalf("create keep on %s: %v\n%s%s", a.Name, err, out, stderr)
	}
	if err := m1.Stop(); err != nil {
		t.Fatal(err)
	}

	// A hangs; a new manager starts.
	if err := a.Pause(); err != nil {
		t.Fatal(err)
	}
	resumed := false
	t.Cleanup(func() {
		if !resumed {
			_ = a.Resume() // before StopEngines, which waits for dockerd to exit
		}
	})
	m2, err := harness.StartManager(bin, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = m2.Stop() }()
	base := "http://" + m2.Addr + "/v1.41"

	type answer struct {
		status int
		body   string
		took   time.Duration
	}
	requests := []struct {
		name, method, path, body string
		wantStatus               int
		wantBody                 []string
	}{
		{name: "create keep", method: "POST", path: "/containers/create?name=keep", body: `{"Image":"busybox"}`,
			wantStatus: 503, wantBody: []string{"the manager is still starting", "1 of 2 engines has not answered yet", a.Addr, "try again in a few seconds"}},
		{name: "ps -a", method: "GET", path: "/containers/json?all=1", wantStatus: 503, wantBody: []string{"the manager is still starting", a.Addr}},
		{name: "inspect keep", method: "GET", path: "/containers/keep/json", wantStatus: 503, wantBody: []string{"the manager is still starting"}},
		{name: "info", method: "GET", path: "/info", wantStatus: 200, wantBody: []string{`"Startup","the manager is still starting`}},
		{name: "ping", method: "GET", path: "/_ping", wantStatus: 200, wantBody: []string{"OK"}},
	}
	answers := make([]answer, len(requests))
	var wg sync.WaitGroup
	for i, rq := range requests {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, err := http.NewRequest(rq.method, base+rq.path, strings.NewReader(rq.body))
			if err != nil {
				answers[i] = answer{body: err.Error()}
				return
			}
			if rq.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			start := time.Now()
			resp, err := (&http.Client{Timeout: time.Minute}).Do(req)
			if err != nil {
				answers[i] = answer{body: err.Error(), took: time.Since(start)}
				return
			}
			defer resp.Body.Close()
			data, _ := io.ReadAll(resp.Body)
			answers[i] = answer{status: resp.StatusCode, body: string(data), took: time.Since(start)}
		}()
	}
	wg.Wait()
	for i, rq := range requests {
		got := answers[i]
		t.Logf("while %s hangs: %s answered %d after %s", a.Name, rq.name, got.status, got.took.Round(time.Millisecond))
		if got.status != rq.wantStatus {
			t.Errorf("%s while starting: %d %s, want %d", rq.name, got.status, got.body, rq.wantStatus)
			continue
		}
		for _, want := range rq.wantBody {
			if !strings.Contains(got.body, want) {
				t.Errorf("%s while starting: %s lacks %q", rq.name, got.body, want)
			}
		}
	}
	if out := b.MustDocker(t, "ps", "-aq", "--filter", "name=^/keep$"); strings.TrimSpace(out) != "" {
		t.Errorf("%s got a container named keep while %s hung: %s", b.Name, a.Name, out)
	}

	// A answers again: the manager starts, and knows keep.
	if err := a.Resume(); err != nil {
		t.Fatal(err)
	}
	resumed = true
	resumedAt := time.Now()
	var names string
	err = harness.WaitFor(60*time.Second, func() (bool, error) {
		out, _, err := harness.Docker(m2.Addr, "ps", "-a", "--filter", "name=keep", "--format", "{{.Names}}")
		names = strings.TrimSpace(out)
		return err == nil, nil
	})
	if err != nil {
		t.Fatalf("the manager never started after %s came back: %v\n%s", a.Name, err, m2.Log())
	}
	t.Logf("ps answered %s after %s was resumed", time.Since(resumedAt).Round(time.Millisecond), a.Name)
	if names != a.Name+"/keep" {
		t.Fatalf("docker ps -a names %q, want exactly one %s/keep", names, a.Name)
	}
	_, stderr, err := harness.Docker(m2.Addr, "create", "--name", "keep", "busybox")
	if err == nil || !strings.Contains(stderr, `The container name "/keep" is already in use`) {
		t.Errorf("create keep after the start: err %v, stderr %s; want a name conflict", err, stderr)
	}
	out, stderr, err := harness.Docker(m2.Addr, "inspect", "keep")
	if err != nil {
		t.Fatalf("docker inspect keep: %v\n%s", err, stderr)
	}
	var inspected []struct{ Node struct{ Name string } }
	if err := json.Unmarshal([]byte(out), &inspected); err != nil || len(inspected) != 1 || inspected[0].Node.Name != a.Name {
		t.Fatalf("docker inspect keep: %v %+v, want one container on %s", err, inspected, a.Name)
	}
	if out := b.MustDocker(t, "ps", "-aq", "--filter", "name=^/keep$"); strings.TrimSpace(out) != "" {
		t.Errorf("%s holds a container named keep: %s", b.Name, out)
	}
}
