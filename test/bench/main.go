package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "proxy":
		err = runProxy(os.Args[2:])
	case "sockets":
		err = runSockets(os.Args[2:])
	case "scale":
		err = runScale(os.Args[2:])
	case "simfleet":
		// A child of `scale`: serves simulated engines (see simfleet.go).
		err = runSimFleet(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: go run ./test/bench proxy|sockets|scale [flags] (-h for the flags)")
	os.Exit(2)
}

// newFlags returns a flag set that reports errors instead of exiting.
func newFlags(name string) *flag.FlagSet {
	return flag.NewFlagSet(name, flag.ContinueOnError)
}

// parseInts reads a comma list of positive integers.
func parseInts(spec string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(spec, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q: want a comma list of positive integers", spec)
		}
		out = append(out, n)
	}
	return out, nil
}

// waitHealthy polls the manager until want nodes are healthy.
func waitHealthy(addr string, want int, timeout time.Duration) error {
	return waitHealthyCtx(context.Background(), addr, want, timeout)
}
