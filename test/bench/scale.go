package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/swarm-project/swarm/test/harness"
)

// scaleConfig holds the flags of `bench scale`.
type scaleConfig struct {
	engines    []int
	containers int
	perProc    int           // engines per simfleet child
	fleetNice  int           // the simfleet children's nice value
	infoN      int           // GET /info requests
	psN        int           // GET /containers/json?all=1 requests
	runN       int           // sequential create + start
	concN      int           // concurrent runs in all
	conc       int           // concurrent runners
	idle       time.Duration // idle window for CPU and engine calls
	settle     time.Duration // pause before the idle window
	register   time.Duration // how long to wait for every engine to be healthy
}

// parseScaleFlags reads the flags of `bench scale`.
func parseScaleFlags(args []string) (scaleConfig, error) {
	var c scaleConfig
	fs := newFlags("scale")
	sizes := fs.String("engines", "1000", "comma list of engine counts")
	fs.IntVar(&c.containers, "containers", 30, "containers per engine")
	fs.IntVar(&c.perProc, "per-process", 4000, "simulated engines per child process (the open-files limit is per process)")
	fs.IntVar(&c.fleetNice, "fleet-nice", 0, "nice value of the simulated engines' processes (0 to 19): with 19 they use the CPU the manager leaves")
	fs.IntVar(&c.infoN, "info", 200, "GET /info requests")
	fs.IntVar(&c.psN, "ps", 20, "GET /containers/json?all=1 requests")
	fs.IntVar(&c.runN, "runs", 100, "sequential runs (create + start)")
	fs.IntVar(&c.concN, "conc-runs", 400, "runs in all for the concurrent runners")
	fs.IntVar(&c.conc, "conc", 8, "concurrent runners")
	fs.DurationVar(&c.idle, "idle", 30*time.Second, "idle window for CPU and engine calls")
	fs.DurationVar(&c.settle, "settle", 0, "pause with no client before the idle window starts")
	fs.DurationVar(&c.register, "register-timeout", 15*time.Minute, "how long to wait for every engine to be healthy")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() != 0 {
		return c, fmt.Errorf("scale: unexpected arguments %q", fs.Args())
	}
	var err error
	if c.engines, err = parseInts(*sizes); err != nil {
		return c, err
	}
	if c.containers < 0 || c.perProc < 1 || c.infoN < 1 || c.psN < 1 || c.runN < 1 || c.concN < 1 || c.conc < 1 ||
		c.idle <= 0 || c.settle < 0 || c.fleetNice < 0 || c.fleetNice > 19 {
		return c, errors.New("scale: -containers >= 0; -per-process, -info, -ps, -runs, -conc-runs, -conc >= 1; -idle > 0; -settle >= 0; -fleet-nice 0 to 19")
	}
	return c, nil
}

// scaleRow is one line of the table: the figures at one fleet size.
type scaleRow struct {
	engines       int
	register      time.Duration
	inspected     time.Duration // until every container was inspected (0: not waited for)
	infoP50       time.Duration
	infoP99       time.Duration
	psP50         time.Duration
	runP50        time.Duration
	runP99        time.Duration
	concRate      float64 // containers per second
	concP99       time.Duration
	idleCPU       float64 // % of one core
	peakRSS       int64   // bytes
	sockets       int     // of the manager, without the bench's client connections
	idleCallsPerS float64 // requests the engines received per second while idle
}

const scaleHeader = "| engines | all healthy | all inspected | info p50 / p99 | ps -a p50 | run p50 / p99 | %d concurrent runs: rate, p99 | idle CPU | peak RSS | sockets per engine | engine calls/s idle |\n" +
	"|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"

// format renders the row in the table's columns.
func (r scaleRow) format() string {
	return fmt.Sprintf("| %d | %s | %s | %s / %s | %s | %s / %s | %.0f/s, p99 %s | %.1f%% | %s | %.2f (%d) | %.1f |\n",
		r.engines, round(r.register), round(r.inspected), round(r.infoP50), round(r.infoP99), round(r.psP50),
		round(r.runP50), round(r.runP99), r.concRate, round(r.concP99), r.idleCPU, mib(r.peakRSS),
		float64(r.sockets)/float64(r.engines), r.sockets, r.idleCallsPerS)
}

