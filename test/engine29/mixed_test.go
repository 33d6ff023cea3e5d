package engine29

import (
	"fmt"
	"strings"
	"testing"

	"github.com/swarm-project/swarm/test/harness"
)

// Ten containers through the mixed manager land on both kinds of engine,
// and every container call works on each.
func TestMixedTenContainers(t *testing.T) {
	a := mixed.Addr
	var names []string
	for i := 1; i <= 10; i++ {
		names = append(names, fmt.Sprintf("mix%d", i))
	}
	cleanup(t, a, names...)
	for _, n := range names {
		docker(t, a, "run", "-d", "--name", n, "busybox", "sleep", "600")
	}
	node := map[string]*harness.Engine{}
	kinds := map[harness.EngineKind]int{}
	for _, n := range names {
		nn := docker(t, a, "inspect", "-f", "{{.Node.Name}}", n)
		e := engineNamed(nn)
		if e == nil {
			t.Fatalf("inspect %s: Node.Name %q is none of the engines", n, nn)
		}
		node[n] = e
		kinds[e.Kind]++
	}
	t.Logf("placement by kind: %v", kinds)
	if kinds[harness.Engine2010] == 0 || kinds[harness.Engine29] == 0 {
		t.Errorf("placement by kind %v: want containers on both kinds", kinds)
	}

	ps := lines(docker(t, a, "ps", "--filter", "name=mix", "--format", "{{.Names}} {{.Status}}"))
	listed := map[string]bool{}
	for _, l := range ps {
		name, _, _ := strings.Cut(l, " ")
		listed[name] = strings.Contains(l, "Up ")
	}
	for _, n := range names {
		e := node[n]
		t.Run(n+"-"+string(e.Kind), func(t *testing.T) {
			if !listed[e.Name+"/"+n] {
				t.Errorf("ps does not list %s/%s as up: %q", e.Name, n, ps)
			}
			got := docker(t, a, "inspect", "-f", "{{.Name}} {{.State.Running}} {{.Node.Name}} {{.Config.Image}}", n)
			if want := "/" + n + " true " + e.Name + " busybox"; got != want {
				t.Errorf("inspect: %q, want %q", got, want)
			}
			if got := docker(t, a, "exec", n, "sh", "-c", "echo from-"+n+"; echo logged-"+n+" > /proc/1/fd/1"); got != "from-"+n {
				t.Errorf("exec echo: %q", got)
			}
			if got := docker(t, a, "logs", n); got != "logged-"+n {
				t.Errorf("logs: %q, want %q", got, "logged-"+n)
			}
			// The engine itself holds it.
			if got := onEngine(t, e, "inspect", "-f", "{{.Name}}", n); got != "/"+n {
				t.Errorf("%s inspect: %q", e.Name, got)
			}
			docker(t, a, "rm", "-f", n)
			if got := onEngine(t, e, "ps", "-aq", "--filter", "name=^"+n+"$"); got != "" {
				t.Errorf("after rm -f, %s still has %q", e.Name, got)
			}
		})
	}
	if got := docker(t, a, "ps", "-aq", "--filter", "name=mix"); got != "" {
		t.Errorf("after rm -f of all, ps -a lists %q", got)
	}
}
