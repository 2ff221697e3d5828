package schema_test

import (
	"strings"
	"testing"
	"time"

	"github.com/weft-gateway/weft/schema"
	"github.com/weft-gateway/weft/upstreams/rest"
)

func TestFallbacks(t *testing.T) {
	ups := upstreams(t)
	ups["reviews-replica"] = schema.UpstreamInfo{Name: "reviews-replica", Kind: rest.KindName, Version: "1"}
	opts := schema.Options{Binders: binders(), Upstreams: ups}
	const head = "type Query { products: [Product!]! @graphql(upstream: \"catalog\") }\n"
	good := head + `type Product { upc: ID!
  reviews: [Review!] @rest(upstream: "reviews", path: "/r/{parent.upc}")
    @fallback(upstream: "reviews-replica", stale: "10m", value: [], on: ["UPSTREAM_TIMEOUT", "UPSTREAM_UNAVAILABLE"])
  summary: Summary @rest(upstream: "reviews", path: "/s/{parent.upc}")
  best: Review @rest(upstream: "reviews", path: "/b/{parent.upc}")
  legacy: Int @rest(upstream: "reviews", path: "/l/{parent.upc}")
    @rest(upstream: "reviews-replica", path: "/legacy/{parent.name}") @fallback(upstream: "reviews-replica")
  name: String
}
type Review { rating: Int! body: String color: Color }
enum Color { RED GREEN }
type Summary @fallback(value: {count: 0, average: null, label: "no reviews yet"}) { count: Int! average: Float label: String! }
`
	s, err := schema.Build(schema.Source{File: "api.graphql", Input: good}, opts)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	fb := s.Binding("Product", "reviews").Fallback
	if fb == nil || fb.Upstream != "reviews-replica" || fb.Stale != 10*time.Minute || string(fb.Value) != "[]" || len(fb.On) != 2 {
		t.Fatalf("reviews fallback = %+v", fb)
	}
	if !fb.Triggers("UPSTREAM_TIMEOUT") || fb.Triggers("UPSTREAM_ERROR") {
		t.Errorf("Triggers does not follow on: %v", fb.On)
	}
	sum := s.Binding("Product", "summary").Fallback
	if sum == nil || string(sum.Value) != `{"count":0,"average":null,"label":"no reviews yet"}` {
		t.Fatalf("summary fallback from its type = %+v", sum)
	}
	if !sum.Triggers("UPSTREAM_BAD_RESPONSE") || sum.Triggers("UPSTREAM_REQUEST_INVALID") {
		t.Errorf("default triggers wrong")
	}
	alt := s.Binding("Product", "legacy").Fallback
	if alt == nil || alt.Binding == nil || alt.Binding.Upstream != "reviews-replica" || alt.Upstream != "reviews-replica" {
		t.Fatalf("legacy fallback = %+v, want the second binding", alt)
	}
	if refs := s.Binding("Product", "legacy").ParentRefs; len(refs) != 2 {
		t.Errorf("legacy parent refs = %v, want both bindings' (upc and name)", refs)
	}
	if s.Binding("Product", "best").Fallback != nil {
		t.Errorf("a field of another type got a fallback")
	}
	if s.AST.Types["Summary"].Directives.ForName("fallback") != nil {
		t.Errorf("@fallback is left in the served schema")
	}

	tests := []struct{ name, sdl, want string }{
		{"no binding", head + `type Product { upc: ID! x: Int @fallback(value: 1) }`, "this field has no binding"},
		{"nothing to serve", head + `type Product { upc: ID! x: Int @rest(upstream: "reviews", path: "/x") @fallback(on: ["UPSTREAM_ERROR"]) }`, "say what serves the field"},
		{"unknown code", head + `type Product { upc: ID! x: Int @rest(upstream: "reviews", path: "/x") @fallback(value: 1, on: ["DOWN"]) }`, `on: "DOWN" is not a failure`},
		{"wrong scalar", head + `type Product { upc: ID! x: Int @rest(upstream: "reviews", path: "/x") @fallback(value: "one") }`, `value does not fit type Int: "one" is not an Int`},
		{"too big", head + `type Product { upc: ID! x: Int @rest(upstream: "reviews", path: "/x") @fallback(value: 3000000000) }`, "not a 32-bit Int"},
		{"null for non-null", head + `type Product { upc: ID! x: Int! @rest(upstream: "reviews", path: "/x") @fallback(value: null) }`, "value null does not fit type Int!"},
		{"missing non-null field", head + `type Product { upc: ID! s: S @rest(upstream: "reviews", path: "/x") @fallback(value: {a: 1}) } type S { a: Int b: String! }`, "non-null field S.b is missing"},
		{"unknown field", head + `type Product { upc: ID! s: S @rest(upstream: "reviews", path: "/x") @fallback(value: {a: 1, c: 2}) } type S { a: Int }`, `type S has no field "c"`},
		{"bad enum", head + `type Product { upc: ID! c: Color @rest(upstream: "reviews", path: "/x") @fallback(value: BLUE) } enum Color { RED }`, "BLUE is not a value of enum Color"},
		{"list item", head + `type Product { upc: ID! l: [Int!] @rest(upstream: "reviews", path: "/x") @fallback(value: [1, null]) }`, "[1]: null for non-null Int!"},
		{"bad stale", head + `type Product { upc: ID! x: Int @rest(upstream: "reviews", path: "/x") @fallback(stale: "soon") }`, `"soon" is not a positive duration`},
		{"unknown upstream", head + `type Product { upc: ID! x: Int @rest(upstream: "reviews", path: "/x") @fallback(upstream: "reveiws") }`, `unknown upstream "reveiws"`},
		{"same upstream", head + `type Product { upc: ID! x: Int @rest(upstream: "reviews", path: "/x") @fallback(upstream: "reviews") }`, "is the one that failed"},
		{"other kind", head + `type Product { upc: ID! x: Int @rest(upstream: "reviews", path: "/x") @fallback(upstream: "catalog") }`, "must be a rest upstream"},
		{"unknown argument", head + `type Product { upc: ID! x: Int @rest(upstream: "reviews", path: "/x") @fallback(value: 1, default: 2) }`, `Undefined argument default for directive fallback`},
		{"second binding without fallback", head + `type Product { upc: ID! x: Int @rest(upstream: "reviews", path: "/x") @rest(upstream: "reviews-replica", path: "/old/x") }`, `a second serves only as its fallback: add @fallback(upstream: "reviews-replica")`},
		{"second binding not the fallback's", head + `type Product { upc: ID! x: Int @rest(upstream: "reviews", path: "/x") @rest(upstream: "reviews-replica", path: "/old/x") @fallback(value: 1) }`, `add @fallback(upstream: "reviews-replica")`},
		{"second binding of GraphQL", head + `type Product { upc: ID! x: [Product!]! @rest(upstream: "reviews", path: "/x") @graphql(upstream: "catalog", field: "products") @fallback(upstream: "catalog") }`, "cannot stand in for @graphql"},
		{"second binding without batch", head + `type Product { upc: ID! x: Int @rest(upstream: "reviews", path: "/x/{parent.upc}", batch: {path: "/x?upcs={parent.upc}", key: "upc", result: "items"}) @rest(upstream: "reviews-replica", path: "/old/{parent.upc}") @fallback(upstream: "reviews-replica") }`, "needs a batch form too"},
		{"type default with upstream", head + `type Product { upc: ID! } type S @fallback(upstream: "reviews-replica") { a: Int }`, "cannot name an upstream"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := schema.Build(schema.Source{File: "api.graphql", Input: tt.sdl}, opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error:\n%v\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

func TestFallbackTriggers(t *testing.T) {
	tests := []struct {
		on   []string
		code string
		want bool
	}{
		{nil, "UPSTREAM_TIMEOUT", true},
		{nil, "UPSTREAM_CIRCUIT_OPEN", true},
		{nil, "UPSTREAM_GRAPHQL_ERROR", true},
		{nil, "UPSTREAM_REQUEST_INVALID", false},
		{[]string{"UPSTREAM_UNAVAILABLE"}, "UPSTREAM_CIRCUIT_OPEN", true},
		{[]string{"UPSTREAM_UNAVAILABLE"}, "UPSTREAM_OVERLOADED", true},
		{[]string{"UPSTREAM_UNAVAILABLE"}, "UPSTREAM_TIMEOUT", false},
		{[]string{"UPSTREAM_CIRCUIT_OPEN"}, "UPSTREAM_CIRCUIT_OPEN", true},
		{[]string{"UPSTREAM_CIRCUIT_OPEN"}, "UPSTREAM_UNAVAILABLE", false},
		{[]string{"UPSTREAM_CIRCUIT_OPEN"}, "UPSTREAM_OVERLOADED", false},
		{[]string{"UPSTREAM_ERROR"}, "UPSTREAM_GRAPHQL_ERROR", false},
	}
	for _, tt := range tests {
		fb := &schema.Fallback{On: tt.on}
		if got := fb.Triggers(tt.code); got != tt.want {
			t.Errorf("on %v, %s: Triggers = %v, want %v", tt.on, tt.code, got, tt.want)
		}
	}
}
