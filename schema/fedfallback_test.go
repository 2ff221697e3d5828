package schema_test

import (
	"strings"
	"testing"
	"time"

	"github.com/weft-gateway/weft/schema"
	"github.com/weft-gateway/weft/schema/supergraph"
	"github.com/weft-gateway/weft/upstreams/rest"
)

// fedSupergraph composes products (products, their name and size) and
// inventory (whether they are in stock), keyed by upc.
const fedSupergraph = `schema
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
enum link__Purpose { SECURITY EXECUTION }

enum join__Graph {
  INVENTORY @join__graph(name: "inventory", url: "http://inventory.invalid/graphql")
  PRODUCTS @join__graph(name: "products", url: "http://products.invalid/graphql")
}

type Query
  @join__type(graph: INVENTORY)
  @join__type(graph: PRODUCTS)
{
  products(first: Int = 5): [Product] @join__field(graph: PRODUCTS)
}

type Product
  @join__type(graph: INVENTORY, key: "upc")
  @join__type(graph: PRODUCTS, key: "upc")
{
  upc: String!
  name: String @join__field(graph: PRODUCTS)
  size: Size @join__field(graph: PRODUCTS)
  inStock: Boolean @join__field(graph: INVENTORY)
  stock(warehouse: String!, fresh: Boolean): Int @join__field(graph: INVENTORY)
}

type Size @join__type(graph: PRODUCTS) {
  width: Int!
  height: Int!
}
`

// buildFed builds a route's SDL over the supergraph, as a VirtualService
// with schema: {supergraph: shop, file: route.graphql} does; subgraphs
// are the fallbacks of the supergraph Upstream's subgraph blocks, and
// ups more upstreams.
func buildFed(t *testing.T, sdl string, upstream *schema.Fallback, subgraphs map[string]*schema.Fallback, ups map[string]schema.UpstreamInfo) (*schema.Schema, error) {
	t.Helper()
	sg, err := supergraph.Parse("shop.graphql", fedSupergraph)
	if err != nil {
		t.Fatal(err)
	}
	fed := &schema.Federation{Upstream: "shop", Kind: "supergraph", Supergraph: sg, Version: "1", Fallbacks: subgraphs}
	all := map[string]schema.UpstreamInfo{"shop": {Name: "shop", Kind: "supergraph", Version: "1", Federation: fed, Fallback: upstream}}
	for name, info := range ups {
		all[name] = info
	}
	return schema.Build(schema.Source{File: "route.graphql", Input: sdl}, schema.Options{
		Binders:    binders(),
		Upstreams:  all,
		Includes:   []schema.Source{{File: sg.APIName, Input: sg.APISDL}},
		Federation: fed,
	})
}

