package reschedtest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/swarm-project/swarm/test/harness"
)

// inspectFormat prints a container's swarm ID, node and running state.
const inspectFormat = `{{index .Config.Labels "com.docker.swarm.id"}}|{{.Node.Name}}|{{.State.Running}}`

// TestRescheduleOnNodeFailure is the acceptance: kill the engine
// holding c1 (with the policy) and c2 (without); c1 runs again elsewhere
// with the same name and swarm ID, c2 is gone from ps (Host Down in
// ps -a); when the engine is back there is still exactly one c1.
func TestRescheduleOnNodeFailure(t *testing.T) {
	p := prefix(t)
	c1, c2 := p+"c1", p+"c2"
	x := cluster.Engines[1]
	t.Cleanup(func() {
		if !x.Running() {
			_ = x.Start()
		}
		_, _, _ = cluster.Manager.Docker("rm", "-f", c1, c2)
	})
	// A soft node constraint puts both on x, and lets c1 go elsewhere.
	docker(t, "run", "-d", "--name", c1, "-e", "reschedule:on-node-failure", "-e", "constraint:node==~"+x.Name,
		"--label", "app=web", "-e", "GREETING=hello", "busybox", "sleep", "600")
	docker(t, "run", "-d", "--name", c2, "-e", "constraint:node==~"+x.Name, "busybox", "sleep", "600")
	before := strings.Split(strings.TrimSpace(docker(t, "inspect", "-f", inspectFormat, c1)), "|")
	if len(before) != 3 || len(before[0]) != 64 || before[1] != x.Name || before[2] != "true" {
		t.Fatalf("c1 before: %q, want a swarm ID, node %s, running", before, x.Name)
	}
	if got := strings.TrimSpace(docker(t, "inspect", "-f", "{{.Node.Name}}", c2)); got != x.Name {
		t.Fatalf("c2 is on %s, want %s", got, x.Name)
	}

	since := time.Now()
	if err := x.Kill(); err != nil {
		t.Fatal(err)
	}
	var after []string
	err := harness.WaitFor(120*time.Second, func() (bool, error) {
		out, _, err := cluster.Manager.Docker("inspect", "-f", inspectFormat, c1)
		after = strings.Split(strings.TrimSpace(out), "|")
		return err == nil && len(after) == 3 && after[1] != x.Name && after[2] == "true", nil
	})
	if err != nil {
		t.Fatalf("c1 never ran elsewhere (last %q): %v\n%s", after, err, cluster.Manager.Log())
	}
	t.Logf("c1 ran on %s %s after its engine was killed", after[1], time.Since(since).Round(100*time.Millisecond))
	if after[0] != before[0] {
		t.Errorf("c1's swarm ID changed: %s, was %s", after[0], before[0])
	}
	if got := strings.TrimSpace(docker(t, "inspect", "-f", `{{index .Config.Labels "app"}}|{{range .Config.Env}}{{.}},{{end}}`, c1)); !strings.HasPrefix(got, "web|") || !strings.Contains(got, "GREETING=hello,") || strings.Contains(got, "reschedule:") {
		t.Errorf("c1's label and env after the move: %q", got)
	}

	ps := docker(t, "ps", "--format", "{{.Names}}")
	if !strings.Contains(ps, after[1]+"/"+c1+"\n") || strings.Contains(ps, c2) {
		t.Errorf("docker ps lists:\n%s\nwant %s/%s and no %s", ps, after[1], c1, c2)
	}
	if got := docker(t, "ps", "-a", "--filter", "name="+c2, "--format", "{{.Names}}|{{.Status}}"); got != x.Name+"/"+c2+"|Host Down\n" {
		t.Errorf("docker ps -a for c2: %q, want %q", got, x.Name+"/"+c2+"|Host Down\n")
	}
	if got := docker(t, "ps", "-a", "--filter", "name="+c1, "--format", "{{.Names}}"); got != after[1]+"/"+c1+"\n" {
		t.Errorf("docker ps -a for c1 while %s is down: %q, want one on %s", x.Name, got, after[1])
	}

	// The manager's event of the move.
	evs := docker(t, "events", "--since", strconv.FormatInt(since.Unix(), 10), "--until", strconv.FormatInt(time.Now().Unix()+1, 10),
		"--filter", "type=swarm", "--format", "{{json .}}")
	found := false
	for _, line := range strings.Split(strings.TrimSpace(evs), "\n") {
		var ev struct {
			Action string
			Actor  struct{ Attributes map[string]string }
		}
		if json.Unmarshal([]byte(line), &ev) == nil && ev.Action == "container_reschedule" {
			a := ev.Actor.Attributes
			found = a["name"] == c1 && a["old.node"] == x.Name && a["new.node"] == after[1] && a["swarm.id"] == before[0]
			if !found {
				t.Errorf("reschedule event attributes %v", a)
			}
		}
	}
	if !found {
		t.Errorf("no container_reschedule event among:\n%s", evs)
	}

	// The engine comes back: its copy of c1 is removed, c2 stays.
	if err := x.Start(); err != nil {
		t.Fatal(err)
	}
	waitNode(t, x.Name, "Healthy")
	err = harness.WaitFor(60*time.Second, func() (bool, error) {
		out, _, err := x.Docker("ps", "-a", "--filter", "name="+c1, "--format", "{{.Names}}")
		return err == nil && strings.TrimSpace(out) == "", nil
	})
	if err != nil {
		out, _, _ := x.Docker("ps", "-a")
		t.Errorf("the stale c1 is still on %s:\n%s", x.Name, out)
	}
	if got := docker(t, "ps", "-a", "--filter", "name="+c1, "--format", "{{.Names}}"); got != after[1]+"/"+c1+"\n" {
		t.Errorf("docker ps -a for c1 after %s came back: %q, want exactly one, on %s", x.Name, got, after[1])
	}
	if got := strings.TrimSpace(docker(t, "inspect", "-f", inspectFormat, c1)); got != strings.Join(after, "|") {
		t.Errorf("c1 after %s came back: %q, want %q", x.Name, got, strings.Join(after, "|"))
	}
	if got := docker(t, "ps", "-a", "--filter", "name="+c2, "--format", "{{.Names}}"); got != x.Name+"/"+c2+"\n" {
		t.Errorf("docker ps -a for c2 after %s came back: %q", x.Name, got)
	}
}

