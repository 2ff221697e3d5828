package resilience_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/weft-gateway/weft/upstreams"
	"github.com/weft-gateway/weft/upstreams/resilience"
)

// quickRetries retries with backoffs of a few milliseconds.
func quickRetries(attempts int) *resilience.Retries {
	return &resilience.Retries{Attempts: attempts, Backoff: resilience.Backoff{Initial: time.Millisecond, Max: 4 * time.Millisecond}}
}

// TestRetries measures the calls a REST server receives for one call
// through the wrapper: which failures are retried, how often, and that
// writes never are.
func TestRetries(t *testing.T) {
	// status answers request n with statuses[n-1], then 200.
	status := func(statuses ...int) func(int64, http.ResponseWriter, *http.Request) {
		return func(n int64, w http.ResponseWriter, _ *http.Request) {
			if int(n) <= len(statuses) {
				answer(w, statuses[n-1])
				return
			}
			answer(w, 200)
		}
	}
	always := func(code int) func(int64, http.ResponseWriter, *http.Request) {
		return func(_ int64, w http.ResponseWriter, _ *http.Request) { answer(w, code) }
	}
	tests := []struct {
		name      string
		handle    func(int64, http.ResponseWriter, *http.Request)
		extra     string // spec lines
		field     string
		attempts  int
		wantCalls int64
		wantCode  upstreams.Code
		wantStat  int
	}{
		{name: "503 twice, then ok", handle: status(503, 503), field: "item", attempts: 3, wantCalls: 3},
		{name: "502 and 504 are retried", handle: status(502, 504), field: "item", attempts: 3, wantCalls: 3},
		{name: "always 503: attempts bound the calls", handle: always(503), field: "item", attempts: 3, wantCalls: 3, wantCode: upstreams.CodeUnavailable, wantStat: 503},
		{name: "attempts 1 sends once", handle: always(503), field: "item", attempts: 1, wantCalls: 1, wantCode: upstreams.CodeUnavailable, wantStat: 503},
		{name: "429 is retried", handle: status(429), field: "item", attempts: 3, wantCalls: 2},
		{name: "500 is the upstream's answer", handle: always(500), field: "item", attempts: 3, wantCalls: 1, wantCode: upstreams.CodeError, wantStat: 500},
		{name: "404 is the upstream's answer", handle: always(404), field: "item", attempts: 3, wantCalls: 1, wantCode: upstreams.CodeError, wantStat: 404},
		{name: "a POST is never retried", handle: always(503), field: "save", attempts: 3, wantCalls: 1, wantCode: upstreams.CodeUnavailable, wantStat: 503},
		{
			name: "Retry-After longer than maxRetryAfter ends the retries",
			handle: func(_ int64, w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Retry-After", "1")
				answer(w, 429)
			},
			field: "item", attempts: 3, wantCalls: 1, wantCode: upstreams.CodeError, wantStat: 429,
		},
		{
			name: "a timeout is retried",
			handle: func(n int64, w http.ResponseWriter, r *http.Request) {
				if n == 1 {
					<-r.Context().Done() // past spec.timeout: the client gives up
					return
				}
				answer(w, 200)
			},
			extra: "  timeout: 200ms\n", field: "item", attempts: 2, wantCalls: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, tt.handle)
			typ := "Query"
			if tt.field == "save" {
				typ = "Mutation"
			}
			up := restUpstream(t, srv.URL, tt.extra, resilience.Policy{Retries: quickRetries(tt.attempts)})
			err := newCaller(t, up, typ, tt.field).do(context.Background())
			code, st := codeOf(t, err)
			if code != tt.wantCode || st != tt.wantStat {
				t.Errorf("error = %v; want code %q status %d", err, tt.wantCode, tt.wantStat)
			}
			if got := srv.calls.Load(); got != tt.wantCalls {
				t.Errorf("server received %d calls, want %d", got, tt.wantCalls)
			}
			if s := up.Stats(); s.Retries != tt.wantCalls-1 || s.Attempts != tt.wantCalls || s.Calls != 1 {
				t.Errorf("stats = %+v, want %d retries", s, tt.wantCalls-1)
			}
		})
	}
}

