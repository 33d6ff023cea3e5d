// Package metrics holds the cluster's Prometheus collectors: placement
// decisions, engines by state, engine errors, per-node usage and the
// leader state. The engine and node series are computed at scrape time
// from a Source, so they never go stale when an engine leaves. The package
// sees only cluster/engine values; the cluster feeds it placements.
package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/swarm-project/swarm/cluster/engine"
)

// Source is what the scrape-time collector reads; *cluster.Cluster
// implements it.
type Source interface {
	Engines() []*engine.Engine
	Leading() bool
	LeaderTerm() uint64
}

// Options configure the collectors.
type Options struct {
	// PerNode adds the per-node gauges (containers, CPUs, memory), five
	// series per node (--metrics-per-node).
	PerNode bool
}

// Placement results, the values of the result label.
const (
	Placed = "placed"
	NoFit  = "no_fit"
	Failed = "error"
)

// Metrics records placements; a nil *Metrics records nothing.
type Metrics struct {
	decisions *prometheus.CounterVec
	latency   prometheus.Histogram
	failures  *prometheus.CounterVec
}

// New registers the cluster's collectors on reg.
func New(reg prometheus.Registerer, src Source, opts Options) (*Metrics, error) {
	m := &Metrics{
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "swarm_scheduler_decisions_total",
			Help: "Placement decisions by result (placed, no_fit, error).",
		}, []string{"result"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "swarm_scheduler_decision_duration_seconds",
			Help:    "Time the scheduler took to choose nodes for one placement.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 4, 10),
		}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "swarm_scheduler_failures_total",
			Help: "Placements no node fitted, by the filter that rejected the last candidates.",
		}, []string{"filter"}),
	}
	for _, r := range []string{Placed, NoFit, Failed} {
		m.decisions.WithLabelValues(r) // present from the start, at 0
	}
	for _, c := range []prometheus.Collector{m.decisions, m.latency, m.failures, newCollector(src, opts)} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Placement records one decision: its duration, its result and, when no
// node fitted, the filter that left none ("" counts no failure by filter).
func (m *Metrics) Placement(d time.Duration, result, filter string) {
	if m == nil {
		return
	}
	m.latency.Observe(d.Seconds())
	m.decisions.WithLabelValues(result).Inc()
	if result == NoFit && filter != "" {
		m.failures.WithLabelValues(filter).Inc()
	}
}
