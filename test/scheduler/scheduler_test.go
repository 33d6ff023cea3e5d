// Package scheduler_test replays classic Swarm's filter and strategy
// documentation with the real docker CLI against a manager in front of
// three real engines with different labels.
package scheduler_test

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/swarm-project/swarm/test/harness"
)

var (
	cluster *harness.Cluster
	engines []*harness.Engine
	manager *harness.Manager // spread, all filters
	// ssd, disk and slots name the three engines by role.
	ssd, disk, slots *harness.Engine
)

func TestMain(m *testing.M) {
	os.Exit(harness.Main(m, func() (func(bool), error) {
		var err error
		cluster, err = harness.StartCluster(3, map[int][]string{
			0: {"storage=ssd", "region=us-east"},
			1: {"storage=disk", "region=us-west"},
			2: {"storage=disk", "region=eu-central", "containerslots=3"},
		})
		engines, manager = cluster.Engines, cluster.Manager
		if err == nil {
			ssd, disk, slots = engines[0], engines[1], engines[2]
		}
		return cluster.Teardown, err
	}))
}

// startManager starts another manager over the same engines.
func startManager(strategy string) (*harness.Manager, error) {
	return cluster.StartManager("--strategy", strategy)
}

func dockerOn(t *testing.T, m *harness.Manager, args ...string) string {
	t.Helper()
	out, stderr, err := harness.Docker(m.Addr, args...)
	if err != nil {
		t.Fatalf("docker %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, out, stderr)
	}
	return strings.TrimSpace(out)
}

func docker(t *testing.T, args ...string) string {
	t.Helper()
	return dockerOn(t, manager, args...)
}

func dockerFails(t *testing.T, args ...string) string {
	t.Helper()
	out, stderr, err := harness.Docker(manager.Addr, args...)
	if err == nil {
		t.Fatalf("docker %s succeeded (%s), want an error", strings.Join(args, " "), out)
	}
	return stderr
}

// place starts a sleeping busybox with extra docker run flags and returns
// the node it landed on.
func place(t *testing.T, flags ...string) string {
	t.Helper()
	args := append(append([]string{"run", "-d"}, flags...), "busybox", "sleep", "300")
	id := docker(t, args...)
	return docker(t, "inspect", "-f", "{{.Node.Name}}", id)
}

func removeAll(t *testing.T) {
	t.Helper()
	ids := strings.Fields(docker(t, "ps", "-aq"))
	if len(ids) > 0 {
		docker(t, append([]string{"rm", "-f"}, ids...)...)
	}
}

func TestConstraints(t *testing.T) {
	removeAll(t)
	defer removeAll(t)
	tests := []struct {
		name  string
		flags []string
		want  []*harness.Engine // acceptable nodes
	}{
		{"label equal", []string{"-e", "constraint:storage==ssd"}, []*harness.Engine{ssd}},
		{"label equal, other value", []string{"-e", "constraint:storage==disk"}, []*harness.Engine{disk, slots}},
		{"two constraints", []string{"-e", "constraint:storage==disk", "-e", "constraint:region==us-west"}, []*harness.Engine{disk}},
		{"node name", []string{"-e", "constraint:node==" + slots.Name}, []*harness.Engine{slots}},
		{"negation", []string{"-e", "constraint:storage!=ssd"}, []*harness.Engine{disk, slots}},
		{"glob", []string{"-e", "constraint:region==us-*"}, []*harness.Engine{ssd, disk}},
		{"regular expression", []string{"-e", "constraint:region==/eu-.*/"}, []*harness.Engine{slots}},
		{"default tag", []string{"-e", "constraint:storagedriver==overlay2", "-e", "constraint:storage==ssd"}, []*harness.Engine{ssd}},
		{"label form (compose, docker-machine)", []string{"--label", `com.docker.swarm.constraints=["storage==ssd"]`}, []*harness.Engine{ssd}},
		{"soft constraint that cannot be met is dropped", []string{"-e", "constraint:storage==~nvme"}, engines},
		{"soft constraint that can be met is kept", []string{"-e", "constraint:region==~us-west"}, []*harness.Engine{disk}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			removeAll(t) // the eu-central node has only 3 slots
			for i := 0; i < 2; i++ {
				got := place(t, tt.flags...)
				if !isOneOf(got, tt.want) {
					t.Fatalf("landed on %s, want one of %v", got, tt.want)
				}
			}
		})
	}
}

