package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/swarm-project/swarm/test/simengine"
)

// The simfleet protocol. A child started as `bench simfleet -first F
// -count N -containers C` serves SIMULATED engines node-(F+1) to
// node-(F+N) on loopback TCP and writes, one per line, on its stdout:
//
//	addr 127.0.0.1:PORT     once per engine, in order
//	ready N                 when all N engines listen
//	error MESSAGE           instead, when it could not start them
//
// It then reads commands on its stdin, one per line:
//
//	requests                answered "requests N": requests its engines received
//
// and stops its engines and exits when its stdin ends (the parent closed
// it, or died). A fleet of one process holds at most about 6,000 engines
// under the usual 20,000 open-files limit (a listener and one or two
// connections from the manager per engine), hence several children.

// fleetMemLimit is the heap size at which a simfleet child collects;
// it does not collect before (GOGC off). The fleet shares the machine's
// two cores with the manager it measures, and Go's collector takes every
// idle core while it marks: with the default GOGC at 10,000 engines, half
// of the fleet's CPU during the registration was marking (a cycle of a
// child of 4,000 engines marks for about 1.7 s), taken from the manager.
// A child of 4,000 engines peaks at about 1.6 GB (VmRSS) with it.
const fleetMemLimit = 4 << 30

// fleetLine is one parsed line of a child's stdout.
type fleetLine struct {
	kind  string // "addr", "ready", "requests" or "error"
	addr  string // for addr
	n     int64  // for ready and requests
	error string // for error
}

// parseFleetLine reads one line of the simfleet protocol.
func parseFleetLine(line string) (fleetLine, error) {
	kind, arg, _ := strings.Cut(strings.TrimRight(line, "\r\n"), " ")
	switch kind {
	case "addr":
		host, port, ok := strings.Cut(arg, ":")
		if !ok || host == "" || port == "" {
			return fleetLine{}, fmt.Errorf("simfleet: bad address in %q", line)
		}
		return fleetLine{kind: kind, addr: arg}, nil
	case "ready", "requests":
		n, err := strconv.ParseInt(arg, 10, 64)
		if err != nil || n < 0 {
			return fleetLine{}, fmt.Errorf("simfleet: bad count in %q", line)
		}
		return fleetLine{kind: kind, n: n}, nil
	case "error":
		return fleetLine{kind: kind, error: arg}, nil
	}
	return fleetLine{}, fmt.Errorf("simfleet: unknown line %q", line)
}

// runSimFleet is the child side: `bench simfleet`.
func runSimFleet(args []string) error {
	fs := newFlags("simfleet")
	first := fs.Int("first", 0, "index of the first engine (its name is node-(first+1))")
	count := fs.Int("count", 1, "engines to start")
	containers := fs.Int("containers", 30, "containers per engine")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *first < 0 || *count < 1 || *containers < 0 {
		return errors.New("simfleet: want -first >= 0, -count >= 1, -containers >= 0")
	}
	return serveFleet(*first, *count, *containers, os.Stdin, os.Stdout)
}

// serveFleet starts the engines and speaks the protocol on in and out.
func serveFleet(first, count, containers int, in io.Reader, out io.Writer) error {
	raiseFileLimit()
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(fleetMemLimit)
	cfg := simengine.FleetConfig(containers)
	fleet, err := simengine.StartFleet(count, func(i int) simengine.Config { return cfg(first + i) })
	if err != nil {
		fmt.Fprintf(out, "error %s\n", strings.ReplaceAll(err.Error(), "\n", " "))
		return err
	}
	defer fleet.Close()
	w := bufio.NewWriter(out)
	for _, a := range fleet.Addrs() {
		fmt.Fprintf(w, "addr %s\n", a)
	}
	fmt.Fprintf(w, "ready %d\n", len(fleet))
	if err := w.Flush(); err != nil {
		return err
	}
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		switch strings.TrimSpace(sc.Text()) {
		case "requests":
			fmt.Fprintf(w, "requests %d\n", fleet.Requests())
		default:
			fmt.Fprintf(w, "error unknown command %q\n", sc.Text())
		}
		if err := w.Flush(); err != nil {
			return err
		}
	}
	return nil
}

// fleetProc is the parent's handle on one simfleet child.
type fleetProc struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines *bufio.Scanner
	addrs []string
	done  chan struct{} // closed when the child has exited; owned by the waiter goroutine
}

