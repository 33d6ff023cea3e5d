package cli

import (
	"strings"
	"testing"
)

func TestLongFlagArgs(t *testing.T) {
	tests := []struct {
		name string
		args string
		want string
	}{
		{name: "classic global flags", args: "-l debug -experimental manage nodes://a:1", want: "-l debug --experimental manage nodes://a:1"},
		{name: "global flag with value", args: "-log-level debug -debug manage", want: "--log-level debug --debug manage"},
		{name: "global flag with =value", args: "-log-level=debug -experimental=true manage", want: "--log-level=debug --experimental=true manage"},
		{name: "manage flags", args: "manage -cluster-opt swarm.createretry=1 -engine-refresh-max-interval 20s nodes://a:1", want: "manage --cluster-opt swarm.createretry=1 --engine-refresh-max-interval 20s nodes://a:1"},
		{name: "manage flags with =value", args: "manage -engine-refresh-min-interval=1s -strategy=binpack x", want: "manage --engine-refresh-min-interval=1s --strategy=binpack x"},
		{name: "global flag after the command", args: "manage -experimental -l debug x", want: "manage --experimental -l debug x"},
		{name: "short flags unchanged", args: "manage -H 127.0.0.1:1 -f health -c swarm x", want: "manage -H 127.0.0.1:1 -f health -c swarm x"},
		{name: "short flags with attached values unchanged", args: "manage -H=127.0.0.1:1 -Hunix:///s -fhealth -cswarm x", want: "manage -H=127.0.0.1:1 -Hunix:///s -fhealth -cswarm x"},
		{name: "a long flag wins over a shorthand with attached value", args: "manage -cors x", want: "manage --cors x"},
		{name: "hidden alias", args: "manage -addr 127.0.0.1:1 x", want: "manage --addr 127.0.0.1:1 x"},
		{name: "value of a short flag left alone", args: "manage -H -tls x", want: "manage -H -tls x"},
		{name: "value of a long flag left alone", args: "join --advertise -ttl x", want: "join --advertise -ttl x"},
		{name: "value of a single-dash long flag left alone", args: "join -advertise -ttl -ttl 9s x", want: "join --advertise -ttl --ttl 9s x"},
		{name: "boolean takes no value", args: "manage -tls -tlsverify x", want: "manage --tls --tlsverify x"},
		{name: "=value takes no next argument", args: "--log-level=debug manage -strategy spread", want: "--log-level=debug manage --strategy spread"},
		{name: "flag value naming a command", args: "-l join manage -strategy spread x", want: "-l join manage --strategy spread x"},
		{name: "long flag value naming a command", args: "-log-level join manage -strategy spread x", want: "--log-level join manage --strategy spread x"},
		{name: "shorthand group ending in a value flag", args: "-vl debug manage -tls", want: "-vl debug manage --tls"},
		{name: "flags after positional arguments", args: "manage nodes://a:1 -tls", want: "manage nodes://a:1 --tls"},
		{name: "everything after -- left alone", args: "manage -tls -- -experimental -cors", want: "manage --tls -- -experimental -cors"},
		{name: "double-dash flags unchanged", args: "--experimental manage --strategy binpack --cors", want: "--experimental manage --strategy binpack --cors"},
		{name: "flag of another command unchanged", args: "join -strategy spread x", want: "join -strategy spread x"},
		{name: "subcommand flag before the command unchanged", args: "-strategy spread manage", want: "-strategy spread manage"},
		{name: "unknown flag unchanged", args: "manage -nosuchflag x", want: "manage -nosuchflag x"},
		{name: "no command after a positional argument", args: "x manage -strategy spread", want: "x manage -strategy spread"},
		{name: "lone dash and empty name", args: "manage - -=x", want: "manage - -=x"},
		{name: "negative number value", args: "manage -engine-failure-retry -1 x", want: "manage --engine-failure-retry -1 x"},
		{name: "help and version", args: "-help -version -v -h", want: "--help --version -v -h"},
		{name: "help of a command", args: "join -help", want: "join --help"},
		{name: "join flags", args: "join -advertise=127.0.0.1:1 -heartbeat 1s -ttl=3s -delay 0s -discovery-opt kv.path=x x", want: "join --advertise=127.0.0.1:1 --heartbeat 1s --ttl=3s --delay 0s --discovery-opt kv.path=x x"},
		{name: "list flags", args: "list -timeout 5s x", want: "list --timeout 5s x"},
		{name: "create flags", args: "create -url http://x", want: "create --url http://x"},
		{name: "token-server flags", args: "token-server -addr 127.0.0.1:1 -data /tmp/db -sweep=1m", want: "token-server --addr 127.0.0.1:1 --data /tmp/db --sweep=1m"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := strings.Join(longFlagArgs(newRootCommand(), strings.Fields(tt.args)), " ")
			if got != tt.want {
				t.Fatalf("longFlagArgs(%s)\n got %s\nwant %s", tt.args, got, tt.want)
			}
		})
	}
}

func TestLongFlagArgsEmpty(t *testing.T) {
	if got := longFlagArgs(newRootCommand(), nil); len(got) != 0 {
		t.Fatalf("longFlagArgs(nil) = %q, want nothing", got)
	}
}
