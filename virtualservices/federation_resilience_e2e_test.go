package virtualservices_test

// End-to-end tests of what a supergraph does when a subgraph fails: the
// four fedbench subgraphs (gqlgen, Apollo Federation v2) on loopback,
// each behind a fault injector that makes it fail, hang or reset on
// demand, and the gateway loaded from a config directory.

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/weft-gateway/weft/internal/faults"
	"github.com/weft-gateway/weft/internal/fedbench"
	"github.com/weft-gateway/weft/internal/fedbench/fedbenchtest"
	"github.com/weft-gateway/weft/planner"
	"github.com/weft-gateway/weft/upstreams/resilience"
	"github.com/weft-gateway/weft/virtualservices"
)

// fedWorld is the four fedbench subgraphs, each behind a fault injector,
// and a gateway serving their supergraph.
type fedWorld struct {
	faults map[string]*faults.Injector
	urls   map[string]string
	g      *gateway
}

// serveFaulty serves a subgraph behind a new injector (its handler and
// its listener, so that Down resets connections) and returns both.
func serveFaulty(t *testing.T, s http.Handler) (*faults.Injector, string) {
	t.Helper()
	inj := faults.New(faults.OK())
	srv := httptest.NewUnstartedServer(inj.HTTP(s, faults.GraphQL))
	srv.Listener = inj.Listener(srv.Listener)
	srv.Start()
	t.Cleanup(srv.Close)
	return inj, srv.URL + fedbench.GraphQLPath
}

// startFedWorld starts the subgraphs and a gateway whose supergraph
// Upstream "shop" has the given spec lines (indented by two spaces, the
// supergraph block included), whose route serves the supergraph with
// routeSDL (when set) as its own SDL, and with more resources (YAML
// documents, each starting with ---).
func startFedWorld(t *testing.T, spec, routeSDL, more string) *fedWorld {
	t.Helper()
	w := &fedWorld{faults: map[string]*faults.Injector{}, urls: map[string]string{}}
	for name, s := range fedbenchtest.Subgraphs() {
		w.faults[name], w.urls[name] = serveFaulty(t, s)
	}
	sdl, err := fedbench.Supergraph(w.urls)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"supergraph.graphql": sdl,
		"up.yaml":            "apiVersion: weft.dev/v1\nkind: Upstream\nmetadata: {name: shop}\nspec:\n" + spec + more,
		"vs.yaml":            fedRouteYAML(routeSDL != ""),
	}
	if routeSDL != "" {
		files["route.graphql"] = routeSDL
	}
	w.g = startGatewayKinds(t, writeConfig(t, files))
	return w
}

func fedRouteYAML(withFile bool) string {
	file := ""
	if withFile {
		file = ", file: route.graphql"
	}
	return `apiVersion: weft.dev/v1
kind: VirtualService
metadata: {name: shop}
spec:
  virtualHost:
    domains: ["*"]
    routes:
      - matchers: [{prefix: /graphql}]
        graphql:
          schema: {supergraph: shop` + file + `}
`
}

// errorsAt returns the errors of a response by path, as text.
func errorsAt(r *response) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, e := range r.Errors {
		out[fmt.Sprint(e["path"])] = e
	}
	return out
}

// extensionsOf returns an error's extensions.
func extensionsOf(e map[string]any) map[string]any {
	ext, _ := e["extensions"].(map[string]any)
	return ext
}

// topProducts returns the response's topProducts.
func topProducts(t *testing.T, r *response) []map[string]any {
	t.Helper()
	data, _ := r.Data.(map[string]any)
	list, ok := data["topProducts"].([]any)
	if !ok {
		t.Fatalf("no topProducts in %s", r.raw)
	}
	out := make([]map[string]any, len(list))
	for i, p := range list {
		out[i], _ = p.(map[string]any)
	}
	return out
}

