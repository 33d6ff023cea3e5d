//go:build drills

package drills_test

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"
)

// TestDrillThousandClients: 1,000 clients, each on its own connection,
// send 4 requests each (ps -a, inspect, ps -a, inspect) to a manager over
// 3 engines holding 9 containers, all at once. Every request must answer
// 200; once the clients have closed their connections, the manager's open
// file descriptors come back to within fdSlack of what they were before
// (it may keep a few idle connections to the engines).
// The latency percentiles are logged.
func TestDrillThousandClients(t *testing.T) {
	const (
		clients   = 1000
		perClient = 4
		fdSlack   = 10
	)
	ctx := drillContext(t, 10*time.Minute)
	c := startCluster(t, 3)
	m := c.Manager
	pid := m.PID()
	a := newAPI(m.Addr)
	var names []string
	for i := range 9 {
		name := fmt.Sprintf("drill-cl-%d", i)
		create(t, ctx, a, name)
		names = append(names, name)
	}
	var ps []psEntry
	if err := a.getJSON(ctx, "/containers/json?all=1", &ps); err != nil {
		t.Fatal(err)
	}
	a.client.CloseIdleConnections()
	time.Sleep(time.Second)
	fdBefore, rssBefore := fdCount(t, pid), rssMB(t, pid)

	var mu sync.Mutex // guards lat, errs, firstErr
	var lat []time.Duration
	var errs int
	var firstErr string
	var peakFD int
	sampleDone := make(chan struct{})
	stopSample := make(chan struct{})
	go func() {
		defer close(sampleDone)
		for {
			// Not fdCount: t.Fatal belongs to the test's goroutine.
			if ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid)); err == nil && len(ents) > peakFD {
				peakFD = len(ents)
			}
			select {
			case <-stopSample:
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	rss := watchRSS(pid)
	gate := make(chan struct{})
	var wg sync.WaitGroup
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tr := &http.Transport{Proxy: nil}
			defer tr.CloseIdleConnections()
			cl := &http.Client{Transport: tr, Timeout: 2 * time.Minute}
			<-gate
			for j := range perClient {
				path := "/containers/json?all=1"
				if j%2 == 1 {
					path = "/containers/" + names[(i+j)%len(names)] + "/json"
				}
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+m.Addr+path, nil)
				t0 := time.Now()
				resp, err := cl.Do(req)
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if err == nil && resp.StatusCode != http.StatusOK {
						err = fmt.Errorf("GET %s: %s", path, resp.Status)
					}
				}
				d := time.Since(t0)
				mu.Lock()
				lat = append(lat, d)
				if err != nil {
					errs++
					if firstErr == "" {
						firstErr = err.Error()
					}
				}
				mu.Unlock()
			}
		}()
	}
	start := time.Now()
	close(gate)
	wg.Wait()
	wall := time.Since(start)
	rssPeak := rss.Peak()

	// The clients are gone: the manager's fds must come back. They are
	// given up to 30s to come within 2 of the count before (idle
	// connections to the engines close after 5s); then the slack applies.
	var fdAfter int
	settle := time.Now()
	for {
		fdAfter = fdCount(t, pid)
		if fdAfter <= fdBefore+2 || time.Since(settle) > 30*time.Second || ctx.Err() != nil {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	close(stopSample)
	<-sampleDone

	t.Logf("%d clients x %d requests (%d containers in ps -a) in %.2fs: %d errors; latency p50 %v, p90 %v, p99 %v, max %v",
		clients, perClient, len(ps), wall.Seconds(), errs,
		percentile(lat, 50).Round(time.Millisecond), percentile(lat, 90).Round(time.Millisecond),
		percentile(lat, 99).Round(time.Millisecond), percentile(lat, 100).Round(time.Millisecond))
	t.Logf("manager fds: %d before, peak %d, %d after (%.1fs to settle); RSS %.0f MB before, peak %.0f MB",
		fdBefore, peakFD, fdAfter, time.Since(settle).Seconds(), rssBefore, rssPeak)
	if errs > 0 {
		t.Errorf("%d of %d requests failed; first: %s", errs, clients*perClient, firstErr)
	}
	if fdAfter > fdBefore+fdSlack {
		t.Errorf("the manager holds %d fds after the clients left, %d before (slack %d)", fdAfter, fdBefore, fdSlack)
	}
	if peakFD < fdBefore+clients/10 {
		t.Errorf("peak of %d fds (before: %d): the clients never were concurrent", peakFD, fdBefore)
	}
}
