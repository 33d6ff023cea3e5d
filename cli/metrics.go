package cli

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/swarm-project/swarm/cluster"
	"github.com/swarm-project/swarm/cluster/metrics"
)

// newMetricsRegistry is the registry /metrics serves: the Go runtime and
// process collectors and the cluster's own (docs/metrics.md).
func newMetricsRegistry(c *cluster.Cluster, perNode bool) (*prometheus.Registry, error) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if err := c.RegisterMetrics(reg, metrics.Options{PerNode: perNode}); err != nil {
		return nil, err
	}
	return reg, nil
}