// round keeps three significant figures or so.
func round(d time.Duration) time.Duration {
	switch {
	case d >= 10*time.Second:
		return d.Round(100 * time.Millisecond)
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	case d >= 10*time.Millisecond:
		return d.Round(100 * time.Microsecond)
	default:
		return d.Round(10 * time.Microsecond)
	}
}

// runScale measures the whole manager process against SIMULATED engines.
func runScale(args []string) error {
	cfg, err := parseScaleFlags(args)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	bin, err := harness.BuildSwarm()
	if err != nil {
		return err
	}
	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Printf("# scale: SIMULATED engines (test/simengine, %d containers each) on loopback TCP in child processes\n", cfg.containers)
	fmt.Printf("# (at most %d each, nice %d), a real `swarm manage` process (default refresh) with file:// discovery\n", cfg.perProc, cfg.fleetNice)
	fmt.Printf("# command: go run ./test/bench scale %s\n", strings.Join(args, " "))
	fmt.Printf("# %s, %d CPUs, load average at start: %s\n", runtime.Version(), runtime.NumCPU(), strings.TrimSpace(string(load)))
	fmt.Printf("# info: %d sequential; ps -a: %d; run (create + start): %d sequential; %d concurrent runners, %d runs; idle window %s after %s settling\n\n",
		cfg.infoN, cfg.psN, cfg.runN, cfg.conc, cfg.concN, cfg.idle, cfg.settle)
	fmt.Printf(scaleHeader, cfg.conc)
	for _, n := range cfg.engines {
		row, err := measureScale(ctx, bin, n, cfg)
		if err != nil {
			return fmt.Errorf("%d engines: %w", n, err)
		}
		fmt.Print(row.format())
	}
	return nil
}

