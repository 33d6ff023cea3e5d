package harness

import (
	"strings"
	"testing"
	"time"
)

// TestEngine29Integration starts one Docker Engine 29 through the harness
// (building it first if this machine has not yet) and checks that it is the
// engine asked for and works like the 20.10 ones: its API range, name and
// labels, a container, a published port, and a restart keeping its ID.
func TestEngine29Integration(t *testing.T) {
	RequireEngines(t)
	build := time.Now()
	if _, err := BuildEngine29(); err != nil {
		t.Fatal(err)
	}
	t.Logf("Engine 29 binaries ready after %v", time.Since(build).Round(time.Millisecond))

	// Engine 29 takes --registry-mirror like 20.10 (nothing listens there;
	// no pull is made).
	const mirror = "http://127.0.0.1:9/"
	t.Setenv("SWARM_REGISTRY_MIRROR", mirror)
	start := time.Now()
	engs, err := StartEnginesWith(1, EnginesConfig{Kind: Engine29, Labels: map[int][]string{0: {"kind=29"}}})
	if err != nil {
		t.Fatalf("StartEnginesWith: %v", err)
	}
	t.Cleanup(func() { StopEngines(engs) })
	dumpLogsOnFailure(t, engs)
	e := engs[0]
	t.Logf("%v up in %v", e, time.Since(start).Round(time.Millisecond))
	if e.Kind != Engine29 {
		t.Fatalf("%v: kind %q, want %q", e, e.Kind, Engine29)
	}

	out, _, err := e.Docker("version", "--format", "{{.Server.APIVersion}} {{.Server.MinAPIVersion}}")
	if err != nil {
		t.Fatalf("%v: docker version: %v", e, err)
	}
	if got, want := strings.TrimSpace(out), e.APIVersion()+" "+e.MinAPIVersion(); got != want || got != "1.56 1.44" {
		t.Fatalf("%v: API versions %q, want %q (and 1.56 1.44)", e, got, want)
	}
	out, _, err = e.Docker("version", "--format", "{{.Server.Version}}")
	if err != nil || !strings.HasPrefix(strings.TrimSpace(out), "29.") {
		t.Fatalf("%v: server version %q (%v), want 29.*", e, out, err)
	}

	id := engineInfo(t, e, wantInfo{name: e.Name, labels: e.Labels})
	out, _, err = e.Docker("info", "--format", "{{range .RegistryConfig.Mirrors}}{{.}}{{end}}|{{.Driver}}")
	if err != nil {
		t.Fatalf("%v: docker info: %v", e, err)
	}
	mirrors, driver, _ := strings.Cut(strings.TrimSpace(out), "|")
	if mirrors != mirror {
		t.Fatalf("%v: registry mirrors %q, want %q", e, mirrors, mirror)
	}
	img, _, err := e.Docker("image", "inspect", "-f", "{{.ID}}", "busybox:latest")
	if err != nil {
		t.Fatalf("%v: busybox:latest: %v", e, err)
	}
	t.Logf("%v: storage driver %s, busybox:latest %s", e, driver, strings.TrimSpace(img))

	out, stderr, err := e.Docker("run", "--rm", "busybox", "echo", "hi")
	if err != nil {
		t.Fatalf("%v: docker run: %v", e, err)
	}
	if strings.TrimSpace(out) != "hi" {
		t.Fatalf("%v: docker run printed %q, want hi", e, out)
	}
	if stderr != "" {
		t.Fatalf("%v: docker run wrote on stderr: %q", e, stderr)
	}

	port, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	runWeb(t, e, port)
	waitWeb(t, e, port)

	if err := e.Stop(); err != nil {
		t.Fatalf("%v: Stop: %v", e, err)
	}
	if err := e.Start(); err != nil {
		t.Fatalf("%v: Start after Stop: %v", e, err)
	}
	if got := engineInfo(t, e, wantInfo{name: e.Name, labels: e.Labels}); got != id {
		t.Fatalf("%v: engine ID changed across restart: %s -> %s", e, id, got)
	}
	out, _, err = e.Docker("version", "--format", "{{.Server.MinAPIVersion}}")
	if err != nil || strings.TrimSpace(out) != "1.44" {
		t.Fatalf("%v: after a restart MinAPIVersion %q (%v), want 1.44", e, out, err)
	}
}
