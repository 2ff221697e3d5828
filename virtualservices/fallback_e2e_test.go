package virtualservices_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/rs/zerolog"

	"github.com/weft-gateway/weft/virtualservices"
)

// flaky is a REST upstream whose answers a test switches: ok, down (503),
// error (500), garbage (not JSON), wrongtype (JSON of the wrong shape for
// every path). It counts the calls it gets.
type flaky struct {
	mu    sync.Mutex
	mode  string
	calls atomic.Int64
	srv   *httptest.Server
}

func newFlaky(t *testing.T, tag string) *flaky {
	f := &flaky{mode: "ok"}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.calls.Add(1)
		f.mu.Lock()
		mode := f.mode
		f.mu.Unlock()
		switch mode {
		case "down":
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		case "error":
			http.Error(w, "boom", http.StatusInternalServerError)
			return
		case "garbage":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, "{not json")
			return
		case "wrongtype":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"stars": "many"}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.HasPrefix(r.URL.Path, "/products"):
			fmt.Fprint(w, `[{"upc": "1", "name": "Table"}, {"upc": "2", "name": "Couch"}]`)
		case strings.HasPrefix(r.URL.Path, "/reviews/"):
			upc := strings.TrimPrefix(r.URL.Path, "/reviews/")
			fmt.Fprintf(w, `[{"body": "%s review of %s"}]`, tag, upc)
		case r.URL.Path == "/stock":
			var items []string
			for _, upc := range strings.Split(r.URL.Query().Get("upcs"), ",") {
				items = append(items, fmt.Sprintf(`{"upc": %q, "quantity": %d}`, upc, len(upc)*10))
			}
			fmt.Fprintf(w, `{"items": [%s]}`, strings.Join(items, ","))
		case r.URL.Path == "/rating":
			fmt.Fprint(w, `{"stars": 4}`)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *flaky) set(mode string) {
	f.mu.Lock()
	f.mode = mode
	f.mu.Unlock()
}

const fallbackSDL = `type Query {
  products: [Product!]! @rest(upstream: "catalog", path: "/products")
}
type Product {
  upc: ID!
  name: String!
  reviews: [Review!] @rest(upstream: "reviews", path: "/reviews/{parent.upc}")
    @fallback(upstream: "reviews-replica", stale: "10m", value: [])
  rating: Rating @rest(upstream: "reviews", path: "/rating") @fallback(on: ["UPSTREAM_TIMEOUT"], value: {stars: 0})
  stock: Stock @rest(upstream: "reviews", path: "/stock/{parent.upc}",
    batch: {path: "/stock?upcs={parent.upc}", key: "upc", result: "items"}) @fallback(stale: "1h")
}
type Review { body: String! }
type Rating { stars: Int! }
type Stock { quantity: Int! }
`

func fallbackUpstreams(catalog, reviews, replica string) string {
	return fmt.Sprintf(`apiVersion: weft.dev/v1
kind: Upstream
metadata: {name: catalog}
spec: {rest: {baseURL: %q}}
---
apiVersion: weft.dev/v1
kind: Upstream
metadata: {name: reviews}
spec: {mergeInFlight: false, rest: {baseURL: %q}}
---
apiVersion: weft.dev/v1
kind: Upstream
metadata: {name: reviews-replica}
spec: {rest: {baseURL: %q}}
`, catalog, reviews, replica)
}

const fallbackVS = `apiVersion: weft.dev/v1
kind: VirtualService
metadata: {name: api}
spec:
  virtualHost:
    domains: ["*"]
    routes:
      - matchers: [{prefix: /graphql}]
        graphql:
          schema: {file: api.graphql}
`

