// Package resilience wraps any upstream with the mechanisms that keep a
// slow or failing upstream from taking the gateway, or itself, down:
// retries with jittered exponential backoff, a retry budget, a circuit
// breaker, hedged requests and a cap on calls in flight. Every kind gets
// them the same way, from its Upstream resource's spec.resilience block:
//
//	spec:
//	  resilience:
//	    retries: {attempts: 3, backoff: {initial: 25ms, max: 1s, multiplier: 2}, jitter: full}
//	    retryBudget: {ratio: 0.1, minPerSecond: 10}
//	    circuitBreaker: {failureRatio: 0.5, minRequests: 20, interval: 10s, openFor: 5s, halfOpenMax: 1}
//	    hedging: {after: 50ms, max: 1}
//	    concurrency: {max: 64}
//	  rest: {baseURL: http://reviews}
//
// A call goes through them in this order:
//
//	Do ─▶ retries (idempotent calls; within the deadline and the budget)
//	     ─▶ one round: the call, and its hedges while it has not answered
//	          ─▶ each attempt: a slot under concurrency.max ─▶ the breaker ─▶ the upstream
//
// so the breaker sees every attempt, a retry or hedge counts against the
// concurrency cap like any call, and the budget bounds retries and hedges
// together. No wait (backoff, Retry-After, hedge delay) runs past the
// caller's deadline: a retry that could not start before it is not made.
//
// Failures the wrapper makes itself are UPSTREAM_CIRCUIT_OPEN and
// UPSTREAM_OVERLOADED errors (with extensions.reason "circuit open" or
// "overloaded"); they are never retried, since retrying is what they exist
// to prevent.
package resilience

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
	"github.com/sony/gobreaker/v2"

	"github.com/weft-gateway/weft/upstreams"
)

// Errors the wrapper fails calls with, as the Err of an *upstreams.Error, so
// that callers (fallbacks, logs) can tell them with errors.Is.
var (
	// ErrCircuitOpen: the circuit breaker is open, or half-open with its
	// trial calls in flight.
	ErrCircuitOpen = errors.New("circuit open")
	// ErrOverloaded: concurrency.max calls are in flight already.
	ErrOverloaded = errors.New("too many calls in flight")
)

// The extensions.reason values of the errors above.
const (
	ReasonCircuitOpen = "circuit open"
	ReasonOverloaded  = "overloaded"
)

// Option tunes Wrap.
type Option func(*options)

type options struct {
	log zerolog.Logger
}

// WithLog logs the circuit breaker's state changes.
func WithLog(log zerolog.Logger) Option {
	return func(o *options) { o.log = log }
}

// Upstream is an upstream wrapped in a Policy. It is an upstreams.Upstream
// itself, and reports what it did in Stats.
type Upstream struct {
	up  upstreams.Upstream
	log zerolog.Logger

	retries *Retries
	budget  *budget
	hedging *Hedging
	limit   int64 // 0: no cap
	breaker *gobreaker.TwoStepCircuitBreaker[struct{}]

	inflight atomic.Int64
	stats    counters
}

var _ upstreams.Upstream = (*Upstream)(nil)

// counters are Stats' live values.
type counters struct {
	calls, attempts, retries, budgetDenied, hedges, hedgeWins, shed, circuitOpen atomic.Int64
}

// Stats counts what an Upstream did since Wrap.
type Stats struct {
	// Calls made through Do.
	Calls int64
	// Attempts sent to the wrapped upstream: first tries, retries, hedges.
	Attempts int64
	// Retries sent.
	Retries int64
	// BudgetDenied counts retries and hedges the retry budget refused.
	BudgetDenied int64
	// Hedges sent, and HedgeWins the calls a hedge answered.
	Hedges, HedgeWins int64
	// Shed counts attempts refused over concurrency.max.
	Shed int64
	// CircuitOpen counts attempts the circuit breaker refused.
	CircuitOpen int64
	// InFlight is the attempts in flight now.
	InFlight int64
	// Circuit is the breaker's state: "closed", "open", "half-open", or ""
	// without a breaker.
	Circuit string
}

