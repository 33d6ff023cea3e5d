package reschedtest

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/swarm-project/swarm/test/harness"
)

// TestDrainMovesPolicyContainers is the drain acceptance, with
// the engines up: `docker node update --availability drain` moves the
// node's container that has the policy (same name, same swarm ID, one
// copy in ps -a, the old one gone from the engine), leaves the one
// without and the pinned one (with a warning in the manager's log and in
// the update's answer), and no new container lands on the node;
// `--availability active` puts it back into placement. A policy container
// made on the engine itself, without a swarm ID, moves too.
func TestDrainMovesPolicyContainers(t *testing.T) {
	p := prefix(t)
	c1, c2, c3, c4 := p+"c1", p+"c2", p+"c3", p+"c4"
	x := cluster.Engines[0]
	var runs []string
	t.Cleanup(func() {
		_, _, _ = cluster.Manager.Docker("node", "update", "--availability", "active", x.Name)
		_, _, _ = cluster.Manager.Docker(append([]string{"rm", "-f", c1, c2, c3, c4}, runs...)...)
	})
	// A soft node constraint puts both on x without pinning c1 there.
	docker(t, "run", "-d", "--name", c1, "-e", "reschedule:on-node-failure", "-e", "constraint:node==~"+x.Name,
		"--label", "app=web", "busybox", "sleep", "600")
	docker(t, "run", "-d", "--name", c2, "-e", "constraint:node==~"+x.Name, "busybox", "sleep", "600")
	// A hard node constraint pins c3 there, policy or not.
	docker(t, "run", "-d", "--name", c3, "-e", "reschedule:on-node-failure", "-e", "constraint:node=="+x.Name, "busybox", "sleep", "600")
	before := strings.Split(strings.TrimSpace(docker(t, "inspect", "-f", inspectFormat, c1)), "|")
	if len(before) != 3 || len(before[0]) != 64 || before[1] != x.Name || before[2] != "true" {
		t.Fatalf("c1 before: %q, want a swarm ID, node %s, running", before, x.Name)
	}
	if got := strings.TrimSpace(docker(t, "inspect", "-f", "{{.Node.Name}}", c2)); got != x.Name {
		t.Fatalf("c2 is on %s, want %s", got, x.Name)
	}
	oldID := strings.TrimSpace(docker(t, "inspect", "-f", "{{.Id}}", c1))
	// c4 has the policy but was made on the engine itself: no swarm ID.
	x.MustDocker(t, "run", "-d", "--name", c4, "--label", `com.docker.swarm.reschedule-policies=["on-node-failure"]`, "busybox", "sleep", "600")
	err := harness.WaitFor(60*time.Second, func() (bool, error) {
		out, _, err := cluster.Manager.Docker("ps", "--filter", "name="+c4, "--format", "{{.Names}}")
		return err == nil && out == x.Name+"/"+c4+"\n", nil
	})
	if err != nil {
		t.Fatalf("the manager never listed %s on %s: %v", c4, x.Name, err)
	}

	since := time.Now()
	docker(t, "node", "update", "--availability", "drain", x.Name)

	// The update answers once the moves are done.
	after := strings.Split(strings.TrimSpace(docker(t, "inspect", "-f", inspectFormat, c1)), "|")
	if len(after) != 3 || after[1] == x.Name || after[2] != "true" {
		t.Fatalf("c1 after the drain: %q, want running on a node other than %s\n%s", after, x.Name, cluster.Manager.Log())
	}
	if after[0] != before[0] {
		t.Errorf("c1's swarm ID changed: %s, was %s", after[0], before[0])
	}
	if got := strings.TrimSpace(docker(t, "inspect", "-f", `{{index .Config.Labels "app"}}`, c1)); got != "web" {
		t.Errorf("c1's label app after the move: %q, want web", got)
	}
	if got := docker(t, "ps", "-a", "--filter", "name="+c1, "--format", "{{.Names}}"); got != after[1]+"/"+c1+"\n" {
		t.Errorf("docker ps -a for c1 after the drain: %q, want exactly one, on %s", got, after[1])
	}
	if out, stderr, err := x.Docker("ps", "-a", "-q", "--no-trunc", "--filter", "name="+c1); err != nil || strings.TrimSpace(out) != "" {
		t.Errorf("the old c1 (%s) is still on %s: %q %v %s", oldID, x.Name, out, err, stderr)
	}
	if got := docker(t, "ps", "-a", "--filter", "name="+c4, "--format", "{{.Names}}|{{.State}}"); got == "" || strings.HasPrefix(got, x.Name+"/") || strings.Count(got, "\n") != 1 || !strings.HasSuffix(got, "|running\n") {
		t.Errorf("docker ps -a for c4, made without a swarm ID, after the drain: %q, want one, running on another node", got)
	}
	if out, _, err := x.Docker("ps", "-a", "-q", "--filter", "name="+c4); err != nil || strings.TrimSpace(out) != "" {
		t.Errorf("the old c4 is still on %s: %q %v", x.Name, out, err)
	}
	if got := docker(t, "ps", "--filter", "name="+c2, "--format", "{{.Names}}"); got != x.Name+"/"+c2+"\n" {
		t.Errorf("docker ps for c2 after the drain: %q, want it running on %s", got, x.Name)
	}
	if got := docker(t, "ps", "--filter", "name="+c3, "--format", "{{.Names}}"); got != x.Name+"/"+c3+"\n" {
		t.Errorf("docker ps for the pinned c3 after the drain: %q, want it running on %s", got, x.Name)
	}
	log := cluster.Manager.Log()
	for _, w := range []string{
		"container " + c2 + " has no reschedule policy: it stays on " + x.Name,
		"container " + c3 + " is pinned to " + x.Name + " by a node constraint: it stays",
	} {
		if strings.Count(log, w) != 1 {
			t.Errorf("the manager's log should warn once %q:\n%s", w, log)
		}
	}

	// The manager's event of the move names the drain.
	evs := docker(t, "events", "--since", strconv.FormatInt(since.Unix(), 10), "--until", strconv.FormatInt(time.Now().Unix()+1, 10),
		"--filter", "type=swarm", "--format", "{{json .}}")
	found := false
	for _, line := range strings.Split(strings.TrimSpace(evs), "\n") {
		var ev struct {
			Action string
			Actor  struct{ Attributes map[string]string }
		}
		if json.Unmarshal([]byte(line), &ev) == nil && ev.Action == "container_reschedule" && ev.Actor.Attributes["name"] == c1 {
			a := ev.Actor.Attributes
			found = a["old.node"] == x.Name && a["new.node"] == after[1] && a["swarm.id"] == before[0] && a["reason"] == "drain"
			if !found {
				t.Errorf("reschedule event attributes %v", a)
			}
		}
	}
	if !found {
		t.Errorf("no container_reschedule event for %s among:\n%s", c1, evs)
	}

	// Spread would put some of these on x, which holds two containers.
	for i := 0; i < 6; i++ {
		name := p + "run" + strconv.Itoa(i)
		runs = append(runs, name)
		docker(t, "run", "-d", "--name", name, "busybox", "sleep", "600")
		if got := strings.TrimSpace(docker(t, "inspect", "-f", "{{.Node.Name}}", name)); got == x.Name {
			t.Fatalf("%s landed on the drained %s", name, x.Name)
		}
	}
	runs = append(runs, p+"pinned")
	if _, stderr, err := cluster.Manager.Docker("run", "-d", "--name", p+"pinned", "-e", "constraint:node=="+x.Name, "busybox", "true"); err == nil || !strings.Contains(stderr, x.Name+" (availability drain)") {
		t.Errorf("a run pinned to the drained node: %v %q, want a no-fit naming %s's availability", err, stderr, x.Name)
	}

	docker(t, "node", "update", "--availability", "active", x.Name)
	name := p + "back"
	runs = append(runs, name)
	docker(t, "run", "-d", "--name", name, "busybox", "sleep", "600")
	if got := strings.TrimSpace(docker(t, "inspect", "-f", "{{.Node.Name}}", name)); got != x.Name {
		t.Errorf("after --availability active the next container went to %s, want the emptiest node %s", got, x.Name)
	}
	// c1 stays where the drain put it.
	if got := strings.TrimSpace(docker(t, "inspect", "-f", inspectFormat, c1)); got != strings.Join(after, "|") {
		t.Errorf("c1 after the node is active again: %q, want %q", got, strings.Join(after, "|"))
	}

	// The API's answer to a drain names what stays (the CLI does not
	// print it): the container just run there, c2 and c3.
	idv := strings.Fields(docker(t, "node", "inspect", "-f", "{{.ID}} {{.Version.Index}}", x.Name))
	if len(idv) != 2 {
		t.Fatalf("node inspect: %q", idv)
	}
	resp, err := http.Post("http://"+cluster.Manager.Addr+"/nodes/"+idv[0]+"/update?version="+idv[1], "application/json",
		strings.NewReader(`{"Availability":"drain"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var answer struct{ Warnings []string }
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /nodes/%s/update: %d %v", idv[0], resp.StatusCode, err)
	}
	want := []string{ // by container name
		"container " + name + " has no reschedule policy: it stays on " + x.Name,
		"container " + c2 + " has no reschedule policy: it stays on " + x.Name,
		"container " + c3 + " is pinned to " + x.Name + " by a node constraint: it stays",
	}
	if strings.Join(answer.Warnings, "\n") != strings.Join(want, "\n") {
		t.Errorf("drain answer warnings %q, want %q", answer.Warnings, want)
	}
}
