package resilience

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/weft-gateway/weft/schema"
	"github.com/weft-gateway/weft/upstreams"
)

// fake is an upstream for tests of the policy's own logic; do answers each
// call. Tests of the mechanisms against the network use a real rest
// upstream and server.
type fake struct {
	calls atomic.Int64
	do    func(ctx context.Context, c *upstreams.Call) (*upstreams.Result, error)
}

func (f *fake) Name() string { return "fake" }
func (f *fake) Close()       {}
func (f *fake) Prepare(c *upstreams.Call) error {
	c.Key, c.Prepared = "k", "prepared"
	return nil
}
func (f *fake) Do(ctx context.Context, c *upstreams.Call) (*upstreams.Result, error) {
	f.calls.Add(1)
	return f.do(ctx, c)
}

// reads makes every call of an upstream idempotent.
type reads struct{ *fake }

func (reads) Idempotent(*upstreams.Call) bool { return true }

// writes makes no call of an upstream idempotent.
type writes struct{ *fake }

func (writes) Idempotent(*upstreams.Call) bool { return false }

func TestBudget(t *testing.T) {
	now := time.Unix(1000, 0)
	clock := func() time.Time { return now }
	b := newBudget(&RetryBudget{Ratio: 0.5, Window: 10 * time.Second}, clock)
	if b.withdraw() {
		t.Fatal("a budget with no calls and no floor allowed a retry")
	}
	for range 4 {
		b.deposit()
	}
	if !b.withdraw() || !b.withdraw() || b.withdraw() {
		t.Fatal("4 calls at ratio 0.5 should allow exactly 2 retries")
	}
	now = now.Add(5 * time.Second)
	b.deposit()
	b.deposit()
	if !b.withdraw() || b.withdraw() {
		t.Fatal("6 calls in the window should allow exactly 3 retries")
	}
	// The first 4 calls and 2 retries leave the window; 2 calls and 1 retry stay.
	now = now.Add(6 * time.Second)
	if b.withdraw() {
		t.Fatal("2 calls and 1 retry in the window: no retry is left")
	}
	b.deposit()
	b.deposit()
	if !b.withdraw() || b.withdraw() {
		t.Fatal("4 calls and 1 retry in the window should allow one more")
	}
	now = now.Add(time.Hour)
	if b.withdraw() {
		t.Fatal("an hour later the window holds no calls")
	}

	floor := newBudget(&RetryBudget{MinPerSecond: 2, Window: 5 * time.Second}, clock)
	for i := range 10 {
		if !floor.withdraw() {
			t.Fatalf("retry %d refused: 2/s over 5s allows 10 with no calls", i+1)
		}
	}
	if floor.withdraw() {
		t.Fatal("an 11th retry passed a floor of 10")
	}
	var none *budget
	none.deposit()
	if !none.withdraw() {
		t.Fatal("no budget refused a retry")
	}
}

func TestBackoff(t *testing.T) {
	w := Wrap(&fake{}, Policy{Retries: &Retries{Jitter: JitterNone, MaxRetryAfter: 300 * time.Millisecond,
		Backoff: Backoff{Initial: 10 * time.Millisecond, Max: 100 * time.Millisecond, Multiplier: 3}}})
	plain := errors.New("x")
	for n, want := range []time.Duration{10, 30, 90, 100, 100} {
		if got, ok := w.backoff(n+1, plain); !ok || got != want*time.Millisecond {
			t.Errorf("retry %d waits %v, want %v", n+1, got, want*time.Millisecond)
		}
	}
	asked := &upstreams.Error{Code: upstreams.CodeError, Status: 429, RetryAfter: 200 * time.Millisecond}
	if got, ok := w.backoff(1, asked); !ok || got != 200*time.Millisecond {
		t.Errorf("Retry-After 200ms: waits %v, %v", got, ok)
	}
	asked.RetryAfter = time.Second
	if _, ok := w.backoff(1, asked); ok {
		t.Error("a Retry-After over maxRetryAfter was retried")
	}

	full := Wrap(&fake{}, Policy{Retries: &Retries{Backoff: Backoff{Initial: 10 * time.Millisecond, Max: 40 * time.Millisecond}}})
	seen := map[bool]bool{}
	for n := 1; n <= 4; n++ {
		limit := min(10*time.Millisecond<<(n-1), 40*time.Millisecond)
		for range 200 {
			got, _ := full.backoff(n, plain)
			if got < 0 || got > limit {
				t.Fatalf("full jitter: retry %d waits %v, outside [0, %v]", n, got, limit)
			}
			seen[got < limit/2] = true
		}
	}
	if !seen[true] || !seen[false] {
		t.Fatal("full jitter did not spread the waits over the range")
	}
}

func TestClassify(t *testing.T) {
	call := &upstreams.Call{Binding: &schema.Binding{Kind: "rest"}}
	tests := []struct {
		name         string
		up           upstreams.Upstream
		call         *upstreams.Call
		retry, hedge bool
	}{
		{"a kind without Idempotency", &fake{}, call, false, false},
		{"an idempotent call", reads{&fake{}}, call, true, true},
		{"a call that writes", writes{&fake{}}, call, false, false},
		{"no binding", &fake{}, &upstreams.Call{}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if retry, hedge := classify(tt.up, tt.call); retry != tt.retry || hedge != tt.hedge {
				t.Fatalf("classify = %v, %v; want %v, %v", retry, hedge, tt.retry, tt.hedge)
			}
		})
	}
}

