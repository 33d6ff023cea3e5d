package engine29

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/swarm-project/swarm/test/harness"
)

// Raw API clients (net/http, no CLI) at fixed versions.

var rawClient = &http.Client{Timeout: 60 * time.Second}

// call sends method path (with body as JSON when not nil) to addr and
// returns the status, the Api-Version header and the body.
func call(t *testing.T, addr, method, path string, body any) (int, string, []byte) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, "http://"+addr+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := rawClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, path, err)
	}
	return resp.StatusCode, resp.Header.Get("Api-Version"), b
}

// expect is call that fails the test unless the status is want.
func expect(t *testing.T, want int, addr, method, path string, body any) []byte {
	t.Helper()
	status, _, b := call(t, addr, method, path, body)
	if status != want {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, status, want, b)
	}
	return b
}

func managers() []struct {
	name string
	m    *harness.Manager
	pins []*harness.Engine
} {
	return []struct {
		name string
		m    *harness.Manager
		pins []*harness.Engine
	}{
		{"mixed", mixed, []*harness.Engine{engines[0], engines[2]}},
		{"all29", all29, []*harness.Engine{engines[3]}},
	}
}

func TestRawVersions(t *testing.T) {
	for _, mg := range managers() {
		for _, v := range []string{"1.24", "1.41", "1.44", "1.51", "1.56"} {
			t.Run(mg.name+"/v"+v, func(t *testing.T) {
				a, p := mg.m.Addr, "/v"+v
				status, apiv, body := call(t, a, "GET", p+"/_ping", nil)
				if status != 200 || string(body) != "OK" || apiv != "1.56" {
					t.Errorf("GET %s/_ping: %d %q Api-Version %q, want 200 OK 1.56", p, status, body, apiv)
				}
				var ver struct{ ApiVersion, MinAPIVersion string }
				if err := json.Unmarshal(expect(t, 200, a, "GET", p+"/version", nil), &ver); err != nil {
					t.Errorf("GET %s/version: %v", p, err)
				} else if ver.ApiVersion != "1.56" || ver.MinAPIVersion != "1.24" {
					t.Errorf("GET %s/version: ApiVersion %q MinAPIVersion %q, want 1.56 1.24", p, ver.ApiVersion, ver.MinAPIVersion)
				}
				var list []map[string]any
				if err := json.Unmarshal(expect(t, 200, a, "GET", p+"/containers/json?all=1", nil), &list); err != nil {
					t.Errorf("GET %s/containers/json: %v", p, err)
				}
				for _, e := range mg.pins {
					t.Run(e.Name+"-"+string(e.Kind), func(t *testing.T) { rawLifecycle(t, a, p, e) })
				}
			})
		}
	}
}

