package engine29

import (
	"bytes"
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

func composeBin(t *testing.T, gen string) string {
	t.Helper()
	root, err := harness.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := withTimeout(20 * time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "bash", filepath.Join(root, "test", "compose.sh"), gen).Output()
	if err != nil {
		t.Fatalf("test/compose.sh %s: %v", gen, err)
	}
	l := lines(string(out))
	return l[len(l)-1]
}

type compose struct {
	t                 *testing.T
	bin, dir, project string
}

// run runs compose against the all-29 manager; it returns stdout and
// stderr together.
func (c *compose) run(args ...string) (string, error) {
	ctx, cancel := withTimeout(3 * time.Minute)
	defer cancel()
	full := append([]string{"-p", c.project, "-f", filepath.Join(c.dir, "compose.yml")}, args...)
	cmd := exec.CommandContext(ctx, c.bin, full...)
	cmd.Dir = c.dir
	cmd.Env = append(os.Environ(), "DOCKER_HOST=tcp://"+all29.Addr, "DOCKER_BUILDKIT=0", "COMPOSE_DOCKER_CLI_BUILD=0")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = 5 * time.Second
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
	c := &compose{t: t, bin: composeBin(t, gen), dir: t.TempDir(), project: project}
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