func TestBreakerOutcome(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	live := context.Background()
	e := func(code upstreams.Code, status int) error { return &upstreams.Error{Code: code, Status: status} }
	tests := []struct {
		name string
		ctx  context.Context
		err  error
		want error
	}{
		{"success", live, nil, nil},
		{"timeout", live, e(upstreams.CodeTimeout, 0), errFailure},
		{"unavailable", live, e(upstreams.CodeUnavailable, 503), errFailure},
		{"500", live, e(upstreams.CodeError, 500), errFailure},
		{"429", live, e(upstreams.CodeError, 429), errFailure},
		{"404 is an answer", live, e(upstreams.CodeError, 404), nil},
		{"GraphQL error is an answer", live, e(upstreams.CodeError, 200), nil},
		{"bad response is an answer", live, e(upstreams.CodeBadResponse, 200), nil},
		{"never sent", live, e(upstreams.CodeBadRequest, 0), errExcluded},
		{"caller gave up", cancelled, e(upstreams.CodeUnavailable, 0), errExcluded},
		{"not an upstream error", live, errors.New("boom"), errFailure},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := breakerOutcome(tt.ctx, tt.err); got != tt.want {
				t.Fatalf("breakerOutcome = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestHedgeLoserReleased: an attempt that answers after the race was won
// has its result released, and the hedge ran on a request of its own.
func TestHedgeLoserReleased(t *testing.T) {
	gate := make(chan struct{})
	released := make(chan struct{})
	f := &fake{}
	f.do = func(ctx context.Context, c *upstreams.Call) (*upstreams.Result, error) {
		if !strings.Contains(c.Key, "hedge") {
			<-gate // the slow first attempt: it answers whatever its context says
			return upstreams.NewResult(nil, 200, func() { close(released) }), nil
		}
		return upstreams.NewResult(nil, 201, nil), nil
	}
	w := Wrap(reads{f}, Policy{Hedging: &Hedging{After: time.Millisecond}})
	c := &upstreams.Call{}
	if err := w.Prepare(c); err != nil {
		t.Fatal(err)
	}
	res, err := w.Do(context.Background(), c)
	if err != nil || res.Status != 201 {
		t.Fatalf("Do = %+v, %v; want the hedge's answer", res, err)
	}
	res.Release()
	close(gate)
	select {
	case <-released:
	case <-time.After(5 * time.Second):
		t.Fatal("the losing attempt's result was not released")
	}
	if f.calls.Load() != 2 || w.Stats().HedgeWins != 1 {
		t.Fatalf("upstream received %d calls, stats %+v", f.calls.Load(), w.Stats())
	}
}

// TestHedgeBudget: hedges draw on the retry budget, so a slow upstream
// gets at most the budget's extra calls, not one more per call.
func TestHedgeBudget(t *testing.T) {
	f := &fake{}
	f.do = func(ctx context.Context, c *upstreams.Call) (*upstreams.Result, error) {
		if strings.Contains(c.Key, "hedge") {
			return upstreams.NewResult(nil, 200, nil), nil
		}
		select { // slow: twenty times hedging.after
		case <-time.After(20 * time.Millisecond):
		case <-ctx.Done():
			return nil, upstreams.TransportError("fake", ctx.Err())
		}
		return upstreams.NewResult(nil, 200, nil), nil
	}
	// A floor of 2 extra calls in the window, and no ratio.
	w := Wrap(reads{f}, Policy{Hedging: &Hedging{After: time.Millisecond}, RetryBudget: &RetryBudget{MinPerSecond: 0.2, Window: 10 * time.Second}})
	for range 5 {
		c := &upstreams.Call{}
		if err := w.Prepare(c); err != nil {
			t.Fatal(err)
		}
		res, err := w.Do(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		res.Release()
	}
	if got, s := f.calls.Load(), w.Stats(); got != 7 || s.Hedges != 2 || s.BudgetDenied != 3 {
		t.Fatalf("upstream received %d calls (want 5 and 2 hedges), stats %+v", got, s)
	}
}

// TestRetryAfterHonoured: a retry waits at least what Retry-After asked.
func TestRetryAfterHonoured(t *testing.T) {
	f := &fake{}
	f.do = func(context.Context, *upstreams.Call) (*upstreams.Result, error) {
		if f.calls.Load() == 1 {
			return nil, &upstreams.Error{Code: upstreams.CodeUnavailable, Status: 503, RetryAfter: 30 * time.Millisecond}
		}
		return upstreams.NewResult(nil, 200, nil), nil
	}
	w := Wrap(reads{f}, Policy{Retries: &Retries{Backoff: Backoff{Initial: time.Millisecond, Max: 100 * time.Millisecond}}})
	c := &upstreams.Call{}
	_ = w.Prepare(c)
	start := time.Now()
	res, err := w.Do(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	res.Release()
	if d := time.Since(start); d < 30*time.Millisecond || f.calls.Load() != 2 {
		t.Fatalf("retried after %v with %d calls; Retry-After asked for 30ms", d, f.calls.Load())
	}
}

// TestPolicyNotChanged: Wrap fills defaults in its own copy.
func TestPolicyNotChanged(t *testing.T) {
	p := Policy{Retries: &Retries{}, CircuitBreaker: &CircuitBreaker{}}
	Wrap(&fake{}, p)
	if *p.Retries != (Retries{}) || *p.CircuitBreaker != (CircuitBreaker{}) || p.RetryBudget != nil {
		t.Fatalf("Wrap changed its policy: %+v", p)
	}
}
