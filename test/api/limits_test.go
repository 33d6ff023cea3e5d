package apitest

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/swarm-project/swarm/test/harness"
)

// rawRequest sends one request to addr with the given Content-Type ("" for
// none) and returns the status and the error message, if any.
func rawRequest(t *testing.T, addr, method, path, contentType string, body []byte) (int, string) {
	t.Helper()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, "http://"+addr+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, apiMessage(data)
}

// TestLimitsEngineAnswers: the requests issue 16 found answered
// differently from an engine get the engine's status and message, asked
// of the manager and of an engine directly.
func TestLimitsEngineAnswers(t *testing.T) {
	create := []byte(`{"Image":"busybox","Cmd":["true"]}`)
	tests := []struct {
		name, method, path, contentType string
		body                            []byte
	}{
		{"create as text/plain", "POST", "/v1.41/containers/create", "text/plain", create},
		{"pull of ///", "POST", "/v1.41/images/create?fromImage=///", "", nil},
		{"HEAD on a GET route", "HEAD", "/v1.41/containers/json", "", nil},
		{"OPTIONS", "OPTIONS", "/v1.41/containers/json", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantCode, wantMsg := rawRequest(t, engines[0].Addr, tt.method, tt.path, tt.contentType, tt.body)
			code, msg := rawRequest(t, manager.Addr, tt.method, tt.path, tt.contentType, tt.body)
			if code != wantCode || msg != wantMsg {
				t.Errorf("manager answered %d %q, the engine %d %q", code, msg, wantCode, wantMsg)
			}
			if code >= 500 {
				t.Errorf("a server error for a client's mistake: %d %q", code, msg)
			}
		})
	}
}

// TestLimitsRefusals: a constraint of 10,000 characters and a create with
// a 50 MB label, through the docker CLI, are refused with a short message
// that says why.
func TestLimitsRefusals(t *testing.T) {
	long := "constraint:node==" + strings.Repeat("a", 10000)
	out := dockerFails(t, "create", "--name", "limits-long", "-e", long, "busybox", "true")
	if !strings.Contains(out, "more than the 1024 allowed") || len(out) > 600 {
		t.Errorf("long constraint: %d bytes of output: %.300q", len(out), out)
	}

	// The docker CLI reads label files by lines of at most 64 KiB: the
	// 50 MB label goes as the CLI would send it, in a JSON body.
	code, msg := rawRequest(t, manager.Addr, "POST", "/v1.41/containers/create?name=limits-50mb", "application/json", labelBody(50<<20))
	if code != http.StatusRequestEntityTooLarge || !strings.Contains(msg, "request body larger than 16MiB") || !strings.Contains(msg, "--max-request-body") {
		t.Errorf("50 MB label: %d %q", code, msg)
	}
	for _, name := range []string{"limits-long", "limits-50mb"} {
		if got := holders("container", name); len(got) != 0 {
			t.Errorf("refused container %s exists on %v", name, got)
		}
	}
}

// TestLimitsHugeLabelEvents: a container with a 10 MB label keeps it whole,
// its events carry it cut, and the manager's memory is logged.
func TestLimitsHugeLabelEvents(t *testing.T) {
	pid := manager.Cmd.Process.Pid
	rssBefore := rssKiB(t, pid)
	since := time.Now().Add(-time.Second)
	const size = 10 << 20
	t.Cleanup(func() { _, _, _ = harnessDocker("rm", "-f", "limits-10mb") })
	if code, msg := rawRequest(t, manager.Addr, "POST", "/v1.41/containers/create?name=limits-10mb", "application/json", labelBody(size)); code != http.StatusCreated {
		t.Fatalf("10 MB label: %d %q", code, msg)
	}
	if got := strings.TrimSpace(docker(t, "inspect", "-f", `{{len (index .Config.Labels "big")}}`, "limits-10mb")); got != strconv.Itoa(size) {
		t.Errorf("the container's label is %s bytes, want %d", got, size)
	}
	rssWith := rssKiB(t, pid)
	docker(t, "rm", "limits-10mb")

	var got []string
	err := harness.WaitFor(30*time.Second, func() (bool, error) {
		got = lines(docker(t, "events", "--since", fmt.Sprint(since.Unix()), "--until", fmt.Sprint(time.Now().Unix()),
			"--filter", "container=limits-10mb", "--filter", "event=create",
			"--format", `{{len (index .Actor.Attributes "big")}}`))
		return len(got) == 1, nil
	})
	if err != nil {
		t.Fatalf("create events of limits-10mb: %q", got)
	}
	if n, _ := strconv.Atoi(strings.Fields(got[0])[0]); n == 0 || n > 8<<10 {
		t.Errorf("the create event carries a %d-byte label, want it cut to about 4 KiB", n)
	}
	// The runtime returns freed memory lazily (docs/reliability.md has the
	// figures over minutes): this is only the picture at once.
	t.Logf("manager RSS: %d KiB before, %d KiB with the 10 MB container, %d KiB after its removal",
		rssBefore, rssWith, rssKiB(t, pid))
	// SWARM_LIMITS_RSS_WAIT=190s follows it for that long after.
	if wait, _ := time.ParseDuration(os.Getenv("SWARM_LIMITS_RSS_WAIT")); wait > 0 {
		for start := time.Now(); time.Since(start) < wait; {
			time.Sleep(min(30*time.Second, wait-time.Since(start)))
			t.Logf("manager RSS %s after the removal: %d KiB", time.Since(start).Round(time.Second), rssKiB(t, pid))
		}
	}
}

// labelBody is a create body for busybox with one label "big" of n bytes.
func labelBody(n int) []byte {
	return []byte(`{"Image":"busybox","Cmd":["true"],"Labels":{"big":"` + strings.Repeat("y", n) + `"}}`)
}

// rssKiB reads a process's resident set size.
func rssKiB(t *testing.T, pid int) int {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(data), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	t.Fatal("no VmRSS in /proc/PID/status")
	return 0
}
