package metrics

import (
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/swarm-project/swarm/cluster/engine"
)

type source struct {
	engines []*engine.Engine
	leading bool
	term    uint64
}

func (s source) Engines() []*engine.Engine { return s.engines }
func (s source) Leading() bool             { return s.leading }
func (s source) LeaderTerm() uint64        { return s.term }

func fixture(name, addr string, h engine.Health, containers int) *engine.Engine {
	var cs []container.InspectResponse
	for i := 0; i < containers; i++ {
		cs = append(cs, container.InspectResponse{ContainerJSONBase: &container.ContainerJSONBase{
			ID:         strings.Repeat(string(rune('a'+i)), 64),
			Name:       "/" + name + "-c" + string(rune('0'+i)),
			State:      &container.State{Running: true},
			HostConfig: &container.HostConfig{Resources: container.Resources{Memory: 1 << 20}},
		}, Config: &container.Config{}})
	}
	return engine.NewFixture(engine.Fixture{Name: name, Addr: addr, Health: h, Containers: cs})
}

func TestCollector(t *testing.T) {
	engines := []*engine.Engine{
		fixture("node-0", "10.0.0.1:2375", engine.Healthy, 2),
		fixture("node-1", "10.0.0.2:2375", engine.Unhealthy, 0),
		fixture("", "10.0.0.3:2375", engine.Pending, 0),
		fixture("node-0", "10.0.0.4:2375", engine.Healthy, 1), // a second engine with the same name
	}
	tests := []struct {
		name    string
		src     source
		perNode bool
		want    string
		count   int // series in total
	}{
		{
			name: "engines by state", src: source{engines: engines, leading: true},
			want: `
# HELP swarm_engines Engines by health state (pending, healthy, unhealthy).
# TYPE swarm_engines gauge
swarm_engines{state="healthy"} 2
swarm_engines{state="pending"} 1
swarm_engines{state="unhealthy"} 1
# HELP swarm_manager_primary 1 when this manager is the primary (or the only manager), 0 for a replica.
# TYPE swarm_manager_primary gauge
swarm_manager_primary 1
# HELP swarm_containers_uninspected Containers known from an engine's list answer only, whose inspection (reservations, times) is still to come.
# TYPE swarm_containers_uninspected gauge
swarm_containers_uninspected 0
`,
			count: 3 + 4*2 + 1 + 2,
		},
		{
			name: "replica with term", src: source{leading: false, term: 7},
			want: `
# HELP swarm_manager_primary 1 when this manager is the primary (or the only manager), 0 for a replica.
# TYPE swarm_manager_primary gauge
swarm_manager_primary 0
# HELP swarm_manager_term The election term this manager last led in (0 without --replication).
# TYPE swarm_manager_term gauge
swarm_manager_term 7
`,
			count: 3 + 1 + 2,
		},
		{
			name: "per node", src: source{engines: engines, leading: true}, perNode: true,
			want: `
# HELP swarm_node_containers Containers on a node, in every state.
# TYPE swarm_node_containers gauge
swarm_node_containers{node="10.0.0.3:2375"} 0
swarm_node_containers{node="10.0.0.4:2375"} 1
swarm_node_containers{node="node-0"} 2
swarm_node_containers{node="node-1"} 0
# HELP swarm_node_reserved_memory_bytes Memory reserved by the containers of a node.
# TYPE swarm_node_reserved_memory_bytes gauge
swarm_node_reserved_memory_bytes{node="10.0.0.3:2375"} 0
swarm_node_reserved_memory_bytes{node="10.0.0.4:2375"} 1.048576e+06
swarm_node_reserved_memory_bytes{node="node-0"} 2.097152e+06
swarm_node_reserved_memory_bytes{node="node-1"} 0
`,
			count: 3 + 4*2 + 1 + 2 + 4*5,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCollector(tt.src, Options{PerNode: tt.perNode})
			names := []string{}
			for _, l := range strings.Split(tt.want, "\n") {
				if f, ok := strings.CutPrefix(l, "# TYPE "); ok {
					names = append(names, strings.Fields(f)[0])
				}
			}
			if err := testutil.CollectAndCompare(c, strings.NewReader(tt.want), names...); err != nil {
				t.Error(err)
			}
			if n := testutil.CollectAndCount(c); n != tt.count {
				t.Errorf("%d series, want %d", n, tt.count)
			}
			if problems, err := testutil.CollectAndLint(c); err != nil || len(problems) > 0 {
				t.Errorf("lint: %v %v", problems, err)
			}
		})
	}
}

func TestPlacement(t *testing.T) {
	tests := []struct {
		result, filter string
		wantFailures   float64 // failures for filter afterwards
	}{
		{Placed, "", 0},
		{NoFit, "port", 1},
		{NoFit, "", 0},
		{Failed, "port", 0},
	}
	for _, tt := range tests {
		t.Run(tt.result+"/"+tt.filter, func(t *testing.T) {
			reg := prometheus.NewPedanticRegistry()
			m, err := New(reg, source{}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			m.Placement(time.Millisecond, tt.result, tt.filter)
			if got := testutil.ToFloat64(m.decisions.WithLabelValues(tt.result)); got != 1 {
				t.Errorf("decisions{result=%s} = %v, want 1", tt.result, got)
			}
			if tt.filter != "" {
				if got := testutil.ToFloat64(m.failures.WithLabelValues(tt.filter)); got != tt.wantFailures {
					t.Errorf("failures{filter=%s} = %v, want %v", tt.filter, got, tt.wantFailures)
				}
			}
			if got := testutil.CollectAndCount(m.latency); got != 1 {
				t.Errorf("latency series = %d", got)
			}
			if _, err := reg.Gather(); err != nil {
				t.Errorf("gather: %v", err)
			}
		})
	}
	var nilMetrics *Metrics
	nilMetrics.Placement(time.Second, NoFit, "port") // a nil *Metrics records nothing, without panicking
}

func TestNewTwiceFails(t *testing.T) {
	reg := prometheus.NewRegistry()
	if _, err := New(reg, source{}, Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := New(reg, source{}, Options{}); err == nil {
		t.Fatal("registering the cluster's collectors twice on one registry succeeded")
	}
}
