package nodestest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/docker/docker/api/types/swarm"
)

// inspectNode runs docker node inspect and decodes its one node.
func inspectNode(t *testing.T, ref string) swarm.Node {
	t.Helper()
	var nodes []swarm.Node
	if err := json.Unmarshal([]byte(docker(t, "node", "inspect", ref)), &nodes); err != nil || len(nodes) != 1 {
		t.Fatalf("docker node inspect %s: %v (%d nodes)", ref, err, len(nodes))
	}
	return nodes[0]
}

// run starts a container with args (before the image) and removes it when
// the test ends; it returns the container's ID.
func run(t *testing.T, args ...string) string {
	t.Helper()
	id := docker(t, append(append([]string{"run", "-d"}, args...), "busybox", "sleep", "600")...)
	t.Cleanup(func() { _, _, _ = manager.Docker("rm", "-f", id) })
	return id
}

func TestNodeLs(t *testing.T) {
	out := docker(t, "node", "ls")
	lines := strings.Split(out, "\n")
	for _, col := range []string{"ID", "HOSTNAME", "STATUS", "AVAILABILITY", "MANAGER STATUS", "ENGINE VERSION"} {
		if !strings.Contains(lines[0], col) {
			t.Errorf("header %q lacks %s", lines[0], col)
		}
	}
	if len(lines) != 1+len(cluster.Engines) {
		t.Fatalf("docker node ls printed %d lines, want %d:\n%s", len(lines), 1+len(cluster.Engines), out)
	}
	rows := docker(t, "node", "ls", "--format", "{{.ID}} {{.Hostname}} {{.Status}} {{.Availability}} {{.ManagerStatus}}|{{.EngineVersion}}")
	for i := range cluster.Engines {
		version, _, err := cluster.Engines[i].Docker("version", "-f", "{{.Server.Version}}")
		if err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("%s %s Ready Active |%s", engineID(t, i), nodeName(i), strings.TrimSpace(version))
		if !strings.Contains(rows+"\n", want+"\n") {
			t.Errorf("docker node ls lacks the row %q:\n%s", want, rows)
		}
	}
	if got := docker(t, "node", "ls", "-q", "--filter", "name="+nodeName(1)); got != engineID(t, 1) {
		t.Errorf("node ls --filter name=%s -q = %q, want %q", nodeName(1), got, engineID(t, 1))
	}
}

func TestNodeInspect(t *testing.T) {
	id := engineID(t, 0)
	for _, ref := range []string{id, nodeName(0), id[:6]} {
		t.Run(ref, func(t *testing.T) {
			n := inspectNode(t, ref)
			if n.ID != id {
				t.Errorf("ID %q, want %q", n.ID, id)
			}
			if n.Description.Hostname != nodeName(0) || n.Spec.Role != swarm.NodeRoleWorker || n.Spec.Availability != swarm.NodeAvailabilityActive {
				t.Errorf("hostname %q role %q availability %q", n.Description.Hostname, n.Spec.Role, n.Spec.Availability)
			}
			if n.Status.State != swarm.NodeStateReady || n.Status.Addr != "127.0.0.1" {
				t.Errorf("status %+v, want ready at 127.0.0.1", n.Status)
			}
			if n.Description.Resources.NanoCPUs <= 0 || n.Description.Resources.MemoryBytes <= 0 || n.Description.Engine.EngineVersion == "" {
				t.Errorf("description %+v lacks resources or engine version", n.Description)
			}
			if n.Description.Engine.Labels["node"] != nodeName(0) || n.Description.Platform.OS != "linux" {
				t.Errorf("engine labels %v, platform %+v", n.Description.Engine.Labels, n.Description.Platform)
			}
		})
	}
	pretty := docker(t, "node", "inspect", "--pretty", nodeName(0))
	for _, want := range []string{`ID:\s+` + regexp.QuoteMeta(id), `Hostname:\s+` + nodeName(0), `State:\s+Ready`, `Availability:\s+Active`, `Engine Version:\s+\S+`} {
		if !regexp.MustCompile(want).MatchString(pretty) {
			t.Errorf("node inspect --pretty does not match %q:\n%s", want, pretty)
		}
	}
}

