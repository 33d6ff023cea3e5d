// Package tls_test runs swarm with TLS everywhere, as docker-machine sets
// it up: engines that require client certificates (dockerd --tlsverify),
// a manager that requires them of its own clients (--tlsverify) and uses
// one certificate for both roles, and the exact arguments docker-machine
// passes to `swarm manage` and `swarm join`. The CA and certificates are
// made fresh for each run (harness.NewCerts).
package tls_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/swarm-project/swarm/test/harness"
)

var (
	certs   *harness.Certs // the cluster's CA: engines, manager and clients
	other   *harness.Certs // an unrelated CA, for certificates that must be refused
	engines []*harness.Engine
	bin     string
	manager *harness.Manager // --tlsverify, nodes:// discovery of the engines
)

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if testing.Short() {
		fmt.Println("skipping integration tests in -short mode")
		return 0
	}
	if err := harness.EnginesAvailable(); err != nil {
		fmt.Fprintln(os.Stderr, "integration tests need real engines:", err)
		return 1
	}
	dir, err := os.MkdirTemp(harness.StateDir(), "tls-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if certs, err = harness.NewCerts(filepath.Join(dir, "cluster"), "cluster"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if other, err = harness.NewCerts(filepath.Join(dir, "other"), "other"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	engines, err = harness.StartEnginesWith(2, harness.EnginesConfig{TLS: certs})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer harness.StopEngines(engines)
	if bin, err = harness.BuildSwarm(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	manager, err = harness.StartManagerTLS(bin, certs,
		"--engine-refresh-min-interval", "2s", "--engine-refresh-max-interval", "3s",
		"nodes://"+addrs(engines))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer manager.Stop()
	if err := waitHealthy(manager.Addr, len(engines)); err != nil {
		fmt.Fprintln(os.Stderr, err, "\nmanager log:\n"+manager.Log())
		return 1
	}
	code := m.Run()
	if code != 0 {
		fmt.Fprintln(os.Stderr, "manager log tail:\n"+manager.Log())
	}
	return code
}

// addrs joins the engines' addresses with commas.
func addrs(engs []*harness.Engine) string {
	list := make([]string, len(engs))
	for i, e := range engs {
		list[i] = e.Addr
	}
	return strings.Join(list, ",")
}

// waitHealthy waits until the TLS manager at addr shows n healthy nodes.
func waitHealthy(addr string, n int) error {
	var last *harness.SwarmInfo
	err := harness.WaitFor(60*time.Second, func() (bool, error) {
		info, err := harness.SwarmStatus(addr, certs)
		if err != nil {
			return false, err
		}
		last = info
		healthy := 0
		for _, node := range info.Nodes {
			if node.Fields["Status"] == "Healthy" {
				healthy++
			}
		}
		return healthy == n, nil
	})
	if err != nil {
		return fmt.Errorf("manager %s never showed %d healthy nodes: %w (last: %+v)", addr, n, err, last)
	}
	return nil
}