// startFleetProc starts a simfleet child (this binary, re-executed) and
// waits until its engines listen.
// nice, when not 0, starts it under nice(1): every thread of the child
// has that nice value (a process's own setpriority would set its calling
// thread's only).
func startFleetProc(first, count, containers, nice int, timeout time.Duration) (*fleetProc, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	args := []string{self, "simfleet", "-first", strconv.Itoa(first), "-count", strconv.Itoa(count),
		"-containers", strconv.Itoa(containers)}
	if nice != 0 {
		args = append([]string{"nice", "-n", strconv.Itoa(nice)}, args...)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = childAttr()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &fleetProc{cmd: cmd, stdin: stdin, lines: bufio.NewScanner(stdout), done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(p.done)
	}()
	ready := make(chan error, 1)
	go func() { ready <- p.readAddrs(count) }()
	select {
	case err = <-ready:
	case <-time.After(timeout):
		err = fmt.Errorf("simfleet %d..%d: not ready after %s", first+1, first+count, timeout)
	}
	if err != nil {
		p.stop()
		return nil, err
	}
	return p, nil
}

// readAddrs reads the addr lines up to ready.
func (p *fleetProc) readAddrs(want int) error {
	for p.lines.Scan() {
		l, err := parseFleetLine(p.lines.Text())
		if err != nil {
			return err
		}
		switch l.kind {
		case "addr":
			p.addrs = append(p.addrs, l.addr)
		case "ready":
			if int(l.n) != want || len(p.addrs) != want {
				return fmt.Errorf("simfleet: ready %d with %d addresses, want %d", l.n, len(p.addrs), want)
			}
			return nil
		case "error":
			return fmt.Errorf("simfleet: %s", l.error)
		default:
			return fmt.Errorf("simfleet: unexpected %q before ready", p.lines.Text())
		}
	}
	return fmt.Errorf("simfleet: exited before ready: %v", p.lines.Err())
}

// requests asks the child how many requests its engines received.
func (p *fleetProc) requests() (int64, error) {
	if _, err := io.WriteString(p.stdin, "requests\n"); err != nil {
		return 0, err
	}
	if !p.lines.Scan() {
		return 0, fmt.Errorf("simfleet: no answer: %v", p.lines.Err())
	}
	l, err := parseFleetLine(p.lines.Text())
	if err != nil {
		return 0, err
	}
	if l.kind != "requests" {
		return 0, fmt.Errorf("simfleet: want requests, got %q", p.lines.Text())
	}
	return l.n, nil
}

// stop closes the child's stdin (it stops its engines and exits), and
// kills it by PID if it has not exited within 10 s.
func (p *fleetProc) stop() {
	_ = p.stdin.Close()
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// simFleet is a fleet of SIMULATED engines served by child processes.
type simFleet struct {
	procs []*fleetProc
}

// planFleet splits n engines into chunks of at most perProc: the
// (first, count) of each child.
func planFleet(n, perProc int) [][2]int {
	var out [][2]int
	for first := 0; first < n; first += perProc {
		out = append(out, [2]int{first, min(perProc, n-first)})
	}
	return out
}

// startSimFleet starts n engines in ceil(n/perProc) children, in parallel.
func startSimFleet(n, perProc, containers, nice int) (*simFleet, error) {
	plan := planFleet(n, perProc)
	f := &simFleet{procs: make([]*fleetProc, len(plan))}
	errs := make([]error, len(plan))
	var wg sync.WaitGroup
	for i, c := range plan {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f.procs[i], errs[i] = startFleetProc(c[0], c[1], containers, nice, 10*time.Minute)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		f.close()
		return nil, err
	}
	return f, nil
}

// addrs are every engine's address, in order.
func (f *simFleet) addrs() []string {
	var out []string
	for _, p := range f.procs {
		out = append(out, p.addrs...)
	}
	return out
}

// cpuTicks is the CPU the fleet's children used so far, in clock ticks.
func (f *simFleet) cpuTicks() (int64, error) {
	var n int64
	for _, p := range f.procs {
		t, err := cpuTicks(p.cmd.Process.Pid)
		if err != nil {
			return 0, err
		}
		n += t
	}
	return n, nil
}

// requests is the number of requests every engine received so far.
func (f *simFleet) requests() (int64, error) {
	var n int64
	for _, p := range f.procs {
		r, err := p.requests()
		if err != nil {
			return 0, err
		}
		n += r
	}
	return n, nil
}

// close stops every child.
func (f *simFleet) close() {
	var wg sync.WaitGroup
	for _, p := range f.procs {
		if p != nil {
			wg.Add(1)
			go func() { defer wg.Done(); p.stop() }()
		}
	}
	wg.Wait()
}
