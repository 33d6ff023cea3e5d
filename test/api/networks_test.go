package apitest

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func TestNetworkList(t *testing.T) {
	out := docker(t, "network", "ls", "--format", "{{.Name}}")
	names := lines(out)
	for _, e := range engines {
		for _, n := range []string{"bridge", "host", "none"} {
			want := e.Name + "/" + n
			if !strings.Contains("\n"+out, "\n"+want+"\n") {
				t.Errorf("docker network ls lacks %s; got %q", want, names)
			}
		}
	}

	// The default networks keep working by their plain name.
	name := strings.TrimSpace(docker(t, "network", "inspect", "-f", "{{.Name}}", "bridge"))
	if name != "bridge" {
		t.Errorf("docker network inspect bridge: Name %q, want bridge", name)
	}
	first := engines[0].Name
	driver := strings.TrimSpace(docker(t, "network", "inspect", "-f", "{{.Driver}}", first+"/host"))
	if driver != "host" {
		t.Errorf("inspect %s/host: driver %q", first, driver)
	}

	// Filters: node, type, name.
	out = docker(t, "network", "ls", "--filter", "node="+first, "--format", "{{.Name}}")
	for _, n := range lines(out) {
		if !strings.HasPrefix(n, first+"/") {
			t.Errorf("--filter node=%s listed %s", first, n)
		}
	}
	if len(lines(out)) < 3 {
		t.Errorf("--filter node=%s listed %d networks, want at least 3", first, len(lines(out)))
	}
	out = docker(t, "network", "ls", "--filter", "type=builtin", "--filter", "name=none", "--format", "{{.Name}}")
	if got := lines(out); len(got) != len(engines) {
		t.Errorf("builtin networks named none: %q, want one per node", got)
	}

	// A client other than the docker CLI sees the engines' own names.
	code, body, err := api("GET", "/v1.41/networks?filters="+`{"name":{"bridge":true}}`, nil)
	if err != nil || code != http.StatusOK {
		t.Fatalf("GET /networks: %d %v", code, err)
	}
	var list []struct{ Name, ID string }
	if err := json.Unmarshal(body, &list); err != nil {
		t.Fatal(err)
	}
	bridges := 0
	for _, n := range list {
		if n.Name == "bridge" {
			bridges++
		}
	}
	if bridges != len(engines) {
		t.Errorf("API list: %d networks named bridge, want %d (one per node): %s", bridges, len(engines), body)
	}

	if msg := dockerFails(t, "network", "inspect", "nosuchnet"); !strings.Contains(msg, "No such network") {
		t.Errorf("inspect of an unknown network: %q", msg)
	}
}

func TestNetworkCreateEverywhereAndOnOneNode(t *testing.T) {
	n1, n2, n3 := engines[0], engines[1], engines[2]

	docker(t, "network", "create", "nt-all")
	t.Cleanup(func() { _, _, _ = harnessDocker("network", "rm", "nt-all") })
	if got := holders("network", "nt-all"); !sameSet(got, allNames()) {
		t.Fatalf("network create nt-all: on %v, want every node", got)
	}
	out := docker(t, "network", "ls", "--filter", "name=nt-all", "--format", "{{.Name}}")
	if got := lines(out); len(got) != len(engines) {
		t.Errorf("network ls: %q, want nt-all once per node", got)
	}
	if msg := dockerFails(t, "network", "create", "nt-all"); !strings.Contains(msg, "already exists") {
		t.Errorf("second create: %q, want a name conflict", msg)
	}
	code, body, _ := api("POST", "/networks/create", strings.NewReader(`{"Name":"nt-all"}`))
	if code != http.StatusConflict {
		t.Errorf("duplicate create: status %d (%s), want 409", code, body)
	}

	docker(t, "network", "create", "-d", "bridge", n1.Name+"/nt-one")
	if got := holders("network", "nt-one"); !sameSet(got, []string{n1.Name}) {
		t.Errorf("create %s/nt-one: on %v", n1.Name, got)
	}
	docker(t, "network", "create", "--label", "constraint:node=="+n2.Name, "nt-label")
	if got := holders("network", "nt-label"); !sameSet(got, []string{n2.Name}) {
		t.Errorf("create with a constraint label: on %v, want %s", got, n2.Name)
	}
	docker(t, "network", "create", "--opt", "constraint:node=="+n3.Name, "nt-opt")
	if got := holders("network", "nt-opt"); !sameSet(got, []string{n3.Name}) {
		t.Errorf("create with a constraint option: on %v, want %s", got, n3.Name)
	}
	if msg := dockerFails(t, "network", "create", "--label", "constraint:node==nosuchnode", "nt-none"); !strings.Contains(msg, "nable to find a node") {
		t.Errorf("create with an impossible constraint: %q", msg)
	}

	// Removing by node/name removes one node's copy, by name all of them.
	docker(t, "network", "rm", n1.Name+"/nt-one", "nt-label", "nt-opt")
	for _, n := range []string{"nt-one", "nt-label", "nt-opt"} {
		if got := holders("network", n); len(got) != 0 {
			t.Errorf("network rm %s: still on %v", n, got)
		}
	}
	docker(t, "network", "rm", "nt-all")
	if got := holders("network", "nt-all"); len(got) != 0 {
		t.Errorf("network rm nt-all: still on %v", got)
	}
	if got := lines(docker(t, "network", "ls", "-q", "--filter", "name=nt-")); len(got) != 0 {
		t.Errorf("network ls after rm: %q", got)
	}
}

