package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/swarm"
	"github.com/docker/docker/api/types/system"

	"github.com/swarm-project/swarm/cluster/engine"
)

// fakeNodes stands in for the cluster's nodes: two engines, node-1
// drained with a manager-side label, and records the last update.
type fakeNodes struct {
	nodes     []engine.Node
	updateErr error
	warnings  []string
	gotRef    string
	gotVer    uint64
	gotSpec   *engine.NodeSpec
}

func newFakeNodes() *fakeNodes {
	e1 := engine.NewFixture(engine.Fixture{Addr: "10.0.0.1:2375", Name: "node-1", ID: "AAAA:1111", Health: engine.Healthy, Labels: map[string]string{"node": "node-1", "tier": "bronze"}})
	e2 := engine.NewFixture(engine.Fixture{Addr: "10.0.0.2:2375", Name: "node-2", ID: "BBBB:2222", Health: engine.Unhealthy, Labels: map[string]string{"node": "node-2"}})
	e3 := engine.NewFixture(engine.Fixture{Addr: "10.0.0.3:2375", Health: engine.Pending})
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return &fakeNodes{nodes: []engine.Node{
		{Engine: e1, Meta: engine.NodeMeta{Spec: engine.NodeSpec{Availability: engine.AvailabilityDrain, Labels: map[string]string{"tier": "gold"}}, Version: 3, CreatedAt: t0, UpdatedAt: t0.Add(time.Hour)}},
		{Engine: e2, Meta: engine.NodeMeta{Spec: engine.NodeSpec{Availability: engine.AvailabilityActive}}},
		{Engine: e3, Meta: engine.NodeMeta{Spec: engine.NodeSpec{Availability: engine.AvailabilityActive}}},
	}}
}

func (f *fakeNodes) SwarmNodes() []engine.Node { return f.nodes }

func (f *fakeNodes) SwarmNode(ref string) (engine.Node, error) {
	for _, n := range f.nodes {
		if n.NodeID() == ref || n.Engine.Name() == ref {
			return n, nil
		}
	}
	return engine.Node{}, engine.Errorf(engine.ErrNotFound, "node %s not found", ref)
}

func (f *fakeNodes) UpdateNode(_ context.Context, ref string, version uint64, spec engine.NodeSpec) ([]string, error) {
	f.gotRef, f.gotVer, f.gotSpec = ref, version, &spec
	return f.warnings, f.updateErr
}

func nodeServer(f *fakeCluster, n *fakeNodes) *Server {
	s := &Server{containers: f, lister: f, creator: f, execs: f, feed: f, summary: n, nodes: n, streams: newStreamSet()}
	s.proxy = s.newProxy()
	s.handler = s.buildHandler()
	return s
}

// fakeNodes also answers docker info's summary.
func (f *fakeNodes) Engines() []*engine.Engine {
	out := make([]*engine.Engine, len(f.nodes))
	for i, n := range f.nodes {
		out[i] = n.Engine
	}
	return out
}
func (f *fakeNodes) Strategy() string  { return "spread" }
func (f *fakeNodes) Filters() []string { return nil }
func (f *fakeNodes) NewestAPI() string { return "" }

