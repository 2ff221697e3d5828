package schema_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/weft-gateway/weft/schema"
	"github.com/weft-gateway/weft/upstreams/graphql"
	grpcup "github.com/weft-gateway/weft/upstreams/grpc"
	"github.com/weft-gateway/weft/upstreams/rest"
	"github.com/weft-gateway/weft/upstreams/rest/restbind"
	"github.com/weft-gateway/weft/upstreams/soap"
)

const upstreamSDL = `
type Query {
  products: [Product!]!
  product(upc: ID!): Product
  topProducts(first: Int = 5): [Product!]!
  search(filter: Filter!): [Product!]!
  node(id: ID!): Node
  byColor(color: Color!): [Product!]!
}
type Mutation { setPrice(upc: ID!, price: Int!): Product }
interface Node { id: ID! }
type Product implements Node { id: ID! upc: ID! name: String! price: Int! weight: Int color: Color }
enum Color { RED GREEN }
input Filter { name: String! max: Int }
`

func upstreams(t testing.TB) map[string]schema.UpstreamInfo {
	t.Helper()
	s, err := gqlparser.LoadSchema(&ast.Source{Name: "catalog.graphql", Input: upstreamSDL})
	if err != nil {
		t.Fatal(err)
	}
	return map[string]schema.UpstreamInfo{
		"catalog": {Name: "catalog", Kind: graphql.KindName, Schema: s, Version: "1"},
		"reviews": {Name: "reviews", Kind: rest.KindName, Version: "1"},
	}
}

// binders are the binding directives of the gateway's kinds.
func binders() []schema.Binder {
	return []schema.Binder{graphql.Binder{}, restbind.Binder{}, grpcup.Binder{}, soap.Binder{}}
}

func build(t testing.TB, sdl string) (*schema.Schema, error) {
	t.Helper()
	return schema.Build(schema.Source{File: "api.graphql", Input: sdl}, schema.Options{Binders: binders(), Upstreams: upstreams(t), Vars: map[string]string{"tenant": "acme"}})
}

const goodSDL = `
type Query {
  products: [Product!]! @graphql(upstream: "catalog")
  product(upc: ID!): Product @graphql(upstream: "catalog")
  item(id: ID!): Product @graphql(upstream: "catalog", field: "product", args: {upc: "{args.id}"})
  reviewsOf(upc: ID!): [Review!]! @rest(upstream: "reviews", path: "/products/{args.upc}/reviews", headers: ["X-Tenant: {vars.tenant}"])
}
type Mutation {
  setPrice(upc: ID!, price: Int!): Product @graphql(upstream: "catalog")
  addReview(upc: ID!, rating: Int!): Review @rest(upstream: "reviews", method: "POST", path: "/products/{args.upc}/reviews", body: {rating: "{args.rating}", source: "web"})
}
type Product {
  upc: ID!
  name: String!
  price: Int!
  reviews(limit: Int): [Review!]! @rest(upstream: "reviews", path: "/products/{parent.upc}/reviews?limit={args.limit}",
    batch: {path: "/reviews?upcs={parent.upc}", key: "productUpc", result: "items", maxSize: 50})
  texts: [String!]! @rest(upstream: "reviews", path: "/products/{parent.upc}/reviews", result: "[].body")
}
type Review { id: ID! rating: Int! body: String! product: Product @graphql(upstream: "catalog", field: "product", args: {upc: "{parent.productUpc}"}) productUpc: ID }
`

func TestBuildGood(t *testing.T) {
	s, err := build(t, goodSDL)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	if len(s.Bindings()) != 9 {
		t.Fatalf("got %d bindings, want 9", len(s.Bindings()))
	}
	r := s.Binding("Product", "reviews")
	rr, _ := r.Request.(*restbind.Binding)
	if rr == nil || rr.Batch == nil || r.Batch.MaxSize != 50 || strings.Join(r.Batch.ParentKey, ".") != "upc" {
		t.Fatalf("Product.reviews binding = %+v", r)
	}
	if len(rr.Query) != 1 || rr.Query[0].Name != "limit" {
		t.Fatalf("query params = %+v", rr.Query)
	}
	if got := s.Binding("Review", "product").ParentRefs; len(got) != 1 || got[0][0] != "productUpc" {
		t.Fatalf("ParentRefs = %v", got)
	}
	if s.Binding("Product", "name") != nil {
		t.Fatal("a plain field has a binding")
	}
	// The served schema has no trace of the binding machinery.
	if s.AST.Directives["rest"] != nil || s.AST.Types["_WeftValue"] != nil {
		t.Fatal("binding directives leak into the served schema")
	}
	for _, d := range s.AST.Types["Product"].Fields.ForName("reviews").Directives {
		t.Fatalf("directive @%s left on a field", d.Name)
	}
	// The version changes with the SDL.
	s2, err := build(t, goodSDL+"\n# comment\n")
	if err != nil || s2.Version == s.Version {
		t.Fatalf("version did not change: %v", err)
	}
}