// TestReschedulePolicyErrors: a bad policy is refused at create with
// classic Swarm's message and status 400, through the CLI and the API.
func TestReschedulePolicyErrors(t *testing.T) {
	p := prefix(t)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown policy in env", []string{"-e", "reschedule:always"}, "invalid reschedule policy: always"},
		{"unknown policy in label", []string{"--label", `com.docker.swarm.reschedule-policies=["false"]`}, "invalid reschedule policy: false"},
		{"two policies", []string{"-e", "reschedule:off", "--label", `com.docker.swarm.reschedule-policies=["on-node-failure"]`}, "too many reschedule policies"},
		{"two in the label", []string{"--label", `com.docker.swarm.reschedule-policies=["off","off"]`}, "too many reschedule policies"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := p + strconv.Itoa(i)
			args := append(append([]string{"create", "--name", name}, tt.args...), "busybox")
			out, stderr, err := cluster.Manager.Docker(args...)
			if err == nil {
				_, _, _ = cluster.Manager.Docker("rm", "-f", name)
				t.Fatalf("docker create succeeded: %s", out)
			}
			if want := "Error response from daemon: " + tt.want + "\n"; stderr != want {
				t.Errorf("stderr %q, want %q", stderr, want)
			}
		})
	}
	// The status, through the API.
	body, _ := json.Marshal(map[string]any{"Image": "busybox", "Env": []string{"reschedule:sometimes"}})
	resp, err := http.Post("http://"+cluster.Manager.Addr+"/containers/create", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(msg), `"invalid reschedule policy: sometimes"`) {
		t.Errorf("POST /containers/create: %d %s, want 400 with classic's message", resp.StatusCode, msg)
	}
	// Off and on-node-failure are accepted; the env entry became the label.
	name := p + "ok"
	docker(t, "create", "--name", name, "-e", "reschedule:off", "busybox")
	defer docker(t, "rm", "-f", name)
	if got := strings.TrimSpace(docker(t, "inspect", "-f", `{{index .Config.Labels "com.docker.swarm.reschedule-policies"}}|{{range .Config.Env}}{{.}},{{end}}`, name)); !strings.HasPrefix(got, `["off"]|`) || strings.Contains(got, "reschedule:") {
		t.Errorf("policy label and env: %q", got)
	}
}

