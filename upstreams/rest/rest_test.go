package rest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/weft-gateway/weft/upstreams/graphql"
	grpcup "github.com/weft-gateway/weft/upstreams/grpc"
	"github.com/weft-gateway/weft/upstreams/rest/restbind"
	"github.com/weft-gateway/weft/upstreams/soap"

	"github.com/rs/zerolog"
	"github.com/valyala/fastjson"

	"github.com/weft-gateway/weft/internal/resource"
	"github.com/weft-gateway/weft/internal/tmpl"
	"github.com/weft-gateway/weft/schema"
	"github.com/weft-gateway/weft/upstreams"
	"github.com/weft-gateway/weft/upstreams/rest"
)

// apiSDL binds fields to the "reviews" REST upstream in every way the
// tests need.
const apiSDL = `
type Query {
  product(upc: ID!): Product @rest(upstream: "reviews", path: "/products/{args.upc}")
  search(q: String, limit: Int, tags: [String!], sort: String): [Review!]! @rest(upstream: "reviews",
    path: "/search?q={args.q}&limit={args.limit}&tags={args.tags}&sort=by-{args.sort}&v=1")
  mine(upc: ID): [Review!]! @rest(upstream: "reviews", path: "/mine",
    headers: ["X-Tenant: {headers.x-tenant}", "X-Api-Version: {vars.apiVersion}", "X-Product: {args.upc}", "X-Note: upc {args.upc}"])
}
type Mutation {
  addReview(upc: ID!, rating: Int, body: String, input: ReviewInput): Review @rest(upstream: "reviews", method: "POST",
    path: "/products/{args.upc}/reviews",
    body: {rating: "{args.rating}", body: "{args.body}", source: "web",
           meta: {input: "{args.input}", text: "r={args.rating}", list: ["{args.upc}", 1, true, null]}})
  deleteReview(id: ID!): Boolean @rest(upstream: "reviews", method: "DELETE", path: "/reviews/{args.id}")
}
input ReviewInput { tags: [String!] score: Float }
type Product {
  upc: ID!
  reviews: [Review!]! @rest(upstream: "reviews", path: "/products/{parent.upc}/reviews",
    batch: {path: "/reviews?upcs={parent.upc}", key: "productUpc", result: "items"})
  posted: [Review!]! @rest(upstream: "reviews", path: "/products/{parent.upc}/reviews",
    batch: {method: "POST", path: "/reviews/batch", body: {upcs: "{parent.upc}", all: true}, key: "productUpc"})
}
type Review { id: ID! rating: Int! body: String productUpc: ID }
`

func buildSchema(t testing.TB) *schema.Schema {
	t.Helper()
	s, err := schema.Build(schema.Source{File: "api.graphql", Input: apiSDL}, schema.Options{
		Binders:   testBinders(),
		Upstreams: map[string]schema.UpstreamInfo{"reviews": {Name: "reviews", Kind: rest.KindName, Version: "1"}},
		Vars:      map[string]string{"apiVersion": "2"},
	})
	if err != nil {
		t.Fatalf("schema.Build: %v", err)
	}
	return s
}

func binding(t testing.TB, s *schema.Schema, typ, field string) *schema.Binding {
	t.Helper()
	b := s.Binding(typ, field)
	if b == nil {
		t.Fatalf("no binding for %s.%s", typ, field)
	}
	return b
}

// upstreamYAML is an Upstream resource; spec holds the lines under spec:,
// indented by two spaces.
func upstreamYAML(spec string) string {
	return "apiVersion: weft.dev/v1\nkind: Upstream\nmetadata:\n  name: reviews\nspec:\n" + spec
}

func build(t testing.TB, doc string) (upstreams.Upstream, schema.UpstreamInfo, error) {
	t.Helper()
	docs, err := resource.LoadBytes("upstreams.yaml", []byte(doc), resource.Options{})
	if err != nil {
		t.Fatalf("LoadBytes: %v", err)
	}
	return rest.Build(context.Background(), &upstreams.Source{
		Doc:      docs[0],
		ReadFile: func(name string) ([]byte, string, error) { return nil, name, errors.New("no files in this test") },
		Log:      zerolog.Nop(),
	})
}

