package transport

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/weft-gateway/weft/upstreams"
)

// gatedServer counts requests and holds each answer until the gate opens.
func gatedServer(t *testing.T) (*httptest.Server, *atomic.Int64, chan struct{}) {
	t.Helper()
	var hits atomic.Int64
	gate := make(chan struct{})
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		<-gate
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"answer": [1, 2, 3], "who": "upstream"}`))
	}))
	t.Cleanup(s.Close)
	return s, &hits, gate
}

func TestMergeInFlight(t *testing.T) {
	off := false
	for _, tt := range []struct {
		name  string
		merge *bool
		want  int64
	}{{"on by default", nil, 1}, {"off", &off, 20}} {
		t.Run(tt.name, func(t *testing.T) {
			s, hits, gate := gatedServer(t)
			c, err := New("up", Options{MergeInFlight: tt.merge, Timeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			const n = 20
			var wg sync.WaitGroup
			errs := make(chan error, n)
			for range n {
				wg.Go(func() {
					resp, err := c.Send(context.Background(), http.MethodGet, s.URL+"/x", http.Header{}, nil, "GET /x")
					if err != nil {
						errs <- err
						return
					}
					defer resp.Release()
					if got := string(resp.Value.GetStringBytes("who")); got != "upstream" || len(resp.Value.GetArray("answer")) != 3 {
						errs <- errors.New("wrong answer " + resp.Value.String())
					}
				})
			}
			// Let every caller join before the upstream answers.
			deadline := time.Now().Add(5 * time.Second)
			for hits.Load() < tt.want && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			time.Sleep(20 * time.Millisecond)
			close(gate)
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			if got := hits.Load(); got != tt.want {
				t.Errorf("upstream got %d requests for %d identical calls, want %d", got, n, tt.want)
			}
		})
	}
}

// A caller that gives up leaves the shared exchange to the others.
func TestMergeInFlightCallerGivesUp(t *testing.T) {
	s, hits, gate := gatedServer(t)
	c, err := New("up", Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithCancel(context.Background())
	first := make(chan error, 1)
	go func() {
		_, err := c.Send(ctx, http.MethodGet, s.URL, http.Header{}, nil, "k")
		first <- err
	}()
	for hits.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	second := make(chan error, 1)
	go func() {
		resp, err := c.Send(context.Background(), http.MethodGet, s.URL, http.Header{}, nil, "k")
		if err == nil {
			resp.Release()
		}
		second <- err
	}()
	time.Sleep(20 * time.Millisecond)
	cancel()
	var ue *upstreams.Error
	if err := <-first; !errors.As(err, &ue) || ue.Code != upstreams.CodeUnavailable {
		t.Fatalf("cancelled caller: %v", err)
	}
	close(gate)
	if err := <-second; err != nil {
		t.Fatalf("the caller that stayed failed: %v", err)
	}
	if hits.Load() != 1 {
		t.Fatalf("%d upstream requests, want 1", hits.Load())
	}
}

// TestMergedExchangeCancelledWhenNobodyWaits: a shared exchange goes on
// while one caller still waits for it, and is cancelled when the last one
// gives up; the next identical call starts afresh.
func TestMergedExchangeCancelledWhenNobodyWaits(t *testing.T) {
	var hits atomic.Int64
	cancelled := make(chan struct{}, 4)
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) > 1 {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"who": "second"}`))
			return
		}
		<-r.Context().Done() // the first exchange hangs until cancelled
		cancelled <- struct{}{}
	}))
	defer s.Close()
	c, err := New("up", Options{Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	first, cancelFirst := context.WithCancel(context.Background())
	second, cancelSecond := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, ctx := range []context.Context{first, second} {
		wg.Go(func() {
			if _, err := c.Send(ctx, http.MethodGet, s.URL+"/x", http.Header{}, nil, "GET /x"); err == nil {
				t.Error("a caller that gave up got an answer")
			}
		})
	}
	waiters := func() int {
		c.flights.mu.Lock()
		defer c.flights.mu.Unlock()
		if f := c.flights.m["GET /x"]; f != nil {
			return f.waiters
		}
		return 0
	}
	for hits.Load() == 0 || waiters() < 2 {
		time.Sleep(time.Millisecond)
	}
	cancelFirst()
	select {
	case <-cancelled:
		t.Fatal("the exchange was cancelled while a caller still waited")
	case <-time.After(50 * time.Millisecond):
	}
	cancelSecond()
	select {
	case <-cancelled:
	case <-time.After(5 * time.Second):
		t.Fatal("the exchange was not cancelled once nobody waited")
	}
	wg.Wait()
	resp, err := c.Send(context.Background(), http.MethodGet, s.URL+"/x", http.Header{}, nil, "GET /x")
	if err != nil {
		t.Fatalf("the next identical call: %v", err)
	}
	defer resp.Release()
	if got := string(resp.Value.GetStringBytes("who")); got != "second" || hits.Load() != 2 {
		t.Fatalf("the next call got %q after %d requests, want a fresh exchange", got, hits.Load())
	}
}
