package compattest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/swarm-project/swarm/test/harness"
)

var hex64 = regexp.MustCompile(`^[0-9a-f]{64}$`)

const swarmIDFormat = `{{index .Config.Labels "com.docker.swarm.id"}}`

// swarmIDOf reads a container's swarm ID label through the manager.
func swarmIDOf(t *testing.T, ref string) string {
	t.Helper()
	return strings.TrimSpace(docker(t, "inspect", "-f", swarmIDFormat, ref))
}

// TestSwarmID: every container created through the manager (docker run,
// docker create, compose) carries com.docker.swarm.id, 64 hex characters
// of its own, and every container reference takes it, whole, in its
// 12-character form or as a unique prefix.
func TestSwarmID(t *testing.T) {
	p := prefix(t)
	run, created, attached := p+"run", p+"created", p+"attached"
	image := p + "img:1"
	t.Cleanup(func() {
		_, _, _ = harness.Docker(manager.Addr, "rm", "-f", run, created, attached, p+"kept", p+"twin-1", p+"twin-2")
		_, _, _ = harness.Docker(manager.Addr, "rmi", image)
		_, _, _ = engines[0].Docker("rm", "-f", p+"direct")
	})

	runID := strings.TrimSpace(docker(t, "run", "-d", "--name", run, "--stop-timeout", "1", "busybox", "sh", "-c", "echo hello from run; exec sleep 600"))
	createdID := strings.TrimSpace(docker(t, "create", "--name", created, "busybox", "echo", "hello from create"))

	runSID, createdSID := swarmIDOf(t, run), swarmIDOf(t, created)
	for _, c := range []struct{ name, id, sid string }{{run, runID, runSID}, {created, createdID, createdSID}} {
		if !hex64.MatchString(c.sid) {
			t.Fatalf("%s: swarm ID %q, want 64 hexadecimal characters", c.name, c.sid)
		}
		if c.sid == c.id {
			t.Fatalf("%s: swarm ID equals the container ID %s", c.name, c.id)
		}
	}
	if runSID == createdSID {
		t.Fatalf("two containers with one swarm ID %s", runSID)
	}

	// inspect: the full swarm ID, its 12-character form and a prefix.
	for _, ref := range []string{runSID, runSID[:12], runSID[:7]} {
		if got := strings.TrimSpace(docker(t, "inspect", "-f", "{{.Id}}", ref)); got != runID {
			t.Fatalf("docker inspect %s = %q, want %s", ref, got, runID)
		}
	}
	// logs (the container may still be starting).
	err := harness.WaitFor(30*time.Second, func() (bool, error) {
		out, _, err := harness.Docker(manager.Addr, "logs", runSID[:12])
		return err == nil && out == "hello from run\n", nil
	})
	if err != nil {
		t.Fatalf("docker logs %s never showed the container's output: %v", runSID[:12], err)
	}
	// exec
	if out := docker(t, "exec", runSID, "echo", "hello from exec"); out != "hello from exec\n" {
		t.Fatalf("docker exec by swarm ID printed %q", out)
	}
	// stop and start, each answered with the reference as given.
	if out := docker(t, "stop", runSID[:12]); out != runSID[:12]+"\n" {
		t.Fatalf("docker stop printed %q", out)
	}
	if st := strings.TrimSpace(docker(t, "inspect", "-f", "{{.State.Running}}", runID)); st != "false" {
		t.Fatalf("after docker stop by swarm ID, running = %s", st)
	}
	if out := docker(t, "start", runSID[:9]); out != runSID[:9]+"\n" {
		t.Fatalf("docker start printed %q", out)
	}
	if st := strings.TrimSpace(docker(t, "inspect", "-f", "{{.State.Running}}", runID)); st != "true" {
		t.Fatalf("after docker start by swarm ID, running = %s", st)
	}
	// commit
	docker(t, "commit", runSID, image)
	if got := strings.TrimSpace(docker(t, "inspect", "-f", "{{.Config.Labels}}", image)); !strings.Contains(got, runSID) {
		t.Fatalf("committed image labels %s lack the container's swarm ID", got)
	}

	// attach, through docker start -a on the created container...
	if out := docker(t, "start", "-a", createdSID[:12]); out != "hello from create\n" {
		t.Fatalf("docker start -a by swarm ID printed %q", out)
	}
	// ...and docker attach on a running container that prints, then exits.
	docker(t, "run", "-d", "--name", attached, "busybox", "sh", "-c", "sleep 3; echo hello from attach")
	attachedSID := swarmIDOf(t, attached)
	if out := docker(t, "attach", "--no-stdin", attachedSID); out != "hello from attach\n" {
		t.Fatalf("docker attach by swarm ID printed %q", out)
	}

	// rm, with the reference echoed as given; then the swarm ID is gone.
	if out := docker(t, "rm", "-f", runSID[:12]); out != runSID[:12]+"\n" {
		t.Fatalf("docker rm printed %q", out)
	}
	if msg := dockerFails(t, "inspect", runSID); !strings.Contains(msg, "No such object: "+runSID) {
		t.Fatalf("inspect after rm: %q", msg)
	}

	// A create that carries a swarm ID keeps it (a container created again
	// from its old config).
	kept := strings.Repeat("5e", 32)
	docker(t, "create", "--name", p+"kept", "--label", "com.docker.swarm.id="+kept, "busybox")
	if got := swarmIDOf(t, p+"kept"); got != kept {
		t.Fatalf("swarm ID %q, want %s kept", got, kept)
	}

	// A prefix that two swarm IDs share is ambiguous, as with container IDs.
	docker(t, "create", "--name", p+"twin-1", "--label", "com.docker.swarm.id=abcdef1"+strings.Repeat("0", 57), "busybox")
	docker(t, "create", "--name", p+"twin-2", "--label", "com.docker.swarm.id=abcdef2"+strings.Repeat("0", 57), "busybox")
	if msg := dockerFails(t, "start", "abcdef"); msg != "Error response from daemon: multiple IDs found with provided prefix: abcdef\nError: failed to start containers: abcdef\n" {
		t.Fatalf("ambiguous swarm ID prefix: %q", msg)
	}
	if got := strings.TrimSpace(docker(t, "inspect", "-f", "{{.Name}}", "abcdef2")); got != "/"+p+"twin-2" {
		t.Fatalf("unique swarm ID prefix found %q", got)
	}

	// A container created on its engine, not through the manager, has none.
	onEngine(t, engines[0], "create", "--name", p+"direct", "busybox")
	err = harness.WaitFor(30*time.Second, func() (bool, error) {
		_, _, err := harness.Docker(manager.Addr, "inspect", p+"direct")
		return err == nil, nil
	})
	if err != nil {
		t.Fatalf("the manager never saw %s: %v", p+"direct", err)
	}
	if got := swarmIDOf(t, p+"direct"); got != "" {
		t.Fatalf("a container made on its engine has swarm ID %q", got)
	}
}

