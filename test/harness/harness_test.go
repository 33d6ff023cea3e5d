package harness

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestEnginesIntegration drives two real engines through everything the
// other integration tests rely on.
func TestEnginesIntegration(t *testing.T) {
	RequireEngines(t)

	start := time.Now()
	engs, err := StartEngines(2, map[int][]string{0: {"zone=a"}, 1: {"zone=b", "disk=ssd"}})
	if err != nil {
		t.Fatalf("StartEngines: %v", err)
	}
	t.Logf("2 engines up in %v: %v, %v", time.Since(start).Round(time.Millisecond), engs[0], engs[1])
	t.Cleanup(func() {
		stopAll := time.Now()
		StopEngines(engs)
		t.Logf("StopEngines took %v", time.Since(stopAll).Round(time.Millisecond))
		for _, e := range engs {
			if e.Running() {
				t.Errorf("%v still running after StopEngines", e)
			}
			if _, err := os.Stat(e.Dir); !os.IsNotExist(err) {
				t.Errorf("%v: state dir %s not purged (%v)", e, e.Dir, err)
			}
		}
	})
	dumpLogsOnFailure(t, engs)

	// Distinct names and engine IDs, labels as asked.
	ids := map[string]string{}
	for _, e := range engs {
		id := engineInfo(t, e, wantInfo{name: e.Name, labels: e.Labels})
		if other, dup := ids[id]; dup {
			t.Fatalf("%v and %s have the same engine ID %s", e, other, id)
		}
		ids[id] = e.Name
	}

	// Containers run on each.
	for _, e := range engs {
		out, stderr, err := e.Docker("run", "--rm", "busybox", "echo", "hi from "+e.Name)
		if err != nil {
			t.Fatalf("%v: docker run: %v", e, err)
		}
		if strings.TrimSpace(out) != "hi from "+e.Name {
			t.Fatalf("%v: docker run printed %q", e, out)
		}
		// No "IPv4 forwarding is disabled" or other warnings.
		if stderr != "" {
			t.Fatalf("%v: docker run wrote on stderr: %q", e, stderr)
		}
	}

	// Both publish the same host port at once; each answers with its name.
	port, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	web := time.Now()
	for _, e := range engs {
		runWeb(t, e, port)
	}
	for _, e := range engs {
		waitWeb(t, e, port)
	}
	t.Logf("both engines serve port %d after %v", port, time.Since(web).Round(time.Millisecond))

	// A clean stop and start: same engine ID, the container is still there
	// and serves again once started.
	e := engs[0]
	oldID := firstKey(ids, e.Name)
	stopStart := time.Now()
	if err := e.Stop(); err != nil {
		t.Fatalf("%v: Stop: %v", e, err)
	}
	t.Logf("%v: Stop took %v", e, time.Since(stopStart).Round(time.Millisecond))
	if e.Running() {
		t.Fatalf("%v: still running after Stop", e)
	}
	if _, _, err := e.Docker("version"); err == nil {
		t.Fatalf("%v: API still answers after Stop", e)
	}
	restart := time.Now()
	if err := e.Start(); err != nil {
		t.Fatalf("%v: Start after Stop: %v", e, err)
	}
	t.Logf("%v: Start took %v", e, time.Since(restart).Round(time.Millisecond))
	if id := engineInfo(t, e, wantInfo{name: e.Name, labels: e.Labels}); id != oldID {
		t.Fatalf("%v: engine ID changed across restart: %s -> %s", e, oldID, id)
	}
	if _, _, err := e.Docker("start", "web"); err != nil {
		t.Fatalf("%v: container web did not survive the restart: %v", e, err)
	}
	waitWeb(t, e, port)

	// A crash (SIGKILL): the engine comes back and its container is exited.
	e = engs[1]
	kill := time.Now()
	if err := e.Kill(); err != nil {
		t.Fatalf("%v: Kill: %v", e, err)
	}
	t.Logf("%v: Kill took %v", e, time.Since(kill).Round(time.Millisecond))
	if e.Running() {
		t.Fatalf("%v: still running after Kill", e)
	}
	if err := e.Start(); err != nil {
		t.Fatalf("%v: Start after Kill: %v", e, err)
	}
	out, _, err := e.Docker("inspect", "-f", "{{.State.Running}}", "web")
	if err != nil || strings.TrimSpace(out) != "false" {
		t.Fatalf("%v: after a crash web should exist and be stopped: %q, %v", e, out, err)
	}
}

type wantInfo struct {
	name   string
	labels []string
}

// engineInfo checks `docker info` against want and returns the engine ID.
func engineInfo(t *testing.T, e *Engine, want wantInfo) string {
	t.Helper()
	out, _, err := e.Docker("info", "-f", "{{.Name}}|{{.ID}}|{{join .Labels \",\"}}")
	if err != nil {
		t.Fatalf("%v: docker info: %v", e, err)
	}
	parts := strings.SplitN(strings.TrimSpace(out), "|", 3)
	if len(parts) != 3 {
		t.Fatalf("%v: docker info printed %q", e, out)
	}
	if parts[0] != want.name {
		t.Fatalf("%v: docker info Name = %q, want %q", e, parts[0], want.name)
	}
	if parts[1] == "" {
		t.Fatalf("%v: docker info has no ID", e)
	}
	// dockerd does not keep the order labels were given in.
	got := strings.Split(parts[2], ",")
	if parts[2] == "" {
		got = nil
	}
	w := append([]string(nil), want.labels...)
	slices.Sort(got)
	slices.Sort(w)
	if !slices.Equal(got, w) {
		t.Fatalf("%v: labels = %q, want %q", e, got, w)
	}
	return parts[1]
}

// runWeb runs a busybox httpd named web on e, publishing port, that
// serves the engine's name. --init lets it stop at once on SIGTERM.
func runWeb(t *testing.T, e *Engine, port int) {
	t.Helper()
	script := fmt.Sprintf("echo %s > /tmp/index.html && exec httpd -f -p 80 -h /tmp", e.Name)
	_, _, err := e.Docker("run", "-d", "--init", "--name", "web", "-p", fmt.Sprintf("%d:80", port), "busybox", "sh", "-c", script)
	if err != nil {
		t.Fatalf("%v: publishing port %d: %v", e, port, err)
	}
}

// waitWeb waits until e's web container answers on e.PublishIP:port.
func waitWeb(t *testing.T, e *Engine, port int) {
	t.Helper()
	url := "http://" + e.PublishIP + ":" + strconv.Itoa(port) + "/"
	client := &http.Client{Timeout: 2 * time.Second}
	err := WaitFor(20*time.Second, func() (bool, error) {
		resp, err := client.Get(url)
		if err != nil {
			return false, err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return false, err
		}
		if got := strings.TrimSpace(string(body)); got != e.Name {
			return false, fmt.Errorf("GET %s = %q, want %q", url, got, e.Name)
		}
		return true, nil
	})
	if err != nil {
		t.Fatalf("%v: %v", e, err)
	}
}

func firstKey(m map[string]string, value string) string {
	for k, v := range m {
		if v == value {
			return k
		}
	}
	return ""
}

// dumpLogsOnFailure logs the end of each engine's dockerd log if the test
// fails.
func dumpLogsOnFailure(t *testing.T, engs []*Engine) {
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		for _, e := range engs {
			t.Logf("---- %v: %s\n%s", e, e.LogPath(), e.Log())
		}
	})
}
