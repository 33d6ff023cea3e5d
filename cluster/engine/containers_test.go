package engine

import (
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/go-connections/nat"
	units "github.com/docker/go-units"
)

func TestContainerStatus(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	started := now.Add(-3 * time.Minute).Format(time.RFC3339Nano)
	finished := now.Add(-2 * time.Hour).Format(time.RFC3339Nano)
	zero := "0001-01-01T00:00:00Z"
	tests := []struct {
		name  string
		state container.State
		want  string
	}{
		{"running", container.State{Status: "running", Running: true, StartedAt: started, FinishedAt: zero}, "Up 3 minutes"},
		{"paused", container.State{Status: "paused", Running: true, Paused: true, StartedAt: started}, "Up 3 minutes (Paused)"},
		{"healthy", container.State{Status: "running", Running: true, StartedAt: started, Health: &container.Health{Status: container.Healthy}}, "Up 3 minutes (healthy)"},
		{"starting", container.State{Status: "running", Running: true, StartedAt: started, Health: &container.Health{Status: container.Starting}}, "Up 3 minutes (health: starting)"},
		{"exited", container.State{Status: "exited", ExitCode: 137, StartedAt: started, FinishedAt: finished}, "Exited (137) 2 hours ago"},
		{"created", container.State{Status: "created", StartedAt: zero, FinishedAt: zero}, "Created"},
		{"restarting", container.State{Status: "restarting", Restarting: true, ExitCode: 1, StartedAt: started, FinishedAt: finished}, "Restarting (1) 2 hours ago"},
		{"dead", container.State{Status: "dead", Dead: true, StartedAt: started, FinishedAt: finished}, "Dead"},
		{"removing", container.State{Status: "removing", StartedAt: started, FinishedAt: finished}, "Removal In Progress"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := tt.state
			c := newContainer(&Engine{}, container.InspectResponse{ContainerJSONBase: &container.ContainerJSONBase{ID: "abc", Name: "/web", State: &st}})
			if got := string(c.appendState(nil, now)); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestHumanDuration compares appendHumanDuration with the go-units
// wording Docker uses, across every unit and its edges.
func TestHumanDuration(t *testing.T) {
	var ds []time.Duration
	for _, step := range []struct{ from, to, by time.Duration }{
		{0, 3 * time.Minute, 250 * time.Millisecond},
		{3 * time.Minute, 3 * time.Hour, 7 * time.Second},
		{3 * time.Hour, 60 * 24 * time.Hour, 13 * time.Minute},
		{60 * 24 * time.Hour, 4 * 365 * 24 * time.Hour, 5 * time.Hour},
	} {
		for d := step.from; d < step.to; d += step.by {
			ds = append(ds, d, d-time.Nanosecond, d+time.Nanosecond)
		}
	}
	ds = append(ds, -time.Hour, 30*time.Minute-time.Nanosecond, 90*time.Minute, 50*365*24*time.Hour)
	for _, d := range ds {
		if got, want := string(appendHumanDuration(nil, d)), units.HumanDuration(d); got != want {
			t.Fatalf("%v: %q, want %q", d, got, want)
		}
	}
}

// TestStatusAllocates checks that rendering a running container's status
// into a buffer with room allocates nothing.
func TestStatusAllocates(t *testing.T) {
	now := time.Now()
	st := container.State{Status: "running", Running: true, StartedAt: now.Add(-5 * time.Minute).Format(time.RFC3339Nano),
		Health: &container.Health{Status: container.Healthy}}
	c := newContainer(&Engine{}, container.InspectResponse{ContainerJSONBase: &container.ContainerJSONBase{ID: "abc", Name: "/web", State: &st}})
	buf := make([]byte, 0, 64)
	if n := testing.AllocsPerRun(100, func() { buf = c.appendState(buf[:0], now) }); n != 0 {
		t.Fatalf("%v allocations per status, want 0", n)
	}
	if string(buf) != "Up 5 minutes (healthy)" {
		t.Fatalf("status %q", buf)
	}
}

func TestNewContainerSummary(t *testing.T) {
	info := container.InspectResponse{
		ContainerJSONBase: &container.ContainerJSONBase{
			ID: "abc", Name: "/web", Image: "sha256:1234", Path: "sh", Args: []string{"-c", "sleep 1"},
			Created:    "2026-01-01T00:00:00Z",
			State:      &container.State{Status: "running", Running: true},
			HostConfig: &container.HostConfig{NetworkMode: "bridge"},
		},
		Config: &container.Config{Image: "busybox", Labels: map[string]string{"a": "b"}},
		NetworkSettings: &container.NetworkSettings{NetworkSettingsBase: container.NetworkSettingsBase{
			Ports: nat.PortMap{
				"80/tcp":  []nat.PortBinding{{HostIP: "0.0.0.0", HostPort: "8080"}},
				"53/udp":  nil,
				"443/tcp": []nat.PortBinding{{HostIP: "127.0.0.1", HostPort: "8443"}},
			},
		}},
	}
	c := newContainer(&Engine{}, info)
	s := c.Summary(time.Now())
	if s.ID != "abc" || s.Image != "busybox" || s.ImageID != "sha256:1234" || s.Command != "sh -c sleep 1" || s.State != "running" {
		t.Fatalf("summary %+v", s)
	}
	if s.Created != time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Unix() || s.HostConfig.NetworkMode != "bridge" || s.Labels["a"] != "b" {
		t.Fatalf("summary %+v", s)
	}
	want := []container.Port{
		{PrivatePort: 53, Type: "udp"},
		{IP: "0.0.0.0", PrivatePort: 80, PublicPort: 8080, Type: "tcp"},
		{IP: "127.0.0.1", PrivatePort: 443, PublicPort: 8443, Type: "tcp"},
	}
	if len(s.Ports) != len(want) {
		t.Fatalf("ports %+v", s.Ports)
	}
	for i := range want {
		if s.Ports[i] != want[i] {
			t.Fatalf("port %d: %+v, want %+v", i, s.Ports[i], want[i])
		}
	}
	if c.Name() != "web" {
		t.Fatalf("name %q", c.Name())
	}
}

// An inspect that started earlier must not overwrite, or resurrect, what a
// later read stored or dropped, whatever order the answers arrive in.
func TestCacheKeepsTheNewestRead(t *testing.T) {
	cached := func(status string, seq uint64) *Container {
		c := newContainer(&Engine{}, container.InspectResponse{ContainerJSONBase: &container.ContainerJSONBase{
			ID: "abc", Name: "/web", State: &container.State{Status: container.ContainerState(status)}}})
		c.seq = seq
		return c
	}
	listed := func(status string, seq uint64) *Container {
		c := newListedContainer(&Engine{}, container.Summary{ID: "abc", Names: []string{"/web"}, State: container.ContainerState(status)})
		c.seq = seq
		return c
	}
	tests := []struct {
		name  string
		steps func(e *Engine)
		want  string // "" = not cached; "STATE listed|inspected" checks the kind too
	}{
		{"newer read replaces older", func(e *Engine) { e.storeContainer(cached("exited", 1)); e.storeContainer(cached("running", 2)) }, "running"},
		{"older read arriving last is ignored", func(e *Engine) { e.storeContainer(cached("running", 2)); e.storeContainer(cached("exited", 1)) }, "running"},
		{"drop after store", func(e *Engine) { e.storeContainer(cached("running", 1)); e.dropContainer("abc", 2) }, ""},
		{"older drop does not remove a newer read", func(e *Engine) { e.storeContainer(cached("running", 3)); e.dropContainer("abc", 2) }, "running"},
		{"older read cannot resurrect a dropped container", func(e *Engine) { e.dropContainer("abc", 5); e.storeContainer(cached("running", 4)) }, ""},
		{"an older inspect keeps its detail over a newer list entry of the same state", func(e *Engine) {
			e.storeContainer(listed("running", 5))
			e.storeContainer(cached("running", 4))
		}, "running inspected"},
		{"an older inspect loses to a newer list entry of another state", func(e *Engine) {
			e.storeContainer(listed("exited", 5))
			e.storeContainer(cached("running", 4))
		}, "exited listed"},
		{"a listed container dropped", func(e *Engine) {
			e.storeContainer(listed("running", 1))
			e.dropContainer("abc", 2)
		}, ""},
		{"a listed container inspected", func(e *Engine) {
			e.storeContainer(listed("running", 1))
			e.storeContainer(cached("running", 2))
		}, "running inspected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &Engine{containers: map[string]*Container{}, names: map[string]string{}, gone: map[string]uint64{}}
			tt.steps(e)
			listedNow := 0
			for _, c := range e.containers {
				if c.listed {
					listedNow++
				}
			}
			if got := e.Unread(); got != listedNow {
				t.Fatalf("Unread() = %d, %d listed containers cached", got, listedNow)
			}
			c := e.Lookup("web")
			state, kind, _ := strings.Cut(tt.want, " ")
			switch {
			case tt.want == "" && c != nil:
				t.Fatalf("cached %q, want nothing", c.State())
			case tt.want != "" && (c == nil || c.State() != state):
				t.Fatalf("cached %v, want %q", c, tt.want)
			case kind != "" && c.Listed() != (kind == "listed"):
				t.Fatalf("cached %q listed=%v, want %s", c.State(), c.Listed(), kind)
			}
		})
	}
}
