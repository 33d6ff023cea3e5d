package network

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/swarm-project/swarm/test/harness"
)

// composeOverlay is a project whose web and db share an overlay network:
// db is pinned to one node (%[1]s) and serves a token (%[2]s) on port 80;
// web prefers the other nodes (a soft constraint) and publishes 8080, so
// that scaled to three it runs once per node.
const composeOverlay = `services:
  db:
    image: busybox
    command: ["sh", "-c", "mkdir -p /www && echo %[2]s > /www/id && exec httpd -f -p 80 -h /www"]
    environment:
      - "constraint:node==%[1]s"
    stop_grace_period: 1s
    networks: [back]
  web:
    image: busybox
    command: ["sh", "-c", "mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 8080 -h /www"]
    environment:
      - "constraint:node!=~%[1]s"
    ports: ["8080:8080"]
    stop_grace_period: 1s
    depends_on: [db]
    networks: [back]
networks:
  back:
    driver: overlay
`

// compose runs one docker compose v2 project against a manager.
type compose struct {
	t       *testing.T
	c       *cluster
	bin     string
	file    string
	project string
}

func (p *compose) cmd(ctx context.Context, args ...string) *exec.Cmd {
	full := append([]string{"-p", p.project, "-f", p.file}, args...)
	cmd := exec.CommandContext(ctx, p.bin, full...)
	cmd.Env = append(os.Environ(), "DOCKER_HOST=tcp://"+p.c.m.Addr, "DOCKER_BUILDKIT=0", "COMPOSE_DOCKER_CLI_BUILD=0")
	cmd.Dir = filepath.Dir(p.file)
	return cmd
}

// run runs `docker compose ARGS` and fails the test on an error.
func (p *compose) run(args ...string) string {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	out, err := p.cmd(ctx, args...).CombinedOutput()
	if err != nil {
		p.t.Fatalf("docker compose %s: %v\n%s\nmanager log tail:\n%s", strings.Join(args, " "), err, out, lastLines(p.c.m.Log(), 40))
	}
	return string(out)
}

// containers maps each container of a service to its node, through the
// manager's list: container ID -> node name.
func (p *compose) containers(service string) map[string]string {
	p.t.Helper()
	out := p.c.docker(p.t, "ps", "--filter", "label=com.docker.compose.project="+p.project,
		"--filter", "label=com.docker.compose.service="+service, "--format", "{{.ID}} {{.Names}}")
	m := map[string]string{}
	for _, l := range lines(out) {
		id, name, _ := strings.Cut(l, " ")
		node, _, _ := strings.Cut(strings.TrimPrefix(name, "/"), "/")
		m[id] = node
	}
	return m
}

func nodesOf(m map[string]string) []string {
	var out []string
	for _, n := range m {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// TestComposeOverlay: docker compose v2 through the manager, with web
// and db on an overlay network. web and db land on different nodes and
// web reaches db by its service name; scaled to three with a published
// port, web runs once per node and every node's address answers; down
// leaves nothing on any node.
func TestComposeOverlay(t *testing.T) {
	c := shared
	bin := harness.Compose(t, "v2")
	dbNode := c.engs[0]
	dir := t.TempDir()
	p := &compose{t: t, c: c, bin: bin, file: filepath.Join(dir, "docker-compose.yml"), project: "nettestcompose"}
	token := "db-of-" + p.project
	if err := os.WriteFile(p.file, []byte(fmt.Sprintf(composeOverlay, dbNode.Name, token)), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		// Leave nothing behind for the next tests, even on failure.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		_ = p.cmd(ctx, "down", "-t", "1").Run()
	})
	netName := p.project + "_back"

	p.run("up", "-d")
	if rows := c.listed(t, netName); len(rows) != 1 || rows[0] != netName+" overlay swarm" {
		t.Errorf("docker network ls lists the project's network as %q, want once as %q", rows, netName+" overlay swarm")
	}
	db, web := p.containers("db"), p.containers("web")
	if got := nodesOf(db); len(got) != 1 || got[0] != dbNode.Name {
		t.Fatalf("db runs on %v, want %s", got, dbNode.Name)
	}
	if got := nodesOf(web); len(got) != 1 || got[0] == dbNode.Name {
		t.Fatalf("web runs on %v, want one replica on a node other than db's %s", got, dbNode.Name)
	}
	for id := range web {
		c.waitFetch(t, id, "http://db/id", token)
	}

	p.run("up", "-d", "--scale", "web=3")
	web = p.containers("web")
	if got := nodesOf(web); !sameSet(got, c.names()) {
		t.Errorf("after --scale web=3, web runs on %v, want once on each of %v", got, c.names())
	}
	for id := range web {
		c.waitFetch(t, id, "http://db/id", token)
	}
	// Every node answers on its own address with its own replica.
	for _, e := range c.engs {
		var want string
		for id, node := range web {
			if node == e.Name {
				want = strings.TrimSpace(c.docker(t, "inspect", "-f", "{{.Config.Hostname}}", id))
			}
		}
		got, err := httpGet("http://" + e.IP + ":8080/")
		if err != nil || want == "" || strings.TrimSpace(got) != want {
			t.Errorf("http://%s:8080/ (%s): %q, %v; want the hostname of its web replica %q", e.IP, e.Name, got, err, want)
		}
	}

	p.run("down", "-t", "1")
	label := "label=com.docker.compose.project=" + p.project
	for _, e := range c.engs {
		if got := lines(e.MustDocker(t, "ps", "-aq", "--filter", label)); len(got) != 0 {
			t.Errorf("after down, %s still has containers %q", e.Name, got)
		}
		if got := lines(e.MustDocker(t, "network", "ls", "-q", "--filter", label)); len(got) != 0 {
			t.Errorf("after down, %s still has networks %q", e.Name, got)
		}
	}
	waitGoneFromEngines(t, c.engs, netName)
	if rows := c.listed(t, netName); len(rows) != 0 {
		t.Errorf("after down, the manager still lists %q", rows)
	}
}

// httpGet waits until url answers 200 and returns the body.
func httpGet(url string) (string, error) {
	client := &http.Client{Timeout: 3 * time.Second}
	var body string
	err := harness.WaitFor(30*time.Second, func() (bool, error) {
		resp, err := client.Get(url)
		if err != nil {
			return false, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			return false, err
		}
		body = string(b)
		return resp.StatusCode == http.StatusOK, fmt.Errorf("status %s", resp.Status)
	})
	return body, err
}