func isOneOf(name string, engs []*harness.Engine) bool {
	for _, e := range engs {
		if e.Name == name {
			return true
		}
	}
	return false
}

func TestConstraintErrors(t *testing.T) {
	stderr := dockerFails(t, "run", "-d", "-e", "constraint:storage==nvme", "busybox", "true")
	if !strings.Contains(stderr, "Unable to find a node that satisfies the following conditions") || !strings.Contains(stderr, "[storage==nvme]") {
		t.Fatalf("no-fit error: %q", stderr)
	}
	stderr = dockerFails(t, "run", "-d", "-e", "constraint:storage=ssd", "busybox", "true")
	if !strings.Contains(stderr, "storage=ssd") {
		t.Fatalf("malformed expression error should quote it: %q", stderr)
	}
	stderr = dockerFails(t, "run", "-d", "-e", "constraint:storage==/[/", "busybox", "true")
	if !strings.Contains(stderr, "/[/") {
		t.Fatalf("bad regex error should quote it: %q", stderr)
	}
}

func TestExpressionsAreStoredAsLabelsAndStrippedFromEnv(t *testing.T) {
	removeAll(t)
	defer removeAll(t)
	id := docker(t, "run", "-d", "-e", "constraint:storage==ssd", "-e", "affinity:image==busybox", "-e", "KEEP=1", "busybox", "sleep", "300")
	env := docker(t, "exec", id, "env")
	if strings.Contains(env, "constraint:") || strings.Contains(env, "affinity:") || !strings.Contains(env, "KEEP=1") {
		t.Fatalf("container env: %s", env)
	}
	if got := docker(t, "inspect", "-f", `{{index .Config.Labels "com.docker.swarm.constraints"}}`, id); got != `["storage==ssd"]` {
		t.Fatalf("constraints label %q", got)
	}
	if got := docker(t, "inspect", "-f", `{{index .Config.Labels "com.docker.swarm.affinities"}}`, id); got != `["image==busybox"]` {
		t.Fatalf("affinities label %q", got)
	}
}

func TestAffinities(t *testing.T) {
	removeAll(t)
	defer removeAll(t)
	front := place(t, "--name", "frontend", "--label", "com.example.type=frontend")
	for i := 0; i < 3; i++ {
		if got := place(t, "-e", "affinity:container==frontend"); got != front {
			t.Fatalf("affinity:container==frontend landed on %s, want %s", got, front)
		}
		if got := place(t, "-e", "affinity:com.example.type==frontend"); got != front {
			t.Fatalf("label affinity landed on %s, want %s", got, front)
		}
		if got := place(t, "-e", "affinity:container!=frontend"); got == front {
			t.Fatalf("affinity:container!=frontend landed on %s", got)
		}
	}
	// An image only one engine holds.
	if _, stderr, err := disk.Docker("tag", "busybox:latest", "only-on-disk:v1"); err != nil {
		t.Fatalf("tag on %s: %v %s", disk.Name, err, stderr)
	}
	defer disk.Docker("rmi", "only-on-disk:v1")
	if err := harness.WaitFor(10*time.Second, func() (bool, error) {
		out, _, _ := harness.Docker(manager.Addr, "images", "--format", "{{.Repository}}:{{.Tag}}")
		return strings.Contains(out, "only-on-disk:v1"), nil
	}); err != nil {
		t.Fatal("the manager never saw the new tag")
	}
	for i := 0; i < 2; i++ {
		if got := place(t, "-e", "affinity:image==only-on-disk:v1"); got != disk.Name {
			t.Fatalf("affinity:image landed on %s, want %s", got, disk.Name)
		}
	}
	if got := place(t, "-e", "affinity:container==~no-such-container"); got == "" {
		t.Fatal("soft affinity should not block placement")
	}
	stderr := dockerFails(t, "run", "-d", "-e", "affinity:container==no-such-container", "busybox", "true")
	if !strings.Contains(stderr, "Unable to find a node that satisfies the following conditions") {
		t.Fatalf("hard affinity to nothing: %q", stderr)
	}
}

