package harness

import (
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func TestTerminal(t *testing.T) {
	if _, err := exec.LookPath("script"); err != nil {
		t.Skip("script(1) not installed (util-linux)")
	}
	term, err := StartTerminal("sh", "-c", `test -t 0 && echo "on a tty"; read line; echo "got $line"`)
	if err != nil {
		t.Fatal(err)
	}
	defer term.Kill()
	if err := term.WaitOutput("on a tty", 10*time.Second); err != nil {
		t.Fatalf("%v; output %q", err, term.Output())
	}
	if err := term.Type("it's typed"); err != nil {
		t.Fatal(err)
	}
	if err := term.WaitOutput("got it's typed", 10*time.Second); err != nil {
		t.Fatalf("%v; output %q", err, term.Output())
	}
	if err := term.Wait(10 * time.Second); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	if strings.Contains(term.Output(), "\r") {
		t.Fatal("Output keeps carriage returns")
	}
}

func TestTerminalReportsExitWithoutOutput(t *testing.T) {
	if _, err := exec.LookPath("script"); err != nil {
		t.Skip("script(1) not installed (util-linux)")
	}
	term, err := StartTerminal("true")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := term.WaitOutput("never printed", 20*time.Second); err == nil {
		t.Fatal("WaitOutput succeeded")
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("WaitOutput took %v after the command had exited", d)
	}
}

func TestTerminalWaitTimesOut(t *testing.T) {
	if _, err := exec.LookPath("script"); err != nil {
		t.Skip("script(1) not installed (util-linux)")
	}
	term, err := StartTerminal("sleep", "30")
	if err != nil {
		t.Fatal(err)
	}
	if err := term.Wait(200 * time.Millisecond); !errors.Is(err, ErrTerminalRunning) {
		t.Fatalf("Wait = %v, want ErrTerminalRunning", err)
	}
}
