package api

import (
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/swarm-project/swarm/cluster"
	"github.com/swarm-project/swarm/scheduler"
)

// metricsServer is a server with request metrics on an empty cluster.
func metricsServer(t *testing.T, rep Replication) (*httptest.Server, *prometheus.Registry) {
	t.Helper()
	sched, err := scheduler.New("spread", nil, scheduler.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewPedanticRegistry()
	s := NewServer(cluster.New(cluster.Options{Scheduler: sched}), Options{Version: "test", Metrics: reg, Replication: rep})
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return srv, reg
}

func get(t *testing.T, c *http.Client, url string) (int, string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestRequestMetrics(t *testing.T) {
	tests := []struct {
		name, path          string
		method, route, code string
	}{
		{"versioned route", "/v1.41/containers/json", "GET", "/containers/json", "200"},
		{"plain route", "/_ping", "GET", "/_ping", "200"},
		{"template, not the name", "/v1.41/containers/web-1/json", "GET", "/containers/{name:.*}/json", "404"},
		{"version rejected", "/v9.99/version", "GET", "/version", "400"},
		{"no route", "/v1.41/no-such-thing", "GET", routeUnmatched, "501"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, reg := metricsServer(t, nil)
			get(t, http.DefaultClient, srv.URL+tt.path)
			want := `
# HELP swarm_api_requests_total API requests answered, by method, route template and status code.
# TYPE swarm_api_requests_total counter
swarm_api_requests_total{code="` + tt.code + `",method="` + tt.method + `",route="` + tt.route + `"} 1
`
			if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "swarm_api_requests_total"); err != nil {
				t.Error(err)
			}
			if n, err := testutil.GatherAndCount(reg, "swarm_api_request_duration_seconds"); err != nil || n != 1 {
				t.Errorf("latency series = %d, %v; want 1", n, err)
			}
		})
	}
}

// TestMetricsEndpoint: /metrics parses with Prometheus' text parser, and a
// replica answers it itself rather than forwarding it to the primary.
func TestMetricsEndpoint(t *testing.T) {
	primary := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "from the primary")
	}))
	defer primary.Close()
	rep := &fakeReplication{}
	rep.set(false, strings.TrimPrefix(primary.URL, "http://"))
	srv, _ := metricsServer(t, rep)

	get(t, http.DefaultClient, srv.URL+"/v1.41/containers/json") // forwarded
	code, body := get(t, http.DefaultClient, srv.URL+"/metrics")
	if code != http.StatusOK {
		t.Fatalf("GET /metrics: %d %s", code, body)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("/metrics does not parse: %v\n%s", err, body)
	}
	found := false
	for _, m := range fams["swarm_api_requests_total"].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "route" && l.GetValue() == routeForwarded {
				found = true
			}
		}
	}
	if !found {
		t.Errorf("no route=%q series after a forwarded request:\n%s", routeForwarded, body)
	}
}

// TestMetricsTLS: /metrics is served by the API's handler on the API's
// listeners, so a listener that requires a client certificate requires
// it for /metrics too.
func TestMetricsTLS(t *testing.T) {
	sched, err := scheduler.New("spread", nil, scheduler.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	s := NewServer(cluster.New(cluster.Options{Scheduler: sched}), Options{Version: "test", Metrics: prometheus.NewRegistry()})
	srv := httptest.NewUnstartedServer(s.Handler())
	srv.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert}
	srv.StartTLS()
	defer srv.Close()
	if resp, err := srv.Client().Get(srv.URL + "/metrics"); err == nil {
		resp.Body.Close()
		t.Fatalf("GET /metrics without a client certificate answered %s", resp.Status)
	}
}
