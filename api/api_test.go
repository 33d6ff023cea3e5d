package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/system"
	"github.com/docker/docker/api/types/volume"

	"github.com/swarm-project/swarm/cluster"
	"github.com/swarm-project/swarm/scheduler"
	"github.com/swarm-project/swarm/test/simengine"
)

// simAPI is a manager API server over a cluster of simulated engines.
type simAPI struct {
	t       *testing.T
	url     string
	cluster *cluster.Cluster
	server  *Server
	sims    []*simengine.Engine
}

// newSimAPI starts the simulated engines, a cluster managing them and the
// API on an httptest server. Engines refresh once an hour: after the first
// refresh only their event streams and the API's own calls reach them.
func newSimAPI(t *testing.T, cfgs ...simengine.Config) *simAPI {
	t.Helper()
	sims := make([]*simengine.Engine, len(cfgs))
	want := 0
	for i, cfg := range cfgs {
		s, err := simengine.Start(cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		sims[i] = s
		want += len(s.ContainerIDs())
	}
	sched, err := scheduler.New("spread", nil, scheduler.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{MaxIdleConnsPerHost: 4}
	t.Cleanup(tr.CloseIdleConnections)
	c := cluster.New(cluster.Options{
		Engine: cluster.EngineOptions{
			RefreshMin: time.Hour, RefreshMax: time.Hour, FailureRetry: 2,
			Transport: tr, EventTransport: &http.Transport{DisableKeepAlives: true},
		},
		Scheduler: sched,
	})
	for _, s := range sims {
		if err := c.AddEngine(context.Background(), s.Addr()); err != nil {
			t.Fatal(err)
		}
		addr := s.Addr()
		t.Cleanup(func() { c.RemoveEngine(addr) })
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.WaitHealthy(ctx, len(sims)); err != nil {
		t.Fatalf("engines not healthy: %v", err)
	}
	for len(c.Containers()) != want {
		if ctx.Err() != nil {
			t.Fatalf("%d containers cached, want %d", len(c.Containers()), want)
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, s := range sims {
		for s.EventSubscribers() == 0 {
			if ctx.Err() != nil {
				t.Fatalf("engine %s has no event stream", s.Name())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	s := NewServer(c, Options{Version: "test"})
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return &simAPI{t: t, url: srv.URL, cluster: c, server: s, sims: sims}
}

// do sends a request and returns the status, headers and body.
func (a *simAPI) do(method, path string, body io.Reader) (int, http.Header, []byte) {
	a.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, a.url+path, body)
	if err != nil {
		a.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		a.t.Fatalf("%s %s: reading the body: %v", method, path, err)
	}
	return resp.StatusCode, resp.Header, data
}

// getJSON GETs path, expects 200 and decodes the body into v.
func (a *simAPI) getJSON(path string, v any) {
	a.t.Helper()
	code, _, body := a.do("GET", path, nil)
	if code != http.StatusOK {
		a.t.Fatalf("GET %s = %d %s", path, code, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		a.t.Fatalf("GET %s: %v in %s", path, err, body)
	}
}

// engineRequests is the number of requests the simulated engines received.
func (a *simAPI) engineRequests() int64 {
	return a.healthyRequests()
}

// healthyRequests counts the requests the engines that are not made to
// fail have received; a failing engine keeps being retried in the
// background, which has nothing to do with the request under test.
func (a *simAPI) healthyRequests() int64 {
	var n int64
	for _, s := range a.sims {
		if !s.Failing() {
			n += s.Requests()
		}
	}
	return n
}

func errorMessage(t *testing.T, body []byte) string {
	t.Helper()
	var m struct{ Message string }
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("error body %q is not Docker's JSON: %v", body, err)
	}
	return m.Message
}

// twoNodes is the fixture most tests use: node-1 with web-0..web-3 (even
// ones running) and a volume, node-2 with db-0 (running) and db-1.
func twoNodes() []simengine.Config {
	return []simengine.Config{
		{Name: "node-1", Labels: []string{"zone=a"}, Containers: simengine.Containers("web", 4),
			Volumes: []*volume.Volume{{Name: "data", Driver: "local", Scope: "local"}}},
		{Name: "node-2", Labels: []string{"zone=b"}, NCPU: 4, MemTotal: 4 << 30, Containers: simengine.Containers("db", 2)},
	}
}

var routeVar = regexp.MustCompile(`\{(\w+)(:[^}]*)?\}`)

func TestEveryRouteAnswers(t *testing.T) {
	a := newSimAPI(t, twoNodes()...)
	// An exec instance for the /exec routes.
	code, _, body := a.do("POST", "/v1.41/containers/node-1/web-0/exec", strings.NewReader(`{"Cmd":["true"]}`))
	if code != http.StatusCreated {
		t.Fatalf("exec create = %d %s", code, body)
	}
	var exec struct{ ID string }
	if err := json.Unmarshal(body, &exec); err != nil || exec.ID == "" {
		t.Fatalf("exec create answer %s: %v", body, err)
	}
	value := func(path, name string) string {
		switch {
		case name == "id" && strings.HasPrefix(path, "/exec/"):
			return exec.ID
		case name == "id" && strings.HasPrefix(path, "/networks/"):
			return "node-1/bridge"
		case strings.HasPrefix(path, "/containers/"):
			return "node-1/web-2"
		case strings.HasPrefix(path, "/images/"), strings.HasPrefix(path, "/distribution/"):
			return "busybox"
		case strings.HasPrefix(path, "/volumes/"):
			return "data"
		}
		return "x"
	}
	routes := a.server.routes()
	// Destructive routes last, so that the others find their objects.
	sort.SliceStable(routes, func(i, j int) bool {
		return routes[i].method != "DELETE" && routes[j].method == "DELETE"
	})
	for _, rt := range routes {
		path := routeVar.ReplaceAllStringFunc(rt.path, func(m string) string {
			return value(rt.path, routeVar.FindStringSubmatch(m)[1])
		})
		if rt.path == "/events" {
			path += "?until=1" // ends at once
		}
		for _, prefix := range []string{"/v" + DefaultAPIVersion, ""} {
			t.Run(rt.method+" "+prefix+rt.path, func(t *testing.T) {
				var body io.Reader
				if rt.method == "POST" || rt.method == "PUT" {
					body = strings.NewReader("{}")
				}
				code, h, data := a.do(rt.method, prefix+path, body)
				if h.Get("Api-Version") != DefaultAPIVersion {
					t.Fatalf("Api-Version header %q", h.Get("Api-Version"))
				}
				if code != http.StatusNotImplemented || rt.method == "HEAD" {
					if code == http.StatusNotImplemented {
						t.Fatalf("HEAD %s answered 501", path)
					}
					return
				}
				msg := errorMessage(t, data)
				if unrouted := fmt.Sprintf("%s %s is not supported by swarm", rt.method, strings.SplitN(path, "?", 2)[0]); msg == unrouted {
					t.Fatalf("%s %s fell through to the unsupported handler", rt.method, prefix+path)
				}
			})
		}
	}
}

func TestUnsupportedAndVersions(t *testing.T) {
	a := newSimAPI(t, twoNodes()[:1]...)
	tests := []struct {
		name, method, path string
		code               int
		msg                string // exact message, "" to skip
	}{
		{"unknown route", "GET", "/v1.41/plugins", 501, "GET /plugins is not supported by swarm"},
		{"unknown unversioned", "GET", "/plugins", 501, "GET /plugins is not supported by swarm"},
		{"wrong method", "PUT", "/v1.41/info", 501, "PUT /info is not supported by swarm"},
		{"version too new", "GET", "/v1.99/info", 400, "client version 1.99 is too new. Maximum supported API version is " + DefaultAPIVersion},
		{"version too old", "GET", "/v1.12/info", 400, "client version 1.12 is too old. Minimum supported API version is " + MinAPIVersion + ", please upgrade your client to a newer version"},
		{"minimum version", "GET", "/v" + MinAPIVersion + "/version", 200, ""},
		{"current version", "GET", "/v" + DefaultAPIVersion + "/version", 200, ""},
		{"no version", "GET", "/version", 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, body := a.do(tt.method, tt.path, nil)
			if code != tt.code {
				t.Fatalf("%s %s = %d %s, want %d", tt.method, tt.path, code, body, tt.code)
			}
			if tt.msg != "" {
				if got := errorMessage(t, body); got != tt.msg {
					t.Fatalf("message %q, want %q", got, tt.msg)
				}
			}
		})
	}
}

func TestPing(t *testing.T) {
	a := newSimAPI(t, twoNodes()[:1]...)
	for _, method := range []string{"GET", "HEAD"} {
		for _, path := range []string{"/_ping", "/v1.41/_ping"} {
			t.Run(method+" "+path, func(t *testing.T) {
				code, h, body := a.do(method, path, nil)
				if code != http.StatusOK {
					t.Fatalf("status %d", code)
				}
				wantBody := "OK"
				if method == "HEAD" {
					wantBody = ""
				}
				if string(body) != wantBody {
					t.Fatalf("body %q, want %q", body, wantBody)
				}
				for k, v := range map[string]string{
					"Api-Version":         DefaultAPIVersion,
					"Ostype":              "linux",
					"Docker-Experimental": "false",
					"Cache-Control":       "no-cache, no-store, must-revalidate",
					"Pragma":              "no-cache",
				} {
					if got := h.Get(k); got != v {
						t.Fatalf("header %s = %q, want %q", k, got, v)
					}
				}
			})
		}
	}
}

func TestInfo(t *testing.T) {
	cfgs := append(twoNodes(), simengine.Config{Name: "node-3"})
	a := newSimAPI(t, cfgs...)
	// node-3 goes down: its event stream breaks, two refreshes fail.
	a.sims[2].SetFailure(simengine.FailClose)
	e3, err := a.cluster.Engine("node-3")
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for e3.Health() != cluster.Unhealthy {
		if time.Now().After(deadline) {
			t.Fatal("node-3 did not turn unhealthy")
		}
		time.Sleep(10 * time.Millisecond)
	}

	before := a.engineRequests()
	var info system.Info
	a.getJSON("/v1.41/info", &info)
	if n := a.engineRequests() - before; n != 0 {
		t.Fatalf("GET /info made %d requests to the engines, want 0 (answered from the cache)", n)
	}
	if info.Containers != 6 || info.ContainersRunning != 3 || info.ContainersStopped != 3 || info.NCPU != 2+4+2 || info.MemTotal != 2<<30+4<<30+2<<30 {
		t.Fatalf("totals: containers %d running %d stopped %d ncpu %d mem %d", info.Containers, info.ContainersRunning, info.ContainersStopped, info.NCPU, info.MemTotal)
	}

	st := info.SystemStatus
	head := [][2]string{{"Role", "primary"}, {"Strategy", "spread"}, {"Filters", strings.Join(a.cluster.Scheduler().Filters(), ", ")}, {"Nodes", "3"}}
	if len(st) < len(head) {
		t.Fatalf("SystemStatus %v", st)
	}
	for i, want := range head {
		if st[i] != want {
			t.Fatalf("SystemStatus[%d] = %q, want %q", i, st[i], want)
		}
	}
	keys := []string{"ID", "Status", "Containers", "Reserved CPUs", "Reserved Memory", "Labels", "Error", "UpdatedAt", "ServerVersion"}
	blocks := map[string]map[string]string{}
	rest := st[len(head):]
	for _, s := range a.sims {
		if len(rest) < 1+len(keys) {
			t.Fatalf("SystemStatus too short for %s: %v", s.Name(), rest)
		}
		if rest[0] != [2]string{" " + s.Name(), s.Addr()} {
			t.Fatalf("node header %q, want %q", rest[0], [2]string{" " + s.Name(), s.Addr()})
		}
		block := map[string]string{}
		for i, k := range keys {
			row := rest[1+i]
			if row[0] != "  └ "+k {
				t.Fatalf("%s row %d is %q, want key %q", s.Name(), i, row[0], "  └ "+k)
			}
			block[k] = row[1]
		}
		blocks[s.Name()] = block
		rest = rest[1+len(keys):]
	}
	n1 := blocks["node-1"]
	want1 := map[string]string{
		"ID":              a.sims[0].ID(),
		"Status":          "Healthy",
		"Containers":      "4 (2 Running, 0 Paused, 2 Stopped)",
		"Reserved CPUs":   "0 / 2",
		"Reserved Memory": "256MiB / 2GiB",
		"Labels":          "executiondriver=<not supported>, kernelversion=5.15.0-sim, node=node-1, operatingsystem=Simulated Linux, ostype=linux, storagedriver=overlay2, zone=a",
		"Error":           "(none)",
		"ServerVersion":   simengine.DefaultServerVersion,
	}
	for k, v := range want1 {
		if n1[k] != v {
			t.Fatalf("node-1 %s = %q, want %q", k, n1[k], v)
		}
	}
	if ts, err := time.Parse(time.RFC3339, n1["UpdatedAt"]); err != nil || time.Since(ts) > time.Minute {
		t.Fatalf("node-1 UpdatedAt %q: %v", n1["UpdatedAt"], err)
	}
	if n2 := blocks["node-2"]; n2["Reserved Memory"] != "128MiB / 4GiB" || n2["Reserved CPUs"] != "0 / 4" {
		t.Fatalf("node-2 reservations %q %q", n2["Reserved CPUs"], n2["Reserved Memory"])
	}
	if n3 := blocks["node-3"]; n3["Status"] != "Unhealthy" || n3["Error"] == "(none)" || n3["Error"] == "" {
		t.Fatalf("node-3 status %q error %q, want Unhealthy with the error", n3["Status"], n3["Error"])
	}
}

func TestListContainers(t *testing.T) {
	a := newSimAPI(t, twoNodes()...)
	tests := []struct {
		name  string
		query string
		want  []string // sorted names
	}{
		{"running only", "", []string{"/node-1/web-0", "/node-1/web-2", "/node-2/db-0"}},
		{"all", "all=1", []string{"/node-1/web-0", "/node-1/web-1", "/node-1/web-2", "/node-1/web-3", "/node-2/db-0", "/node-2/db-1"}},
		{"all=true", "all=true", []string{"/node-1/web-0", "/node-1/web-1", "/node-1/web-2", "/node-1/web-3", "/node-2/db-0", "/node-2/db-1"}},
		{"node filter", `all=1&filters={"node":["node-2"]}`, []string{"/node-2/db-0", "/node-2/db-1"}},
		{"node filter glob", `all=1&filters={"node":["node-*"]}`, []string{"/node-1/web-0", "/node-1/web-1", "/node-1/web-2", "/node-1/web-3", "/node-2/db-0", "/node-2/db-1"}},
		{"name filter", `all=1&filters={"name":["web-1"]}`, []string{"/node-1/web-1"}},
		{"node/name filter", `all=1&filters={"name":["node-2/db-0"]}`, []string{"/node-2/db-0"}},
		{"label filter", `all=1&filters={"label":["app=app1"]}`, []string{"/node-1/web-1", "/node-2/db-1"}},
		{"label key filter", `filters={"label":["app"]}`, []string{"/node-1/web-0", "/node-1/web-2", "/node-2/db-0"}},
		{"status filter with all", `all=1&filters={"status":["exited"]}`, []string{"/node-1/web-1", "/node-1/web-3", "/node-2/db-1"}},
		{"status filter implies all", `filters={"status":["exited"]}`, []string{"/node-1/web-1", "/node-1/web-3", "/node-2/db-1"}},
		{"filters combined", `all=1&filters={"node":["node-1"],"status":["running"],"label":["app=app2"]}`, []string{"/node-1/web-2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var list []container.Summary
			a.getJSON("/v1.41/containers/json?"+tt.query, &list)
			got := []string{}
			for _, c := range list {
				if len(c.Names) != 1 {
					t.Fatalf("container %s has names %v", c.ID, c.Names)
				}
				got = append(got, c.Names[0])
			}
			sort.Strings(got)
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Fatalf("names %v, want %v", got, tt.want)
			}
		})
	}
	t.Run("bad filter", func(t *testing.T) {
		code, _, body := a.do("GET", `/v1.41/containers/json?filters={"colour":["red"]}`, nil)
		if code != http.StatusBadRequest {
			t.Fatalf("unknown filter key = %d %s, want 400", code, body)
		}
	})
	t.Run("answered from the cache", func(t *testing.T) {
		before := a.engineRequests()
		var list []container.Summary
		a.getJSON("/v1.41/containers/json?all=1", &list)
		if n := a.engineRequests() - before; n != 0 {
			t.Fatalf("ps made %d requests to the engines, want 0", n)
		}
	})
}

func TestListContainersLimitOrder(t *testing.T) {
	base := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return base.Add(time.Duration(ms) * time.Millisecond) }
	a := newSimAPI(t,
		simengine.Config{Name: "node-1", Containers: []simengine.Container{
			{Name: "oldest", Created: at(0)},
			{Name: "third", Created: at(100), State: "exited"},
		}},
		simengine.Config{Name: "node-2", Containers: []simengine.Container{
			{Name: "second", Created: at(110)},
			{Name: "newest", Created: at(2000)},
		}},
	)
	tests := []struct {
		name  string
		query string
		want  []string
	}{
		{"limit keeps the newest (times with trimmed zeros)", "limit=2", []string{"/node-2/newest", "/node-2/second"}},
		{"limit includes stopped", "limit=3", []string{"/node-2/newest", "/node-2/second", "/node-1/third"}},
		{"limit one", "limit=1", []string{"/node-2/newest"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var list []container.Summary
			a.getJSON("/v1.41/containers/json?"+tt.query, &list)
			var got []string
			for _, c := range list {
				got = append(got, c.Names[0])
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Fatalf("names %v, want %v (newest first)", got, tt.want)
			}
		})
	}
}

func TestInspectContainer(t *testing.T) {
	a := newSimAPI(t, twoNodes()...)
	want, _ := a.sims[1].Inspect("db-0")
	tests := []struct {
		name, ref string
		code      int
		msg       string
	}{
		{"name", "db-0", 200, ""},
		{"node/name", "node-2/db-0", 200, ""},
		{"full ID", want.ID, 200, ""},
		{"ID prefix", want.ID[:10], 200, ""},
		{"unknown", "nope", 404, "No such container: nope"},
		{"wrong node", "node-1/db-0", 404, "No such container: node-1/db-0"},
	}
	for _, tt := range tests {
		for _, prefix := range []string{"/v1.41", ""} {
			t.Run(tt.name+prefix, func(t *testing.T) {
				before := a.engineRequests()
				code, _, body := a.do("GET", prefix+"/containers/"+tt.ref+"/json", nil)
				// The answer is the engine's own (the cache keeps only what
				// the manager reads); a reference the cache does not
				// resolve asks no engine.
				wantCalls := int64(0)
				if tt.code == 200 {
					wantCalls = 1
				}
				if n := a.engineRequests() - before; n != wantCalls {
					t.Fatalf("inspect made %d requests to the engines, want %d", n, wantCalls)
				}
				if code != tt.code {
					t.Fatalf("status %d %s, want %d", code, body, tt.code)
				}
				if tt.code != 200 {
					if got := errorMessage(t, body); got != tt.msg {
						t.Fatalf("message %q, want %q", got, tt.msg)
					}
					return
				}
				var got struct {
					container.InspectResponse
					Node *cluster.NodeInfo
				}
				if err := json.Unmarshal(body, &got); err != nil {
					t.Fatal(err)
				}
				if got.ID != want.ID || got.Name != "/db-0" || got.State == nil || !got.State.Running {
					t.Fatalf("inspect: id %s name %s state %+v", got.ID, got.Name, got.State)
				}
				n := got.Node
				if n == nil || n.Name != "node-2" || n.ID != a.sims[1].ID() || n.Addr != a.sims[1].Addr() || n.IP != "127.0.0.1" || n.Labels["zone"] != "b" {
					t.Fatalf("Node = %+v", n)
				}
			})
		}
	}
}

// TestProxiedContainerCall checks that a container call reaches the right
// engine with the container's full ID and the client's API version, and
// that the cache is fresh when the answer arrives.
func TestProxiedContainerCall(t *testing.T) {
	a := newSimAPI(t, twoNodes()...)
	sim := a.sims[0]
	want, _ := sim.Inspect("web-2")
	tests := []struct {
		name, path, enginePath, state string
	}{
		{"versioned stop", "/v1.30/containers/node-1/web-2/stop", "/v1.30/containers/" + want.ID + "/stop", "exited"},
		{"unversioned start", "/containers/web-2/start", "/v" + DefaultAPIVersion + "/containers/" + want.ID + "/start", "running"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, body := a.do("POST", tt.path, nil)
			if code != http.StatusNoContent {
				t.Fatalf("POST %s = %d %s", tt.path, code, body)
			}
			log := sim.RequestLog()
			found := false
			for _, r := range log {
				found = found || (r.Method == "POST" && r.Path == tt.enginePath)
			}
			if !found {
				t.Fatalf("engine did not receive POST %s; last requests %+v", tt.enginePath, log[max(0, len(log)-5):])
			}
			var got container.InspectResponse
			a.getJSON("/containers/node-1/web-2/json", &got)
			if string(got.State.Status) != tt.state {
				t.Fatalf("state right after the call %q, want %q", got.State.Status, tt.state)
			}
		})
	}
}

// TestRunReadsTheContainerTwice checks that `docker run` through the API
// (create, then start) reads the new container once after each call, and
// that the create and start events the engine publishes need no read of
// their own: they are published once the cache shows what they report.
func TestRunReadsTheContainerTwice(t *testing.T) {
	a := newSimAPI(t, simengine.Config{Name: "node-1"})
	_, evs, cancel := a.cluster.Events().Subscribe(100)
	defer cancel()
	code, _, body := a.do("POST", "/containers/create?name=run1", strings.NewReader(`{"Image":"busybox","Cmd":["true"]}`))
	if code != http.StatusCreated {
		t.Fatalf("create = %d %s", code, body)
	}
	var created container.CreateResponse
	if err := json.Unmarshal(body, &created); err != nil {
		t.Fatal(err)
	}
	if code, _, body := a.do("POST", "/containers/run1/start", nil); code != http.StatusNoContent {
		t.Fatalf("start = %d %s", code, body)
	}
	// A second start answers 304 and reads nothing: the promise it made
	// is broken, and nothing waits for it.
	if code, _, body := a.do("POST", "/containers/run1/start", nil); code != http.StatusNotModified {
		t.Fatalf("second start = %d %s", code, body)
	}
	deadline := time.After(10 * time.Second)
	for seen := map[string]bool{}; !seen["create"] || !seen["start"]; {
		select {
		case ev := <-evs:
			if ev.Actor.ID != created.ID {
				continue
			}
			seen[string(ev.Action)] = true
			ct, err := a.cluster.Container(created.ID)
			if err != nil || (ev.Action == "start" && ct.State() != "running") {
				t.Fatalf("%s event published before the cache showed it: %v %v", ev.Action, ct, err)
			}
		case <-deadline:
			t.Fatal("the create and start events were not both published")
		}
	}
	n := 0
	for _, r := range a.sims[0].RequestLog() {
		if r.Method == "GET" && strings.HasSuffix(r.Path, "/containers/"+created.ID+"/json") {
			n++
		}
	}
	if n != 2 {
		t.Fatalf("the engine was asked to inspect the new container %d times, want 2", n)
	}
}