// rawLifecycle creates a container pinned to e at version path prefix p,
// starts it, waits for it, reads its logs, inspects and deletes it.
func rawLifecycle(t *testing.T, a, p string, e *harness.Engine) {
	create := map[string]any{"Image": "busybox", "Cmd": []string{"echo", "raw"}, "Env": []string{"constraint:node==" + e.Name}}
	var created struct{ Id string }
	if err := json.Unmarshal(expect(t, 201, a, "POST", p+"/containers/create", create), &created); err != nil || len(created.Id) != 64 {
		t.Fatalf("create: id %q, %v", created.Id, err)
	}
	id := created.Id
	defer call(t, a, "DELETE", p+"/containers/"+id+"?force=1", nil)
	expect(t, 204, a, "POST", p+"/containers/"+id+"/start", nil)
	var waited struct{ StatusCode int }
	if err := json.Unmarshal(expect(t, 200, a, "POST", p+"/containers/"+id+"/wait", nil), &waited); err != nil || waited.StatusCode != 0 {
		t.Errorf("wait: status code %d, %v", waited.StatusCode, err)
	}
	logs := expect(t, 200, a, "GET", p+"/containers/"+id+"/logs?stdout=1", nil)
	// Multiplexed: an 8-byte header, then the line.
	if want := append([]byte{1, 0, 0, 0, 0, 0, 0, 4}, "raw\n"...); !bytes.Equal(logs, want) {
		t.Errorf("logs: %q, want %q", logs, want)
	}
	var insp rawInspect
	// The manager's cached state may trail the wait by a few tens of
	// milliseconds (TestRawInspectAfterWait); here only the shape counts.
	_ = harness.WaitFor(5*time.Second, func() (bool, error) {
		insp = inspectRaw(t, a, p, id)
		return insp.State.Status == "exited", nil
	})
	if insp.Id != id || insp.State.Status != "exited" || insp.State.ExitCode != 0 || insp.Node.Name != e.Name {
		t.Errorf("inspect: Id %q State %+v Node %q, want %s exited 0 on %s", insp.Id, insp.State, insp.Node.Name, id, e.Name)
	}
	expect(t, 204, a, "DELETE", p+"/containers/"+id+"?force=1", nil)
	expect(t, 404, a, "GET", p+"/containers/"+id+"/json", nil)
	if got := onEngine(t, e, "ps", "-aq", "--no-trunc", "--filter", "id="+id); got != "" {
		t.Errorf("after DELETE, %s still has %s", e.Name, got)
	}
}

type rawInspect struct {
	Id    string
	Name  string
	State struct {
		Status   string
		ExitCode int
	}
	Node struct{ Name string }
}

func inspectRaw(t *testing.T, a, p, id string) rawInspect {
	t.Helper()
	var insp rawInspect
	if err := json.Unmarshal(expect(t, 200, a, "GET", p+"/containers/"+id+"/json", nil), &insp); err != nil {
		t.Fatalf("inspect: %v", err)
	}
	return insp
}

// Once POST /wait has answered, the container has exited: dockerd's own
// inspect says so at once, and so must the manager's.
func TestRawInspectAfterWait(t *testing.T) {
	for _, mg := range managers() {
		for _, e := range mg.pins {
			for _, v := range []string{"1.41", "1.51"} {
				t.Run(fmt.Sprintf("%s/%s-%s/v%s", mg.name, e.Name, e.Kind, v), func(t *testing.T) {
					a, p := mg.m.Addr, "/v"+v
					stale := 0
					for i := 0; i < 4; i++ {
						var c struct{ Id string }
						create := map[string]any{"Image": "busybox", "Cmd": []string{"true"}, "Env": []string{"constraint:node==" + e.Name}}
						if err := json.Unmarshal(expect(t, 201, a, "POST", p+"/containers/create", create), &c); err != nil {
							t.Fatal(err)
						}
						expect(t, 204, a, "POST", p+"/containers/"+c.Id+"/start", nil)
						expect(t, 200, a, "POST", p+"/containers/"+c.Id+"/wait", nil)
						if got := inspectRaw(t, a, p, c.Id).State.Status; got != "exited" {
							stale++
						}
						expect(t, 204, a, "DELETE", p+"/containers/"+c.Id+"?force=1", nil)
					}
					if stale > 0 {
						t.Errorf("%d of 4 inspects right after POST /wait answered said the container was still running", stale)
					}
				})
			}
		}
	}
}

func TestRawTooNew(t *testing.T) {
	const want = "client version 1.57 is too new. Maximum supported API version is 1.56"
	for _, mg := range managers() {
		a := mg.m.Addr
		for _, rq := range []struct {
			method, path string
			body         any
		}{
			{"GET", "/v1.57/_ping", nil},
			{"GET", "/v1.57/version", nil},
			{"GET", "/v1.57/containers/json", nil},
			{"POST", "/v1.57/containers/create", map[string]any{"Image": "busybox", "Cmd": []string{"echo", "raw"}}},
		} {
			status, _, body := call(t, a, rq.method, rq.path, rq.body)
			var msg struct{ Message string }
			_ = json.Unmarshal(body, &msg)
			if status != 400 || msg.Message != want {
				t.Errorf("%s %s %s: %d %s, want 400 %q", mg.name, rq.method, rq.path, status, bytes.TrimSpace(body), want)
			}
		}
	}
	// Nothing was created by the refused create.
	for _, e := range engines {
		if got := onEngine(t, e, "ps", "-aq", "--filter", "ancestor=busybox", "--filter", "status=created"); got != "" {
			t.Errorf("%s has created containers %q after the refused create", e.Name, got)
		}
	}
}

