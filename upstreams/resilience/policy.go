package resilience

import (
	"math"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/weft-gateway/weft/internal/resource"
)

// Policy is an Upstream's spec.resilience block. A mechanism whose field is
// nil is off; within a mechanism that is on, a zero field takes its default
// (see each type). RetryBudget is the exception: whenever retries or
// hedging are on, a budget applies, with its defaults unless it is set,
// since unbudgeted retries multiply the load on an upstream that is
// already failing.
type Policy struct {
	// Retries resends idempotent calls that failed in a way a second try
	// can fix.
	Retries *Retries `yaml:"retries"`
	// RetryBudget caps the extra calls retries and hedges add.
	RetryBudget *RetryBudget `yaml:"retryBudget"`
	// CircuitBreaker stops calling an upstream whose recent calls mostly
	// failed, for a while.
	CircuitBreaker *CircuitBreaker `yaml:"circuitBreaker"`
	// Hedging sends a second copy of a slow idempotent call.
	Hedging *Hedging `yaml:"hedging"`
	// Concurrency caps the calls in flight to the upstream.
	Concurrency *Concurrency `yaml:"concurrency"`
}

// Retries says how idempotent calls are retried: after a timeout, an
// unavailable upstream (no connection, 502, 503, 504) or a 429, with
// jittered exponential backoff, within the call's deadline and the retry
// budget.
type Retries struct {
	// Attempts is the most times a call is sent, the first included
	// (default 3; 1 turns retries off).
	Attempts int `yaml:"attempts"`
	// Backoff is the wait before each retry.
	Backoff Backoff `yaml:"backoff"`
	// Jitter is "full" (default: each wait is drawn uniformly between zero
	// and its backoff, so clients that failed together do not retry
	// together) or "none".
	Jitter string `yaml:"jitter"`
	// MaxRetryAfter is the longest Retry-After (of a 429 or 503) that is
	// waited for (default: Backoff.Max). An upstream that asks for longer
	// is not retried: its answer stands.
	MaxRetryAfter time.Duration `yaml:"maxRetryAfter"`
}

// Backoff is an exponential backoff: the n-th retry waits up to
// Initial*Multiplier^(n-1), at most Max.
type Backoff struct {
	// Initial is the first retry's backoff (default 25ms).
	Initial time.Duration `yaml:"initial"`
	// Max caps the backoff (default 1s, or Initial if that is longer).
	Max time.Duration `yaml:"max"`
	// Multiplier grows the backoff from one retry to the next (default 2).
	Multiplier float64 `yaml:"multiplier"`
}

// RetryBudget caps retries and hedges together: over a sliding Window,
// they may add at most Ratio times the calls made, plus MinPerSecond per
// second so that an upstream with little traffic can still be retried.
type RetryBudget struct {
	// Ratio of extra calls to calls (default 0.1: at most 10% more load).
	Ratio float64 `yaml:"ratio"`
	// MinPerSecond extra calls are always allowed (default 10).
	MinPerSecond float64 `yaml:"minPerSecond"`
	// Window is the period calls and extra calls are counted over
	// (default 10s).
	Window time.Duration `yaml:"window"`
}

// CircuitBreaker trips when, over Interval, at least MinRequests calls
// finished and FailureRatio of them failed (a timeout, an unavailable
// upstream, a 5xx or a 429). It then fails calls at once for OpenFor, and
// after that lets HalfOpenMax calls through: if they all succeed it closes,
// if one fails it opens again.
type CircuitBreaker struct {
	// FailureRatio that trips the breaker (default 0.5).
	FailureRatio float64 `yaml:"failureRatio"`
	// MinRequests is the fewest finished calls a decision is made on
	// (default 20), so that one failure of a quiet upstream does not trip it.
	MinRequests int `yaml:"minRequests"`
	// Interval is the sliding window calls are counted over (default 10s).
	Interval time.Duration `yaml:"interval"`
	// OpenFor is how long the breaker stays open (default 5s).
	OpenFor time.Duration `yaml:"openFor"`
	// HalfOpenMax is the number of trial calls once OpenFor has passed
	// (default 1).
	HalfOpenMax int `yaml:"halfOpenMax"`
}