func TestBuildErrors(t *testing.T) {
	head := "type Query { products: [Product!]! @graphql(upstream: \"catalog\") }\n"
	tests := []struct {
		name, sdl, want string
	}{
		{"syntax", "type Query {", `api.graphql:1:13: Expected Name, found <EOF>`},
		{"unbound root", "type Query { x: Int }", `api.graphql:1:14: Query.x: root field has no binding`},
		{"unknown upstream", `type Query { x: Int @rest(upstream: "revews", path: "/x") }`, `api.graphql:1:27: Query.x @rest: unknown upstream "revews" (did you mean "reviews"?)`},
		{"wrong kind", `type Query { x: Int @graphql(upstream: "reviews") }`, `upstream "reviews" is a rest upstream; @graphql needs a graphql upstream`},
		{"unknown upstream field", `type Query { productz: [Product!]! @graphql(upstream: "catalog") } type Product { upc: ID! }`, `upstream "catalog" has no field Query.productz (did you mean "products"?)`},
		{"type mismatch", `type Query { products: Product @graphql(upstream: "catalog") } type Product { upc: ID! }`, `type Product cannot hold upstream "catalog" Query.products of type [Product!]!: the upstream type is a list and the gateway type is not`},
		{"missing arg", `type Query { product: Product @graphql(upstream: "catalog") } type Product { upc: ID! }`, `upstream field product requires argument "upc", which this field does not declare`},
		{"extra arg", `type Query { product(upc: ID!, x: Int): Product @graphql(upstream: "catalog") } type Product { upc: ID! }`, `argument "x" is not an argument of upstream field product`},
		{"nullable arg to required", `type Query { product(upc: ID): Product @graphql(upstream: "catalog") } type Product { upc: ID! }`, `the upstream requires a value and the gateway argument may be null`},
		{"missing upstream type field", head + `type Product { upc: ID! sku: String }`, `api.graphql:2:25: Product.sku: has no binding, and upstream "catalog"'s type Product has no field "sku"`},
		{"enum lacks value", `type Query { product(upc: ID!): Product @graphql(upstream: "catalog") } type Product { color: Color } enum Color { RED }`, `enum Color lacks value GREEN, which upstream "catalog" can return`},
		{"enum argument has a value the upstream lacks", `type Query { byColor(color: Color!): [Product!]! @graphql(upstream: "catalog") } type Product { upc: ID! } enum Color { RED GREEN BLUE }`, `api.graphql:1:131: Color.BLUE: enum Color has value BLUE, which clients may send but upstream "catalog" does not accept`},
		{"template missing arg", head + `type Product { upc: ID! r: [String!] @rest(upstream: "reviews", path: "/p/{args.upc}") }`, `{args.upc}: field r has no argument "upc"`},
		{"template missing parent field", head + `type Product { upc: ID! r: [String!] @rest(upstream: "reviews", path: "/p/{parent.sku}") }`, `{parent.sku}: type Product has no field "sku"`},
		{"template parent on root", `type Query { r: [String!] @rest(upstream: "reviews", path: "/p/{parent.upc}") }`, `{parent.upc}: root fields have no parent`},
		{"template unknown var", `type Query { r: [String!] @rest(upstream: "reviews", path: "/p/{vars.tenantt}") }`, `{vars.tenantt}: no variable "tenantt" is defined in the VirtualService's vars (did you mean "tenant"?)`},
		{"template syntax", `type Query { r: [String!] @rest(upstream: "reviews", path: "/p/{args.x") }`, `unclosed "{"`},
		{"template reads bound field", head + `type Product { upc: ID! r: [String!] @rest(upstream: "reviews", path: "/p/{parent.s}") s: String @rest(upstream: "reviews", path: "/s") }`, `{parent.s}: Product.s is resolved by its own binding`},
		{"result path too deep", `type Query { r: String @rest(upstream: "reviews", path: "/p", result: "items[].name") }`, `result path "items[].name" maps over 1 list level(s), but the field's type String has 0`},
		{"bad method", `type Query { r: String @rest(upstream: "reviews", path: "/p", method: "FETCH") }`, `method "FETCH" is not one of GET, POST, PUT, PATCH, DELETE`},
		{"relative path", `type Query { r: String @rest(upstream: "reviews", path: "p") }`, `path "p" must start with "/"`},
		{"get with body", `type Query { r: String @rest(upstream: "reviews", path: "/p", body: {a: 1}) }`, `a GET request cannot have a body`},
		{"unknown directive arg", `type Query { r: String @rest(upstream: "reviews", path: "/p", retries: 3) }`, `api.graphql:1:63: Undefined argument retries for directive rest.`},
		{"bad timeout", `type Query { r: String @rest(upstream: "reviews", path: "/p", timeout: "soon") }`, `argument "timeout": "soon" is not a positive duration`},
		{"two bindings", `type Query { r: String @rest(upstream: "reviews", path: "/p") @rest(upstream: "reviews", path: "/q") }`, `both bindings name upstream "reviews"`},
		{"three bindings", `type Query { r: String @rest(upstream: "reviews", path: "/p") @rest(upstream: "reviews", path: "/q") @rest(upstream: "reviews", path: "/s") }`, `has 3 bindings`},
		{"batch without key ref", head + `type Product { upc: ID! r: [String!] @rest(upstream: "reviews", path: "/p/{parent.upc}", batch: {path: "/all", key: "upc"}) }`, `batch templates must read exactly one parent field (the key)`},
		{"batch on root", `type Query { r: [String!] @rest(upstream: "reviews", path: "/p", batch: {path: "/all", key: "upc"}) }`, `root fields have no parents to batch`},
		{"batch bad field", head + `type Product { upc: ID! r: [String!] @rest(upstream: "reviews", path: "/p/{parent.upc}", batch: {path: "/b?u={parent.upc}", key: "upc", size: 3}) }`, `unknown batch field "size"`},
		{"graphql args unknown", `type Query { p: Product @graphql(upstream: "catalog", field: "product", args: {sku: "1", upc: "1"}) } type Product { upc: ID! }`, `upstream field product has no argument "sku"`},
		{"graphql args missing required", `type Query { p: Product @graphql(upstream: "catalog", field: "product", args: {}) } type Product { upc: ID! }`, `required argument "upc" of upstream field product is not set in args`},
		{"input mismatch", `type Query { search(filter: Filter!): [Product!]! @graphql(upstream: "catalog") } type Product { upc: ID! } input Filter { name: String! maximum: Int }`, `Filter.maximum: input field is not in upstream "catalog"'s input Filter`},
		{"from on a bound field", `type Query { r: String @rest(upstream: "reviews", path: "/r") @from(key: "x") }`, `@from names where a field is in its parent's source`},
		{"from without key", head + `type Product { upc: ID! @from(key: "") }`, `@from(key:) must not be empty`},
		{"from to a missing upstream field", head + `type Product { upc: ID! label: String @from(key: "title") }`, `has no binding, and upstream "catalog"'s type Product has no field "title"`},
		{"bad content type", `type Mutation { r: String @rest(upstream: "reviews", method: "POST", path: "/r", body: {a: 1}, contentType: "application/xml") } type Query { q: String @rest(upstream: "reviews", path: "/q") }`, `contentType "application/xml" is not one of`},
		{"form without body", `type Mutation { r: String @rest(upstream: "reviews", method: "POST", path: "/r", contentType: "multipart/form-data") } type Query { q: String @rest(upstream: "reviews", path: "/q") }`, `contentType "multipart/form-data" needs a body`},
		{"bad cookie", `type Query { r: String @rest(upstream: "reviews", path: "/r", cookies: ["a=b"]) }`, `cookie "a=b" must be written "Name: value"`},
		{"bad JSON body", `type Mutation { r: String @rest(upstream: "reviews", method: "POST", path: "/r", body: "{\"a\": ") } type Query { q: String @rest(upstream: "reviews", path: "/q") }`, `body: body is not JSON`},
		{"subscription without binding", head + `type Product { upc: ID! } type Subscription { x: Int }`, `Subscription.x: root field has no binding`},
		{"subscription bound to a REST call", head + `type Product { upc: ID! } type Subscription { x: Int @rest(upstream: "reviews", path: "/x") }`, `a Subscription field needs a binding that streams (a server-streaming method); @rest answers once`},
		{"interface binding", head + `type Product { upc: ID! } interface I { x: Int @rest(upstream: "reviews", path: "/x") }`, `bindings go on object type fields, not interface fields`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := build(t, tt.sdl)
			if err == nil {
				t.Fatalf("Build succeeded, want an error containing %q", tt.want)
			}
			var es schema.Errors
			if !errors.As(err, &es) {
				t.Fatalf("error %T is not Errors", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error:\n%v\nwant it to contain:\n%s", err, tt.want)
			}
			for _, e := range es {
				if e.Pos.File != "api.graphql" || e.Pos.Line == 0 {
					t.Errorf("error %q has no file:line", e)
				}
			}
		})
	}
}

