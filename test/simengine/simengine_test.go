package simengine

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/events"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
)

// transports runs a test over TCP and over an in-process Network.
var transports = []struct {
	name  string
	start func(t *testing.T, cfg Config) (*Engine, *http.Client)
}{
	{"tcp", func(t *testing.T, cfg Config) (*Engine, *http.Client) {
		e, err := Start(cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(e.Close)
		tr := &http.Transport{}
		t.Cleanup(tr.CloseIdleConnections)
		return e, &http.Client{Transport: tr}
	}},
	{"pipe", func(t *testing.T, cfg Config) (*Engine, *http.Client) {
		n := NewNetwork()
		e, err := n.Start(cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(e.Close)
		tr := n.Transport()
		t.Cleanup(tr.CloseIdleConnections)
		return e, &http.Client{Transport: tr}
	}},
}

func newClient(t *testing.T, e *Engine, hc *http.Client) *client.Client {
	t.Helper()
	c, err := client.NewClientWithOpts(client.WithHost("tcp://"+e.Addr()), client.WithHTTPClient(hc), client.WithAPIVersionNegotiation())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestReadsAndCreate(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			ctx := context.Background()
			e, hc := tr.start(t, Config{Name: "node-1", NCPU: 4, Labels: []string{"zone=a"}, Containers: Containers("web", 3)})
			c := newClient(t, e, hc)
			info, err := c.Info(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if info.Name != "node-1" || info.ID != e.ID() || info.NCPU != 4 || info.Containers != 3 || info.ContainersRunning != 2 {
				t.Fatalf("info = %+v", info)
			}
			if c.ClientVersion() != DefaultAPIVersion {
				t.Fatalf("negotiated %s, want %s", c.ClientVersion(), DefaultAPIVersion)
			}
			running, err := c.ContainerList(ctx, container.ListOptions{})
			if err != nil {
				t.Fatal(err)
			}
			all, err := c.ContainerList(ctx, container.ListOptions{All: true})
			if err != nil {
				t.Fatal(err)
			}
			if len(running) != 2 || len(all) != 3 {
				t.Fatalf("running %d all %d, want 2 and 3", len(running), len(all))
			}
			ins, err := c.ContainerInspect(ctx, "web-1")
			if err != nil {
				t.Fatal(err)
			}
			if ins.Name != "/web-1" || ins.State.Status != "exited" || ins.Config.Labels["app"] != "app1" {
				t.Fatalf("inspect = %+v %+v", ins.ContainerJSONBase, ins.State)
			}
			if _, err := c.ContainerInspect(ctx, "nope"); !cerrdefs.IsNotFound(err) {
				t.Fatalf("inspect nope: %v, want not found", err)
			}

			resp, err := c.ContainerCreate(ctx, &container.Config{Image: "busybox"}, nil, nil, nil, "new")
			if err != nil {
				t.Fatal(err)
			}
			if err := c.ContainerStart(ctx, resp.ID, container.StartOptions{}); err != nil {
				t.Fatal(err)
			}
			if got, _ := e.Inspect("new"); !got.State.Running {
				t.Fatalf("new container not running: %+v", got.State)
			}
			if _, err := c.ContainerCreate(ctx, &container.Config{Image: "busybox"}, nil, nil, nil, "new"); !cerrdefs.IsConflict(err) {
				t.Fatalf("second create: %v, want conflict", err)
			}
			if _, err := c.ContainerCreate(ctx, &container.Config{Image: "redis"}, nil, nil, nil, ""); !cerrdefs.IsNotFound(err) {
				t.Fatalf("create without image: %v, want not found", err)
			}
			if err := c.ContainerRemove(ctx, resp.ID, container.RemoveOptions{Force: true}); err != nil {
				t.Fatal(err)
			}
			if len(e.ContainerIDs()) != 3 {
				t.Fatalf("containers after remove: %v", e.ContainerIDs())
			}
		})
	}
}

func TestVersionedAndUnversionedPaths(t *testing.T) {
	e, hc := transports[0].start(t, Config{APIVersion: "1.40"})
	tests := []struct {
		name string
		path string
		want int
	}{
		{"unversioned", "/info", 200},
		{"versioned", "/v1.40/info", 200},
		{"older version", "/v1.24/containers/json", 200},
		{"too new", "/v1.41/info", 400},
		{"unknown", "/v1.40/nope", 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := hc.Get(e.URL() + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != tt.want {
				body, _ := io.ReadAll(resp.Body)
				t.Fatalf("GET %s = %d %s, want %d", tt.path, resp.StatusCode, body, tt.want)
			}
			if resp.Header.Get("Api-Version") != "1.40" {
				t.Fatalf("Api-Version header %q", resp.Header.Get("Api-Version"))
			}
		})
	}
}

func TestEventsLiveAndSince(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			e, hc := tr.start(t, Config{})
			c := newClient(t, e, hc)
			before := time.Now()
			id, err := e.AddContainer(Container{Name: "early"})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			msgs, errs := c.Events(ctx, events.ListOptions{Since: before.Format(time.RFC3339Nano)})
			// create and start are replayed from the history (since),
			// die and destroy come live.
			want := []events.Action{events.ActionCreate, events.ActionStart, events.ActionDie, events.ActionDestroy}
			waitFor(t, func() bool { return e.EventSubscribers() == 1 })
			deadline := time.After(5 * time.Second)
			if err := e.SetState(id, container.StateExited, 3); err != nil {
				t.Fatal(err)
			}
			if err := e.RemoveContainer("early"); err != nil {
				t.Fatal(err)
			}
			for i, action := range want {
				select {
				case m := <-msgs:
					if m.Action != action || m.Actor.ID != id {
						t.Fatalf("event %d = %s %s, want %s %s", i, m.Action, m.Actor.ID, action, id)
					}
				case err := <-errs:
					t.Fatalf("stream ended: %v", err)
				case <-deadline:
					t.Fatalf("event %d (%s) not received", i, action)
				}
			}
		})
	}
}