// networkView is the part of a container inspect the shaping changes.
type networkView struct {
	Aliases  []string
	DNSNames []string
	hasDNS   bool
}

func inspectNetwork(t *testing.T, addr, version, id, net string) networkView {
	t.Helper()
	var insp struct {
		NetworkSettings struct {
			Networks map[string]map[string]json.RawMessage
		}
	}
	body := expect(t, 200, addr, "GET", "/v"+version+"/containers/"+id+"/json", nil)
	if err := json.Unmarshal(body, &insp); err != nil {
		t.Fatalf("inspect at %s: %v", version, err)
	}
	n, ok := insp.NetworkSettings.Networks[net]
	if !ok {
		t.Fatalf("inspect at %s: no network %s in %s", version, net, body)
	}
	var v networkView
	if raw, ok := n["Aliases"]; ok {
		_ = json.Unmarshal(raw, &v.Aliases)
	}
	// Absent or null is "no DNSNames": the field has no omitempty in
	// Docker's types, and dockerd itself writes null where it has none.
	if raw, ok := n["DNSNames"]; ok && string(raw) != "null" {
		v.hasDNS = true
		_ = json.Unmarshal(raw, &v.DNSNames)
	}
	return v
}

func TestRawInspectShaping(t *testing.T) {
	net := "e29shape"
	t.Cleanup(func() { _, _, _ = harness.Docker(mixed.Addr, "network", "rm", net) })
	docker(t, mixed.Addr, "network", "create", net)
	for _, e := range []*harness.Engine{engines[2], engines[0]} {
		name := "e29shape-" + e.Name
		cleanup(t, mixed.Addr, name)
		id := docker(t, mixed.Addr, "run", "-d", "--name", name, "--network", net, "-e", "constraint:node=="+e.Name, "busybox", "sleep", "600")
		short := id[:12]
		addrs := map[string]string{"mixed": mixed.Addr}
		if e.Kind == harness.Engine29 {
			addrs["all29"] = all29.Addr
		}
		for mname, a := range addrs {
			t.Run(fmt.Sprintf("%s-%s-via-%s", e.Name, e.Kind, mname), func(t *testing.T) {
				old := inspectNetwork(t, a, "1.41", id, net)
				if !slices.Contains(old.Aliases, short) || old.hasDNS {
					t.Errorf("at 1.41: Aliases %q (want the short ID %s among them), DNSNames present %v %q (want absent)", old.Aliases, short, old.hasDNS, old.DNSNames)
				}
				cur := inspectNetwork(t, a, "1.51", id, net)
				if !cur.hasDNS || slices.Contains(cur.Aliases, short) {
					t.Errorf("at 1.51: DNSNames present %v %q (want present), Aliases %q (want no short ID %s)", cur.hasDNS, cur.DNSNames, cur.Aliases, short)
				}
				if !slices.Contains(cur.DNSNames, name) || !slices.Contains(cur.DNSNames, short) {
					t.Errorf("at 1.51: DNSNames %q, want the name %s and the short ID %s", cur.DNSNames, name, short)
				}
			})
		}
	}
}

