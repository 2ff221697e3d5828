package virtualservices_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/weft-gateway/weft/internal/grpctest"
	"github.com/weft-gateway/weft/virtualservices"
)

// misfitSDL binds fields whose answers a flaky upstream in "wrongtype" mode
// makes not fit: reviews gets an object for a list, rating a string for
// an Int.
const misfitSDL = `type Query {
  products: [Product!]! @rest(upstream: "catalog", path: "/products")
}
type Product {
  upc: ID!
  reviews: [Review!] @rest(upstream: "reviews", path: "/reviews/{parent.upc}") @fallback(stale: "1m", value: [])
  rating: Rating @rest(upstream: "reviews", path: "/rating") @fallback(value: {stars: 0})
  strict: Rating @rest(upstream: "reviews", path: "/rating") @fallback(on: ["UPSTREAM_TIMEOUT"], value: {stars: 0})
}
type Review { body: String! }
type Rating { stars: Int! }
`

// TestFallbackOnMisfit: an answer that is valid JSON but does not fit the
// field's type (found only while rendering) falls back like any bad
// response: to the last good value, then the static value; a field whose
// fallback does not serve UPSTREAM_BAD_RESPONSE reports it; the bad value
// never replaces the good one kept.
func TestFallbackOnMisfit(t *testing.T) {
	catalog, reviews := newFlaky(t, "primary"), newFlaky(t, "primary")
	dir := writeConfig(t, map[string]string{
		"api.graphql":    misfitSDL,
		"upstreams.yaml": fallbackUpstreams(catalog.srv.URL, reviews.srv.URL, "http://127.0.0.1:1"),
		"vs.yaml":        fallbackVS,
	})
	g := startGateway(t, virtualservices.Config{FS: os.DirFS(dir), Dir: ".", DisplayRoot: dir, OSDir: dir})
	const q = `{ products { upc reviews { body } rating { stars } strict { stars } } }`
	g.query("", q, nil).noErrors(t)

	reviews.set("wrongtype")
	r := g.query("", q, nil)
	equalJSON(t, r.Data, `{"products": [
		{"upc": "1", "reviews": [{"body": "primary review of 1"}], "rating": {"stars": 0}, "strict": null},
		{"upc": "2", "reviews": [{"body": "primary review of 2"}], "rating": {"stars": 0}, "strict": null}]}`)
	if len(r.Errors) != 2 {
		t.Fatalf("want the two errors of strict: %s", r.raw)
	}
	for i, e := range r.Errors {
		ext, _ := e["extensions"].(map[string]any)
		equalJSON(t, e["path"], fmt.Sprintf(`["products", %d, "strict", "stars"]`, i))
		if ext["code"] != "UPSTREAM_BAD_RESPONSE" {
			t.Errorf("error %v: want UPSTREAM_BAD_RESPONSE", e)
		}
	}
	notes, _ := r.Extensions["fallbacks"].([]any)
	if len(notes) != 4 {
		t.Fatalf("want 4 fallback notes: %s", r.raw)
	}
	want := map[string]string{"reviews": "stale", "rating": "value"}
	for _, n := range notes {
		m := n.(map[string]any)
		path := m["path"].([]any)
		if m["reason"] != "UPSTREAM_BAD_RESPONSE" || m["upstream"] != "reviews" || m["fallback"] != want[path[2].(string)] {
			t.Errorf("note %v: want fallback %q for UPSTREAM_BAD_RESPONSE", m, want[path[2].(string)])
		}
	}

	// The misfit was not kept: with the upstream failing outright, the
	// good value from the first request is still what serves.
	reviews.set("error")
	r = g.query("", `{ products { upc reviews { body } } }`, nil)
	r.noErrors(t)
	equalJSON(t, r.Data, `{"products": [{"upc": "1", "reviews": [{"body": "primary review of 1"}]}, {"upc": "2", "reviews": [{"body": "primary review of 2"}]}]}`)
}

