package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/swarm-project/swarm/test/harness"
	"github.com/swarm-project/swarm/test/simengine"
)

// socketCount is a classification of a process's sockets.
type socketCount struct {
	total   int // every socket file descriptor
	clients int // accepted connections on the manager's API port
	other   int // listeners, connections to engines, unix sockets
}

// countSockets reads /proc/pid/fd and classifies the sockets with the
// process's view of /proc/net/tcp{,6}.
func countSockets(pid int, apiPort int) (socketCount, error) {
	var sc socketCount
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return sc, err
	}
	localPort, err := tcpLocalPorts(pid)
	if err != nil {
		return sc, err
	}
	for _, e := range entries {
		link, err := os.Readlink(filepath.Join(dir, e.Name()))
		if err != nil || !strings.HasPrefix(link, "socket:[") {
			continue
		}
		sc.total++
		inode := strings.TrimSuffix(strings.TrimPrefix(link, "socket:["), "]")
		if p, ok := localPort[inode]; ok && p.local == apiPort && !p.listen {
			sc.clients++
		} else {
			sc.other++
		}
	}
	return sc, nil
}

type tcpSocket struct {
	local  int
	listen bool
}

// tcpLocalPorts maps socket inodes to their local port.
func tcpLocalPorts(pid int) (map[string]tcpSocket, error) {
	out := map[string]tcpSocket{}
	for _, name := range []string{"tcp", "tcp6"} {
		f, err := os.Open(fmt.Sprintf("/proc/%d/net/%s", pid, name))
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(f)
		sc.Scan() // header
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) < 10 {
				continue
			}
			_, portHex, _ := strings.Cut(fields[1], ":")
			port, _ := strconv.ParseInt(portHex, 16, 32)
			out[fields[9]] = tcpSocket{local: int(port), listen: fields[3] == "0A"}
		}
		f.Close()
	}
	return out, nil
}

// sampler counts a process's sockets every period until stopped.
type sampler struct {
	mu      sync.Mutex // guards samples and err
	samples []socketCount
	err     error
	stop    chan struct{}
	done    chan struct{}
}

