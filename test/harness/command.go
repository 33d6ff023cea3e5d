package harness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// DefaultDockerTimeout bounds every Docker and DockerStdin call.
const DefaultDockerTimeout = 2 * time.Minute

// CommandError reports a command that failed to run or exited non-zero.
type CommandError struct {
	Args     []string // the command line
	ExitCode int      // -1 when the command did not exit by itself
	Stderr   string   // what it wrote on stderr (or its combined output)
	Err      error    // the underlying error from os/exec or the context
}

func (e *CommandError) Error() string {
	msg := fmt.Sprintf("%s: %v", strings.Join(e.Args, " "), e.Err)
	if s := strings.TrimSpace(e.Stderr); s != "" {
		msg += ":\n" + tail(s, 30)
	}
	return msg
}

func (e *CommandError) Unwrap() error { return e.Err }

// dockerCLI is the docker client: $SWARM_DOCKER_CLI or docker in PATH.
func dockerCLI() string {
	if c := os.Getenv("SWARM_DOCKER_CLI"); c != "" {
		return c
	}
	return "docker"
}

// hostFlag turns "127.0.0.1:2375" into "tcp://127.0.0.1:2375"; addresses
// that already have a scheme (tcp://, unix://) are kept.
func hostFlag(host string) string {
	if strings.Contains(host, "://") {
		return host
	}
	return "tcp://" + host
}

// Docker runs the real docker CLI against host (host:port, or a URL such as
// unix:///path) and returns its stdout and stderr. A non-zero exit is a
// *CommandError carrying the exit code and stderr.
func Docker(host string, args ...string) (stdout, stderr string, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), DefaultDockerTimeout)
	defer cancel()
	return DockerContext(ctx, host, "", args...)
}

// DockerTLS is Docker over verified TLS with the client certificate of
// certs; with nil certs it is Docker.
func DockerTLS(host string, certs *Certs, args ...string) (stdout, stderr string, err error) {
	if certs != nil {
		args = append(certs.DockerFlags(), args...)
	}
	return Docker(host, args...)
}

// DockerStdin is Docker with stdin fed from the given string.
func DockerStdin(host, stdin string, args ...string) (stdout, stderr string, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), DefaultDockerTimeout)
	defer cancel()
	return DockerContext(ctx, host, stdin, args...)
}

// DockerContext is Docker bounded by ctx, with stdin fed from stdin.
func DockerContext(ctx context.Context, host, stdin string, args ...string) (stdout, stderr string, err error) {
	if host == "" {
		return "", "", errors.New("harness: Docker: empty host")
	}
	full := append([]string{dockerCLI(), "-H", hostFlag(host)}, args...)
	return run(ctx, stdin, full...)
}

// run runs a command, killing it when ctx ends.
func run(ctx context.Context, stdin string, args ...string) (string, string, error) {
	return runCmd(ctx, "", stdin, args)
}

// runIn runs a command in directory dir.
func runIn(ctx context.Context, dir string, args ...string) (string, string, error) {
	return runCmd(ctx, dir, "", args)
}

func runCmd(ctx context.Context, dir, stdin string, args []string) (string, string, error) {
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Dir = dir
	var out, errb bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &errb
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	// A child that keeps our pipes open (it should not) cannot hang us.
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	if err != nil {
		code := -1
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.Exited() {
			code = ee.ExitCode()
		}
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%w)", err, ctx.Err())
		}
		return out.String(), errb.String(), &CommandError{Args: args, ExitCode: code, Stderr: errb.String(), Err: err}
	}
	return out.String(), errb.String(), nil
}

// DockerCmd returns the docker CLI command for host and args, not started:
// for long-running clients (logs -f, attach) that a test drives itself.
func DockerCmd(ctx context.Context, host string, args ...string) *exec.Cmd {
	full := append([]string{"-H", hostFlag(host)}, args...)
	cmd := exec.CommandContext(ctx, dockerCLI(), full...)
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// DockerEnv is Docker with extra environment variables for the CLI (e.g.
// DOCKER_API_VERSION=1.41 to make it speak an older API).
func DockerEnv(host string, env []string, args ...string) (stdout, stderr string, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), DefaultDockerTimeout)
	defer cancel()
	cmd := DockerCmd(ctx, host, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	if err != nil {
		code := -1
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		}
		err = &CommandError{Args: cmd.Args, ExitCode: code, Stderr: errb.String(), Err: err}
	}
	return out.String(), errb.String(), err
}

// ComposeBinary installs (once, through test/compose.sh) and returns the
// path of a docker compose generation: "v1", "v2" or "v5".
func ComposeBinary(gen string) (string, error) {
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	out, stderr, err := run(ctx, "", "bash", filepath.Join(root, "test", "compose.sh"), gen)
	if err != nil {
		return "", fmt.Errorf("test/compose.sh %s: %w\n%s", gen, err, stderr)
	}
	fields := strings.Fields(out)
	if len(fields) == 0 {
		return "", fmt.Errorf("test/compose.sh %s printed no path", gen)
	}
	return fields[len(fields)-1], nil
}

// Compose is ComposeBinary for a test: it fails the test on error.
func Compose(t testing.TB, gen string) string {
	t.Helper()
	bin, err := ComposeBinary(gen)
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// MustDocker runs the docker CLI against host and fails t on a non-zero
// exit, with the command's stderr; it returns stdout.
func MustDocker(t testing.TB, host string, args ...string) string {
	t.Helper()
	out, stderr, err := Docker(host, args...)
	if err != nil {
		t.Fatalf("docker -H %s %s: %v\n%s", host, strings.Join(args, " "), err, stderr)
	}
	return out
}

// DockerFails runs the docker CLI against host, fails t if it succeeds,
// and returns its stderr.
func DockerFails(t testing.TB, host string, args ...string) string {
	t.Helper()
	out, stderr, err := Docker(host, args...)
	if err == nil {
		t.Fatalf("docker -H %s %s succeeded, want an error; output:\n%s", host, strings.Join(args, " "), out)
	}
	return stderr
}
