package engine29

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/swarm-project/swarm/test/harness"
)

// composeProject: web and db on a user network, both pinned to one node
// (a local bridge network does not reach across engines) by an environment
// constraint; no published ports (see test/api/compose_test.go). db serves
// a page over HTTP, web fetches it by db's name.
const composeProject = `services:
  web:
    image: busybox
    command: ["sh", "-c", "echo web-up; exec sleep 3600"]
    stop_grace_period: 1s
    environment:
      - "constraint:node==%[1]s"
    depends_on: [db]
    networks: [back]
  db:
    image: busybox
    command: ["sh", "-c", "mkdir -p /www && echo db-page > /www/index.html && echo db-up && exec httpd -f -p 8080 -h /www"]
    stop_grace_period: 1s
    environment:
      - "constraint:node==%[1]s"
    networks: [back]
networks:
  back: {}
`

type compose struct {
	t                 *testing.T
	bin, dir, project string
	host              string // the manager; "" for the all-29 one
}

// command is compose with args against the manager, not started.
func (c *compose) command(ctx context.Context, args ...string) *exec.Cmd {
	host := c.host
	if host == "" {
		host = all29.Addr
	}
	full := append([]string{"-p", c.project, "-f", filepath.Join(c.dir, "compose.yml")}, args...)
	cmd := exec.CommandContext(ctx, c.bin, full...)
	cmd.Dir = c.dir
	cmd.Env = append(os.Environ(), "DOCKER_HOST=tcp://"+host, "DOCKER_BUILDKIT=0", "COMPOSE_DOCKER_CLI_BUILD=0")
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// run runs compose against the manager; it returns stdout and stderr
// together.
func (c *compose) run(args ...string) (string, error) {
	ctx, cancel := withTimeout(3 * time.Minute)
	defer cancel()
	cmd := c.command(ctx, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

func (c *compose) must(args ...string) string {
	c.t.Helper()
	out, err := c.run(args...)
	if err != nil {
		c.t.Fatalf("%s %s: %v\n%s", filepath.Base(filepath.Dir(c.bin)), strings.Join(args, " "), err, out)
	}
	return out
}

func TestAll29ComposeV2(t *testing.T) { testCompose(t, "v2", "e29ctwo") }

func TestAll29ComposeV5(t *testing.T) { testCompose(t, "v5", "e29cfive") }

func testCompose(t *testing.T, gen, project string) {
	c := &compose{t: t, bin: harness.Compose(t, gen), dir: t.TempDir(), project: project}
	node := engines[3]
	if err := os.WriteFile(filepath.Join(c.dir, "compose.yml"), []byte(fmt.Sprintf(composeProject, node.Name)), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			_, _ = c.run("down", "-t", "1")
		}
	})
	label := "label=com.docker.compose.project=" + project

	c.must("up", "-d")
	running := func(service string) []string {
		t.Helper()
		out := docker(t, all29.Addr, "ps", "--filter", label, "--filter", "label=com.docker.compose.service="+service, "--format", "{{.Names}}")
		l := lines(out)
		sort.Strings(l)
		return l
	}
	if got := running("db"); len(got) != 1 || got[0] != node.Name+"/"+project+"-db-1" {
		t.Errorf("db containers %q, want [%s/%s-db-1]", got, node.Name, project)
	}
	if got := running("web"); len(got) != 1 || got[0] != node.Name+"/"+project+"-web-1" {
		t.Errorf("web containers %q, want [%s/%s-web-1]", got, node.Name, project)
	}

	// web reaches db by name over the project network.
	var page string
	err := harness.WaitFor(30*time.Second, func() (bool, error) {
		out, err := c.run("exec", "-T", "web", "wget", "-qO-", "http://db:8080/")
		page = out
		return err == nil && out == "db-page\n", err
	})
	if err != nil {
		t.Errorf("compose exec web wget http://db:8080/: %q, %v", page, err)
	}

	c.must("up", "-d", "--scale", "web=2")
	if got := running("web"); len(got) != 2 {
		t.Errorf("after --scale web=2: web containers %q, want two", got)
	}
	err = harness.WaitFor(30*time.Second, func() (bool, error) {
		out, err := c.run("logs", "--no-color")
		return err == nil && strings.Count(out, "web-up") == 2 && strings.Count(out, "db-up") == 1, fmt.Errorf("logs %q, %v", out, err)
	})
	if err != nil {
		t.Errorf("compose logs: want web-up twice and db-up once: %v", err)
	}
	if out := c.must("exec", "-T", "--index", "2", "web", "cat", "/etc/hostname"); len(strings.TrimSpace(out)) != 12 {
		t.Errorf("compose exec --index 2 web cat /etc/hostname: %q, want a 12-char hostname", out)
	}

	c.must("down", "-t", "1")
	for _, e := range engines {
		if got := onEngine(t, e, "ps", "-aq", "--filter", label); got != "" {
			t.Errorf("after down, %s (%s) still has containers %q", e.Name, e.Kind, got)
		}
		if got := onEngine(t, e, "network", "ls", "-q", "--filter", "name="+project); got != "" {
			t.Errorf("after down, %s (%s) still has networks %q", e.Name, e.Kind, got)
		}
	}
}

// mixedProject: one service pinned to a 20.10 node and one to an Engine 29
// node, on the default bridge (no network spans engines yet), each
// printing a line when it starts and then a tick a second.
const mixedProject = `services:
  old:
    image: busybox
    command: ["sh", "-c", "echo old-up; while true; do echo old-tick; sleep 1; done"]
    stop_grace_period: 1s
    network_mode: bridge
    environment:
      - "constraint:node==%[1]s"
  new:
    image: busybox
    command: ["sh", "-c", "echo new-up; while true; do echo new-tick; sleep 1; done"]
    stop_grace_period: 1s
    network_mode: bridge
    environment:
      - "constraint:node==%[2]s"
`

func TestMixedComposeV2(t *testing.T) { testMixedCompose(t, "v2", "e29mtwo") }

func TestMixedComposeV5(t *testing.T) { testMixedCompose(t, "v5", "e29mfive") }

// testMixedCompose: a compose project over both engine kinds through the
// mixed manager: up, --scale, logs -f, exec, down.
func testMixedCompose(t *testing.T, gen, project string) {
	c := &compose{t: t, bin: harness.Compose(t, gen), dir: t.TempDir(), project: project, host: mixed.Addr}
	oldNode, newNode := engines[0], engines[2]
	if err := os.WriteFile(filepath.Join(c.dir, "compose.yml"), []byte(fmt.Sprintf(mixedProject, oldNode.Name, newNode.Name)), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			_, _ = c.run("down", "-t", "1")
		}
	})
	label := "label=com.docker.compose.project=" + project
	c.must("up", "-d")
	c.must("up", "-d", "--scale", "new=2")
	nodes := map[string]int{}
	for _, n := range lines(docker(t, mixed.Addr, "ps", "--filter", label, "--format", "{{.Names}}")) {
		node, _, _ := strings.Cut(n, "/")
		nodes[node]++
	}
	if nodes[oldNode.Name] != 1 || nodes[newNode.Name] != 2 || len(nodes) != 2 {
		t.Fatalf("containers per node %v, want 1 on %s (20.10) and 2 on %s (Engine 29)", nodes, oldNode.Name, newNode.Name)
	}

	// logs -f follows all three containers across both kinds.
	ctx, cancel := withTimeout(time.Minute)
	defer cancel()
	follow := c.command(ctx, "logs", "-f", "--no-color")
	out, err := follow.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := follow.Start(); err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	sc := bufio.NewScanner(out)
	for sc.Scan() && (seen["old-tick"] < 2 || seen["new-tick"] < 4) {
		line := sc.Text()
		for _, w := range []string{"old-up", "new-up", "old-tick", "new-tick"} {
			if strings.HasSuffix(line, w) {
				seen[w]++
			}
		}
	}
	cancel()
	_ = follow.Wait()
	if seen["old-up"] != 1 || seen["new-up"] != 2 || seen["old-tick"] < 2 || seen["new-tick"] < 4 {
		t.Errorf("logs -f saw %v, want old-up once, new-up twice and ticks of both while following", seen)
	}

	if got := c.must("exec", "-T", "old", "echo", "on-20.10"); got != "on-20.10\n" {
		t.Errorf("compose exec old: %q", got)
	}
	if got := c.must("exec", "-T", "--index", "2", "new", "echo", "on-29"); got != "on-29\n" {
		t.Errorf("compose exec --index 2 new: %q", got)
	}
	c.must("down", "-t", "1")
	for _, e := range engines {
		if got := onEngine(t, e, "ps", "-aq", "--filter", label); got != "" {
			t.Errorf("after down, %s (%s) still has containers %q", e.Name, e.Kind, got)
		}
	}
}