// TestFallbackMisfitNotKept: an answer that does not fit is not kept for
// stale fallbacks even when the value kept is old enough to be replaced.
func TestFallbackMisfitNotKept(t *testing.T) {
	catalog, reviews := newFlaky(t, "primary"), newFlaky(t, "primary")
	// stale 2s: a value is kept again once the one kept is 200ms old.
	sdl := strings.Replace(misfitSDL, `@fallback(stale: "1m", value: [])`, `@fallback(stale: "2s")`, 1)
	dir := writeConfig(t, map[string]string{
		"api.graphql":    sdl,
		"upstreams.yaml": fallbackUpstreams(catalog.srv.URL, reviews.srv.URL, "http://127.0.0.1:1"),
		"vs.yaml":        fallbackVS,
	})
	g := startGateway(t, virtualservices.Config{FS: os.DirFS(dir), Dir: ".", DisplayRoot: dir, OSDir: dir})
	const q = `{ products { upc reviews { body } } }`
	g.query("", q, nil).noErrors(t)
	time.Sleep(250 * time.Millisecond) // past the refresh age: the next answer would be kept
	reviews.set("wrongtype")
	if r := g.query("", q, nil); r.Extensions["fallbacks"] == nil {
		t.Fatalf("the misfit was not served a fallback: %s", r.raw)
	}
	reviews.set("down")
	r := g.query("", q, nil)
	r.noErrors(t)
	equalJSON(t, r.Data, `{"products": [{"upc": "1", "reviews": [{"body": "primary review of 1"}]}, {"upc": "2", "reviews": [{"body": "primary review of 2"}]}]}`)
}