// measureScale starts n engines and a manager, measures, and stops both.
func measureScale(ctx context.Context, bin string, n int, cfg scaleConfig) (row scaleRow, err error) {
	row.engines = n
	start := time.Now()
	fleet, err := startSimFleet(n, cfg.perProc, cfg.containers, cfg.fleetNice)
	if err != nil {
		return row, err
	}
	defer fleet.close()
	fmt.Fprintf(os.Stderr, "bench: %d simulated engines listening after %s\n", n, time.Since(start).Round(time.Millisecond))
	if err := ctx.Err(); err != nil {
		return row, err
	}
	file, err := os.CreateTemp("", "swarm-scale-*.disc")
	if err != nil {
		return row, err
	}
	defer os.Remove(file.Name())
	if _, err := io.WriteString(file, strings.Join(fleet.addrs(), "\n")+"\n"); err != nil {
		return row, err
	}
	file.Close()

	start = time.Now()
	fleet0, _ := fleet.cpuTicks()
	m, err := harness.StartManager(bin, "--log-level", "warn", "file://"+file.Name())
	if err != nil {
		return row, err
	}
	defer m.Stop()
	pid := m.PID()
	if err := waitHealthyCtx(ctx, m.Addr, n, cfg.register); err != nil {
		return row, err
	}
	row.register = time.Since(start)
	healthy := time.Now()
	fmt.Fprintf(os.Stderr, "bench: %d engines healthy after %s%s\n", n, row.register.Round(time.Millisecond),
		cpuSplit(pid, fleet, 0, fleet0, 1))
	// The manager registers an engine after one container list; it
	// inspects the containers in the background. Measure once that is
	// done, so that the figures below are the steady state.
	if err := waitInspected(ctx, m.Addr, cfg.register); err != nil {
		return row, err
	}
	row.inspected = time.Since(start)
	fmt.Fprintf(os.Stderr, "bench: every container inspected after %s\n", row.inspected.Round(time.Millisecond))
	healthy = time.Now()

	tr := &http.Transport{MaxIdleConnsPerHost: cfg.conc}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 5 * time.Minute}
	base := "http://" + m.Addr + "/v1.41"

	info, err := timeGets(ctx, c, base+"/info", cfg.infoN)
	if err != nil {
		return row, err
	}
	row.infoP50, row.infoP99 = info.quantile(0.5), info.quantile(0.99)
	ps, err := timeGets(ctx, c, base+"/containers/json?all=1", cfg.psN)
	if err != nil {
		return row, err
	}
	row.psP50 = ps.median()
	runs, _, err := timeRuns(ctx, c, base, cfg.runN, 1)
	if err != nil {
		return row, err
	}
	row.runP50, row.runP99 = runs.quantile(0.5), runs.quantile(0.99)
	manager0, _ := cpuTicks(pid)
	fleet0, _ = fleet.cpuTicks()
	conc, elapsed, err := timeRuns(ctx, c, base, cfg.concN, cfg.conc)
	if err != nil {
		return row, err
	}
	fmt.Fprintf(os.Stderr, "bench: %d runs by %d runners in %s%s\n", len(conc), cfg.conc, elapsed.Round(time.Millisecond),
		cpuSplit(pid, fleet, manager0, fleet0, len(conc)))
	row.concRate = float64(len(conc)) / elapsed.Seconds()
	row.concP99 = conc.quantile(0.99)
	// Idle: no client connection, then CPU and engine calls over the window.
	tr.CloseIdleConnections()
	select {
	case <-ctx.Done():
		return row, ctx.Err()
	case <-time.After(cfg.settle):
	}
	fmt.Fprintf(os.Stderr, "bench: latencies measured; idle for %s from %s after all healthy\n",
		cfg.idle, time.Since(healthy).Round(time.Second))
	reqs0, err := fleet.requests()
	if err != nil {
		return row, err
	}
	ticks0, err := cpuTicks(pid)
	if err != nil {
		return row, err
	}
	t0 := time.Now()
	select {
	case <-ctx.Done():
		return row, ctx.Err()
	case <-time.After(cfg.idle):
	}
	ticks1, err := cpuTicks(pid)
	if err != nil {
		return row, err
	}
	wall := time.Since(t0)
	reqs1, err := fleet.requests()
	if err != nil {
		return row, err
	}
	row.idleCPU = cpuPercent(ticks1-ticks0, wall)
	row.idleCallsPerS = float64(reqs1-reqs0) / wall.Seconds()

	_, portStr, _ := strings.Cut(m.Addr, ":")
	apiPort, _ := strconv.Atoi(portStr)
	sc, err := countSockets(pid, apiPort)
	if err != nil {
		return row, err
	}
	row.sockets = sc.other
	if row.peakRSS, err = peakRSS(pid); err != nil {
		return row, err
	}
	return row, nil
}

