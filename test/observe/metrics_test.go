package observe

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape reads the manager's /metrics with curl, as an operator would, and
// parses it with Prometheus' text parser.
func scrape(t *testing.T) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get("http://" + manager.Addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s: %s", resp.Status, body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(string(body)))
	if err != nil {
		t.Fatalf("/metrics does not parse: %v\n%s", err, body)
	}
	return fams
}

// value is the value of the family's series whose labels include want
// (name=value pairs); ok is false when there is none.
func value(fams map[string]*dto.MetricFamily, name string, want ...string) (float64, bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
next:
	for _, m := range f.Metric {
		labels := map[string]string{}
		for _, l := range m.Label {
			labels[l.GetName()] = l.GetValue()
		}
		for i := 0; i+1 < len(want); i += 2 {
			if labels[want[i]] != want[i+1] {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		}
	}
	return 0, false
}

func TestMetricsParse(t *testing.T) {
	docker(t, "ps") // at least one request the API counted
	fams := scrape(t)
	if n, ok := value(fams, "swarm_engines", "state", "healthy"); !ok || n != float64(len(engines)) {
		t.Errorf("swarm_engines{state=healthy} = %v (present %v), want %d", n, ok, len(engines))
	}
	if n, ok := value(fams, "swarm_manager_primary"); !ok || n != 1 {
		t.Errorf("swarm_manager_primary = %v (present %v), want 1 for a single manager", n, ok)
	}
	if n, ok := value(fams, "swarm_api_requests_total", "route", "/containers/json", "code", "200"); !ok || n < 1 {
		t.Errorf("swarm_api_requests_total{route=/containers/json,code=200} = %v (present %v), want >= 1", n, ok)
	}
	for _, e := range engines {
		if _, ok := value(fams, "swarm_node_cpus", "node", e.Name); !ok {
			t.Errorf("no swarm_node_cpus series for node %s", e.Name)
		}
		if _, ok := value(fams, "swarm_engine_refresh_errors_total", "engine", e.Addr); !ok {
			t.Errorf("no swarm_engine_refresh_errors_total series for engine %s", e.Addr)
		}
	}
	// The route label is the template, never a container's name.
	for _, m := range fams["swarm_api_requests_total"].GetMetric() {
		for _, l := range m.Label {
			if l.GetName() == "route" && strings.Contains(l.GetValue(), "metrics-parse") {
				t.Errorf("raw path in a route label: %q", l.GetValue())
			}
		}
	}
}

// TestMetricsPortFailure: a run that fails on a port conflict adds one to
// the port filter's failure counter, and one to the no_fit decisions.
func TestMetricsPortFailure(t *testing.T) {
	const prefix = "obs-port-"
	removeByPrefix(t, prefix)
	defer removeByPrefix(t, prefix)
	port := "18087"
	seen := map[string]bool{}
	for i := range engines {
		id := docker(t, "run", "-d", "--name", fmt.Sprintf("%s%d", prefix, i), "-p", port+":80", "busybox", "sleep", "300")
		seen[docker(t, "inspect", "-f", "{{.Node.Name}}", id)] = true
	}
	if len(seen) != len(engines) {
		t.Fatalf("%d containers publishing %s landed on %v, want one per node", len(engines), port, seen)
	}
	before := scrape(t)
	portBefore, _ := value(before, "swarm_scheduler_failures_total", "filter", "port")
	noFitBefore, _ := value(before, "swarm_scheduler_decisions_total", "result", "no_fit")

	stderr := dockerFails(t, "run", "-d", "--name", prefix+"clash", "-p", port+":80", "busybox", "sleep", "300")
	if !strings.Contains(stderr, "Unable to find a node") {
		t.Fatalf("the clashing run failed with %q, want the unschedulable error", stderr)
	}

	after := scrape(t)
	if got, _ := value(after, "swarm_scheduler_failures_total", "filter", "port"); got != portBefore+1 {
		t.Errorf("swarm_scheduler_failures_total{filter=port} went from %v to %v, want +1", portBefore, got)
	}
	if got, _ := value(after, "swarm_scheduler_decisions_total", "result", "no_fit"); got != noFitBefore+1 {
		t.Errorf("swarm_scheduler_decisions_total{result=no_fit} went from %v to %v, want +1", noFitBefore, got)
	}
	if got, _ := value(after, "swarm_node_containers", "node", engines[0].Name); got < 1 {
		t.Errorf("swarm_node_containers{node=%s} = %v, want >= 1", engines[0].Name, got)
	}
}

// TestMetricsStreams: hijacked (attach, exec) and streamed answers still
// work through the metrics middleware, and count under their templates.
func TestMetricsStreams(t *testing.T) {
	const name = "obs-streams"
	removeByPrefix(t, name)
	defer removeByPrefix(t, name)
	if out := docker(t, "run", "--rm", "--name", name+"-once", "busybox", "echo", "attached"); out != "attached" {
		t.Fatalf("docker run --rm echo: %q, want %q", out, "attached")
	}
	docker(t, "run", "-d", "--name", name, "busybox", "sleep", "300")
	if out := docker(t, "exec", name, "echo", "exec-ok"); out != "exec-ok" {
		t.Fatalf("docker exec: %q, want %q", out, "exec-ok")
	}
	fams := scrape(t)
	for _, route := range []string{"/containers/{name:.*}/attach", "/exec/{id:.*}/start", "/containers/create"} {
		found := false
		for _, m := range fams["swarm_api_requests_total"].GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "route" && l.GetValue() == route {
					found = true
				}
			}
		}
		if !found {
			t.Errorf("no swarm_api_requests_total series for route %s", route)
		}
	}
}
