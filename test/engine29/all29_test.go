package engine29

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/swarm-project/swarm/test/harness"
)

// The all-29 scenarios: a manager over two Engine 29 engines only.

func TestAll29Version(t *testing.T) {
	got := docker(t, all29.Addr, "version", "--format", "{{.Server.APIVersion}} {{.Server.MinAPIVersion}}")
	if got != "1.56 1.24" {
		t.Errorf("docker version: server API %q, want \"1.56 1.24\"", got)
	}
}

// A manager over Engine 29 engines advertises 1.56 as soon as it reports
// them Healthy: a client that negotiates right then must not be held to
// 1.41. A fresh manager, since the shared ones have settled.
func TestAdvertisedVersionOnceHealthy(t *testing.T) {
	bin, err := harness.BuildSwarm()
	if err != nil {
		t.Fatal(err)
	}
	args := append(append([]string(nil), harness.FastRefresh...), harness.NodesURL(engines[2:]))
	m, err := harness.StartManager(bin, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Stop()
	err = harness.WaitFor(60*time.Second, func() (bool, error) {
		out, _, err := harness.Docker(m.Addr, "info")
		return err == nil && strings.Count(out, "Status: Healthy") == 2, err
	})
	if err != nil {
		t.Fatalf("the manager never saw two healthy engines: %v", err)
	}
	got := docker(t, m.Addr, "version", "--format", "{{.Server.APIVersion}} {{.Server.MinAPIVersion}}")
	if got != "1.56 1.24" {
		t0 := time.Now()
		settle := waitAdvertised(m.Addr, "1.56", 15*time.Second)
		t.Errorf("docker version right after docker info showed both Engine 29 engines Healthy: server API %q, want \"1.56 1.24\" (advertised 1.56 %v later, %v)", got, time.Since(t0).Round(time.Millisecond), settle)
	}
}

func TestAll29RunRm(t *testing.T) {
	if got := docker(t, all29.Addr, "run", "--rm", "busybox", "echo", "hi"); got != "hi" {
		t.Errorf("run --rm busybox echo hi: got %q", got)
	}
}

func TestAll29RunInteractive(t *testing.T) {
	term, err := harness.StartTerminal("docker", "-H", "tcp://"+all29.Addr, "run", "-it", "--rm", "busybox", "sh")
	if err != nil {
		t.Fatal(err)
	}
	defer term.Kill()
	time.Sleep(time.Second)
	if err := term.Type("echo sum=$((40+2))"); err != nil {
		t.Fatal(err)
	}
	if err := term.WaitOutput("sum=42", 30*time.Second); err != nil {
		t.Fatalf("run -it: %v; output %q", err, term.Output())
	}
	_ = term.Type("exit")
	if err := term.Wait(30 * time.Second); err != nil {
		t.Fatalf("run -it did not end cleanly: %v; output %q", err, term.Output())
	}
}

func TestAll29PipedStdin(t *testing.T) {
	out, stderr, err := harness.DockerStdin(all29.Addr, "hi\n", "run", "-i", "--rm", "busybox", "cat")
	if err != nil || out != "hi\n" {
		t.Fatalf("echo hi | docker run -i --rm busybox cat: out %q err %v stderr %q", out, err, stderr)
	}
}

func TestAll29ContainerLifecycle(t *testing.T) {
	a := all29.Addr
	name := "e29life"
	cleanup(t, a, name, name+"-logs", name+"-kill")
	docker(t, a, "run", "-d", "-i", "--name", name, "busybox", "cat")

	t.Run("attach", func(t *testing.T) {
		ctx, cancel := withTimeout(30 * time.Second)
		defer cancel()
		cmd := harness.DockerCmd(ctx, a, "attach", name)
		stdin, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { cancel(); _ = cmd.Wait() }()
		got := make(chan string, 1)
		go func() {
			l, _ := bufio.NewReader(stdout).ReadString('\n')
			got <- l
		}()
		// cat echoes what it reads; the attach may take a moment to connect.
		time.Sleep(time.Second)
		if _, err := io.WriteString(stdin, "attached-line\n"); err != nil {
			t.Fatal(err)
		}
		select {
		case l := <-got:
			if l != "attached-line\n" {
				t.Fatalf("attach read %q, want \"attached-line\\n\"", l)
			}
		case <-ctx.Done():
			t.Fatal("attach: nothing read back within 30s")
		}
	})

	t.Run("exec", func(t *testing.T) {
		if got := docker(t, a, "exec", name, "echo", "exec-ok"); got != "exec-ok" {
			t.Errorf("exec echo: %q", got)
		}
	})

	t.Run("exec-it", func(t *testing.T) {
		term, err := harness.StartTerminal("docker", "-H", "tcp://"+a, "exec", "-it", name, "sh")
		if err != nil {
			t.Fatal(err)
		}
		defer term.Kill()
		time.Sleep(time.Second)
		_ = term.Type("echo prod=$((6*7))")
		if err := term.WaitOutput("prod=42", 30*time.Second); err != nil {
			t.Fatalf("exec -it: %v; output %q", err, term.Output())
		}
		_ = term.Type("exit")
		if err := term.Wait(30 * time.Second); err != nil {
			t.Fatalf("exec -it did not end cleanly: %v; output %q", err, term.Output())
		}
	})

	t.Run("logs-f", func(t *testing.T) {
		docker(t, a, "run", "-d", "--name", name+"-logs", "busybox", "sh", "-c",
			"i=0; while true; do i=$((i+1)); echo line$i; sleep 1; done")
		ctx, cancel := withTimeout(30 * time.Second)
		defer cancel()
		cmd := harness.DockerCmd(ctx, a, "logs", "-f", name+"-logs")
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		r := bufio.NewReader(stdout)
		for _, want := range []string{"line1\n", "line2\n"} {
			l, err := r.ReadString('\n')
			if l != want {
				cancel()
				_ = cmd.Wait()
				t.Fatalf("logs -f read %q (%v), want %q", l, err, want)
			}
		}
		cancel()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("logs -f did not end after cancel")
		}
	})

	t.Run("cp", func(t *testing.T) {
		dir := t.TempDir()
		in := filepath.Join(dir, "in.txt")
		if err := os.WriteFile(in, []byte("copied in\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		docker(t, a, "cp", in, name+":/tmp/in.txt")
		if got := docker(t, a, "exec", name, "cat", "/tmp/in.txt"); got != "copied in" {
			t.Errorf("after cp in, the file holds %q", got)
		}
		docker(t, a, "exec", name, "sh", "-c", "echo copied out > /tmp/out.txt")
		docker(t, a, "cp", name+":/tmp/out.txt", filepath.Join(dir, "out.txt"))
		b, err := os.ReadFile(filepath.Join(dir, "out.txt"))
		if err != nil || string(b) != "copied out\n" {
			t.Errorf("cp out: %q, %v", b, err)
		}
	})

	t.Run("stats", func(t *testing.T) {
		got := docker(t, a, "stats", "--no-stream", "--format", "{{.Name}} {{.PIDs}}", name)
		if !strings.HasSuffix(got, name+" 1") {
			t.Errorf("stats --no-stream: %q, want %q with 1 PID", got, name)
		}
	})

	t.Run("top", func(t *testing.T) {
		got := lines(docker(t, a, "top", name))
		if len(got) != 2 || !strings.Contains(got[0], "PID") || !strings.HasSuffix(got[1], " cat") {
			t.Errorf("top: %q, want a header and the cat process", got)
		}
	})

	t.Run("stop", func(t *testing.T) {
		docker(t, a, "stop", "-t", "1", name)
		if got := docker(t, a, "inspect", "-f", "{{.State.Status}} {{.State.Running}}", name); got != "exited false" {
			t.Errorf("after stop: %q", got)
		}
	})

	t.Run("kill", func(t *testing.T) {
		docker(t, a, "run", "-d", "--name", name+"-kill", "busybox", "sleep", "600")
		docker(t, a, "kill", name+"-kill")
		if got := docker(t, a, "inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", name+"-kill"); got != "exited 137" {
			t.Errorf("after kill: %q, want \"exited 137\"", got)
		}
	})

	t.Run("rm", func(t *testing.T) {
		docker(t, a, "rm", "-f", name, name+"-logs", name+"-kill")
		if got := docker(t, a, "ps", "-aq", "--filter", "name="+name); got != "" {
			t.Errorf("after rm, ps -a still lists %q", got)
		}
		for _, e := range engines[2:] {
			if got := onEngine(t, e, "ps", "-aq", "--filter", "name="+name); got != "" {
				t.Errorf("after rm, %s still has %q", e.Name, got)
			}
		}
	})
}

func TestAll29Build(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM busybox\nRUN echo built > /b\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tag := "e29built:1"
	t.Cleanup(func() { _, _, _ = harness.Docker(all29.Addr, "rmi", "-f", tag) })
	docker(t, all29.Addr, "build", "-q", "-t", tag, dir)
	if got := docker(t, all29.Addr, "run", "--rm", tag, "cat", "/b"); got != "built" {
		t.Errorf("run of the built image: cat /b = %q, want built", got)
	}
}

func TestAll29Network(t *testing.T) {
	a := all29.Addr
	net := "e29net"
	t.Cleanup(func() { _, _, _ = harness.Docker(a, "network", "rm", net) })
	docker(t, a, "network", "create", net)
	ls := lines(docker(t, a, "network", "ls", "--filter", "name="+net, "--format", "{{.Name}} {{.Driver}}"))
	want := []string{engines[2].Name + "/" + net + " bridge", engines[3].Name + "/" + net + " bridge"}
	if strings.Join(ls, ",") != strings.Join(want, ",") && strings.Join(ls, ",") != want[1]+","+want[0] {
		t.Errorf("network ls: %q, want %q (one per node)", ls, want)
	}
	got := docker(t, a, "run", "--rm", "--network", net, "busybox", "sh", "-c", "ip -o -4 addr show eth0 | wc -l; echo onnet")
	if got != "1\nonnet" {
		t.Errorf("run on %s: %q", net, got)
	}
	docker(t, a, "network", "rm", net)
	if got := docker(t, a, "network", "ls", "-q", "--filter", "name="+net); got != "" {
		t.Errorf("after network rm, ls shows %q", got)
	}
	for _, e := range engines[2:] {
		if got := onEngine(t, e, "network", "ls", "-q", "--filter", "name="+net); got != "" {
			t.Errorf("after network rm, %s still has %q", e.Name, got)
		}
	}
}

func TestAll29Volume(t *testing.T) {
	a := all29.Addr
	vol := "e29vol"
	t.Cleanup(func() { _, _, _ = harness.Docker(a, "volume", "rm", "-f", vol) })
	docker(t, a, "volume", "create", vol)
	ls := lines(docker(t, a, "volume", "ls", "--filter", "name="+vol, "--format", "{{.Name}}"))
	if len(ls) != 2 {
		t.Errorf("volume ls: %q, want one per node", ls)
	}
	for _, l := range ls {
		if !strings.HasSuffix(l, "/"+vol) {
			t.Errorf("volume ls entry %q, want node/%s", l, vol)
		}
	}
	got := docker(t, a, "run", "--rm", "-v", vol+":/v", "busybox", "sh", "-c", "echo kept > /v/f && cat /v/f")
	if got != "kept" {
		t.Errorf("run with the volume: %q", got)
	}
	docker(t, a, "volume", "rm", vol)
	if got := docker(t, a, "volume", "ls", "-q", "--filter", "name="+vol); got != "" {
		t.Errorf("after volume rm, ls shows %q", got)
	}
	for _, e := range engines[2:] {
		if got := onEngine(t, e, "volume", "ls", "-q", "--filter", "name="+vol); got != "" {
			t.Errorf("after volume rm, %s still has %q", e.Name, got)
		}
	}
}