// newUpstream builds the "reviews" upstream at baseURL with extra spec lines.
func newUpstream(t testing.TB, baseURL, extra string) upstreams.Upstream {
	t.Helper()
	up, _, err := build(t, upstreamYAML(extra+"  rest:\n    baseURL: "+baseURL+"\n"))
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	t.Cleanup(up.Close)
	return up
}

// request is what the server received.
type request struct {
	method, uri string
	header      http.Header
	body        string
}

// recorder is a REST server that records every request and answers with
// the status and body its answer function gives.
type recorder struct {
	*httptest.Server
	got chan request
}

func newRecorder(t testing.TB, answer func(r *http.Request) (int, string)) *recorder {
	t.Helper()
	rec := &recorder{got: make(chan request, 16)}
	rec.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rec.got <- request{method: r.Method, uri: r.RequestURI, header: r.Header.Clone(), body: string(body)}
		status, out := answer(r)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, out)
	}))
	t.Cleanup(rec.Close)
	return rec
}

func ok(*http.Request) (int, string) { return 200, `{"ok":true}` }

func parents(t testing.TB, docs ...string) []*fastjson.Value {
	t.Helper()
	out := make([]*fastjson.Value, len(docs))
	for i, d := range docs {
		v, err := fastjson.Parse(d)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = v
	}
	return out
}

