package virtualservices_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/weft-gateway/weft/internal/demo"
	"github.com/weft-gateway/weft/internal/fedbench"
	fedaccounts "github.com/weft-gateway/weft/internal/fedbench/accounts"
	fedinventory "github.com/weft-gateway/weft/internal/fedbench/inventory"
	fedproducts "github.com/weft-gateway/weft/internal/fedbench/products"
	fedreviews "github.com/weft-gateway/weft/internal/fedbench/reviews"
	"github.com/weft-gateway/weft/upstreams"
	"github.com/weft-gateway/weft/upstreams/federation"
	"github.com/weft-gateway/weft/upstreams/graphql"
	grpcup "github.com/weft-gateway/weft/upstreams/grpc"
	"github.com/weft-gateway/weft/upstreams/rest"
	"github.com/weft-gateway/weft/upstreams/soap"
	"github.com/weft-gateway/weft/virtualservices"
)

// joinSDL extends the supergraph's Product, an entity of the federated
// products and inventory subgraphs, with fields bound to the demo's REST
// reviews, gRPC inventory and SOAP shipping services.
const joinSDL = `
extend type Product {
  restReviews: [RestReview!] @rest(upstream: "reviews", path: "/products/{parent.upc}/reviews")
  stock: Stock @grpc(upstream: "inventory", method: "inventory.v1.Inventory/GetStock", request: {upc: "{parent.upc}"},
    batch: {method: "inventory.v1.Inventory/GetStocks", request: {upcs: "{parent.upc}"}, result: "stocks", key: "upc"})
  shippingQuote(zip: String!): ShippingQuote @soap(upstream: "shipping", operation: "ShippingPort/GetQuote",
    request: {upc: "{parent.upc}", zip: "{args.zip}"})
}

type RestReview {
  rating: Int!
  body: String!
}

type Stock {
  quantity: Int!
}

type ShippingQuote {
  cost: Int!
  days: Int!
}
`

const joinYAML = `apiVersion: weft.dev/v1
kind: Upstream
metadata: {name: shop}
spec:
  timeout: 2s
  supergraph: {file: fedbench.graphql}
---
apiVersion: weft.dev/v1
kind: VirtualService
metadata: {name: joined}
spec:
  virtualHost:
    domains: ["*"]
    routes:
      - matchers: [{prefix: /graphql}]
        graphql:
          exposePlan: true
          schema:
            supergraph: shop
            file: joined.graphql
`

// TestFederatedEntityJoinsEveryProtocol sends one query whose products come
// from a federated subgraph, with a field of another federated subgraph
// (inStock, by an _entities fetch) and fields bound to a REST, a gRPC and a
// SOAP upstream, each reading the federated product's upc.
func TestFederatedEntityJoinsEveryProtocol(t *testing.T) {
	ctx := context.Background()
	ups, err := demo.Start(ctx, zerolog.Nop(), demo.Loopback(10))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ups.Close() })

	d := fedbench.NewDataWithUPCs("")
	urls := map[string]string{}
	for _, s := range []*fedbench.Subgraph{fedaccounts.NewHandler(d), fedproducts.NewHandler(d), fedinventory.NewHandler(d), fedreviews.NewHandler(d)} {
		srv := httptest.NewServer(s)
		t.Cleanup(srv.Close)
		urls[s.Name()] = srv.URL + fedbench.GraphQLPath
	}
	sdl, err := fedbench.Supergraph(urls)
	if err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	cfg := demo.Config()
	for _, name := range []string{"upstreams.yaml", "catalog.graphql", "shipping.wsdl", "supergraph.graphql", demo.InventoryProto} {
		b, err := fs.ReadFile(cfg, name)
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dir, name), string(b))
	}
	writeFile(t, filepath.Join(dir, "fedbench.graphql"), sdl)
	writeFile(t, filepath.Join(dir, "joined.yaml"), joinYAML)
	writeFile(t, filepath.Join(dir, "joined.graphql"), joinSDL)

	loader := &virtualservices.Loader{Kinds: []upstreams.Kind{graphql.Kind(), rest.Kind(), grpcup.Kind(), soap.Kind(), federation.Kind()}, Log: zerolog.Nop()}
	snap, err := loader.Load(ctx, virtualservices.Config{FS: os.DirFS(dir), Dir: ".", DisplayRoot: dir, Env: ups.Env(func(string) (string, bool) { return "", false })}, nil)
	if err != nil {
		t.Fatalf("config does not load:\n%v", err)
	}
	gw := virtualservices.NewServer(zerolog.Nop())
	t.Cleanup(gw.Close)
	gw.Swap(snap)
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)

	const query = `{ topProducts(first: 2) { upc name inStock restReviews { rating } stock { quantity } shippingQuote(zip: "10001") { cost days } } }`
	status, body := postJSON(t, srv.URL+"/graphql", map[string]any{"query": query}, map[string]string{"X-Weft-Plan": "1"})
	if status != 200 {
		t.Fatalf("status %d: %s", status, body)
	}
	var resp struct {
		Data struct {
			TopProducts []struct {
				UPC         string `json:"upc"`
				Name        string `json:"name"`
				InStock     *bool  `json:"inStock"`
				RestReviews []struct {
					Rating int `json:"rating"`
				} `json:"restReviews"`
				Stock *struct {
					Quantity int `json:"quantity"`
				} `json:"stock"`
				ShippingQuote *struct {
					Cost int `json:"cost"`
				} `json:"shippingQuote"`
			} `json:"topProducts"`
		} `json:"data"`
		Errors     []json.RawMessage `json:"errors"`
		Extensions struct {
			QueryPlan json.RawMessage `json:"queryPlan"`
		} `json:"extensions"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	if len(resp.Errors) > 0 {
		t.Fatalf("errors: %s", body)
	}
	ps := resp.Data.TopProducts
	if len(ps) != 2 || ps[0].UPC != "1" || ps[1].UPC != "2" {
		t.Fatalf("products: %s", body)
	}
	for _, p := range ps {
		want, _ := d.Product(p.UPC)
		if p.Name != want.Name || p.InStock == nil || *p.InStock != want.InStock {
			t.Errorf("product %s: name %q inStock %v, want the subgraphs' %q %v", p.UPC, p.Name, p.InStock, want.Name, want.InStock)
		}
		if p.Stock == nil || p.ShippingQuote == nil || p.ShippingQuote.Cost <= 0 {
			t.Errorf("product %s: stock %v, quote %v: the gRPC and SOAP fields are missing", p.UPC, p.Stock, p.ShippingQuote)
		}
	}
	// Product "1" of the demo has two reviews.
	if len(ps[0].RestReviews) != 2 {
		t.Errorf("product 1 has %d REST reviews, want the demo's 2", len(ps[0].RestReviews))
	}
	plan := string(resp.Extensions.QueryPlan)
	for _, want := range []string{`"subgraph":"products"`, `"subgraph":"inventory","entities":"Product"`, `"protocol":"rest"`, `"protocol":"grpc"`, `"protocol":"soap"`} {
		if !strings.Contains(plan, want) {
			t.Errorf("plan lacks %s:\n%s", want, plan)
		}
	}
	if n := ups.Calls(demo.ReviewsList); n != 2 {
		t.Errorf("REST reviews called %d times, want once per product", n)
	}
	if n := ups.Calls(demo.ShippingQuotes); n != 2 {
		t.Errorf("SOAP quotes called %d times, want once per product", n)
	}
}

// postJSON posts body as JSON with extra headers and returns the status
// and the answer.
func postJSON(t *testing.T, url string, body any, headers map[string]string) (int, []byte) {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, out
}
