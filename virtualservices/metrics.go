package virtualservices

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/weft-gateway/weft/resolvers"
	"github.com/weft-gateway/weft/upstreams"
	"github.com/weft-gateway/weft/upstreams/hosts"
	"github.com/weft-gateway/weft/upstreams/resilience"
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

// RegisterMetrics adds a collector to the Server's metrics (a shared
// store's, say), served by MetricsHandler with the Server's own.
func (s *Server) RegisterMetrics(c prometheus.Collector) error {
	return s.metrics.reg.Register(c)
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

// composite is an upstream made of parts it calls apart, each an upstream
// of its own name (a supergraph's subgraphs, "shop/reviews"): their
// policies and hosts are reported per part.
type composite interface {
	Parts() []upstreams.Upstream
}

// namedUpstream is an upstream and the name its metrics carry.
type namedUpstream struct {
	name string
	up   upstreams.Upstream
}

// snapshotUpstreams lists the snapshot's upstreams by name, each
// composite one's parts, by their own names, in its place.
func snapshotUpstreams(snap *Snapshot) []namedUpstream {
	out := make([]namedUpstream, 0, len(snap.ups))
	for name, b := range snap.ups {
		c, ok := b.up.(composite)
		if !ok {
			out = append(out, namedUpstream{name, b.up})
			continue
		}
		for _, p := range c.Parts() {
			out = append(out, namedUpstream{p.Name(), p})
		}
	}
	return out
}

// resilienceCollector reports the counters of the resilience wrappers of
// the snapshot being served, read when Prometheus scrapes: they live in
// the wrappers, which a reload may replace (the counters then restart,
// which Prometheus reads as a reset).
type resilienceCollector struct {
	s                                                           *Server
	attempts, retries, denied, hedges, hedgeWins, shed, refused *prometheus.Desc
	inFlight, circuit                                           *prometheus.Desc
}

func newResilienceCollector(s *Server) *resilienceCollector {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, append([]string{"upstream"}, labels...), nil)
	}
	return &resilienceCollector{
		s:         s,
		attempts:  d("weft_upstream_attempts_total", "Attempts sent to an upstream with a resilience policy: first tries, retries and hedges."),
		retries:   d("weft_upstream_retries_total", "Retries sent."),
		denied:    d("weft_upstream_retry_budget_denied_total", "Retries and hedges the retry budget refused."),
		hedges:    d("weft_upstream_hedges_total", "Hedged attempts sent."),
		hedgeWins: d("weft_upstream_hedge_wins_total", "Calls a hedge answered first."),
		shed:      d("weft_upstream_shed_total", "Attempts refused over concurrency.max (load shed)."),
		refused:   d("weft_upstream_circuit_refused_total", "Attempts the open circuit breaker refused."),
		inFlight:  d("weft_upstream_in_flight", "Attempts in flight."),
		circuit:   d("weft_upstream_circuit_state", "1 for the circuit breaker's current state.", "state"),
	}
}

// Describe implements prometheus.Collector.
func (c *resilienceCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.attempts, c.retries, c.denied, c.hedges, c.hedgeWins, c.shed, c.refused, c.inFlight, c.circuit} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *resilienceCollector) Collect(ch chan<- prometheus.Metric) {
	snap := c.s.Snapshot()
	if snap == nil {
		return
	}
	for _, nu := range snapshotUpstreams(snap) {
		name := nu.name
		w, ok := nu.up.(*resilience.Upstream)
		if !ok {
			continue
		}
		st := w.Stats()
		counter := func(d *prometheus.Desc, v int64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), name)
		}
		counter(c.attempts, st.Attempts)
		counter(c.retries, st.Retries)
		counter(c.denied, st.BudgetDenied)
		counter(c.hedges, st.Hedges)
		counter(c.hedgeWins, st.HedgeWins)
		counter(c.shed, st.Shed)
		counter(c.refused, st.CircuitOpen)
		ch <- prometheus.MustNewConstMetric(c.inFlight, prometheus.GaugeValue, float64(st.InFlight), name)
		if st.Circuit != "" {
			ch <- prometheus.MustNewConstMetric(c.circuit, prometheus.GaugeValue, 1, name, st.Circuit)
		}
	}
}

// hostsCollector reports the state of each upstream's hosts (health
// checks, outlier ejection), read from the served snapshot's upstreams
// when Prometheus scrapes.
type hostsCollector struct {
	s                                 *Server
	healthy, ejected, usable, panicky *prometheus.Desc
	ejections, refused, calls, probes *prometheus.Desc
}

