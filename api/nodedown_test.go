package api

import (
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"

	"github.com/swarm-project/swarm/cluster/engine"
)

// fixtureFinder finds and lists the containers of fixture engines, by ID,
// swarm ID or name.
type fixtureFinder []*engine.Engine

func (f fixtureFinder) Container(ref string) (*engine.Container, error) {
	for _, e := range f {
		if c := e.Lookup(strings.TrimPrefix(ref, "/")); c != nil {
			return c, nil
		}
		if c := e.BySwarmID(ref); c != nil {
			return c, nil
		}
	}
	return nil, &engine.NotFoundError{Kind: "container", Ref: ref}
}

func (f fixtureFinder) ContainersOn([]string) []*engine.Container {
	var out []*engine.Container
	for _, e := range f {
		out = append(out, e.Containers()...)
	}
	return out
}

// runningOn is an engine with one running container, named name, with a
// swarm ID.
func runningOn(node string, h engine.Health, id, name, swarmID string) *engine.Engine {
	started := time.Now().Add(-time.Minute).Format(time.RFC3339Nano)
	return engine.NewFixture(engine.Fixture{Addr: node + ":2375", Name: node, Health: h, APIVersion: "1.41", MinAPIVersion: "1.12",
		Containers: []container.InspectResponse{{
			ContainerJSONBase: &container.ContainerJSONBase{ID: id, Name: "/" + name, Created: started,
				State: &container.State{Status: "running", Running: true, StartedAt: started}},
			Config: &container.Config{Image: "busybox", Labels: map[string]string{engine.SwarmIDLabel: swarmID}},
		}},
	})
}

// A container on an Unhealthy node: calls on it answer classic Swarm's 500
// with the reference as the client gave it, never stale cached data; ps
// hides it and ps -a shows it "Host Down".
func TestContainerOnADownNode(t *testing.T) {
	upID, downID := strings.Repeat("1", 64), strings.Repeat("2", 64)
	downSID := strings.Repeat("d", 64)
	finder := fixtureFinder{
		runningOn("node-1", engine.Healthy, upID, "up", strings.Repeat("c", 64)),
		runningOn("node-2", engine.Unhealthy, downID, "down", downSID),
	}
	s := fakeServer(&fakeCluster{})
	s.containers, s.lister = finder, finder

	calls := []struct {
		name, method, path, ref string
	}{
		{"inspect by name", "GET", "/containers/down/json", "down"},
		{"inspect by ID", "GET", "/v1.41/containers/" + downID + "/json", downID},
		{"inspect by swarm ID", "GET", "/v1.41/containers/" + downSID + "/json", downSID},
		{"inspect with sizes", "GET", "/containers/down/json?size=1", "down"},
		{"start", "POST", "/v1.41/containers/down/start", "down"},
		{"stop", "POST", "/v1.41/containers/down/stop", "down"},
		{"logs", "GET", "/v1.41/containers/down/logs?stdout=1", "down"},
		{"rm", "DELETE", "/v1.41/containers/down?force=1", "down"},
		{"exec", "POST", "/v1.41/containers/down/exec", "down"},
		{"attach", "POST", "/v1.41/containers/down/attach?stream=1", "down"},
		{"rename", "POST", "/v1.41/containers/down/rename?name=x", "down"},
	}
	for _, tt := range calls {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			s.Handler().ServeHTTP(w, httptest.NewRequest(tt.method, tt.path, strings.NewReader("{}")))
			var msg struct{ Message string }
			_ = json.Unmarshal(w.Body.Bytes(), &msg)
			want := "Container " + tt.ref + " running on unhealthy node node-2"
			if w.Code != 500 || msg.Message != want {
				t.Fatalf("answer %d %s, want 500 %q", w.Code, w.Body, want)
			}
		})
	}

	lists := []struct {
		name, query string
		want        map[string]string // container name -> status shown
	}{
		{"ps", "", map[string]string{"up": "Up About a minute"}},
		{"ps -a", "all=1", map[string]string{"up": "Up About a minute", "down": "Host Down"}},
		{"ps --filter status=running", `filters={"status":["running"]}`, map[string]string{"up": "Up About a minute"}},
		{"ps -a --filter status=exited", `all=1&filters={"status":["exited"]}`, map[string]string{}},
		{"ps -a --filter name=down", `all=1&filters={"name":["down"]}`, map[string]string{"down": "Host Down"}},
	}
	for _, tt := range lists {
		t.Run(tt.name, func(t *testing.T) {
			q, _ := url.ParseQuery(tt.query)
			w := httptest.NewRecorder()
			s.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/v1.41/containers/json?"+q.Encode(), nil))
			var list []container.Summary
			if err := json.Unmarshal(w.Body.Bytes(), &list); err != nil || w.Code != 200 {
				t.Fatalf("answer %d %s", w.Code, w.Body)
			}
			got := map[string]string{}
			for _, c := range list {
				got[strings.TrimPrefix(c.Names[0], "/"+strings.Split(c.Names[0], "/")[1]+"/")] = c.Status
			}
			if len(got) != len(tt.want) {
				t.Fatalf("listed %v, want %v", got, tt.want)
			}
			for name, st := range tt.want {
				if got[name] != st {
					t.Fatalf("listed %v, want %v", got, tt.want)
				}
			}
		})
	}
}
