package resilience_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/weft-gateway/weft/internal/resource"
	"github.com/weft-gateway/weft/upstreams"
	"github.com/weft-gateway/weft/upstreams/resilience"
)

// decode reads the resilience block of an Upstream whose spec holds block
// (lines indented by two spaces) in a file named up.yaml.
func decode(t testing.TB, block string) (*resilience.Policy, error) {
	t.Helper()
	doc := "apiVersion: weft.dev/v1\nkind: Upstream\nmetadata: {name: api}\nspec:\n" + block + "  rest: {baseURL: http://api}\n"
	docs, err := resource.LoadBytes("up.yaml", []byte(doc), resource.Options{})
	if err != nil {
		t.Fatalf("LoadBytes: %v", err)
	}
	return resilience.Decode(docs[0], docs[0].Node("spec.resilience"), "spec.resilience")
}

func TestDecodeDefaults(t *testing.T) {
	p, err := decode(t, "  resilience:\n    retries: {}\n    circuitBreaker: {}\n    hedging: {after: 40ms}\n    concurrency: {max: 8}\n")
	if err != nil {
		t.Fatal(err)
	}
	want := resilience.Policy{
		Retries: &resilience.Retries{Attempts: resilience.DefaultAttempts, Jitter: resilience.JitterFull, MaxRetryAfter: resilience.DefaultBackoffMax,
			Backoff: resilience.Backoff{Initial: resilience.DefaultBackoffInitial, Max: resilience.DefaultBackoffMax, Multiplier: resilience.DefaultMultiplier}},
		RetryBudget: &resilience.RetryBudget{Ratio: resilience.DefaultBudgetRatio, MinPerSecond: resilience.DefaultBudgetMin, Window: resilience.DefaultBudgetWindow},
		CircuitBreaker: &resilience.CircuitBreaker{FailureRatio: resilience.DefaultFailureRatio, MinRequests: resilience.DefaultMinRequests,
			Interval: resilience.DefaultBreakerInterval, OpenFor: resilience.DefaultOpenFor, HalfOpenMax: resilience.DefaultHalfOpenMax},
		Hedging:     &resilience.Hedging{After: 40 * time.Millisecond, Max: resilience.DefaultHedges},
		Concurrency: &resilience.Concurrency{Max: 8},
	}
	if *p.Retries != *want.Retries || *p.RetryBudget != *want.RetryBudget || *p.CircuitBreaker != *want.CircuitBreaker ||
		*p.Hedging != *want.Hedging || *p.Concurrency != *want.Concurrency {
		t.Fatalf("Decode = %+v %+v %+v %+v %+v", *p.Retries, *p.RetryBudget, *p.CircuitBreaker, *p.Hedging, *p.Concurrency)
	}

	p, err = decode(t, "  resilience:\n    retries: {backoff: {initial: 2s}}\n    retryBudget: {minPerSecond: 0}\n")
	if err != nil {
		t.Fatal(err)
	}
	if p.Retries.Backoff.Max != 2*time.Second || p.RetryBudget.MinPerSecond != 0 || p.RetryBudget.Ratio != resilience.DefaultBudgetRatio {
		t.Fatalf("Decode = %+v %+v", *p.Retries, *p.RetryBudget)
	}

	for _, block := range []string{"", "  resilience:\n", "  resilience: null\n"} {
		if p, err := decode(t, block); p != nil || err != nil {
			t.Fatalf("%q: Decode = %+v, %v; want no policy", block, p, err)
		}
	}
}

