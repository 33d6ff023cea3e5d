package apitest

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/swarm-project/swarm/test/harness"
)

// composeFile is the project both compose generations bring up: three web
// replicas publishing the same port (so one per node; on the default
// bridge, where each test engine publishes on its own loopback address,
// while its user networks would all publish on 0.0.0.0), a db pinned by an
// environment constraint with a named volume, and a tool service built
// from a Dockerfile (a build argument pins the build next to db) that
// shares db's volumes (so it must run on db's node).
const composeFile = `version: "2.4"
services:
  web:
    image: busybox
    command: ["httpd", "-f", "-p", "8080", "-h", "/"]
    ports: ["8080:8080"]
    scale: 3
    stop_grace_period: 1s
    depends_on: [db]
    network_mode: bridge
  db:
    image: busybox
    command: ["sh", "-c", "echo db-up; echo db-up > /data/state; exec sleep 3600"]
    stop_grace_period: 1s
    environment:
      - "constraint:node==%[1]s"
    volumes: ["dbdata:/data"]
    networks: [back]
  tool:
    build:
      context: ./tool
      args:
        - "constraint:node==%[1]s"
    image: %[2]s-tool:1
    command: ["sleep", "3600"]
    stop_grace_period: 1s
    volumes_from: [db]
    depends_on: [db]
    networks: [back]
networks:
  back: {}
volumes:
  dbdata: {}
`

type composeRun struct {
	t       *testing.T
	bin     string
	dir     string
	project string
}

func (c *composeRun) run(args ...string) string {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	full := append([]string{"-p", c.project, "-f", filepath.Join(c.dir, "docker-compose.yml")}, args...)
	out, err := runCmd(ctx, []string{"DOCKER_HOST=tcp://" + manager.Addr, "DOCKER_BUILDKIT=0", "COMPOSE_DOCKER_CLI_BUILD=0"}, c.dir, c.bin, full...)
	if err != nil {
		c.t.Fatalf("%s %s: %v\n%s", filepath.Base(c.bin), strings.Join(args, " "), err, out)
	}
	return out
}

// serviceNodes maps each container of a service to its node, through the
// manager's list ("/node/name" names).
func serviceNodes(t *testing.T, project, service string) []string {
	t.Helper()
	out := docker(t, "ps", "-a", "--filter", "label=com.docker.compose.project="+project,
		"--filter", "label=com.docker.compose.service="+service, "--format", "{{.Names}}")
	var nodes []string
	for _, n := range lines(out) {
		node, _, _ := strings.Cut(strings.TrimPrefix(n, "/"), "/")
		nodes = append(nodes, node)
	}
	sort.Strings(nodes)
	return nodes
}

func TestComposeV1(t *testing.T) { testCompose(t, "v1", "swtone") }

func TestComposeV2(t *testing.T) { testCompose(t, "v2", "swttwo") }

func testCompose(t *testing.T, gen, project string) {
	bin := harness.Compose(t, gen)
	db := engines[0].Name
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "docker-compose.yml"), []byte(fmt.Sprintf(composeFile, db, project)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "tool"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "tool", "Dockerfile"), []byte("FROM busybox\nRUN echo tool > /tool\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := &composeRun{t: t, bin: bin, dir: dir, project: project}
	t.Cleanup(func() {
		_, _, _ = harnessDocker("rmi", project+"-tool:1")
		if !t.Failed() {
			return
		}
		// Leave nothing behind for the next tests, even on failure.
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		_, _ = runCmd(ctx, []string{"DOCKER_HOST=tcp://" + manager.Addr}, dir, bin, "-p", project, "-f", filepath.Join(dir, "docker-compose.yml"), "down", "-v")
	})

	c.run("up", "-d")

	// web: one replica per node, each publishing 8080 on its own node.
	if got := serviceNodes(t, project, "web"); !sameSet(got, allNames()) {
		t.Errorf("web replicas on %v, want one on each of %v", got, allNames())
	}
	for _, e := range engines {
		ports := onEngine(t, e, "ps", "--filter", "label=com.docker.compose.service=web",
			"--filter", "label=com.docker.compose.project="+project, "--format", "{{.Ports}}")
		if l := lines(ports); len(l) != 1 || !strings.Contains(l[0], e.PublishIP+":8080->8080/tcp") {
			t.Errorf("%s: web ports %q, want one replica on %s:8080", e.Name, l, e.PublishIP)
		}
		if err := httpAnswers("http://" + e.PublishIP + ":8080/"); err != nil {
			t.Errorf("web replica on %s: %v", e.Name, err)
		}
	}
	// db is pinned; tool shares db's volumes, so it runs beside it.
	if got := serviceNodes(t, project, "db"); !sameSet(got, []string{db}) {
		t.Errorf("db on %v, want %s", got, db)
	}
	if got := serviceNodes(t, project, "tool"); !sameSet(got, []string{db}) {
		t.Errorf("tool on %v, want %s (next to db)", got, db)
	}
	// The project's networks and volume were made on every node.
	for _, e := range engines {
		for _, n := range []string{project + "_back"} {
			if !engineHas(e, "network", n) {
				t.Errorf("network %s missing on %s", n, e.Name)
			}
		}
		if !engineHas(e, "volume", project+"_dbdata") {
			t.Errorf("volume %s_dbdata missing on %s", project, e.Name)
		}
	}

	ps := c.run("ps")
	for _, s := range []string{"web", "db", "tool"} {
		if !strings.Contains(ps, s) {
			t.Errorf("compose ps lacks %s:\n%s", s, ps)
		}
	}
	err := harness.WaitFor(30*time.Second, func() (bool, error) {
		return strings.Contains(c.run("logs", "db"), "db-up"), nil
	})
	if err != nil {
		t.Errorf("compose logs db never showed db-up")
	}

	c.run("up", "-d", "--scale", "web=2")
	if got := serviceNodes(t, project, "web"); len(got) != 2 || got[0] == got[1] {
		t.Errorf("after scale web=2: web on %v, want two different nodes", got)
	}

	c.run("down", "-v")
	label := "label=com.docker.compose.project=" + project
	for _, e := range engines {
		if got := lines(onEngine(t, e, "ps", "-aq", "--filter", label)); len(got) != 0 {
			t.Errorf("after down, %s still has containers %q", e.Name, got)
		}
		if got := lines(onEngine(t, e, "network", "ls", "-q", "--filter", label)); len(got) != 0 {
			t.Errorf("after down, %s still has networks %q", e.Name, got)
		}
		if got := lines(onEngine(t, e, "volume", "ls", "-q", "--filter", label)); len(got) != 0 {
			t.Errorf("after down, %s still has volumes %q", e.Name, got)
		}
	}
}

// httpAnswers waits until url answers any HTTP response.
func httpAnswers(url string) error {
	client := &http.Client{Timeout: 3 * time.Second}
	return harness.WaitFor(30*time.Second, func() (bool, error) {
		resp, err := client.Get(url)
		if err != nil {
			return false, err
		}
		resp.Body.Close()
		return true, nil
	})
}