func TestFallbacksServeFields(t *testing.T) {
	catalog, reviews, replica := newFlaky(t, "primary"), newFlaky(t, "primary"), newFlaky(t, "replica")
	dir := writeConfig(t, map[string]string{
		"api.graphql":    fallbackSDL,
		"upstreams.yaml": fallbackUpstreams(catalog.srv.URL, reviews.srv.URL, replica.srv.URL),
		"vs.yaml":        fallbackVS,
	})
	g := startGateway(t, virtualservices.Config{FS: os.DirFS(dir), Dir: ".", DisplayRoot: dir, OSDir: dir})
	const q = `{ products { upc name reviews { body } stock { quantity } } }`

	// Healthy: no fallback, and the good values are kept for stale ones.
	r := g.query("", q, nil)
	r.noErrors(t)
	equalJSON(t, r.Data, `{"products": [
		{"upc": "1", "name": "Table", "reviews": [{"body": "primary review of 1"}], "stock": {"quantity": 10}},
		{"upc": "2", "name": "Couch", "reviews": [{"body": "primary review of 2"}], "stock": {"quantity": 10}}]}`)
	if r.Extensions["fallbacks"] != nil {
		t.Fatalf("fallbacks reported while healthy: %s", r.raw)
	}

	t.Run("replica", func(t *testing.T) {
		reviews.set("down")
		defer reviews.set("ok")
		r := g.query("", `{ products { upc name reviews { body } } }`, nil)
		r.noErrors(t)
		equalJSON(t, r.Data, `{"products": [
			{"upc": "1", "name": "Table", "reviews": [{"body": "replica review of 1"}]},
			{"upc": "2", "name": "Couch", "reviews": [{"body": "replica review of 2"}]}]}`)
		equalJSON(t, r.Extensions["fallbacks"], `[
			{"path": ["products", 0, "reviews"], "reason": "UPSTREAM_UNAVAILABLE", "upstream": "reviews", "fallback": "upstream", "via": "reviews-replica"},
			{"path": ["products", 1, "reviews"], "reason": "UPSTREAM_UNAVAILABLE", "upstream": "reviews", "fallback": "upstream", "via": "reviews-replica"}]`)
	})

	t.Run("stale, then a static value", func(t *testing.T) {
		reviews.set("error")
		replica.set("down")
		defer reviews.set("ok")
		defer replica.set("ok")
		r := g.query("", q, nil)
		r.noErrors(t)
		// The values kept from the first request (a value is kept again
		// only once it is a tenth of the fallback's age old, so the
		// replica's answer a moment later did not replace it); stock's
		// batch form keeps them per product.
		equalJSON(t, r.Data, `{"products": [
			{"upc": "1", "name": "Table", "reviews": [{"body": "primary review of 1"}], "stock": {"quantity": 10}},
			{"upc": "2", "name": "Couch", "reviews": [{"body": "primary review of 2"}], "stock": {"quantity": 10}}]}`)
		notes, _ := r.Extensions["fallbacks"].([]any)
		if len(notes) != 4 {
			t.Fatalf("want 4 fallback notes: %s", r.raw)
		}
		for _, n := range notes {
			m := n.(map[string]any)
			if m["fallback"] != "stale" || m["reason"] != "UPSTREAM_ERROR" || m["age"] == nil {
				t.Errorf("note %v: want a stale fallback for UPSTREAM_ERROR with its age", m)
			}
		}
	})

	t.Run("on filters failures", func(t *testing.T) {
		reviews.set("error")
		defer reviews.set("ok")
		r := g.query("", `{ products { upc rating { stars } } }`, nil)
		// rating falls back on timeouts only: a 500 is reported, at each
		// product the one call answers for.
		if len(r.Errors) != 2 || !strings.Contains(r.raw, `"code":"UPSTREAM_ERROR"`) || r.Extensions["fallbacks"] != nil {
			t.Fatalf("want two UPSTREAM_ERRORs and no fallback: %s", r.raw)
		}
		equalJSON(t, r.Data, `{"products": [{"upc": "1", "rating": null}, {"upc": "2", "rating": null}]}`)
	})
}

// TestFallbackStaticValue: with nothing cached and the replica down too,
// the static value serves, and a field without one reports its error; the
// catalog's data stands.
func TestFallbackStaticValue(t *testing.T) {
	catalog, reviews, replica := newFlaky(t, "primary"), newFlaky(t, "primary"), newFlaky(t, "replica")
	reviews.set("garbage")
	replica.set("down")
	dir := writeConfig(t, map[string]string{
		"api.graphql":    fallbackSDL,
		"upstreams.yaml": fallbackUpstreams(catalog.srv.URL, reviews.srv.URL, replica.srv.URL),
		"vs.yaml":        fallbackVS,
	})
	g := startGateway(t, virtualservices.Config{FS: os.DirFS(dir), Dir: ".", DisplayRoot: dir, OSDir: dir})
	r := g.query("", `{ products { upc name reviews { body } stock { quantity } } }`, nil)
	equalJSON(t, r.Data, `{"products": [
		{"upc": "1", "name": "Table", "reviews": [], "stock": null},
		{"upc": "2", "name": "Couch", "reviews": [], "stock": null}]}`)
	if len(r.Errors) != 2 {
		t.Fatalf("want the two stock errors: %s", r.raw)
	}
	for _, e := range r.Errors {
		if !strings.Contains(fmt.Sprint(e["path"]), "stock") {
			t.Errorf("error not at stock: %v", e)
		}
	}
	equalJSON(t, r.Extensions["fallbacks"], `[
		{"path": ["products", 0, "reviews"], "reason": "UPSTREAM_BAD_RESPONSE", "upstream": "reviews", "fallback": "value"},
		{"path": ["products", 1, "reviews"], "reason": "UPSTREAM_BAD_RESPONSE", "upstream": "reviews", "fallback": "value"}]`)
	if replica.calls.Load() != 2 {
		t.Errorf("replica got %d calls, want 2 (one per product)", replica.calls.Load())
	}
}