// TestFromRenames checks that @from renames a plain field for its source,
// and that templates reading it use the source's name.
func TestFromRenames(t *testing.T) {
	s, err := build(t, `type Query { product(upc: ID!): Product @graphql(upstream: "catalog") }
type Product {
  code: ID! @from(key: "upc")
  reviews: [String!] @rest(upstream: "reviews", path: "/p/{parent.code}")
}`)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.SourceName("Product", "code"); got != "upc" {
		t.Fatalf("SourceName = %q", got)
	}
	r := s.Binding("Product", "reviews")
	if len(r.ParentRefs) != 1 || r.ParentRefs[0][0] != "upc" || r.Request.(*restbind.Binding).Path.Refs()[0].Path[0] != "upc" {
		t.Fatalf("parent refs not in source names: %v, %v", r.ParentRefs, r.Request.(*restbind.Binding).Path.Refs())
	}
	for _, d := range s.AST.Types["Product"].Fields.ForName("code").Directives {
		t.Fatalf("@%s left in the served schema", d.Name)
	}
}

func TestBuildReportsEveryError(t *testing.T) {
	_, err := build(t, `type Query {
  a: Int @rest(upstream: "nope", path: "/a")
  b: Int @rest(upstream: "reviews", path: "b")
  c: Int
}`)
	var es schema.Errors
	if !errors.As(err, &es) || len(es) != 3 {
		t.Fatalf("want 3 errors, got %v", err)
	}
	for i, line := range []int{2, 3, 4} {
		if es[i].Pos.Line != line {
			t.Errorf("error %d at line %d, want %d: %v", i, es[i].Pos.Line, line, es[i])
		}
	}
}

