package demo_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/rs/zerolog"
	"go.uber.org/goleak"

	"github.com/weft-gateway/weft/internal/demo"
)

// No test in this package runs in parallel: several of them check, with
// goleak.VerifyNone, that no goroutine at all outlives the upstreams.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var loopback = demo.Loopback(0)

// start runs upstreams for one test with a client of its own, so that the
// client's idle connections can be closed before leak checks.
func start(t *testing.T, opts demo.Options) (*demo.Upstreams, *http.Client) {
	t.Helper()
	u, err := demo.Start(t.Context(), zerolog.New(io.Discard), opts)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	t.Cleanup(func() {
		c.CloseIdleConnections()
		if err := u.Close(); err != nil {
			t.Error(err)
		}
		c.CloseIdleConnections()
	})
	return u, c
}

func query(t *testing.T, c *http.Client, u *demo.Upstreams, q string) (int, []byte) {
	t.Helper()
	return postTo(t, c, u.CatalogURL(), q)
}

// postTo sends a GraphQL query to url.
func postTo(t *testing.T, c *http.Client, url, q string) (int, []byte) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"query": q})
	resp, err := c.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return read(t, resp)
}

func get(t *testing.T, c *http.Client, url string) (int, []byte) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	return read(t, resp)
}

func read(t *testing.T, resp *http.Response) (int, []byte) {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

func TestStartServesBoth(t *testing.T) {
	u, c := start(t, loopback)
	if !strings.HasPrefix(u.CatalogURL(), "http://127.0.0.1:") || !strings.HasSuffix(u.CatalogURL(), "/graphql") {
		t.Errorf("CatalogURL %q", u.CatalogURL())
	}
	if !strings.HasPrefix(u.ReviewsURL(), "http://127.0.0.1:") || strings.HasSuffix(u.ReviewsURL(), "/") {
		t.Errorf("ReviewsURL %q", u.ReviewsURL())
	}
	if u.CatalogURL() == u.ReviewsURL()+"/graphql" {
		t.Error("both upstreams on one address")
	}

	status, body := query(t, c, u, `{ product(upc: "1") { name price } }`)
	if status != http.StatusOK || string(body) != `{"data":{"product":{"name":"Table","price":89900}}}` {
		t.Errorf("catalog: %d %s", status, body)
	}
	status, body = get(t, c, u.ReviewsURL()+"/products/1/reviews/summary")
	if status != http.StatusOK || strings.TrimSpace(string(body)) != `{"count":2,"average":4.5}` {
		t.Errorf("reviews: %d %s", status, body)
	}
	status, body = get(t, c, strings.TrimSuffix(u.CatalogURL(), "/graphql")+"/elsewhere")
	if status != http.StatusNotFound || !json.Valid(body) {
		t.Errorf("catalog unknown path: %d %s", status, body)
	}
	status, body = postTo(t, c, u.QAURL(), `{ _entities(representations: [{__typename: "Product", upc: "4"}]) { ... on Product { questions { text } } } }`)
	if status != http.StatusOK || string(body) != `{"data":{"_entities":[{"questions":[{"text":"What bulb does it take?"}]}]}}` {
		t.Errorf("qa: %d %s", status, body)
	}
}

func TestCalls(t *testing.T) {
	u, c := start(t, loopback)
	tests := []struct {
		name string
		do   func(t *testing.T)
		want map[demo.Endpoint]int64 // every other counter must stay 0
	}{
		{
			name: "root fields count per occurrence",
			do: func(t *testing.T) {
				query(t, c, u, `{ products { upc } a: product(upc: "1") { name } b: product(upc: "2") { name } }`)
			},
			want: map[demo.Endpoint]int64{demo.CatalogRequests: 1, demo.CatalogProducts: 1, demo.CatalogProduct: 2},
		},
		{
			name: "query and mutation",
			do: func(t *testing.T) {
				query(t, c, u, `{ topProducts(first: 2) { upc } }`)
				query(t, c, u, `mutation { setPrice(upc: "3", price: 100) { price } }`)
			},
			want: map[demo.Endpoint]int64{demo.CatalogRequests: 2, demo.CatalogTopProducts: 1, demo.CatalogSetPrice: 1},
		},
		{
			name: "introspection and failed requests count as requests only",
			do: func(t *testing.T) {
				query(t, c, u, `{ __schema { queryType { name } } }`)
				query(t, c, u, `{ nope }`)
				get(t, c, strings.TrimSuffix(u.CatalogURL(), "/graphql")+"/nope")
			},
			want: map[demo.Endpoint]int64{demo.CatalogRequests: 3},
		},
		{
			name: "each reviews endpoint",
			do: func(t *testing.T) {
				get(t, c, u.ReviewsURL()+"/products/1/reviews")
				get(t, c, u.ReviewsURL()+"/products/2/reviews?limit=1")
				get(t, c, u.ReviewsURL()+"/reviews?upcs=1,2")
				get(t, c, u.ReviewsURL()+"/products/1/reviews/summary")
			},
			want: map[demo.Endpoint]int64{demo.ReviewsRequests: 4, demo.ReviewsList: 2, demo.ReviewsBatch: 1, demo.ReviewsSummary: 1},
		},
		{
			name: "reviews errors",
			do: func(t *testing.T) {
				get(t, c, u.ReviewsURL()+"/reviews")                      // 400: reached the batch endpoint
				get(t, c, u.ReviewsURL()+"/nope")                         // 404
				_, _ = read(t, mustPost(t, c, u.ReviewsURL()+"/reviews")) // 405
			},
			want: map[demo.Endpoint]int64{demo.ReviewsRequests: 3, demo.ReviewsBatch: 1},
		},
		{
			name: "qa root fields",
			do: func(t *testing.T) {
				postTo(t, c, u.QAURL(), `{ _entities(representations: [{__typename: "Review", id: "r1"}, {__typename: "Review", id: "r2"}]) { ... on Review { helpfulVotes } } }`)
				postTo(t, c, u.QAURL(), `{ question(id: "q1") { text } }`)
				postTo(t, c, u.QAURL(), `{ _service { sdl } }`)
			},
			want: map[demo.Endpoint]int64{demo.QARequests: 3, demo.QAEntities: 1, demo.QAQuestion: 1},
		},
	}
	all := []demo.Endpoint{
		demo.CatalogRequests, demo.CatalogProducts, demo.CatalogProduct, demo.CatalogTopProducts, demo.CatalogSetPrice,
		demo.ReviewsRequests, demo.ReviewsList, demo.ReviewsBatch, demo.ReviewsSummary,
		demo.QARequests, demo.QAEntities, demo.QAQuestion,
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u.ResetCalls()
			tt.do(t)
			for _, e := range all {
				if got := u.Calls(e); got != tt.want[e] {
					t.Errorf("Calls(%q) = %d, want %d", e, got, tt.want[e])
				}
			}
		})
	}
	if got := u.Calls("no such endpoint"); got != 0 {
		t.Errorf("unknown endpoint counted %d", got)
	}
}

