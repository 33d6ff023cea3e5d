package apitest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/swarm-project/swarm/test/harness"
)

// attrsFormat prints an event's action, actor name and node attributes.
const attrsFormat = `{{.Type}} {{.Action}} {{.Actor.Attributes.name}} {{index .Actor.Attributes "node.name"}} ` +
	`{{index .Actor.Attributes "node.id"}} {{index .Actor.Attributes "node.addr"}} {{index .Actor.Attributes "node.ip"}}`

// eventAttrs runs `docker events` over [since, until] with attrsFormat.
func eventAttrs(t *testing.T, since, until time.Time, args ...string) []string {
	t.Helper()
	full := append([]string{"events", "--format", attrsFormat, "--since", fmt.Sprint(since.Unix()),
		"--until", fmt.Sprintf("%d.%09d", until.Unix(), until.Nanosecond())}, args...)
	return lines(docker(t, full...))
}

// TestEventNodeAttributes: an event through the manager names its node in
// the attributes the docker CLI shows (node.name, node.id, node.addr,
// node.ip), and --filter node= keeps one node's events only.
func TestEventNodeAttributes(t *testing.T) {
	one, two := engines[0], engines[1]
	since := time.Now().Add(-time.Second)
	t.Cleanup(func() { _, _, _ = harnessDocker("rm", "-f", "evattr-1", "evattr-2") })
	docker(t, "run", "--name", "evattr-1", "-e", "constraint:node=="+one.Name, "busybox", "true")
	docker(t, "run", "--name", "evattr-2", "-e", "constraint:node=="+two.Name, "busybox", "true")

	var got []string
	err := harness.WaitFor(30*time.Second, func() (bool, error) {
		got = eventAttrs(t, since, time.Now(), "--filter", "container=evattr-1", "--filter", "container=evattr-2", "--filter", "event=die")
		return len(got) == 2, nil
	})
	if err != nil {
		t.Fatalf("die events of evattr-1 and evattr-2: %q", got)
	}
	until := time.Now()

	node := func(e *harness.Engine) string {
		id := strings.TrimSpace(e.MustDocker(t, "info", "-f", "{{.ID}}"))
		ip, _, _ := strings.Cut(e.Addr, ":")
		return e.Name + " " + id + " " + e.Addr + " " + ip
	}
	if want := "container die evattr-1 " + node(one); !contains(got, want) {
		t.Errorf("events %q lack %q", got, want)
	}

	// --filter node=NAME: only that node's events, ours among them.
	l := eventAttrs(t, since, until, "--filter", "node="+one.Name)
	if !contains(l, "container die evattr-1 "+node(one)) {
		t.Errorf("--filter node=%s lacks evattr-1's die: %q", one.Name, l)
	}
	for _, line := range l {
		f := strings.Fields(line)
		if len(f) < 4 || !strings.Contains(line, " "+node(one)) || strings.Contains(line, "evattr-2") {
			t.Errorf("--filter node=%s shows %q", one.Name, line)
		}
	}

	// The manager's own events carry the node too, and keep name and addr.
	l = eventAttrs(t, time.Unix(1, 0), until, "--filter", "type=swarm", "--filter", "event=engine_connect", "--filter", "node="+two.Name)
	if len(l) == 0 {
		t.Fatalf("no engine_connect event for %s", two.Name)
	}
	for _, line := range l {
		if line != "swarm engine_connect "+two.Name+" "+node(two) {
			t.Errorf("engine_connect shown as %q, want node %s", line, node(two))
		}
	}
}
