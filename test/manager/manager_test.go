// Package manager_test drives `swarm manage` with the real docker CLI
// against three real engines: the acceptance of the manager issue.
package manager_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/swarm-project/swarm/test/harness"
)

var (
	engines []*harness.Engine
	manager *harness.Manager
)

func TestMain(m *testing.M) {
	os.Exit(harness.Main(m, func() (func(bool), error) {
		c, err := harness.StartCluster(3, map[int][]string{0: {"zone=a"}, 1: {"zone=b"}, 2: {"zone=c"}})
		engines, manager = c.Engines, c.Manager
		return c.Teardown, err
	}))
}

// docker runs the docker CLI against the manager and fails the test on error.
func docker(t *testing.T, args ...string) string {
	t.Helper()
	out, stderr, err := harness.Docker(manager.Addr, args...)
	if err != nil {
		t.Fatalf("docker %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, out, stderr)
	}
	return strings.TrimSpace(out)
}

// dockerFails runs the docker CLI and expects it to fail; it returns stderr.
func dockerFails(t *testing.T, args ...string) string {
	t.Helper()
	out, stderr, err := harness.Docker(manager.Addr, args...)
	if err == nil {
		t.Fatalf("docker %s succeeded, want an error\nstdout: %s", strings.Join(args, " "), out)
	}
	return stderr
}

// removeAll removes every container of the cluster.
func removeAll(t *testing.T) {
	t.Helper()
	ids := strings.Fields(docker(t, "ps", "-aq"))
	if len(ids) > 0 {
		docker(t, append([]string{"rm", "-f"}, ids...)...)
	}
}

func TestInfoShowsEveryNode(t *testing.T) {
	out := docker(t, "info")
	for _, want := range []string{"Strategy: spread", "Filters: health, port, containerslots, dependency, affinity, constraint, whitelist", "Nodes: 3"} {
		if !strings.Contains(out, want) {
			t.Errorf("docker info lacks %q:\n%s", want, out)
		}
	}
	for _, e := range engines {
		if !strings.Contains(out, e.Name+": "+e.Addr) {
			t.Errorf("docker info lacks node line %q", e.Name+": "+e.Addr)
		}
	}
	for _, field := range []string{"└ ID: ", "└ Status: Healthy", "└ Containers: ", "└ Reserved CPUs: ", "└ Reserved Memory: ", "└ Labels: ", "└ UpdatedAt: ", "└ ServerVersion: "} {
		if got := strings.Count(out, field); got != 3 {
			t.Errorf("docker info has %d %q lines, want 3", got, field)
		}
	}
	ids := regexp.MustCompile(`└ ID: (\S+)`).FindAllStringSubmatch(out, -1)
	seen := map[string]bool{}
	for _, m := range ids {
		seen[m[1]] = true
	}
	if len(seen) != 3 {
		t.Errorf("want 3 distinct engine IDs, got %v", seen)
	}
	if !strings.Contains(out, "zone=a") {
		t.Errorf("engine labels missing from docker info")
	}
}

func TestRunEchoPrintsOutput(t *testing.T) {
	if out := docker(t, "run", "--rm", "busybox", "echo", "hi"); out != "hi" {
		t.Fatalf("got %q, want hi", out)
	}
}

func TestPipedStdinIsHalfClosed(t *testing.T) {
	out, stderr, err := harness.DockerStdin(manager.Addr, "hello through the manager\n", "run", "-i", "--rm", "busybox", "cat")
	if err != nil {
		t.Fatalf("docker run -i: %v: %s", err, stderr)
	}
	if strings.TrimSpace(out) != "hello through the manager" {
		t.Fatalf("got %q", out)
	}
}

func TestContainerLifecycle(t *testing.T) {
	name := "lifecycle"
	id := docker(t, "run", "-d", "--name", name, "busybox", "sh", "-c", "i=0; while true; do echo line$i; i=$((i+1)); sleep 0.2; done")
	defer harness.Docker(manager.Addr, "rm", "-f", name)

	ps := docker(t, "ps", "--filter", "name="+name, "--format", "{{.Names}}")
	if !regexp.MustCompile(`^node-\d+/` + name + `$`).MatchString(ps) {
		t.Fatalf("docker ps names it %q, want node-N/%s", ps, name)
	}
	var inspected []struct {
		ID   string `json:"Id"`
		Node struct{ ID, IP, Addr, Name string }
	}
	if err := json.Unmarshal([]byte(docker(t, "inspect", name)), &inspected); err != nil {
		t.Fatal(err)
	}
	if len(inspected) != 1 || inspected[0].ID != id || inspected[0].Node.Name == "" || inspected[0].Node.Addr == "" {
		t.Fatalf("inspect: %+v", inspected)
	}
	if !strings.HasPrefix(ps, inspected[0].Node.Name+"/") {
		t.Fatalf("ps says %q but inspect says node %q", ps, inspected[0].Node.Name)
	}

	// logs -f streams: read three lines, then stop.
	cmd := exec.Command("docker", "-H", "tcp://"+manager.Addr, "logs", "-f", name)
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 0, 256)
	deadline := time.Now().Add(10 * time.Second)
	for strings.Count(string(buf), "\n") < 3 && time.Now().Before(deadline) {
		chunk := make([]byte, 64)
		n, err := stdout.Read(chunk)
		buf = append(buf, chunk[:n]...)
		if err == io.EOF {
			break
		}
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if !strings.HasPrefix(string(buf), "line0\nline1\nline2\n") {
		t.Fatalf("logs -f gave %q", buf)
	}

	if out := docker(t, "exec", name, "echo", "from-exec"); out != "from-exec" {
		t.Fatalf("exec gave %q", out)
	}
	if out := docker(t, "top", name); !strings.Contains(out, "sh -c") {
		t.Fatalf("top gave %q", out)
	}

	dir := t.TempDir()
	src := dir + "/in.txt"
	if err := os.WriteFile(src, []byte("copied in\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	docker(t, "cp", src, name+":/tmp/in.txt")
	if out := docker(t, "exec", name, "cat", "/tmp/in.txt"); out != "copied in" {
		t.Fatalf("cp into the container: cat gave %q", out)
	}
	docker(t, "cp", name+":/tmp/in.txt", dir+"/out.txt")
	if b, err := os.ReadFile(dir + "/out.txt"); err != nil || string(b) != "copied in\n" {
		t.Fatalf("cp out of the container: %q, %v", b, err)
	}

	docker(t, "stop", "-t", "1", name)
	if st := docker(t, "inspect", "-f", "{{.State.Status}}", name); st != "exited" {
		t.Fatalf("after stop the state is %q", st)
	}
	docker(t, "start", name)
	if st := docker(t, "inspect", "-f", "{{.State.Status}}", name); st != "running" {
		t.Fatalf("after start the state is %q", st)
	}
	docker(t, "rm", "-f", name)
	if out := docker(t, "ps", "-a", "--filter", "name=^"+name+"$", "-q"); out != "" {
		t.Fatalf("after rm, ps still lists %q", out)
	}
}

func TestInteractiveRunAndExec(t *testing.T) {
	if _, err := exec.LookPath("script"); err != nil {
		t.Fatal("script(1) from util-linux is needed to give docker a terminal")
	}
	name := "interactive"
	defer harness.Docker(manager.Addr, "rm", "-f", name)
	out := withTerminal(t, "docker -H tcp://"+manager.Addr+" run -it --name "+name+" busybox sh",
		"echo sum=$((40+2))", "exit")
	if !strings.Contains(out, "sum=42") {
		t.Fatalf("docker run -it: got %q", out)
	}
	docker(t, "run", "-d", "--name", name+"2", "busybox", "sleep", "60")
	defer harness.Docker(manager.Addr, "rm", "-f", name+"2")
	out = withTerminal(t, "docker -H tcp://"+manager.Addr+" exec -it "+name+"2 sh", "echo prod=$((6*7))", "exit")
	if !strings.Contains(out, "prod=42") {
		t.Fatalf("docker exec -it: got %q", out)
	}
}

// withTerminal runs command under script(1), typing lines one by one.
func withTerminal(t *testing.T, command string, lines ...string) string {
	t.Helper()
	cmd := exec.Command("script", "-qec", command, "/dev/null")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(2 * time.Second)
		for _, l := range lines {
			_, _ = io.WriteString(stdin, l+"\n")
			time.Sleep(500 * time.Millisecond)
		}
	}()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("%s did not end; output so far: %q", command, out.String())
	}
	return strings.ReplaceAll(out.String(), "\r", "")
}

func TestTenRunsSpreadOverThreeNodes(t *testing.T) {
	removeAll(t)
	defer removeAll(t)
	for i := 0; i < 10; i++ {
		docker(t, "run", "-d", "busybox", "sleep", "120")
	}
	counts := map[string]int{}
	for _, n := range strings.Fields(docker(t, "ps", "--format", "{{.Names}}")) {
		node, _, _ := strings.Cut(n, "/")
		counts[node]++
	}
	got := []int{}
	for _, c := range counts {
		got = append(got, c)
	}
	sort.Ints(got)
	if fmt.Sprint(got) != "[3 3 4]" {
		t.Fatalf("containers per node: %v, want 3/3/4", counts)
	}
}

func TestNameConflictAnywhereIs409(t *testing.T) {
	docker(t, "run", "-d", "--name", "unique-name", "busybox", "sleep", "60")
	defer harness.Docker(manager.Addr, "rm", "-f", "unique-name")
	// Another create with the same name must fail even if the scheduler
	// would pick another node.
	for i := 0; i < 3; i++ {
		stderr := dockerFails(t, "create", "--name", "unique-name", "busybox")
		if !strings.Contains(stderr, "Conflict. The container name \"/unique-name\" is already in use") {
			t.Fatalf("got %q", stderr)
		}
	}
	resp := rawRequest(t, "POST", "/v1.41/containers/create?name=unique-name", `{"Image":"busybox"}`)
	if resp.code != http.StatusConflict {
		t.Fatalf("status %d, want 409: %s", resp.code, resp.body)
	}
}

func TestUnknownObjectsAre404(t *testing.T) {
	for _, path := range []string{"/v1.41/containers/no-such-thing/json", "/containers/no-such-thing/json"} {
		resp := rawRequest(t, "GET", path, "")
		if resp.code != http.StatusNotFound || !strings.Contains(resp.body, "No such container: no-such-thing") {
			t.Fatalf("GET %s: %d %s", path, resp.code, resp.body)
		}
	}
	resp := rawRequest(t, "POST", "/v1.41/containers/no-such-thing/start", "")
	if resp.code != http.StatusNotFound {
		t.Fatalf("start of unknown container: %d %s", resp.code, resp.body)
	}
	resp = rawRequest(t, "GET", "/v1.41/images/no-such-image:7/json", "")
	if resp.code != http.StatusNotFound || !strings.Contains(resp.body, "No such image: no-such-image:7") {
		t.Fatalf("image inspect: %d %s", resp.code, resp.body)
	}
}

func TestVersionNegotiation(t *testing.T) {
	out := docker(t, "version", "--format", "{{.Server.APIVersion}} {{.Server.MinAPIVersion}}")
	if out != "1.41 1.24" {
		t.Fatalf("server API versions %q", out)
	}
	resp := rawRequest(t, "GET", "/v1.99/info", "")
	if resp.code != http.StatusBadRequest || !strings.Contains(resp.body, "client version 1.99 is too new. Maximum supported API version is 1.41") {
		t.Fatalf("too new: %d %s", resp.code, resp.body)
	}
	resp = rawRequest(t, "HEAD", "/_ping", "")
	if resp.code != http.StatusOK || resp.header.Get("Api-Version") != "1.41" {
		t.Fatalf("HEAD /_ping: %d %v", resp.code, resp.header)
	}
	resp = rawRequest(t, "GET", "/v1.41/no/such/endpoint", "")
	if resp.code != http.StatusNotImplemented || !strings.Contains(resp.body, "GET /no/such/endpoint") {
		t.Fatalf("unsupported endpoint: %d %s", resp.code, resp.body)
	}
}

func TestEventsCarryTheirNode(t *testing.T) {
	since := time.Now().Add(-time.Second).Unix()
	docker(t, "run", "--rm", "--name", "evented", "busybox", "true")
	until := time.Now().Add(time.Second).Unix()
	resp := rawRequest(t, "GET", fmt.Sprintf("/v1.41/events?since=%d&until=%d&filters=%s", since, until,
		`%7B%22container%22%3A%5B%22evented%22%5D%7D`), "")
	if resp.code != http.StatusOK {
		t.Fatalf("events: %d %s", resp.code, resp.body)
	}
	dec := json.NewDecoder(strings.NewReader(resp.body))
	actions := map[string]bool{}
	for dec.More() {
		var ev struct {
			Action string
			Actor  struct{ Attributes map[string]string }
			Node   *struct{ Name, Id, Addr, Ip string } `json:"node"`
		}
		if err := dec.Decode(&ev); err != nil {
			t.Fatal(err)
		}
		if ev.Node == nil || ev.Node.Name == "" || ev.Node.Addr == "" {
			t.Fatalf("event without node: %+v", ev)
		}
		if ev.Actor.Attributes["name"] != "evented" {
			t.Fatalf("filter let through %+v", ev)
		}
		actions[ev.Action] = true
	}
	for _, a := range []string{"create", "start", "die", "destroy"} {
		if !actions[a] {
			t.Errorf("no %q event in %v", a, actions)
		}
	}
}

type rawResponse struct {
	code   int
	body   string
	header http.Header
}

func rawRequest(t *testing.T, method, path, body string) rawResponse {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, "http://"+manager.Addr+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return rawResponse{code: resp.StatusCode, body: string(b), header: resp.Header}
}

// TestEngineFailureAndRecovery kills one engine: it turns Unhealthy, new
// containers go to the others; restarted, it is Healthy again with its
// containers listed. It runs last: it changes the cluster.
func TestEngineFailureAndRecovery(t *testing.T) {
	removeAll(t)
	victim := engines[2]
	docker(t, "run", "-d", "--name", "on-victim", "-e", "constraint:node=="+victim.Name, "busybox", "sleep", "600")
	defer harness.Docker(manager.Addr, "rm", "-f", "on-victim")
	if err := victim.Kill(); err != nil {
		t.Fatal(err)
	}
	statusOf := func() string {
		out, _, _ := harness.Docker(manager.Addr, "info")
		re := regexp.MustCompile(regexp.QuoteMeta(victim.Name+": "+victim.Addr) + `\n\s+└ ID: \S*\n\s+└ Status: (\w+)`)
		if m := re.FindStringSubmatch(out); m != nil {
			return m[1]
		}
		return ""
	}
	if err := harness.WaitFor(30*time.Second, func() (bool, error) { return statusOf() == "Unhealthy", nil }); err != nil {
		t.Fatalf("%s never became Unhealthy (status %q)", victim.Name, statusOf())
	}
	for i := 0; i < 4; i++ {
		id := docker(t, "run", "-d", "busybox", "sleep", "60")
		node := docker(t, "inspect", "-f", "{{.Node.Name}}", id)
		if node == victim.Name {
			t.Fatalf("container placed on the unhealthy node %s", node)
		}
	}
	if err := victim.Start(); err != nil {
		t.Fatal(err)
	}
	if err := harness.WaitFor(60*time.Second, func() (bool, error) { return statusOf() == "Healthy", nil }); err != nil {
		t.Fatalf("%s never became Healthy again (status %q)", victim.Name, statusOf())
	}
	if err := harness.WaitFor(30*time.Second, func() (bool, error) {
		out, _, _ := harness.Docker(manager.Addr, "ps", "-a", "--filter", "name=on-victim", "--format", "{{.Names}}")
		return strings.TrimSpace(out) == victim.Name+"/on-victim", nil
	}); err != nil {
		t.Fatalf("the victim's container is not listed again")
	}
}
