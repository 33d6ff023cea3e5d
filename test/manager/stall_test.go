package manager_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/swarm-project/swarm/test/harness"
)

// The manager's refresh settings in TestStalledEventStreamReconciled, and
// the consistency bound it holds the manager to (docs/performance.md,
// "Consistency of the cache"): a change on an engine whose event stream is
// silently stalled shows in the manager within the engine's reconcile
// period plus 5s. With one engine the period is the jittered refresh
// interval, at most stallRefreshMax.
const (
	stallRefreshMin = 2 * time.Second
	stallRefreshMax = 4 * time.Second
	stallBound      = stallRefreshMax + 5*time.Second // 9s
	// stallMargin covers the measurement: the poll period (200ms) and a
	// `ps -a` through the manager on a busy machine.
	stallMargin = time.Second
	// flowingBound is the control's: with the stream flowing, the event
	// path shows a change at once.
	flowingBound = 2 * time.Second
	stallPoll    = 200 * time.Millisecond
)

// TestStalledEventStreamReconciled is issue 15's second acceptance test.
// The manager reaches one real engine through a harness.StallProxy. While
// the engine's event stream flows, a container created directly on the
// engine (not through the manager) shows in the manager's `ps -a` at once.
// Then the proxy stalls the stream silently: the connection stays open,
// no event and no FIN gets through, while pings and refreshes (fresh
// connections) still do. A container run directly on the engine must then
// show running in the manager within the bound, and its removal too; the
// engine stays Healthy; and when the stream flows again, its late events
// do not bring the removed container back.
func TestStalledEventStreamReconciled(t *testing.T) {
	for _, kind := range []harness.EngineKind{harness.Engine2010, harness.Engine29} {
		t.Run("engine "+kind.String(), func(t *testing.T) { testStalledEventStream(t, kind) })
	}
}

func testStalledEventStream(t *testing.T, kind harness.EngineKind) {
	engs, err := harness.StartEnginesWith(1, harness.EnginesConfig{Kind: kind})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { harness.StopEngines(engs) })
	e := engs[0]
	t.Cleanup(func() {
		// sleep as PID 1 would hold the engine's stop for 10s.
		_, _, _ = e.Docker("rm", "-f", "flowing-x", "stalled-x", "after-x")
	})
	proxy, err := harness.NewStallProxy(e.Addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proxy.Close() })

	bin, err := harness.BuildSwarm()
	if err != nil {
		t.Fatal(err)
	}
	m, err := harness.StartManager(bin,
		"--engine-refresh-min-interval", stallRefreshMin.String(),
		"--engine-refresh-max-interval", stallRefreshMax.String(),
		"--engine-failure-retry", "2",
		"nodes://"+proxy.Addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = m.Stop()
		if t.Failed() {
			t.Logf("manager log:\n%s\n---- %v:\n%s", lastLines(m.Log(), 60), e, e.Log())
		}
	})
	err = harness.WaitFor(60*time.Second, func() (bool, error) {
		return nodeStatus(m, e) == "Healthy" && proxy.EventConns() > 0, nil
	})
	if err != nil {
		t.Fatalf("the manager never saw %v Healthy with its event stream through the proxy (status %q, %d event streams): %v",
			e, nodeStatus(m, e), proxy.EventConns(), err)
	}
	if info, err := harness.SwarmStatus(m.Addr, nil); err != nil {
		t.Fatal(err)
	} else if n, _ := info.Node(e.Name); n.Addr != proxy.Addr {
		t.Fatalf("the manager reaches %s at %q, want the proxy's %s", e.Name, n.Addr, proxy.Addr)
	}

	// Control: with the stream flowing, the event path shows a change made
	// on the engine at once.
	before := proxy.EventBytes()
	e.MustDocker(t, "run", "-d", "--name", "flowing-x", "busybox", "sleep", "300")
	took, ok := waitContainer(t, m, "flowing-x", "running", flowingBound)
	if !ok {
		t.Fatalf("flowing stream: the manager did not show flowing-x running within %v", flowingBound)
	}
	t.Logf("flowing stream: flowing-x running in the manager after %v", took)
	if proxy.EventBytes() == before {
		t.Fatal("flowing stream: no event went through the proxy; the manager's stream is not the one the test stalls")
	}
	e.MustDocker(t, "rm", "-f", "flowing-x")
	if took, ok = waitContainer(t, m, "flowing-x", "", flowingBound); !ok {
		t.Fatalf("flowing stream: flowing-x still in the manager %v after its removal", flowingBound)
	}
	t.Logf("flowing stream: flowing-x gone from the manager after %v", took)

	// Stalled: the manager's stream stays open and carries nothing.
	if err := proxy.Stall(); err != nil {
		t.Fatal(err)
	}
	stalledBytes := proxy.EventBytes()
	stalledAt := time.Now()

	// (b) a container run directly on the engine shows running. The
	// time counts from the end of the docker run, when the container is
	// running; the manager may see it earlier, during the run.
	runTook := timed(func() { e.MustDocker(t, "run", "-d", "--name", "stalled-x", "busybox", "sleep", "300") })
	took, ok = waitContainer(t, m, "stalled-x", "running", stallBound+stallMargin)
	if !ok {
		t.Fatalf("stalled stream: the manager did not show stalled-x running within the bound %v (+%v margin)", stallBound, stallMargin)
	}
	t.Logf("stalled stream: stalled-x running in the manager %v after the docker run returned (the run took %v; bound %v)", took, runTook, stallBound)
	checkStillStalled(t, proxy, stalledBytes)
	// (a) the engine is Healthy: its pings and refreshes go through.
	if st := nodeStatus(m, e); st != "Healthy" {
		t.Errorf("stalled stream: %v is %q in the manager, want Healthy", e, st)
	}

	// (c) its removal on the engine shows too.
	runTook = timed(func() { e.MustDocker(t, "rm", "-f", "stalled-x") })
	took, ok = waitContainer(t, m, "stalled-x", "", stallBound+stallMargin)
	if !ok {
		t.Fatalf("stalled stream: stalled-x still in the manager after the bound %v (+%v margin)", stallBound, stallMargin)
	}
	t.Logf("stalled stream: stalled-x gone from the manager %v after the docker rm returned (the rm took %v; bound %v)", took, runTook, stallBound)
	checkStillStalled(t, proxy, stalledBytes)
	if st := nodeStatus(m, e); st != "Healthy" {
		t.Errorf("stalled stream: %v is %q in the manager after %v stalled, want Healthy", e, st, time.Since(stalledAt).Round(time.Millisecond))
	}
	t.Logf("stalled for %v; the manager holds %d event stream(s) through the proxy", time.Since(stalledAt).Round(time.Millisecond), proxy.EventConns())

	// Flowing again: the held events of stalled-x (create, start, kill,
	// die, destroy) arrive late. They must not bring it back. after-x's
	// events come after them on the same stream, so once the manager
	// shows after-x it has read them all (or reconciled past them).
	if err := proxy.Resume(); err != nil {
		t.Fatal(err)
	}
	e.MustDocker(t, "run", "-d", "--name", "after-x", "busybox", "sleep", "300")
	if _, ok := waitContainer(t, m, "after-x", "running", stallBound+stallMargin); !ok {
		t.Fatalf("resumed stream: the manager did not show after-x within %v", stallBound+stallMargin)
	}
	if proxy.EventBytes() == stalledBytes {
		t.Error("resumed stream: no event went through the proxy after Resume")
	}
	if names := listNames(t, m); names["stalled-x"] != "" {
		t.Errorf("resumed stream: the late events brought stalled-x back (%s): %v", names["stalled-x"], names)
	}
}

