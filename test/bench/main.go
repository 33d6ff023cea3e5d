package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/docker/docker/api/types/system"
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

// healthyNodes reads the manager's GET /info and counts the nodes whose
// Status row says Healthy.
func healthyNodes(ctx context.Context, c *http.Client, addr string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", "http://"+addr+"/v1.41/info", nil)
	if err != nil {
		return 0, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET /info: %s", resp.Status)
	}
	var info system.Info
	if err := json.NewDecoder(resp.Body).Decode(&info); err != nil {
		return 0, err
	}
	n := 0
	for _, row := range info.SystemStatus {
		if strings.HasSuffix(row[0], "└ Status") && row[1] == "Healthy" {
			n++
		}
	}
	return n, nil
}

// waitHealthy polls the manager until want nodes are healthy.
func waitHealthy(addr string, want int, timeout time.Duration) error {
	return waitHealthyCtx(context.Background(), addr, want, timeout)
}
