package compattest

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// Placement labels written with the `!` escaped for the shell, as users
// did: --label 'com.docker.swarm.affinities=["container\!=c1"]' leaves a
// backslash before the `!`, which JSON does not allow. It reads as `!`.

// labelsPlace runs a sleeping busybox with extra flags and returns the
// name of the node it landed on.
func labelsPlace(t *testing.T, flags ...string) string {
	t.Helper()
	args := append(append([]string{"run", "-d"}, flags...), "busybox", "sleep", "300")
	id := strings.TrimSpace(docker(t, args...))
	return strings.TrimSpace(docker(t, "inspect", "-f", "{{.Node.Name}}", id))
}

func TestLabelsShellEscapedBang(t *testing.T) {
	p := prefix(t)
	c1Node := engines[0]
	var made []string
	run := func(name string, flags ...string) string {
		made = append(made, name)
		return labelsPlace(t, append([]string{"--name", name}, flags...)...)
	}
	defer func() { nofitRm(made...) }()

	run(p+"c1", "-e", "constraint:node=="+c1Node.Name)
	// Two more containers on each other node, so that spread would pick
	// c1's node were the affinity ignored.
	for _, e := range engines[1:] {
		for i := range 2 {
			run(fmt.Sprintf("%sfill-%s-%d", p, e.Name, i), "-e", "constraint:node=="+e.Name)
		}
	}

	label := `com.docker.swarm.affinities=["container\!=` + p + `c1"]`
	if got := run(p+"away", "--label", label); got == c1Node.Name {
		t.Errorf("--label '%s' landed on %s, next to c1", label, got)
	}
	// The premise: without the label, spread picks c1's node.
	if got := run(p + "control"); got != c1Node.Name {
		t.Fatalf("control container landed on %s, want %s (the test's premise)", got, c1Node.Name)
	}

	// The rule is honoured, not ignored: with c1's node the only one
	// allowed, nothing fits, and the message shows the rule.
	constraint := `com.docker.swarm.constraints=["node\!=` + engines[1].Name + `", "node\!=` + engines[2].Name + `"]`
	got := dockerFails(t, "run", "-d", "--label", label, "--label", constraint, "busybox", "true")
	want := nofitRunStderr(nofitMsg("[available container slots]",
		"[container!="+p+"c1 (soft=false)]",
		"[node!="+engines[1].Name+" node!="+engines[2].Name+"]") +
		nofitRuledOut("constraint:node!="+engines[1].Name+": 1 node ("+engines[1].Name+")",
			"constraint:node!="+engines[2].Name+": 1 node ("+engines[2].Name+")",
			"affinity:container!="+p+"c1: 1 node ("+c1Node.Name+")"))
	if got != want {
		t.Errorf("no fit:\n got %q\nwant %q", got, want)
	}
}

// Other malformed labels are refused with 400 and a message quoting them.
func TestLabelsMalformed(t *testing.T) {
	tests := []struct {
		name  string
		label string
	}{
		{name: "affinities, unclosed", label: `com.docker.swarm.affinities=["container!=c1"`},
		{name: "constraints, not JSON", label: `com.docker.swarm.constraints=node==x`},
		{name: "affinities, another bad escape", label: `com.docker.swarm.affinities=["container\q=c1"]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := dockerFails(t, "run", "-d", "--label", tt.label, "busybox", "true")
			want := nofitRunStderr(fmt.Sprintf("invalid expression %q: not a JSON array of strings", tt.label))
			if got != want {
				t.Errorf("docker run --label '%s':\n got %q\nwant %q", tt.label, got, want)
			}
			key, value, _ := strings.Cut(tt.label, "=")
			body := fmt.Sprintf(`{"Image":"busybox","Labels":{%q:%q}}`, key, value)
			resp, err := http.Post("http://"+manager.Addr+"/containers/create", "application/json", strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("POST /containers/create: status %d, want 400", resp.StatusCode)
			}
		})
	}
}
