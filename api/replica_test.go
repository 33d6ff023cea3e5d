package api

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/docker/docker/api/types/system"

	"github.com/swarm-project/swarm/cluster"
	"github.com/swarm-project/swarm/scheduler"
)

// fakeReplication answers Primary with what the test sets.
type fakeReplication struct {
	mu      sync.Mutex // guards self, primary
	self    bool
	primary string
}

func (f *fakeReplication) Primary() (bool, string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.self, f.primary
}

func (f *fakeReplication) set(self bool, primary string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.self, f.primary = self, primary
}

func TestReplicaMiddleware(t *testing.T) {
	primary := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-From", "primary")
		_, _ = io.WriteString(w, r.Method+" "+r.URL.RequestURI())
	}))
	defer primary.Close()
	primaryAddr := strings.TrimPrefix(primary.URL, "http://")

	sched, err := scheduler.New("spread", nil, scheduler.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	rep := &fakeReplication{}
	srv := httptest.NewServer(NewServer(cluster.New(cluster.Options{Scheduler: sched}), Options{Version: "test", Replication: rep}).Handler())
	defer srv.Close()

	tests := []struct {
		name       string
		self       bool
		primary    string
		path       string
		wantStatus int
		wantFrom   string // "primary" when forwarded
		wantBody   string
	}{
		{name: "replica forwards", primary: primaryAddr, path: "/v1.41/containers/json?all=1", wantStatus: 200, wantFrom: "primary", wantBody: "GET /v1.41/containers/json?all=1"},
		{name: "replica forwards the cluster page", primary: primaryAddr, path: "/ui/state.json?page=2", wantStatus: 200, wantFrom: "primary", wantBody: "GET /ui/state.json?page=2"},
		{name: "primary serves the cluster page", self: true, primary: "ignored:1", path: "/ui/", wantStatus: 200, wantBody: `<script src="app.js">`},
		{name: "replica answers _ping itself", primary: primaryAddr, path: "/_ping", wantStatus: 200, wantBody: "OK"},
		{name: "no primary known", path: "/v1.41/containers/json", wantStatus: 503, wantBody: "no primary manager is known"},
		{name: "primary answers itself", self: true, primary: "ignored:1", path: "/v1.41/containers/json", wantStatus: 200, wantBody: "[]"},
		{name: "primary unreachable", primary: "127.0.0.1:1", path: "/v1.41/version", wantStatus: 503, wantBody: "Unable to reach primary cluster manager (127.0.0.1:1)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep.set(tt.self, tt.primary)
			resp, err := http.Get(srv.URL + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.wantStatus || resp.Header.Get("X-From") != tt.wantFrom || !strings.Contains(string(body), tt.wantBody) {
				t.Fatalf("got %d from %q: %s; want %d from %q containing %q", resp.StatusCode, resp.Header.Get("X-From"), body, tt.wantStatus, tt.wantFrom, tt.wantBody)
			}
		})
	}

	roles := []struct {
		self          bool
		primary, want string
	}{
		{self: true, primary: "me:1", want: "Role=primary"},
		{primary: "other:2", want: "Role=replica Primary=other:2"},
		{want: "Role=replica Primary=(none)"},
	}
	for _, r := range roles {
		rep.set(r.self, r.primary)
		resp, err := http.Get(srv.URL + "/info")
		if err != nil {
			t.Fatal(err)
		}
		var info system.Info
		err = json.NewDecoder(resp.Body).Decode(&info)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, kv := range info.SystemStatus {
			if kv[0] == "Role" || kv[0] == "Primary" {
				got = append(got, kv[0]+"="+kv[1])
			}
		}
		if strings.Join(got, " ") != r.want {
			t.Errorf("info with (%v, %q): %v, want %s", r.self, r.primary, got, r.want)
		}
	}
}
