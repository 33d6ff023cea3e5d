package compattest

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/swarm-project/swarm/test/harness"
)

// cliTimeout bounds one run of the swarm binary that must fail at once: a
// run that starts serving instead is killed and the test fails.
const cliTimeout = 30 * time.Second

// cliRunSwarm runs the swarm binary with args (and $SWARM_* unset) and
// returns its stderr and exit status.
func cliRunSwarm(t *testing.T, args ...string) (stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), cliTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, swarmBin, args...)
	cmd.Env = append(os.Environ(), "SWARM_DISCOVERY=", "SWARM_ADVERTISE=", "SWARM_HOST=")
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("swarm %s still ran after %s, want it to fail at once\nstderr:\n%s", strings.Join(args, " "), cliTimeout, errOut.String())
	}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatalf("swarm %s: %v", strings.Join(args, " "), err)
	}
	return errOut.String(), code
}

// cliFreeAddr returns a loopback address nothing listens on yet.
func cliFreeAddr(t *testing.T) string {
	t.Helper()
	port, err := harness.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return "127.0.0.1:" + strconv.Itoa(port)
}

// TestCLIValidationMessages runs the swarm binary with flags classic Swarm
// refused and checks the exit status 1 and the message, word for word, on
// the last line of stderr.
func TestCLIValidationMessages(t *testing.T) {
	engine := engines[0].Addr
	disc := "consul://127.0.0.1:8500/swarm" // never reached: the flags are checked first
	nodes := harness.NodesURL(engines)
	listen := cliFreeAddr(t)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "join without --advertise", args: []string{"join", disc}, want: "missing mandatory --advertise flag"},
		{name: "join --advertise without port", args: []string{"join", "--advertise", "127.0.0.1", disc}, want: "--advertise should be of the form ip:port or hostname:port"},
		{name: "join --advertise port 0", args: []string{"join", "--advertise=127.0.0.1:0", disc}, want: "--advertise should be of the form ip:port or hostname:port"},
		{name: "join -advertise port 65536", args: []string{"join", "-advertise", "node-1:65536", disc}, want: "--advertise should be of the form ip:port or hostname:port"},
		{name: "join --delay not a duration", args: []string{"join", "--heartbeat=1s", "--ttl=10s", "--delay=asdf", "--advertise=" + engine, disc}, want: `invalid --delay: time: invalid duration "asdf"`},
		{name: "join --delay negative", args: []string{"join", "--heartbeat=1s", "--ttl=10s", "--delay=-30s", "--advertise=" + engine, disc}, want: "--delay should not be a negative number"},
		{name: "join --heartbeat not a duration", args: []string{"join", "--heartbeat=asdf", "--ttl=10s", "--delay=1s", "--advertise=" + engine, disc}, want: `invalid --heartbeat: time: invalid duration "asdf"`},
		{name: "join --heartbeat negative", args: []string{"join", "--heartbeat=-10s", "--ttl=10s", "--delay=1s", "--advertise=" + engine, disc}, want: "--heartbeat should be at least one second"},
		{name: "join -heartbeat under a second", args: []string{"join", "-heartbeat", "500ms", "-advertise", engine, disc}, want: "--heartbeat should be at least one second"},
		{name: "join --ttl not a duration", args: []string{"join", "--heartbeat=1s", "--ttl=asdf", "--delay=1s", "--advertise=" + engine, disc}, want: `invalid --ttl: time: invalid duration "asdf"`},
		{name: "join --ttl negative", args: []string{"join", "--heartbeat=1s", "--ttl=-10s", "--delay=1s", "--advertise=" + engine, disc}, want: "--ttl must be strictly superior to the heartbeat value"},
		{name: "join --ttl below --heartbeat", args: []string{"join", "--heartbeat=2s", "--ttl=1s", "--delay=1s", "--advertise=" + engine, disc}, want: "--ttl must be strictly superior to the heartbeat value"},
		{name: "list --timeout zero", args: []string{"list", "--timeout", "0s", nodes}, want: "--timeout should be a positive number"},
		{name: "list -timeout negative", args: []string{"list", "-timeout", "-10s", nodes}, want: "--timeout should be a positive number"},
		{name: "list --timeout not a duration", args: []string{"list", "--timeout=asdf", nodes}, want: `invalid --timeout: time: invalid duration "asdf"`},
		{name: "manage min refresh zero", args: []string{"manage", "-H", listen, "--engine-refresh-min-interval", "0s", nodes}, want: "min refresh interval should be a positive number"},
		{name: "manage min refresh negative", args: []string{"manage", "-H", listen, "-engine-refresh-min-interval", "-10s", nodes}, want: "min refresh interval should be a positive number"},
		{name: "manage max refresh zero", args: []string{"manage", "-H", listen, "--engine-refresh-max-interval", "0s", nodes}, want: "max refresh interval cannot be less than min refresh interval"},
		{name: "manage max refresh below the default min", args: []string{"manage", "-H", listen, "-engine-refresh-max-interval", "20s", nodes}, want: "max refresh interval cannot be less than min refresh interval"},
		{name: "manage max below min", args: []string{"manage", "-H", listen, "--engine-refresh-min-interval=10s", "--engine-refresh-max-interval=5s", nodes}, want: "max refresh interval cannot be less than min refresh interval"},
		{name: "manage failure retry zero", args: []string{"manage", "-H", listen, "--engine-failure-retry", "0", nodes}, want: "invalid failure retry count"},
		{name: "manage failure retry negative", args: []string{"manage", "-H", listen, "-engine-failure-retry=-1", nodes}, want: "invalid failure retry count"},
		{name: "manage overcommit -2", args: []string{"manage", "-H", listen, "--cluster-opt", "swarm.overcommit=-2", nodes}, want: "swarm.overcommit should be larger than -1, -2.000000 is invalid"},
		{name: "manage overcommit -1", args: []string{"manage", "-H", listen, "-cluster-opt", "swarm.overcommit=-1", nodes}, want: "swarm.overcommit should be larger than -1, -1.000000 is invalid"},
		{name: "manage createretry negative", args: []string{"manage", "-H", listen, "--cluster-opt", "swarm.createretry=-1", nodes}, want: "swarm.createretry can not be negative, -1 is invalid"},
		{name: "manage -cluster-opt createretry negative", args: []string{"manage", "-H", listen, "-cluster-opt=swarm.createretry=-5", nodes}, want: "swarm.createretry can not be negative, -5 is invalid"},
		{name: "manage -heartbeat under a second", args: []string{"manage", "-H", listen, "-heartbeat", "500ms", nodes}, want: "--heartbeat should be at least one second"},
		{name: "classic global flags then a bad flag", args: []string{"-l", "debug", "-experimental", "manage", "-H", listen, "-engine-failure-retry", "0", nodes}, want: "invalid failure retry count"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stderr, code := cliRunSwarm(t, tt.args...)
			lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
			last := lines[len(lines)-1]
			if code != 1 || last != "swarm: "+tt.want {
				t.Fatalf("swarm %s: exit %d, last stderr line\n %q\nwant exit 1 and\n %q\nstderr:\n%s", strings.Join(tt.args, " "), code, last, "swarm: "+tt.want, stderr)
			}
		})
	}
}

