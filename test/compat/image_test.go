package compattest

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/swarm-project/swarm/test/harness"
)

// containerCounts reads each node's container count from the manager's
// `docker info`.
func containerCounts(t *testing.T) map[string]int {
	t.Helper()
	info, err := harness.SwarmStatus(manager.Addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, n := range info.Nodes {
		first, _, _ := strings.Cut(n.Fields["Containers"], " ")
		c, err := strconv.Atoi(first)
		if err != nil {
			t.Fatalf("node %s: Containers %q", n.Name, n.Fields["Containers"])
		}
		out[n.Name] = c
	}
	return out
}

// makeBusiest creates containers on e until it holds more than any other
// node, so that spread alone never chooses it; it returns their names.
func makeBusiest(t *testing.T, e *harness.Engine, namePrefix string) []string {
	t.Helper()
	counts := containerCounts(t)
	most := 0
	for n, c := range counts {
		if n != e.Name {
			most = max(most, c)
		}
	}
	var names []string
	for i := counts[e.Name]; i <= most; i++ {
		name := fmt.Sprintf("%sload-%d", namePrefix, i)
		docker(t, "create", "--name", name, "-e", "constraint:node=="+e.Name, "busybox", "true")
		names = append(names, name)
	}
	return names
}

// waitImage waits until the manager lists image ref.
func waitImage(t *testing.T, ref string) {
	t.Helper()
	err := harness.WaitFor(30*time.Second, func() (bool, error) {
		out, _, err := harness.Docker(manager.Addr, "images", "-q", ref)
		return err == nil && strings.TrimSpace(out) != "", nil
	})
	if err != nil {
		t.Fatalf("the manager never listed %s: %v", ref, err)
	}
}

// TestImageLocality: an image that only one node holds, and that no
// registry has, is used where it is; pinned elsewhere, the pull's error is
// the answer. The holder is made the busiest node first, so that spread
// alone would place elsewhere (and the image would have to be copied).
func TestImageLocality(t *testing.T) {
	const img = "compat-only-here:1"
	holder, other := engines[1], engines[0]
	p := prefix(t)
	names := cleanupImage(t, img)
	onEngine(t, holder, "tag", "busybox", img)
	waitImage(t, img)
	*names = append(*names, makeBusiest(t, holder, p)...)

	t.Run("placed where the image is", func(t *testing.T) {
		name := p + "free"
		*names = append(*names, name)
		docker(t, "run", "-d", "--name", name, img, "sleep", "600")
		if got := nodeOf(t, name); got != holder.Name {
			t.Errorf("%s placed on %s, want %s, the only node that holds it", img, got, holder.Name)
		}
		if out, _, err := other.Docker("image", "inspect", "-f", "{{.Id}}", img); err == nil {
			t.Errorf("%s was copied to %s (%s)", img, other.Name, out)
		}
	})

	t.Run("pinned to a node without it", func(t *testing.T) {
		// What the engine itself answers for the image.
		_, want, err := other.Docker("pull", img)
		if err == nil {
			t.Fatalf("%s could pull %s: this test needs an image no registry has", other.Name, img)
		}
		name := p + "pinned"
		*names = append(*names, name)
		got := dockerFails(t, "run", "-d", "--name", name, "-e", "constraint:node=="+other.Name, img, "sleep", "600")
		if daemonError(got) == "" || daemonError(got) != daemonError(want) {
			t.Errorf("pinned run said\n%s\nwant the pull's error as the engine gives it:\n%s", got, want)
		}
		if out, _, err := other.Docker("image", "inspect", "-f", "{{.Id}}", img); err == nil {
			t.Errorf("%s was copied to %s (%s) despite node==", img, other.Name, out)
		}
	})

	t.Run("the holder cannot take it: the image is copied", func(t *testing.T) {
		port := fmt.Sprint(20000 + os.Getpid()%10000)
		taken := p + "port"
		*names = append(*names, taken)
		docker(t, "create", "--name", taken, "-p", port+":80", "-e", "constraint:node=="+holder.Name, "busybox", "true")
		name := p + "copied"
		*names = append(*names, name)
		docker(t, "create", "--name", name, "-p", port+":80", img, "true")
		got := nodeOf(t, name)
		if got == holder.Name {
			t.Fatalf("%s placed on %s, whose port %s is taken", name, got, port)
		}
		for _, e := range engines {
			if e.Name == got {
				onEngine(t, e, "image", "inspect", "-f", "{{.Id}}", img)
			}
		}
	})
}

// TestBuiltImageLocality: an image built on one node (docker build with a
// constraint) runs there without a constraint.
func TestBuiltImageLocality(t *testing.T) {
	const img = "compat-built-here:1"
	builder := engines[2]
	p := prefix(t)
	names := cleanupImage(t, img)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM busybox\nRUN echo built-here > /built\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	docker(t, "build", "-q", "-t", img, "--build-arg", "constraint:node=="+builder.Name, dir)
	*names = append(*names, makeBusiest(t, builder, p)...)

	name := p + "run"
	*names = append(*names, name)
	docker(t, "run", "-d", "--name", name, img, "sleep", "600")
	if got := nodeOf(t, name); got != builder.Name {
		t.Errorf("%s placed on %s, want %s, which built it", img, got, builder.Name)
	}
	if got := strings.TrimSpace(docker(t, "exec", name, "cat", "/built")); got != "built-here" {
		t.Errorf("/built holds %q", got)
	}
}

// daemonError is the message of the "Error response from daemon: ..."
// line of a docker CLI's stderr ("" when there is none).
func daemonError(stderr string) string {
	const lead = "Error response from daemon: "
	_, msg, ok := strings.Cut(stderr, lead)
	if !ok {
		return ""
	}
	msg, _, _ = strings.Cut(msg, "\n")
	return strings.TrimSpace(msg)
}

// cleanupImage returns a list to which the test appends the containers it
// makes; at the end they are removed, and img from every engine.
func cleanupImage(t *testing.T, img string) *[]string {
	names := new([]string)
	t.Cleanup(func() {
		for _, n := range *names {
			_, _, _ = harness.Docker(manager.Addr, "rm", "-f", n)
		}
		for _, e := range engines {
			_, _, _ = e.Docker("rmi", img)
		}
	})
	return names
}
