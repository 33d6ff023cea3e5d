package cli

import (
	"testing"

	"github.com/swarm-project/swarm/cluster"
	"github.com/swarm-project/swarm/scheduler"
)

func TestNewMetricsRegistry(t *testing.T) {
	tests := []struct {
		name    string
		perNode bool
	}{
		{"per node", true},
		{"without per-node series", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sched, err := scheduler.New("spread", nil, scheduler.DefaultOptions())
			if err != nil {
				t.Fatal(err)
			}
			c := cluster.New(cluster.Options{Scheduler: sched})
			reg, err := newMetricsRegistry(c, tt.perNode)
			if err != nil {
				t.Fatal(err)
			}
			fams, err := reg.Gather()
			if err != nil {
				t.Fatal(err)
			}
			names := map[string]bool{}
			for _, f := range fams {
				names[f.GetName()] = true
			}
			for _, want := range []string{"swarm_engines", "swarm_manager_primary", "swarm_scheduler_decisions_total", "go_goroutines"} {
				if !names[want] {
					t.Errorf("no %s in the registry", want)
				}
			}
			// A second registry for the same cluster is fine; the
			// cluster then counts placements in the last one.
			if _, err := newMetricsRegistry(c, tt.perNode); err != nil {
				t.Errorf("second registry: %v", err)
			}
		})
	}
}

func TestMetricsPerNodeFlagDefault(t *testing.T) {
	cmd := newManageCommand(&globalOptions{})
	f := cmd.Flags().Lookup("metrics-per-node")
	if f == nil || f.DefValue != "true" {
		t.Fatalf("--metrics-per-node: %+v, want a flag defaulting to true", f)
	}
}
