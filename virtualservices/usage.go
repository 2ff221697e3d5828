package virtualservices

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/weft-gateway/weft/planner"
)

// UsageRecord is what a gateway counted of one operation of one virtual
// service in one window: the schema registry's check reads these to say
// which operations a change breaks and how often they ran.
type UsageRecord struct {
	VirtualService string
	// Signature names the operation alike on every replica and for every
	// layout of its text (planner.Plan.Signature).
	Signature     string
	OperationName string
	// Coordinates are the schema coordinates the operation touches.
	Coordinates []string
	Count       int64
	// Start and End bound the window the count was taken in.
	Start, End time.Time
}

// UsageSink stores usage records (the registry's store, say). It is
// called off the request path, one batch per flush.
type UsageSink interface {
	RecordUsage(ctx context.Context, records []UsageRecord) error
}

// UsageRecorder counts, per virtual service, the operations a Server
// runs, and flushes the counts to a sink at an interval. Counting is an
// atomic add on a counter per cached plan, so a request pays no lock and
// no allocation once its plan was counted before; what waits between
// flushes is one counter per distinct operation, never a queue of
// requests, so a slow or failing sink cannot grow memory: counts it did
// not take are kept and sent with the next flush.
type UsageRecorder struct {
	sink     UsageSink
	log      zerolog.Logger
	interval time.Duration

	counts sync.Map // usageKey -> *usageCount

	// mu serializes flushes; since is the start of the window not yet
	// flushed.
	mu    sync.Mutex
	since time.Time

	flushed, failed prometheus.Counter
}

// usageKey is one operation of one virtual service. Plans are cached, so
// the plan's pointer finds the counter without hashing the operation.
type usageKey struct {
	vs   string
	plan *planner.Plan
}

type usageCount struct {
	n atomic.Int64
	// idle counts the flushes that found n at zero (under the recorder's
	// mu): a counter idle twice is dropped, so plans evicted from the
	// cache are not kept alive by it.
	idle int
}

// DefaultUsageInterval is how often a UsageRecorder flushes by default.
const DefaultUsageInterval = 10 * time.Second

// NewUsageRecorder returns a recorder that flushes to sink every interval
// (DefaultUsageInterval when zero) once Run runs.
func NewUsageRecorder(sink UsageSink, interval time.Duration, log zerolog.Logger) *UsageRecorder {
	if interval <= 0 {
		interval = DefaultUsageInterval
	}
	return &UsageRecorder{
		sink: sink, log: log, interval: interval, since: time.Now(),
		flushed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "weft_usage_records_flushed_total",
			Help: "Usage records (an operation's count in a window) the usage sink took.",
		}),
		failed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "weft_usage_flush_errors_total",
			Help: "Flushes of usage records the sink refused; their counts are sent with the next flush.",
		}),
	}
}

// Describe implements prometheus.Collector.
func (u *UsageRecorder) Describe(ch chan<- *prometheus.Desc) {
	u.flushed.Describe(ch)
	u.failed.Describe(ch)
}

// Collect implements prometheus.Collector.
func (u *UsageRecorder) Collect(ch chan<- prometheus.Metric) {
	u.flushed.Collect(ch)
	u.failed.Collect(ch)
}

var _ prometheus.Collector = (*UsageRecorder)(nil)

// count counts one run of plan on virtual service vs.
func (u *UsageRecorder) count(vs string, plan *planner.Plan) {
	if plan.Signature == "" {
		return
	}
	k := usageKey{vs, plan}
	c, ok := u.counts.Load(k)
	if !ok {
		c, _ = u.counts.LoadOrStore(k, &usageCount{})
	}
	c.(*usageCount).n.Add(1)
}

// Run flushes every interval until ctx is done, then flushes once more
// (bounded by five seconds) so that a shutdown keeps what was counted.
func (u *UsageRecorder) Run(ctx context.Context) {
	t := time.NewTicker(u.interval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			if err := u.Flush(ctx); err != nil {
				u.log.Warn().Err(err).Msg("usage not recorded; its counts are kept for the next flush")
			}
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			if err := u.Flush(fctx); err != nil {
				u.log.Warn().Err(err).Msg("usage counted since the last flush is lost at shutdown")
			}
			cancel()
			return
		}
	}
}

// Flush sends what was counted since the last flush that succeeded, one
// record per virtual service and operation. On error the counts are kept
// for the next flush.
func (u *UsageRecorder) Flush(ctx context.Context) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	end := time.Now()
	type group struct {
		vs, sig string
	}
	taken := map[*usageCount]int64{}
	byOp := map[group]*UsageRecord{}
	var records []UsageRecord
	u.counts.Range(func(key, value any) bool {
		k, c := key.(usageKey), value.(*usageCount)
		n := c.n.Swap(0)
		if n == 0 {
			if c.idle++; c.idle >= 2 {
				u.counts.Delete(k)
			}
			return true
		}
		c.idle = 0
		taken[c] = n
		g := group{k.vs, k.plan.Signature}
		if r := byOp[g]; r != nil {
			r.Count += n
			return true
		}
		byOp[g] = &UsageRecord{VirtualService: k.vs, Signature: k.plan.Signature, OperationName: k.plan.Name,
			Coordinates: k.plan.Coordinates, Count: n, Start: u.since, End: end}
		return true
	})
	if len(byOp) == 0 {
		u.since = end
		return nil
	}
	records = make([]UsageRecord, 0, len(byOp))
	for _, r := range byOp {
		records = append(records, *r)
	}
	if err := u.sink.RecordUsage(ctx, records); err != nil {
		for c, n := range taken {
			c.n.Add(n)
		}
		u.failed.Inc()
		return fmt.Errorf("recording usage of %d operations: %w", len(records), err)
	}
	u.flushed.Add(float64(len(records)))
	u.since = end
	return nil
}

// RecordUsage has the server count the operations it runs into u, or
// stops counting with nil. Running u (UsageRecorder.Run) is the caller's.
func (s *Server) RecordUsage(u *UsageRecorder) {
	s.usage.Store(u)
}
