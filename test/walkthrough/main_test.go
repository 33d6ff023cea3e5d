// Package walkthrough_test runs swarm the way its users ran it: from the
// swarm image (built from the repository's Dockerfile by test/image.sh),
// in containers on three real engines, following the classic walkthrough
// step by step (README.md, "Run it with Docker").
package walkthrough_test

import (
	"flag"
	"fmt"
	"os"
	"testing"

	"github.com/swarm-project/swarm/test/harness"
)

var (
	engines []*harness.Engine    // e0 hosts the manager; e1 and e2 join
	tokens  *harness.TokenServer // the token discovery service, on the host
	imageID string               // the swarm image, the same on every engine
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
	var err error
	engines, err = harness.StartEngines(3, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer harness.StopEngines(engines)
	bin, err := harness.BuildSwarm()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if imageID, err = harness.LoadSwarmImage(engines...); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if tokens, err = harness.StartTokenServer(bin); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer tokens.Stop()
	code := m.Run()
	if code != 0 {
		fmt.Fprintln(os.Stderr, "token server log tail:\n"+tokens.Log())
	}
	return code
}
