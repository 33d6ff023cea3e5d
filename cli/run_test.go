package cli

import (
	"bytes"
	"strings"
	"testing"
)

// TestRunMessages runs command lines whose flags are refused before any
// network use and checks the exit status and the whole of stderr.
func TestRunMessages(t *testing.T) {
	const disc = "etcd://127.0.0.1:1/swarm"
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "join no advertise", args: []string{"join", disc}, want: "missing mandatory --advertise flag"},
		{name: "join advertise without port", args: []string{"join", "--advertise", "127.0.0.1", disc}, want: "--advertise should be of the form ip:port or hostname:port"},
		{name: "join advertise port 0", args: []string{"join", "--advertise=127.0.0.1:0", disc}, want: "--advertise should be of the form ip:port or hostname:port"},
		{name: "join advertise port too big", args: []string{"join", "-advertise", "127.0.0.1:65536", disc}, want: "--advertise should be of the form ip:port or hostname:port"},
		{name: "join bad delay", args: []string{"join", "--advertise=127.0.0.1:2375", "--delay=asdf", disc}, want: `invalid --delay: time: invalid duration "asdf"`},
		{name: "join negative delay", args: []string{"join", "--advertise=127.0.0.1:2375", "--delay=-30s", disc}, want: "--delay should not be a negative number"},
		{name: "join bad heartbeat", args: []string{"join", "--advertise=127.0.0.1:2375", "--heartbeat=asdf", disc}, want: `invalid --heartbeat: time: invalid duration "asdf"`},
		{name: "join heartbeat under a second", args: []string{"join", "--advertise=127.0.0.1:2375", "-heartbeat", "500ms", disc}, want: "--heartbeat should be at least one second"},
		{name: "join bad ttl", args: []string{"join", "--advertise=127.0.0.1:2375", "--ttl=asdf", disc}, want: `invalid --ttl: time: invalid duration "asdf"`},
		{name: "join ttl below heartbeat", args: []string{"join", "--advertise=127.0.0.1:2375", "--heartbeat=2s", "--ttl=1s", disc}, want: "--ttl must be strictly superior to the heartbeat value"},
		{name: "list bad timeout", args: []string{"list", "--timeout", "asdf", disc}, want: `invalid --timeout: time: invalid duration "asdf"`},
		{name: "list zero timeout", args: []string{"list", "--timeout", "0s", disc}, want: "--timeout should be a positive number"},
		{name: "list negative timeout", args: []string{"list", "-timeout", "-1s", disc}, want: "--timeout should be a positive number"},
		{name: "manage min refresh zero", args: []string{"-l", "debug", "-experimental", "manage", "--engine-refresh-min-interval", "0s", disc}, want: "min refresh interval should be a positive number"},
		{name: "manage min refresh negative", args: []string{"manage", "-engine-refresh-min-interval=-10s", disc}, want: "min refresh interval should be a positive number"},
		{name: "manage max below min", args: []string{"manage", "-engine-refresh-max-interval", "20s", disc}, want: "max refresh interval cannot be less than min refresh interval"},
		{name: "manage failure retry zero", args: []string{"manage", "--engine-failure-retry", "0", disc}, want: "invalid failure retry count"},
		{name: "manage failure retry negative", args: []string{"manage", "-engine-failure-retry", "-1", disc}, want: "invalid failure retry count"},
		{name: "manage overcommit -2", args: []string{"manage", "--cluster-opt", "swarm.overcommit=-2", disc}, want: "swarm.overcommit should be larger than -1, -2.000000 is invalid"},
		{name: "manage overcommit -1", args: []string{"manage", "-cluster-opt", "swarm.overcommit=-1", disc}, want: "swarm.overcommit should be larger than -1, -1.000000 is invalid"},
		{name: "manage createretry negative", args: []string{"manage", "-cluster-opt", "swarm.createretry=-1", disc}, want: "swarm.createretry can not be negative, -1 is invalid"},
		{name: "manage overcommit checked before createretry", args: []string{"manage", "--cluster-opt", "swarm.createretry=-1", "--cluster-opt", "swarm.overcommit=-3", disc}, want: "swarm.overcommit should be larger than -1, -3.000000 is invalid"},
		{name: "manage heartbeat under a second", args: []string{"manage", "-heartbeat", "999ms", disc}, want: "--heartbeat should be at least one second"},
		{name: "manage bad refresh duration", args: []string{"manage", "-engine-refresh-min-interval", "x", disc}, want: `invalid argument "x" for "--engine-refresh-min-interval" flag: time: invalid duration "x"`},
		{name: "unknown single-dash flag", args: []string{"manage", "-nosuch", disc}, want: "unknown shorthand flag: 'n' in -nosuch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("SWARM_ADVERTISE", "")
			var stderr bytes.Buffer
			code := run(tt.args, &stderr)
			if code != 1 {
				t.Fatalf("swarm %s: exit %d, want 1; stderr:\n%s", strings.Join(tt.args, " "), code, stderr.String())
			}
			if got, want := stderr.String(), "swarm: "+tt.want+"\n"; got != want {
				t.Fatalf("swarm %s: stderr\n got %q\nwant %q", strings.Join(tt.args, " "), got, want)
			}
		})
	}
}
