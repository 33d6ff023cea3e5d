package compattest

import (
	"strings"
	"testing"
)

// TestWhitelistRun: `-e whitelist:node==a|b` lands only on a or b, over
// more runs than the spread strategy needs to reach the third node; the
// pseudo variable is not passed to the container but kept in the
// com.docker.swarm.whitelists label.
func TestWhitelistRun(t *testing.T) {
	p := prefix(t)
	a, b, c := engines[0].Name, engines[1].Name, engines[2].Name
	defer docker(t, "rm", "-f", p+"0", p+"1", p+"2", p+"3", p+"4", p+"5")
	seen := map[string]int{}
	for i := 0; i < 6; i++ {
		name := p + string(rune('0'+i))
		docker(t, "run", "-d", "--name", name, "-e", "whitelist:node=="+a+"|"+b, "-e", "KEEP=1", "busybox", "sleep", "300")
		seen[nodeOf(t, name)]++
	}
	if seen[c] != 0 || seen[a]+seen[b] != 6 {
		t.Fatalf("containers on %v, want all of them on %s or %s", seen, a, b)
	}
	if seen[a] == 0 || seen[b] == 0 {
		t.Errorf("containers on %v: spread should use both %s and %s", seen, a, b)
	}
	env := strings.TrimSpace(docker(t, "inspect", "-f", "{{json .Config.Env}}", p+"0"))
	if strings.Contains(env, "whitelist:") || !strings.Contains(env, `"KEEP=1"`) {
		t.Errorf("container env %s: want KEEP=1 and no whitelist: entry", env)
	}
	label := strings.TrimSpace(docker(t, "inspect", "-f", `{{index .Config.Labels "com.docker.swarm.whitelists"}}`, p+"0"))
	if want := `["node==` + a + `|` + b + `"]`; label != want {
		t.Errorf("com.docker.swarm.whitelists = %s, want %s", label, want)
	}
}

// TestWhitelistForms: the label form, any key, several lists, and the
// errors.
func TestWhitelistForms(t *testing.T) {
	p := prefix(t)
	a, b, c := engines[0].Name, engines[1].Name, engines[2].Name
	defer docker(t, "rm", "-f", p+"label", p+"foo", p+"both", p+"name")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "label", args: []string{"--label", `com.docker.swarm.whitelists=["node==` + c + `"]`}, want: c},
		{name: "foo", args: []string{"-e", "whitelist:foo==" + b}, want: b},
		{name: "name", args: []string{"-e", "whitelist:name==" + a}, want: a},
		{name: "both", args: []string{"-e", "whitelist:node==" + a + "|" + b, "--label", `com.docker.swarm.whitelists=["node==` + b + `|` + c + `"]`}, want: b},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"run", "-d", "--name", p + tt.name}, tt.args...)
			docker(t, append(args, "busybox", "sleep", "300")...)
			if got := nodeOf(t, p+tt.name); got != tt.want {
				t.Errorf("on %s, want %s", got, tt.want)
			}
		})
	}

	errs := []struct {
		name string
		args []string
		want string
	}{
		{
			name: "no listed node",
			args: []string{"-e", "whitelist:node==" + strings.ToUpper(a) + "|nosuch"},
			want: "docker: Error response from daemon: Unable to find a node that satisfies the following conditions \n" +
				"[available container slots]\n" +
				"[node==" + strings.ToUpper(a) + "|nosuch]" +
				nofitRuledOut("whitelist:node=="+strings.ToUpper(a)+"|nosuch: 3 nodes ("+engines[0].Name+", "+engines[1].Name+", "+engines[2].Name+")") +
				"\n\nRun 'docker run --help' for more information\n",
		},
		{
			name: "not equal",
			args: []string{"-e", "whitelist:node!=" + a},
			want: `docker: Error response from daemon: invalid expression "whitelist:node!=` + a + `": a whitelist takes only the operator ==` +
				"\n\nRun 'docker run --help' for more information\n",
		},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			args := append(append([]string{"run", "-d", "--name", p + "err"}, tt.args...), "busybox", "true")
			if got := dockerFails(t, args...); got != tt.want {
				t.Errorf("stderr\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

// TestWhitelistVolume: a named volume with a whitelist is created on every
// listed node and only there.
func TestWhitelistVolume(t *testing.T) {
	name := strings.TrimSuffix(prefix(t), "-")
	a, c := engines[0], engines[2]
	docker(t, "volume", "create", "--label", `com.docker.swarm.whitelists=["node==`+a.Name+`|`+c.Name+`"]`, name)
	defer docker(t, "volume", "rm", name)
	for _, e := range engines {
		_, _, err := e.Docker("volume", "inspect", name)
		listed := e == a || e == c
		if listed && err != nil {
			t.Errorf("volume %s missing on %s: %v", name, e.Name, err)
		}
		if !listed && err == nil {
			t.Errorf("volume %s exists on %s, which the whitelist does not list", name, e.Name)
		}
	}
	if got := strings.TrimSpace(onEngine(t, a, "volume", "inspect", "-f", `{{index .Labels "com.docker.swarm.whitelists"}}`, name)); got != `["node==`+a.Name+`|`+c.Name+`"]` {
		t.Errorf("the volume's label on %s is %s", a.Name, got)
	}
}

// TestWhitelistInfo: `docker info` lists the seven default filters.
func TestWhitelistInfo(t *testing.T) {
	out := docker(t, "info")
	want := "Filters: health, port, containerslots, dependency, affinity, constraint, whitelist\n"
	if !strings.Contains(out, want) {
		t.Errorf("docker info lacks %q:\n%s", want, out)
	}
}