// TestFederationSubgraphBreaker: with a breaker per subgraph, a failing
// inventory opens its own breaker, and the calls to it stop; products
// and reviews, whose breakers stay closed, keep serving their fields.
func TestFederationSubgraphBreaker(t *testing.T) {
	w := startFedWorld(t, `  timeout: 2s
  resilience:
    circuitBreaker: {minRequests: 3, failureRatio: 0.5, openFor: 1m}
  supergraph: {file: supergraph.graphql}
`, "", "")
	base := w.g.query("", `{ topProducts { upc name reviews { body } } }`, nil)
	base.noErrors(t)
	want := topProducts(t, base)

	w.faults["inventory"].Set(faults.Status(http.StatusServiceUnavailable, 0))
	const q = `{ topProducts { upc name inStock reviews { body } } }`
	for i := range 6 {
		r := w.g.query("", q, nil)
		if r.status != http.StatusOK {
			t.Fatalf("request %d: status %d: %s", i, r.status, r.raw)
		}
		got := topProducts(t, r)
		if len(got) != len(want) {
			t.Fatalf("request %d: %d products, want %d: %s", i, len(got), len(want), r.raw)
		}
		code := "UPSTREAM_UNAVAILABLE"
		if i >= 3 {
			code = "UPSTREAM_CIRCUIT_OPEN"
		}
		at := errorsAt(r)
		for k, p := range got {
			if p["upc"] != want[k]["upc"] || p["name"] != want[k]["name"] || fmt.Sprint(p["reviews"]) != fmt.Sprint(want[k]["reviews"]) || p["inStock"] != nil {
				t.Errorf("request %d: product %d = %v, want %v with inStock null", i, k, p, want[k])
			}
			e := at[fmt.Sprint([]any{"topProducts", float64(k), "inStock"})]
			ext := extensionsOf(e)
			if ext["code"] != code || ext["upstream"] != "shop/inventory" {
				t.Errorf("request %d: error at topProducts.%d.inStock: %v, want %s from shop/inventory", i, k, e, code)
			}
			if code == "UPSTREAM_CIRCUIT_OPEN" && ext["reason"] != resilience.ReasonCircuitOpen {
				t.Errorf("request %d: extensions %v, want reason %q", i, ext, resilience.ReasonCircuitOpen)
			}
		}
		if len(r.Errors) != len(want) {
			t.Errorf("request %d: %d errors, want one per product: %s", i, len(r.Errors), r.raw)
		}
	}
	if n := w.faults["inventory"].Calls(); n != 3 {
		t.Errorf("inventory received %d calls, want 3: the breaker opened after them", n)
	}
	for _, name := range []string{"products", "reviews"} {
		if n := w.faults[name].Calls(); n != 7 {
			t.Errorf("%s received %d calls, want 7: its breaker is its own", name, n)
		}
	}
	m := metricsText(w.g)
	for _, want := range []string{
		`weft_upstream_circuit_state{state="open",upstream="shop/inventory"} 1`,
		`weft_upstream_circuit_state{state="closed",upstream="shop/products"} 1`,
		`weft_upstream_circuit_state{state="closed",upstream="shop/reviews"} 1`,
		`weft_upstream_circuit_refused_total{upstream="shop/inventory"} 3`,
		`weft_upstream_attempts_total{upstream="shop/inventory"} 3`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// TestFederationSubgraphTimeout: a subgraph's own timeout bounds its
// calls, and only its calls: reviews, slower than its 100ms, times out
// at each product while products, slower than that too but within the
// Upstream's 5s, answers.
func TestFederationSubgraphTimeout(t *testing.T) {
	w := startFedWorld(t, `  timeout: 5s
  supergraph:
    file: supergraph.graphql
    subgraphs:
      reviews: {timeout: 100ms}
`, "", "")
	w.faults["reviews"].Set(faults.Slow(3 * time.Second))
	w.faults["products"].Set(faults.Slow(300 * time.Millisecond))
	start := time.Now()
	r := w.g.query("", `{ topProducts { name reviews { body } } }`, nil)
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("the request took %v; reviews' timeout is 100ms", took)
	}
	got := topProducts(t, r)
	if len(got) == 0 {
		t.Fatalf("no products: %s", r.raw)
	}
	at := errorsAt(r)
	for k, p := range got {
		if name, _ := p["name"].(string); name == "" || p["reviews"] != nil {
			t.Errorf("product %d = %v, want its name and null reviews", k, p)
		}
		e := at[fmt.Sprint([]any{"topProducts", float64(k), "reviews"})]
		if ext := extensionsOf(e); ext["code"] != "UPSTREAM_TIMEOUT" || ext["upstream"] != "shop/reviews" {
			t.Errorf("error at topProducts.%d.reviews: %v", k, e)
		}
	}
	if len(r.Errors) != len(got) {
		t.Errorf("%d errors, want one per product: %s", len(r.Errors), r.raw)
	}
}

// fallbackNotes returns a response's extensions.fallbacks by path.
func fallbackNotes(r *response) map[string]map[string]any {
	out := map[string]map[string]any{}
	notes, _ := r.Extensions["fallbacks"].([]any)
	for _, n := range notes {
		m, _ := n.(map[string]any)
		out[fmt.Sprint(m["path"])] = m
	}
	return out
}

// checkNote checks the fallback note at path.
func checkNote(t *testing.T, notes map[string]map[string]any, path []any, reason, upstream, fallback string) {
	t.Helper()
	n := notes[fmt.Sprint(path)]
	if n == nil || n["reason"] != reason || n["upstream"] != upstream || n["fallback"] != fallback {
		t.Errorf("fallback at %v = %v, want %s from %s served by %s", path, n, reason, upstream, fallback)
	}
}

// TestFederationFieldFallbacks: fields a subgraph resolves fall back as
// bound fields do: a route's restatement gives inStock a static value
// and reviews stale values (kept per product, so a list of other
// products finds those it holds); a subgraph's fallback block serves the
// root field stale; the rest of the response stands and
// extensions.fallbacks says what served.
func TestFederationFieldFallbacks(t *testing.T) {
	w := startFedWorld(t, `  timeout: 2s
  supergraph:
    file: supergraph.graphql
    subgraphs:
      products:
        fallback: {stale: 1m}
`, `extend type Product {
  inStock: Boolean @fallback(value: false, on: ["UPSTREAM_UNAVAILABLE"])
  reviews: [Review] @fallback(stale: "1m")
}
`, "")
	const q = `{ topProducts { upc name inStock reviews { body } } }`
	base := w.g.query("", q, nil)
	base.noErrors(t)
	want := topProducts(t, base)

	// Inventory and reviews fail: a static value and stale values serve.
	w.faults["inventory"].Set(faults.Down())
	w.faults["reviews"].Set(faults.Status(http.StatusInternalServerError, 0))
	r := w.g.query("", q, nil)
	r.noErrors(t)
	got := topProducts(t, r)
	notes := fallbackNotes(r)
	for k, p := range got {
		if p["upc"] != want[k]["upc"] || p["name"] != want[k]["name"] || p["inStock"] != false || fmt.Sprint(p["reviews"]) != fmt.Sprint(want[k]["reviews"]) {
			t.Errorf("product %d = %v, want %v with inStock false", k, p, want[k])
		}
		checkNote(t, notes, []any{"topProducts", float64(k), "inStock"}, "UPSTREAM_UNAVAILABLE", "shop/inventory", "value")
		checkNote(t, notes, []any{"topProducts", float64(k), "reviews"}, "UPSTREAM_ERROR", "shop/reviews", "stale")
	}
	if len(notes) != 2*len(got) {
		t.Errorf("%d fallback notes, want 2 per product: %s", len(notes), r.raw)
	}

	// Fewer products: another batch, whose products' reviews are kept.
	r = w.g.query("", `{ topProducts(first: 2) { upc reviews { body } } }`, nil)
	r.noErrors(t)
	for k, p := range topProducts(t, r) {
		if fmt.Sprint(p["reviews"]) != fmt.Sprint(want[k]["reviews"]) {
			t.Errorf("first 2: product %d reviews %v, want the stale %v", k, p["reviews"], want[k]["reviews"])
		}
	}

	// A field with no fallback of its own fails as before: inStock's
	// fallback does not serve a timeout.
	w.faults["inventory"].Set(faults.Status(http.StatusGatewayTimeout, 0))
	r = w.g.query("", `{ topProducts { inStock } }`, nil)
	for _, e := range r.Errors {
		if ext := extensionsOf(e); ext["upstream"] != "shop/inventory" {
			t.Errorf("error %v", e)
		}
	}

	// Products fails: the subgraph's fallback block serves its root field
	// the last good value.
	w.faults["inventory"].Set(faults.OK())
	w.faults["reviews"].Set(faults.OK())
	w.faults["products"].Set(faults.Down())
	r = w.g.query("", q, nil)
	r.noErrors(t)
	got = topProducts(t, r)
	if len(got) != len(want) {
		t.Fatalf("%d products from the stale value, want %d: %s", len(got), len(want), r.raw)
	}
	for k, p := range got {
		if p["upc"] != want[k]["upc"] || p["name"] != want[k]["name"] || p["inStock"] != want[k]["inStock"] {
			t.Errorf("product %d = %v, want %v", k, p, want[k])
		}
	}
	checkNote(t, fallbackNotes(r), []any{"topProducts"}, "UPSTREAM_UNAVAILABLE", "shop/products", "stale")
}

// TestFederationSubgraphReplica: a subgraph whose fallback block names a
// replica (another supergraph Upstream with that subgraph) has its
// failed calls replayed there.
func TestFederationSubgraphReplica(t *testing.T) {
	// The replica's inventory is another server over the same data.
	_, replicaInventory := serveFaulty(t, fedbenchtest.Subgraphs()["inventory"])
	w := startFedWorld(t, `  timeout: 2s
  supergraph:
    file: supergraph.graphql
    subgraphs:
      inventory:
        fallback: {upstream: shop-dr}
`, "", fmt.Sprintf(`---
apiVersion: weft.dev/v1
kind: Upstream
metadata: {name: shop-dr}
spec:
  supergraph:
    file: supergraph.graphql
    subgraphs:
      inventory: %s
`, replicaInventory))
	const q = `{ topProducts { upc inStock } }`
	base := w.g.query("", q, nil)
	base.noErrors(t)
	w.faults["inventory"].Set(faults.Down())
	r := w.g.query("", q, nil)
	r.noErrors(t)
	if fmt.Sprint(r.Data) != fmt.Sprint(base.Data) {
		t.Errorf("data from the replica\n%v\nwant\n%v", r.Data, base.Data)
	}
	notes := fallbackNotes(r)
	for k := range topProducts(t, r) {
		n := notes[fmt.Sprint([]any{"topProducts", float64(k), "inStock"})]
		if n["fallback"] != "upstream" || n["via"] != "shop-dr" || n["upstream"] != "shop/inventory" {
			t.Errorf("fallback at product %d: %v", k, n)
		}
	}
}

// TestFederationRequirementErrors: when the fetch that only gives what a
// later fetch @requires fails (products' price and weight, which
// inventory's shippingEstimate requires, for products reviews returned
// with their upc alone), the client gets the failure at the fields that
// needed it, naming the subgraph that failed; a fallback on such a field
// serves it, saying why.
func TestFederationRequirementErrors(t *testing.T) {
	w := startFedWorld(t, "  timeout: 2s\n  supergraph: {file: supergraph.graphql}\n", "", "")
	const q = `{ me { reviews { product { upc shippingEstimate } } } }`
	base := w.g.query("", q, nil, "X-Weft-Plan", "1")
	base.noErrors(t)
	// The plan has the fetch this test is about: one to products that
	// serves no field of the client's.
	plan, err := w.g.server.Snapshot().APIForHost("localhost").Plan(context.Background(), q, "")
	if err != nil {
		t.Fatal(err)
	}
	if !requirementOnly(plan.Fetches, "products") {
		t.Fatalf("the plan has no requirement-only fetch to products:\n%s", plan)
	}
	reviewsOf := func(r *response) []any {
		data, _ := r.Data.(map[string]any)
		me, _ := data["me"].(map[string]any)
		list, _ := me["reviews"].([]any)
		return list
	}
	wantReviews := reviewsOf(base)
	if len(wantReviews) == 0 {
		t.Fatalf("no reviews: %s", base.raw)
	}

	w.faults["products"].Set(faults.Down())
	inventoryCalls := w.faults["inventory"].Calls()
	r := w.g.query("", q, nil)
	got := reviewsOf(r)
	if len(got) != len(wantReviews) {
		t.Fatalf("%d reviews, want %d: %s", len(got), len(wantReviews), r.raw)
	}
	at := errorsAt(r)
	for i := range got {
		p, _ := got[i].(map[string]any)["product"].(map[string]any)
		wp, _ := wantReviews[i].(map[string]any)["product"].(map[string]any)
		if p["upc"] != wp["upc"] || p["shippingEstimate"] != nil {
			t.Errorf("review %d product %v, want upc %v and shippingEstimate null", i, p, wp["upc"])
		}
		e := at[fmt.Sprint([]any{"me", "reviews", float64(i), "product", "shippingEstimate"})]
		if ext := extensionsOf(e); ext["code"] != "UPSTREAM_UNAVAILABLE" || ext["upstream"] != "shop/products" {
			t.Errorf("error at review %d's shippingEstimate: %v, want UPSTREAM_UNAVAILABLE from shop/products", i, e)
		}
	}
	if len(r.Errors) != len(got) {
		t.Errorf("%d errors, want one per review: %s", len(r.Errors), r.raw)
	}
	if n := w.faults["inventory"].Calls(); n != inventoryCalls {
		t.Errorf("inventory received %d calls without the price and weight it requires", n-inventoryCalls)
	}
}

// TestFederationRequirementFallback: a fallback on the field that needed
// what failed serves it, its note naming the subgraph that failed.
func TestFederationRequirementFallback(t *testing.T) {
	w := startFedWorld(t, "  timeout: 2s\n  supergraph: {file: supergraph.graphql}\n",
		"extend type Product {\n  shippingEstimate: Int @fallback(value: 0)\n}\n", "")
	w.faults["products"].Set(faults.Status(http.StatusBadGateway, 0))
	r := w.g.query("", `{ me { reviews { product { shippingEstimate } } } }`, nil)
	r.noErrors(t)
	data, _ := r.Data.(map[string]any)
	reviews, _ := data["me"].(map[string]any)["reviews"].([]any)
	if len(reviews) == 0 {
		t.Fatalf("no reviews: %s", r.raw)
	}
	notes := fallbackNotes(r)
	for i, rv := range reviews {
		p, _ := rv.(map[string]any)["product"].(map[string]any)
		if p["shippingEstimate"] != float64(0) {
			t.Errorf("review %d product %v, want shippingEstimate 0", i, p)
		}
		checkNote(t, notes, []any{"me", "reviews", float64(i), "product", "shippingEstimate"}, "UPSTREAM_UNAVAILABLE", "shop/products", "value")
	}
}

// requirementOnly reports whether the plan has an entity fetch to
// subgraph with no field of the client's.
func requirementOnly(fetches []*planner.Fetch, subgraph string) bool {
	return slices.ContainsFunc(fetches, func(f *planner.Fetch) bool {
		return f.Subgraph == subgraph && f.Entity != nil && len(f.Fields) == 0
	})
}

// TestFederationSubgraphConfigErrors: subgraph settings and federated
// fallbacks that are wrong are refused at load, at the file and line of
// the fault.
func TestFederationSubgraphConfigErrors(t *testing.T) {
	_, urls := fedbenchtest.ServeAll(t)
	sdl, err := fedbench.Supergraph(urls)
	if err != nil {
		t.Fatal(err)
	}
	const up = "apiVersion: weft.dev/v1\nkind: Upstream\nmetadata: {name: shop}\nspec:\n  supergraph:\n    file: supergraph.graphql\n"
	for _, tt := range []struct {
		name, up, route, want string
	}{
		{"unknown subgraph", up + "    subgraphs:\n      shipping: {timeout: 1s}\n", "",
			`up.yaml:8:17: spec.supergraph.subgraphs.shipping: the supergraph has no subgraph "shipping"`},
		{"unknown setting", up + "    subgraphs:\n      reviews:\n        timeot: 1s\n", "",
			`up.yaml:9:9: spec.supergraph.subgraphs.reviews.timeot: unknown field "timeot"`},
		{"unknown replica", up + "    subgraphs:\n      reviews:\n        fallback: {upstream: shop-dr}\n", "",
			`up.yaml:9:19: upstream shop, subgraph reviews, fallback: unknown upstream "shop-dr"`},
		{"restated with another type", up, "extend type Product {\n  inStock: Int @fallback(value: 0)\n}\n",
			`route.graphql:2:12: Product.inStock: restates the supergraph's field with type Int; the supergraph's is Boolean`},
		{"fallback value of another type", up, "extend type Product {\n  inStock: Boolean @fallback(value: 0)\n}\n",
			`route.graphql:2:37: Product.inStock @fallback: value does not fit type Boolean: 0 is not a Boolean`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{"supergraph.graphql": sdl, "up.yaml": tt.up, "vs.yaml": fedRouteYAML(tt.route != "")}
			if tt.route != "" {
				files["route.graphql"] = tt.route
			}
			dir := writeConfig(t, files)
			loader := &virtualservices.Loader{Kinds: kinds(), Log: zerolog.Nop(), Checking: true}
			snap, err := loader.Load(context.Background(), virtualservices.Config{FS: os.DirFS(dir), Dir: ".", DisplayRoot: "cfg"}, nil)
			if err == nil {
				virtualservices.CloseSnapshot(snap)
				t.Fatal("the config loads")
			}
			if !strings.Contains(err.Error(), "cfg/"+tt.want) {
				t.Errorf("error\n%v\nwant it to hold cfg/%s", err, tt.want)
			}
		})
	}
}

