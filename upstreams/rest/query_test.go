package rest_test

import (
	"context"
	"testing"

	"github.com/weft-gateway/weft/internal/tmpl"
	"github.com/weft-gateway/weft/schema"
	"github.com/weft-gateway/weft/upstreams"
	"github.com/weft-gateway/weft/upstreams/rest"
)

// querySDL sends list arguments exploded (tag=a&tag=b) and comma-joined
// (tag=a,b), and a batch keyed by an exploded parent field.
const querySDL = `
type Query {
  pets(tag: [String!], status: [Status], limit: Int, ids: [ID!]): Boolean @rest(upstream: "reviews",
    path: "/pets?tag={args.tag*}&status={args.status*}&limit={args.limit}&ids={args.ids}")
  first(tag: [String!]): Boolean @rest(upstream: "reviews", path: "/first?tag={args.tag*}")
  products: [Product] @rest(upstream: "reviews", path: "/products")
}
enum Status { AVAILABLE SOLD }
type Product {
  upc: ID!
  reviews: [Boolean] @rest(upstream: "reviews", path: "/products/{parent.upc}/reviews",
    batch: {path: "/reviews?upc={parent.upc*}&v=2", key: "productUpc"})
}
`

func TestExplodedQuery(t *testing.T) {
	s, err := schema.Build(schema.Source{File: "query.graphql", Input: querySDL}, schema.Options{
		Binders:   testBinders(),
		Upstreams: map[string]schema.UpstreamInfo{"reviews": {Name: "reviews", Kind: rest.KindName, Version: "1"}},
	})
	if err != nil {
		t.Fatalf("schema.Build: %v", err)
	}
	rec := newRecorder(t, ok)
	up := newUpstream(t, rec.URL, "")
	tests := []struct {
		name       string
		typ, field string
		batch      bool
		scope      tmpl.Scope
		wantURI    string
	}{
		{"one parameter per item", "Query", "pets", false,
			tmpl.Scope{Args: map[string]any{"tag": []any{"a", "b c", "x&y=z"}, "status": []any{"SOLD", nil, "AVAILABLE"}, "limit": int64(2), "ids": []any{"1", "2"}}},
			"/pets?tag=a&tag=b+c&tag=x%26y%3Dz&status=SOLD&status=AVAILABLE&limit=2&ids=1,2"},
		{"one item", "Query", "pets", false,
			tmpl.Scope{Args: map[string]any{"tag": []any{"a"}}},
			"/pets?tag=a"},
		{"an empty list sends nothing", "Query", "pets", false,
			tmpl.Scope{Args: map[string]any{"tag": []any{}, "limit": int64(1)}},
			"/pets?limit=1"},
		{"null and absent send nothing", "Query", "pets", false,
			tmpl.Scope{Args: map[string]any{"tag": nil, "ids": []any{"9"}}},
			"/pets?ids=9"},
		{"a list of nulls sends nothing", "Query", "pets", false,
			tmpl.Scope{Args: map[string]any{"status": []any{nil}}},
			"/pets"},
		{"the first parameter starts the query", "Query", "first", false,
			tmpl.Scope{Args: map[string]any{"tag": []any{"a", "b"}}},
			"/first?tag=a&tag=b"},
		{"no items, no query", "Query", "first", false,
			tmpl.Scope{Args: map[string]any{}},
			"/first"},
		{"a batch with an exploded key", "Product", "reviews", true,
			tmpl.Scope{Parents: parents(t, `{"upc":"1"}`, `{"upc":2}`, `{"upc":"a,b"}`, `{"name":"no upc"}`)},
			"/reviews?upc=1&upc=2&upc=a%2Cb&v=2"},
		{"the plain form of that batch", "Product", "reviews", false,
			tmpl.Scope{Parent: parents(t, `{"upc":"1"}`)[0]},
			"/products/1/reviews"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			scope := tt.scope
			c := &upstreams.Call{Binding: binding(t, s, tt.typ, tt.field), Scope: &scope, Batch: tt.batch}
			if err := up.Prepare(c); err != nil {
				t.Fatalf("Prepare: %v", err)
			}
			res, err := up.Do(context.Background(), c)
			if err != nil {
				t.Fatalf("Do: %v", err)
			}
			res.Release()
			if got := <-rec.got; got.uri != tt.wantURI {
				t.Errorf("URI = %s\nwant  %s", got.uri, tt.wantURI)
			}
		})
	}
}