// TestRescheduleAfterManagerRestart: a manager without a state store
// that did not create the container (it was restarted since) still moves
// it, from its cache and the container's labels, with its configuration.
func TestRescheduleAfterManagerRestart(t *testing.T) {
	p := prefix(t)
	c1 := p + "c1"
	x := cluster.Engines[2]
	t.Cleanup(func() {
		if !x.Running() {
			_ = x.Start()
		}
		_, _, _ = cluster.Manager.Docker("rm", "-f", c1)
	})
	docker(t, "run", "-d", "--name", c1, "-l", `com.docker.swarm.reschedule-policies=["on-node-failure"]`,
		"-e", "affinity:container!=~nothing", "-e", "constraint:node==~"+x.Name, "-e", "MODE=cache",
		"--restart", "unless-stopped", "-p", "8080", "-m", "64m", "busybox", "sh", "-c", "exec sleep 600")
	const format = `{{index .Config.Labels "com.docker.swarm.id"}}|{{.Node.Name}}|{{.State.Running}}|{{.HostConfig.RestartPolicy.Name}}|{{.HostConfig.Memory}}|{{range $p, $b := .HostConfig.PortBindings}}{{$p}}{{end}}|{{json .Config.Cmd}}|{{index .Config.Labels "com.docker.swarm.affinities"}}`
	before := strings.Split(strings.TrimSpace(docker(t, "inspect", "-f", format, c1)), "|")
	if before[1] != x.Name {
		t.Fatalf("c1 is on %s, want %s", before[1], x.Name)
	}

	// The manager restarts: the new one has only the engines' word.
	if err := cluster.Manager.Stop(); err != nil {
		t.Fatal(err)
	}
	m, err := cluster.StartManager()
	if err != nil {
		t.Fatal(err)
	}
	cluster.Manager = m

	if err := x.Kill(); err != nil {
		t.Fatal(err)
	}
	var after []string
	err = harness.WaitFor(120*time.Second, func() (bool, error) {
		out, _, err := cluster.Manager.Docker("inspect", "-f", format, c1)
		after = strings.Split(strings.TrimSpace(out), "|")
		return err == nil && len(after) == len(before) && after[1] != x.Name && after[2] == "true", nil
	})
	if err != nil {
		t.Fatalf("c1 never ran elsewhere (last %q): %v\n%s", after, err, cluster.Manager.Log())
	}
	t.Logf("c1 before: %q\nafter: %q", before, after)
	if before[3] != "unless-stopped" || before[4] != "67108864" || before[5] != "8080/tcp" || before[7] != `["container!=~nothing"]` {
		t.Fatalf("c1 before the move: %q", before)
	}
	for i, what := range []string{"swarm ID", "", "", "restart policy", "memory", "ports", "command", "affinities"} {
		if what != "" && after[i] != before[i] {
			t.Errorf("%s after the move: %q, was %q", what, after[i], before[i])
		}
	}
	if err := x.Start(); err != nil {
		t.Fatal(err)
	}
	waitNode(t, x.Name, "Healthy")
	err = harness.WaitFor(60*time.Second, func() (bool, error) {
		out, _, err := cluster.Manager.Docker("ps", "-a", "--filter", "name="+c1, "--format", "{{.Names}}")
		return err == nil && out == after[1]+"/"+c1+"\n", nil
	})
	if err != nil {
		out, _, _ := cluster.Manager.Docker("ps", "-a", "--filter", "name="+c1)
		t.Errorf("want exactly one c1 after %s came back:\n%s", x.Name, out)
	}
}
