package virtualservices

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/weft-gateway/weft/resolvers"
)

// metrics are the Server's Prometheus metrics, in a registry of its own
// (no global state: two servers in one process count apart).
type metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec
	duration  *prometheus.HistogramVec
	calls     *prometheus.CounterVec
	fallbacks *prometheus.CounterVec
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "weft_requests_total",
			Help: "HTTP requests served, by virtual service and status code.",
		}, []string{"virtual_service", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "weft_request_duration_seconds",
			Help:    "Time to serve a request, by virtual service.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16), // 0.5ms to 16s
		}, []string{"virtual_service"}),
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "weft_upstream_calls_total",
			Help: "Upstream calls sent (identical calls of one request count once), by virtual service.",
		}, []string{"virtual_service"}),
		fallbacks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "weft_fallbacks_total",
			Help: "Fields a fallback served, by the upstream that failed, the failure and the fallback (upstream, stale, value).",
		}, []string{"upstream", "reason", "fallback"}),
	}
	m.reg.MustRegister(m.requests, m.duration, m.calls, m.fallbacks,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// observe counts one request.
func (m *metrics) observe(vs string, status int, took time.Duration, stats *resolvers.Stats) {
	m.requests.WithLabelValues(vs, statusText(status)).Inc()
	m.duration.WithLabelValues(vs).Observe(took.Seconds())
	if n := stats.UpstreamCalls.Load(); n > 0 {
		m.calls.WithLabelValues(vs).Add(float64(n))
	}
	for _, f := range stats.FallbackNotes {
		m.fallbacks.WithLabelValues(f.Upstream, f.Reason, f.Fallback).Inc()
	}
}

// MetricsHandler serves the Server's metrics in the Prometheus text format,
// for an admin listener.
func (s *Server) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{})
}

// statusText is a status code's label without an allocation for the
// common ones.
func statusText(status int) string {
	switch status {
	case http.StatusOK:
		return "200"
	case http.StatusBadRequest:
		return "400"
	case http.StatusNotFound:
		return "404"
	case http.StatusInternalServerError:
		return "500"
	case http.StatusServiceUnavailable:
		return "503"
	case http.StatusGatewayTimeout:
		return "504"
	}
	return strconv.Itoa(status)
}
