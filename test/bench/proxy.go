package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/client"

	"github.com/swarm-project/swarm/test/harness"
)

// call is one Docker API call timed through the manager and directly.
type call struct {
	name string
	run  func(ctx context.Context, c *client.Client) error
}

// runProxy measures the proxy overhead against real engines.
func runProxy(args []string) error {
	fs := newFlags("proxy")
	n := fs.Int("n", 300, "iterations of each call with the Go client")
	cliN := fs.Int("cli", 30, "iterations of each call with the docker CLI (0 skips the CLI)")
	count := fs.Int("containers", 10, "containers created on the first engine")
	kind := fs.String("engine", "20.10", "engine kind: 20.10 or 29")
	api := fs.String("api", "", "API version the client through the manager speaks (default: negotiated); "+
		"an older one than the engine serves makes the manager translate")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := harness.EnginesAvailable(); err != nil {
		return err
	}
	engines, err := harness.StartEnginesWith(3, harness.EnginesConfig{Kind: harness.EngineKind(*kind)})
	if err != nil {
		return err
	}
	defer harness.StopEngines(engines)
	bin, err := harness.BuildSwarm()
	if err != nil {
		return err
	}
	addrs := make([]string, len(engines))
	for i, e := range engines {
		addrs[i] = e.Addr
	}
	m, err := harness.StartManager(bin, "nodes://"+strings.Join(addrs, ","))
	if err != nil {
		return err
	}
	defer m.Stop()

	target := engines[0]
	var ids []string
	for i := 0; i < *count; i++ {
		out, _, err := target.Docker("create", "--name", fmt.Sprintf("bench-%d", i), "busybox", "echo", "hello")
		if err != nil {
			return err
		}
		ids = append(ids, strings.TrimSpace(out))
	}
	if _, _, err := target.Docker("start", "-a", ids[0]); err != nil {
		return err
	}
	// A running container for top (--init: it stops at once at the end).
	out, _, err := target.Docker("run", "-d", "--init", "--name", "bench-top", "busybox", "sleep", "3600")
	if err != nil {
		return err
	}
	running := strings.TrimSpace(out)
	total := *count + 1
	if err := waitHealthy(m.Addr, len(engines), time.Minute); err != nil {
		return err
	}
	direct, err := client.NewClientWithOpts(client.WithHost("tcp://"+target.Addr), client.WithAPIVersionNegotiation())
	if err != nil {
		return err
	}
	defer direct.Close()
	viaOpts := []client.Opt{client.WithHost("tcp://" + m.Addr), client.WithAPIVersionNegotiation()}
	if *api != "" {
		viaOpts = []client.Opt{client.WithHost("tcp://" + m.Addr), client.WithVersion(*api)}
	}
	via, err := client.NewClientWithOpts(viaOpts...)
	if err != nil {
		return err
	}
	defer via.Close()
	ctx := context.Background()
	// Wait until the manager lists every container of the engine.
	deadline := time.Now().Add(time.Minute)
	for {
		list, err := via.ContainerList(ctx, container.ListOptions{All: true})
		if err == nil && len(list) == total {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the manager lists %d containers, want %d (%v)", len(list), total, err)
		}
		time.Sleep(200 * time.Millisecond)
	}

	calls := []call{
		{"version (manager answers itself)", func(ctx context.Context, c *client.Client) error {
			_, err := c.ServerVersion(ctx)
			return err
		}},
		{"inspect", func(ctx context.Context, c *client.Client) error {
			_, err := c.ContainerInspect(ctx, ids[0])
			return err
		}},
		{"ps -a", func(ctx context.Context, c *client.Client) error {
			list, err := c.ContainerList(ctx, container.ListOptions{All: true})
			if err == nil && len(list) != total {
				err = fmt.Errorf("ps -a listed %d containers, want %d", len(list), total)
			}
			return err
		}},
		{"logs", func(ctx context.Context, c *client.Client) error {
			rc, err := c.ContainerLogs(ctx, ids[0], container.LogsOptions{ShowStdout: true})
			if err != nil {
				return err
			}
			defer rc.Close()
			_, err = io.Copy(io.Discard, rc)
			return err
		}},
		{"top", func(ctx context.Context, c *client.Client) error {
			_, err := c.ContainerTop(ctx, running, nil)
			return err
		}},
		{"start (echo, exits)", func(ctx context.Context, c *client.Client) error {
			return c.ContainerStart(ctx, ids[1], container.StartOptions{})
		}},
	}
	fmt.Printf("# proxy overhead: %d engines of Docker %s (%s), manager %s, %d containers on %s\n", len(engines), *kind, strings.Join(addrs, ", "), m.Addr, *count, target.Name)
	direct.NegotiateAPIVersion(ctx)
	via.NegotiateAPIVersion(ctx)
	fmt.Printf("# client API: direct %s, through the manager %s\n", direct.ClientVersion(), via.ClientVersion())
	fmt.Printf("# command: go run ./test/bench proxy %s; %s, %d CPUs\n\n", strings.Join(args, " "), runtime.Version(), runtime.NumCPU())
	fmt.Println("Go client (github.com/docker/docker/client), interleaved, medians:")
	fmt.Println()
	fmt.Println("| call | direct | through manager | ratio | direct p90 | manager p90 |")
	fmt.Println("|---|---|---|---|---|---|")
	closedBefore := timeWait()
	for _, cl := range calls {
		d, v, err := interleave(*n, func() error { return cl.run(ctx, direct) }, func() error { return cl.run(ctx, via) })
		if err != nil {
			return fmt.Errorf("%s: %w", cl.name, err)
		}
		printRow(cl.name, d, v)
	}
	fmt.Printf("\nTCP connections closed during these %d calls (TIME_WAIT delta, all loopback): %d\n",
		2*(*n+10)*len(calls), timeWait()-closedBefore)
	if *cliN > 0 {
		cli := []struct {
			name string
			args []string
		}{
			{"docker inspect", []string{"inspect", ids[0]}},
			{"docker ps -a", []string{"ps", "-a"}},
			{"docker logs", []string{"logs", ids[0]}},
			{"docker top", []string{"top", running}},
			{"docker start (echo, exits)", []string{"start", ids[2]}},
		}
		fmt.Println()
		fmt.Println("docker CLI (one process per call), interleaved, medians:")
		fmt.Println()
		fmt.Println("| call | direct | through manager | ratio | direct p90 | manager p90 |")
		fmt.Println("|---|---|---|---|---|---|")
		for _, c := range cli {
			run := func(host string) func() error {
				return func() error {
					if *api != "" && host == m.Addr {
						_, _, err := harness.DockerEnv(host, []string{"DOCKER_API_VERSION=" + *api}, c.args...)
						return err
					}
					_, _, err := harness.Docker(host, c.args...)
					return err
				}
			}
			d, v, err := interleave(*cliN, run(target.Addr), run(m.Addr))
			if err != nil {
				return fmt.Errorf("%s: %w", c.name, err)
			}
			printRow(c.name, d, v)
		}
	}
	fmt.Fprintln(os.Stderr, "manager log:", m.LogPath)
	return nil
}

