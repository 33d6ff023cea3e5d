package api

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"

	"github.com/swarm-project/swarm/cluster/engine"
)

// A proxied call that cannot reach the engine counts against its health,
// as a failed refresh does; an answer from the engine clears the count; a
// client that went away counts nothing.
func TestProxyCountsConnectionFailures(t *testing.T) {
	// An address nothing listens on: a listener opened and closed.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := l.Addr().String()
	l.Close()

	live := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte("hello\n"))
	}))
	defer live.Close()
	liveAddr := strings.TrimPrefix(live.URL, "http://")

	started := time.Now().Add(-time.Minute).Format(time.RFC3339Nano)
	fixture := func(addr, id, name string) *engine.Engine {
		return engine.NewFixture(engine.Fixture{
			Addr: addr, Name: name, Health: engine.Healthy, FailureRetry: 3,
			APIVersion: "1.41", MinAPIVersion: "1.12", Transport: &http.Transport{},
			Containers: []container.InspectResponse{{
				ContainerJSONBase: &container.ContainerJSONBase{ID: id, Name: "/" + name, Created: started,
					State: &container.State{Status: "running", Running: true, StartedAt: started}},
				Config: &container.Config{Image: "busybox"},
			}},
		})
	}
	dead := fixture(deadAddr, strings.Repeat("1", 64), "dead")
	alive := fixture(liveAddr, strings.Repeat("2", 64), "alive")
	finder := fixtureFinder{dead, alive}
	s := fakeServer(&fakeCluster{})
	s.containers, s.lister = finder, finder

	logs := func(name string) int {
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/v1.41/containers/"+name+"/logs?stdout=1", nil))
		return rec.Code
	}
	for i := 1; i <= 2; i++ {
		if code := logs("dead"); code != http.StatusInternalServerError {
			t.Fatalf("logs on an unreachable engine: status %d, want 500", code)
		}
		if got := dead.Failures(); got != i {
			t.Fatalf("after %d failed calls: %d failures, want %d", i, got, i)
		}
	}
	if got, want := dead.HealthScore(), 100-2*100/3; got != want {
		t.Errorf("health score after 2 of 3 failures = %d, want %d", got, want)
	}
	if dead.Health() != engine.Healthy {
		t.Errorf("health after 2 of 3 failures = %s, want Healthy", dead.Health())
	}
	if code := logs("dead"); code != http.StatusInternalServerError {
		t.Fatalf("third call: status %d, want 500", code)
	}
	if dead.Health() != engine.Unhealthy {
		t.Errorf("health after 3 of 3 failures = %s, want Unhealthy", dead.Health())
	}

	if code := logs("alive"); code != http.StatusOK {
		t.Fatalf("logs on a live engine: status %d, want 200", code)
	}
	if alive.Failures() != 0 || alive.HealthScore() != 100 {
		t.Errorf("live engine: %d failures, score %d; want 0 and 100", alive.Failures(), alive.HealthScore())
	}
}
