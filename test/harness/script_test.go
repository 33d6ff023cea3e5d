package harness

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestEnginesScriptArguments checks engines.sh's answers to bad input; none
// of these cases starts anything.
func TestEnginesScriptArguments(t *testing.T) {
	script, err := scriptPath("engines.sh")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		env        []string
		args       []string
		wantOut    string // exact stdout when the command must succeed
		wantStderr string // part of stderr when it must fail
	}{
		{name: "address of engine 7", args: []string{"addr", "7"}, wantOut: "127.0.0.1:23757\n"},
		{name: "address with another base", env: []string{"SWARM_ENGINE_PORT_BASE=30000"}, args: []string{"addr", "42"}, wantOut: "127.0.0.1:30042\n"},
		{name: "no command", args: nil, wantStderr: "Usage:"},
		{name: "unknown command", args: []string{"explode"}, wantStderr: "unknown command 'explode'"},
		{name: "engine 0", args: []string{"start", "0"}, wantStderr: "must be 1..99"},
		{name: "engine 100", args: []string{"stop", "100"}, wantStderr: "must be 1..99"},
		{name: "engine not a number", args: []string{"start", "x"}, wantStderr: "must be an integer"},
		{name: "missing engine number", args: []string{"kill"}, wantStderr: "must be an integer"},
		{name: "label without =", args: []string{"start", "5", "--label", "zone"}, wantStderr: "bad label 'zone'"},
		{name: "label without value", args: []string{"start", "5", "--label"}, wantStderr: "--label needs key=value"},
		{name: "unknown start flag", args: []string{"start", "5", "--bogus"}, wantStderr: "unknown argument '--bogus'"},
		{name: "unknown stop flag", args: []string{"stop", "5", "--force"}, wantStderr: "unknown argument '--force'"},
		{name: "bad port base", env: []string{"SWARM_ENGINE_PORT_BASE=70000"}, args: []string{"status"}, wantStderr: "not a usable port base"},
		{name: "TLS dir missing", env: []string{"SWARM_ENGINE_TLS_DIR=/nonexistent/tls"}, args: []string{"start", "5"}, wantStderr: "is not a directory"},
		{name: "TLS dir without certificates", env: []string{"SWARM_ENGINE_TLS_DIR=/"}, args: []string{"start", "5"}, wantStderr: "has no ca.pem"},
		{name: "unknown engine kind", args: []string{"start", "5", "--engine", "30"}, wantStderr: "engine kind must be 20.10 or 29, got '30'"},
		{name: "engine kind in one word", args: []string{"start", "5", "--engine=1.13"}, wantStderr: "got '1.13'"},
		{name: "engine without kind", args: []string{"start", "5", "--engine"}, wantStderr: "--engine needs 20.10 or 29"},
		{name: "unknown kind from the environment", env: []string{"SWARM_ENGINE_KIND=latest"}, args: []string{"start", "5"}, wantStderr: "got 'latest'"},
		{name: "kind of an engine never started", args: []string{"kind", "5"}, wantOut: ""},
		{name: "kind of a bad number", args: []string{"kind", "0"}, wantStderr: "must be 1..99"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := []string{"env", "SWARM_TEST_DIR=" + t.TempDir()}
			cmd = append(cmd, tt.env...)
			cmd = append(cmd, "bash", script)
			out, stderr, err := run(ctx, "", append(cmd, tt.args...)...)
			if tt.wantStderr == "" {
				if err != nil {
					t.Fatalf("engines.sh %q: %v", tt.args, err)
				}
				if out != tt.wantOut {
					t.Fatalf("engines.sh %q printed %q, want %q", tt.args, out, tt.wantOut)
				}
				return
			}
			var ce *CommandError
			if !errors.As(err, &ce) || ce.ExitCode <= 0 {
				t.Fatalf("engines.sh %q: error = %v, want a non-zero exit", tt.args, err)
			}
			if !strings.Contains(stderr, tt.wantStderr) {
				t.Fatalf("engines.sh %q stderr = %q, want it to say %q", tt.args, stderr, tt.wantStderr)
			}
		})
	}
}

