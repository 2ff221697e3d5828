package rest_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/weft-gateway/weft/internal/tmpl"
	"github.com/weft-gateway/weft/schema"
	"github.com/weft-gateway/weft/upstreams"
	"github.com/weft-gateway/weft/upstreams/rest"
)

// pathSDL builds paths from every root a placeholder can read.
const pathSDL = `
type Query {
  product(upc: ID!): Product @rest(upstream: "reviews", path: "/products/{args.upc}/reviews")
  find(input: FindInput!): Product @rest(upstream: "reviews", path: "/products/{args.input.upc}")
  tagged(tag: String!): Product @rest(upstream: "reviews", path: "/products/x{args.tag}/all")
  search(q: String!): Product @rest(upstream: "reviews", path: "/search?q={args.q}")
  tenant: Product @rest(upstream: "reviews", path: "/tenants/{headers.x-tenant}/products")
  versioned: Product @rest(upstream: "reviews", path: "/{vars.apiVersion}/products")
}
input FindInput { upc: ID! }
type Product {
  upc: ID!
  reviews: [Review!]! @rest(upstream: "reviews", path: "/products/{parent.upc}/reviews",
    batch: {path: "/batch/{parent.upc}", key: "productUpc"})
}
type Review { id: ID! productUpc: ID }
`

// TestDotSegments checks that a placeholder's value never makes a URL path
// segment "." or ".." (nor an empty one), which servers and proxies would
// resolve to another resource, while values that only look like them are
// sent, escaped.
func TestDotSegments(t *testing.T) {
	s, err := schema.Build(schema.Source{File: "api.graphql", Input: pathSDL}, schema.Options{
		Binders:   testBinders(),
		Upstreams: map[string]schema.UpstreamInfo{"reviews": {Name: "reviews", Kind: rest.KindName, Version: "1"}},
		Vars:      map[string]string{"apiVersion": ".."},
	})
	if err != nil {
		t.Fatalf("schema.Build: %v", err)
	}
	rec := newRecorder(t, ok)
	up := newUpstream(t, rec.URL+"/api", "")
	args := func(kv ...any) tmpl.Scope {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return tmpl.Scope{Args: m}
	}

	sent := []struct {
		name, field string
		scope       tmpl.Scope
		batch       bool
		wantURI     string
	}{
		{"three dots are a name", "product", args("upc", "..."), false, "/api/products/.../reviews"},
		{"dots inside a name", "product", args("upc", "a..b"), false, "/api/products/a..b/reviews"},
		{"percent-encoded dots given literally are escaped again", "product", args("upc", "%2e%2e"), false, "/api/products/%252e%252e/reviews"},
		{"upper-case percent-encoded dots too", "product", args("upc", "%2E"), false, "/api/products/%252E/reviews"},
		{"a slash in a value is escaped, so ../ is one segment", "product", args("upc", "../admin"), false, "/api/products/..%2Fadmin/reviews"},
		{"a value after the template's own text", "tagged", args("tag", ".."), false, "/api/products/x../all"},
		{"dots in a query value are data", "search", args("q", ".."), false, "/api/search?q=.."},
		{"a batch of two keys is one segment", "reviews", tmpl.Scope{Parents: parents(t, `{"upc":".."}`, `{"upc":"."}`)}, true, "/api/batch/..,."},
	}
	for _, tt := range sent {
		t.Run(tt.name, func(t *testing.T) {
			typ := "Query"
			if tt.field == "reviews" {
				typ = "Product"
			}
			scope := tt.scope
			c := &upstreams.Call{Binding: binding(t, s, typ, tt.field), Scope: &scope, Batch: tt.batch}
			if err := up.Prepare(c); err != nil {
				t.Fatalf("Prepare: %v", err)
			}
			res, err := up.Do(context.Background(), c)
			if err != nil {
				t.Fatalf("Do: %v", err)
			}
			res.Release()
			if got := <-rec.got; got.uri != tt.wantURI {
				t.Errorf("sent %s, want %s", got.uri, tt.wantURI)
			}
		})
	}

	refused := []struct {
		name, typ, field string
		scope            tmpl.Scope
		batch            bool
		code             upstreams.Code
		msg              string
	}{
		{"argument ..", "Query", "product", args("upc", ".."), false, upstreams.CodeBadUserInput,
			`argument upc: makes the URL path segment "..", which servers resolve to another path`},
		{"argument .", "Query", "product", args("upc", "."), false, upstreams.CodeBadUserInput,
			`argument upc: makes the URL path segment ".", which servers resolve to another path`},
		{"empty argument", "Query", "product", args("upc", ""), false, upstreams.CodeBadUserInput,
			`argument upc: makes an empty URL path segment, which servers merge away`},
		{"input field", "Query", "find", args("input", map[string]any{"upc": ".."}), false, upstreams.CodeBadUserInput,
			`argument input.upc: makes the URL path segment ".."`},
		{"a one-item list", "Query", "product", args("upc", []any{".."}), false, upstreams.CodeBadUserInput,
			`argument upc: makes the URL path segment ".."`},
		{"client header", "Query", "tenant", tmpl.Scope{Headers: http.Header{"X-Tenant": {".."}}}, false, upstreams.CodeBadUserInput,
			`header x-tenant: makes the URL path segment ".."`},
		{"parent value", "Product", "reviews", tmpl.Scope{Parent: parents(t, `{"upc":".."}`)[0]}, false, upstreams.CodeBadRequest,
			`cannot build the request: {parent.upc} makes the URL path segment ".."`},
		{"batch of one parent key", "Product", "reviews", tmpl.Scope{Parents: parents(t, `{"upc":".."}`)}, true, upstreams.CodeBadRequest,
			`cannot build the request: {parent.upc} makes the URL path segment ".."`},
		{"variable", "Query", "versioned", tmpl.Scope{Vars: map[string]string{"apiVersion": ".."}}, false, upstreams.CodeBadRequest,
			`cannot build the request: {vars.apiVersion} makes the URL path segment ".."`},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			scope := tt.scope
			c := &upstreams.Call{Binding: binding(t, s, tt.typ, tt.field), Scope: &scope, Batch: tt.batch}
			err := up.Prepare(c)
			var ue *upstreams.Error
			if !errors.As(err, &ue) || ue.Code != tt.code || ue.Upstream != "reviews" {
				t.Fatalf("Prepare error = %v, want a %s error of upstream reviews", err, tt.code)
			}
			if !strings.HasPrefix(ue.Msg, tt.msg) {
				t.Errorf("message = %q, want it to start %q", ue.Msg, tt.msg)
			}
			var se *tmpl.SegmentError
			if !errors.As(err, &se) {
				t.Errorf("error %v does not wrap the *tmpl.SegmentError", err)
			}
		})
	}
	select {
	case got := <-rec.got:
		t.Errorf("a refused path reached the server: %s", got.uri)
	default:
	}
}
