package harness

import (
	"errors"
	"os"
	"strings"
	"testing"
)

func TestHostFlag(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{name: "host and port", in: "127.0.0.1:23751", want: "tcp://127.0.0.1:23751"},
		{name: "tcp url kept", in: "tcp://127.0.0.1:1", want: "tcp://127.0.0.1:1"},
		{name: "unix url kept", in: "unix:///tmp/d.sock", want: "unix:///tmp/d.sock"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := hostFlag(tt.in); got != tt.want {
				t.Fatalf("hostFlag(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestDockerRunsTheCLI(t *testing.T) {
	t.Setenv("SWARM_DOCKER_CLI", os.Args[0])
	t.Setenv(fakeEnv, "docker")
	tests := []struct {
		name       string
		stdin      string
		exit       string
		args       []string
		wantOut    string
		wantStderr string
		wantCode   int // -2: no error wanted
	}{
		{name: "args after -H", args: []string{"ps", "-a"}, wantOut: "[-H tcp://127.0.0.1:1 ps -a]", wantCode: -2},
		{name: "stdin is fed", stdin: "hello input", args: []string{"load"}, wantOut: "[-H tcp://127.0.0.1:1 load]", wantStderr: "hello input", wantCode: -2},
		{name: "non-zero exit is a CommandError", exit: "7", stdin: "no such container", args: []string{"rm", "x"}, wantStderr: "no such container", wantCode: 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("FAKE_EXIT", tt.exit)
			out, stderr, err := DockerStdin("127.0.0.1:1", tt.stdin, tt.args...)
			if tt.wantCode == -2 {
				if err != nil {
					t.Fatalf("DockerStdin: %v", err)
				}
				if strings.TrimSpace(out) != tt.wantOut {
					t.Fatalf("stdout = %q, want %q", out, tt.wantOut)
				}
			} else {
				var ce *CommandError
				if !errors.As(err, &ce) {
					t.Fatalf("error = %v (%T), want *CommandError", err, err)
				}
				if ce.ExitCode != tt.wantCode {
					t.Fatalf("exit code = %d, want %d", ce.ExitCode, tt.wantCode)
				}
				if !strings.Contains(ce.Stderr, tt.wantStderr) {
					t.Fatalf("CommandError.Stderr = %q, want it to hold %q", ce.Stderr, tt.wantStderr)
				}
			}
			if stderr != tt.wantStderr {
				t.Fatalf("stderr = %q, want %q", stderr, tt.wantStderr)
			}
		})
	}
}

func TestDockerEmptyHost(t *testing.T) {
	if _, _, err := Docker("", "ps"); err == nil {
		t.Fatal("Docker with an empty host did not fail")
	}
}

func TestTail(t *testing.T) {
	tests := []struct {
		name string
		in   string
		n    int
		want string
	}{
		{name: "short", in: "a\nb\n", n: 5, want: "a\nb"},
		{name: "cut", in: "a\nb\nc\nd\n", n: 2, want: "c\nd"},
		{name: "empty", in: "", n: 3, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tail(tt.in, tt.n); got != tt.want {
				t.Fatalf("tail(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
			}
		})
	}
}
