package tls_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/swarm-project/swarm/api"
	"github.com/swarm-project/swarm/test/harness"
)

// swarmCmd runs the swarm binary and returns its stdout; it fails the
// test on error.
func swarmCmd(t *testing.T, args ...string) string {
	t.Helper()
	out, stderr, err := runSwarm(args...)
	if err != nil {
		t.Fatalf("swarm %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	return strings.TrimSpace(out)
}

// TestDockerMachineArguments provisions the cluster the way docker-machine
// does (libmachine/provision/configure_swarm.go): on every engine a
// swarm-agent container, on the master's engine a swarm-agent-master
// container, both from the swarm image with --net=host and restart policy
// always, the master with the engine's certificate directory mounted at
// the same path, and these exact command lines:
//
//	[--experimental] join --advertise <ip>:2376 <discovery>
//	manage --tlsverify --tlscacert=<ca> --tlscert=<server cert> --tlskey=<server key>
//	    -H tcp://0.0.0.0:3376 --strategy spread [--replication] --advertise <ip>:3376
//	    [--<swarm-opt>...] <discovery>
//
// on loopback: 127.0.0.1 for <ip>, the test engines' ports for 2376 and a
// free port for 3376 (the listen address is the only change;
// tcp://0.0.0.0:3376 itself is checked by
// TestDockerMachineListenAddressParses). The engines require TLS, as
// docker-machine's do, and the manager's one certificate serves both its
// listener and its connections to the engines.
func TestDockerMachineArguments(t *testing.T) {
	if _, err := harness.LoadSwarmImage(engines...); err != nil {
		t.Fatalf("building the swarm image: %v", err)
	}
	tokens, err := harness.StartTokenServer(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer tokens.Stop()
	token := swarmCmd(t, "create", "--url", tokens.URL())
	// A self-hosted token service is named in the discovery URL, so the
	// one --swarm-discovery string works for every container.
	disc := "token://" + tokens.Addr + "/" + token

	// container starts a docker-machine style container on e and removes
	// it when the test ends.
	container := func(e *harness.Engine, name string, extra []string, cmd ...string) {
		t.Helper()
		args := append([]string{"run", "-d", "--name", name, "--net=host", "--restart=always"}, extra...)
		args = append(append(args, "swarm"), cmd...)
		if _, stderr, err := e.Docker(args...); err != nil {
			t.Fatalf("%v: docker %s: %v\n%s", e, strings.Join(args, " "), err, stderr)
		}
		t.Cleanup(func() {
			if t.Failed() {
				logs, stderr, _ := e.Docker("logs", name)
				t.Logf("%s on %v (swarm %s):\n%s%s", name, e, strings.Join(cmd, " "), logs, stderr)
			}
			_, _, _ = e.Docker("rm", "-f", name)
		})
	}

	for i, e := range engines {
		cmd := []string{"join", "--advertise", e.Addr, disc}
		if i == 1 {
			cmd = append([]string{"--experimental"}, cmd...) // --swarm-experimental
		}
		container(e, "swarm-agent", nil, cmd...)
	}
	want := strings.Split(addrs(engines), ",")
	slices.Sort(want)
	var listed []string
	err = harness.WaitFor(30*time.Second, func() (bool, error) {
		out, _, err := runSwarm("list", disc)
		listed = strings.Fields(out)
		slices.Sort(listed)
		return err == nil && slices.Equal(listed, want), err
	})
	if err != nil {
		t.Fatalf("the joined TLS engines are not listed: got %q, want %q: %v", listed, want, err)
	}

	port, err := harness.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	master := []string{"manage",
		"--tlsverify",
		"--tlscacert=" + certs.Path(harness.CAFile),
		"--tlscert=" + certs.Path(harness.SwarmCertFile),
		"--tlskey=" + certs.Path(harness.SwarmKeyFile),
		"-H", "tcp://" + addr,
		"--strategy", "spread",
		"--advertise", addr,
		"--heartbeat=5s", // --swarm-opt heartbeat=5s
		disc,
	}
	master0 := engines[0]
	container(master0, "swarm-agent-master", []string{"-v", certs.Dir + ":" + certs.Dir + ":ro", "--expose", "3376"}, master...)
	if err := waitHealthy(addr, len(engines)); err != nil {
		logs, stderr, _ := master0.Docker("logs", "swarm-agent-master")
		t.Fatalf("%v\nmanager log:\n%s%s", err, logs, stderr)
	}

	// (--replication, which docker-machine adds only on request, needs a
	// consul, etcd or zk discovery: test/ha covers it.)

	// What `eval $(docker-machine env --swarm <master>)` sets up.
	cli := exec.Command("docker", "info", "--format", "{{json .SystemStatus}}")
	cli.Env = append(os.Environ(), "DOCKER_HOST=tcp://"+addr, "DOCKER_TLS_VERIFY=1", "DOCKER_CERT_PATH="+certs.Dir)
	out, err := cli.Output()
	if err != nil {
		t.Fatalf("docker info with DOCKER_HOST, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH: %v", err)
	}
	for _, want := range []string{`["Role","primary"]`, `["Strategy","spread"]`, `["Nodes","2"]`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("docker info SystemStatus lacks %s: %s", want, out)
		}
	}
	// The swarm containers are on the cluster too, and placement still
	// works around them.
	if got := docker(t, addr, "run", "--rm", "busybox", "echo", "machine"); got != "machine" {
		t.Errorf("docker run through the docker-machine style manager printed %q", got)
	}
	ps := docker(t, addr, "ps", "--format", "{{.Names}}")
	for _, want := range []string{engines[0].Name + "/swarm-agent-master", engines[0].Name + "/swarm-agent", engines[1].Name + "/swarm-agent"} {
		if !slices.Contains(strings.Fields(ps), want) {
			t.Errorf("docker ps through the manager lacks %s:\n%s", want, ps)
		}
	}
}

// runSwarm runs the swarm binary and returns its stdout and error.
func runSwarm(args ...string) (string, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return out.String(), errb.String(), err
}

// hasLogLine reports whether one line of log contains every part.
func hasLogLine(log string, parts ...string) bool {
	for _, line := range strings.Split(log, "\n") {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(line, p)
		}
		if all {
			return true
		}
	}
	return false
}

// TestDockerMachineListenAddressParses checks the listen addresses
// docker-machine and the classic image use, without listening on them.
func TestDockerMachineListenAddressParses(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		wantProto string
		wantAddr  string
	}{
		{name: "docker-machine master", in: "tcp://0.0.0.0:3376", wantProto: "tcp", wantAddr: "0.0.0.0:3376"},
		{name: "image default SWARM_HOST", in: ":2375", wantProto: "tcp", wantAddr: ":2375"},
		{name: "classic docs", in: "0.0.0.0:4000", wantProto: "tcp", wantAddr: "0.0.0.0:4000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			proto, addr, err := api.ParseHost(tt.in)
			if err != nil || proto != tt.wantProto || addr != tt.wantAddr {
				t.Fatalf("ParseHost(%q) = %q, %q, %v; want %q, %q", tt.in, proto, addr, err, tt.wantProto, tt.wantAddr)
			}
		})
	}
}