func TestNetworkRunConnectDisconnect(t *testing.T) {
	n1, n2 := engines[0], engines[1]
	docker(t, "network", "create", "nc-all")
	docker(t, "network", "create", n2.Name+"/nc-two")
	t.Cleanup(func() {
		_, _, _ = harnessDocker("rm", "-f", "nc-a", "nc-b")
		_, _, _ = harnessDocker("network", "rm", "nc-all", "nc-two")
	})

	// --net with a network that every node has: runs on any node.
	docker(t, "run", "-d", "--name", "nc-a", "--net", "nc-all", "-e", "constraint:node=="+n1.Name, "busybox", "sleep", "300")
	nets := docker(t, "inspect", "-f", "{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}", "nc-a")
	if !strings.Contains(nets, "nc-all") {
		t.Errorf("nc-a networks: %q", nets)
	}

	// connect to a network only another node has: a clear 404.
	msg := dockerFails(t, "network", "connect", "nc-two", "nc-a")
	if !strings.Contains(msg, "not found on node "+n1.Name) {
		t.Errorf("connect across nodes: %q", msg)
	}

	docker(t, "run", "-d", "--name", "nc-b", "-e", "constraint:node=="+n2.Name, "busybox", "sleep", "300")
	docker(t, "network", "connect", "nc-two", "nc-b")
	nets = docker(t, "inspect", "-f", "{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}", "nc-b")
	if !strings.Contains(nets, "nc-two") {
		t.Errorf("after connect, nc-b networks: %q", nets)
	}
	onNode := onEngine(t, n2, "inspect", "-f", "{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}", "nc-b")
	if !strings.Contains(onNode, "nc-two") {
		t.Errorf("after connect, the engine sees nc-b on %q", onNode)
	}
	docker(t, "network", "disconnect", "nc-two", "nc-b")
	nets = docker(t, "inspect", "-f", "{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}", "nc-b")
	if strings.Contains(nets, "nc-two") {
		t.Errorf("after disconnect, nc-b networks: %q", nets)
	}

	// A network in use cannot be removed: the engine's 403 comes through.
	code, body, _ := api("DELETE", "/networks/"+n1.Name+"/nc-all", nil)
	if code != http.StatusForbidden {
		t.Errorf("rm of a network in use: %d %s, want 403", code, body)
	}
}

func TestNetworkPrune(t *testing.T) {
	docker(t, "network", "create", "--label", "np=1", "np-all")
	docker(t, "network", "create", "--label", "np=1", engines[2].Name+"/np-one")
	out := docker(t, "network", "prune", "-f", "--filter", "label=np=1")
	for _, want := range []string{engines[0].Name + "/np-all", engines[2].Name + "/np-one"} {
		if !strings.Contains(out, want) {
			t.Errorf("network prune output lacks %s:\n%s", want, out)
		}
	}
	for _, n := range []string{"np-all", "np-one"} {
		if got := holders("network", n); len(got) != 0 {
			t.Errorf("after prune, %s is on %v", n, got)
		}
	}
}

// TestRunOnNetworkNodes: `docker run --net name` goes to a node that has
// the network when only some nodes have it (the dependency filter).
func TestRunOnNetworkNodes(t *testing.T) {
	n2 := engines[1]
	docker(t, "network", "create", n2.Name+"/rn-net")
	t.Cleanup(func() {
		_, _, _ = harnessDocker("rm", "-f", "rn-1", "rn-2", "rn-3")
		_, _, _ = harnessDocker("network", "rm", "rn-net")
	})
	for _, name := range []string{"rn-1", "rn-2"} {
		docker(t, "run", "-d", "--name", name, "--net", "rn-net", "busybox", "sleep", "300")
		if got := containerNode(t, name); got != n2.Name {
			t.Errorf("%s with --net rn-net runs on %s, want %s (the network's node)", name, got, n2.Name)
		}
	}
	// node/name is accepted too and reaches the engine as the plain name.
	docker(t, "run", "-d", "--name", "rn-3", "--net", n2.Name+"/rn-net", "busybox", "sleep", "300")
	if got := containerNode(t, "rn-3"); got != n2.Name {
		t.Errorf("rn-3 with --net %s/rn-net runs on %s", n2.Name, got)
	}
}