// TestCLIClassicGlobalFlags starts a manager with classic Swarm's
// single-dash flags, `swarm -l debug -experimental manage -strategy
// binpack -filter health -filter port`, and checks with `docker info` that
// every flag took effect.
func TestCLIClassicGlobalFlags(t *testing.T) {
	addr := cliFreeAddr(t)
	m, err := harness.StartManagerCmd(swarmBin, addr, nil, "-l", "debug", "-experimental", "manage", "-H", addr,
		"-strategy", "binpack", "-filter", "health", "-filter", "port", harness.NodesURL(engines))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Stop()
	info := cliWaitNodes(t, m, len(engines))
	for _, want := range []string{"Strategy: binpack\n", "Filters: health, port\n"} {
		if !strings.Contains(info, want) {
			t.Errorf("docker -H %s info lacks %q:\n%s", addr, strings.TrimSpace(want), info)
		}
	}
	exp, stderr, err := m.Docker("info", "--format", "{{.ExperimentalBuild}}")
	if err != nil {
		t.Fatalf("docker info: %v\n%s", err, stderr)
	}
	if got := strings.TrimSpace(exp); got != "true" {
		t.Errorf("with -experimental, docker info ExperimentalBuild = %s, want true", got)
	}
	if got := strings.TrimSpace(docker(t, "info", "--format", "{{.ExperimentalBuild}}")); got != "false" {
		t.Errorf("the shared manager (no -experimental) reports ExperimentalBuild = %s, want false", got)
	}
	if log := m.Log(); !strings.Contains(log, "level=debug") {
		t.Errorf("with -l debug, the manager logged no debug line after serving docker info:\n%s", log)
	}
}

// TestCLIClusterOptSingleDash starts a manager with `-cluster-opt
// swarm.createretry=1 -engine-refresh-min-interval 10s
// -engine-refresh-max-interval 20s` and classic's other manage flags
// (-api-enable-cors, -engine-refresh-retry, -refresh-on-node-filter,
// -container-name-refresh-filter), and checks that it serves, with CORS.
func TestCLIClusterOptSingleDash(t *testing.T) {
	addr := cliFreeAddr(t)
	m, err := harness.StartManagerCmd(swarmBin, addr, nil, "manage", "-H", addr, "-cluster-opt", "swarm.createretry=1",
		"-engine-refresh-min-interval", "10s", "-engine-refresh-max-interval", "20s",
		"-api-enable-cors", "-engine-refresh-retry", "4", "-refresh-on-node-filter", "-container-name-refresh-filter", "web",
		harness.NodesURL(engines))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Stop()
	cliWaitNodes(t, m, len(engines))

	req, err := http.NewRequest(http.MethodGet, "http://"+addr+"/_ping", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Origin", "http://example.test")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "*" {
		t.Errorf("-api-enable-cors: Access-Control-Allow-Origin = %q, want *", got)
	}
}

// cliWaitNodes runs `docker info` against m until it shows n nodes, and
// returns its output.
func cliWaitNodes(t *testing.T, m *harness.Manager, n int) string {
	t.Helper()
	var out, stderr string
	var err error
	want := "Nodes: " + strconv.Itoa(n) + "\n"
	if werr := harness.WaitFor(30*time.Second, func() (bool, error) {
		out, stderr, err = m.Docker("info")
		return err == nil && strings.Contains(out, want), nil
	}); werr != nil {
		t.Fatalf("docker -H %s info never showed %q (%v): %s\n%s\nmanager log:\n%s", m.Addr, strings.TrimSpace(want), err, stderr, out, m.Log())
	}
	return out
}
