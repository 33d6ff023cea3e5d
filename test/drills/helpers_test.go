//go:build drills

package drills_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/swarm-project/swarm/test/harness"
)

// drillContext is the deadline of one drill: a hang fails the drill.
func drillContext(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// startCluster starts n engines and a manager over them (harness
// FastRefresh plus args), stopped when the test ends; the manager's log
// tail is printed when the test failed.
func startCluster(t *testing.T, n int, args ...string) *harness.Cluster {
	t.Helper()
	c, err := harness.StartCluster(n, nil, args...)
	t.Cleanup(func() { c.Teardown(t.Failed()) })
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// api is a plain HTTP client of one manager.
type api struct {
	addr   string
	client *http.Client
}

func newAPI(addr string) *api {
	return &api{addr: addr, client: &http.Client{Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 64}}}
}

// do sends one request and returns the status and the whole body.
func (a *api) do(ctx context.Context, method, path, ctype string, body io.Reader) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, "http://"+a.addr+path, body)
	if err != nil {
		return 0, nil, err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := a.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, data, err
}

// doRetry is do, sent again (after 200ms) while the manager answers 503
// (still starting) or cannot be reached, until ctx ends. The body is
// sent from memory so that it can be sent again.
func (a *api) doRetry(ctx context.Context, method, path string, body []byte) (int, []byte, error) {
	for {
		var r io.Reader
		ctype := ""
		if body != nil {
			r, ctype = bytes.NewReader(body), "application/json"
		}
		code, data, err := a.do(ctx, method, path, ctype, r)
		if err == nil && code != http.StatusServiceUnavailable {
			return code, data, nil
		}
		select {
		case <-ctx.Done():
			if err == nil {
				err = fmt.Errorf("%s %s: still %d %s", method, path, code, bytes.TrimSpace(data))
			}
			return code, data, fmt.Errorf("%w (%v)", err, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// bytesReader is bytes.NewReader as an io.Reader.
func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

// getJSON is doRetry of a GET decoded into v; any status but 200 fails.
func (a *api) getJSON(ctx context.Context, path string, v any) error {
	code, data, err := a.doRetry(ctx, http.MethodGet, path, nil)
	if err != nil {
		return err
	}
	if code != http.StatusOK {
		return fmt.Errorf("GET %s: %d %s", path, code, bytes.TrimSpace(data))
	}
	return json.Unmarshal(data, v)
}

// psEntry is what a drill compares of one `ps -a` line.
type psEntry struct {
	ID    string   `json:"Id"`
	Names []string `json:"Names"`
	Image string   `json:"Image"`
	State string   `json:"State"`
}

// name is the container's name without the node prefix classic Swarm
// puts before it ("/node-11/web" -> "web").
func (e psEntry) name() string {
	for _, n := range e.Names {
		parts := strings.Split(strings.Trim(n, "/"), "/")
		if len(parts) <= 2 {
			return parts[len(parts)-1]
		}
	}
	return ""
}

// psAll is GET /containers/json?all=1 keyed by container ID.
func (a *api) psAll(ctx context.Context) (map[string]psEntry, error) {
	var list []psEntry
	if err := a.getJSON(ctx, "/containers/json?all=1", &list); err != nil {
		return nil, err
	}
	m := make(map[string]psEntry, len(list))
	for _, e := range list {
		if _, dup := m[e.ID]; dup {
			return nil, fmt.Errorf("ps -a lists %s twice", e.ID)
		}
		m[e.ID] = e
	}
	return m, nil
}

// duplicateNames returns the names held by more than one container.
func duplicateNames(ps map[string]psEntry) []string {
	count := map[string]int{}
	for _, e := range ps {
		count[e.name()]++
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

// engineTruth is every container on the engines, asked of each engine
// directly: ID -> "node/name".
func engineTruth(t *testing.T, engs []*harness.Engine) map[string]string {
	t.Helper()
	all := map[string]string{}
	for _, e := range engs {
		out, stderr, err := e.Docker("ps", "-a", "--no-trunc", "--format", "{{.ID}} {{.Names}}")
		if err != nil {
			t.Fatalf("ps -a on %s: %v %s", e, err, stderr)
		}
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			id, name, ok := strings.Cut(line, " ")
			if !ok {
				continue
			}
			if prev, dup := all[id]; dup {
				t.Errorf("container %s on two engines: %s and %s/%s", id, prev, e.Name, name)
			}
			all[id] = e.Name + "/" + name
		}
	}
	return all
}

// procStatus reads one field (in kB) of /proc/PID/status, e.g. VmRSS.
func procStatus(pid int, field string) (int, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
		}
	}
	return 0, fmt.Errorf("/proc/%d/status: no %s", pid, field)
}

// rssMB is the process's resident set size in MB.
func rssMB(t *testing.T, pid int) float64 {
	t.Helper()
	kb, err := procStatus(pid, "VmRSS")
	if err != nil {
		t.Fatal(err)
	}
	return float64(kb) / 1024
}

// fdCount is the number of open file descriptors of the process.
func fdCount(t *testing.T, pid int) int {
	t.Helper()
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

// percentile is the p-th percentile (0..100) of ds, by nearest rank.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(p/100*float64(len(s))+0.5) - 1
	if i < 0 {
		i = 0
	}
	if i >= len(s) {
		i = len(s) - 1
	}
	return s[i]
}

// waitHealthy polls docker info until the manager shows n Healthy nodes.
func waitHealthy(t *testing.T, ctx context.Context, m *harness.Manager, n int) {
	t.Helper()
	var last string
	for {
		info, err := harness.SwarmStatus(m.Addr, m.TLS)
		if err == nil {
			healthy := 0
			for _, nd := range info.Nodes {
				if nd.Fields["Status"] == "Healthy" {
					healthy++
				}
			}
			if healthy == n {
				return
			}
			last = fmt.Sprintf("%+v", info.Nodes)
		} else {
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the manager never showed %d healthy nodes: %v (last %s)", n, ctx.Err(), last)
		case <-time.After(300 * time.Millisecond):
		}
	}
}

// rssWatch samples a process's RSS every 50ms and keeps the peak.
type rssWatch struct {
	stop chan struct{}
	done chan struct{}
	peak float64 // MB; written by the sampler, read after done
}

func watchRSS(pid int) *rssWatch {
	w := &rssWatch{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		for {
			if kb, err := procStatus(pid, "VmRSS"); err == nil && float64(kb)/1024 > w.peak {
				w.peak = float64(kb) / 1024
			}
			select {
			case <-w.stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	return w
}

// Peak stops the sampler and returns the highest RSS seen, in MB.
func (w *rssWatch) Peak() float64 {
	close(w.stop)
	<-w.done
	return w.peak
}