func TestFailures(t *testing.T) {
	tests := []struct {
		name    string
		inject  func(e *Engine)
		recover func(t *testing.T, e *Engine)
	}{
		{"error", func(e *Engine) { e.SetFailure(FailError) }, func(_ *testing.T, e *Engine) { e.SetFailure(FailNone) }},
		{"close", func(e *Engine) { e.SetFailure(FailClose) }, func(_ *testing.T, e *Engine) { e.SetFailure(FailNone) }},
		{"stop", func(e *Engine) { e.Stop() }, func(t *testing.T, e *Engine) {
			if err := e.Restart(); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tr := range transports {
		for _, tt := range tests {
			t.Run(tr.name+"/"+tt.name, func(t *testing.T) {
				ctx := context.Background()
				e, hc := tr.start(t, Config{})
				c := newClient(t, e, hc)
				if _, err := c.Info(ctx); err != nil {
					t.Fatal(err)
				}
				evCtx, cancel := context.WithCancel(ctx)
				defer cancel()
				_, errs := c.Events(evCtx, events.ListOptions{})
				waitFor(t, func() bool { return e.EventSubscribers() == 1 })
				tt.inject(e)
				if _, err := c.Info(ctx); err == nil {
					t.Fatal("info succeeded on a failing engine")
				}
				if tt.name != "error" {
					select {
					case <-errs:
					case <-time.After(5 * time.Second):
						t.Fatal("event stream survived")
					}
				}
				tt.recover(t, e)
				if _, err := c.Info(ctx); err != nil {
					t.Fatalf("after recovery: %v", err)
				}
			})
		}
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestPull(t *testing.T) {
	ctx := context.Background()
	e, hc := transports[1].start(t, Config{Images: []image.Summary{}, Pullable: []string{"busybox"}})
	c := newClient(t, e, hc)
	rc, err := c.ImagePull(ctx, "busybox", image.PullOptions{})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(rc)
	rc.Close()
	if !strings.Contains(string(body), "Downloaded newer image for busybox:latest") {
		t.Fatalf("pull stream: %s", body)
	}
	if got := e.ImageRefs(); len(got) != 1 || got[0] != "busybox:latest" {
		t.Fatalf("images after pull: %v", got)
	}
	if _, err := c.ImagePull(ctx, "redis", image.PullOptions{}); !cerrdefs.IsNotFound(err) {
		t.Fatalf("pull of a non-pullable image: %v, want not found", err)
	}
}

func TestRequestLog(t *testing.T) {
	e, hc := transports[0].start(t, Config{})
	for i := 0; i < requestLogSize+5; i++ {
		resp, err := hc.Get(e.URL() + "/v1.41/containers/json?all=1")
		if err != nil {
			t.Fatal(err)
		}
		var list []container.Summary
		_ = json.NewDecoder(resp.Body).Decode(&list)
		resp.Body.Close()
	}
	if got := e.Requests(); got != requestLogSize+5 {
		t.Fatalf("Requests() = %d", got)
	}
	log := e.RequestLog()
	if len(log) != requestLogSize || log[0].Path != "/v1.41/containers/json" || log[0].Query != "all=1" {
		t.Fatalf("log: %d entries, first %+v", len(log), log[0])
	}
}
