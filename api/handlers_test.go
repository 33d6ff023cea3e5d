package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/events"

	"github.com/swarm-project/swarm/cluster"
)

// fakeCluster stands in for the cluster behind the small interfaces of
// backend.go: each field is what one method answers.
type fakeCluster struct {
	findErr    error // Container
	createErr  error // CreateContainer
	created    container.CreateResponse
	createReq  *cluster.CreateRequest // what CreateContainer received
	nameErr    error                  // NameAvailable
	execErr    error                  // ExecEngine
	strategy   string
	filterList []string
	past       []cluster.Event
	newestAPI  string // NewestAPI
}

func (f *fakeCluster) Container(ref string) (*cluster.Container, error) {
	if f.findErr != nil {
		return nil, f.findErr
	}
	return nil, &cluster.NotFoundError{Kind: "container", Ref: ref}
}

func (f *fakeCluster) ContainersOn([]string) []*cluster.Container { return nil }

func (f *fakeCluster) CreateContainer(_ context.Context, req cluster.CreateRequest) (container.CreateResponse, *cluster.Engine, error) {
	f.createReq = &req
	return f.created, nil, f.createErr
}

func (f *fakeCluster) NameAvailable(string) error                           { return f.nameErr }
func (f *fakeCluster) ContainerChanged(context.Context, *cluster.Container) {}
func (f *fakeCluster) StartRead(c *cluster.Container) *cluster.StartRead {
	return c.Engine.PromiseStart(c.ID())
}
func (f *fakeCluster) RememberExec(string, *cluster.Engine) {}
func (f *fakeCluster) ExecEngine(id string) (*cluster.Engine, error) {
	if f.execErr != nil {
		return nil, f.execErr
	}
	return nil, &cluster.NotFoundError{Kind: "exec instance", Ref: id}
}

func (f *fakeCluster) Subscribe(int) ([]cluster.Event, <-chan cluster.Event, func()) {
	ch := make(chan cluster.Event)
	close(ch)
	return f.past, ch, func() {}
}

func (f *fakeCluster) Engines() []*cluster.Engine { return nil }
func (f *fakeCluster) Strategy() string           { return f.strategy }
func (f *fakeCluster) Filters() []string          { return f.filterList }
func (f *fakeCluster) NewestAPI() string          { return f.newestAPI }

// fakeServer is a Server over f, with no listener.
func fakeServer(f *fakeCluster) *Server {
	s := &Server{containers: f, lister: f, creator: f, execs: f, feed: f, summary: f, streams: newStreamSet()}
	s.proxy = s.newProxy()
	s.handler = s.buildHandler()
	return s
}