func TestPrepareAndSend(t *testing.T) {
	s := buildSchema(t)
	rec := newRecorder(t, ok)
	up := newUpstream(t, rec.URL+"/api/", "  headers: {X-Gateway: weft}\n  forwardHeaders: [Authorization]\n")

	tests := []struct {
		name       string
		typ, field string
		batch      bool
		scope      tmpl.Scope
		client     http.Header
		wantMethod string
		wantURI    string
		wantHeader map[string]string // "" means absent
		wantBody   string
		wantJSON   bool // the body is JSON, so Content-Type is set
	}{
		{
			name: "path segment escaped", typ: "Query", field: "product",
			scope:      tmpl.Scope{Args: map[string]any{"upc": "a/b c?#é"}},
			wantMethod: "GET", wantURI: "/api/products/a%2Fb%20c%3F%23%C3%A9",
			wantHeader: map[string]string{"Accept": "application/json, text/plain;q=0.9, */*;q=0.1", "X-Gateway": "weft", "Content-Type": ""},
		},
		{
			name: "an escaped-looking segment is escaped again", typ: "Query", field: "product",
			scope:      tmpl.Scope{Args: map[string]any{"upc": "a%2Fb"}},
			wantMethod: "GET", wantURI: "/api/products/a%252Fb",
		},
		{
			name: "query values escaped, lists comma-joined", typ: "Query", field: "search",
			scope:      tmpl.Scope{Args: map[string]any{"q": "a b&c=d+e", "limit": int64(5), "tags": []any{"x", "y,z", "ü"}, "sort": "new"}},
			wantMethod: "GET", wantURI: "/api/search?q=a+b%26c%3Dd%2Be&limit=5&tags=x,y%2Cz,%C3%BC&sort=by-new&v=1",
		},
		{
			name: "null and absent single placeholders leave their parameters out", typ: "Query", field: "search",
			scope:      tmpl.Scope{Args: map[string]any{"q": nil, "sort": "top"}},
			wantMethod: "GET", wantURI: "/api/search?sort=by-top&v=1",
		},
		{
			name: "zero and empty values are values", typ: "Query", field: "search",
			scope:      tmpl.Scope{Args: map[string]any{"q": "", "limit": json.Number("0"), "tags": []any{}, "sort": ""}},
			wantMethod: "GET", wantURI: "/api/search?q=&limit=0&tags=&sort=by-&v=1",
		},
		{
			name: "header templates", typ: "Query", field: "mine",
			scope:      tmpl.Scope{Args: map[string]any{"upc": "42"}, Headers: http.Header{"X-Tenant": {"acme"}}, Vars: map[string]string{"apiVersion": "2"}},
			client:     http.Header{"Authorization": {"Bearer a"}, "X-Tenant": {"acme"}, "Cookie": {"c=1"}},
			wantMethod: "GET", wantURI: "/api/mine",
			wantHeader: map[string]string{
				"X-Tenant": "acme", "X-Api-Version": "2", "X-Product": "42", "X-Note": "upc 42",
				"Authorization": "Bearer a", "Cookie": "", "X-Gateway": "weft",
			},
		},
		{
			name: "a header whose value is absent is not sent", typ: "Query", field: "mine",
			scope:      tmpl.Scope{Args: map[string]any{}, Vars: map[string]string{"apiVersion": "2"}},
			wantMethod: "GET", wantURI: "/api/mine",
			wantHeader: map[string]string{"X-Tenant": "", "X-Product": "", "X-Note": "", "X-Api-Version": "2"},
		},
		{
			name: "JSON body keeps the leaves' types", typ: "Mutation", field: "addReview",
			scope: tmpl.Scope{Args: map[string]any{
				"upc": "7", "rating": int64(5), "body": nil,
				"input": map[string]any{"tags": []any{"a", "b"}, "score": 4.5},
			}},
			wantMethod: "POST", wantURI: "/api/products/7/reviews", wantJSON: true,
			wantBody: `{"rating":5,"body":null,"source":"web","meta":{"input":{"score":4.5,"tags":["a","b"]},"text":"r=5","list":["7",1,true,null]}}`,
		},
		{
			name: "JSON body escapes text and leaves out an absent entry", typ: "Mutation", field: "addReview",
			scope:      tmpl.Scope{Args: map[string]any{"upc": "7", "rating": json.Number("3"), "body": "say \"hi\"\n<tag>"}},
			wantMethod: "POST", wantURI: "/api/products/7/reviews", wantJSON: true,
			wantBody: `{"rating":3,"body":"say \"hi\"\n<tag>","source":"web","meta":{"text":"r=3","list":["7",1,true,null]}}`,
		},
		{
			name: "DELETE", typ: "Mutation", field: "deleteReview",
			scope:      tmpl.Scope{Args: map[string]any{"id": "r1"}},
			wantMethod: "DELETE", wantURI: "/api/reviews/r1",
		},
		{
			name: "plain form of a batch binding", typ: "Product", field: "reviews",
			scope:      tmpl.Scope{Parent: parents(t, `{"upc":"1"}`)[0]},
			wantMethod: "GET", wantURI: "/api/products/1/reviews",
		},
		{
			name: "batch form joins the parents' keys", typ: "Product", field: "reviews", batch: true,
			scope:      tmpl.Scope{Parents: parents(t, `{"upc":"1"}`, `{"upc":2}`, `{"upc":"a,b"}`, `{"name":"no upc"}`, `{"upc":null}`)},
			wantMethod: "GET", wantURI: "/api/reviews?upcs=1,2,a%2Cb",
		},
		{
			name: "batch form in a body is a JSON array", typ: "Product", field: "posted", batch: true,
			scope:      tmpl.Scope{Parents: parents(t, `{"upc":"1"}`, `{"upc":"2"}`, `{"upc":3}`)},
			wantMethod: "POST", wantURI: "/api/reviews/batch", wantJSON: true,
			wantBody: `{"upcs":["1","2",3],"all":true}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			scope := tt.scope
			c := &upstreams.Call{Binding: binding(t, s, tt.typ, tt.field), Scope: &scope, Batch: tt.batch, ClientHeader: tt.client, RequestID: "req-7"}
			if err := up.Prepare(c); err != nil {
				t.Fatalf("Prepare: %v", err)
			}
			if c.Key == "" {
				t.Fatal("Prepare set no key")
			}
			res, err := up.Do(context.Background(), c)
			if err != nil {
				t.Fatalf("Do: %v", err)
			}
			if !res.Value.GetBool("ok") || res.Status != 200 {
				t.Errorf("result = %d %v", res.Status, res.Value)
			}
			res.Release()
			got := <-rec.got
			if got.method != tt.wantMethod || got.uri != tt.wantURI {
				t.Errorf("request = %s %s\nwant      %s %s", got.method, got.uri, tt.wantMethod, tt.wantURI)
			}
			if got.body != tt.wantBody {
				t.Errorf("body = %s\nwant   %s", got.body, tt.wantBody)
			}
			want := map[string]string{"Accept": "application/json, text/plain;q=0.9, */*;q=0.1", "X-Request-Id": "req-7", "Content-Type": ""}
			if tt.wantJSON {
				want["Content-Type"] = "application/json"
			}
			for k, v := range tt.wantHeader {
				want[k] = v
			}
			for k, v := range want {
				if g := strings.Join(got.header.Values(k), "|"); g != v {
					t.Errorf("header %s = %q, want %q", k, g, v)
				}
			}
		})
	}
}

func TestPrepareErrors(t *testing.T) {
	s := buildSchema(t)
	up := newUpstream(t, "http://127.0.0.1:1", "")
	tests := []struct {
		name       string
		binding    *schema.Binding
		scope      tmpl.Scope
		batch      bool
		wantSubstr string
	}{
		{"null path segment", binding(t, s, "Query", "product"), tmpl.Scope{Args: map[string]any{"upc": nil}}, false, "{args.upc} is null or missing"},
		{"absent path segment", binding(t, s, "Query", "product"), tmpl.Scope{Args: map[string]any{}}, false, "{args.upc} is null or missing"},
		{"null placeholder inside a query value", binding(t, s, "Query", "search"), tmpl.Scope{Args: map[string]any{"q": "x"}}, false, "{args.sort} is null or missing"},
		{"null placeholder inside a body string", binding(t, s, "Mutation", "addReview"), tmpl.Scope{Args: map[string]any{"upc": "1"}}, false, "{args.rating} is null or missing"},
		{"parent without the path field", binding(t, s, "Product", "reviews"), tmpl.Scope{Parent: parents(t, `{"name":"x"}`)[0]}, false, "{parent.upc} is null or missing"},
		{"line break in a header value", binding(t, s, "Query", "mine"), tmpl.Scope{Args: map[string]any{"upc": "1\r\nX-Injected: yes"}, Vars: map[string]string{"apiVersion": "2"}}, false, "header X-Product"},
		{"control character in a header value", binding(t, s, "Query", "mine"), tmpl.Scope{Args: map[string]any{"upc": "a\x00b"}, Vars: map[string]string{"apiVersion": "2"}}, false, "header X-Product"},
		{"not a REST binding", &schema.Binding{FieldRef: schema.FieldRef{Type: "Query", Field: "x"}, Kind: graphql.KindName}, tmpl.Scope{}, false, "field Query.x has no REST binding"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			scope := tt.scope
			c := &upstreams.Call{Binding: tt.binding, Scope: &scope, Batch: tt.batch}
			err := up.Prepare(c)
			var ue *upstreams.Error
			if !errors.As(err, &ue) || ue.Code != upstreams.CodeBadRequest || ue.Upstream != "reviews" {
				t.Fatalf("Prepare error = %v, want an UPSTREAM_REQUEST_INVALID error of upstream reviews", err)
			}
			if !strings.Contains(err.Error(), tt.wantSubstr) {
				t.Fatalf("error %q does not contain %q", err, tt.wantSubstr)
			}
		})
	}
	t.Run("Do without Prepare", func(t *testing.T) {
		_, err := up.Do(context.Background(), &upstreams.Call{Binding: binding(t, s, "Query", "product")})
		var ue *upstreams.Error
		if !errors.As(err, &ue) || ue.Code != upstreams.CodeBadRequest {
			t.Fatalf("Do error = %v", err)
		}
	})
}

func TestKeys(t *testing.T) {
	s := buildSchema(t)
	up := newUpstream(t, "http://127.0.0.1:1", "  forwardHeaders: [Authorization, Cookie, X-Trace]\n")
	type call struct {
		field  string
		typ    string
		batch  bool
		scope  tmpl.Scope
		client http.Header
		reqID  string
	}
	product := func(upc string) call {
		return call{typ: "Query", field: "product", scope: tmpl.Scope{Args: map[string]any{"upc": upc}}}
	}
	withClient := func(c call, h http.Header) call { c.client = h; return c }
	withReqID := func(c call, id string) call { c.reqID = id; return c }
	mine := func(upc any) call {
		return call{typ: "Query", field: "mine", scope: tmpl.Scope{Args: map[string]any{"upc": upc}, Vars: map[string]string{"apiVersion": "2"}}}
	}
	add := func(rating int64) call {
		return call{typ: "Mutation", field: "addReview", scope: tmpl.Scope{Args: map[string]any{"upc": "1", "rating": rating}}}
	}
	tests := []struct {
		name  string
		a, b  call
		equal bool
	}{
		{"identical", product("1"), product("1"), true},
		{"different path", product("1"), product("2"), false},
		{"escaping keeps them apart", product("a/b"), product("a%2Fb"), false},
		{"different request id", withReqID(product("1"), "r1"), withReqID(product("1"), "r2"), true},
		{"same Authorization", withClient(product("1"), http.Header{"Authorization": {"A"}}), withClient(product("1"), http.Header{"Authorization": {"A"}}), true},
		{"different Authorization", withClient(product("1"), http.Header{"Authorization": {"A"}}), withClient(product("1"), http.Header{"Authorization": {"B"}}), false},
		{"Authorization or none", withClient(product("1"), http.Header{"Authorization": {"A"}}), product("1"), false},
		{"the same value in another credential header", withClient(product("1"), http.Header{"Authorization": {"A"}}), withClient(product("1"), http.Header{"Cookie": {"A"}}), false},
		{"different Cookie", withClient(product("1"), http.Header{"Cookie": {"s=1"}}), withClient(product("1"), http.Header{"Cookie": {"s=2"}}), false},
		{"different templated header", mine("1"), mine("2"), false},
		{"templated header present or not", mine("1"), mine(nil), false},
		{"different body", add(1), add(2), false},
		{"different method", call{typ: "Mutation", field: "deleteReview", scope: tmpl.Scope{Args: map[string]any{"id": "1"}}},
			call{typ: "Query", field: "product", scope: tmpl.Scope{Args: map[string]any{"upc": "../reviews/1"}}}, false},
		{"same batch", call{typ: "Product", field: "reviews", batch: true, scope: tmpl.Scope{Parents: parents(t, `{"upc":"1"}`, `{"upc":"2"}`)}},
			call{typ: "Product", field: "reviews", batch: true, scope: tmpl.Scope{Parents: parents(t, `{"upc":"1"}`, `{"upc":"2"}`)}}, true},
		{"different batch", call{typ: "Product", field: "posted", batch: true, scope: tmpl.Scope{Parents: parents(t, `{"upc":"1"}`, `{"upc":"2"}`)}},
			call{typ: "Product", field: "posted", batch: true, scope: tmpl.Scope{Parents: parents(t, `{"upc":"1"}`, `{"upc":"3"}`)}}, false},
	}
	key := func(t *testing.T, c call) string {
		t.Helper()
		scope := c.scope
		uc := &upstreams.Call{Binding: binding(t, s, c.typ, c.field), Scope: &scope, Batch: c.batch, ClientHeader: c.client, RequestID: c.reqID}
		if err := up.Prepare(uc); err != nil {
			t.Fatalf("Prepare: %v", err)
		}
		return uc.Key
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ka, kb := key(t, tt.a), key(t, tt.b)
			if (ka == kb) != tt.equal {
				t.Fatalf("keys equal = %v, want %v\n%q\n%q", ka == kb, tt.equal, ka, kb)
			}
		})
	}
}

func TestDo(t *testing.T) {
	s := buildSchema(t)
	tests := []struct {
		name       string
		status     int
		body       string
		wantValue  string // "" for a nil value
		wantCode   upstreams.Code
		wantStatus int
		// wantDetail is the answer's summary the error keeps, for the
		// log or for clients where the upstream exposes its errors.
		wantDetail string
	}{
		{name: "200", status: 200, body: `{"id":"r1","rating":5}`, wantValue: `{"id":"r1","rating":5}`, wantStatus: 200},
		{name: "201 list", status: 201, body: `[{"id":"r1"}]`, wantValue: `[{"id":"r1"}]`, wantStatus: 201},
		{name: "204", status: 204, wantStatus: 204},
		{name: "200 null", status: 200, body: `null`, wantValue: `null`, wantStatus: 200},
		{name: "200 not JSON", status: 200, body: `<html></html>`, wantCode: upstreams.CodeBadResponse, wantStatus: 200},
		{name: "400 JSON", status: 400, body: `{"error":"bad upc"}`, wantCode: upstreams.CodeError, wantStatus: 400, wantDetail: "bad upc"},
		{name: "404", status: 404, body: `{"error":"not found"}`, wantCode: upstreams.CodeError, wantStatus: 404, wantDetail: "not found"},
		{name: "429", status: 429, wantCode: upstreams.CodeError, wantStatus: 429},
		{name: "500 HTML", status: 500, body: `<h1>boom</h1>`, wantCode: upstreams.CodeError, wantStatus: 500, wantDetail: "<h1>boom</h1>"},
		{name: "502", status: 502, wantCode: upstreams.CodeUnavailable, wantStatus: 502},
		{name: "503", status: 503, body: `{"retry":true}`, wantCode: upstreams.CodeUnavailable, wantStatus: 503, wantDetail: `{"retry":true}`},
		{name: "504", status: 504, wantCode: upstreams.CodeUnavailable, wantStatus: 504},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := newRecorder(t, func(*http.Request) (int, string) { return tt.status, tt.body })
			up := newUpstream(t, rec.URL, "")
			c := &upstreams.Call{Binding: binding(t, s, "Query", "product"), Scope: &tmpl.Scope{Args: map[string]any{"upc": "1"}}}
			if err := up.Prepare(c); err != nil {
				t.Fatal(err)
			}
			res, err := up.Do(context.Background(), c)
			if tt.wantCode != "" {
				var ue *upstreams.Error
				if !errors.As(err, &ue) {
					t.Fatalf("Do = %v, %v; want an *upstreams.Error", res, err)
				}
				if res != nil || ue.Code != tt.wantCode || ue.Status != tt.wantStatus || ue.Upstream != "reviews" {
					t.Fatalf("error = %+v, want code %s status %d", ue, tt.wantCode, tt.wantStatus)
				}
				if strings.Contains(ue.Msg, tt.body) && tt.body != "" {
					t.Fatalf("message %q leaks the upstream's body", ue.Msg)
				}
				if tt.status != 200 && ue.Detail != tt.wantDetail {
					t.Fatalf("detail = %q, want %q", ue.Detail, tt.wantDetail)
				}
				return
			}
			if err != nil {
				t.Fatalf("Do: %v", err)
			}
			defer res.Release()
			got := ""
			if res.Value != nil {
				got = res.Value.String()
			}
			if got != tt.wantValue || res.Status != tt.wantStatus || len(res.Errors) != 0 {
				t.Fatalf("result = %d %q %v, want %d %q", res.Status, got, res.Errors, tt.wantStatus, tt.wantValue)
			}
		})
	}
	t.Run("404 message", func(t *testing.T) {
		rec := newRecorder(t, func(*http.Request) (int, string) { return 404, `{}` })
		up := newUpstream(t, rec.URL, "")
		c := &upstreams.Call{Binding: binding(t, s, "Query", "product"), Scope: &tmpl.Scope{Args: map[string]any{"upc": "1"}}}
		if err := up.Prepare(c); err != nil {
			t.Fatal(err)
		}
		_, err := up.Do(context.Background(), c)
		if err == nil || err.Error() != "upstream reviews: HTTP 404 Not Found" {
			t.Fatalf("error = %v", err)
		}
	})
}

func TestDoTimeout(t *testing.T) {
	s := buildSchema(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	t.Cleanup(srv.Close)
	up := newUpstream(t, srv.URL, "  timeout: 50ms\n")
	c := &upstreams.Call{Binding: binding(t, s, "Query", "product"), Scope: &tmpl.Scope{Args: map[string]any{"upc": "1"}}}
	if err := up.Prepare(c); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err := up.Do(context.Background(), c)
	var ue *upstreams.Error
	if !errors.As(err, &ue) || ue.Code != upstreams.CodeTimeout {
		t.Fatalf("Do error = %v, want UPSTREAM_TIMEOUT", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Do took %v with a 50ms timeout", d)
	}
}

func TestBuild(t *testing.T) {
	up, info, err := build(t, upstreamYAML("  timeout: 1s\n  rest:\n    baseURL: https://reviews.internal/v1/\n"))
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	defer up.Close()
	if up.Name() != "reviews" || info.Name != "reviews" || info.Kind != rest.KindName || info.Schema != nil || info.Version == "" {
		t.Fatalf("Build = %s, %+v", up.Name(), info)
	}
	if got := fmt.Sprint(up); got != "rest reviews (https://reviews.internal/v1)" {
		t.Fatalf("String() = %q", got)
	}
}

func TestBuildErrors(t *testing.T) {
	tests := []struct {
		name string
		spec string
		want string // the error's text, file:line:col first
	}{
		{"ftp URL", "  rest:\n    baseURL: ftp://x\n",
			`upstreams.yaml:7:14: spec.rest.baseURL: "ftp://x" is not an http or https URL without a query`},
		{"no host", "  rest:\n    baseURL: http:///path\n",
			`upstreams.yaml:7:14: spec.rest.baseURL: "http:///path" is not an http or https URL without a query`},
		{"relative URL", "  rest:\n    baseURL: reviews/v1\n",
			`upstreams.yaml:7:14: spec.rest.baseURL: "reviews/v1" is not an http or https URL without a query`},
		{"query in the base URL", "  rest:\n    baseURL: http://x/?key=1\n",
			`upstreams.yaml:7:14: spec.rest.baseURL: "http://x/?key=1" is not an http or https URL without a query`},
		{"unparsable URL", "  rest:\n    baseURL: \"http://x:port\"\n",
			`upstreams.yaml:7:14: spec.rest.baseURL: "http://x:port" is not an http or https URL without a query`},
		{"unknown field", "  rest:\n    baseURL: http://x\n    retries: 3\n",
			`upstreams.yaml:8:5: spec.rest.retries: unknown field "retries"`},
		{"unknown spec field", "  retries: 3\n  rest:\n    baseURL: http://x\n",
			`upstreams.yaml:6:3: spec.retries: unknown field "retries"`},
		{"missing baseURL", "  rest: {}\n",
			`upstreams.yaml:6:9: spec.rest.baseURL: missing required field`},
		{"bad timeout", "  timeout: soon\n  rest:\n    baseURL: http://x\n",
			`upstreams.yaml:6:12: spec.timeout:`},
		{"certFile without keyFile", "  tls:\n    certFile: client.pem\n  rest:\n    baseURL: https://x\n",
			`upstreams.yaml:6:3: spec.tls: upstream reviews: tls: certFile and keyFile go together`},
		{"named credentials without a scheme", "  authSchemes:\n    key: {}\n  rest:\n    baseURL: https://x\n",
			`upstreams.yaml:7:10: spec.authSchemes.key: upstream reviews: authSchemes: key: set exactly one of apiKey, basic, bearer and oauth2`},
		{"named credentials in the wrong place", "  authSchemes:\n    key:\n      apiKey: {in: body, name: k, value: v}\n  rest:\n    baseURL: https://x\n",
			`upstreams.yaml:8:20: spec.authSchemes.key.apiKey.in: upstream reviews: authSchemes: key: in "body": want header, query or cookie`},
		{"named credentials unknown field", "  authSchemes:\n    key:\n      apiKey: {in: header, name: k, value: v, extra: 1}\n  rest:\n    baseURL: https://x\n",
			`upstreams.yaml:8:47: spec.authSchemes.key.apiKey.extra: unknown field "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up, _, err := build(t, upstreamYAML(tt.spec))
			if err == nil {
				up.Close()
				t.Fatalf("Build succeeded, want %q", tt.want)
			}
			if !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("error:\n%v\nwant it to start with:\n%s", err, tt.want)
			}
		})
	}
}

