package apitest

import (
	"net/http"
	"strings"
	"testing"
)

func TestVolumes(t *testing.T) {
	n1, n2, n3 := engines[0], engines[1], engines[2]
	t.Cleanup(func() {
		_, _, _ = harnessDocker("rm", "-f", "vt-user")
		_, _, _ = harnessDocker("volume", "rm", "vt-all", "vt-one", "vt-label", "vt-opt")
	})

	docker(t, "volume", "create", "vt-all")
	if got := holders("volume", "vt-all"); !sameSet(got, allNames()) {
		t.Fatalf("volume create vt-all: on %v, want every node", got)
	}
	out := docker(t, "volume", "ls", "--filter", "name=vt-all", "--format", "{{.Name}}")
	for _, e := range engines {
		if !strings.Contains(out, e.Name+"/vt-all") {
			t.Errorf("volume ls lacks %s/vt-all:\n%s", e.Name, out)
		}
	}
	// Creating a volume that exists is not an error, as on one engine.
	docker(t, "volume", "create", "vt-all")

	docker(t, "volume", "create", n1.Name+"/vt-one")
	if got := holders("volume", "vt-one"); !sameSet(got, []string{n1.Name}) {
		t.Errorf("create %s/vt-one: on %v", n1.Name, got)
	}
	docker(t, "volume", "create", "--label", "constraint:node=="+n2.Name, "vt-label")
	if got := holders("volume", "vt-label"); !sameSet(got, []string{n2.Name}) {
		t.Errorf("create with a constraint label: on %v, want %s", got, n2.Name)
	}
	docker(t, "volume", "create", "--opt", "constraint:node=="+n3.Name, "vt-opt")
	if got := holders("volume", "vt-opt"); !sameSet(got, []string{n3.Name}) {
		t.Errorf("create with a constraint option: on %v, want %s", got, n3.Name)
	}
	// An unnamed volume goes to one node.
	anon := strings.TrimSpace(docker(t, "volume", "create"))
	if got := holders("volume", anon); len(got) != 1 {
		t.Errorf("unnamed volume %s: on %v, want one node", anon, got)
	}
	docker(t, "volume", "rm", anon)

	for _, ref := range []string{"vt-one", n1.Name + "/vt-one"} {
		name := strings.TrimSpace(docker(t, "volume", "inspect", "-f", "{{.Name}}", ref))
		if name != "vt-one" {
			t.Errorf("volume inspect %s: Name %q", ref, name)
		}
	}
	if msg := dockerFails(t, "volume", "inspect", "vt-nosuch"); !strings.Contains(msg, "No such volume") {
		t.Errorf("inspect of an unknown volume: %q", msg)
	}
	code, _, _ := api("GET", "/volumes/vt-nosuch", nil)
	if code != http.StatusNotFound {
		t.Errorf("GET /volumes/vt-nosuch: %d, want 404", code)
	}

	// A volume in use cannot be removed: 409 from the engine.
	docker(t, "run", "-d", "--name", "vt-user", "-v", "vt-label:/data", "-e", "constraint:node=="+n2.Name, "busybox", "sleep", "300")
	code, body, _ := api("DELETE", "/volumes/vt-label", nil)
	if code != http.StatusConflict {
		t.Errorf("rm of a volume in use: %d %s, want 409", code, body)
	}
	out = docker(t, "volume", "ls", "--filter", "dangling=false", "--filter", "name=vt-", "--format", "{{.Name}}")
	if got := lines(out); len(got) != 1 || got[0] != n2.Name+"/vt-label" {
		t.Errorf("volumes in use: %q, want only %s/vt-label", got, n2.Name)
	}
	docker(t, "rm", "-f", "vt-user")

	docker(t, "volume", "rm", "vt-all", n1.Name+"/vt-one")
	for _, v := range []string{"vt-all", "vt-one"} {
		if got := holders("volume", v); len(got) != 0 {
			t.Errorf("volume rm %s: still on %v", v, got)
		}
	}
}

func TestVolumePrune(t *testing.T) {
	docker(t, "volume", "create", "--label", "vp=1", "vp-all")
	docker(t, "volume", "create", "--label", "vp=1", engines[1].Name+"/vp-one")
	out := docker(t, "volume", "prune", "-f", "--filter", "label=vp=1")
	for _, want := range []string{engines[0].Name + "/vp-all", engines[1].Name + "/vp-one"} {
		if !strings.Contains(out, want) {
			t.Errorf("volume prune output lacks %s:\n%s", want, out)
		}
	}
	for _, v := range []string{"vp-all", "vp-one"} {
		if got := holders("volume", v); len(got) != 0 {
			t.Errorf("after prune, %s is on %v", v, got)
		}
	}
}

// TestRunNextToVolume: `-v name:/path` goes to the node holding the named
// volume when exactly one node has it (the dependency filter).
func TestRunNextToVolume(t *testing.T) {
	n3 := engines[2]
	docker(t, "volume", "create", n3.Name+"/vn-data")
	t.Cleanup(func() {
		_, _, _ = harnessDocker("rm", "-f", "vn-1", "vn-2", "vn-3")
		_, _, _ = harnessDocker("volume", "rm", "vn-data")
	})
	for _, name := range []string{"vn-1", "vn-2", "vn-3"} {
		docker(t, "run", "-d", "--name", name, "-v", "vn-data:/data", "busybox", "sleep", "300")
		if got := containerNode(t, name); got != n3.Name {
			t.Errorf("%s with -v vn-data:/data runs on %s, want %s (the volume's node)", name, got, n3.Name)
		}
	}
}
