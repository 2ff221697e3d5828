package virtualservices_test

// End-to-end tests of a supergraph served whole: real GraphQL subgraphs
// (httptest servers that validate each operation against their own schema
// and answer it, _entities included, with a small resolver written here),
// the gateway loaded from a config directory, and the calls each subgraph
// receives counted.

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/rs/zerolog"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/weft-gateway/weft/virtualservices"
)

// shopSupergraph composes three subgraphs: products lists products,
// reviews rates them and inventory says whether they are in stock, each
// by the product's upc.
const shopSupergraph = `schema
  @link(url: "https://specs.apollo.dev/link/v1.0")
  @link(url: "https://specs.apollo.dev/join/v0.3", for: EXECUTION)
{
  query: Query
}

directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, type: String, external: Boolean, override: String, usedOverridden: Boolean) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION

directive @join__graph(name: String!, url: String!) on ENUM_VALUE

directive @join__implements(graph: join__Graph!, interface: String!) repeatable on OBJECT | INTERFACE

directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false, resolvable: Boolean! = true, isInterfaceObject: Boolean! = false) repeatable on OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR

directive @join__unionMember(graph: join__Graph!, member: String!) repeatable on UNION

directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA

scalar join__FieldSet

scalar link__Import

enum link__Purpose {
  SECURITY
  EXECUTION
}

enum join__Graph {
  INVENTORY @join__graph(name: "inventory", url: "http://inventory.invalid/graphql")
  PRODUCTS @join__graph(name: "products", url: "http://products.invalid/graphql")
  REVIEWS @join__graph(name: "reviews", url: "http://reviews.invalid/graphql")
}

type Query
  @join__type(graph: INVENTORY)
  @join__type(graph: PRODUCTS)
  @join__type(graph: REVIEWS)
{
  products(count: Int!, distinct: Int!): [Product] @join__field(graph: PRODUCTS)
}

type Product
  @join__type(graph: INVENTORY, key: "upc")
  @join__type(graph: PRODUCTS, key: "upc")
  @join__type(graph: REVIEWS, key: "upc")
{
  upc: String!
  name: String @join__field(graph: PRODUCTS)
  weight: Int @join__field(graph: INVENTORY, external: true) @join__field(graph: PRODUCTS)
  size: Size @join__field(graph: INVENTORY, external: true) @join__field(graph: PRODUCTS)
  rating: Float @join__field(graph: INVENTORY, external: true) @join__field(graph: REVIEWS)
  reviews: [Review] @join__field(graph: REVIEWS)
  inStock: Boolean @join__field(graph: INVENTORY)
  shippingEstimate: Int @join__field(graph: INVENTORY, requires: "weight size { width height }")
  handling: String @join__field(graph: INVENTORY, requires: "rating")
}

type Size
  @join__type(graph: INVENTORY)
  @join__type(graph: PRODUCTS)
{
  width: Int
  height: Int
}

type Review
  @join__type(graph: REVIEWS)
{
  body: String
  stars: Int
}
`

// The subgraphs' own schemas, as each serves it.
const (
	productsSDL = `scalar _Any
union _Entity = Product
type Query {
  products(count: Int!, distinct: Int!): [Product]
  _entities(representations: [_Any!]!): [_Entity]!
}
type Product {
  upc: String!
  name: String
  weight: Int
  size: Size
}
type Size {
  width: Int
  height: Int
}
`
	reviewsSDL = `scalar _Any
union _Entity = Product
type Query {
  _entities(representations: [_Any!]!): [_Entity]!
}
type Product {
  upc: String!
  rating: Float
  reviews: [Review]
}
type Review {
  body: String
  stars: Int
}
`
	inventorySDL = `scalar _Any
union _Entity = Product
type Query {
  _entities(representations: [_Any!]!): [_Entity]!
}
type Product {
  upc: String!
  inStock: Boolean
  weight: Int
  size: Size
  rating: Float
  shippingEstimate: Int
  handling: String
}
type Size {
  width: Int
  height: Int
}
`
)

// subgraphFieldError, as a field's value in a subgraph's object, makes the
// subgraph answer null for it with an error at its path.
type subgraphFieldError string

// subgraphCall is one request a subgraph received.
type subgraphCall struct {
	query string
	// reps are the _entities representations, when there are.
	reps []map[string]any
}

