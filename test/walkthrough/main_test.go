// Package walkthrough_test runs swarm the way its users ran it: from the
// swarm image (built from the repository's Dockerfile by test/image.sh),
// in containers on three real engines, following the classic walkthrough
// step by step (README.md, "Run it with Docker").
package walkthrough_test

import (
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
	os.Exit(harness.Main(m, setup))
}

// setup starts three engines with the swarm image loaded and a token
// server on the host.
func setup() (func(bool), error) {
	teardown := func(failed bool) {
		if tokens != nil {
			if failed {
				fmt.Fprintln(os.Stderr, "token server log tail:\n"+tokens.Log())
			}
			_ = tokens.Stop()
		}
		harness.StopEngines(engines)
	}
	var err error
	if engines, err = harness.StartEngines(3, nil); err != nil {
		return teardown, err
	}
	bin, err := harness.BuildSwarm()
	if err != nil {
		return teardown, err
	}
	if imageID, err = harness.LoadSwarmImage(engines...); err != nil {
		return teardown, err
	}
	tokens, err = harness.StartTokenServer(bin)
	return teardown, err
}
