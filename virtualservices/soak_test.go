package virtualservices_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/weft-gateway/weft/virtualservices"
)

// soakDuration is how long TestSoakFlappingUpstream keeps the load on:
// WEFT_SOAK_DURATION (a Go duration) for longer runs, 3s by default so the
// suite stays fast.
func soakDuration(t *testing.T) time.Duration {
	if s := os.Getenv("WEFT_SOAK_DURATION"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			t.Fatalf("WEFT_SOAK_DURATION: %v", err)
		}
		return d
	}
	return 3 * time.Second
}

// flapper is a reviews service that changes how it fails every few
// milliseconds: healthy, refusing (503), failing (500), garbled, slow past
// every timeout, or cut mid-body.
type flapper struct {
	mode  atomic.Int32
	calls atomic.Int64
	srv   *httptest.Server
}

var flapModes = []string{"ok", "down", "error", "garbage", "slow", "reset"}

func newFlapper(t *testing.T) *flapper {
	f := &flapper{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.calls.Add(1)
		switch flapModes[f.mode.Load()] {
		case "down":
			http.Error(w, "down", http.StatusServiceUnavailable)
		case "error":
			http.Error(w, "boom", http.StatusInternalServerError)
		case "garbage":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `[{"body": "cut`)
		case "slow":
			select {
			case <-time.After(5 * time.Second):
			case <-r.Context().Done():
			}
		case "reset":
			// A body promised and cut short: the connection is closed
			// mid-answer.
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", "1000")
			fmt.Fprint(w, `[{"body": "par`)
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					_ = conn.Close()
				}
			}
		default:
			upc := strings.TrimPrefix(r.URL.Path, "/reviews/")
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `[{"body": "review of %s"}]`, upc)
		}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// TestSoakFlappingUpstream keeps a steady load on the gateway while the