func mustPost(t *testing.T, c *http.Client, url string) *http.Response {
	t.Helper()
	resp, err := c.Post(url, "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestCallsArePerInstance(t *testing.T) {
	a, c := start(t, loopback)
	b, _ := start(t, loopback)
	query(t, c, a, `{ products { upc } }`)
	get(t, c, a.ReviewsURL()+"/products/1/reviews")
	if a.Calls(demo.CatalogProducts) != 1 || a.Calls(demo.ReviewsList) != 1 {
		t.Errorf("a counted %d products, %d lists", a.Calls(demo.CatalogProducts), a.Calls(demo.ReviewsList))
	}
	if b.Calls(demo.CatalogRequests) != 0 || b.Calls(demo.ReviewsRequests) != 0 {
		t.Error("calls to one instance were counted by another")
	}
}

func TestConcurrentCalls(t *testing.T) {
	u, c := start(t, loopback)
	const workers, each = 8, 10
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range each {
				resp, err := c.Get(u.ReviewsURL() + "/products/1/reviews")
				if err != nil {
					t.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
	wg.Wait()
	if got := u.Calls(demo.ReviewsList); got != workers*each {
		t.Errorf("counted %d calls, made %d", got, workers*each)
	}
}

func TestStopStartReviews(t *testing.T) {
	u, c := start(t, loopback)
	url := u.ReviewsURL()
	get(t, c, url+"/products/1/reviews") // leaves a keep-alive connection for the stop to close

	if err := u.StopReviews(); err != nil {
		t.Fatal(err)
	}
	if err := u.StopReviews(); err != nil {
		t.Errorf("second stop: %v", err)
	}
	if _, err := c.Get(url + "/products/1/reviews"); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("reviews while stopped: %v, want connection refused", err)
	}
	if status, _ := query(t, c, u, `{ product(upc: "1") { name } }`); status != http.StatusOK {
		t.Errorf("catalog while reviews stopped: %d", status)
	}

	if err := u.StartReviews(); err != nil {
		t.Fatal(err)
	}
	if err := u.StartReviews(); err != nil {
		t.Errorf("second start: %v", err)
	}
	if u.ReviewsURL() != url {
		t.Errorf("restarted on %s, was %s", u.ReviewsURL(), url)
	}
	status, body := get(t, c, url+"/products/1/reviews/summary")
	if status != http.StatusOK || strings.TrimSpace(string(body)) != `{"count":2,"average":4.5}` {
		t.Errorf("after restart: %d %s", status, body)
	}
	if got := u.Calls(demo.ReviewsList); got != 1 {
		t.Errorf("list calls %d across the restart, want 1", got)
	}
}

func TestBusyPort(t *testing.T) {
	tests := []struct {
		name     string
		upstream string
		opts     func(busy string) demo.Options
	}{
		{"catalog", "catalog", func(busy string) demo.Options {
			return demo.Options{CatalogAddr: busy, ReviewsAddr: "127.0.0.1:0", InventoryAddr: "127.0.0.1:0"}
		}},
		{"reviews", "reviews", func(busy string) demo.Options {
			return demo.Options{CatalogAddr: "127.0.0.1:0", ReviewsAddr: busy, InventoryAddr: "127.0.0.1:0"}
		}},
		{"qa", "qa", func(busy string) demo.Options {
			o := demo.Loopback(0)
			o.QAAddr = busy
			return o
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			busy := ln.Addr().String()
			u, err := demo.Start(t.Context(), zerolog.New(io.Discard), tt.opts(busy))
			if err == nil {
				_ = u.Close()
				t.Fatal("Start succeeded on a busy port")
			}
			if !errors.Is(err, syscall.EADDRINUSE) {
				t.Errorf("error %v does not wrap EADDRINUSE", err)
			}
			if msg := err.Error(); !strings.Contains(msg, busy) || !strings.Contains(msg, tt.upstream+" upstream") {
				t.Errorf("error %q does not name %s and the %s upstream", msg, busy, tt.upstream)
			}
			// The upstream that did start must be gone again.
			goleak.VerifyNone(t)
		})
	}
}

func TestStartRejects(t *testing.T) {
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	tests := []struct {
		name    string
		ctx     context.Context
		opts    demo.Options
		wantMsg string
	}{
		{"negative products", t.Context(), demo.Loopback(-1), "products -1"},
		{"too many products", t.Context(), demo.Loopback(demo.MaxProducts + 1), "out of range"},
		{"bad address", t.Context(), demo.Options{CatalogAddr: "127.0.0.1:0", ReviewsAddr: "no-port", InventoryAddr: "127.0.0.1:0"}, "reviews upstream on no-port"},
		{"cancelled context", cancelled, loopback, "context canceled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := demo.Start(tt.ctx, zerolog.New(io.Discard), tt.opts)
			if err == nil {
				_ = u.Close()
				t.Fatal("Start succeeded")
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not mention %q", err, tt.wantMsg)
			}
			goleak.VerifyNone(t)
		})
	}
}

func TestCloseLeaksNothing(t *testing.T) {
	u, err := demo.Start(t.Context(), zerolog.New(io.Discard), loopback)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	query(t, c, u, `{ products { upc } }`)
	get(t, c, u.ReviewsURL()+"/reviews?upcs=1,2")
	if err := u.StopReviews(); err != nil { // Close must also cope with a stopped upstream
		t.Fatal(err)
	}
	if err := u.StartReviews(); err != nil {
		t.Fatal(err)
	}
	get(t, c, u.ReviewsURL()+"/products/1/reviews")

	if err := u.Close(); err != nil {
		t.Fatal(err)
	}
	if err := u.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := u.StartReviews(); err == nil {
		t.Error("StartReviews after Close succeeded")
	}
	for _, url := range []string{u.CatalogURL(), u.ReviewsURL(), u.QAURL()} {
		if _, err := c.Get(url); !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("%s after Close: %v, want connection refused", url, err)
		}
	}
	c.CloseIdleConnections()
	goleak.VerifyNone(t)
}

