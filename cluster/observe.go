package cluster

import (
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/swarm-project/swarm/cluster/metrics"
	"github.com/swarm-project/swarm/scheduler"
)

// RegisterMetrics registers the cluster's Prometheus collectors on reg;
// from then on placements are counted. Call it once, before Run.
func (c *Cluster) RegisterMetrics(reg prometheus.Registerer, opts metrics.Options) error {
	m, err := metrics.New(reg, c, opts)
	if err != nil {
		return err
	}
	c.metrics.Store(m)
	return nil
}

// observePlacement records one Select that started at start and answered
// err.
func (c *Cluster) observePlacement(start time.Time, err error) {
	m := c.metrics.Load()
	if m == nil {
		return
	}
	result, filter := placementResult(err)
	m.Placement(time.Since(start), result, filter)
}

// placementResult is the result label of a Select's error and, when no
// node fitted, the step that rejected the last candidates (read from the
// error's Diagnosis, never from its text).
func placementResult(err error) (result, filter string) {
	if err == nil {
		return metrics.Placed, ""
	}
	var nn *scheduler.NoNodeError
	if !errors.As(err, &nn) {
		return metrics.Failed, ""
	}
	if nn.NoHealthy {
		return metrics.NoFit, "health"
	}
	if d := nn.Diagnosis; d != nil {
		for i := len(d.Steps) - 1; i >= 0; i-- {
			if d.Steps[i].Rejected > 0 {
				return metrics.NoFit, d.Steps[i].Name
			}
		}
	}
	return metrics.NoFit, "unknown"
}
