package simengine

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
)

// Fleet is a set of simulated engines, for scale tests and benchmarks.
type Fleet []*Engine

// FleetConfig returns the Config of engine i of a fleet of node-1..node-n
// engines holding containers containers each (see Containers).
func FleetConfig(containers int) func(i int) Config {
	return func(i int) Config {
		name := fmt.Sprintf("node-%d", i+1)
		return Config{Name: name, Labels: []string{fmt.Sprintf("rack=%d", i%4)}, Containers: Containers("c", containers)}
	}
}

// StartFleet starts n engines on loopback TCP: one listening socket each.
func StartFleet(n int, cfg func(i int) Config) (Fleet, error) {
	return startFleet(n, cfg, Start)
}

// StartFleet starts n engines on the in-process network.
func (nw *Network) StartFleet(n int, cfg func(i int) Config) (Fleet, error) {
	return startFleet(n, cfg, nw.Start)
}

func startFleet(n int, cfg func(i int) Config, start func(Config) (*Engine, error)) (Fleet, error) {
	f := make(Fleet, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i := range f {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			f[i], errs[i] = start(cfg(i))
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			f.Close()
			return nil, err
		}
	}
	return f, nil
}

// Addrs returns the engines' addresses, in fleet order.
func (f Fleet) Addrs() []string {
	out := make([]string, len(f))
	for i, e := range f {
		out[i] = e.Addr()
	}
	return out
}

// Requests is the number of requests the whole fleet received.
func (f Fleet) Requests() int64 {
	var n int64
	for _, e := range f {
		n += e.Requests()
	}
	return n
}

// Containers is the number of containers the whole fleet holds.
func (f Fleet) Containers() int {
	n := 0
	for _, e := range f {
		e.mu.Lock()
		n += len(e.containers)
		e.mu.Unlock()
	}
	return n
}

// Close stops every engine.
func (f Fleet) Close() {
	for _, e := range f {
		if e != nil {
			e.Close()
		}
	}
}

// BenchEngineCounts are the fleet sizes the scale benchmarks run with:
// $SWARM_BENCH_ENGINES (a comma list such as "10,100,1000,10000"), or
// 10, 100 and 1,000.
func BenchEngineCounts() ([]int, error) {
	spec := os.Getenv("SWARM_BENCH_ENGINES")
	if spec == "" {
		spec = "10,100,1000"
	}
	var out []int
	for _, f := range strings.Split(spec, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("SWARM_BENCH_ENGINES=%q: want a comma list of engine counts", spec)
		}
		out = append(out, n)
	}
	return out, nil
}
