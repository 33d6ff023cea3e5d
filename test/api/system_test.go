package apitest

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestSystemDiskUsage(t *testing.T) {
	out := docker(t, "system", "df")
	if !strings.Contains(out, "Images") || !strings.Contains(out, "Local Volumes") {
		t.Fatalf("docker system df:\n%s", out)
	}
	var du struct {
		LayersSize int64
		Images     []struct{ ID string }
		Containers []struct{ Names []string }
	}
	if err := getJSON("/system/df", &du); err != nil {
		t.Fatal(err)
	}
	if du.LayersSize <= 0 || len(du.Images) == 0 {
		t.Errorf("GET /system/df: %+v", du)
	}
}

func TestContainerPrune(t *testing.T) {
	for _, e := range engines {
		docker(t, "run", "--label", "cp=1", "-e", "constraint:node=="+e.Name, "busybox", "true")
	}
	docker(t, "run", "-d", "--name", "cp-running", "--label", "cp=1", "busybox", "sleep", "300")
	t.Cleanup(func() { _, _, _ = harnessDocker("rm", "-f", "cp-running") })
	out := docker(t, "container", "prune", "-f", "--filter", "label=cp=1")
	if ids := lines(strings.SplitN(out, "Total reclaimed space", 2)[0]); len(ids) != len(engines)+1 { // header + IDs
		t.Errorf("container prune output:\n%s", out)
	}
	left := lines(docker(t, "ps", "-a", "--filter", "label=cp=1", "--format", "{{.Names}}"))
	if len(left) != 1 || !strings.HasSuffix(left[0], "/cp-running") {
		t.Errorf("after prune, containers with cp=1: %q, want only cp-running", left)
	}
	for _, e := range engines {
		if got := lines(onEngine(t, e, "ps", "-aq", "--filter", "label=cp=1", "--filter", "status=exited")); len(got) != 0 {
			t.Errorf("%s still has stopped containers %q", e.Name, got)
		}
	}
}

func TestAPIVersionPrefixes(t *testing.T) {
	for _, v := range []string{"", "/v1.24", "/v1.30", "/v1.40", "/v1.41"} {
		for _, p := range []string{"/version", "/networks", "/volumes", "/images/json", "/system/df"} {
			code, body, err := api("GET", v+p, nil)
			if err != nil || code != http.StatusOK {
				t.Errorf("GET %s%s: %d %v %.200s", v, p, code, err, body)
			}
		}
	}
	for _, v := range []string{"/v1.42", "/v1.23"} {
		code, body, _ := api("GET", v+"/version", nil)
		if code != http.StatusBadRequest {
			t.Errorf("GET %s/version: %d %s, want 400", v, code, body)
		}
	}
	// An older client still works end to end.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := runCmd(ctx, []string{"DOCKER_API_VERSION=1.30"}, "", "docker", "-H", "tcp://"+manager.Addr, "network", "ls")
	if err != nil || !strings.Contains(out, "/bridge") {
		t.Errorf("DOCKER_API_VERSION=1.30 docker network ls: %v\n%s", err, out)
	}
}

// TestStatusCodes: the manager answers Docker's status for the same error.
func TestStatusCodes(t *testing.T) {
	docker(t, "network", "create", engines[0].Name+"/sc-net")
	t.Cleanup(func() { _, _, _ = harnessDocker("network", "rm", "sc-net") })
	cases := []struct {
		name, method, path, body string
		want                     int
	}{
		{"unknown container", "GET", "/containers/sc-nosuch/json", "", 404},
		{"unknown image", "GET", "/images/sc-nosuch/json", "", 404},
		{"unknown network", "GET", "/networks/sc-nosuch", "", 404},
		{"unknown volume", "DELETE", "/volumes/sc-nosuch", "", 404},
		{"unknown node prefix", "POST", "/networks/create", `{"Name":"sc-nosuchnode/x"}`, 404},
		{"network name conflict", "POST", "/networks/create", `{"Name":"sc-net"}`, 409},
		{"bad JSON", "POST", "/networks/create", `{`, 400},
		{"bad filter", "GET", `/networks?filters={"bogus":{"x":true}}`, "", 400},
		{"bad filter value", "GET", `/networks?filters={"type":{"x":true}}`, "", 400},
		{"bad constraint", "POST", "/volumes/create", `{"Name":"sc-v","Labels":{"constraint:node":"~~~"}}`, 400},
		{"engine refuses", "DELETE", "/networks/" + engines[0].Name + "/bridge", "", 403},
		{"swarm mode", "GET", "/services", "", 503},
		{"swarm mode tasks", "GET", "/tasks/x", "", 503},
		{"unknown swarm node", "GET", "/nodes/sc-nosuch", "", 404},
		{"unsupported", "GET", "/plugins", "", 501},
		{"engine failure", "GET", "/images/search?term=busybox", "", 500},
		{"pull failure on every node", "POST", "/images/create?fromImage=127.0.0.1:1/sc-nosuch&tag=1", "", 500},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var body *strings.Reader
			if tc.body != "" {
				body = strings.NewReader(tc.body)
			}
			var code int
			var resp []byte
			var err error
			if body != nil {
				code, resp, err = api(tc.method, tc.path, body)
			} else {
				code, resp, err = api(tc.method, tc.path, nil)
			}
			if err != nil {
				t.Fatal(err)
			}
			if code != tc.want {
				t.Errorf("%s %s: %d %s, want %d", tc.method, tc.path, code, resp, tc.want)
			}
			if code >= 400 {
				var m struct{ Message string }
				if json.Unmarshal(resp, &m) != nil || m.Message == "" {
					t.Errorf("error body %q is not Docker's {\"message\": ...}", resp)
				}
			}
		})
	}
	if msg := dockerFails(t, "service", "ls"); !strings.Contains(msg, "not a swarm manager") {
		t.Errorf("docker service ls: %q", msg)
	}
}
