package ha_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/swarm-project/swarm/cluster/state"
	"github.com/swarm-project/swarm/discovery"
	"github.com/swarm-project/swarm/discovery/kv"
	"github.com/swarm-project/swarm/test/harness"
)

func TestTakeOverEtcd(t *testing.T)      { runTakeOver(t, "etcd") }
func TestTakeOverConsul(t *testing.T)    { runTakeOver(t, "consul") }
func TestTakeOverZooKeeper(t *testing.T) { runTakeOver(t, "zk") }

// runTakeOver is issue 12's "kill the primary manager and an engine at
// the same time" acceptance, on one store: three replicated managers over
// three engines of its own (x, y, z). Through the primary, y is paused and
// c1, with `reschedule:on-node-failure`, is placed on x by a soft
// constraint. Then the primary is killed (-9) and x is killed at the same
// moment. The manager elected next did not place c1 and, as a replica,
// left x alone when it saw it fail: once primary it must make c1 again, on
// z (y is paused), with the same name and swarm ID, from the spec the old
// primary recorded in the store. y's availability, set through the old
// primary, must still hold. When x comes back there is exactly one c1.
//
// With -v it logs the time from the kill to c1 running again (docs/ha.md).
func runTakeOver(t *testing.T, store string) {
	addr := needStore(t, store)
	harness.RequireEngines(t)
	engs, err := harness.StartEngines(3, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { harness.StopEngines(engs) })
	x, y, z := engs[0], engs[1], engs[2]
	h := startHAWith(t, store, addr, engs, nil)

	first, _ := h.waitPrimary()
	c1 := fmt.Sprintf("ha-takeover-%s-c1-%d", store, time.Now().UnixNano()%1e6)
	docker(t, first, "node", "update", "--availability", "pause", y.Name)
	docker(t, first, "run", "-d", "--name", c1, "-e", "reschedule:on-node-failure",
		"-e", "constraint:node==~"+x.Name, "busybox", "sleep", "600")
	before := strings.Split(docker(t, first, "inspect", "-f", inspectFormat, c1), "|")
	if len(before) != 3 || len(before[0]) != 64 || before[1] != x.Name || before[2] != "true" {
		t.Fatalf("c1 before: %q, want a swarm ID, node %s, running", before, x.Name)
	}

	// kill -9 the primary and kill x together.
	killedAt := killTogether(t, x, first)

	// A survivor becomes primary (x may or may not still be listed: its
	// joiner keeps registering it).
	var primary *manager
	err = harness.WaitFor(electionBound, func() (bool, error) {
		for m, info := range h.roles() {
			if info.Fields["Role"] == "primary" {
				primary = m
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		t.Fatalf("no survivor became primary: %v", err)
	}
	electedIn := time.Since(killedAt)
	other := h.replicas(primary)[0]

	// c1 runs again on z, through the other survivor (a replica).
	var after []string
	err = harness.WaitFor(120*time.Second, func() (bool, error) {
		out, _, err := other.Docker("inspect", "-f", inspectFormat, c1)
		after = strings.Split(strings.TrimSpace(out), "|")
		return err == nil && len(after) == 3 && after[1] != x.Name && after[2] == "true", nil
	})
	if err != nil {
		t.Fatalf("c1 never ran again off %s (last %q): %v", x.Name, after, err)
	}
	t.Logf("%s: kill -9 of the primary and of %s: %s primary after %v, c1 running on %s after %v",
		store, x.Name, primary.name, electedIn.Round(100*time.Millisecond), after[1], time.Since(killedAt).Round(100*time.Millisecond))
	// The move's log line follows the start, the refresh and the store
	// write: c1 can show as running through the cache a moment before it.
	moves := 0
	for _, line := range strings.Split(logWithMove(t, primary, c1), "\n") {
		if strings.Contains(line, "engine is unhealthy") || strings.Contains(line, "container rescheduled") ||
			strings.Contains(line, elected) || strings.Contains(line, "not the primary manager") {
			t.Logf("%s: %s", primary.name, line)
		}
		if strings.Contains(line, "container rescheduled") && strings.Contains(line, "container="+c1+" ") {
			moves++
		}
	}
	// The new primary moved c1, once; the replica moved nothing.
	if moves != 1 {
		t.Errorf("the new primary %s logged %d moves of c1, want 1", primary.name, moves)
	}
	if strings.Contains(other.Log(), "container rescheduled") {
		t.Errorf("the replica %s moved a container:\n%s", other.name, tail(other.Log(), 30))
	}
	if after[0] != before[0] {
		t.Errorf("c1's swarm ID changed: %s, was %s", after[0], before[0])
	}
	if after[1] != z.Name {
		t.Errorf("c1 runs on %s, want %s (%s is paused)", after[1], z.Name, y.Name)
	}

	// The availability set through the old primary holds on the new one.
	if got := docker(t, primary, "node", "inspect", "-f", "{{.Spec.Availability}}", y.Name); got != "pause" {
		t.Errorf("%s's availability through the new primary: %q, want pause", y.Name, got)
	}
	for i := 0; i < 3; i++ {
		n := fmt.Sprintf("ha-takeover-after-%d-%d", i, time.Now().UnixNano()%1e6)
		docker(t, primary, "run", "-d", "--name", n, "busybox", "sleep", "600")
		if got := docker(t, primary, "inspect", "-f", "{{.Node.Name}}", n); got == y.Name {
			t.Errorf("%s landed on %s, which is paused", n, y.Name)
		}
	}

	// x comes back: its stale c1 is removed; exactly one c1 remains.
	if err := x.Start(); err != nil {
		t.Fatal(err)
	}
	err = harness.WaitFor(120*time.Second, func() (bool, error) {
		out, _, err := x.Docker("ps", "-a", "--filter", "name="+c1, "--format", "{{.Names}}")
		return err == nil && strings.TrimSpace(out) == "", nil
	})
	if err != nil {
		out, _, _ := x.Docker("ps", "-a")
		t.Errorf("the stale c1 is still on %s:\n%s", x.Name, out)
	}
	want := after[1] + "/" + c1
	for _, m := range []*manager{primary, other} {
		if got := docker(t, m, "ps", "-a", "--filter", "name="+c1, "--format", "{{.Names}}"); got != want {
			t.Errorf("docker ps -a through %s after %s came back: %q, want exactly %q", m.name, x.Name, got, want)
		}
	}
	if got := docker(t, primary, "inspect", "-f", inspectFormat, c1); got != strings.Join(after, "|") {
		t.Errorf("c1 after %s came back: %q, want %q", x.Name, got, strings.Join(after, "|"))
	}
}

// logWithMove returns m's log once it holds a line of a move of the
// container named name, or after 15 s without one (the caller's count
// then fails).
func logWithMove(t *testing.T, m *manager, name string) string {
	t.Helper()
	var log string
	_ = harness.WaitFor(15*time.Second, func() (bool, error) {
		log = m.Log()
		for _, line := range strings.Split(log, "\n") {
			if strings.Contains(line, "container rescheduled") && strings.Contains(line, "container="+name+" ") {
				return true, nil
			}
		}
		return false, nil
	})
	return log
}

// inspectFormat prints a container's swarm ID, node and whether it runs.
const inspectFormat = `{{index .Config.Labels "com.docker.swarm.id"}}|{{.Node.Name}}|{{.State.Running}}`

// TestTakeOverFreshManagerEtcd: desired state that survives every manager
// that saw it. Three managers run c1 (with the policy) on x and pause y;
// the spec is checked in etcd. Then all three managers are killed (-9)
// together with x, and a new manager is started over the same store. It
// never saw c1 nor x's containers: it must make c1 again on z from the
// spec in the store (y is still paused), with the same name and swarm ID.
func TestTakeOverFreshManagerEtcd(t *testing.T) {
	addr := needStore(t, "etcd")
	harness.RequireEngines(t)
	engs, err := harness.StartEngines(3, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { harness.StopEngines(engs) })
	x, y, z := engs[0], engs[1], engs[2]
	h := startHAWith(t, "etcd", addr, engs, nil)

	first, _ := h.waitPrimary()
	c1 := fmt.Sprintf("ha-fresh-c1-%d", time.Now().UnixNano()%1e6)
	docker(t, first, "node", "update", "--availability", "pause", y.Name)
	docker(t, first, "run", "-d", "--name", c1, "-e", "reschedule:on-node-failure",
		"-e", "constraint:node==~"+x.Name, "busybox", "sleep", "600")
	before := strings.Split(docker(t, first, "inspect", "-f", inspectFormat, c1), "|")
	if len(before) != 3 || len(before[0]) != 64 || before[1] != x.Name || before[2] != "true" {
		t.Fatalf("c1 before: %q, want a swarm ID, node %s, running", before, x.Name)
	}

	// The spec is in the store, and says c1 runs (the primary records the
	// start from the engine's events).
	st, base, err := discovery.OpenStore(h.url, discovery.Options{}, ttl)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	specs := state.NewKV(st, base, kv.ErrNotFound)
	var spec []byte
	err = harness.WaitFor(30*time.Second, func() (bool, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		spec, err = specs.Get(ctx, "containers/"+before[0])
		return err == nil && strings.Contains(string(spec), `"Running":true`), nil
	})
	if err != nil {
		t.Fatalf("c1's spec in the store: %s (%v)", spec, err)
	}

	killedAt := killTogether(t, x, h.managers...)

	fresh := h.addManager()
	var after []string
	err = harness.WaitFor(2*electionBound, func() (bool, error) {
		out, _, err := fresh.Docker("inspect", "-f", inspectFormat, c1)
		after = strings.Split(strings.TrimSpace(out), "|")
		return err == nil && len(after) == 3 && after[1] != x.Name && after[2] == "true", nil
	})
	if err != nil {
		t.Fatalf("the new manager never ran c1 off %s (last %q): %v", x.Name, after, err)
	}
	t.Logf("etcd: every manager and %s killed: a new manager ran c1 on %s %v after the kills",
		x.Name, after[1], time.Since(killedAt).Round(100*time.Millisecond))
	moves := 0
	for _, line := range strings.Split(logWithMove(t, fresh, c1), "\n") {
		if strings.Contains(line, "container rescheduled") || strings.Contains(line, elected) {
			t.Logf("%s: %s", fresh.name, line)
		}
		if strings.Contains(line, "container rescheduled") && strings.Contains(line, "container="+c1+" ") {
			moves++
		}
	}
	if moves != 1 {
		t.Errorf("the new manager logged %d moves of c1, want 1", moves)
	}
	if after[0] != before[0] {
		t.Errorf("c1's swarm ID changed: %s, was %s", after[0], before[0])
	}
	if after[1] != z.Name {
		t.Errorf("c1 runs on %s, want %s (%s is paused)", after[1], z.Name, y.Name)
	}
	if got := docker(t, fresh, "ps", "-a", "--filter", "name="+c1, "--format", "{{.Names}}"); got != after[1]+"/"+c1 {
		t.Errorf("docker ps -a through the new manager: %q, want exactly %s/%s", got, after[1], c1)
	}

	// x comes back with its copy of c1, which the new manager never knew
	// of as running: it is removed, and one c1 remains.
	if err := x.Start(); err != nil {
		t.Fatal(err)
	}
	err = harness.WaitFor(120*time.Second, func() (bool, error) {
		out, _, err := x.Docker("ps", "-a", "--filter", "name="+c1, "--format", "{{.Names}}")
		return err == nil && strings.TrimSpace(out) == "", nil
	})
	if err != nil {
		out, _, _ := x.Docker("ps", "-a")
		t.Errorf("the stale c1 is still on %s:\n%s", x.Name, out)
	}
	if got := docker(t, fresh, "ps", "-a", "--filter", "name="+c1, "--format", "{{.Names}}"); got != after[1]+"/"+c1 {
		t.Errorf("docker ps -a after %s came back: %q, want exactly %s/%s", x.Name, got, after[1], c1)
	}
}

// killTogether kills engine x and the managers (-9) at the same moment,
// restarts x at the end of the test if the test did not, and returns the
// time of the kills.
func killTogether(t *testing.T, x *harness.Engine, managers ...*manager) time.Time {
	t.Helper()
	killedAt := time.Now()
	var wg sync.WaitGroup
	var killErr error
	wg.Add(1)
	go func() { defer wg.Done(); killErr = x.Kill() }()
	for _, m := range managers {
		if err := m.Cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		m.killed = true
	}
	wg.Wait()
	if killErr != nil {
		t.Fatal(killErr)
	}
	t.Cleanup(func() {
		if !x.Running() {
			_ = x.Start()
		}
	})
	return killedAt
}
