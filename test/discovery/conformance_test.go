package discovery_test

import (
	"testing"
	"time"

	"github.com/swarm-project/swarm/discovery"
	"github.com/swarm-project/swarm/discovery/discoverytest"
)

// kvFixtures builds fixtures for a key/value backend, each on its own path.
func kvFixtures(scheme, addr string, ttl time.Duration, noExpiry string) discoverytest.NewFunc {
	return func(t *testing.T) discoverytest.Fixture {
		opts := discovery.Options{Heartbeat: ttl / 4, TTL: ttl}
		b, err := discovery.New(scheme+"://"+addr+"/"+uniquePath(t), opts)
		if err != nil {
			t.Fatal(err)
		}
		return discoverytest.Fixture{Backend: b, TTL: ttl, NoExpiry: noExpiry}
	}
}

func TestConformanceEtcd(t *testing.T) {
	addr := needStore(t, "etcd")
	discoverytest.Run(t, kvFixtures("etcd", addr, 2*time.Second, ""))
}

func TestConformanceConsul(t *testing.T) {
	addr := needStore(t, "consul")
	discoverytest.Run(t, kvFixtures("consul", addr, 2*time.Second, ""))
}

func TestConformanceZooKeeper(t *testing.T) {
	addr := needStore(t, "zk")
	discoverytest.Run(t, kvFixtures("zk", addr, 2*time.Second,
		"ZooKeeper entries live as long as the writer's session; expiry after the process stops is tested through swarm join"))
}