// TestDecodeErrors: each mistake is reported at its file, line and field
// path.
func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name, block string
		want        []string
	}{
		{"unknown mechanism", "    retry: {attempts: 3}\n", []string{`up.yaml:6:5: spec.resilience.retry: unknown field "retry"`, "allowed fields: retries, retryBudget, circuitBreaker, hedging, concurrency"}},
		{"unknown field", "    retries: {atempts: 3}\n", []string{"up.yaml:6:15: spec.resilience.retries.atempts", "attempts"}},
		{"wrong type", "    retries: {attempts: many}\n", []string{"up.yaml:6:25: spec.resilience.retries.attempts"}},
		{"attempts out of range", "    retries:\n      attempts: 11\n", []string{"up.yaml:7:17: spec.resilience.retries.attempts: 11 is not between 1 and 10"}},
		{"bad duration", "    retries: {backoff: {initial: soon}}\n", []string{"up.yaml:6:34: spec.resilience.retries.backoff.initial"}},
		{"max below initial", "    retries: {backoff: {initial: 2s, max: 1s}}\n", []string{"spec.resilience.retries.backoff.max: 1s is shorter than backoff.initial (2s)"}},
		{"multiplier", "    retries: {backoff: {multiplier: 0.5}}\n", []string{"spec.resilience.retries.backoff.multiplier: 0.5 is not between 1 and 10"}},
		{"jitter", "    retries: {jitter: half}\n", []string{`up.yaml:6:23: spec.resilience.retries.jitter: "half" is not "full" or "none"`}},
		{"ratio", "    retryBudget: {ratio: 2}\n", []string{"spec.resilience.retryBudget.ratio: 2 is not between 0 and 1"}},
		{"empty budget", "    retryBudget: {ratio: 0, minPerSecond: 0}\n", []string{"up.yaml:6:18: spec.resilience.retryBudget: ratio and minPerSecond are both 0"}},
		{"window", "    retryBudget: {window: 10ms}\n", []string{"spec.resilience.retryBudget.window: 10ms is not between 1s and 5m0s"}},
		{"failure ratio", "    circuitBreaker: {failureRatio: 1.5}\n", []string{"spec.resilience.circuitBreaker.failureRatio: 1.5 is not between 0 and 1"}},
		{"negative openFor", "    circuitBreaker: {openFor: -1s}\n", []string{"spec.resilience.circuitBreaker.openFor: must not be negative"}},
		{"hedging without after", "    hedging: {max: 2}\n", []string{`up.yaml:6:14: spec.resilience.hedging.after: missing required field "after"`}},
		{"too many hedges", "    hedging: {after: 10ms, max: 4}\n", []string{"spec.resilience.hedging.max: 4 is not between 1 and 3"}},
		{"concurrency without max", "    concurrency: {}\n", []string{`spec.resilience.concurrency.max: missing required field "max"`}},
		{"concurrency zero", "    concurrency: {max: 0}\n", []string{"spec.resilience.concurrency.max: 0 is not a positive number of calls"}},
		{"every error at once", "    retries: {attempts: -1}\n    hedging: {after: 0s}\n", []string{"retries.attempts", "hedging.after: must be positive"}},
		{"not a mapping", "    [retries]\n", []string{"up.yaml:6:5: spec.resilience"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := decode(t, "  resilience:\n"+tt.block)
			if err == nil {
				t.Fatalf("Decode = %+v, want an error", p)
			}
			if resource.AsErrors(err) == nil {
				t.Fatalf("error %v (%T) is not config errors", err, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Fatalf("error:\n%v\nwant it to contain %q", err, w)
				}
			}
		})
	}
}

// FuzzDecode: any resilience block decodes to an error or to a policy
// whose settings are in range and that Wrap takes.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		"retries: {attempts: 3, backoff: {initial: 1ms, max: 2ms, multiplier: 1.5}, jitter: none}",
		"retryBudget: {ratio: 0.2, minPerSecond: 1, window: 2s}",
		"circuitBreaker: {failureRatio: 0.3, minRequests: 5, interval: 1s, openFor: 2s, halfOpenMax: 3}",
		"hedging: {after: 50ms, max: 2}\nconcurrency: {max: 3}",
		"retries: &a {attempts: 2}\nhedging: *a",
		"{}",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, block string) {
		doc := "apiVersion: weft.dev/v1\nkind: Upstream\nmetadata: {name: api}\nspec:\n  resilience:\n" + indent(block, "    ")
		docs, err := resource.LoadBytes("up.yaml", []byte(doc), resource.Options{})
		if err != nil || len(docs) != 1 {
			return
		}
		p, err := resilience.Decode(docs[0], docs[0].Node("spec.resilience"), "spec.resilience")
		if err != nil || p == nil {
			return
		}
		if r := p.Retries; r != nil && (r.Attempts < 1 || r.Attempts > 10 || r.Backoff.Initial <= 0 || r.Backoff.Max < r.Backoff.Initial || r.Backoff.Multiplier < 1) {
			t.Fatalf("retries out of range: %+v", *r)
		}
		if b := p.RetryBudget; b != nil && (b.Ratio < 0 || b.Ratio > 1 || b.MinPerSecond < 0 || b.Window < time.Second) {
			t.Fatalf("budget out of range: %+v", *b)
		}
		if h := p.Hedging; h != nil && (h.After <= 0 || h.Max < 1 || h.Max > 3) {
			t.Fatalf("hedging out of range: %+v", *h)
		}
		if c := p.Concurrency; c != nil && c.Max < 1 {
			t.Fatalf("concurrency out of range: %+v", *c)
		}
		resilience.Wrap(nopUpstream{}, *p).Close()
	})
}

func indent(s, prefix string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = prefix + l
	}
	return strings.Join(lines, "\n") + "\n"
}

type nopUpstream struct{}

func (nopUpstream) Name() string                  { return "nop" }
func (nopUpstream) Prepare(*upstreams.Call) error { return nil }
func (nopUpstream) Close()                        {}
func (nopUpstream) Do(context.Context, *upstreams.Call) (*upstreams.Result, error) {
	return nil, nil
}
