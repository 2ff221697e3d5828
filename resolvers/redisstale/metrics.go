package redisstale

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/weft-gateway/weft/resolvers"
)

var _ resolvers.SharedStale = (*Store)(nil)

// Collector reports a Store's counters to Prometheus, read from Stats when
// scraped.
type Collector struct {
	s                                             *Store
	saved, dropped, tooLarge, writeErrors         *prometheus.Desc
	hits, misses, undecodable, loadErrors, queued *prometheus.Desc
}

var _ prometheus.Collector = (*Collector)(nil)

// NewCollector returns the collector of s.
func NewCollector(s *Store) *Collector {
	d := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, nil, prometheus.Labels{"store": "redis"})
	}
	return &Collector{
		s:           s,
		saved:       d("weft_stale_shared_saved_total", "Stale values the shared store acknowledged."),
		dropped:     d("weft_stale_shared_dropped_total", "Stale values not written: the write queue was full or the store closing."),
		tooLarge:    d("weft_stale_shared_too_large_total", "Stale values over the size limit, not written."),
		writeErrors: d("weft_stale_shared_write_errors_total", "Stale values whose write failed."),
		hits:        d("weft_stale_shared_hits_total", "Keys a read found a value for."),
		misses:      d("weft_stale_shared_misses_total", "Keys a read found no value for (or one that did not decode)."),
		undecodable: d("weft_stale_shared_undecodable_total", "Entries found that did not decode."),
		loadErrors:  d("weft_stale_shared_load_errors_total", "Reads that failed as a whole (the store down or slower than its timeout)."),
		queued:      d("weft_stale_shared_queued", "Stale values waiting to be written."),
	}
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.saved, c.dropped, c.tooLarge, c.writeErrors, c.hits, c.misses, c.undecodable, c.loadErrors, c.queued} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	st := c.s.Stats()
	counter := func(d *prometheus.Desc, v uint64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v))
	}
	counter(c.saved, st.Saved)
	counter(c.dropped, st.Dropped)
	counter(c.tooLarge, st.TooLarge)
	counter(c.writeErrors, st.WriteErrors)
	counter(c.hits, st.Hits)
	counter(c.misses, st.Misses)
	counter(c.undecodable, st.Undecodable)
	counter(c.loadErrors, st.LoadErrors)
	ch <- prometheus.MustNewConstMetric(c.queued, prometheus.GaugeValue, float64(st.Queued))
}
