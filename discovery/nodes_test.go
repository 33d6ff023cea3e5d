package discovery_test

import (
	"testing"

	"github.com/swarm-project/swarm/discovery"
	"github.com/swarm-project/swarm/discovery/discoverytest"
)

func TestNodesConformance(t *testing.T) {
	discoverytest.Run(t, func(t *testing.T) discoverytest.Fixture {
		b, err := discovery.New("nodes://127.0.0.1:[2375:2376],localhost:2377", discovery.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return discoverytest.Fixture{
			Backend: b,
			Initial: discovery.Entries{{Host: "127.0.0.1", Port: "2375"}, {Host: "127.0.0.1", Port: "2376"}, {Host: "localhost", Port: "2377"}},
		}
	})
}
