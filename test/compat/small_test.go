package compattest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/swarm-project/swarm/test/harness"
)

// TestIsTaskFilter: `docker ps --filter is-task=true|false` keeps or drops
// the containers labelled com.docker.swarm.task (any value); a bad value
// gets the engine's own error.
func TestIsTaskFilter(t *testing.T) {
	p := prefix(t)
	task, plain := p+"task", p+"plain"
	docker(t, "run", "-d", "--name", task, "--label", "com.docker.swarm.task=x", "busybox", "sleep", "300")
	docker(t, "run", "-d", "--name", plain, "busybox", "sleep", "300")
	defer docker(t, "rm", "-f", task, plain)

	names := func(value string) []string {
		out := docker(t, "ps", "-a", "--filter", "is-task="+value, "--filter", "name="+p, "--format", "{{.Names}}")
		var got []string
		for _, line := range strings.Fields(out) {
			_, name, _ := strings.Cut(line, "/") // node/name
			got = append(got, name)
		}
		return got
	}
	for value, want := range map[string]string{"true": task, "false": plain} {
		if got := names(value); len(got) != 1 || got[0] != want {
			t.Errorf("is-task=%s lists %q, want [%s]", value, got, want)
		}
	}

	_, wantErr, err := engines[0].Docker("ps", "--filter", "is-task=maybe")
	if err == nil {
		t.Fatal("the engine accepted is-task=maybe")
	}
	if got := dockerFails(t, "ps", "--filter", "is-task=maybe"); got != wantErr {
		t.Errorf("is-task=maybe: stderr %q, want the engine's %q", got, wantErr)
	}
}

// TestImagesAll: an image built in two steps by the legacy builder has an
// untagged parent; `docker images -a` lists it as <none> <none>, as its
// engine does, and `docker images` does not.
func TestImagesAll(t *testing.T) {
	tag := strings.TrimSuffix(prefix(t), "-") + ":1"
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM busybox\nRUN true\nRUN true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, stderr, err := harness.DockerEnv(manager.Addr, []string{"DOCKER_BUILDKIT=0"}, "build", "-t", tag, dir); err != nil {
		t.Fatalf("docker build: %v\n%s", err, stderr)
	}
	defer docker(t, "rmi", tag)
	parent := strings.TrimSpace(docker(t, "image", "inspect", "-f", "{{.Parent}}", tag))
	if !strings.HasPrefix(parent, "sha256:") {
		t.Fatalf("%s has parent %q, want an image ID", tag, parent)
	}
	var holder *harness.Engine
	for _, e := range engines {
		if _, _, err := e.Docker("image", "inspect", tag); err == nil {
			holder = e
		}
	}
	if holder == nil {
		t.Fatalf("no engine holds %s", tag)
	}

	// The parent's line, as the engine and the manager print it.
	line := func(out string) string {
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(l, parent+" ") {
				return l
			}
		}
		return ""
	}
	format := []string{"--no-trunc", "--format", "{{.ID}} {{.Repository}} {{.Tag}}"}
	want := line(onEngine(t, holder, append([]string{"images", "-a"}, format...)...))
	if want != parent+" <none> <none>" {
		t.Fatalf("the engine lists the parent as %q", want)
	}
	if got := line(docker(t, append([]string{"images", "-a"}, format...)...)); got != want {
		t.Errorf("docker images -a lists the parent as %q, want %q", got, want)
	}
	if got := line(docker(t, append([]string{"images"}, format...)...)); got != "" {
		t.Errorf("docker images lists the intermediate image: %q", got)
	}
}

// TestEngineDisconnectOnLeave: a node removed from a file:// discovery file
// reports engine_disconnect, with the node as actor, as an unhealthy node
// does. An own manager over two of the shared engines; the engines are
// left alone.
func TestEngineDisconnectOnLeave(t *testing.T) {
	stay, leave := engines[0], engines[1]
	path := filepath.Join(t.TempDir(), "cluster")
	write := func(engs ...*harness.Engine) {
		var b strings.Builder
		for _, e := range engs {
			b.WriteString(e.Addr + "\n")
		}
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, path); err != nil {
			t.Fatal(err)
		}
	}
	write(stay, leave)
	args := append(append([]string(nil), harness.FastRefresh...), "--heartbeat", "1s", "file://"+path)
	m, err := harness.StartManager(swarmBin, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if t.Failed() {
			t.Logf("manager log:\n%s", m.Log())
		}
		_ = m.Stop()
	}()
	waitInfo := func(what string, ok func(info string) bool) {
		t.Helper()
		var last string
		err := harness.WaitFor(45*time.Second, func() (bool, error) {
			out, _, err := m.Docker("info")
			last = out
			return err == nil && ok(out), nil
		})
		if err != nil {
			t.Fatalf("%s: %v\nlast info:\n%s", what, err, last)
		}
	}
	waitInfo("both engines healthy", func(info string) bool { return strings.Count(info, "Status: Healthy") == 2 })

	since := time.Now().Add(-time.Second)
	write(stay)
	waitInfo("one node left", func(info string) bool { return strings.Contains(info, "Nodes: 1\n") })
	until := time.Now().Add(time.Second)

	out, stderr, err := m.Docker("events", "--since", unix(since), "--until", unix(until),
		"--filter", "event=engine_disconnect", "--format", "{{json .}}")
	if err != nil {
		t.Fatalf("docker events: %v\n%s", err, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 1 || lines[0] == "" {
		t.Fatalf("engine_disconnect events %q, want one", out)
	}
	var ev struct {
		Type, Action, Scope, From string
		Actor                     struct {
			ID         string
			Attributes map[string]string
		}
	}
	if err := json.Unmarshal([]byte(lines[0]), &ev); err != nil {
		t.Fatalf("event %s: %v", lines[0], err)
	}
	id := strings.TrimSpace(onEngine(t, leave, "info", "-f", "{{.ID}}"))
	if ev.Type != "swarm" || ev.Action != "engine_disconnect" || ev.Scope != "swarm" || ev.From != "swarm" {
		t.Errorf("event %s: want type engine, action engine_disconnect, scope and from swarm", lines[0])
	}
	if ev.Actor.ID != id || ev.Actor.Attributes["name"] != leave.Name || ev.Actor.Attributes["addr"] != leave.Addr {
		t.Errorf("event actor %+v, want ID %s with name=%s, addr=%s", ev.Actor, id, leave.Name, leave.Addr)
	}
}

func unix(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }
