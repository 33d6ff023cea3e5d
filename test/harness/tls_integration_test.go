package harness

import (
	"path/filepath"
	"testing"
)

// TestTLSEngineIntegration starts an engine that requires TLS: the docker
// CLI needs a client certificate of the CA, before and after a restart.
func TestTLSEngineIntegration(t *testing.T) {
	RequireEngines(t)
	certs, err := NewCerts(filepath.Join(t.TempDir(), "certs"), "harness")
	if err != nil {
		t.Fatal(err)
	}
	other, err := NewCerts(filepath.Join(t.TempDir(), "other"), "other")
	if err != nil {
		t.Fatal(err)
	}
	engs, err := StartEnginesWith(1, EnginesConfig{TLS: certs, Labels: map[int][]string{0: {"tls=yes"}}})
	if err != nil {
		t.Fatalf("StartEnginesWith: %v", err)
	}
	t.Cleanup(func() { StopEngines(engs) })
	dumpLogsOnFailure(t, engs)
	e := engs[0]

	check := func(when string) {
		t.Helper()
		engineInfo(t, e, wantInfo{name: e.Name, labels: e.Labels})
		if _, _, err := Docker(e.Addr, "version"); err == nil {
			t.Fatalf("%s: %v answers plain HTTP", when, e)
		}
		if _, _, err := DockerTLS(e.Addr, other, "version"); err == nil {
			t.Fatalf("%s: %v answers a client of another CA", when, e)
		}
	}
	check("after start")

	if err := e.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := e.Start(); err != nil {
		t.Fatalf("Start after Stop: %v", err)
	}
	check("after a restart")
}