// interleave times a and b n times each, after a warm-up, alternating which
// goes first so that neither always runs on a warmer cache.
func interleave(n int, a, b func() error) (samples, samples, error) {
	for i := 0; i < 10; i++ {
		if err := a(); err != nil {
			return nil, nil, err
		}
		if err := b(); err != nil {
			return nil, nil, err
		}
	}
	var sa, sb samples
	timed := func(f func() error, s *samples) error {
		start := time.Now()
		err := f()
		*s = append(*s, time.Since(start))
		return err
	}
	for i := 0; i < n; i++ {
		first, second := a, b
		fs, ss := &sa, &sb
		if i%2 == 1 {
			first, second, fs, ss = b, a, &sb, &sa
		}
		if err := timed(first, fs); err != nil {
			return nil, nil, err
		}
		if err := timed(second, ss); err != nil {
			return nil, nil, err
		}
	}
	return sa, sb, nil
}

func printRow(name string, direct, via samples) {
	round := func(d time.Duration) string { return d.Round(time.Microsecond).String() }
	fmt.Printf("| %s | %s | %s | %.2fx | %s | %s |\n", name, round(direct.median()), round(via.median()),
		ratio(via.median(), direct.median()), round(direct.quantile(0.9)), round(via.quantile(0.9)))
}

// timeWait counts the loopback TCP sockets in TIME_WAIT (-1 if unknown).
func timeWait() int {
	n := 0
	for _, name := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		data, err := os.ReadFile(name)
		if err != nil {
			return -1
		}
		for _, line := range strings.Split(string(data), "\n")[1:] {
			if f := strings.Fields(line); len(f) > 3 && f[3] == "06" {
				n++
			}
		}
	}
	return n
}