const swarmIDCompose = `services:
  app:
    image: busybox
    command: ["sleep", "600"]
    stop_grace_period: 1s
`

// TestSwarmIDCompose: compose creates through the same call, so its
// containers get a swarm ID too.
func TestSwarmIDCompose(t *testing.T) {
	bin := harness.Compose(t, "v2")
	project := "compatswarmid"
	dir := t.TempDir()
	file := filepath.Join(dir, "docker-compose.yml")
	if err := os.WriteFile(file, []byte(swarmIDCompose), 0o644); err != nil {
		t.Fatal(err)
	}
	compose := func(args ...string) error {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, append([]string{"-p", project, "-f", file}, args...)...)
		cmd.Env = append(os.Environ(), "DOCKER_HOST=tcp://"+manager.Addr)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Logf("compose %s:\n%s", strings.Join(args, " "), out)
		}
		return err
	}
	t.Cleanup(func() { _ = compose("down") })
	if err := compose("up", "-d"); err != nil {
		t.Fatal(err)
	}
	ids := strings.Fields(docker(t, "ps", "-q", "--no-trunc", "--filter", "label=com.docker.compose.project="+project))
	if len(ids) != 1 {
		t.Fatalf("compose project lists %q, want one container", ids)
	}
	sid := swarmIDOf(t, ids[0])
	if !hex64.MatchString(sid) || sid == ids[0] {
		t.Fatalf("compose container %s has swarm ID %q", ids[0], sid)
	}
	if got := strings.TrimSpace(docker(t, "inspect", "-f", "{{.Id}}", sid[:12])); got != ids[0] {
		t.Fatalf("inspect by the swarm ID found %q", got)
	}
}