func TestInlineSourcePositions(t *testing.T) {
	// SDL inline in a YAML file: lines and columns point into the YAML file.
	_, err := schema.Build(schema.Source{File: "vs.yaml", Input: "type Query {\n  x: Int\n}", Line: 10, Col: 6}, schema.Options{})
	if err == nil || !strings.HasPrefix(err.Error(), "vs.yaml:11:9: Query.x:") {
		t.Fatalf("error = %v, want it at vs.yaml:11:9", err)
	}
}

func TestParsePath(t *testing.T) {
	tests := []struct {
		in    string
		lists int
		bad   bool
	}{
		{"", 0, false}, {"a.b", 0, false}, {"items[].node", 1, false}, {"[]", 1, false}, {"a[].b[]", 2, false},
		{"a..b", 0, true}, {"a[0]", 0, true}, {"a b", 0, true},
	}
	for _, tt := range tests {
		p, err := schema.ParsePath(tt.in)
		if (err != nil) != tt.bad {
			t.Errorf("ParsePath(%q) error = %v, want bad=%v", tt.in, err, tt.bad)
			continue
		}
		if err == nil && (p.Lists() != tt.lists || p.String() != tt.in) {
			t.Errorf("ParsePath(%q) = %v (lists %d)", tt.in, p, p.Lists())
		}
	}
}
