package grpc_test

import (
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/weft-gateway/weft/schema"
	grpcup "github.com/weft-gateway/weft/upstreams/grpc"
	"github.com/weft-gateway/weft/upstreams/rest"
)

// grpcInfo describes a gRPC upstream as its generated schema would.
func grpcInfo(t testing.TB) schema.UpstreamInfo {
	t.Helper()
	s, err := gqlparser.LoadSchema(&ast.Source{Name: "inventory (generated)", Input: `
type Query {
  getStock(upc: String!): Stock
  getStocks(upcs: [String!]!): GetStocksResponse
}
type Subscription { watchStock(upc: String!): Stock }
type Stock { upc: String! quantity: Int! warehouse: String! updatedAt: DateTime state: StockState! }
type GetStocksResponse { stocks: [Stock!]! }
enum StockState { STOCK_STATE_UNSPECIFIED IN_STOCK SOLD_OUT }
scalar DateTime`})
	if err != nil {
		t.Fatal(err)
	}
	return schema.UpstreamInfo{Name: "inventory", Kind: grpcup.KindName, Schema: s, Methods: map[string]schema.Method{
		"inventory.v1.Inventory/GetStock":   {Operation: ast.Query, Field: "getStock"},
		"inventory.v1.Inventory/GetStocks":  {Operation: ast.Query, Field: "getStocks"},
		"inventory.v1.Inventory/WatchStock": {Operation: ast.Subscription, Field: "watchStock", ServerStreaming: true},
	}}
}

func TestGRPCBindings(t *testing.T) {
	opts := schema.Options{Binders: testBinders(), Upstreams: map[string]schema.UpstreamInfo{"inventory": grpcInfo(t), "reviews": {Name: "reviews", Kind: rest.KindName}}}
	good := `type Query { stock(upc: ID!): Level @grpc(upstream: "inventory", method: "inventory.v1.Inventory/GetStock", request: {upc: "{args.upc}"}) }
type Product { upc: ID! level: Level @grpc(upstream: "inventory", method: "inventory.v1.Inventory/GetStock", request: {upc: "{parent.upc}"},
  batch: {method: "inventory.v1.Inventory/GetStocks", request: {upcs: "{parent.upc}"}, result: "stocks", key: "upc", maxSize: 20}) }
type Level { quantity: Int! where: String @from(key: "warehouse") state: String }`
	s, err := schema.Build(schema.Source{File: "api.graphql", Input: good}, opts)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	sub := good + `
type Subscription { watch(upc: ID!): Level @grpc(upstream: "inventory", method: "inventory.v1.Inventory/WatchStock", request: {upc: "{args.upc}"}) }`
	ss, err := schema.Build(schema.Source{File: "api.graphql", Input: sub}, opts)
	if err != nil {
		t.Fatalf("Build with a subscription: %v", err)
	}
	if w := ss.Binding("Subscription", "watch"); w == nil || !w.Request.(*grpcup.Binding).ServerStreaming || !w.Streams {
		t.Fatalf("subscription binding = %+v", w)
	}
	b := s.Binding("Product", "level")
	g := b.Request.(*grpcup.Binding)
	if g.Method != "inventory.v1.Inventory/GetStock" || g.BatchMethod != "inventory.v1.Inventory/GetStocks" || b.Batch.MaxSize != 20 || b.Batch.ParentKey[0] != "upc" {
		t.Fatalf("binding = %+v %+v", g, b.Batch)
	}
	tests := []struct{ name, sdl, want string }{
		{"unknown method", `type Query { s: Level @grpc(upstream: "inventory", method: "inventory.v1.Inventory/GetStok") } type Level { quantity: Int! }`, `no method "inventory.v1.Inventory/GetStok" (did you mean "inventory.v1.Inventory/GetStock"?)`},
		{"wrong kind", `type Query { s: Level @grpc(upstream: "reviews", method: "x/y") } type Level { quantity: Int! }`, `upstream "reviews" is a rest upstream; @grpc needs a grpc upstream`},
		{"missing field", `type Query { s: Level @grpc(upstream: "inventory", method: "inventory.v1.Inventory/GetStock") } type Level { quantity: Int! color: String }`, `Level.color: has no binding, and upstream "inventory"'s Stock has no field "color"`},
		{"list mismatch", `type Query { s: [Level] @grpc(upstream: "inventory", method: "inventory.v1.Inventory/GetStock") } type Level { quantity: Int! }`, `the gateway type is a list and the upstream type is not`},
		{"scalar mismatch", `type Query { s: Level @grpc(upstream: "inventory", method: "inventory.v1.Inventory/GetStock") } type Level { quantity: Boolean }`, `type Boolean cannot hold upstream "inventory"'s Int!`},
		{"enum lacks a value", `type Query { s: Level @grpc(upstream: "inventory", method: "inventory.v1.Inventory/GetStock") } type Level { state: State } enum State { IN_STOCK SOLD_OUT }`, `enum State lacks value STOCK_STATE_UNSPECIFIED`},
		{"unknown request field", `type Query { s(u: ID): Level @grpc(upstream: "inventory", method: "inventory.v1.Inventory/GetStock", request: {sku: "{args.u}"}) } type Level { quantity: Int! }`, `the request of inventory.v1.Inventory/GetStock has no field "sku"`},
		{"request reads a missing argument", `type Query { s: Level @grpc(upstream: "inventory", method: "inventory.v1.Inventory/GetStock", request: {upc: "{args.upc}"}) } type Level { quantity: Int! }`, `{args.upc}: field s has no argument "upc"`},
		{"unary method on a subscription", `type Query { s: Level @grpc(upstream: "inventory", method: "inventory.v1.Inventory/GetStock") } type Subscription { w(upc: ID!): Level @grpc(upstream: "inventory", method: "inventory.v1.Inventory/GetStock", request: {upc: "{args.upc}"}) } type Level { quantity: Int! }`, `inventory.v1.Inventory/GetStock answers once; a Subscription field binds to a server-streaming method`},
		{"streaming method on a query", `type Query { s(upc: ID!): Level @grpc(upstream: "inventory", method: "inventory.v1.Inventory/WatchStock", request: {upc: "{args.upc}"}) } type Level { quantity: Int! }`, `inventory.v1.Inventory/WatchStock is server-streaming; it serves a Subscription field, not a Query field`},
		{"batch without key", `type Query { p: P @rest(upstream: "reviews", path: "/p") } type P { upc: ID! l: Level @grpc(upstream: "inventory", method: "inventory.v1.Inventory/GetStock", batch: {method: "inventory.v1.Inventory/GetStocks", request: {upcs: "{parent.upc}"}}) } type Level { quantity: Int! }`, `a gRPC batch needs method, request and key`},
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