func TestDrainThenActive(t *testing.T) {
	n1 := nodeName(0)
	before := inspectNode(t, n1).Version.Index
	setNode(t, n1, "--availability", "drain")
	n := inspectNode(t, n1)
	if n.Spec.Availability != swarm.NodeAvailabilityDrain || n.Version.Index != before+1 || n.UpdatedAt.IsZero() {
		t.Fatalf("after drain: availability %q version %d (was %d) updated %v", n.Spec.Availability, n.Version.Index, before, n.UpdatedAt)
	}
	if out := docker(t, "node", "ls", "--filter", "name="+n1, "--format", "{{.Availability}}"); out != "Drain" {
		t.Errorf("node ls availability %q, want Drain", out)
	}
	if info := docker(t, "info"); !strings.Contains(info, "└ Availability: drain") {
		t.Errorf("docker info lacks the drained node's availability:\n%s", info)
	}
	// Spread would put some of six containers on an empty-ish node-1.
	for i := 0; i < 6; i++ {
		if got := nodeOf(t, run(t)); got == n1 {
			t.Fatalf("container %d landed on the drained %s", i, n1)
		}
	}
	msg := dockerFails(t, "run", "-d", "-e", "constraint:node=="+n1, "busybox", "true")
	if !strings.Contains(msg, "Unable to find a node") || !strings.Contains(msg, n1+" (availability drain)") {
		t.Errorf("pinned run on a drained node: %q, want the no-fit message naming %s's availability", msg, n1)
	}

	docker(t, "node", "update", "--availability", "active", n1)
	// node-1 now holds the fewest containers: spread picks it.
	if got := nodeOf(t, run(t)); got != n1 {
		t.Errorf("after --availability active the next container went to %s, want %s", got, n1)
	}
	if got := nodeOf(t, run(t, "-e", "constraint:node=="+n1)); got != n1 {
		t.Errorf("pinned container went to %s", got)
	}
}

func TestPause(t *testing.T) {
	n3 := nodeName(2)
	setNode(t, n3, "--availability", "pause")
	for i := 0; i < 4; i++ {
		if got := nodeOf(t, run(t)); got == n3 {
			t.Fatalf("container %d landed on the paused %s", i, n3)
		}
	}
	msg := dockerFails(t, "run", "-d", "-e", "constraint:node=="+n3, "busybox", "true")
	if !strings.Contains(msg, n3+" (availability pause)") {
		t.Errorf("pinned run on a paused node: %q", msg)
	}
}

func TestManagerLabels(t *testing.T) {
	n2 := nodeName(1)
	setNode(t, n2, "--label-add", "tier=gold", "--label-add", "zone=b")
	n := inspectNode(t, n2)
	if n.Spec.Labels["tier"] != "gold" || n.Spec.Labels["zone"] != "b" {
		t.Fatalf("labels %v", n.Spec.Labels)
	}
	for i := 0; i < 3; i++ {
		if got := nodeOf(t, run(t, "-e", "constraint:tier==gold")); got != n2 {
			t.Fatalf("constraint:tier==gold ran on %s, want %s", got, n2)
		}
	}
	info := docker(t, "info")
	if !strings.Contains(info, "tier=gold") || !strings.Contains(info, "zone=b") {
		t.Errorf("docker info lacks the manager-side labels:\n%s", info)
	}
	// A manager-side label overrides the engine's default tag of the same key.
	docker(t, "node", "update", "--label-add", "storagedriver=managed", n2)
	if got := nodeOf(t, run(t, "-e", "constraint:storagedriver==managed")); got != n2 {
		t.Errorf("constraint on the overriding label ran on %s", got)
	}

	docker(t, "node", "update", "--label-rm", "tier", n2)
	if n := inspectNode(t, n2); n.Spec.Labels["tier"] != "" || n.Spec.Labels["zone"] != "b" {
		t.Errorf("after --label-rm tier: %v", n.Spec.Labels)
	}
	msg := dockerFails(t, "run", "-d", "-e", "constraint:tier==gold", "busybox", "true")
	if !strings.Contains(msg, "Unable to find a node that satisfies the following conditions") || !strings.Contains(msg, "tier==gold") {
		t.Errorf("run after --label-rm: %q, want the classic no-fit message", msg)
	}
}