func TestFederatedFallbacks(t *testing.T) {
	const route = `extend type Product {
  inStock: Boolean @fallback(value: false, on: ["UPSTREAM_UNAVAILABLE"])
  stock(warehouse: String!, fresh: Boolean): Int @fallback(stale: "5m", value: 0)
  name: String @fallback(stale: "1m")
}
extend type Query {
  products: [Product] @fallback(value: [])
}
extend type Size @fallback(value: {width: 0, height: 0})
`
	inventory := &schema.Fallback{Stale: time.Minute}
	upstream := &schema.Fallback{Stale: time.Hour}
	s, err := buildFed(t, route, upstream, map[string]*schema.Fallback{"inventory": inventory}, nil)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	for _, tt := range []struct {
		typ, field string
		value      string
		stale      time.Duration
	}{
		{"Product", "inStock", "false", 0},
		{"Product", "stock", "0", 5 * time.Minute},
		{"Product", "name", "", time.Minute},
		{"Query", "products", "[]", 0},
		{"Product", "size", `{"width":0,"height":0}`, 0},
	} {
		fb := s.FederatedFallback(tt.typ, tt.field)
		if fb == nil || string(fb.Value) != tt.value || fb.Stale != tt.stale {
			t.Errorf("%s.%s fallback = %+v, want value %q and stale %v", tt.typ, tt.field, fb, tt.value, tt.stale)
		}
	}
	if fb := s.FederatedFallback("Product", "inStock"); fb.Triggers("UPSTREAM_TIMEOUT") || !fb.Triggers("UPSTREAM_CIRCUIT_OPEN") {
		t.Errorf("inStock's fallback does not follow its on list: %v", fb.On)
	}
	if fb := s.FederatedFallback("Product", "upc"); fb != nil {
		t.Errorf("upc has fallback %+v, none was given", fb)
	}
	if s.SubgraphFallback("inventory") != inventory || s.SubgraphFallback("products") != upstream {
		t.Errorf("subgraph fallbacks: inventory %+v, products %+v", s.SubgraphFallback("inventory"), s.SubgraphFallback("products"))
	}
	if !s.HasStaleFallbacks() {
		t.Error("HasStaleFallbacks is false with stale fallbacks on federated fields")
	}
	// The restatements add no field, and the served schema has no
	// @fallback.
	product := s.AST.Types["Product"]
	n := 0
	for _, f := range product.Fields {
		if f.Name == "inStock" {
			n++
			if f.Directives.ForName("fallback") != nil {
				t.Error("@fallback is left on Product.inStock")
			}
		}
	}
	if n != 1 {
		t.Errorf("Product has inStock %d times", n)
	}
	if q := s.AST.Query.Fields.ForName("products"); q == nil || len(q.Arguments) != 1 {
		t.Errorf("Query.products lost its arguments: %+v", q)
	}

	// Without a restatement, an Upstream fallback alone still serves.
	s, err = buildFed(t, "", upstream, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.SubgraphFallback("inventory") != upstream || !s.HasStaleFallbacks() {
		t.Errorf("the Upstream's fallback does not serve the subgraphs")
	}
	s, err = buildFed(t, "", nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.SubgraphFallback("inventory") != nil || s.HasStaleFallbacks() {
		t.Errorf("fallbacks without any declared")
	}
}

func TestFederatedFallbackErrors(t *testing.T) {
	restRep := schema.UpstreamInfo{Name: "legacy", Kind: rest.KindName, Version: "1"}
	// The replica calls its inventory subgraph "stock".
	replicaSG, err := supergraph.Parse("replica.graphql", strings.Replace(fedSupergraph, `name: "inventory"`, `name: "stock"`, 1))
	if err != nil {
		t.Fatal(err)
	}
	replica := schema.UpstreamInfo{Name: "shop-dr", Kind: "supergraph", Version: "1",
		Federation: &schema.Federation{Upstream: "shop-dr", Kind: "supergraph", Supergraph: replicaSG, Version: "1"}}
	pos := schema.Pos{File: "up.yaml", Line: 9, Col: 7}
	tests := []struct {
		name      string
		sdl       string
		subgraphs map[string]*schema.Fallback
		want      string
	}{
		{"type differs", "extend type Product {\n  inStock: Int @fallback(value: 0)\n}",
			nil, "route.graphql:2:12: Product.inStock: restates the supergraph's field with type Int; the supergraph's is Boolean"},
		{"argument type differs", "extend type Product {\n  stock(warehouse: Int!, fresh: Boolean): Int @fallback(value: 0)\n}",
			nil, `route.graphql:2:9: Product.stock: argument "warehouse" restated with type Int!; the supergraph's is String!`},
		{"argument left out", "extend type Product {\n  stock(warehouse: String!): Int @fallback(value: 0)\n}",
			nil, `route.graphql:2:3: Product.stock: restated without argument "fresh": restate every argument, or none`},
		{"unknown argument", "extend type Product {\n  inStock(at: String): Boolean @fallback(value: false)\n}",
			nil, `route.graphql:2:11: Product.inStock: the supergraph's field has no argument "at"`},
		{"another directive", "extend type Product {\n  inStock: Boolean @deprecated @fallback(value: false)\n}",
			nil, "route.graphql:2:21: Product.inStock: a restated supergraph field takes only @fallback; @deprecated belongs on a field of the route's own"},
		{"no fallback", "extend type Product {\n  inStock: Boolean\n}",
			nil, "route.graphql:2:3: Product.inStock: restates a supergraph field without a @fallback"},
		{"replica on a field", "extend type Product {\n  inStock: Boolean @fallback(upstream: \"shop-dr\")\n}",
			nil, "route.graphql:2:30: Product.inStock @fallback: a replica serves a whole subgraph call, not one field"},
		{"value does not fit", "extend type Product {\n  size: Size @fallback(value: {width: 1})\n}",
			nil, "Product.size @fallback: value does not fit type Size: non-null field Size.height is missing"},
		{"restated twice", "extend type Product {\n  inStock: Boolean @fallback(value: false)\n}\nextend type Product {\n  inStock: Boolean @fallback(value: true)\n}",
			nil, "route.graphql:5:3: Product.inStock: is restated twice (first at line 2)"},
		{"replica unknown", "", map[string]*schema.Fallback{"inventory": {Upstream: "shop-rd", Pos: pos}},
			`up.yaml:9:7: upstream shop, subgraph inventory, fallback: unknown upstream "shop-rd" (did you mean "shop-dr"?)`},
		{"replica of another kind", "", map[string]*schema.Fallback{"inventory": {Upstream: "legacy", Pos: pos}},
			`up.yaml:9:7: upstream shop, subgraph inventory, fallback: upstream "legacy" is a rest upstream; a subgraph's call is replayed on a supergraph upstream with a subgraph "inventory"`},
		{"replica without the subgraph", "", map[string]*schema.Fallback{"inventory": {Upstream: "shop-dr", Pos: pos}},
			`up.yaml:9:7: upstream shop, subgraph inventory, fallback: supergraph upstream "shop-dr" has no subgraph "inventory" to replay the call on`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := buildFed(t, tt.sdl, nil, tt.subgraphs, map[string]schema.UpstreamInfo{"legacy": restRep, "shop-dr": replica})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error:\n%v\nwant it to contain %q", err, tt.want)
			}
		})
	}
	// A replica with the subgraph is accepted.
	if _, err := buildFed(t, "", nil, map[string]*schema.Fallback{"products": {Upstream: "shop-dr", Pos: pos}}, map[string]schema.UpstreamInfo{"shop-dr": replica}); err != nil {
		t.Errorf("a replica with the subgraph is refused: %v", err)
	}
}
