package manager_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/swarm-project/swarm/test/harness"
)

// TestGracefulShutdown is issue 9's acceptance: SIGTERM to a manager that
// serves a `docker attach` and a `docker logs -f` makes it exit 0 within
// its deadline, and both clients see their streams end.
func TestGracefulShutdown(t *testing.T) {
	bin, err := harness.BuildSwarm()
	if err != nil {
		t.Fatal(err)
	}
	m, err := harness.StartManager(bin, append(append([]string(nil), harness.FastRefresh...), harness.NodesURL(engines))...)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = m.Stop() }()
	err = harness.WaitFor(60*time.Second, func() (bool, error) {
		out, _, err := harness.Docker(m.Addr, "info")
		return err == nil && strings.Count(out, "Status: Healthy") == len(engines), nil
	})
	if err != nil {
		t.Fatalf("second manager never saw the engines: %v\n%s", err, m.Log())
	}
	t.Cleanup(func() {
		_, _, _ = harness.Docker(manager.Addr, "rm", "-f", "shutdown-logs", "shutdown-attach", "shutdown-slow")
	})
	onM := func(args ...string) {
		t.Helper()
		if out, stderr, err := harness.Docker(m.Addr, args...); err != nil {
			t.Fatalf("docker %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr)
		}
	}
	onM("run", "-d", "--name", "shutdown-logs", "busybox", "sh", "-c", "while true; do echo tick; sleep 0.2; done")
	onM("run", "-d", "-i", "--name", "shutdown-attach", "busybox", "cat")
	// sleep as PID 1 ignores SIGTERM: a stop takes its whole timeout.
	onM("run", "-d", "--name", "shutdown-slow", "busybox", "sleep", "600")

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	logs := harness.DockerCmd(ctx, m.Addr, "logs", "-f", "shutdown-logs")
	logsOut, err := logs.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := logs.Start(); err != nil {
		t.Fatal(err)
	}
	logLines := lines(logsOut)
	waitLine(t, logLines, "tick", "docker logs -f")

	attach := harness.DockerCmd(ctx, m.Addr, "attach", "shutdown-attach")
	attachIn, err := attach.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	attachOut, err := attach.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := attach.Start(); err != nil {
		t.Fatal(err)
	}
	attachLines := lines(attachOut)
	// The attach is live once what we type comes back.
	deadline := time.Now().Add(20 * time.Second)
	for echoed := false; !echoed; {
		if time.Now().After(deadline) {
			t.Fatal("docker attach never echoed its input")
		}
		if _, err := io.WriteString(attachIn, "hello-attach\n"); err != nil {
			t.Fatal(err)
		}
		select {
		case l, ok := <-attachLines:
			echoed = ok && l == "hello-attach"
		case <-time.After(time.Second):
		}
	}

	// A request in flight when the signal comes is finished, not cut.
	stopDone := make(chan error, 1)
	go func() {
		_, stderr, err := harness.DockerContext(ctx, m.Addr, "", "stop", "-t", "4", "shutdown-slow")
		if err != nil {
			err = errors.New(err.Error() + ": " + stderr)
		}
		stopDone <- err
	}()
	time.Sleep(1500 * time.Millisecond)

	start := time.Now()
	if err := m.Terminate(15 * time.Second); err != nil {
		t.Fatalf("manager after SIGTERM: %v (want exit status 0)\n%s", err, m.Log())
	}
	took := time.Since(start)
	t.Logf("manager exited 0 after %v", took)
	if took > 10*time.Second+2*time.Second {
		t.Errorf("manager took %v to exit; its deadline is 10s", took)
	}
	for name, cmd := range map[string]interface{ Wait() error }{"docker logs -f": logs, "docker attach": attach} {
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			t.Logf("%s ended: %v", name, err)
		case <-time.After(10 * time.Second):
			t.Errorf("%s still runs 10s after the manager exited", name)
		}
	}
	_ = attachIn.Close()
	if err := <-stopDone; err != nil {
		t.Errorf("docker stop in flight during the shutdown failed: %v", err)
	}
	if took < 2*time.Second {
		t.Errorf("manager exited after %v, before the 4s stop in flight could finish", took)
	}
	if !strings.Contains(m.Log(), "manager stopped") {
		t.Errorf("manager log lacks its shutdown line:\n%s", m.Log())
	}
}

// lines sends every line read from r, closing the channel at the end.
func lines(r io.Reader) <-chan string {
	ch := make(chan string, 1024)
	go func() {
		defer close(ch)
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			select {
			case ch <- sc.Text():
			default: // nobody reads any more: drop
			}
		}
	}()
	return ch
}

// waitLine waits up to 20s for want among ch's lines.
func waitLine(t *testing.T, ch <-chan string, want, what string) {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case l, ok := <-ch:
			if !ok {
				t.Fatalf("%s ended before printing %q", what, want)
			}
			if l == want {
				return
			}
		case <-timeout:
			t.Fatal(errors.New(what + " printed nothing in 20s"))
		}
	}
}