func newHostsCollector(s *Server) *hostsCollector {
	host := []string{"upstream", "host"}
	return &hostsCollector{
		s:         s,
		healthy:   prometheus.NewDesc("weft_upstream_host_healthy", "1 when the host passes its health checks (or has none).", host, nil),
		ejected:   prometheus.NewDesc("weft_upstream_host_ejected", "1 while outlier detection has the host out of rotation.", host, nil),
		ejections: prometheus.NewDesc("weft_upstream_host_ejections_total", "Times the host was ejected.", host, nil),
		refused:   prometheus.NewDesc("weft_upstream_host_ejections_refused_total", "Ejections maxEjectionPercent refused.", host, nil),
		calls:     prometheus.NewDesc("weft_upstream_host_calls_total", "Calls to the host, by result (success, failure).", append(host, "result"), nil),
		probes:    prometheus.NewDesc("weft_upstream_host_probes_total", "Health checks of the host, by result (success, failure).", append(host, "result"), nil),
		usable:    prometheus.NewDesc("weft_upstream_hosts_usable", "Hosts healthy and not ejected.", []string{"upstream"}, nil),
		panicky:   prometheus.NewDesc("weft_upstream_hosts_panic", "1 when no host is usable, so calls go to all of them.", []string{"upstream"}, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *hostsCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.healthy, c.ejected, c.ejections, c.refused, c.calls, c.probes, c.usable, c.panicky} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *hostsCollector) Collect(ch chan<- prometheus.Metric) {
	snap := c.s.Snapshot()
	if snap == nil {
		return
	}
	for _, nu := range snapshotUpstreams(snap) {
		name, up := nu.name, nu.up
		if w, ok := up.(*resilience.Upstream); ok {
			up = w.Unwrap()
		}
		r, ok := up.(hosts.Reporter)
		if !ok {
			continue
		}
		st := r.HostStats()
		if len(st.Hosts) == 0 {
			continue
		}
		gauge := func(d *prometheus.Desc, on bool, labels ...string) {
			v := 0.0
			if on {
				v = 1
			}
			ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
		}
		counter := func(d *prometheus.Desc, v uint64, labels ...string) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
		}
		for _, h := range st.Hosts {
			gauge(c.healthy, h.Healthy, name, h.Addr)
			gauge(c.ejected, h.Ejected, name, h.Addr)
			counter(c.ejections, h.Ejections, name, h.Addr)
			counter(c.refused, h.EjectionsRefused, name, h.Addr)
			counter(c.calls, h.Successes, name, h.Addr, "success")
			counter(c.calls, h.Failures, name, h.Addr, "failure")
			counter(c.probes, h.Probes-h.ProbeFailures, name, h.Addr, "success")
			counter(c.probes, h.ProbeFailures, name, h.Addr, "failure")
		}
		ch <- prometheus.MustNewConstMetric(c.usable, prometheus.GaugeValue, float64(st.Usable), name)
		gauge(c.panicky, st.Panic, name)
	}
}

// cacheCollector reports the hits and misses of the served snapshot's API
// caches, read when Prometheus scrapes. A cache lives as long as its
// route's schema and limits: a reload that changes neither keeps it and
// its counts; one that does starts a new cache, whose counts restart
// (Prometheus reads that as a reset).
type cacheCollector struct {
	s                            *Server
	planHits, planMisses         *prometheus.Desc
	queryHits, queryMisses       *prometheus.Desc
	persistedHits, persistedMiss *prometheus.Desc
	plans                        *prometheus.Desc
}

func newCacheCollector(s *Server) *cacheCollector {
	d := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, []string{"virtual_service", "route"}, nil)
	}
	return &cacheCollector{
		s:             s,
		planHits:      d("weft_plan_cache_hits_total", "Operations whose plan was cached, or being planned by another request."),
		planMisses:    d("weft_plan_cache_misses_total", "Operations planned."),
		queryHits:     d("weft_query_cache_hits_total", "Operations whose parsed, validated document was cached."),
		queryMisses:   d("weft_query_cache_misses_total", "Operations parsed and validated (or refused)."),
		persistedHits: d("weft_persisted_query_cache_hits_total", "Requests that sent a persisted query's hash alone and found its text."),
		persistedMiss: d("weft_persisted_query_cache_misses_total", "Requests that sent a persisted query's hash alone and did not find its text (PERSISTED_QUERY_NOT_FOUND)."),
		plans:         d("weft_plan_cache_entries", "Plans cached."),
	}
}

// Describe implements prometheus.Collector.
func (c *cacheCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.planHits, c.planMisses, c.queryHits, c.queryMisses, c.persistedHits, c.persistedMiss, c.plans} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *cacheCollector) Collect(ch chan<- prometheus.Metric) {
	snap := c.s.Snapshot()
	if snap == nil {
		return
	}
	type route struct{ vs, name string }
	seen := map[route]bool{}
	for _, api := range snap.graphql {
		// Route names are labels; should two routes of one VirtualService
		// share a name, the first one's caches are reported.
		if r := (route{api.vsName, api.route}); seen[r] {
			continue
		} else {
			seen[r] = true
		}
		counter := func(d *prometheus.Desc, v uint64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), api.vsName, api.route)
		}
		caches := api.caches
		st := caches.plans.Stats()
		counter(c.planHits, st.Hits)
		counter(c.planMisses, st.Misses)
		counter(c.queryHits, caches.documents.hits.Load())
		counter(c.queryMisses, caches.documents.misses.Load())
		counter(c.persistedHits, caches.apq.hits.Load())
		counter(c.persistedMiss, caches.apq.misses.Load())
		ch <- prometheus.MustNewConstMetric(c.plans, prometheus.GaugeValue, float64(caches.plans.Len()), api.vsName, api.route)
	}
}