// reviews upstream flaps between healthy and every way of failing. Every
// request must answer within its deadline with the catalog's data whole,
// reviews served or reported; and once the load stops, the gateway must
// hold no more goroutines or heap than it did under the same load before.
func TestSoakFlappingUpstream(t *testing.T) {
	if testing.Short() {
		t.Skip("a soak test")
	}
	catalog := newFlaky(t, "primary")
	reviews := newFlapper(t)
	sdl := `type Query { products: [Product!]! @rest(upstream: "catalog", path: "/products") }
type Product {
  upc: ID!
  name: String!
  reviews: [Review!] @rest(upstream: "reviews", path: "/reviews/{parent.upc}") @fallback(stale: "1m", value: [])
}
type Review { body: String! }
`
	ups := fmt.Sprintf(`apiVersion: weft.dev/v1
kind: Upstream
metadata: {name: catalog}
spec: {rest: {baseURL: %q}}
---
apiVersion: weft.dev/v1
kind: Upstream
metadata: {name: reviews}
spec: {timeout: 150ms, rest: {baseURL: %q}}
`, catalog.srv.URL, reviews.srv.URL)
	vs := strings.Replace(fallbackVS, "schema: {file: api.graphql}", "schema: {file: api.graphql}\n          timeout: 400ms", 1)
	dir := writeConfig(t, map[string]string{"api.graphql": sdl, "upstreams.yaml": ups, "vs.yaml": vs})
	// The gateway logs nowhere: the other tests' gateways keep their
	// access logs in memory, which would read as growth here.
	loader := &virtualservices.Loader{Kinds: kinds(), Log: zerolog.Nop()}
	snap, err := loader.Load(context.Background(), virtualservices.Config{FS: os.DirFS(dir), Dir: ".", DisplayRoot: dir, OSDir: dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := virtualservices.NewServer(zerolog.Nop())
	srv.Swap(snap)
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { hs.Close(); srv.Close() })
	g := &gateway{t: t, server: srv, http: hs}

	const deadline = 400 * time.Millisecond
	// Scheduling on a loaded two-core machine, and the race detector, add
	// to every request; a request held past its deadline would take the
	// slow upstream's 5s.
	const slack = 600 * time.Millisecond
	query, _ := json.Marshal(map[string]string{"query": `{ products { upc name reviews { body } } }`})

	run := func(ctx context.Context, workers int) (requests, late, broken int64, firstBad string) {
		var wg sync.WaitGroup
		var mu sync.Mutex
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for ctx.Err() == nil {
					start := time.Now()
					req, _ := http.NewRequest(http.MethodPost, g.http.URL+"/graphql", strings.NewReader(string(query)))
					req.Header.Set("Content-Type", "application/json")
					resp, err := g.http.Client().Do(req)
					took := time.Since(start)
					atomic.AddInt64(&requests, 1)
					if took > deadline+slack {
						atomic.AddInt64(&late, 1)
					}
					var body struct {
						Data struct {
							Products []struct {
								Name    string
								Reviews *[]struct{ Body string }
							}
						}
					}
					ok := err == nil && resp.StatusCode == http.StatusOK && json.NewDecoder(resp.Body).Decode(&body) == nil &&
						len(body.Data.Products) == 2 && body.Data.Products[1].Name == "Couch"
					if resp != nil {
						resp.Body.Close()
					}
					if !ok {
						if atomic.AddInt64(&broken, 1) == 1 {
							mu.Lock()
							firstBad = fmt.Sprintf("err %v, took %s", err, took)
							mu.Unlock()
						}
					}
				}
			}()
		}
		wg.Wait()
		return
	}
	flap := func(ctx context.Context) {
		tick := time.NewTicker(7 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-ctx.Done():
				reviews.mode.Store(0)
				return
			case <-tick.C:
				reviews.mode.Store(int32(i % len(flapModes)))
			}
		}
	}
	settle := func() (goroutines int, heap uint64) {
		// Close every connection, so pooled ones (whose goroutines are
		// the pool's, not a leak) do not count.
		g.http.Client().CloseIdleConnections()
		g.http.CloseClientConnections()
		catalog.srv.CloseClientConnections()
		reviews.srv.CloseClientConnections()
		// Let handlers that are winding down end before counting.
		for i := 0; i < 50; i++ {
			runtime.GC()
			if n := runtime.NumGoroutine(); i > 5 && n <= goroutines {
				break
			} else {
				goroutines = n
			}
			time.Sleep(20 * time.Millisecond)
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return runtime.NumGoroutine(), ms.HeapInuse
	}

	phase := func(d time.Duration) (int64, int64, int64, string) {
		ctx, cancel := context.WithTimeout(context.Background(), d)
		defer cancel()
		go flap(ctx)
		return run(ctx, 8)
	}
	// A first phase warms every pool and cache up to its working size.
	phase(soakDuration(t) / 3)
	g0, h0 := settle()
	requests, late, broken, firstBad := phase(soakDuration(t))
	g1, h1 := settle()

	t.Logf("%d requests over %s, %d upstream calls; goroutines %d -> %d, heap in use %.1f -> %.1f MiB",
		requests, soakDuration(t), reviews.calls.Load(), g0, g1, float64(h0)/(1<<20), float64(h1)/(1<<20))
	if requests < 50 {
		t.Fatalf("only %d requests: the load did not run", requests)
	}
	if late > 0 {
		t.Errorf("%d of %d requests took longer than the %s deadline (+%s)", late, requests, deadline, slack)
	}
	if broken > 0 {
		t.Errorf("%d of %d requests lost the catalog's data; first: %s", broken, requests, firstBad)
	}
	if g1 > g0+10 {
		t.Errorf("goroutines grew from %d to %d under the same load", g0, g1)
	}
	if h1 > h0+32<<20 {
		t.Errorf("heap in use grew from %.1f to %.1f MiB under the same load", float64(h0)/(1<<20), float64(h1)/(1<<20))
	}
}