func TestNodeHandlers(t *testing.T) {
	tests := []struct {
		name       string
		method     string
		path       string
		body       string
		updateErr  error
		warnings   []string
		wantStatus int
		wantBody   string // a substring of the answer
		check      func(t *testing.T, f *fakeNodes, body []byte)
	}{
		{name: "list", method: "GET", path: "/v1.41/nodes", wantStatus: 200, check: func(t *testing.T, _ *fakeNodes, body []byte) {
			var nodes []swarm.Node
			if err := json.Unmarshal(body, &nodes); err != nil || len(nodes) != 3 {
				t.Fatalf("%v: %s", err, body)
			}
			n := nodes[0]
			if n.ID != "AAAA:1111" || n.Description.Hostname != "node-1" || n.Spec.Availability != swarm.NodeAvailabilityDrain ||
				n.Status.State != swarm.NodeStateReady || n.Spec.Role != swarm.NodeRoleWorker || n.Version.Index != 3 ||
				n.Spec.Labels["tier"] != "gold" || n.Description.Engine.Labels["tier"] != "bronze" || n.ManagerStatus != nil {
				t.Errorf("node-1 = %+v", n)
			}
			if nodes[1].Status.State != swarm.NodeStateDown || nodes[2].Status.State != swarm.NodeStateUnknown || nodes[2].ID != "10.0.0.3:2375" {
				t.Errorf("node-2 %+v, pending %+v", nodes[1].Status, nodes[2])
			}
		}},
		{name: "list, filter node.label", method: "GET", path: `/nodes?filters={"node.label":["tier=gold"]}`, wantStatus: 200, wantBody: `"ID":"AAAA:1111"`,
			check: func(t *testing.T, _ *fakeNodes, body []byte) {
				if strings.Contains(string(body), "BBBB") {
					t.Errorf("filter kept node-2: %s", body)
				}
			}},
		{name: "list, filter role manager", method: "GET", path: `/nodes?filters={"role":["manager"]}`, wantStatus: 200, wantBody: `[]`},
		{name: "list, bad filter", method: "GET", path: `/nodes?filters={"color":["red"]}`, wantStatus: 400, wantBody: "color"},
		{name: "inspect by name", method: "GET", path: "/nodes/node-2", wantStatus: 200, wantBody: `"ID":"BBBB:2222"`},
		{name: "inspect unknown", method: "GET", path: "/v1.41/nodes/nosuch", wantStatus: 404, wantBody: "node nosuch not found"},
		{name: "update", method: "POST", path: "/nodes/node-1/update?version=3", wantStatus: 200,
			body: `{"Role":"worker","Availability":"pause","Labels":{"a":"b"}}`,
			check: func(t *testing.T, f *fakeNodes, body []byte) {
				if f.gotRef != "node-1" || f.gotVer != 3 || f.gotSpec.Availability != engine.AvailabilityPause || f.gotSpec.Labels["a"] != "b" {
					t.Errorf("update got %q %d %+v", f.gotRef, f.gotVer, f.gotSpec)
				}
			}},
		{name: "update with drain warnings", method: "POST", path: "/nodes/node-1/update?version=3", body: `{"Availability":"drain"}`,
			warnings: []string{"container db has no reschedule policy"}, wantStatus: 200, wantBody: `"Warnings":["container db has no reschedule policy"]`},
		{name: "update, stale version", method: "POST", path: "/nodes/node-1/update?version=1", body: `{"Availability":"pause"}`,
			updateErr: engine.Errorf(engine.ErrConflict, "update out of sequence"), wantStatus: 409, wantBody: "update out of sequence"},
		{name: "update, bad availability", method: "POST", path: "/nodes/node-1/update?version=3", body: `{"Availability":"sleepy"}`,
			updateErr: engine.Errorf(engine.ErrInvalid, `invalid availability "sleepy"`), wantStatus: 400, wantBody: "sleepy"},
		{name: "update, no version", method: "POST", path: "/nodes/node-1/update", body: `{}`, wantStatus: 400, wantBody: "invalid node version ''"},
		{name: "update, not JSON", method: "POST", path: "/nodes/node-1/update?version=3", body: `{`, wantStatus: 400, wantBody: "invalid JSON"},
		{name: "promote", method: "POST", path: "/nodes/node-1/update?version=3", body: `{"Role":"manager"}`, wantStatus: 400, wantBody: "every node is a worker",
			check: func(t *testing.T, f *fakeNodes, _ []byte) {
				if f.gotSpec != nil {
					t.Errorf("a refused promote reached the cluster")
				}
			}},
		{name: "remove", method: "DELETE", path: "/nodes/node-1", wantStatus: 400, wantBody: "does not remove nodes"},
		{name: "services stay refused", method: "GET", path: "/services", wantStatus: 503, wantBody: "not a swarm manager"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fn := newFakeNodes()
			fn.updateErr, fn.warnings = tt.updateErr, tt.warnings
			h := nodeServer(&fakeCluster{}, fn).Handler()
			req := httptest.NewRequest(tt.method, tt.path, strings.NewReader(tt.body))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.wantStatus || !strings.Contains(rec.Body.String(), tt.wantBody) {
				t.Fatalf("%s %s = %d %s, want %d with %q", tt.method, tt.path, rec.Code, rec.Body, tt.wantStatus, tt.wantBody)
			}
			if tt.check != nil {
				tt.check(t, fn, rec.Body.Bytes())
			}
		})
	}
}

func TestInfoShowsNodeLabelsAndAvailability(t *testing.T) {
	fn := newFakeNodes()
	h := nodeServer(&fakeCluster{}, fn).Handler()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/info", nil))
	var info system.Info
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &info) != nil {
		t.Fatalf("info: %d %s", rec.Code, rec.Body)
	}
	block := map[string]map[string]string{}
	node := ""
	for _, kv := range info.SystemStatus {
		if strings.HasPrefix(kv[0], "  └ ") && node != "" {
			block[node][strings.TrimPrefix(kv[0], "  └ ")] = kv[1]
		} else if strings.HasPrefix(kv[0], " ") && !strings.HasPrefix(kv[0], "  ") {
			node = strings.TrimSpace(kv[0])
			block[node] = map[string]string{}
		}
	}
	tests := []struct{ node, key, want string }{
		{"node-1", "Availability", "drain"},
		{"node-1", "Labels", "node=node-1, tier=gold"}, // the manager-side label wins
		{"node-2", "Availability", ""},                 // active: classic's block
		{"node-2", "Labels", "node=node-2"},
	}
	for _, tt := range tests {
		if got := block[tt.node][tt.key]; got != tt.want {
			t.Errorf("%s %s = %q, want %q (status %v)", tt.node, tt.key, got, tt.want, info.SystemStatus)
		}
	}
}