// Wrap returns up with the policy's mechanisms around it. Zero fields of
// the mechanisms p turns on take their defaults, as Decode gives them; a
// zero Policy adds nothing but the counters. Wrap does not check ranges:
// Decode does, for policies read from config. Closing the wrapper closes up.
func Wrap(up upstreams.Upstream, p Policy, opts ...Option) *Upstream {
	o := options{log: zerolog.Nop()}
	for _, opt := range opts {
		opt(&o)
	}
	p = p.clone()
	p.withDefaults()
	w := &Upstream{up: up, log: o.log, retries: p.Retries, hedging: p.Hedging}
	if p.RetryBudget != nil && (p.Retries != nil || p.Hedging != nil) {
		w.budget = newBudget(p.RetryBudget, time.Now)
	}
	if p.Concurrency != nil {
		w.limit = int64(p.Concurrency.Max)
	}
	if cb := p.CircuitBreaker; cb != nil {
		w.breaker = gobreaker.NewTwoStepCircuitBreaker[struct{}](gobreaker.Settings{
			Name:         up.Name(),
			MaxRequests:  clampUint32(cb.HalfOpenMax),
			Interval:     cb.Interval,
			BucketPeriod: max(cb.Interval/10, time.Millisecond),
			Timeout:      cb.OpenFor,
			ReadyToTrip: func(n gobreaker.Counts) bool {
				done := n.TotalSuccesses + n.TotalFailures
				return done >= clampUint32(cb.MinRequests) && float64(n.TotalFailures) >= cb.FailureRatio*float64(done)
			},
			IsExcluded: func(err error) bool { return err == errExcluded },
			OnStateChange: func(name string, from, to gobreaker.State) {
				w.log.Warn().Str("upstream", name).Str("from", from.String()).Str("to", to.String()).Msg("circuit breaker changed state")
			},
		})
	}
	return w
}

// clampUint32 converts a count checked to be non-negative for gobreaker.
func clampUint32(n int) uint32 {
	if n <= 0 {
		return 0
	}
	if uint64(n) > math.MaxUint32 {
		return math.MaxUint32
	}
	return uint32(n)
}

// clone copies the mechanisms so that filling defaults leaves the
// caller's policy as it was.
func (p Policy) clone() Policy {
	if p.Retries != nil {
		r := *p.Retries
		p.Retries = &r
	}
	if p.RetryBudget != nil {
		b := *p.RetryBudget
		p.RetryBudget = &b
	}
	if p.CircuitBreaker != nil {
		cb := *p.CircuitBreaker
		p.CircuitBreaker = &cb
	}
	if p.Hedging != nil {
		h := *p.Hedging
		p.Hedging = &h
	}
	if p.Concurrency != nil {
		c := *p.Concurrency
		p.Concurrency = &c
	}
	return p
}

// Name returns the wrapped upstream's name.
func (w *Upstream) Name() string { return w.up.Name() }

// Close closes the wrapped upstream; calls in flight finish.
func (w *Upstream) Close() { w.up.Close() }

// Unwrap returns the wrapped upstream, for the optional interfaces a kind
// implements beyond upstreams.Upstream (a gRPC stream, say).
func (w *Upstream) Unwrap() upstreams.Upstream { return w.up }

// String describes the wrapped upstream, for plans and logs.
func (w *Upstream) String() string {
	if s, ok := w.up.(fmt.Stringer); ok {
		return s.String()
	}
	return w.up.Name()
}

// Idempotent reports whether the wrapper retries c, so that wrappers and
// callers further out see the same answer.
func (w *Upstream) Idempotent(c *upstreams.Call) bool {
	retry, _ := classify(w.up, c)
	return retry
}

// Stats returns the counters.
func (w *Upstream) Stats() Stats {
	s := Stats{
		Calls:        w.stats.calls.Load(),
		Attempts:     w.stats.attempts.Load(),
		Retries:      w.stats.retries.Load(),
		BudgetDenied: w.stats.budgetDenied.Load(),
		Hedges:       w.stats.hedges.Load(),
		HedgeWins:    w.stats.hedgeWins.Load(),
		Shed:         w.stats.shed.Load(),
		CircuitOpen:  w.stats.circuitOpen.Load(),
		InFlight:     w.inflight.Load(),
	}
	if w.breaker != nil {
		s.Circuit = w.breaker.State().String()
	}
	return s
}

// hedged is what Prepare builds for a call that may be hedged: the
// upstream's own prepared request, and one more per hedge. Each hedge is
// prepared on its own, while the executor's lock protects what the
// templates read, because attempts in flight at once must not share a
// request (a kind may set headers on it as it sends).
type hedged struct {
	primary any
	hedges  []*upstreams.Call
}

