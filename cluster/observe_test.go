package cluster

import (
	"errors"
	"fmt"
	"testing"

	"github.com/swarm-project/swarm/cluster/metrics"
	"github.com/swarm-project/swarm/scheduler"
)

func TestPlacementResult(t *testing.T) {
	diag := func(steps ...scheduler.Step) *scheduler.Diagnosis {
		return &scheduler.Diagnosis{Nodes: 3, Steps: steps}
	}
	tests := []struct {
		name               string
		err                error
		wantResult, wantBy string
	}{
		{"placed", nil, metrics.Placed, ""},
		{"other error", errors.New("bad expression"), metrics.Failed, ""},
		{"no healthy node", &scheduler.NoNodeError{NoHealthy: true}, metrics.NoFit, "health"},
		{"port rejects the last", &scheduler.NoNodeError{Diagnosis: diag(
			scheduler.Step{Name: "health", In: 3},
			scheduler.Step{Name: "constraint", In: 3, Rejected: 2},
			scheduler.Step{Name: "port", In: 1, Rejected: 1},
		)}, metrics.NoFit, "port"},
		{"wrapped", fmt.Errorf("create: %w", &classed{kind: ErrNoFit, err: &scheduler.NoNodeError{Diagnosis: diag(
			scheduler.Step{Name: "resources", In: 3, Rejected: 3},
		)}}), metrics.NoFit, "resources"},
		{"no diagnosis", &scheduler.NoNodeError{}, metrics.NoFit, "unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			result, by := placementResult(tt.err)
			if result != tt.wantResult || by != tt.wantBy {
				t.Errorf("placementResult = %q, %q; want %q, %q", result, by, tt.wantResult, tt.wantBy)
			}
		})
	}
}