// TestRetriesKeepTheDeadline: a retry whose backoff would outlast the
// caller's deadline is not made, and the caller is not kept waiting.
func TestRetriesKeepTheDeadline(t *testing.T) {
	srv := newServer(t, func(_ int64, w http.ResponseWriter, _ *http.Request) { answer(w, 503) })
	up := restUpstream(t, srv.URL, "", resilience.Policy{Retries: &resilience.Retries{
		Attempts: 5, Jitter: resilience.JitterNone, Backoff: resilience.Backoff{Initial: 10 * time.Second, Max: 10 * time.Second},
	}})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	err := newCaller(t, up, "Query", "item").do(ctx)
	if code, _ := codeOf(t, err); code != upstreams.CodeUnavailable {
		t.Fatalf("error = %v, want the upstream's 503", err)
	}
	if d := time.Since(start); d >= 5*time.Second {
		t.Fatalf("Do returned after %v, at or past the deadline", d)
	}
	if got := srv.calls.Load(); got != 1 {
		t.Fatalf("server received %d calls, want 1: the retry could not finish in time", got)
	}
}

// TestRetryBudget measures the calls an always failing server receives
// when every call would retry: the budget lets retries add only its ratio
// of the calls (plus its floor), where attempts alone would triple them.
func TestRetryBudget(t *testing.T) {
	tests := []struct {
		name         string
		ratio, floor float64
	}{
		{"ratio 0.1", 0.1, 0},
		{"ratio 0.5", 0.5, 0},
		{"floor only", 0, 0.5}, // 0.5/s over 10s: 5 retries
	}
	const calls, attempts = 20, 3
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, func(_ int64, w http.ResponseWriter, _ *http.Request) { answer(w, 503) })
			up := restUpstream(t, srv.URL, "", resilience.Policy{
				Retries:     quickRetries(attempts),
				RetryBudget: &resilience.RetryBudget{Ratio: tt.ratio, MinPerSecond: tt.floor, Window: 10 * time.Second},
			})
			c := newCaller(t, up, "Query", "item")
			for range calls {
				if code, _ := codeOf(t, c.do(context.Background())); code != upstreams.CodeUnavailable {
					t.Fatalf("a call to an always failing server did not fail")
				}
			}
			// The model: call i may retry while retries+1 <= ratio*i + floor*window.
			var want, retries int64
			for i := 1; i <= calls; i++ {
				want++
				for range attempts - 1 {
					if float64(retries+1) > tt.ratio*float64(i)+tt.floor*10+1e-9 {
						break
					}
					retries++
					want++
				}
			}
			if got := srv.calls.Load(); got != want {
				t.Fatalf("server received %d calls, want %d (%d calls and %d retries)", got, want, calls, want-calls)
			}
			if want >= calls*attempts {
				t.Fatalf("the budget never bound: %d calls", want)
			}
			if s := up.Stats(); s.Retries != want-calls || s.BudgetDenied == 0 {
				t.Fatalf("stats = %+v", s)
			}
		})
	}
}