// timed runs f and returns how long it took.
func timed(f func()) time.Duration {
	start := time.Now()
	f()
	return time.Since(start).Round(time.Millisecond)
}

// checkStillStalled fails t when events went through the stalled proxy,
// or when it holds nothing back: what the manager shows came from its
// reconciliation, not from the stream.
func checkStillStalled(t *testing.T, proxy *harness.StallProxy, stalledBytes int64) {
	t.Helper()
	if got := proxy.EventBytes(); got != stalledBytes {
		t.Fatalf("%d event bytes went through the stalled proxy", got-stalledBytes)
	}
	if proxy.Held() == 0 {
		t.Fatal("the stalled proxy holds no event back: the engine's stream is not the one stalled")
	}
}

// waitContainer polls the manager's `ps -a` (GET /containers/json?all=1)
// every stallPoll until the container called name is in state (state ""
// means: absent), for at most limit. It returns how long that took.
func waitContainer(t *testing.T, m *harness.Manager, name, state string, limit time.Duration) (time.Duration, bool) {
	t.Helper()
	start := time.Now()
	last := "(no answer)"
	for {
		names, err := listContainers(m)
		if err == nil {
			if names[name] == state {
				return time.Since(start).Round(time.Millisecond), true
			}
			last = fmt.Sprint(names)
		} else {
			last = err.Error()
		}
		if time.Since(start) >= limit {
			t.Logf("waiting for %s to be %q: the manager's last ps -a: %s", name, state, last)
			return time.Since(start).Round(time.Millisecond), false
		}
		time.Sleep(stallPoll)
	}
}

// listNames is listContainers, failing t on error.
func listNames(t *testing.T, m *harness.Manager) map[string]string {
	t.Helper()
	names, err := listContainers(m)
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// listContainers asks the manager for `ps -a` and returns each
// container's state by its name without the node ("/node-11/x" is x).
func listContainers(m *harness.Manager) (map[string]string, error) {
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get("http://" + m.Addr + "/v1.41/containers/json?all=1")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /containers/json: %s", resp.Status)
	}
	var list []struct {
		Names []string
		State string
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		return nil, fmt.Errorf("GET /containers/json: %w", err)
	}
	names := map[string]string{}
	for _, ctr := range list {
		for _, n := range ctr.Names {
			names[n[strings.LastIndex(n, "/")+1:]] = ctr.State
		}
	}
	return names, nil
}

// nodeStatus is the engine's Status in the manager's `docker info` ("" when
// the manager does not list it at its address).
func nodeStatus(m *harness.Manager, e *harness.Engine) string {
	info, err := harness.SwarmStatus(m.Addr, nil)
	if err != nil {
		return ""
	}
	n, ok := info.Node(e.Name)
	if !ok {
		return ""
	}
	return n.Fields["Status"]
}

// lastLines is the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