func TestGeneratedShop(t *testing.T) {
	const n = 300
	u, c := start(t, demo.Loopback(n))
	_, body := query(t, c, u, `{ products { upc } }`)
	var got struct {
		Data struct{ Products []struct{ Upc string } }
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Data.Products) != 5+n {
		t.Fatalf("%d products, want %d", len(got.Data.Products), 5+n)
	}
	// Every catalog product has a reviews list, and generated products have reviews of their own.
	reviewed := 0
	for _, p := range got.Data.Products[5:] {
		status, body := get(t, c, u.ReviewsURL()+"/products/"+p.Upc+"/reviews")
		if status != http.StatusOK {
			t.Fatalf("product %s: %d", p.Upc, status)
		}
		if string(body) != "[]\n" {
			reviewed++
		}
	}
	if reviewed < n/2 || reviewed == n {
		t.Errorf("%d of %d generated products have reviews, want most but not all", reviewed, n)
	}
	_, body = get(t, c, u.ReviewsURL()+fmt.Sprintf("/products/%d/reviews", 5+n+1))
	if string(body) != "[]\n" {
		t.Errorf("product past the catalog has reviews: %s", body)
	}
}

// lockedBuffer lets server goroutines log while the test reads.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) lines(t *testing.T) []map[string]any {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for line := range strings.Lines(b.buf.String()) {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