// Hedging sends up to Max more copies of an idempotent call, each After
// the previous one, while none has answered; the first answer wins and the
// others are cancelled.
type Hedging struct {
	// After is the wait before each hedge. It has no default: it should sit
	// near the upstream's 95th percentile latency, which only its owner
	// knows.
	After time.Duration `yaml:"after" weft:"required"`
	// Max is the most hedges per call (default 1).
	Max int `yaml:"max"`
}

// Concurrency caps the calls in flight to the upstream (first tries,
// retries and hedges alike). A call over the cap fails at once, as
// UPSTREAM_OVERLOADED (extensions.reason "overloaded"): a queue would
// only add latency to calls an overloaded upstream answers late anyway.
type Concurrency struct {
	// Max calls in flight; required, since the right number depends on
	// the upstream's capacity.
	Max int `yaml:"max" weft:"required"`
}

// Defaults of the fields left unset.
const (
	DefaultAttempts        = 3
	DefaultBackoffInitial  = 25 * time.Millisecond
	DefaultBackoffMax      = time.Second
	DefaultMultiplier      = 2
	DefaultBudgetRatio     = 0.1
	DefaultBudgetMin       = 10
	DefaultBudgetWindow    = 10 * time.Second
	DefaultFailureRatio    = 0.5
	DefaultMinRequests     = 20
	DefaultBreakerInterval = 10 * time.Second
	DefaultOpenFor         = 5 * time.Second
	DefaultHalfOpenMax     = 1
	DefaultHedges          = 1
)

// Bounds of the settings: beyond them a policy hurts more than it helps.
const (
	maxAttempts   = 10
	maxHedges     = 3
	maxMultiplier = 10
	minWindow     = time.Second
	maxWindow     = 5 * time.Minute
)

// The jitter modes.
const (
	JitterFull = "full"
	JitterNone = "none"
)

// Decode reads a resilience block (node, at field path path of d, such as
// "spec.resilience") strictly, checks it, and fills in the defaults. Every
// error names its file, line and field path. A nil or null node is no
// policy: Decode returns nil.
func Decode(d *resource.Document, node *yaml.Node, path string) (*Policy, error) {
	if node == nil || node.Kind == yaml.ScalarNode && node.ShortTag() == "!!null" {
		return nil, nil
	}
	// The budget is decoded over its defaults, since minPerSecond: 0 and
	// ratio: 0 are settings, not absences.
	p := &Policy{RetryBudget: &RetryBudget{Ratio: DefaultBudgetRatio, MinPerSecond: DefaultBudgetMin, Window: DefaultBudgetWindow}}
	if err := d.Decode(node, path, p); err != nil {
		return nil, err
	}
	if errs := p.check(d, path); len(errs) > 0 {
		errs.Sort()
		return nil, errs
	}
	p.withDefaults()
	return p, nil
}

