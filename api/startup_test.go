package api

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/swarm-project/swarm/cluster"
)

// fakeGate is a startup gate: starting until open is closed; with never,
// WaitStarted gives up at once, as when the hold ran out.
type fakeGate struct {
	open  chan struct{}
	never bool
}

const fakeWhy = "the manager is still starting: 1 of 2 engines has not answered yet (10.0.0.5:2375); it waits at most 20s more; try again in a few seconds"

func (g *fakeGate) Starting() (bool, string) {
	select {
	case <-g.open:
		return false, ""
	default:
		return true, fakeWhy
	}
}

func (g *fakeGate) WaitStarted(ctx context.Context) error {
	if g.never {
		return cluster.Errorf(cluster.ErrUnavailable, "%s", fakeWhy)
	}
	select {
	case <-g.open:
		return nil
	case <-ctx.Done():
		return cluster.Errorf(cluster.ErrUnavailable, "%s", fakeWhy)
	}
}

func TestGatedPath(t *testing.T) {
	tests := []struct {
		path string
		want bool
	}{
		{"/_ping", false},
		{"/v1.41/_ping", false},
		{"/version", false},
		{"/v1.24/info", false},
		{"/events", false},
		{"/metrics", false},
		{"/ui", false},
		{"/ui/state.json", false},
		{"/nodes", false},
		{"/v1.41/nodes/node-1", false},
		{"/containers/json", true},
		{"/v1.41/containers/create", true},
		{"/containers/keep/json", true},
		{"/containers/keep/rename", true},
		{"/images/json", true},
		{"/networks/create", true},
		{"/volumes", true},
		{"/information", true},
		{"/uix", true},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			if got := gatedPath(tt.path); got != tt.want {
				t.Fatalf("gatedPath(%q) = %v, want %v", tt.path, got, tt.want)
			}
		})
	}
}

func TestStartupMiddleware(t *testing.T) {
	tests := []struct {
		name       string
		method     string
		path       string
		body       string
		never      bool          // the manager does not start within the hold
		openAfter  time.Duration // the manager starts after this (never: 0)
		wantStatus int
		wantBody   string
	}{
		{name: "ping answers while starting", method: "GET", path: "/_ping", never: true, wantStatus: 200, wantBody: "OK"},
		{name: "version answers while starting", method: "GET", path: "/v1.41/version", never: true, wantStatus: 200, wantBody: "ApiVersion"},
		{name: "info answers and says why", method: "GET", path: "/info", never: true, wantStatus: 200,
			wantBody: `["Startup","the manager is still starting: 1 of 2 engines has not answered yet`},
		{name: "ps is never silently partial", method: "GET", path: "/containers/json?all=1", never: true, wantStatus: 503,
			wantBody: `{"message":"the manager is still starting: 1 of 2 engines has not answered yet (10.0.0.5:2375)`},
		{name: "inspect too", method: "GET", path: "/v1.41/containers/keep/json", never: true, wantStatus: 503, wantBody: "still starting"},
		{name: "create gets a 503 that says why", method: "POST", path: "/containers/create?name=keep", body: `{"Image":"busybox"}`, never: true,
			wantStatus: 503, wantBody: "try again in a few seconds"},
		{name: "rename too", method: "POST", path: "/containers/web/rename?name=keep", never: true, wantStatus: 503, wantBody: "still starting"},
		{name: "create waits for the start", method: "POST", path: "/containers/create?name=keep", body: `{"Image":"busybox"}`,
			openAfter: 50 * time.Millisecond, wantStatus: 201, wantBody: `"Id":"abc123"`},
		{name: "ps waits for the start", method: "GET", path: "/containers/json", openAfter: 50 * time.Millisecond, wantStatus: 200, wantBody: "[]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeCluster{strategy: "spread"}
			f.created.ID = "abc123"
			s := fakeServer(f)
			g := &fakeGate{open: make(chan struct{}), never: tt.never}
			if tt.openAfter > 0 {
				timer := time.AfterFunc(tt.openAfter, func() { close(g.open) })
				defer timer.Stop()
			}
			s.startup = g
			s.handler = s.buildHandler()
			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
			}
			req := httptest.NewRequest(tt.method, tt.path, body)
			if tt.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, req)
			if rec.Code != tt.wantStatus || !strings.Contains(rec.Body.String(), tt.wantBody) {
				t.Fatalf("%s %s = %d %s\nwant %d with %q", tt.method, tt.path, rec.Code, rec.Body, tt.wantStatus, tt.wantBody)
			}
			if rec.Code == http.StatusServiceUnavailable && rec.Header().Get("Retry-After") == "" {
				t.Errorf("a 503 while starting has no Retry-After")
			}
		})
	}
}

// TestStartupWithCluster: a cluster whose startup wait runs out without
// any discovery answer holds a ps until then, and answers it afterwards.
func TestStartupWithCluster(t *testing.T) {
	c := cluster.New(cluster.Options{StartupWait: 200 * time.Millisecond})
	if starting, why := c.Starting(); !starting || !strings.Contains(why, "the discovery has not listed the engines yet") {
		t.Fatalf("Starting() = %v, %q", starting, why)
	}
	srv := httptest.NewServer(NewServer(c, Options{Version: "test"}).Handler())
	defer srv.Close()
	start := time.Now()
	resp, err := http.Get(srv.URL + "/containers/json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("ps after the startup wait = %d %s, want 200", resp.StatusCode, b)
	}
	if took := time.Since(start); took < 100*time.Millisecond {
		t.Errorf("ps answered after %s, before the startup wait ran out", took)
	}
}