// TestFallbackConfigErrors: a fallback value that does not fit its field
// is an error at load, at its line.
func TestFallbackConfigErrors(t *testing.T) {
	sdl := strings.Replace(fallbackSDL, `value: {stars: 0}`, `value: {stars: "many"}`, 1)
	dir := writeConfig(t, map[string]string{
		"api.graphql":    sdl,
		"upstreams.yaml": fallbackUpstreams("http://127.0.0.1:1", "http://127.0.0.1:1", "http://127.0.0.1:1"),
		"vs.yaml":        fallbackVS,
	})
	loader := &virtualservices.Loader{Kinds: kinds(), Log: zerolog.Nop()}
	_, err := loader.Load(context.Background(), virtualservices.Config{FS: os.DirFS(dir), Dir: ".", DisplayRoot: dir, OSDir: dir}, nil)
	if err == nil || !strings.Contains(err.Error(), `api.graphql:9:`) || !strings.Contains(err.Error(), `value does not fit type Rating: stars: "many" is not an Int`) {
		t.Fatalf("error %v", err)
	}
}

// TestUpstreamFallbackDefault: an Upstream's fallback block serves every
// field bound to it that declares none.
func TestUpstreamFallbackDefault(t *testing.T) {
	catalog, reviews, replica := newFlaky(t, "primary"), newFlaky(t, "primary"), newFlaky(t, "replica")
	sdl := `type Query { products: [Product!]! @rest(upstream: "catalog", path: "/products") }
type Product { upc: ID! reviews: [Review!] @rest(upstream: "reviews", path: "/reviews/{parent.upc}") }
type Review { body: String! }
`
	ups := strings.Replace(fallbackUpstreams(catalog.srv.URL, reviews.srv.URL, replica.srv.URL),
		"spec: {mergeInFlight: false, rest:", "spec: {fallback: {upstream: reviews-replica, stale: 1m, on: [UPSTREAM_UNAVAILABLE]}, mergeInFlight: false, rest:", 1)
	dir := writeConfig(t, map[string]string{"api.graphql": sdl, "upstreams.yaml": ups, "vs.yaml": fallbackVS})
	g := startGateway(t, virtualservices.Config{FS: os.DirFS(dir), Dir: ".", DisplayRoot: dir, OSDir: dir})
	reviews.set("down")
	r := g.query("", `{ products { upc reviews { body } } }`, nil)
	r.noErrors(t)
	equalJSON(t, r.Data, `{"products": [{"upc": "1", "reviews": [{"body": "replica review of 1"}]}, {"upc": "2", "reviews": [{"body": "replica review of 2"}]}]}`)
	if notes, _ := r.Extensions["fallbacks"].([]any); len(notes) != 2 || notes[0].(map[string]any)["via"] != "reviews-replica" {
		t.Fatalf("want two upstream fallbacks via the replica: %s", r.raw)
	}
	// An error status is not in on: reported as ever.
	reviews.set("error")
	r = g.query("", `{ products { upc reviews { body } } }`, nil)
	if len(r.Errors) != 2 || r.Extensions["fallbacks"] != nil {
		t.Fatalf("want the errors, no fallback: %s", r.raw)
	}
}

func TestUpstreamFallbackErrors(t *testing.T) {
	sdl := `type Query { products: [Product!]! @rest(upstream: "catalog", path: "/products") }
type Product { upc: ID! reviews: [Review!] @rest(upstream: "reviews", path: "/reviews/{parent.upc}") }
type Review { body: String! }
`
	for _, tt := range []struct{ block, want string }{
		{`{on: [UPSTREAM_ERROR]}`, "upstreams.yaml:9:18: spec.fallback: say what serves the fields"},
		{`{stale: 1m, on: [DOWN]}`, `spec.fallback.on[0]: "DOWN" is not a failure a fallback serves`},
		{`{upstream: reviews}`, `spec.fallback.upstream: "reviews" is this upstream`},
		{`{upstream: nowhere}`, `Product.reviews: upstream reviews's fallback (`},
		{`{upstream: catalog-gql}`, `names "catalog-gql", a graphql upstream; the binding is replayed on it, so it must be a rest upstream`},
	} {
		ups := strings.Replace(fallbackUpstreams("http://127.0.0.1:1", "http://127.0.0.1:1", "http://127.0.0.1:1"),
			"spec: {mergeInFlight: false, rest:", "spec: {fallback: "+tt.block+", mergeInFlight: false, rest:", 1) + `---
apiVersion: weft.dev/v1
kind: Upstream
metadata: {name: catalog-gql}
spec: {graphql: {url: "http://127.0.0.1:1/graphql", schema: {inline: "type Query { x: Int }"}}}
`
		dir := writeConfig(t, map[string]string{"api.graphql": sdl, "upstreams.yaml": ups, "vs.yaml": fallbackVS})
		loader := &virtualservices.Loader{Kinds: kinds(), Log: zerolog.Nop()}
		_, err := loader.Load(context.Background(), virtualservices.Config{FS: os.DirFS(dir), Dir: ".", DisplayRoot: "cfg", OSDir: dir}, nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("fallback %s: error %v, want %q", tt.block, err, tt.want)
		}
	}
}