func TestPortFilter(t *testing.T) {
	removeAll(t)
	defer removeAll(t)
	seen := map[string]bool{}
	for i := 0; i < 3; i++ {
		seen[place(t, "-p", "8080:80")] = true
	}
	if len(seen) != 3 {
		t.Fatalf("three -p 8080:80 containers landed on %v, want three nodes", seen)
	}
	stderr := dockerFails(t, "run", "-d", "-p", "8080:80", "busybox", "sleep", "1")
	if !strings.Contains(stderr, "[port 8080 (Bridge mode)]") {
		t.Fatalf("fourth -p 8080:80: %q", stderr)
	}
	// udp is another port; a stopped container keeps its port.
	place(t, "-p", "8080:80/udp")
	id := docker(t, "run", "-d", "-p", "9090:80", "-e", "constraint:node=="+ssd.Name, "busybox", "sleep", "300")
	docker(t, "stop", "-t", "0", id)
	for i := 0; i < 2; i++ {
		if got := place(t, "-p", "9090:80"); got == ssd.Name {
			t.Fatalf("port 9090 is still held by a stopped container on %s", got)
		}
	}
	// Host networking takes the exposed ports.
	hostNode := place(t, "--net=host", "--expose", "7070")
	for i := 0; i < 2; i++ {
		if got := place(t, "--net=host", "--expose", "7070"); got == hostNode {
			t.Fatalf("two host-mode containers exposing 7070 on %s", got)
		}
	}
	stderr = dockerFails(t, "run", "-d", "--net=host", "--expose", "7070", "busybox", "sleep", "1")
	if !strings.Contains(stderr, "[port 7070/tcp (Host mode)]") {
		t.Fatalf("fourth host-mode 7070: %q", stderr)
	}
}

func TestDependencies(t *testing.T) {
	removeAll(t)
	defer removeAll(t)
	target := place(t, "--name", "dep-target", "-v", "/data", "--ipc", "shareable")
	other := place(t, "--name", "dep-other", "-e", "constraint:node!="+target)
	tests := []struct {
		name  string
		flags []string
	}{
		{"volumes-from", []string{"--volumes-from", "dep-target"}},
		{"link", []string{"--link", "dep-target:db"}},
		{"net container", []string{"--net", "container:dep-target"}},
		{"ipc container", []string{"--ipc", "container:dep-target"}},
		{"pid container", []string{"--pid", "container:dep-target"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := place(t, tt.flags...); got != target {
				t.Fatalf("landed on %s, want %s", got, target)
			}
		})
	}
	stderr := dockerFails(t, "run", "-d", "--volumes-from", "dep-target", "--link", "dep-other:o", "busybox", "true")
	if !strings.Contains(stderr, "Unable to find a node that satisfies the following conditions") {
		t.Fatalf("dependencies on %s and %s: %q", target, other, stderr)
	}
}

func TestContainerSlots(t *testing.T) {
	removeAll(t)
	defer removeAll(t)
	for i := 0; i < 3; i++ {
		place(t, "-e", "constraint:node=="+slots.Name)
	}
	stderr := dockerFails(t, "run", "-d", "-e", "constraint:node=="+slots.Name, "busybox", "true")
	if !strings.Contains(stderr, "[available container slots]") {
		t.Fatalf("fourth container on a 3-slot node: %q", stderr)
	}
}

