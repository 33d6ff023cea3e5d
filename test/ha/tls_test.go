package ha_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/swarm-project/swarm/test/harness"
)

// TestReplicationTLS: with --tlsverify on every manager (and TLS engines),
// a replica forwards to the primary over TLS with its own certificate:
// docker info, a detached run, exec and an attached run through a replica.
func TestReplicationTLS(t *testing.T) {
	addr := needStore(t, "etcd")
	harness.RequireEngines(t)
	certs, err := harness.NewCerts(filepath.Join(t.TempDir(), "certs"), "ha")
	if err != nil {
		t.Fatal(err)
	}
	engs, err := harness.StartEnginesWith(2, harness.EnginesConfig{TLS: certs})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { harness.StopEngines(engs) })
	h := startHAWith(t, "etcd", addr, engs, certs)
	primary, took := h.waitPrimary()
	t.Logf("TLS: %s is primary after %v", primary.name, took)
	for _, m := range h.replicas(primary) {
		name := "ha-tls-" + strings.TrimPrefix(m.name, "manager-")
		docker(t, m, "run", "-d", "--name", name, "busybox", "sleep", "300")
		if out := docker(t, m, "exec", name, "echo", "tls-exec"); out != "tls-exec" {
			t.Fatalf("exec through the TLS replica %s: %q", m.name, out)
		}
		if out := docker(t, m, "run", "--rm", "busybox", "echo", "tls-attached"); out != "tls-attached" {
			t.Fatalf("attached run through the TLS replica %s: %q", m.name, out)
		}
		docker(t, m, "rm", "-f", name)
	}
	// The replicas' requests reached the primary over TLS: it placed them.
	if n := strings.Count(primary.Log(), placing); n < 4 {
		t.Fatalf("the primary logged %d placements, want the replicas' 4", n)
	}
}
