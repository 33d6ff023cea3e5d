// Package tls_test runs swarm with TLS everywhere, as docker-machine sets
// it up: engines that require client certificates (dockerd --tlsverify),
// a manager that requires them of its own clients (--tlsverify) and uses
// one certificate for both roles, and the exact arguments docker-machine
// passes to `swarm manage` and `swarm join`. The CA and certificates are
// made fresh for each run (harness.NewCerts).
package tls_test

import (
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
	os.Exit(harness.Main(m, setup))
}

// setup makes two CAs, starts two --tlsverify engines and a --tlsverify
// manager over them, and waits until the manager sees both Healthy.
func setup() (func(bool), error) {
	var dir string
	teardown := func(failed bool) {
		if manager != nil {
			if failed {
				fmt.Fprintln(os.Stderr, "manager log tail:\n"+manager.Log())
			}
			_ = manager.Stop()
		}
		harness.StopEngines(engines)
		if dir != "" {
			_ = os.RemoveAll(dir)
		}
	}
	var err error
	if dir, err = os.MkdirTemp(harness.StateDir(), "tls-"); err != nil {
		return teardown, err
	}
	if certs, err = harness.NewCerts(filepath.Join(dir, "cluster"), "cluster"); err != nil {
		return teardown, err
	}
	if other, err = harness.NewCerts(filepath.Join(dir, "other"), "other"); err != nil {
		return teardown, err
	}
	if engines, err = harness.StartEnginesWith(2, harness.EnginesConfig{TLS: certs}); err != nil {
		return teardown, err
	}
	if bin, err = harness.BuildSwarm(); err != nil {
		return teardown, err
	}
	manager, err = harness.StartManagerTLS(bin, certs,
		"--engine-refresh-min-interval", "2s", "--engine-refresh-max-interval", "3s",
		"nodes://"+addrs(engines))
	if err != nil {
		return teardown, err
	}
	return teardown, waitHealthy(manager.Addr, len(engines))
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
