package virtualservices_test

import (
	"context"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/weft-gateway/weft/internal/demo"
	"github.com/weft-gateway/weft/virtualservices"
)

const batchSchema = `type Query { products: [Product!]! @graphql(upstream: "catalog") }
type Product {
  upc: ID!
  each: [Review!] @rest(upstream: "reviews", path: "/products/{parent.upc}/reviews")
  batched: [Review!] @rest(upstream: "reviews", path: "/products/{parent.upc}/reviews",
    batch: {path: "/reviews?upcs={parent.upc}", key: "productUpc", result: "items", maxSize: 40})
  batched100: [Review!] @rest(upstream: "reviews", path: "/products/{parent.upc}/reviews",
    batch: {path: "/reviews?upcs={parent.upc}", key: "productUpc", result: "items", maxSize: 100})
}
type Review { id: ID! rating: Int! }
`

// TestBatchedFanOut resolves reviews for 100 products: the batch form costs
// one call per 40 distinct products, and gives the same answer as one call
// per product.
func TestBatchedFanOut(t *testing.T) {
	ups, err := demo.Start(context.Background(), zerolog.Nop(), demo.Loopback(95))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ups.Close() }) // after the gateway's cleanup drops its connections
	dir := writeConfig(t, map[string]string{"up.yaml": upstreamsYAML, "vs.yaml": vsYAML(batchSchema)})
	g := startGateway(t, virtualservices.Config{FS: os.DirFS(dir), Dir: ".", DisplayRoot: dir, Env: ups.Env(nil)})

	ups.ResetCalls()
	batched := g.query("", `{ products { upc batched { id rating } } }`, nil)
	batched.noErrors(t)
	if n := ups.Calls(demo.ReviewsBatch); n != 3 {
		t.Errorf("batch form made %d calls for 100 products, want 3", n)
	}
	if n := ups.Calls(demo.ReviewsList); n != 0 {
		t.Errorf("batch form made %d per-product calls", n)
	}

	ups.ResetCalls()
	each := g.query("", `{ products { upc batched: each { id rating } } }`, nil)
	each.noErrors(t)
	if n := ups.Calls(demo.ReviewsList); n != 100 {
		t.Errorf("per-product form made %d calls, want 100", n)
	}
	if !reflect.DeepEqual(batched.Data, each.Data) {
		a, _ := json.Marshal(batched.Data)
		b, _ := json.Marshal(each.Data)
		t.Fatalf("batched and per-product answers differ:\n%s\n%s", a, b)
	}
	products := batched.Data.(map[string]any)["products"].([]any)
	if len(products) != 100 {
		t.Fatalf("%d products", len(products))
	}

	// With batches of 100, the 100 products cost one call, and the plan
	// says so.
	ups.ResetCalls()
	g.query("", `{ products { upc batched100 { id } } }`, nil).noErrors(t)
	if n := ups.Calls(demo.ReviewsBatch); n != 1 {
		t.Errorf("100 products in batches of 100 made %d calls, want 1", n)
	}
	plan, err := g.server.Snapshot().API("api").Plan(context.Background(), `{ products { upc batched100 { id } } }`, "")
	if err != nil {
		t.Fatal(err)
	}
	if s := plan.String(); !strings.Contains(s, "at products[] batched by 100") || !strings.Contains(s, "GET /reviews?upcs={parent.upc}") {
		t.Errorf("plan does not show the batch:\n%s", s)
	}
}
