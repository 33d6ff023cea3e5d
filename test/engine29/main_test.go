// Package engine29 drives Docker Engine 29 (API 1.44 to 1.56) through the
// manager: alone (a manager over two Engine 29 engines) and mixed with
// Docker 20.10 (a manager over two 20.10 and two Engine 29 engines), with
// the docker CLI, docker compose v2 and v5, and raw HTTP clients asking for
// API versions from 1.24 to 1.56 (issue 10).
//
// One TestMain starts four engines (0 and 1: 20.10; 2 and 3: Engine 29),
// the mixed manager over all four and the all-29 manager over engines 2
// and 3. Tests name their objects with their own prefix and remove them.
package engine29

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/swarm-project/swarm/test/harness"
)

var (
	engines []*harness.Engine // 0, 1: 20.10; 2, 3: Engine 29
	mixed   *harness.Manager  // over all four engines
	all29   *harness.Manager  // over engines[2:] only
)

func TestMain(m *testing.M) { os.Exit(harness.Main(m, setup)) }

func setup() (func(bool), error) {
	// The docker CLI here has no buildx plugin: legacy builder everywhere.
	os.Setenv("DOCKER_BUILDKIT", "0")
	os.Setenv("COMPOSE_DOCKER_CLI_BUILD", "0")
	c, err := harness.StartClusterWith(4, harness.EnginesConfig{
		Kinds: map[int]harness.EngineKind{2: harness.Engine29, 3: harness.Engine29},
	})
	engines, mixed = c.Engines, c.Manager
	teardown := func(failed bool) {
		if all29 != nil {
			if failed {
				fmt.Fprintln(os.Stderr, "all-29 manager log tail:\n"+lastLines(all29.Log(), 60))
			}
			_ = all29.Stop()
		}
		c.Teardown(failed)
	}
	if err != nil {
		return teardown, err
	}
	for i, e := range engines {
		want := harness.Engine2010
		if i >= 2 {
			want = harness.Engine29
		}
		if e.Kind != want {
			return teardown, fmt.Errorf("engine %d is %s, want %s", i, e.Kind, want)
		}
	}
	args := append(append([]string(nil), harness.FastRefresh...), harness.NodesURL(engines[2:]))
	all29, err = harness.StartManager(c.Bin, args...)
	if err != nil {
		return teardown, err
	}
	err = harness.WaitFor(60*time.Second, func() (bool, error) {
		out, _, err := harness.Docker(all29.Addr, "info")
		return err == nil && strings.Count(out, "Status: Healthy") == 2, err
	})
	if err != nil {
		return teardown, fmt.Errorf("the all-29 manager never saw two healthy engines: %v\n%s", err, all29.Log())
	}
	// A manager advertises 1.41 for a moment after its engines show
	// Healthy (TestAdvertisedVersionOnceHealthy): let that settle so that
	// every other test negotiates as a client would a minute later.
	for _, m := range []*harness.Manager{mixed, all29} {
		if err := waitAdvertised(m.Addr, "1.56", 15*time.Second); err != nil {
			return teardown, fmt.Errorf("manager %s: %v", m.Addr, err)
		}
	}
	return teardown, nil
}

// advertised is the Api-Version header of GET /_ping on addr.
func advertised(addr string) (string, error) {
	resp, err := http.Get("http://" + addr + "/_ping")
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	return resp.Header.Get("Api-Version"), nil
}

// waitAdvertised waits until the manager on addr advertises version.
func waitAdvertised(addr, version string, timeout time.Duration) error {
	return harness.WaitFor(timeout, func() (bool, error) {
		v, err := advertised(addr)
		if err != nil {
			return false, err
		}
		return v == version, fmt.Errorf("advertises API %q, want %q", v, version)
	})
}

func lastLines(s string, n int) string {
	l := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return strings.Join(l, "\n")
}

// docker runs the docker CLI against addr and fails the test on error; it
// returns stdout without surrounding white space.
func docker(t *testing.T, addr string, args ...string) string {
	t.Helper()
	out, stderr, err := harness.Docker(addr, args...)
	if err != nil {
		t.Fatalf("docker %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, out, stderr)
	}
	return strings.TrimSpace(out)
}

// onEngine runs the docker CLI against one engine directly.
func onEngine(t *testing.T, e *harness.Engine, args ...string) string {
	t.Helper()
	out, stderr, err := e.Docker(args...)
	if err != nil {
		t.Fatalf("docker -H %s %s: %v\n%s", e.Addr, strings.Join(args, " "), err, stderr)
	}
	return strings.TrimSpace(out)
}

// cleanup removes containers by name when the test ends, whatever happened.
func cleanup(t *testing.T, addr string, names ...string) {
	t.Cleanup(func() {
		_, _, _ = harness.Docker(addr, append([]string{"rm", "-f"}, names...)...)
	})
}

// lines splits output into its non-empty lines.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// engineNamed is the engine with the node name, or nil.
func engineNamed(name string) *harness.Engine {
	for _, e := range engines {
		if e.Name == name {
			return e
		}
	}
	return nil
}

func withTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}