// Prepare prepares c with the wrapped upstream, and its hedges when it may
// be hedged.
func (w *Upstream) Prepare(c *upstreams.Call) error {
	if err := w.up.Prepare(c); err != nil {
		return err
	}
	if w.hedging == nil {
		return nil
	}
	if _, hedge := classify(w.up, c); !hedge {
		return nil
	}
	hs := make([]*upstreams.Call, 0, w.hedging.Max)
	for i := range w.hedging.Max {
		h := *c
		h.Key, h.Prepared = "", nil
		if err := w.up.Prepare(&h); err != nil {
			break // the call itself prepared; it goes without hedges
		}
		// A Key of its own keeps in-flight merging from folding the
		// hedge into the exchange it races.
		h.Key = fmt.Sprintf("%s\x00hedge %d", h.Key, i+1)
		hs = append(hs, &h)
	}
	if len(hs) > 0 {
		c.Prepared = &hedged{primary: c.Prepared, hedges: hs}
	}
	return nil
}

// Do sends a prepared call through the policy.
func (w *Upstream) Do(ctx context.Context, c *upstreams.Call) (*upstreams.Result, error) {
	w.stats.calls.Add(1)
	w.budget.deposit()
	var hedges []*upstreams.Call
	if h, ok := c.Prepared.(*hedged); ok {
		primary := *c
		primary.Prepared = h.primary
		c, hedges = &primary, h.hedges
	}
	attempts := 1
	if w.retries != nil {
		if retry, _ := classify(w.up, c); retry {
			attempts = w.retries.Attempts
		}
	}
	for n := 1; ; n++ {
		var res *upstreams.Result
		var err error
		if len(hedges) > 0 {
			res, err = w.race(ctx, c, hedges)
		} else {
			res, err = w.attempt(ctx, c)
		}
		if err == nil || n >= attempts || !retryable(err) || ctx.Err() != nil {
			return res, err
		}
		wait, ok := w.backoff(n, err)
		if !ok {
			return nil, err
		}
		if dl, has := ctx.Deadline(); has && time.Until(dl) <= wait {
			return nil, err // the retry could not finish in time
		}
		if !w.budget.withdraw() {
			w.stats.budgetDenied.Add(1)
			return nil, err
		}
		if !sleep(ctx, wait) {
			return nil, err
		}
		w.stats.retries.Add(1)
	}
}

// backoff returns the wait before retry n (counting from 1) after err, or
// false when err's Retry-After asks for longer than the policy waits.
func (w *Upstream) backoff(n int, err error) (time.Duration, bool) {
	r := w.retries
	d := float64(r.Backoff.Initial) * math.Pow(r.Backoff.Multiplier, float64(n-1))
	wait := r.Backoff.Max
	if d < float64(r.Backoff.Max) {
		wait = time.Duration(d)
	}
	if r.Jitter == JitterFull && wait > 0 {
		wait = time.Duration(rand.Int64N(int64(wait) + 1))
	}
	var ue *upstreams.Error
	if errors.As(err, &ue) && ue.RetryAfter > 0 {
		if ue.RetryAfter > r.MaxRetryAfter {
			return 0, false
		}
		wait = max(wait, ue.RetryAfter)
	}
	return wait, true
}

// sleep waits d, or until ctx is done; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// retryable reports whether a second try may succeed where err failed: a
// timeout, an upstream that was unavailable, or one that asked to be
// called again later (429). The wrapper's own refusals are not.
func retryable(err error) bool {
	var e *upstreams.Error
	if !errors.As(err, &e) || errors.Is(err, ErrCircuitOpen) || errors.Is(err, ErrOverloaded) {
		return false
	}
	switch e.Code {
	case upstreams.CodeTimeout, upstreams.CodeUnavailable:
		return true
	}
	return e.Status == 429
}

// attempt sends c once, if the concurrency cap and the breaker let it.
func (w *Upstream) attempt(ctx context.Context, c *upstreams.Call) (*upstreams.Result, error) {
	done, err := w.admit()
	if err != nil {
		return nil, err
	}
	w.stats.attempts.Add(1)
	res, err := w.up.Do(ctx, c)
	done(breakerOutcome(ctx, err))
	return res, err
}

// admit takes a slot under the concurrency cap and the breaker's leave for
// one attempt; done gives both back, with the attempt's outcome as the
// breaker counts it (see breakerOutcome).
func (w *Upstream) admit() (done func(outcome error), err error) {
	if n := w.inflight.Add(1); w.limit > 0 && n > w.limit {
		w.inflight.Add(-1)
		w.stats.shed.Add(1)
		return nil, w.refusal(ErrOverloaded, ReasonOverloaded)
	}
	var verdict func(error)
	if w.breaker != nil {
		if verdict, err = w.breaker.Allow(); err != nil {
			w.inflight.Add(-1)
			w.stats.circuitOpen.Add(1)
			return nil, w.refusal(ErrCircuitOpen, ReasonCircuitOpen)
		}
	}
	return func(outcome error) {
		if verdict != nil {
			verdict(outcome)
		}
		w.inflight.Add(-1)
	}, nil
}