// waitInspected polls the manager's metrics until no container is left
// uninspected (swarm_containers_uninspected 0).
func waitInspected(ctx context.Context, addr string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c := &http.Client{}
	defer c.CloseIdleConnections()
	last := "?"
	for {
		body, err := getText(ctx, c, "http://"+addr+"/metrics")
		if err == nil {
			for _, l := range strings.Split(string(body), "\n") {
				if v, ok := strings.CutPrefix(l, "swarm_containers_uninspected "); ok {
					last = v
					if v == "0" {
						return nil
					}
				}
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("containers not inspected yet: %s: %w", last, ctx.Err())
		case <-time.After(3 * time.Second):
		}
	}
}

// getText reads the whole answer of a GET.
func getText(ctx context.Context, c *http.Client, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return io.ReadAll(resp.Body)
}

// healthPoll is how often waitHealthyCtx asks for /info while want nodes
// register: every 250 ms up to 2,500 nodes, then less often, so that the
// poll (an /info of every node, decoded) takes little of the machine's
// two cores from the manager and the simulated engines it measures.
func healthPoll(want int) time.Duration {
	return max(250*time.Millisecond, time.Duration(want)*100*time.Microsecond)
}

// waitHealthyCtx polls the manager until want nodes are healthy, the
// timeout passes or ctx ends.
func waitHealthyCtx(ctx context.Context, addr string, want int, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c := &http.Client{}
	defer c.CloseIdleConnections()
	last := 0
	for {
		n, err := healthyNodes(ctx, c, addr)
		if err == nil {
			last = n
			if n >= want {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return errors.Join(fmt.Errorf("%d of %d nodes healthy: %w", last, want, ctx.Err()), err)
		case <-time.After(healthPoll(want)):
		}
	}
}

// timeGets times n sequential GETs of url, reading each answer whole.
func timeGets(ctx context.Context, c *http.Client, url string, n int) (samples, error) {
	out := make(samples, 0, n)
	for i := 0; i < n; i++ {
		t := time.Now()
		if err := do(ctx, c, "GET", url, nil, nil); err != nil {
			return nil, err
		}
		out = append(out, time.Since(t))
	}
	return out, nil
}

// timeRuns does n runs (create + start, what `docker run -d` asks) with
// conc runners, and returns each run's latency and the elapsed time.
func timeRuns(ctx context.Context, c *http.Client, base string, n, conc int) (samples, time.Duration, error) {
	var (
		mu    sync.Mutex // guards lat and first
		lat   = make(samples, 0, n)
		first error
	)
	work := make(chan struct{})
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range work {
				t := time.Now()
				err := runOne(ctx, c, base)
				mu.Lock()
				if err != nil && first == nil {
					first = err
				}
				lat = append(lat, time.Since(t))
				mu.Unlock()
			}
		}()
	}
	for i := 0; i < n; i++ {
		mu.Lock()
		failed := first != nil
		mu.Unlock()
		if failed || ctx.Err() != nil {
			break
		}
		work <- struct{}{}
	}
	close(work)
	wg.Wait()
	elapsed := time.Since(start)
	if first == nil {
		first = ctx.Err()
	}
	return lat, elapsed, first
}

// runOne creates a container through the manager and starts it.
func runOne(ctx context.Context, c *http.Client, base string) error {
	var created struct{ Id string }
	body := []byte(`{"Image":"busybox:latest","Cmd":["sleep","1d"]}`)
	if err := do(ctx, c, "POST", base+"/containers/create", body, &created); err != nil {
		return err
	}
	if created.Id == "" {
		return errors.New("create: no Id in the answer")
	}
	return do(ctx, c, "POST", base+"/containers/"+created.Id+"/start", nil, nil)
}

// do sends one request; an answer of 300 or more is an error; the body is
// decoded into out when out is not nil, else read and dropped.
func do(ctx context.Context, c *http.Client, method, url string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("%s %s: %s: %s", method, url, resp.Status, bytes.TrimSpace(msg))
	}
	if out != nil {
		return json.NewDecoder(resp.Body).Decode(out)
	}
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}

// cpuSplit says how much CPU the manager and the simulated engines used
// since their tick counts manager0 and fleet0, per item of n (the
// registration: 1; runs: per run): the machine's two cores are shared,
// so the figures above include what the fleet took. Empty when a count
// cannot be read.
func cpuSplit(pid int, fleet *simFleet, manager0, fleet0 int64, n int) string {
	m, err := cpuTicks(pid)
	if err != nil {
		return ""
	}
	f, err := fleet.cpuTicks()
	if err != nil || n < 1 {
		return ""
	}
	per := func(ticks int64) time.Duration {
		return time.Duration(ticks) * time.Second / clockTicks / time.Duration(n)
	}
	if n == 1 {
		return fmt.Sprintf(" (CPU: manager %s, simulated engines %s)", per(m-manager0).Round(10*time.Millisecond), per(f-fleet0).Round(10*time.Millisecond))
	}
	return fmt.Sprintf(" (CPU per run: manager %s, simulated engines %s)", per(m-manager0).Round(10*time.Microsecond), per(f-fleet0).Round(10*time.Microsecond))
}
