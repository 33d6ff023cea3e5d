package compattest

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/swarm-project/swarm/test/harness"
)

// reservedCPUs reads "Reserved CPUs" of one node from the manager's
// `docker info`: reserved and total whole CPUs.
func reservedCPUs(t *testing.T, node string) (reserved, total int) {
	t.Helper()
	info, err := harness.SwarmStatus(manager.Addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	n, ok := info.Node(node)
	if !ok {
		t.Fatalf("docker info has no node %s", node)
	}
	field := n.Fields["Reserved CPUs"]
	r, tot, ok := strings.Cut(field, " / ")
	var err1, err2 error
	reserved, err1 = strconv.Atoi(r)
	total, err2 = strconv.Atoi(tot)
	if !ok || err1 != nil || err2 != nil {
		t.Fatalf("node %s: Reserved CPUs %q, want \"N / M\"", node, field)
	}
	return reserved, total
}

// TestCPUShares: `-c N` reserves N CPUs of the node, as classic Swarm read
// CpuShares, and the engine receives ceil(N*1024/its CPUs) shares, so that
// `-c 1` is not refused by the engine ("minimum allowed cpu-shares is 2").
func TestCPUShares(t *testing.T) {
	name := prefix(t) + "c1"
	t.Cleanup(func() { _, _, _ = harness.Docker(manager.Addr, "rm", "-f", name) })
	before := map[string]int{}
	for _, e := range engines {
		before[e.Name], _ = reservedCPUs(t, e.Name)
	}

	docker(t, "run", "-d", "-c", "1", "--name", name, "busybox", "sleep", "60")

	nodeName := strings.TrimSpace(docker(t, "inspect", "-f", "{{.Node.Name}}", name))
	var on *harness.Engine
	for _, e := range engines {
		if e.Name == nodeName {
			on = e
		}
	}
	if on == nil {
		t.Fatalf("container on node %q, not one of the cluster's", nodeName)
	}
	ncpu, err := strconv.Atoi(strings.TrimSpace(onEngine(t, on, "info", "-f", "{{.NCPU}}")))
	if err != nil || ncpu < 1 {
		t.Fatalf("engine %s NCPU: %v", on.Name, err)
	}

	// docker info: one more CPU reserved on that node, none elsewhere.
	for _, e := range engines {
		reserved, total := reservedCPUs(t, e.Name)
		want := before[e.Name]
		if e == on {
			want++
			if total != ncpu {
				t.Errorf("node %s: Reserved CPUs total %d, want the engine's %d", e.Name, total, ncpu)
			}
		}
		if reserved != want {
			t.Errorf("node %s: Reserved CPUs %d / %d, want %d / %d", e.Name, reserved, total, want, total)
		}
	}

	// The engine holds the translated value.
	wantShares := fmt.Sprint((1024 + ncpu - 1) / ncpu)
	if got := strings.TrimSpace(onEngine(t, on, "inspect", "-f", "{{.HostConfig.CpuShares}}", name)); got != wantShares {
		t.Errorf("CpuShares on the engine %s, want %s (ceil(1024/%d))", got, wantShares, ncpu)
	}
	// Through the manager, inspect shows what the engine holds.
	if got := strings.TrimSpace(docker(t, "inspect", "-f", "{{.HostConfig.CpuShares}}", name)); got != wantShares {
		t.Errorf("CpuShares through the manager %s, want %s", got, wantShares)
	}
	if got := strings.TrimSpace(docker(t, "inspect", "-f", "{{.State.Running}}", name)); got != "true" {
		t.Errorf("container running: %s", got)
	}
}
