package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/swarm-project/swarm/cluster/engine"
)

// collector computes the engine, node and leader series at scrape time.
type collector struct {
	src     Source
	perNode bool
}

var (
	descEngines = prometheus.NewDesc("swarm_engines",
		"Engines by health state (pending, healthy, unhealthy).", []string{"state"}, nil)
	descRefreshErrors = prometheus.NewDesc("swarm_engine_refresh_errors_total",
		"Failed refreshes of an engine since it joined this manager.", []string{"engine"}, nil)
	descEventErrors = prometheus.NewDesc("swarm_engine_event_stream_errors_total",
		"Event streams of an engine that ended and were reopened.", []string{"engine"}, nil)
	descUninspected = prometheus.NewDesc("swarm_containers_uninspected",
		"Containers known from an engine's list answer only, whose inspection (reservations, times) is still to come.", nil, nil)
	descPrimary = prometheus.NewDesc("swarm_manager_primary",
		"1 when this manager is the primary (or the only manager), 0 for a replica.", nil, nil)
	descTerm = prometheus.NewDesc("swarm_manager_term",
		"The election term this manager last led in (0 without --replication).", nil, nil)

	descNodeContainers = prometheus.NewDesc("swarm_node_containers",
		"Containers on a node, in every state.", []string{"node"}, nil)
	descNodeReservedCPUs = prometheus.NewDesc("swarm_node_reserved_cpus",
		"CPUs reserved by the containers of a node.", []string{"node"}, nil)
	descNodeCPUs = prometheus.NewDesc("swarm_node_cpus",
		"CPUs of a node.", []string{"node"}, nil)
	descNodeReservedMemory = prometheus.NewDesc("swarm_node_reserved_memory_bytes",
		"Memory reserved by the containers of a node.", []string{"node"}, nil)
	descNodeMemory = prometheus.NewDesc("swarm_node_memory_bytes",
		"Memory of a node.", []string{"node"}, nil)
)

func newCollector(src Source, opts Options) *collector {
	return &collector{src: src, perNode: opts.PerNode}
}

// Describe implements prometheus.Collector.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descEngines, descRefreshErrors, descEventErrors, descUninspected, descPrimary, descTerm} {
		ch <- d
	}
	if c.perNode {
		for _, d := range []*prometheus.Desc{descNodeContainers, descNodeReservedCPUs, descNodeCPUs, descNodeReservedMemory, descNodeMemory} {
			ch <- d
		}
	}
}

// Collect implements prometheus.Collector.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	var byState [3]int
	seen := map[string]bool{}
	unread := 0
	for _, e := range c.src.Engines() {
		unread += e.Unread()
		h := e.Health()
		if h >= 0 && int(h) < len(byState) {
			byState[h]++
		}
		addr := e.Addr()
		ch <- prometheus.MustNewConstMetric(descRefreshErrors, prometheus.CounterValue, float64(e.RefreshErrors()), addr)
		ch <- prometheus.MustNewConstMetric(descEventErrors, prometheus.CounterValue, float64(e.EventStreamErrors()), addr)
		if c.perNode {
			c.collectNode(ch, e, seen)
		}
	}
	for _, s := range []engine.Health{engine.Pending, engine.Healthy, engine.Unhealthy} {
		ch <- prometheus.MustNewConstMetric(descEngines, prometheus.GaugeValue, float64(byState[s]), stateLabel(s))
	}
	ch <- prometheus.MustNewConstMetric(descUninspected, prometheus.GaugeValue, float64(unread))
	primary := 0.0
	if c.src.Leading() {
		primary = 1
	}
	ch <- prometheus.MustNewConstMetric(descPrimary, prometheus.GaugeValue, primary)
	ch <- prometheus.MustNewConstMetric(descTerm, prometheus.GaugeValue, float64(c.src.LeaderTerm()))
}

// collectNode sends the per-node gauges of e, labelled with its name (its
// address while it has none, or when another engine has the same name).
func (c *collector) collectNode(ch chan<- prometheus.Metric, e *engine.Engine, seen map[string]bool) {
	name := e.Name()
	if name == "" || seen[name] {
		name = e.Addr() // two series with one label would fail the scrape
	}
	seen[name] = true
	u := e.Usage()
	cpus := func(n int64) float64 { return float64(n) / float64(engine.NanoCPU) }
	ch <- prometheus.MustNewConstMetric(descNodeContainers, prometheus.GaugeValue, float64(u.Containers), name)
	ch <- prometheus.MustNewConstMetric(descNodeReservedCPUs, prometheus.GaugeValue, cpus(u.ReservedCPUs), name)
	ch <- prometheus.MustNewConstMetric(descNodeCPUs, prometheus.GaugeValue, cpus(u.TotalCPUs), name)
	ch <- prometheus.MustNewConstMetric(descNodeReservedMemory, prometheus.GaugeValue, float64(u.ReservedMemory), name)
	ch <- prometheus.MustNewConstMetric(descNodeMemory, prometheus.GaugeValue, float64(u.TotalMemory), name)
}

// stateLabel is the state label's value: the health in lower case.
func stateLabel(h engine.Health) string {
	switch h {
	case engine.Healthy:
		return "healthy"
	case engine.Unhealthy:
		return "unhealthy"
	}
	return "pending"
}