func startSampler(pid, apiPort int, period time.Duration) *sampler {
	s := &sampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(period)
		defer t.Stop()
		for {
			c, err := countSockets(pid, apiPort)
			s.mu.Lock()
			if err != nil && s.err == nil {
				s.err = err
			}
			s.samples = append(s.samples, c)
			s.mu.Unlock()
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

// finish stops the sampler and returns the median and maximum of the
// "other" (non-client) sockets and the maximum total.
func (s *sampler) finish() (median, maxOther, maxTotal int, err error) {
	close(s.stop)
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.samples) == 0 {
		return 0, 0, 0, s.err
	}
	others := make([]int, len(s.samples))
	for i, c := range s.samples {
		others[i] = c.other
		maxTotal = max(maxTotal, c.total)
	}
	sort.Ints(others)
	return others[len(others)/2], others[len(others)-1], maxTotal, s.err
}

// runSockets counts the manager's sockets against simulated engines.
func runSockets(args []string) error {
	fs := newFlags("sockets")
	sizes := fs.String("engines", "100,500,1000", "comma list of engine counts")
	burst := fs.Int("burst", 4000, "proxied requests in the burst")
	conc := fs.Int("concurrency", 64, "concurrent clients in the burst")
	steady := fs.Duration("steady", 70*time.Second, "how long to watch the steady state (cover one refresh period of 30-60s)")
	idle := fs.Duration("idle", 35*time.Second, "how long to wait after the burst (idle connections expire after 30s)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	counts, err := parseInts(*sizes)
	if err != nil {
		return err
	}
	bin, err := harness.BuildSwarm()
	if err != nil {
		return err
	}
	fmt.Printf("# sockets per engine: simulated engines (test/simengine, 30 containers each) on loopback TCP, a real manager process with default refresh (30-60s)\n")
	fmt.Printf("# command: go run ./test/bench sockets %s; %s, %d CPUs\n\n", strings.Join(args, " "), runtime.Version(), runtime.NumCPU())
	fmt.Printf("Sockets of the manager process (listener, event streams, pooled engine connections; the burst's\n")
	fmt.Printf("%d client connections to the manager are not counted). Burst: %d proxied calls (3/4 logs, 1/4 start).\n", *conc, *burst)
	fmt.Println()
	fmt.Printf("| engines | event streams | steady sockets, median / max | per engine | burst max | per engine | after %s idle | per engine | engine requests per engine per minute |\n", *idle)
	fmt.Println("|---|---|---|---|---|---|---|---|---|")
	for _, n := range counts {
		if err := measureSockets(bin, n, *burst, *conc, *steady, *idle); err != nil {
			return fmt.Errorf("%d engines: %w", n, err)
		}
	}
	return nil
}

func measureSockets(bin string, n, burst, conc int, steady, idle time.Duration) error {
	fleet, err := simengine.StartFleet(n, simengine.FleetConfig(30))
	if err != nil {
		return err
	}
	defer fleet.Close()
	file, err := os.CreateTemp("", "swarm-bench-*.disc")
	if err != nil {
		return err
	}
	defer os.Remove(file.Name())
	if _, err := io.WriteString(file, strings.Join(fleet.Addrs(), "\n")+"\n"); err != nil {
		return err
	}
	file.Close()
	m, err := harness.StartManager(bin, "--log-level", "warn", "file://"+file.Name())
	if err != nil {
		return err
	}
	defer m.Stop()
	if err := waitHealthy(m.Addr, n, 5*time.Minute); err != nil {
		return err
	}
	pid := m.Cmd.Process.Pid
	_, portStr, _ := strings.Cut(m.Addr, ":")
	apiPort, _ := strconv.Atoi(portStr)

	s := startSampler(pid, apiPort, time.Second)
	reqs := fleet.Requests()
	time.Sleep(steady)
	steadyMed, steadyMax, _, err := s.finish()
	if err != nil {
		return err
	}
	perMin := float64(fleet.Requests()-reqs) / float64(n) / steady.Minutes()
	streams := 0
	for _, e := range fleet {
		streams += e.EventSubscribers()
	}

	s = startSampler(pid, apiPort, 100*time.Millisecond)
	if err := burstRequests(m.Addr, n, burst, conc); err != nil {
		return err
	}
	_, burstMax, _, err := s.finish()
	if err != nil {
		return err
	}
	// The burst may end between two samples: count once more now that
	// its client connections are closed and the engine pool is idle.
	now, err := countSockets(pid, apiPort)
	if err != nil {
		return err
	}
	burstMax = max(burstMax, now.other)
	time.Sleep(idle)
	after, err := countSockets(pid, apiPort)
	if err != nil {
		return err
	}
	per := func(v int) string { return fmt.Sprintf("%.2f", float64(v)/float64(n)) }
	fmt.Printf("| %d | %d | %d / %d | %s | %d | %s | %d | %s | %.1f |\n", n, streams, steadyMed, steadyMax, per(steadyMax),
		burstMax, per(burstMax), after.other, per(after.other), perMin)
	return nil
}

// burstRequests sends total proxied container calls (logs, and start of
// stopped containers) over conc connections, to random engines.
func burstRequests(addr string, engines, total, conc int) error {
	tr := &http.Transport{MaxIdleConnsPerHost: conc}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: time.Minute}
	work := make(chan int)
	errs := make(chan error, conc)
	var wg sync.WaitGroup
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				node := rand.IntN(engines) + 1
				ctr := rand.IntN(30)
				method, path := "GET", fmt.Sprintf("/v1.41/containers/node-%d/c-%d/logs?stdout=1", node, ctr)
				if i%4 == 3 {
					method, path = "POST", fmt.Sprintf("/v1.41/containers/node-%d/c-%d/start", node, ctr)
				}
				req, _ := http.NewRequestWithContext(context.Background(), method, "http://"+addr+path, nil)
				resp, err := c.Do(req)
				if err != nil {
					errs <- err
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode >= 300 && resp.StatusCode != http.StatusNotModified {
					errs <- fmt.Errorf("%s %s: %s", method, path, resp.Status)
					return
				}
			}
		}()
	}
	var err error
feed:
	for i := 0; i < total; i++ {
		select {
		case work <- i:
		case err = <-errs:
			break feed
		}
	}
	close(work)
	wg.Wait()
	if err == nil {
		select {
		case err = <-errs:
		default:
		}
	}
	return err
}