func TestLogs(t *testing.T) {
	var logs lockedBuffer
	u, err := demo.Start(t.Context(), zerolog.New(&logs), loopback)
	if err != nil {
		t.Fatal(err)
	}
	if err := u.Close(); err != nil {
		t.Fatal(err)
	}
	addr := func(url string) string { return strings.TrimSuffix(strings.TrimPrefix(url, "http://"), "/graphql") }
	var got []string
	for _, l := range logs.lines(t) {
		got = append(got, fmt.Sprintf("%v %v %v %v", l["level"], l["upstream"], l["addr"], l["message"]))
	}
	want := []string{
		"info catalog " + addr(u.CatalogURL()) + " demo upstream listening",
		"info reviews " + addr(u.ReviewsURL()) + " demo upstream listening",
		"info shipping " + addr(strings.TrimSuffix(u.ShippingURL(), "/shipping")) + " demo upstream listening",
		"info qa " + addr(u.QAURL()) + " demo upstream listening",
		"info inventory " + u.InventoryTarget() + " demo upstream listening",
		"info catalog " + addr(u.CatalogURL()) + " demo upstream stopped",
		"info reviews " + addr(u.ReviewsURL()) + " demo upstream stopped",
		"info shipping " + addr(strings.TrimSuffix(u.ShippingURL(), "/shipping")) + " demo upstream stopped",
		"info qa " + addr(u.QAURL()) + " demo upstream stopped",
		"info inventory " + u.InventoryTarget() + " demo upstream stopped",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("logs\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