// parallel runs n docker commands at once and returns their errors.
func parallel(n int, args ...string) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, stderr, err := harness.Docker(manager.Addr, args...)
			if err != nil {
				errs[i] = fmt.Errorf("%v: %s", err, strings.TrimSpace(stderr))
			}
		}()
	}
	wg.Wait()
	return errs
}

func TestFiftyParallelRunsOnOnePort(t *testing.T) {
	removeAll(t)
	defer removeAll(t)
	errs := parallel(50, "run", "-d", "-p", "8080:80", "busybox", "sleep", "300")
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
			continue
		}
		if !strings.Contains(err.Error(), "[port 8080 (Bridge mode)]") {
			t.Errorf("unexpected failure: %v", err)
		}
	}
	if ok != 3 {
		t.Fatalf("%d of 50 parallel runs succeeded, want exactly 3", ok)
	}
	nodes := map[string]bool{}
	for _, n := range strings.Fields(docker(t, "ps", "--format", "{{.Names}}")) {
		node, _, _ := strings.Cut(n, "/")
		nodes[node] = true
	}
	if len(nodes) != 3 {
		t.Fatalf("the three containers are on %v", nodes)
	}
}

func TestParallelMemoryNeverOvercommits(t *testing.T) {
	removeAll(t)
	defer removeAll(t)
	// Each engine has the machine's memory; ask for 40% of it per container:
	// two fit on a node (80%), a third would need 120% (over the 5%
	// overcommit), so at most 2 per node succeed.
	out := docker(t, "info", "--format", "{{.MemTotal}}")
	var total int64
	if _, err := fmt.Sscan(out, &total); err != nil || total == 0 {
		t.Fatalf("info MemTotal %q", out)
	}
	per := total / int64(len(engines)) * 2 / 5
	errs := parallel(12, "run", "-d", "-m", fmt.Sprint(per), "busybox", "sleep", "300")
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else if !strings.Contains(err.Error(), "Error response from daemon: no resources available to schedule container\n") {
			// classic Swarm's message when memory or CPUs are short
			t.Errorf("unexpected failure: %v", err)
		}
	}
	if ok != 2*len(engines) {
		t.Fatalf("%d of 12 runs of %d bytes succeeded, want %d", ok, per, 2*len(engines))
	}
	info := docker(t, "info")
	if strings.Count(info, "└ Containers: 2 ") != 3 {
		t.Fatalf("want 2 containers on each node:\n%s", info)
	}
}

func TestBinpackFillsOneNodeFirst(t *testing.T) {
	removeAll(t)
	defer removeAll(t)
	m, err := startManager("binpack")
	if err != nil {
		t.Fatal(err)
	}
	defer m.Stop()
	out := docker(t, "info", "--format", "{{.MemTotal}}")
	var total int64
	fmt.Sscan(out, &total)
	per := total / int64(len(engines)) * 3 / 10 // three fit on a node, a fourth does not
	var nodes []string
	for i := 0; i < 4; i++ {
		id := dockerOn(t, m, "run", "-d", "-m", fmt.Sprint(per), "busybox", "sleep", "300")
		nodes = append(nodes, dockerOn(t, m, "inspect", "-f", "{{.Node.Name}}", id))
	}
	if nodes[0] != nodes[1] || nodes[1] != nodes[2] {
		t.Fatalf("binpack spread the first three: %v", nodes)
	}
	if nodes[3] == nodes[0] {
		t.Fatalf("binpack overfilled %s: %v", nodes[0], nodes)
	}
}

func TestRandomUsesEveryNode(t *testing.T) {
	removeAll(t)
	defer removeAll(t)
	m, err := startManager("random")
	if err != nil {
		t.Fatal(err)
	}
	defer m.Stop()
	seen := map[string]bool{}
	for i := 0; i < 40 && len(seen) < len(engines); i++ {
		id := dockerOn(t, m, "create", "busybox", "true")
		seen[dockerOn(t, m, "inspect", "-f", "{{.Node.Name}}", id)] = true
	}
	if len(seen) != len(engines) {
		t.Fatalf("random used only %v", seen)
	}
}