// The subgraphs of planner/testdata/federation/requires that
// TestFederationNestedRequirementErrors calls: products lists products
// with their category, risk rates categories, and shipping insures
// products by their category's riskClass (insurance requires
// "category { riskClass }").
const (
	requiresProductsSDL = `scalar _Any
union _Entity = Product | Category
type Query {
  topProducts(first: Int): [Product]
  _entities(representations: [_Any!]!): [_Entity]!
}
type Product { upc: String! name: String weight: Int category: Category }
type Category { id: ID! name: String }
`
	requiresRiskSDL = `scalar _Any
union _Entity = Product | Category
type Query {
  _entities(representations: [_Any!]!): [_Entity]!
}
type Product { upc: String! hazard: String }
type Category { id: ID! riskClass: Int }
`
	requiresShippingSDL = `scalar _Any
union _Entity = Product
type Query {
  _entities(representations: [_Any!]!): [_Entity]!
}
type Product { upc: String! insurance: Int }
`
)

// TestFederationNestedRequirementErrors: shipping's insurance requires
// the riskClass of the product's category, which only risk gives, for
// the category objects products returned. An error risk answers about
// c1 reaches the client at p1's insurance; with risk down, each
// insurance fails with risk's failure, and shipping is not called with
// representations that lack the riskClass.
func TestFederationNestedRequirementErrors(t *testing.T) {
	sdl, err := os.ReadFile("../planner/testdata/federation/requires/supergraph.graphql")
	if err != nil {
		t.Fatal(err)
	}
	products := startSubgraph(t, "products", requiresProductsSDL, func(f *ast.Field, _ map[string]any) any {
		var list []any
		for i := range 3 {
			list = append(list, map[string]any{"__typename": "Product", "upc": fmt.Sprintf("p%d", i),
				"category": map[string]any{"__typename": "Category", "id": fmt.Sprintf("c%d", i)}})
		}
		return list
	}, nil)
	risk := startSubgraph(t, "risk", requiresRiskSDL, nil, func(rep map[string]any) map[string]any {
		id, _ := rep["id"].(string)
		obj := map[string]any{"__typename": "Category", "id": id, "riskClass": len(id)}
		if id == "c1" {
			obj["riskClass"] = subgraphFieldError("the risk model of c1 is offline")
		}
		return obj
	})
	shipping := startSubgraph(t, "shipping", requiresShippingSDL, nil, func(rep map[string]any) map[string]any {
		obj := map[string]any{"__typename": "Product", "upc": rep["upc"]}
		category, _ := rep["category"].(map[string]any)
		rc, known := category["riskClass"]
		switch {
		case !known:
			obj["insurance"] = subgraphFieldError("no riskClass in the representation")
		case rc == nil:
			obj["insurance"] = -1
		default:
			obj["insurance"] = int(rc.(float64)) * 10
		}
		return obj
	})
	serve := func(riskURL string) *gateway {
		up := fmt.Sprintf(`apiVersion: weft.dev/v1
kind: Upstream
metadata: {name: shop}
spec:
  exposeErrors: true
  supergraph:
    file: supergraph.graphql
    subgraphs: {products: %q, risk: %q, shipping: %q}
`, products.srv.URL, riskURL, shipping.srv.URL)
		dir := writeConfig(t, map[string]string{"supergraph.graphql": string(sdl), "up.yaml": up, "vs.yaml": fedRouteYAML(false)})
		return startGatewayKinds(t, dir)
	}
	const q = `{ topProducts { upc insurance } }`

	g := serve(risk.srv.URL)
	r := g.query("", q, nil)
	equalJSON(t, r.Data, `{"topProducts":[{"upc":"p0","insurance":20},{"upc":"p1","insurance":-1},{"upc":"p2","insurance":20}]}`)
	if len(r.Errors) != 1 {
		t.Fatalf("got %d errors, want 1: %s", len(r.Errors), r.raw)
	}
	e := r.Errors[0]
	if ext := extensionsOf(e); fmt.Sprint(e["path"]) != fmt.Sprint([]any{"topProducts", float64(1), "insurance"}) ||
		e["message"] != "the risk model of c1 is offline" || ext["upstream"] != "shop/risk" || ext["code"] != "UPSTREAM_ERROR" {
		t.Errorf("error %v", e)
	}

	shipping.reset()
	g = serve(deadURL(t))
	r = g.query("", q, nil)
	equalJSON(t, r.Data, `{"topProducts":[{"upc":"p0","insurance":null},{"upc":"p1","insurance":null},{"upc":"p2","insurance":null}]}`)
	at := errorsAt(r)
	for i := range 3 {
		e := at[fmt.Sprint([]any{"topProducts", float64(i), "insurance"})]
		if ext := extensionsOf(e); ext["code"] != "UPSTREAM_UNAVAILABLE" || ext["upstream"] != "shop/risk" {
			t.Errorf("error at topProducts.%d.insurance: %v", i, e)
		}
	}
	if len(r.Errors) != 3 {
		t.Errorf("%d errors, want one per product: %s", len(r.Errors), r.raw)
	}
	if n := shipping.callCount(); n != 0 {
		t.Errorf("shipping received %d calls with representations that lack the riskClass", n)
	}
}

// startGatewayKinds serves the config in dir with every kind, the
// supergraph's included.
func startGatewayKinds(t *testing.T, dir string) *gateway {
	t.Helper()
	logs := &logBuffer{}
	log := zerolog.New(logs)
	loader := &virtualservices.Loader{Kinds: kinds(), Log: log}
	snap, err := loader.Load(context.Background(), virtualservices.Config{FS: os.DirFS(dir), Dir: ".", DisplayRoot: dir}, nil)
	if err != nil {
		t.Fatalf("config does not load:\n%v", err)
	}
	srv := virtualservices.NewServer(log)
	srv.Swap(snap)
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { hs.Close(); srv.Close() })
	return &gateway{t: t, server: srv, http: hs, logs: logs}
}
