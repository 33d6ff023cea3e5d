package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/felixge/httpsnoop"
	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Registry is where the API registers its request metrics and what
// /metrics serves; *prometheus.Registry implements it.
type Registry interface {
	prometheus.Registerer
	prometheus.Gatherer
}

// Route labels of requests no route template names.
const (
	routeUnmatched = "unmatched" // no route (the 501 answer)
	routeForwarded = "forwarded" // sent on to the primary by a replica
)

// requestMetrics are the API's own series.
type requestMetrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newRequestMetrics(reg prometheus.Registerer) (*requestMetrics, error) {
	m := &requestMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "swarm_api_requests_total",
			Help: "API requests answered, by method, route template and status code.",
		}, []string{"method", "route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "swarm_api_request_duration_seconds",
			Help:    "Time to answer an API request (streams: until they end), by method and route template.",
			Buckets: prometheus.DefBuckets,
		}, []string{"method", "route"}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.latency} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// routeKey carries a *string the router fills with the matched route's
// template.
type routeKey struct{}

// metricsMiddleware counts every request and its latency by the route
// template (never the raw path, which would make a series per container).
func (m *requestMetrics) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		route := routeUnmatched
		r = r.WithContext(context.WithValue(r.Context(), routeKey{}, &route))
		start := time.Now()
		code := http.StatusOK
		w = httpsnoop.Wrap(w, httpsnoop.Hooks{
			WriteHeader: func(next httpsnoop.WriteHeaderFunc) httpsnoop.WriteHeaderFunc {
				return func(c int) {
					code = c
					next(c)
				}
			},
		})
		next.ServeHTTP(w, r)
		method := metricMethod(r.Method)
		m.latency.WithLabelValues(method, route).Observe(time.Since(start).Seconds())
		m.requests.WithLabelValues(method, route, strconv.Itoa(code)).Inc()
	})
}

// markForwarded labels r's request as forwarded to the primary.
func markForwarded(r *http.Request) {
	if p, ok := r.Context().Value(routeKey{}).(*string); ok {
		*p = routeForwarded
	}
}

// routeLabel is the router's middleware that names the matched route:
// its template without the /v{version} prefix.
func routeLabel(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p, ok := r.Context().Value(routeKey{}).(*string); ok {
			if t, err := mux.CurrentRoute(r).GetPathTemplate(); err == nil {
				*p = strings.TrimPrefix(t, versionPrefix)
			}
		}
		next.ServeHTTP(w, r)
	})
}

// versionPrefix is the template prefix of the versioned routes.
const versionPrefix = "/v{version:[0-9.]+}"

// metricMethod bounds the method label to the methods HTTP defines.
func metricMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
		http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return m
	}
	return "other"
}

// metricsHandler serves the registry in the Prometheus text format.
func metricsHandler(g prometheus.Gatherer) http.Handler {
	return promhttp.HandlerFor(g, promhttp.HandlerOpts{})
}