func TestImageScriptArguments(t *testing.T) {
	script, err := scriptPath("image.sh")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		env        []string
		args       []string
		wantStderr string
	}{
		{name: "no command", wantStderr: "Usage:"},
		{name: "unknown command", args: []string{"explode"}, wantStderr: "unknown command 'explode'"},
		{name: "rootfs with an argument", args: []string{"rootfs", "x"}, wantStderr: "no arguments expected"},
		{name: "save without a file", args: []string{"save"}, wantStderr: "want FILE [ENGINE]"},
		{name: "load into a bad engine", args: []string{"load", "127.0.0.1:1", "nohost"}, wantStderr: "engine 'nohost' is not host:port"},
		{name: "version that is no tag", env: []string{"VERSION=-bad"}, args: []string{"rootfs"}, wantStderr: "cannot be an image tag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := append([]string{"env"}, tt.env...)
			cmd = append(cmd, "bash", script)
			_, stderr, err := run(ctx, "", append(cmd, tt.args...)...)
			var ce *CommandError
			if !errors.As(err, &ce) || ce.ExitCode <= 0 {
				t.Fatalf("image.sh %q: error = %v, want a non-zero exit", tt.args, err)
			}
			if !strings.Contains(stderr, tt.wantStderr) {
				t.Fatalf("image.sh %q stderr = %q, want it to say %q", tt.args, stderr, tt.wantStderr)
			}
		})
	}
}

func TestRegistryScriptArguments(t *testing.T) {
	script, err := scriptPath("registry.sh")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		env        []string
		args       []string
		wantStderr string
	}{
		{name: "no command", wantStderr: "Usage:"},
		{name: "unknown command", args: []string{"explode"}, wantStderr: "unknown command 'explode'"},
		{name: "bad port", env: []string{"SWARM_REGISTRY_PORT=0"}, args: []string{"status"}, wantStderr: "is not a port"},
		{name: "unknown stop flag", args: []string{"stop", "--force"}, wantStderr: "unknown argument '--force'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := []string{"env", "SWARM_TEST_DIR=" + t.TempDir()}
			cmd = append(cmd, tt.env...)
			cmd = append(cmd, "bash", script)
			_, stderr, err := run(ctx, "", append(cmd, tt.args...)...)
			var ce *CommandError
			if !errors.As(err, &ce) || ce.ExitCode <= 0 {
				t.Fatalf("registry.sh %q: error = %v, want a non-zero exit", tt.args, err)
			}
			if !strings.Contains(stderr, tt.wantStderr) {
				t.Fatalf("registry.sh %q stderr = %q, want it to say %q", tt.args, stderr, tt.wantStderr)
			}
		})
	}
}

// TestEngine29ScriptArguments checks engine29.sh without building anything.
func TestEngine29ScriptArguments(t *testing.T) {
	script, err := scriptPath("engine29.sh")
	if err != nil {
		t.Fatal(err)
	}
	empty := t.TempDir()
	tests := []struct {
		name       string
		args       []string
		wantOut    string // exact stdout when the command must succeed
		wantStderr string // part of stderr when it must fail
	}{
		{name: "version", args: []string{"version"}, wantOut: "29.0.0-beta.24\n"},
		{name: "no command", wantStderr: "Usage:"},
		{name: "unknown command", args: []string{"explode"}, wantStderr: "Usage:"},
		{name: "path before a build", args: []string{"path"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := []string{"env", "SWARM_ENGINE29_CACHE=" + empty + "/engine29", "bash", script}
			out, stderr, err := run(ctx, "", append(cmd, tt.args...)...)
			if tt.wantOut != "" {
				if err != nil || out != tt.wantOut {
					t.Fatalf("engine29.sh %q = %q, %v; want %q", tt.args, out, err, tt.wantOut)
				}
				return
			}
			var ce *CommandError
			if !errors.As(err, &ce) || ce.ExitCode <= 0 {
				t.Fatalf("engine29.sh %q: error = %v, want a non-zero exit", tt.args, err)
			}
			if !strings.Contains(stderr, tt.wantStderr) {
				t.Fatalf("engine29.sh %q stderr = %q, want it to say %q", tt.args, stderr, tt.wantStderr)
			}
		})
	}
}

// TestComposeScriptPath checks compose.sh path, which builds nothing.
func TestComposeScriptPath(t *testing.T) {
	script, err := scriptPath("compose.sh")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, gen := range []string{"v2", "v5"} {
		_, _, err := run(ctx, "", "env", "SWARM_COMPOSE_DIR="+dir, "bash", script, "path", gen)
		var ce *CommandError
		if !errors.As(err, &ce) || ce.ExitCode != 1 {
			t.Fatalf("compose.sh path %s with nothing built: error = %v, want exit 1", gen, err)
		}
	}
	_, stderr, err := run(ctx, "", "env", "SWARM_COMPOSE_DIR="+dir, "bash", script, "path", "v3")
	if err == nil || !strings.Contains(stderr, "usage: compose.sh path v2|v5") {
		t.Fatalf("compose.sh path v3: %v, stderr %q; want the usage", err, stderr)
	}
}