// TestCircuitBreaker measures the calls a failing server receives: once
// the failure ratio trips the breaker, calls fail at once without reaching
// it; after openFor, trial calls go through and successes close it.
func TestCircuitBreaker(t *testing.T) {
	const openFor = 300 * time.Millisecond
	var mu sync.Mutex
	code := 500
	setStatus := func(c int) { mu.Lock(); code = c; mu.Unlock() }
	srv := newServer(t, func(_ int64, w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		c := code
		mu.Unlock()
		answer(w, c)
	})
	newUp := func() (*resilience.Upstream, *caller) {
		up := restUpstream(t, srv.URL, "", resilience.Policy{CircuitBreaker: &resilience.CircuitBreaker{
			FailureRatio: 0.5, MinRequests: 4, Interval: time.Minute, OpenFor: openFor, HalfOpenMax: 2,
		}})
		return up, newCaller(t, up, "Query", "item")
	}
	ctx := context.Background()

	t.Run("answers that are not failures keep it closed", func(t *testing.T) {
		srv.calls.Store(0)
		setStatus(404)
		up, c := newUp()
		for range 10 {
			if code, st := codeOf(t, c.do(ctx)); code != upstreams.CodeError || st != 404 {
				t.Fatalf("got %s %d, want the 404", code, st)
			}
		}
		if got := srv.calls.Load(); got != 10 || up.Stats().Circuit != "closed" {
			t.Fatalf("server received %d of 10 calls, circuit %s", got, up.Stats().Circuit)
		}
	})

	t.Run("a failure ratio below the threshold keeps it closed", func(t *testing.T) {
		srv.calls.Store(0)
		up, c := newUp()
		for i := range 12 {
			setStatus([]int{200, 200, 500}[i%3]) // a third fail
			_ = c.do(ctx)
		}
		if got := srv.calls.Load(); got != 12 || up.Stats().Circuit != "closed" {
			t.Fatalf("server received %d of 12 calls, circuit %s", got, up.Stats().Circuit)
		}
	})

	t.Run("trips, fails fast, probes and closes", func(t *testing.T) {
		srv.calls.Store(0)
		setStatus(500)
		up, c := newUp()
		for range 4 {
			if code, st := codeOf(t, c.do(ctx)); code != upstreams.CodeError || st != 500 {
				t.Fatalf("got %s %d, want the 500", code, st)
			}
		}
		if got := srv.calls.Load(); got != 4 || up.Stats().Circuit != "open" {
			t.Fatalf("after 4 failures: server received %d calls, circuit %s; want 4, open", got, up.Stats().Circuit)
		}
		for range 10 {
			err := c.do(ctx)
			if code, _ := codeOf(t, err); code != upstreams.CodeCircuitOpen || reasonOf(err) != resilience.ReasonCircuitOpen || !errors.Is(err, resilience.ErrCircuitOpen) {
				t.Fatalf("with the circuit open: %v (reason %v)", err, reasonOf(err))
			}
		}
		if got := srv.calls.Load(); got != 4 || up.Stats().CircuitOpen != 10 {
			t.Fatalf("server received %d calls while open, want 4 (stats %+v)", got, up.Stats())
		}

		time.Sleep(openFor) // the breaker's own period: it is half-open after it
		setStatus(200)
		if err := c.do(ctx); err != nil {
			t.Fatalf("trial call: %v", err)
		}
		if got, state := srv.calls.Load(), up.Stats().Circuit; got != 5 || state != "half-open" {
			t.Fatalf("after one trial: server received %d calls, circuit %s; want 5, half-open", got, state)
		}
		if err := c.do(ctx); err != nil {
			t.Fatalf("second trial call: %v", err)
		}
		if state := up.Stats().Circuit; state != "closed" {
			t.Fatalf("after halfOpenMax successes the circuit is %s", state)
		}
		for range 3 {
			if err := c.do(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if got := srv.calls.Load(); got != 9 {
			t.Fatalf("server received %d calls, want 9", got)
		}
	})

	t.Run("a failed trial opens it again", func(t *testing.T) {
		srv.calls.Store(0)
		setStatus(503)
		up, c := newUp()
		for range 4 {
			_ = c.do(ctx)
		}
		time.Sleep(openFor)
		if code, st := codeOf(t, c.do(ctx)); code != upstreams.CodeUnavailable || st != 503 {
			t.Fatalf("trial call: %s %d, want the upstream's 503", code, st)
		}
		if reason := reasonOf(c.do(ctx)); reason != resilience.ReasonCircuitOpen {
			t.Fatalf("after a failed trial: reason %v, want the circuit open", reason)
		}
		if got := srv.calls.Load(); got != 5 || up.Stats().Circuit != "open" {
			t.Fatalf("server received %d calls, want 5; circuit %s", got, up.Stats().Circuit)
		}
	})
}

// TestHedging measures the calls a server receives when its first answer
// is slow: a second one is sent after hedging.after, the first answer wins
// and the slow one is cancelled.
func TestHedging(t *testing.T) {
	// slowFirst holds the first request to arrive until it is cancelled or
	// released, and answers the others at once.
	type slowFirst struct {
		srv       *server
		cancelled chan struct{}
		release   chan struct{}
	}
	newSlowFirst := func(t *testing.T) *slowFirst {
		s := &slowFirst{cancelled: make(chan struct{}), release: make(chan struct{})}
		s.srv = newServer(t, func(n int64, w http.ResponseWriter, r *http.Request) {
			if n == 1 {
				select {
				case <-r.Context().Done():
					close(s.cancelled)
				case <-s.release:
				}
				return
			}
			answer(w, 200)
		})
		t.Cleanup(func() {
			select {
			case <-s.cancelled:
			default:
				close(s.release)
			}
		})
		return s
	}
	hedging := resilience.Policy{Hedging: &resilience.Hedging{After: 5 * time.Millisecond, Max: 1}}

	for _, merge := range []bool{true, false} {
		name := "merging in flight"
		extra := ""
		if !merge {
			name, extra = "without merging", "  mergeInFlight: false\n"
		}
		t.Run(name, func(t *testing.T) {
			s := newSlowFirst(t)
			up := restUpstream(t, s.srv.URL, extra, hedging)
			if err := newCaller(t, up, "Query", "item").do(context.Background()); err != nil {
				t.Fatalf("hedged call: %v", err)
			}
			if got := s.srv.calls.Load(); got != 2 {
				t.Fatalf("server received %d calls, want 2: the call and its hedge", got)
			}
			// Which of the two reaches the server first, and is held, is
			// the network's choice: the other answers, whichever it is.
			if st := up.Stats(); st.Hedges != 1 || st.Attempts != 2 || st.Calls != 1 {
				t.Fatalf("stats = %+v", st)
			}
			// The held request lost: it is cancelled, merged or not (a
			// merged read is cancelled once no request waits for it).
			select {
			case <-s.cancelled:
			case <-time.After(5 * time.Second):
				t.Fatal("the slow first request was not cancelled")
			}
		})
	}

	t.Run("an answer before hedging.after sends no hedge", func(t *testing.T) {
		srv := newServer(t, func(_ int64, w http.ResponseWriter, _ *http.Request) { answer(w, 200) })
		up := restUpstream(t, srv.URL, "", resilience.Policy{Hedging: &resilience.Hedging{After: time.Hour, Max: 1}})
		c := newCaller(t, up, "Query", "item")
		for range 5 {
			if err := c.do(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		if got := srv.calls.Load(); got != 5 || up.Stats().Hedges != 0 {
			t.Fatalf("server received %d calls for 5, hedges %d", got, up.Stats().Hedges)
		}
	})

	t.Run("a POST is not hedged", func(t *testing.T) {
		srv := newServer(t, func(_ int64, w http.ResponseWriter, _ *http.Request) {
			time.Sleep(100 * time.Millisecond) // twenty times hedging.after
			answer(w, 200)
		})
		up := restUpstream(t, srv.URL, "", hedging)
		if err := newCaller(t, up, "Mutation", "save").do(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := srv.calls.Load(); got != 1 || up.Stats().Hedges != 0 {
			t.Fatalf("server received %d calls for one POST", got)
		}
	})

	t.Run("the deadline ends the race", func(t *testing.T) {
		s := newSlowFirst(t)
		up := restUpstream(t, s.srv.URL, "", resilience.Policy{Hedging: &resilience.Hedging{After: time.Hour, Max: 1}})
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		err := newCaller(t, up, "Query", "item").do(ctx)
		if code, _ := codeOf(t, err); code != upstreams.CodeTimeout {
			t.Fatalf("error = %v, want UPSTREAM_TIMEOUT", err)
		}
		// The first request may or may not have arrived by the deadline;
		// no hedge was due before it.
		if got := s.srv.calls.Load(); got > 1 || up.Stats().Hedges != 0 {
			t.Fatalf("server received %d calls, want at most 1", got)
		}
	})
}

// TestLoadShedding measures the calls a server receives under a
// concurrency cap: calls over it fail at once, are not queued nor retried,
// and a freed slot is used again.
func TestLoadShedding(t *testing.T) {
	arrived := make(chan struct{}, 8)
	release := make(chan struct{})
	var once sync.Once
	open := func() { once.Do(func() { close(release) }) }
	srv := newServer(t, func(_ int64, w http.ResponseWriter, _ *http.Request) {
		arrived <- struct{}{}
		<-release
		answer(w, 200)
	})
	t.Cleanup(open) // before the server closes, should the test fail early
	// Without merging, so that two identical calls are two requests.
	up := restUpstream(t, srv.URL, "  mergeInFlight: false\n", resilience.Policy{Concurrency: &resilience.Concurrency{Max: 2}, Retries: quickRetries(3)})
	c := newCaller(t, up, "Query", "item")

	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for range 2 {
		wg.Go(func() { errs <- c.do(context.Background()) })
	}
	<-arrived
	<-arrived
	err := c.do(context.Background())
	if code, _ := codeOf(t, err); code != upstreams.CodeOverloaded || reasonOf(err) != resilience.ReasonOverloaded || !errors.Is(err, resilience.ErrOverloaded) {
		t.Fatalf("a third call with two in flight: %v, want overloaded", err)
	}
	if s := up.Stats(); s.Shed != 1 || s.InFlight != 2 || s.Retries != 0 || srv.calls.Load() != 2 {
		t.Fatalf("while full: stats %+v, server received %d calls; want 1 shed, 2 in flight, no retry", s, srv.calls.Load())
	}
	open()
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("a call in flight: %v", err)
		}
	}
	if err := c.do(context.Background()); err != nil {
		t.Fatalf("a call once the slots are free: %v", err)
	}
	if got, s := srv.calls.Load(), up.Stats(); got != 3 || s.InFlight != 0 || s.Shed != 1 {
		t.Fatalf("server received %d calls, want 3; stats %+v", got, s)
	}
}
