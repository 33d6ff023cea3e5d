//go:build drills

package drills_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/swarm-project/swarm/test/harness"
)

// bin is the swarm binary every drill runs.
var bin string

func TestMain(m *testing.M) {
	os.Exit(harness.Main(m, setup))
}

// setup builds swarm and points test/stores.sh at the drills' own etcd
// (ports and state directory), unless the environment already chose.
func setup() (func(bool), error) {
	defaults := map[string]string{
		"SWARM_TEST_ETCD":      envOr("SWARM_DRILLS_ETCD", "127.0.0.1:22479"),
		"SWARM_TEST_ETCD_PEER": envOr("SWARM_DRILLS_ETCD_PEER", "127.0.0.1:22480"),
		"SWARM_STORES_DIR":     filepath.Join(harness.StateDir(), "drills-stores"),
	}
	for k, v := range defaults {
		if err := os.Setenv(k, v); err != nil {
			return nil, err
		}
	}
	var err error
	bin, err = harness.BuildSwarm()
	return func(bool) { harness.StopStores() }, err
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