// TestStaleValuesSurviveReload: the last good values belong to the
// Loader, not to one schema version, so a reload keeps serving them.
func TestStaleValuesSurviveReload(t *testing.T) {
	catalog, reviews, replica := newFlaky(t, "primary"), newFlaky(t, "primary"), newFlaky(t, "replica")
	files := map[string]string{
		"api.graphql":    fallbackSDL,
		"upstreams.yaml": fallbackUpstreams(catalog.srv.URL, reviews.srv.URL, replica.srv.URL),
		"vs.yaml":        fallbackVS,
	}
	dir := writeConfig(t, files)
	cfg := virtualservices.Config{FS: os.DirFS(dir), Dir: ".", DisplayRoot: dir, OSDir: dir}
	loader := &virtualservices.Loader{Kinds: kinds(), Log: zerolog.Nop()}
	snap, err := loader.Load(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := virtualservices.NewServer(zerolog.Nop())
	srv.Swap(snap)
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { hs.Close(); srv.Close() })
	g := &gateway{t: t, server: srv, http: hs}
	g.query("", `{ products { upc reviews { body } } }`, nil).noErrors(t)

	// A new schema version: a new executable.
	if err := os.WriteFile(dir+"/api.graphql", []byte(fallbackSDL+"\n\"A new type, a new version.\"\ntype Unused { x: Int }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	snap2, err := loader.Load(context.Background(), cfg, snap)
	if err != nil {
		t.Fatal(err)
	}
	if snap2.Version == snap.Version {
		t.Fatal("the reload did not change the schema version")
	}
	srv.Swap(snap2)
	reviews.set("down")
	replica.set("down")
	r := g.query("", `{ products { upc reviews { body } } }`, nil)
	r.noErrors(t)
	equalJSON(t, r.Data, `{"products": [{"upc": "1", "reviews": [{"body": "primary review of 1"}]}, {"upc": "2", "reviews": [{"body": "primary review of 2"}]}]}`)
	if notes, _ := r.Extensions["fallbacks"].([]any); len(notes) != 2 || notes[0].(map[string]any)["fallback"] != "stale" {
		t.Fatalf("want stale values kept across the reload: %s", r.raw)
	}
}

// TestFallbackMetrics: the server's metrics count each field a fallback
// served, by upstream, reason and fallback.
func TestFallbackMetrics(t *testing.T) {
	catalog, reviews, replica := newFlaky(t, "primary"), newFlaky(t, "primary"), newFlaky(t, "replica")
	reviews.set("garbage")
	replica.set("down")
	dir := writeConfig(t, map[string]string{
		"api.graphql":    fallbackSDL,
		"upstreams.yaml": fallbackUpstreams(catalog.srv.URL, reviews.srv.URL, replica.srv.URL),
		"vs.yaml":        fallbackVS,
	})
	g := startGateway(t, virtualservices.Config{FS: os.DirFS(dir), Dir: ".", DisplayRoot: dir, OSDir: dir})
	g.query("", `{ products { upc reviews { body } } }`, nil)
	rec := httptest.NewRecorder()
	g.server.MetricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body := rec.Body.String()
	for _, want := range []string{
		`weft_fallbacks_total{fallback="value",reason="UPSTREAM_BAD_RESPONSE",upstream="reviews"} 2`,
		`weft_requests_total{code="200",virtual_service="api"} 1`,
		`weft_upstream_calls_total{virtual_service="api"} 5`, // catalog, reviews twice, the replica twice
		`weft_request_duration_seconds_count{virtual_service="api"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if t.Failed() {
		t.Logf("metrics:\n%s", body)
	}
}