func (w *Upstream) refusal(err error, reason string) *upstreams.Error {
	code := upstreams.CodeOverloaded
	if reason == ReasonCircuitOpen {
		code = upstreams.CodeCircuitOpen
	}
	return &upstreams.Error{Code: code, Upstream: w.up.Name(), Msg: err.Error(), Err: err,
		Extensions: map[string]any{"reason": reason}}
}

// Outcomes of an attempt as the breaker counts them.
var (
	errFailure  = errors.New("upstream failure")
	errExcluded = errors.New("not counted")
)

// breakerOutcome says how an attempt counts for the breaker. Failures are
// what says the upstream is unwell: a timeout, no connection, a 5xx, a
// 429. An answer the upstream gave (a 404, a GraphQL error, a body that is
// not JSON) is a success: the upstream is up. An attempt its caller gave up
// on (a hedge that lost, a client gone), or that was never sent (a request
// that could not be built), is not counted.
func breakerOutcome(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(ctx.Err(), context.Canceled) {
		return errExcluded
	}
	var e *upstreams.Error
	if !errors.As(err, &e) {
		return errFailure
	}
	switch {
	case e.Code == upstreams.CodeBadRequest:
		return errExcluded
	case e.Code == upstreams.CodeTimeout, e.Code == upstreams.CodeUnavailable, e.Status >= 500, e.Status == 429:
		return errFailure
	}
	return nil
}

// outcome is one attempt's answer in a race.
type outcome struct {
	res   *upstreams.Result
	err   error
	hedge bool
}

// race sends c, then each hedge After the last while none has answered.
// The first success, or the first failure a retry would not fix, wins; the
// others are cancelled and their results released. When every attempt
// sent failed in a way a retry may fix, the last failure is returned.
func (w *Upstream) race(ctx context.Context, c *upstreams.Call, hedges []*upstreams.Call) (*upstreams.Result, error) {
	done, err := w.admit()
	if err != nil {
		return nil, err
	}
	actx, cancel := context.WithCancel(ctx)
	defer cancel()
	out := make(chan outcome, 1+len(hedges))
	send := func(call *upstreams.Call, done func(error), hedge bool) {
		w.stats.attempts.Add(1)
		go func() {
			res, err := w.up.Do(actx, call)
			done(breakerOutcome(actx, err))
			out <- outcome{res: res, err: err, hedge: hedge}
		}()
	}
	send(c, done, false)
	pending, next := 1, 0
	timer := time.NewTimer(w.hedging.After)
	defer timer.Stop()
	for {
		select {
		case o := <-out:
			pending--
			if o.err == nil || !retryable(o.err) {
				w.discard(out, pending)
				if o.hedge && o.err == nil {
					w.stats.hedgeWins.Add(1)
				}
				return o.res, o.err
			}
			if pending == 0 {
				// Every attempt sent failed: the retry loop decides, with
				// its backoff, rather than a hedge sent at once.
				return nil, o.err
			}
		case <-timer.C:
			if done, ok := w.admitHedge(); ok {
				w.stats.hedges.Add(1)
				send(hedges[next], done, true)
				pending++
			}
			if next++; next < len(hedges) {
				timer.Reset(w.hedging.After)
			}
		case <-ctx.Done():
			w.discard(out, pending)
			return nil, upstreams.TransportError(w.up.Name(), ctx.Err())
		}
	}
}

// admitHedge takes what a hedge needs: a slot, the breaker's leave and a
// share of the retry budget. A hedge that cannot have them is not sent;
// the attempts in flight go on.
func (w *Upstream) admitHedge() (func(error), bool) {
	done, err := w.admit()
	if err != nil {
		return nil, false
	}
	if !w.budget.withdraw() {
		w.stats.budgetDenied.Add(1)
		done(errExcluded)
		return nil, false
	}
	return done, true
}

// discard releases the results of the attempts still in flight as they
// come: they were cancelled, and the caller has its answer.
func (w *Upstream) discard(out <-chan outcome, pending int) {
	if pending == 0 {
		return
	}
	go func() {
		for range pending {
			o := <-out
			o.res.Release()
		}
	}()
}