func TestBadInput(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"inspect unknown", []string{"node", "inspect", "nosuchnode"}, "node nosuchnode not found"},
		{"update unknown", []string{"node", "update", "--availability", "pause", "nosuchnode"}, "node nosuchnode not found"},
		{"bad availability", []string{"node", "update", "--availability", "sleepy", nodeName(0)}, "sleepy"},
		{"rm", []string{"node", "rm", nodeName(0)}, "does not remove nodes"},
		{"promote", []string{"node", "promote", nodeName(0)}, "every node is a worker"},
		{"services stay refused", []string{"service", "ls"}, "not a swarm manager"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := dockerFails(t, tt.args...)
			t.Logf("docker %s: %s", strings.Join(tt.args, " "), strings.TrimSpace(msg))
			if !strings.Contains(msg, tt.want) {
				t.Errorf("docker %s: %q, want %q", strings.Join(tt.args, " "), msg, tt.want)
			}
		})
	}
	if n := inspectNode(t, nodeName(0)); n.Spec.Availability != swarm.NodeAvailabilityActive || n.Spec.Role != swarm.NodeRoleWorker {
		t.Errorf("a refused update changed the node: %+v", n.Spec)
	}
}

// TestStaleVersion sends an update with an old version, as a client that
// raced another one would: the manager refuses it as swarm mode does.
func TestStaleVersion(t *testing.T) {
	n := nodeName(1)
	setNode(t, n, "--label-add", "v=1") // the version is now at least 1
	cur := inspectNode(t, n)
	post := func(version uint64) (int, string) {
		body, _ := json.Marshal(swarm.NodeSpec{Role: swarm.NodeRoleWorker, Availability: swarm.NodeAvailabilityActive, Annotations: swarm.Annotations{Labels: map[string]string{"v": "2"}}})
		url := fmt.Sprintf("http://%s/v1.41/nodes/%s/update?version=%d", manager.Addr, cur.ID, version)
		resp, err := http.Post(url, "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := post(cur.Version.Index - 1); code != http.StatusConflict || !strings.Contains(body, "update out of sequence") {
		t.Fatalf("stale version: %d %s, want 409 update out of sequence", code, body)
	}
	if got := inspectNode(t, n); got.Spec.Labels["v"] != "1" || got.Version.Index != cur.Version.Index {
		t.Fatalf("a refused update changed the node: %+v", got)
	}
	if code, body := post(cur.Version.Index); code != http.StatusOK {
		t.Fatalf("current version: %d %s", code, body)
	}
	if got := inspectNode(t, n); got.Spec.Labels["v"] != "2" || got.Version.Index != cur.Version.Index+1 {
		t.Fatalf("after the update: labels %v version %d", got.Spec.Labels, got.Version.Index)
	}
}

func TestNodeEvents(t *testing.T) {
	n := nodeName(2)
	since := docker(t, "info", "-f", "{{.SystemTime}}")
	setNode(t, n, "--availability", "pause")
	until := docker(t, "info", "-f", "{{.SystemTime}}")
	out := docker(t, "events", "--since", since, "--until", until, "--filter", "type=node",
		"--format", "{{.Type}} {{.Action}} {{.Actor.Attributes.name}} {{index .Actor.Attributes \"availability.new\"}}")
	if want := "node update " + n + " pause"; !strings.Contains(out, want) {
		t.Fatalf("docker events: %q, want %q", out, want)
	}
}