// graphQLErrors is a GraphQL upstream whose root field price answers 9.5,
// or, while failing, an error and no value, under each alias the query
// gives it.
func graphQLErrors(t *testing.T, failing *atomic.Bool) *httptest.Server {
	alias := regexp.MustCompile(`(\w+)\s*:\s*price|\bprice\b`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct{ Query string }
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var data, errs []string
		for _, m := range alias.FindAllStringSubmatch(req.Query, -1) {
			key := m[1]
			if key == "" {
				key = "price"
			}
			if failing.Load() {
				data = append(data, fmt.Sprintf("%q: null", key))
				errs = append(errs, fmt.Sprintf(`{"message": "pricing engine down", "path": [%q], "extensions": {"code": "PRICING_DOWN"}}`, key))
			} else {
				data = append(data, fmt.Sprintf("%q: 9.5", key))
			}
		}
		w.Header().Set("Content-Type", "application/json")
		if len(errs) > 0 {
			fmt.Fprintf(w, `{"data": {%s}, "errors": [%s]}`, strings.Join(data, ","), strings.Join(errs, ","))
			return
		}
		fmt.Fprintf(w, `{"data": {%s}}`, strings.Join(data, ","))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestFallbackOnGraphQLError: a GraphQL upstream answering a field with an
// error and no value is a failure fallbacks can serve
// (UPSTREAM_GRAPHQL_ERROR): the stale value first, the static one
// without; a fallback that does not name it lets the upstream's error
// through.
func TestFallbackOnGraphQLError(t *testing.T) {
	var failing atomic.Bool
	pricing := graphQLErrors(t, &failing)
	sdl := `type Query {
  price: Float @graphql(upstream: "pricing") @fallback(stale: "1m")
  fixed: Float @graphql(upstream: "pricing", field: "price") @fallback(value: 1.0)
  strict: Float @graphql(upstream: "pricing", field: "price") @fallback(on: ["UPSTREAM_ERROR"], value: 1.0)
}
`
	ups := `apiVersion: weft.dev/v1
kind: Upstream
metadata: {name: pricing}
spec: {graphql: {url: "` + pricing.URL + `", schema: {inline: "type Query { price: Float }"}}}
`
	dir := writeConfig(t, map[string]string{"api.graphql": sdl, "upstreams.yaml": ups, "vs.yaml": fallbackVS})
	g := startGateway(t, virtualservices.Config{FS: os.DirFS(dir), Dir: ".", DisplayRoot: dir, OSDir: dir})
	r := g.query("", `{ price }`, nil)
	r.noErrors(t)
	equalJSON(t, r.Data, `{"price": 9.5}`)

	failing.Store(true)
	r = g.query("", `{ price fixed strict }`, nil)
	equalJSON(t, r.Data, `{"price": 9.5, "fixed": 1.0, "strict": null}`)
	if len(r.Errors) != 1 || !strings.Contains(r.raw, `"code":"PRICING_DOWN"`) {
		t.Fatalf("want strict's upstream error only: %s", r.raw)
	}
	equalJSON(t, r.Errors[0]["path"], `["strict"]`)
	notes, _ := r.Extensions["fallbacks"].([]any)
	if len(notes) != 2 {
		t.Fatalf("want 2 fallback notes: %s", r.raw)
	}
	for _, n := range notes {
		m := n.(map[string]any)
		want := map[string]string{"price": "stale", "fixed": "value"}[m["path"].([]any)[0].(string)]
		if m["reason"] != "UPSTREAM_GRAPHQL_ERROR" || m["upstream"] != "pricing" || m["fallback"] != want {
			t.Errorf("note %v: want %s for UPSTREAM_GRAPHQL_ERROR", m, want)
		}
	}
}

// TestFallbackOnCircuitOpen: a fallback can name the breaker's refusal
// alone: the upstream's own failures are reported, and once the circuit
// opens the field is served its value, with the reason.
func TestFallbackOnCircuitOpen(t *testing.T) {
	up := newFlakyREST(t, 1000)
	sdl := `type Query {
  item(id: ID!): Item @rest(upstream: "flaky", path: "/items/{args.id}") @fallback(on: ["UPSTREAM_CIRCUIT_OPEN"], value: {id: "0", name: "unavailable"})
}
type Item { id: ID! name: String }
`
	dir := writeConfig(t, map[string]string{
		"flaky.yaml": resilientUpstream("flaky", up.URL, "    circuitBreaker: {minRequests: 2, failureRatio: 1, openFor: 1m}\n"),
		"api.yaml":   vsYAML(sdl),
	})
	g := startGateway(t, virtualservices.Config{FS: os.DirFS(dir), Dir: ".", DisplayRoot: dir})
	for range 2 {
		fieldError(t, g.query("", `{ item(id: "1") { id } }`, nil), "item", "UPSTREAM_UNAVAILABLE")
	}
	r := g.query("", `{ item(id: "1") { id name } }`, nil)
	r.noErrors(t)
	equalJSON(t, r.Data, `{"item": {"id": "0", "name": "unavailable"}}`)
	equalJSON(t, r.Extensions["fallbacks"], `[{"path": ["item"], "reason": "UPSTREAM_CIRCUIT_OPEN", "upstream": "flaky", "fallback": "value"}]`)
	if n := up.count("GET /items/1"); n != 2 {
		t.Fatalf("server received %d calls, want 2", n)
	}
}

// TestFallbackToAnotherProtocol: a field bound to a gRPC method falls back
// to its second binding, a REST endpoint of another upstream, which
// answers in its own shape; the rest of the response stands.
func TestFallbackToAnotherProtocol(t *testing.T) {
	kitchen := startKitchen(t, grpctest.Options{})
	legacy := newFlakyREST(t, 0)
	g := startKitchenGateway(t, map[string]string{
		"up.yaml": kitchenUpstream("kitchen", kitchen.Addr(), "  timeout: 30s\n") + "---\n" +
			resilientUpstream("legacy", legacy.URL, ""),
		"vs.yaml": includeVS(true),
		"api.graphql": `extend type Query {
  sturdyItem(id: ID!): Item
    @grpc(upstream: "kitchen", method: "weft.test.v1.Kitchen/Slow", request: {millis: 60000}, timeout: "100ms")
    @rest(upstream: "legacy", path: "/items/{args.id}")
    @fallback(upstream: "legacy")
}
`,
	})
	r := g.query("", `{ sturdyItem(id: "7") { id } getItem(id: "fast") { id } }`, nil)
	r.noErrors(t)
	equalJSON(t, r.Data, `{"sturdyItem": {"id": "7"}, "getItem": {"id": "fast"}}`)
	equalJSON(t, r.Extensions["fallbacks"], `[{"path": ["sturdyItem"], "reason": "UPSTREAM_TIMEOUT", "upstream": "kitchen", "fallback": "upstream", "via": "legacy"}]`)
	if n := legacy.count("GET /items/7"); n != 1 {
		t.Fatalf("the REST fallback received %d calls, want 1", n)
	}
}

// TestFallbackBindingInBatches: a batched field's second binding is called
// in batches too, one call for the products the failed batch held.
func TestFallbackBindingInBatches(t *testing.T) {
	catalog, reviews, legacy := newFlaky(t, "primary"), newFlaky(t, "primary"), newFlaky(t, "legacy")
	sdl := `type Query { products: [Product!]! @rest(upstream: "catalog", path: "/products") }
type Product {
  upc: ID!
  stock: Stock
    @rest(upstream: "reviews", path: "/stock/{parent.upc}", batch: {path: "/stock?upcs={parent.upc}", key: "upc", result: "items"})
    @rest(upstream: "reviews-replica", path: "/stock/{parent.upc}", batch: {path: "/stock?upcs={parent.upc}&from=legacy", key: "upc", result: "items"})
    @fallback(upstream: "reviews-replica")
}
type Stock { quantity: Int! }
`
	dir := writeConfig(t, map[string]string{
		"api.graphql":    sdl,
		"upstreams.yaml": fallbackUpstreams(catalog.srv.URL, reviews.srv.URL, legacy.srv.URL),
		"vs.yaml":        fallbackVS,
	})
	g := startGateway(t, virtualservices.Config{FS: os.DirFS(dir), Dir: ".", DisplayRoot: dir, OSDir: dir})
	reviews.set("down")
	r := g.query("", `{ products { upc stock { quantity } } }`, nil)
	r.noErrors(t)
	equalJSON(t, r.Data, `{"products": [{"upc": "1", "stock": {"quantity": 10}}, {"upc": "2", "stock": {"quantity": 10}}]}`)
	if n := legacy.calls.Load(); n != 1 {
		t.Fatalf("the fallback binding got %d calls, want one batch", n)
	}
	notes, _ := r.Extensions["fallbacks"].([]any)
	if len(notes) != 2 || notes[0].(map[string]any)["via"] != "reviews-replica" {
		t.Fatalf("want two fallbacks via the second binding: %s", r.raw)
	}
}

// TestStaleValuesAcrossOperations: a value kept by one operation serves
// the same field and call in an operation of another shape.
func TestStaleValuesAcrossOperations(t *testing.T) {
	catalog, reviews := newFlaky(t, "primary"), newFlaky(t, "primary")
	dir := writeConfig(t, map[string]string{
		"api.graphql":    misfitSDL,
		"upstreams.yaml": fallbackUpstreams(catalog.srv.URL, reviews.srv.URL, "http://127.0.0.1:1"),
		"vs.yaml":        fallbackVS,
	})
	g := startGateway(t, virtualservices.Config{FS: os.DirFS(dir), Dir: ".", DisplayRoot: dir, OSDir: dir})
	g.query("", `{ products { reviews { body } } }`, nil).noErrors(t)
	reviews.set("down")
	r := g.query("", `query Other { products { upc rating { stars } reviews { body } } }`, nil)
	equalJSON(t, r.Data, `{"products": [
		{"upc": "1", "rating": {"stars": 0}, "reviews": [{"body": "primary review of 1"}]},
		{"upc": "2", "rating": {"stars": 0}, "reviews": [{"body": "primary review of 2"}]}]}`)
}