// subgraph is a GraphQL subgraph on a loopback port.
type subgraph struct {
	t      *testing.T
	name   string
	schema *ast.Schema
	// root answers a root field other than _entities.
	root func(f *ast.Field, vars map[string]any) any
	// entity answers a representation with the entity's fields, or nil.
	entity func(rep map[string]any) map[string]any
	srv    *httptest.Server

	mu    sync.Mutex
	calls []subgraphCall
	// errs are errors added to every answer, such as one without a path.
	errs []map[string]any
}

// startSubgraph serves a subgraph of schema sdl.
func startSubgraph(t *testing.T, name, sdl string, root func(*ast.Field, map[string]any) any, entity func(map[string]any) map[string]any) *subgraph {
	t.Helper()
	s, gerr := gqlparser.LoadSchema(&ast.Source{Name: name + ".graphql", Input: sdl})
	if gerr != nil {
		t.Fatal(gerr)
	}
	sg := &subgraph{t: t, name: name, schema: s, root: root, entity: entity}
	sg.srv = httptest.NewServer(http.HandlerFunc(sg.serve))
	t.Cleanup(sg.srv.Close)
	return sg
}

func (s *subgraph) serve(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Query     string         `json:"query"`
		Variables map[string]any `json:"variables"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	call := subgraphCall{query: req.Query}
	defer func() {
		s.mu.Lock()
		s.calls = append(s.calls, call)
		s.mu.Unlock()
	}()
	w.Header().Set("Content-Type", "application/json")
	doc, errs := gqlparser.LoadQuery(s.schema, req.Query)
	if errs != nil {
		// An operation the subgraph's schema refuses fails the test: the
		// gateway must only send what the subgraph serves.
		s.t.Errorf("subgraph %s: invalid operation %s: %v", s.name, req.Query, errs)
		_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]any{{"message": errs.Error()}}})
		return
	}
	op := doc.Operations[0]
	data := map[string]any{}
	var gqlErrs []map[string]any
	for _, sel := range op.SelectionSet {
		f := sel.(*ast.Field)
		var v any
		if f.Name == "_entities" {
			raw, err := f.Arguments.ForName("representations").Value.Value(req.Variables)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			var list []any
			for i, rep := range raw.([]any) {
				m := rep.(map[string]any)
				call.reps = append(call.reps, m)
				list = append(list, project(s.entity(m), f.SelectionSet, s.schema, doc, []any{f.Alias, i}, &gqlErrs))
			}
			v = list
		} else {
			v = project(s.root(f, req.Variables), f.SelectionSet, s.schema, doc, []any{f.Alias}, &gqlErrs)
		}
		data[f.Alias] = v
	}
	ans := map[string]any{"data": data}
	s.mu.Lock()
	gqlErrs = append(gqlErrs, s.errs...)
	s.mu.Unlock()
	if len(gqlErrs) > 0 {
		ans["errors"] = gqlErrs
	}
	_ = json.NewEncoder(w).Encode(ans)
}

// project answers selection set sel on value v: objects are maps with a
// __typename, lists are []any, leaves are as they are.
func project(v any, sel ast.SelectionSet, sch *ast.Schema, doc *ast.QueryDocument, path []any, errs *[]map[string]any) any {
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = project(e, sel, sch, doc, append(slices.Clip(path), i), errs)
		}
		return out
	case []map[string]any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = project(e, sel, sch, doc, append(slices.Clip(path), i), errs)
		}
		return out
	case map[string]any:
		out := map[string]any{}
		projectInto(out, v, sel, sch, doc, path, errs)
		return out
	}
	return v
}

func projectInto(out, obj map[string]any, sel ast.SelectionSet, sch *ast.Schema, doc *ast.QueryDocument, path []any, errs *[]map[string]any) {
	typename, _ := obj["__typename"].(string)
	for _, s := range sel {
		switch s := s.(type) {
		case *ast.Field:
			if s.Name == "__typename" {
				out[s.Alias] = typename
				continue
			}
			fv := obj[s.Name]
			if msg, ok := fv.(subgraphFieldError); ok {
				out[s.Alias] = nil
				*errs = append(*errs, map[string]any{"message": string(msg), "path": append(slices.Clip(path), s.Alias)})
				continue
			}
			out[s.Alias] = project(fv, s.SelectionSet, sch, doc, append(slices.Clip(path), s.Alias), errs)
		case *ast.InlineFragment:
			if s.TypeCondition == "" || s.TypeCondition == typename || implements(sch, typename, s.TypeCondition) {
				projectInto(out, obj, s.SelectionSet, sch, doc, path, errs)
			}
		case *ast.FragmentSpread:
			if fr := doc.Fragments.ForName(s.Name); fr != nil && (fr.TypeCondition == typename || implements(sch, typename, fr.TypeCondition)) {
				projectInto(out, obj, fr.SelectionSet, sch, doc, path, errs)
			}
		}
	}
}

// implements reports whether objects of type typename are of abstract
// type cond in schema sch.
func implements(sch *ast.Schema, typename, cond string) bool {
	def := sch.Types[cond]
	if def == nil || def.IsLeafType() || def.Kind == ast.Object {
		return false
	}
	for _, t := range sch.GetPossibleTypes(def) {
		if t.Name == typename {
			return true
		}
	}
	return false
}

// callCount returns how many requests the subgraph received.
func (s *subgraph) callCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.calls)
}

// entityCalls returns the representations of each _entities call.
func (s *subgraph) entityCalls() [][]map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out [][]map[string]any
	for _, c := range s.calls {
		if strings.Contains(c.query, "_entities") {
			out = append(out, c.reps)
		}
	}
	return out
}

func (s *subgraph) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = nil
}

// shop is the three subgraphs and a gateway serving their supergraph.
type shop struct {
	products, reviews, inventory *subgraph
	g                            *gateway
	snap                         *virtualservices.Snapshot
}

// shopProduct is the product upc as the products subgraph has it: its
// weight and size grow with its number.
func shopProduct(upc string) map[string]any {
	n, _ := strconv.Atoi(strings.TrimPrefix(upc, "p"))
	return map[string]any{"__typename": "Product", "upc": upc, "name": "Product " + upc, "weight": 10 * (n + 1),
		"size": map[string]any{"__typename": "Size", "width": n + 1, "height": 2}}
}

// productUPC is the upc of the i-th product of a list with distinct
// products.
func productUPC(i, distinct int) string { return "p" + strconv.Itoa(i%distinct) }

// startShop starts the subgraphs and the gateway. inventoryURL, when set,
// replaces the inventory subgraph's address (a port nothing listens on,
// say); exposeErrors is the supergraph upstream's.
func startShop(t *testing.T, inventoryURL string, exposeErrors bool) *shop {
	t.Helper()
	return startShopAt(t, map[string]string{"inventory": inventoryURL}, exposeErrors)
}

// startShopAt is startShop with the addresses of any subgraphs replaced,
// by name.
func startShopAt(t *testing.T, at map[string]string, exposeErrors bool) *shop {
	t.Helper()
	sh := &shop{}
	sh.products = startSubgraph(t, "products", productsSDL, func(f *ast.Field, vars map[string]any) any {
		args := f.ArgumentMap(vars)
		count, distinct := int(args["count"].(int64)), int(args["distinct"].(int64))
		list := make([]any, count)
		for i := range list {
			list[i] = shopProduct(productUPC(i, distinct))
		}
		return list
	}, func(rep map[string]any) map[string]any {
		return shopProduct(rep["upc"].(string))
	})
	sh.reviews = startSubgraph(t, "reviews", reviewsSDL, nil, func(rep map[string]any) map[string]any {
		upc := rep["upc"].(string)
		if upc == "p9" {
			return nil // reviews knows nothing of p9
		}
		n, _ := strconv.Atoi(strings.TrimPrefix(upc, "p"))
		obj := map[string]any{"__typename": "Product", "upc": upc, "rating": float64(n) + 0.5,
			"reviews": []any{map[string]any{"__typename": "Review", "body": "About " + upc, "stars": n % 6}}}
		if upc == "p1" {
			obj["rating"] = subgraphFieldError("the ratings of p1 are being recomputed")
		}
		return obj
	})
	sh.inventory = startSubgraph(t, "inventory", inventorySDL, nil, func(rep map[string]any) map[string]any {
		upc := rep["upc"].(string)
		obj := map[string]any{"__typename": "Product", "upc": upc, "inStock": upc != "p2"}
		// What a field requires is read from the representation only: a
		// gateway that does not send it gets an error.
		if w, ok := rep["weight"].(float64); ok {
			size, _ := rep["size"].(map[string]any)
			width, _ := size["width"].(float64)
			height, _ := size["height"].(float64)
			obj["shippingEstimate"] = int(w + width*height)
		} else {
			obj["shippingEstimate"] = subgraphFieldError("no weight in the representation")
		}
		switch rating, ok := rep["rating"]; {
		case !ok:
			obj["handling"] = subgraphFieldError("no rating in the representation")
		case rating == nil:
			obj["handling"] = "unrated"
		case rating.(float64) >= 2:
			obj["handling"] = "express"
		default:
			obj["handling"] = "standard"
		}
		return obj
	})
	url := func(s *subgraph) string {
		if u := at[s.name]; u != "" {
			return u
		}
		return s.srv.URL
	}
	up := fmt.Sprintf(`apiVersion: weft.dev/v1
kind: Upstream
metadata: {name: shop}
spec:
  exposeErrors: %t
  supergraph:
    file: supergraph.graphql
    subgraphs:
      products: %q
      reviews: %q
      inventory: %q
`, exposeErrors, url(sh.products), url(sh.reviews), url(sh.inventory))
	vs := `apiVersion: weft.dev/v1
kind: VirtualService
metadata: {name: shop}
spec:
  virtualHost:
    domains: ["*"]
    routes:
      - matchers: [{prefix: /graphql}]
        graphql:
          schema: {supergraph: shop}
          exposePlan: true
`
	dir := writeConfig(t, map[string]string{"supergraph.graphql": shopSupergraph, "up.yaml": up, "vs.yaml": vs})
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
	sh.g = &gateway{t: t, server: srv, http: hs, logs: logs}
	sh.snap = snap
	return sh
}

// products returns the response's products list.
func productsOf(t *testing.T, r *response) []map[string]any {
	t.Helper()
	data, _ := r.Data.(map[string]any)
	list, ok := data["products"].([]any)
	if !ok {
		t.Fatalf("no products list in %s", r.raw)
	}
	out := make([]map[string]any, len(list))
	for i, p := range list {
		out[i], _ = p.(map[string]any)
	}
	return out
}

// repUPCs returns the upcs of representations, in order.
func repUPCs(reps []map[string]any) []string {
	out := make([]string, len(reps))
	for i, r := range reps {
		out[i], _ = r["upc"].(string)
		if r["__typename"] != "Product" || len(r) != 2 {
			out[i] = fmt.Sprintf("bad representation %v", r)
		}
	}
	return out
}

// TestFederationEntitiesBatched: the ratings of 100 products come from
// reviews in one _entities call carrying the 100 representations.
func TestFederationEntitiesBatched(t *testing.T) {
	sh := startShop(t, "", true)
	r := sh.g.query("", `{ products(count: 100, distinct: 100) { upc name reviews { stars } } }`, nil)
	r.noErrors(t)
	list := productsOf(t, r)
	if len(list) != 100 {
		t.Fatalf("%d products, want 100", len(list))
	}
	for i, p := range list {
		upc := productUPC(i, 100)
		var reviews any = []any{map[string]any{"stars": float64(i % 6)}}
		if upc == "p9" {
			reviews = nil
		}
		want := map[string]any{"upc": upc, "name": "Product " + upc, "reviews": reviews}
		if fmt.Sprint(p) != fmt.Sprint(want) {
			t.Fatalf("product %d = %v, want %v", i, p, want)
		}
	}
	if n := sh.products.callCount(); n != 1 {
		t.Errorf("products received %d calls, want 1", n)
	}
	calls := sh.reviews.entityCalls()
	if len(calls) != 1 || sh.reviews.callCount() != 1 {
		t.Fatalf("reviews received %d calls (%d of _entities), want one _entities call", sh.reviews.callCount(), len(calls))
	}
	var want []string
	for i := range 100 {
		want = append(want, productUPC(i, 100))
	}
	if got := repUPCs(calls[0]); !slices.Equal(got, want) {
		t.Errorf("representations %v, want the 100 upcs in order", got)
	}
	if n := sh.inventory.callCount(); n != 0 {
		t.Errorf("inventory received %d calls for a query that needs none of its fields", n)
	}
}

// TestFederationEntitiesDeduplicated: 100 products with 3 distinct upcs
// cost one _entities call with 3 representations, and each of the 100
// gets its answer.
func TestFederationEntitiesDeduplicated(t *testing.T) {
	sh := startShop(t, "", true)
	r := sh.g.query("", `{ products(count: 100, distinct: 3) { upc inStock reviews { body } } }`, nil)
	r.noErrors(t)
	list := productsOf(t, r)
	if len(list) != 100 {
		t.Fatalf("%d products, want 100", len(list))
	}
	for i, p := range list {
		upc := productUPC(i, 3)
		if p["upc"] != upc || p["inStock"] != (upc != "p2") || fmt.Sprint(p["reviews"]) != fmt.Sprint([]any{map[string]any{"body": "About " + upc}}) {
			t.Fatalf("product %d = %v", i, p)
		}
	}
	for _, s := range []*subgraph{sh.reviews, sh.inventory} {
		calls := s.entityCalls()
		if len(calls) != 1 || s.callCount() != 1 {
			t.Fatalf("%s received %d calls (%d of _entities), want one _entities call", s.name, s.callCount(), len(calls))
		}
		if got := repUPCs(calls[0]); !slices.Equal(got, []string{"p0", "p1", "p2"}) {
			t.Errorf("%s representations %v, want [p0 p1 p2]", s.name, got)
		}
	}
}

// TestFederationEntityErrorPath: an error the subgraph reports at
// ["_entities", i, "rating"] reaches the client at the path of every
// product of the i-th representation, with the field null and the rest of
// the response whole.
func TestFederationEntityErrorPath(t *testing.T) {
	sh := startShop(t, "", true)
	r := sh.g.query("", `{ products(count: 6, distinct: 3) { upc score: rating } }`, nil)
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.raw)
	}
	list := productsOf(t, r)
	for i, p := range list {
		upc := productUPC(i, 3)
		var want any = float64(i%3) + 0.5
		if upc == "p1" {
			want = nil
		}
		if p["upc"] != upc || p["score"] != want {
			t.Errorf("product %d = %v, want upc %s and score %v", i, p, upc, want)
		}
	}
	if len(r.Errors) != 2 {
		t.Fatalf("got %d errors, want 2 (one per product p1): %s", len(r.Errors), r.raw)
	}
	for k, i := range []int{1, 4} {
		e := r.Errors[k]
		wantPath := []any{"products", float64(i), "score"}
		if fmt.Sprint(e["path"]) != fmt.Sprint(wantPath) {
			t.Errorf("error %d path %v, want %v", k, e["path"], wantPath)
		}
		if e["message"] != "the ratings of p1 are being recomputed" {
			t.Errorf("error %d message %v", k, e["message"])
		}
		ext, _ := e["extensions"].(map[string]any)
		if ext["code"] != "UPSTREAM_ERROR" || ext["upstream"] != "shop/reviews" {
			t.Errorf("error %d extensions %v", k, ext)
		}
	}
	if calls := sh.reviews.entityCalls(); len(calls) != 1 || len(calls[0]) != 3 {
		t.Errorf("reviews _entities calls %v, want one of 3 representations", calls)
	}
}

// TestFederationEntityErrorMasked: without exposeErrors the subgraph's
// words stay in the log, and the error still names the client's path.
func TestFederationEntityErrorMasked(t *testing.T) {
	sh := startShop(t, "", false)
	r := sh.g.query("", `{ products(count: 3, distinct: 3) { upc rating } }`, nil)
	if len(r.Errors) != 1 {
		t.Fatalf("got %d errors, want 1: %s", len(r.Errors), r.raw)
	}
	e := r.Errors[0]
	if fmt.Sprint(e["path"]) != fmt.Sprint([]any{"products", float64(1), "rating"}) {
		t.Errorf("path %v", e["path"])
	}
	ext, _ := e["extensions"].(map[string]any)
	if ext["code"] != "UPSTREAM_ERROR" || ext["upstream"] != "shop/reviews" {
		t.Errorf("extensions %v", ext)
	}
	leaks(t, r, "recomputed")
	if !strings.Contains(sh.g.logs.String(), "the ratings of p1 are being recomputed") {
		t.Error("the subgraph's message is not in the log")
	}
}

// deadURL returns the URL of a loopback port nothing listens on.
func deadURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return "http://" + addr + "/graphql"
}

// TestFederationSubgraphDown: with inventory unreachable, inStock is null
// with an UPSTREAM_* error at each product, and what products and
// reviews answered stands.
func TestFederationSubgraphDown(t *testing.T) {
	sh := startShop(t, deadURL(t), false)
	r := sh.g.query("", `{ products(count: 3, distinct: 3) { upc name inStock reviews { stars } } }`, nil)
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.raw)
	}
	list := productsOf(t, r)
	if len(list) != 3 {
		t.Fatalf("%d products, want 3: %s", len(list), r.raw)
	}
	for i, p := range list {
		upc := productUPC(i, 3)
		if p["upc"] != upc || p["name"] != "Product "+upc || p["inStock"] != nil {
			t.Errorf("product %d = %v", i, p)
		}
		if fmt.Sprint(p["reviews"]) != fmt.Sprint([]any{map[string]any{"stars": float64(i % 6)}}) {
			t.Errorf("product %d reviews = %v", i, p["reviews"])
		}
	}
	if len(r.Errors) == 0 {
		t.Fatalf("no error for the unreachable subgraph: %s", r.raw)
	}
	at := map[string]bool{}
	for _, e := range r.Errors {
		ext, _ := e["extensions"].(map[string]any)
		code, _ := ext["code"].(string)
		// The upstream is the supergraph's, with the subgraph that failed.
		if up := ext["upstream"]; !strings.HasPrefix(code, "UPSTREAM_") || up != "shop/inventory" {
			t.Errorf("error %v: extensions %v", e["message"], ext)
		}
		at[fmt.Sprint(e["path"])] = true
	}
	for i := range 3 {
		if p := fmt.Sprint([]any{"products", float64(i), "inStock"}); !at[p] {
			t.Errorf("no error at %s: %s", p, r.raw)
		}
	}
	if sh.products.callCount() != 1 || sh.reviews.callCount() != 1 {
		t.Errorf("products %d calls, reviews %d; want 1 each", sh.products.callCount(), sh.reviews.callCount())
	}
}

// TestFederationPlanShown: the plan a client asks for with X-Weft-Plan,
// and the one weft plan prints, are the federated plan: a root fetch to
// products, then _entities fetches to reviews and inventory by upc.
func TestFederationPlanShown(t *testing.T) {
	sh := startShop(t, "", true)
	q := `{ products(count: 1, distinct: 1) { name rating inStock } }`
	r := sh.g.query("", q, nil, "X-Weft-Plan", "1")
	r.noErrors(t)
	plan, _ := r.Extensions["queryPlan"].(map[string]any)
	if plan == nil {
		t.Fatalf("no queryPlan in %s", r.raw)
	}
	node, _ := plan["node"].(map[string]any)
	if node["kind"] != "Sequence" {
		t.Fatalf("plan %v is no Sequence", plan)
	}
	nodes, _ := node["nodes"].([]any)
	if len(nodes) != 2 {
		t.Fatalf("plan nodes %v, want the root fetch then the entity fetches", nodes)
	}
	root, _ := nodes[0].(map[string]any)
	if root["kind"] != "Fetch" || root["subgraph"] != "products" || root["upstream"] != "shop" || root["protocol"] != "supergraph" || root["entities"] != nil {
		t.Errorf("root fetch %v", root)
	}
	par, _ := nodes[1].(map[string]any)
	kids, _ := par["nodes"].([]any)
	if par["kind"] != "Parallel" || len(kids) != 2 {
		t.Fatalf("second step %v, want two entity fetches in parallel", par)
	}
	var subgraphs []string
	for _, k := range kids {
		f, _ := k.(map[string]any)
		if f["entities"] != "Product" || f["representation"] != "upc" || f["at"] != "products[]" || f["batch"] != true {
			t.Errorf("entity fetch %v", f)
		}
		if req, _ := f["request"].(string); !strings.Contains(req, "_entities(representations:") {
			t.Errorf("entity fetch request %q", req)
		}
		subgraphs = append(subgraphs, f["subgraph"].(string))
	}
	slices.Sort(subgraphs)
	if !slices.Equal(subgraphs, []string{"inventory", "reviews"}) {
		t.Errorf("entity fetches to %v", subgraphs)
	}

	// What weft plan prints: the API's plan of the query.
	p, err := sh.snap.APIForHost("localhost").Plan(context.Background(), q, "")
	if err != nil {
		t.Fatal(err)
	}
	text := p.String()
	for _, want := range []string{
		"Fetch #0 shop (supergraph) subgraph products {",
		"query{products(count:1,distinct:1){name upc}}",
		"at products[] subgraph reviews entities Product by {upc} {",
		"at products[] subgraph inventory entities Product by {upc} {",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("plan lacks %q:\n%s", want, text)
		}
	}
}

// TestFederationRequires: inventory's shippingEstimate requires the weight
// and size products gives, its handling the rating reviews gives: the
// representations carry them (inventory computes both from the
// representation alone, so an answer that is right proves them there,
// and reviews ran first), and each subgraph is called once.
func TestFederationRequires(t *testing.T) {
	sh := startShop(t, "", true)
	r := sh.g.query("", `{ products(count: 4, distinct: 4) { upc shippingEstimate handling } }`, nil)
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.raw)
	}
	// p1's rating is an error at reviews: null, so its handling is
	// "unrated"; the others are rated n + 0.5.
	equalJSON(t, r.Data, `{"products":[
		{"upc":"p0","shippingEstimate":12,"handling":"standard"},
		{"upc":"p1","shippingEstimate":24,"handling":"unrated"},
		{"upc":"p2","shippingEstimate":36,"handling":"express"},
		{"upc":"p3","shippingEstimate":48,"handling":"express"}]}`)
	for _, s := range []*subgraph{sh.products, sh.reviews, sh.inventory} {
		if n := s.callCount(); n != 1 {
			t.Errorf("%s received %d calls, want 1", s.name, n)
		}
	}
	calls := sh.inventory.entityCalls()
	if len(calls) != 1 || len(calls[0]) != 4 {
		t.Fatalf("inventory _entities calls %v, want one of 4 representations", calls)
	}
	equalJSON(t, calls[0][3], `{"__typename":"Product","upc":"p3","weight":40,"size":{"width":4,"height":2},"rating":3.5}`)
	// p1's rating, null with an error at reviews, is sent as null.
	equalJSON(t, calls[0][1], `{"__typename":"Product","upc":"p1","weight":20,"size":{"width":2,"height":2},"rating":null}`)
}

// TestFederationRequirementGraphQLErrors: inventory's handling requires
// the rating reviews gives, fetched for that alone. An error reviews
// answers about p1's rating reaches the client at p1's handling (which
// inventory computed without it), naming reviews; with reviews down,
// every handling fails with reviews' failure, and inventory is not
// called for them.
func TestFederationRequirementGraphQLErrors(t *testing.T) {
	sh := startShop(t, "", true)
	r := sh.g.query("", `{ products(count: 3, distinct: 3) { upc handling } }`, nil)
	equalJSON(t, r.Data, `{"products":[{"upc":"p0","handling":"standard"},{"upc":"p1","handling":"unrated"},{"upc":"p2","handling":"express"}]}`)
	if len(r.Errors) != 1 {
		t.Fatalf("got %d errors, want 1: %s", len(r.Errors), r.raw)
	}
	e := r.Errors[0]
	ext, _ := e["extensions"].(map[string]any)
	if fmt.Sprint(e["path"]) != fmt.Sprint([]any{"products", float64(1), "handling"}) || e["message"] != "the ratings of p1 are being recomputed" ||
		ext["code"] != "UPSTREAM_ERROR" || ext["upstream"] != "shop/reviews" {
		t.Errorf("error %v", e)
	}

	sh = startShopAt(t, map[string]string{"reviews": deadURL(t)}, false)
	r = sh.g.query("", `{ products(count: 3, distinct: 3) { upc name handling } }`, nil)
	equalJSON(t, r.Data, `{"products":[{"upc":"p0","name":"Product p0","handling":null},{"upc":"p1","name":"Product p1","handling":null},{"upc":"p2","name":"Product p2","handling":null}]}`)
	if len(r.Errors) != 3 {
		t.Fatalf("got %d errors, want one per product: %s", len(r.Errors), r.raw)
	}
	for i, e := range r.Errors {
		ext, _ := e["extensions"].(map[string]any)
		if fmt.Sprint(e["path"]) != fmt.Sprint([]any{"products", float64(i), "handling"}) || ext["code"] != "UPSTREAM_UNAVAILABLE" || ext["upstream"] != "shop/reviews" {
			t.Errorf("error %d: %v", i, e)
		}
	}
	if n := sh.inventory.callCount(); n != 0 {
		t.Errorf("inventory received %d calls without the rating handling requires", n)
	}
}

// TestFederationEntityNotFound: an entity the subgraph answers null for
// has its fields null, without an error, and the other entities of the
// call keep theirs.
func TestFederationEntityNotFound(t *testing.T) {
	sh := startShop(t, "", true)
	r := sh.g.query("", `{ products(count: 11, distinct: 11) { upc reviews { stars } } }`, nil)
	r.noErrors(t)
	list := productsOf(t, r)
	if len(list) != 11 {
		t.Fatalf("%d products: %s", len(list), r.raw)
	}
	for i, p := range list {
		var want any = []any{map[string]any{"stars": float64(i % 6)}}
		if i == 9 {
			want = nil
		}
		if fmt.Sprint(p["reviews"]) != fmt.Sprint(want) {
			t.Errorf("product %d reviews = %v, want %v", i, p["reviews"], want)
		}
	}
}

// TestFederationConfigErrors: a supergraph upstream or a route serving
// one that is wrong is refused at load with the file, line and column of
// the fault.
func TestFederationConfigErrors(t *testing.T) {
	const vs = `apiVersion: weft.dev/v1
kind: VirtualService
metadata: {name: shop}
spec:
  virtualHost:
    domains: ["*"]
    routes:
      - matchers: [{prefix: /graphql}]
        graphql:
          schema: {supergraph: %s}
`
	const up = `apiVersion: weft.dev/v1
kind: Upstream
metadata: {name: shop}
spec:
  supergraph:
    file: supergraph.graphql
    subgraphs:
      %s: "http://127.0.0.1:1/graphql"
`
	const rest = `---
apiVersion: weft.dev/v1
kind: Upstream
metadata: {name: catalog}
spec:
  rest: {baseURL: "http://127.0.0.1:1"}
`
	for _, tt := range []struct {
		name      string
		up, route string
		want      string
	}{
		{"override of no subgraph", fmt.Sprintf(up, "shipping"), "shop",
			`up.yaml:8:17: spec.supergraph.subgraphs.shipping: the supergraph has no subgraph "shipping"`},
		{"route of no upstream", fmt.Sprintf(up, "reviews"), "nope",
			`vs.yaml:10:32: spec.virtualHost.routes[0].graphql.schema.supergraph: unknown upstream "nope"`},
		{"route of another kind", fmt.Sprintf(up, "reviews") + rest, "catalog",
			`vs.yaml:10:32: spec.virtualHost.routes[0].graphql.schema.supergraph: upstream "catalog" is a rest upstream, not a supergraph`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeConfig(t, map[string]string{"supergraph.graphql": shopSupergraph, "up.yaml": tt.up, "vs.yaml": fmt.Sprintf(vs, tt.route)})
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

// TestFederationExcludedFieldNotFetched: a subgraph whose only field in
// the query the client excluded with @include(if: false) is not called
// (its answer would be thrown away); included, it is.
func TestFederationExcludedFieldNotFetched(t *testing.T) {
	sh := startShop(t, "", true)
	q := `query($stock: Boolean!) { products(count: 3, distinct: 3) { name inStock @include(if: $stock) } }`
	r := sh.g.query("", q, map[string]any{"stock": false})
	r.noErrors(t)
	equalJSON(t, r.Data, `{"products":[{"name":"Product p0"},{"name":"Product p1"},{"name":"Product p2"}]}`)
	if n := sh.inventory.callCount(); n != 0 {
		t.Errorf("inventory received %d calls for a field the client excluded", n)
	}
	r = sh.g.query("", q, map[string]any{"stock": true})
	r.noErrors(t)
	equalJSON(t, r.Data, `{"products":[{"name":"Product p0","inStock":true},{"name":"Product p1","inStock":true},{"name":"Product p2","inStock":false}]}`)
	if n := sh.inventory.callCount(); n != 1 {
		t.Errorf("inventory received %d calls once the field is included, want 1", n)
	}
}