// TestRaw156 checks what API 1.52 to 1.56 added, through both managers: a
// create field the manager's own types do not know (HostConfig.Umask,
// 1.56) reaches an Engine 29 node and shows in a 1.56 inspect, and is
// refused clearly for a 20.10 node; the annotation filter of ps (1.56);
// the usage summaries of /system/df (1.52, legacy fields gone from 1.53).
func TestRaw156(t *testing.T) {
	for _, mg := range managers() {
		t.Run(mg.name, func(t *testing.T) {
			a := mg.m.Addr
			node := engines[3] // Engine 29
			name := "raw156-" + mg.name
			create := map[string]any{
				"Image": "busybox", "Cmd": []string{"sleep", "60"},
				"Env":        []string{"constraint:node==" + node.Name},
				"HostConfig": map[string]any{"Umask": 23, "Annotations": map[string]string{"team": "web"}}, // 23 is 0027
			}
			var created struct{ Id string }
			if err := json.Unmarshal(expect(t, 201, a, "POST", "/v1.56/containers/create?name="+name, create), &created); err != nil {
				t.Fatal(err)
			}
			defer call(t, a, "DELETE", "/v1.56/containers/"+created.Id+"?force=1", nil)
			var insp struct {
				HostConfig struct{ Umask *uint32 }
				Node       struct{ Name string }
			}
			if err := json.Unmarshal(expect(t, 200, a, "GET", "/v1.56/containers/"+name+"/json", nil), &insp); err != nil {
				t.Fatal(err)
			}
			if insp.HostConfig.Umask == nil || *insp.HostConfig.Umask != 23 || insp.Node.Name != node.Name {
				t.Errorf("inspect at 1.56: Umask %v Node %q, want 23 on %s", insp.HostConfig.Umask, insp.Node.Name, node.Name)
			}
			// The engine has it too: it came through, not dropped.
			if got := onEngine(t, node, "inspect", "-f", "{{.HostConfig.Annotations}}", name); got != "map[team:web]" {
				t.Errorf("annotations on the engine: %q", got)
			}
			list := func(filter string) int {
				var l []map[string]any
				q := url.QueryEscape(`{"annotation":["` + filter + `"],"name":["` + name + `"]}`)
				if err := json.Unmarshal(expect(t, 200, a, "GET", "/v1.56/containers/json?all=1&filters="+q, nil), &l); err != nil {
					t.Fatal(err)
				}
				return len(l)
			}
			if n, m := list("team=web"), list("team=db"); n != 1 || m != 0 {
				t.Errorf("annotation filter: team=web lists %d, team=db %d; want 1 and 0", n, m)
			}

			var df map[string]json.RawMessage
			if err := json.Unmarshal(expect(t, 200, a, "GET", "/v1.53/system/df", nil), &df); err != nil {
				t.Fatal(err)
			}
			if _, ok := df["ImageUsage"]; !ok {
				t.Errorf("df at 1.53 lacks ImageUsage: %v", df)
			}
			if _, ok := df["LayersSize"]; ok {
				t.Errorf("df at 1.53 still has the legacy LayersSize")
			}
			if err := json.Unmarshal(expect(t, 200, a, "GET", "/v1.41/system/df", nil), &df); err != nil {
				t.Fatal(err)
			}
			if _, ok := df["LayersSize"]; !ok {
				t.Errorf("df at 1.41 lacks LayersSize")
			}
		})
	}
	// A 20.10 node cannot take a 1.56 field: a clear 400, nothing made.
	old := engines[0]
	create := map[string]any{
		"Image": "busybox", "Cmd": []string{"true"}, "Env": []string{"constraint:node==" + old.Name},
		"HostConfig": map[string]any{"Umask": 23},
	}
	status, _, body := call(t, mixed.Addr, "POST", "/v1.56/containers/create?name=raw156-old", create)
	var msg struct{ Message string }
	_ = json.Unmarshal(body, &msg)
	want := "HostConfig.Umask: API 1.56 fields; node " + old.Name + " serves API"
	if status != 400 || !strings.Contains(msg.Message, want) {
		t.Errorf("1.56 create for a 20.10 node: %d %q, want 400 with %q", status, msg.Message, want)
	}
	if got := onEngine(t, old, "ps", "-aq", "--filter", "name=raw156-old"); got != "" {
		t.Errorf("%s has the refused container %q", old.Name, got)
	}
}