// testBinders are the binding directives of the gateway's kinds, as the
// gateway registers them.
func testBinders() []schema.Binder {
	return []schema.Binder{graphql.Binder{}, restbind.Binder{}, grpcup.Binder{}, soap.Binder{}}
}

// TestIdempotent: GET and HEAD calls are reads, which the resilience
// policy may retry and hedge; other methods may change something. A batch
// call is judged by its own form's method.
func TestIdempotent(t *testing.T) {
	up := newUpstream(t, "http://127.0.0.1:1", "")
	id, ok := up.(interface{ Idempotent(*upstreams.Call) bool })
	if !ok {
		t.Fatal("the rest upstream does not say which calls are idempotent")
	}
	call := func(method, batchMethod string, batch bool) *upstreams.Call {
		b := &restbind.Binding{Request: restbind.Request{Method: method}}
		if batchMethod != "" {
			b.Batch = &restbind.Request{Method: batchMethod}
		}
		return &upstreams.Call{Binding: &schema.Binding{Kind: rest.KindName, Request: b}, Batch: batch}
	}
	tests := []struct {
		name string
		call *upstreams.Call
		want bool
	}{
		{"GET", call("GET", "", false), true},
		{"HEAD", call("HEAD", "", false), true},
		{"POST", call("POST", "", false), false},
		{"PUT", call("PUT", "", false), false},
		{"DELETE", call("DELETE", "", false), false},
		{"a batch by GET", call("POST", "GET", true), true},
		{"a batch by POST", call("GET", "POST", true), false},
		{"a batch with no batch form", call("GET", "", true), false},
		{"another kind's binding", &upstreams.Call{Binding: &schema.Binding{Kind: "grpc"}}, false},
	}
	for _, tt := range tests {
		if got := id.Idempotent(tt.call); got != tt.want {
			t.Errorf("%s: Idempotent = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestCredentialsPerBinding sends each binding's calls with its own
// credentials: the upstream's auth by default, named ones (an OAuth 2
// token fetched from the token endpoint among them), or none; calls that
// differ only in credentials have different keys.
func TestCredentialsPerBinding(t *testing.T) {
	tokens := 0
	tokenSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		if r.Form.Get("grant_type") != "client_credentials" || r.Form.Get("scope") != "write" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		tokens++
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"access_token":"tok-`+fmt.Sprint(tokens)+`","token_type":"Bearer","expires_in":3600}`)
	}))
	t.Cleanup(tokenSrv.Close)
	rec := newRecorder(t, ok)
	spec := "  auth:\n    apiKey: {in: header, name: X-Default, value: d}\n" +
		"  authSchemes:\n" +
		"    key:\n      apiKey: {in: query, name: key, value: \"k 1\"}\n" +
		"    app:\n      apiKey: {in: cookie, name: app, value: a1}\n" +
		"    machines:\n      oauth2: {tokenURL: \"" + tokenSrv.URL + "\", clientID: c, clientSecret: s, scopes: [write]}\n"
	up, info, err := build(t, upstreamYAML(spec+"  rest:\n    baseURL: "+rec.URL+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(up.Close)
	if strings.Join(info.Credentials, ",") != "app,key,machines" {
		t.Fatalf("Credentials = %q", info.Credentials)
	}
	s, err := schema.Build(schema.Source{File: "api.graphql", Input: `type Query {
  plain: Int @rest(upstream: "reviews", path: "/x")
  keyed: Int @rest(upstream: "reviews", path: "/x", auth: ["key", "app"])
  machine: Int @rest(upstream: "reviews", path: "/x", auth: "machines")
  none: Int @rest(upstream: "reviews", path: "/x", auth: [])
}`}, schema.Options{Binders: testBinders(), Upstreams: map[string]schema.UpstreamInfo{"reviews": info}})
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]string{}
	for _, tt := range []struct {
		field, uri string
		header     map[string]string
	}{
		{"plain", "/x", map[string]string{"X-Default": "d"}},
		{"keyed", "/x?key=k+1", map[string]string{"Cookie": "app=a1"}},
		{"machine", "/x", map[string]string{"Authorization": "Bearer tok-1"}},
		{"none", "/x", nil},
		{"machine", "/x", map[string]string{"Authorization": "Bearer tok-1"}}, // the token is reused
	} {
		c := &upstreams.Call{Binding: binding(t, s, "Query", tt.field), Scope: &tmpl.Scope{}}
		if err := up.Prepare(c); err != nil {
			t.Fatal(err)
		}
		res, err := up.Do(context.Background(), c)
		if err != nil {
			t.Fatalf("%s: %v", tt.field, err)
		}
		res.Release()
		got := <-rec.got
		if got.uri != tt.uri {
			t.Errorf("%s: URI %q, want %q", tt.field, got.uri, tt.uri)
		}
		for _, h := range []string{"X-Default", "Cookie", "Authorization"} {
			if got.header.Get(h) != tt.header[h] {
				t.Errorf("%s: %s = %q, want %q", tt.field, h, got.header.Get(h), tt.header[h])
			}
		}
		if k, ok := keys[c.Key]; ok && k != tt.field {
			t.Errorf("%s and %s have the same key", tt.field, k)
		}
		keys[c.Key] = tt.field
	}
	if tokens != 1 {
		t.Errorf("%d tokens fetched, want 1", tokens)
	}
}