func TestHandlersAgainstFakes(t *testing.T) {
	noFit := errors.New("Unable to find a node that satisfies the following conditions \n[port 80 (Bridge mode)]")
	tests := []struct {
		name       string
		fake       fakeCluster
		method     string
		path       string
		body       string
		wantStatus int
		wantBody   string // a substring of the answer
		notBody    string // a substring the answer must not have
	}{
		{name: "inspect unknown container", method: "GET", path: "/v1.41/containers/web/json",
			wantStatus: 404, wantBody: "No such container: web"},
		{name: "inspect on an unhealthy node", method: "GET", path: "/containers/web/json",
			fake:       fakeCluster{findErr: &cluster.NodeUnavailableError{Name: "node-2", Addr: "10.0.0.2:2375", State: cluster.Unhealthy}},
			wantStatus: 503, wantBody: "node node-2 (10.0.0.2:2375) is Unhealthy"},
		{name: "ambiguous name", method: "POST", path: "/containers/web/start",
			fake:       fakeCluster{findErr: cluster.Errorf(cluster.ErrInvalid, "container name %q is used on several nodes", "web")},
			wantStatus: 400, wantBody: "used on several nodes"},
		{name: "create, empty body", method: "POST", path: "/containers/create",
			wantStatus: 400, wantBody: "request body is empty"},
		{name: "create, not JSON", method: "POST", path: "/containers/create", body: "{",
			wantStatus: 400, wantBody: "invalid JSON"},
		{name: "create, no node fits", method: "POST", path: "/containers/create", body: `{"Image":"busybox"}`,
			fake:       fakeCluster{createErr: &wrapped{kind: cluster.ErrNoFit, err: noFit}},
			wantStatus: 500, wantBody: "Unable to find a node"},
		{name: "create, name in use", method: "POST", path: "/containers/create?name=web", body: `{"Image":"busybox"}`,
			fake:       fakeCluster{createErr: cluster.Errorf(cluster.ErrConflict, "Conflict. The container name \"/web\" is already in use")},
			wantStatus: 409, wantBody: "already in use"},
		{name: "create, bad expression", method: "POST", path: "/containers/create", body: `{"Image":"busybox","Env":["constraint:node=="]}`,
			fake:       fakeCluster{createErr: cluster.Errorf(cluster.ErrInvalid, "invalid expression")},
			wantStatus: 400, wantBody: "invalid expression"},
		{name: "create, no healthy node", method: "POST", path: "/containers/create", body: `{"Image":"busybox"}`,
			fake:       fakeCluster{createErr: cluster.Errorf(cluster.ErrUnavailable, "no healthy node in the cluster")},
			wantStatus: 503, wantBody: "no healthy node"},
		{name: "create succeeds", method: "POST", path: "/containers/create?name=web", body: `{"Image":"busybox"}`,
			fake:       fakeCluster{created: container.CreateResponse{ID: "abc123"}},
			wantStatus: 201, wantBody: `"Id":"abc123","Warnings":[]`},
		{name: "rename to a used name", method: "POST", path: "/containers/web/rename?name=db",
			fake:       fakeCluster{nameErr: cluster.Errorf(cluster.ErrConflict, "Conflict. The container name \"/db\" is already in use")},
			wantStatus: 409, wantBody: "already in use"},
		{name: "exec unknown", method: "POST", path: "/exec/e1/start", body: "{}",
			wantStatus: 404, wantBody: "No such exec instance: e1"},
		{name: "ps with an unknown filter", method: "GET", path: `/containers/json?filters={"colour":["red"]}`,
			wantStatus: 400, wantBody: "invalid filter 'colour'"},
		{name: "ps with a bad status", method: "GET", path: `/containers/json?filters={"status":["asleep"]}`,
			wantStatus: 400, wantBody: "invalid filter 'status=asleep'"},
		{name: "ps of an empty cluster", method: "GET", path: "/containers/json",
			wantStatus: 200, wantBody: "[]"},
		{name: "events with until before since", method: "GET", path: "/events?since=200&until=100",
			wantStatus: 400, wantBody: "`since` time must be before `until`"},
		{name: "events replay ends at until", method: "GET", path: "/events?since=1&until=2",
			fake:       fakeCluster{past: []cluster.Event{evAt(1, "start"), evAt(3, "stop")}},
			wantStatus: 200, wantBody: `"Action":"start"`, notBody: `"Action":"stop"`},
		{name: "info shows strategy and filters", method: "GET", path: "/info",
			fake:       fakeCluster{strategy: "binpack", filterList: []string{"health", "port"}},
			wantStatus: 200, wantBody: `["Strategy","binpack"],["Filters","health, port"],["Nodes","0"]`},
		{name: "version too new", method: "GET", path: "/v9.99/info",
			wantStatus: 400, wantBody: "client version 9.99 is too new"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.fake
			s := fakeServer(&f)
			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
			}
			r := httptest.NewRequest(tt.method, tt.path, body)
			w := httptest.NewRecorder()
			s.Handler().ServeHTTP(w, r)
			if w.Code != tt.wantStatus {
				t.Errorf("status %d, want %d; body %s", w.Code, tt.wantStatus, w.Body)
			}
			if !strings.Contains(w.Body.String(), tt.wantBody) {
				t.Errorf("body %s lacks %s", w.Body, tt.wantBody)
			}
			if tt.notBody != "" && strings.Contains(w.Body.String(), tt.notBody) {
				t.Errorf("body %s has %s", w.Body, tt.notBody)
			}
			if tt.wantStatus >= 400 {
				var msg struct{ Message string }
				if err := json.Unmarshal(w.Body.Bytes(), &msg); err != nil || msg.Message == "" {
					t.Errorf("error answer is not Docker's {\"message\": ...}: %s", w.Body)
				}
			}
		})
	}
}

func TestCreatePassesTheRequestOn(t *testing.T) {
	f := &fakeCluster{created: container.CreateResponse{ID: "x"}}
	s := fakeServer(f)
	r := httptest.NewRequest("POST", "/v1.41/containers/create?name=web&platform=linux/arm64/v8",
		strings.NewReader(`{"Image":"busybox","Env":["constraint:zone==a"],"HostConfig":{"Memory":1024}}`))
	r.Header.Set("X-Registry-Auth", "token")
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, r)
	if w.Code != http.StatusCreated {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	got := f.createReq
	if got == nil {
		t.Fatal("the cluster was not asked")
	}
	if got.Name != "web" || got.Config.Image != "busybox" || got.Config.Env[0] != "constraint:zone==a" ||
		got.HostConfig.Memory != 1024 || got.RegistryAuth != "token" ||
		got.Platform == nil || got.Platform.Architecture != "arm64" || got.Platform.Variant != "v8" {
		t.Errorf("the cluster got %+v (config %+v, host config %+v, platform %+v)", got, got.Config, got.HostConfig, got.Platform)
	}
}

// wrapped gives err the class kind, as the cluster's errors have.
type wrapped struct {
	kind, err error
}

func (w *wrapped) Error() string        { return w.err.Error() }
func (w *wrapped) Is(target error) bool { return target == w.kind }

func evAt(sec int64, action string) cluster.Event {
	var ev cluster.Event
	ev.Type = "container"
	ev.Action = events.Action(action)
	ev.Time = sec
	return ev
}
