package harness

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// Main is the TestMain of an integration test package: it parses flags,
// skips everything under -short, fails at once when real engines cannot be
// had, runs setup, then the tests, then setup's teardown (told whether the
// tests failed). Use it as
//
//	func TestMain(m *testing.M) { os.Exit(harness.Main(m, setup)) }
func Main(m *testing.M, setup func() (teardown func(failed bool), err error)) int {
	flag.Parse()
	if testing.Short() {
		fmt.Println("skipping integration tests in -short mode")
		return 0
	}
	if err := EnginesAvailable(); err != nil {
		fmt.Fprintln(os.Stderr, "integration tests need real engines:", err)
		return 1
	}
	teardown, err := setup()
	if err != nil {
		fmt.Fprintln(os.Stderr, "integration setup:", err)
		if teardown != nil {
			teardown(true)
		}
		return 1
	}
	code := m.Run()
	if teardown != nil {
		teardown(code != 0)
	}
	return code
}

// Cluster is a set of real engines behind one manager.
type Cluster struct {
	Engines []*Engine
	Manager *Manager
	Bin     string // the swarm binary
}

// NodesURL is a nodes:// discovery URL listing the engines.
func NodesURL(engs []*Engine) string {
	addrs := make([]string, len(engs))
	for i, e := range engs {
		addrs[i] = e.Addr
	}
	return "nodes://" + strings.Join(addrs, ",")
}

// FastRefresh are manager flags that keep tests quick: short refresh
// intervals and two failures to Unhealthy.
var FastRefresh = []string{"--engine-refresh-min-interval", "2s", "--engine-refresh-max-interval", "3s", "--engine-failure-retry", "2"}

// StartCluster starts n engines (labels keyed by position) and a manager
// over them with FastRefresh plus managerArgs, and waits until the manager
// sees every engine Healthy. Stop undoes it all, also after an error.
func StartCluster(n int, labels map[int][]string, managerArgs ...string) (*Cluster, error) {
	return StartClusterWith(n, EnginesConfig{Labels: labels}, managerArgs...)
}

// StartClusterWith is StartCluster with the engines' settings in cfg
// (labels, kinds), e.g. a mixed cluster of two Engine2010 and two Engine29
// engines with
//
//	StartClusterWith(4, EnginesConfig{Kinds: map[int]EngineKind{2: Engine29, 3: Engine29}})
func StartClusterWith(n int, cfg EnginesConfig, managerArgs ...string) (*Cluster, error) {
	c := &Cluster{}
	var err error
	if c.Engines, err = StartEnginesWith(n, cfg); err != nil {
		return c, err
	}
	if c.Bin, err = BuildSwarm(); err != nil {
		return c, err
	}
	if c.Manager, err = c.StartManager(managerArgs...); err != nil {
		return c, err
	}
	return c, nil
}

// StartManager starts another manager over the cluster's engines (with
// FastRefresh plus args) and waits until it sees them all Healthy.
func (c *Cluster) StartManager(args ...string) (*Manager, error) {
	full := append(append(append([]string(nil), FastRefresh...), args...), NodesURL(c.Engines))
	m, err := StartManager(c.Bin, full...)
	if err != nil {
		return nil, err
	}
	err = WaitFor(60*time.Second, func() (bool, error) {
		out, _, err := Docker(m.Addr, "info")
		return err == nil && strings.Count(out, "Status: Healthy") == len(c.Engines), nil
	})
	if err != nil {
		log := m.Log()
		_ = m.Stop()
		return nil, fmt.Errorf("manager on %s never saw %d healthy engines: %v\n%s", m.Addr, len(c.Engines), err, log)
	}
	return m, nil
}

// Stop stops the manager and the engines.
func (c *Cluster) Stop() {
	if c.Manager != nil {
		_ = c.Manager.Stop()
	}
	StopEngines(c.Engines)
}

// Teardown is Stop for Main: it prints the manager's log tail first when
// the tests failed.
func (c *Cluster) Teardown(failed bool) {
	if failed && c.Manager != nil {
		fmt.Fprintln(os.Stderr, "manager log tail:\n"+tail(c.Manager.Log(), 60))
	}
	c.Stop()
}