// check reports the settings out of range, before defaults fill the zeros.
func (p *Policy) check(d *resource.Document, path string) resource.Errors {
	var errs resource.Errors
	bad := func(field, format string, args ...any) {
		errs = append(errs, d.Errorf(path+"."+field, format, args...))
	}
	if r := p.Retries; r != nil {
		if r.Attempts < 0 || r.Attempts > maxAttempts {
			bad("retries.attempts", "%d is not between 1 and %d (the first try included)", r.Attempts, maxAttempts)
		}
		if r.Backoff.Initial < 0 {
			bad("retries.backoff.initial", "must not be negative")
		}
		if r.Backoff.Max < 0 {
			bad("retries.backoff.max", "must not be negative")
		} else if r.Backoff.Max > 0 && r.Backoff.Max < r.Backoff.Initial {
			bad("retries.backoff.max", "%v is shorter than backoff.initial (%v)", r.Backoff.Max, r.Backoff.Initial)
		}
		if m := r.Backoff.Multiplier; m != 0 && (m < 1 || m > maxMultiplier || math.IsNaN(m)) {
			bad("retries.backoff.multiplier", "%v is not between 1 and %d", m, maxMultiplier)
		}
		if r.Jitter != "" && r.Jitter != JitterFull && r.Jitter != JitterNone {
			bad("retries.jitter", "%q is not %q or %q", r.Jitter, JitterFull, JitterNone)
		}
		if r.MaxRetryAfter < 0 {
			bad("retries.maxRetryAfter", "must not be negative")
		}
	}
	if b := p.RetryBudget; b != nil {
		if b.Ratio < 0 || b.Ratio > 1 || math.IsNaN(b.Ratio) {
			bad("retryBudget.ratio", "%v is not between 0 and 1", b.Ratio)
		}
		if b.MinPerSecond < 0 || math.IsNaN(b.MinPerSecond) || math.IsInf(b.MinPerSecond, 0) {
			bad("retryBudget.minPerSecond", "%v is not a number of calls per second", b.MinPerSecond)
		}
		if b.Ratio == 0 && b.MinPerSecond == 0 {
			bad("retryBudget", "ratio and minPerSecond are both 0: the budget allows no retry or hedge (remove retries and hedging instead)")
		}
		if b.Window < minWindow || b.Window > maxWindow {
			bad("retryBudget.window", "%v is not between %v and %v", b.Window, minWindow, maxWindow)
		}
	}
	if cb := p.CircuitBreaker; cb != nil {
		if f := cb.FailureRatio; f < 0 || f > 1 || math.IsNaN(f) {
			bad("circuitBreaker.failureRatio", "%v is not between 0 and 1", f)
		}
		if cb.MinRequests < 0 || uint64(cb.MinRequests) > math.MaxUint32 {
			bad("circuitBreaker.minRequests", "%d is not a number of calls", cb.MinRequests)
		}
		if cb.Interval < 0 {
			bad("circuitBreaker.interval", "must not be negative")
		}
		if cb.OpenFor < 0 {
			bad("circuitBreaker.openFor", "must not be negative")
		}
		if cb.HalfOpenMax < 0 || uint64(cb.HalfOpenMax) > math.MaxUint32 {
			bad("circuitBreaker.halfOpenMax", "%d is not a number of trial calls", cb.HalfOpenMax)
		}
	}
	if h := p.Hedging; h != nil {
		if h.After <= 0 {
			bad("hedging.after", "must be positive, such as 50ms")
		}
		if h.Max < 0 || h.Max > maxHedges {
			bad("hedging.max", "%d is not between 1 and %d", h.Max, maxHedges)
		}
	}
	if c := p.Concurrency; c != nil && c.Max < 1 {
		bad("concurrency.max", "%d is not a positive number of calls", c.Max)
	}
	return errs
}

// withDefaults fills the zero fields of the mechanisms that are on.
func (p *Policy) withDefaults() {
	if r := p.Retries; r != nil {
		if r.Attempts == 0 {
			r.Attempts = DefaultAttempts
		}
		if r.Backoff.Initial == 0 {
			r.Backoff.Initial = DefaultBackoffInitial
		}
		if r.Backoff.Max == 0 {
			r.Backoff.Max = max(DefaultBackoffMax, r.Backoff.Initial)
		}
		if r.Backoff.Multiplier == 0 {
			r.Backoff.Multiplier = DefaultMultiplier
		}
		if r.Jitter == "" {
			r.Jitter = JitterFull
		}
		if r.MaxRetryAfter == 0 {
			r.MaxRetryAfter = r.Backoff.Max
		}
	}
	if p.RetryBudget == nil && (p.Retries != nil || p.Hedging != nil) {
		p.RetryBudget = &RetryBudget{Ratio: DefaultBudgetRatio, MinPerSecond: DefaultBudgetMin}
	}
	if b := p.RetryBudget; b != nil && b.Window == 0 {
		b.Window = DefaultBudgetWindow
	}
	if cb := p.CircuitBreaker; cb != nil {
		if cb.FailureRatio == 0 {
			cb.FailureRatio = DefaultFailureRatio
		}
		if cb.MinRequests == 0 {
			cb.MinRequests = DefaultMinRequests
		}
		if cb.Interval == 0 {
			cb.Interval = DefaultBreakerInterval
		}
		if cb.OpenFor == 0 {
			cb.OpenFor = DefaultOpenFor
		}
		if cb.HalfOpenMax == 0 {
			cb.HalfOpenMax = DefaultHalfOpenMax
		}
	}
	if h := p.Hedging; h != nil && h.Max == 0 {
		h.Max = DefaultHedges
	}
}
