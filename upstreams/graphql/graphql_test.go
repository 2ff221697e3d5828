package graphql_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gqlhandler "github.com/99designs/gqlgen/graphql/handler"
	gqltransport "github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/rs/zerolog"

	"github.com/weft-gateway/weft/internal/demo/catalog"
	"github.com/weft-gateway/weft/internal/jsonwrite"
	"github.com/weft-gateway/weft/internal/resource"
	"github.com/weft-gateway/weft/internal/tmpl"
	"github.com/weft-gateway/weft/schema"
	"github.com/weft-gateway/weft/upstreams"
	"github.com/weft-gateway/weft/upstreams/graphql"
)

// catalogSDL is a small upstream schema for the file and inline sources.
const catalogSDL = `type Query { products: [Product!]! product(upc: ID!): Product }
type Product { upc: ID! name: String! }
`

// upstreamYAML is an Upstream resource named catalog; spec holds the lines
// under spec:, indented by two spaces.
func upstreamYAML(spec string) string {
	return "apiVersion: weft.dev/v1\nkind: Upstream\nmetadata:\n  name: catalog\nspec:\n" + spec
}

// build runs graphql.Build on doc; files named by the spec are read from dir.
func build(t testing.TB, ctx context.Context, doc, dir string) (upstreams.Upstream, schema.UpstreamInfo, error) {
	t.Helper()
	docs, err := resource.LoadBytes("upstreams.yaml", []byte(doc), resource.Options{})
	if err != nil {
		t.Fatalf("LoadBytes: %v", err)
	}
	return graphql.Build(ctx, &upstreams.Source{
		Doc: docs[0],
		ReadFile: func(name string) ([]byte, string, error) {
			p := filepath.Join(dir, name)
			data, err := os.ReadFile(p)
			if err != nil {
				return nil, p, fmt.Errorf("cannot read %s: %w", p, err)
			}
			return data, p, nil
		},
		Log: zerolog.Nop(),
	})
}

// newUpstream builds the catalog upstream at url with an inline schema.
func newUpstream(t testing.TB, url, extra string) upstreams.Upstream {
	t.Helper()
	up, _, err := build(t, context.Background(), upstreamYAML(extra+"  graphql:\n    url: "+url+"\n    schema:\n      inline: \"type Query { x: Int }\"\n"), "")
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	t.Cleanup(up.Close)
	return up
}

// operation is a planned operation as the planner writes it.
func operation(doc string, forward []string, args ...schema.GraphQLArg) *schema.GraphQLOperation {
	return &schema.GraphQLOperation{
		Document:         doc,
		Head:             append([]byte(`{"query":`), jsonwrite.String(nil, doc)...),
		ForwardVariables: forward,
		Args:             args,
	}
}

func arg(variable, template string) schema.GraphQLArg {
	return schema.GraphQLArg{Variable: variable, Value: tmpl.JSONString(tmpl.MustParse(template))}
}

// catalogServer serves the demo catalog over gqlgen.
func catalogServer(t testing.TB) (*httptest.Server, *catalog.Store) {
	t.Helper()
	store, err := catalog.NewStore(0)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(catalog.NewHandler(store))
	t.Cleanup(srv.Close)
	return srv, store
}

type request struct {
	header http.Header
	body   string
}

// recorder records requests and answers with a fixed status and body.
func recorder(t testing.TB, status int, body string) (*httptest.Server, chan request) {
	t.Helper()
	got := make(chan request, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- request{header: r.Header.Clone(), body: string(b)}
		if body != "" {
			w.Header().Set("Content-Type", "application/graphql-response+json")
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, got
}

func TestPrepare(t *testing.T) {
	srv, got := recorder(t, 200, `{"data":{}}`)
	up := newUpstream(t, srv.URL+"/graphql", "  headers: {X-Gateway: weft}\n  forwardHeaders: [Authorization]\n")
	const doc = "query($first: Int, $f: Filter, $_a0: ID!) {\n  topProducts(first: $first) { upc }\n  product(upc: $_a0) { name }\n}"
	quoted := string(jsonwrite.String(nil, doc))
	tests := []struct {
		name string
		op   *schema.GraphQLOperation
		vars map[string]any
		args map[string]any
		want string
	}{
		{
			name: "no variables",
			op:   operation("{ products { upc } }", nil),
			want: `{"query":"{ products { upc } }"}`,
		},
		{
			name: "forwarded and computed",
			op:   operation(doc, []string{"first", "f"}, arg("_a0", "{args.id}")),
			vars: map[string]any{"first": json.Number("3"), "f": map[string]any{"name": "a\"b", "max": nil}, "unused": true},
			args: map[string]any{"id": "7"},
			want: `{"query":` + quoted + `,"variables":{"first":3,"f":{"max":null,"name":"a\"b"},"_a0":"7"}}`,
		},
		{
			name: "absent client variables are left out",
			op:   operation(doc, []string{"first", "f"}, arg("_a0", "{args.id}")),
			vars: map[string]any{"f": nil},
			args: map[string]any{"id": "7"},
			want: `{"query":` + quoted + `,"variables":{"f":null,"_a0":"7"}}`,
		},
		{
			name: "computed values keep their types",
			op: operation(doc, nil,
				arg("n", "{args.n}"), arg("s", "p-{args.n}"), arg("missing", "{args.none}"),
				schema.GraphQLArg{Variable: "o", Value: tmpl.JSONObject([]string{"name", "max", "tags"}, []*tmpl.JSON{
					tmpl.JSONString(tmpl.MustParse("{args.name}")),
					tmpl.JSONLiteral([]byte("10")),
					tmpl.JSONArray([]*tmpl.JSON{tmpl.JSONString(tmpl.MustParse("{args.n}")), tmpl.JSONString(tmpl.MustParse("lit"))}),
				})}),
			args: map[string]any{"n": int64(4), "name": "é\n"},
			want: `{"query":` + quoted + `,"variables":{"n":4,"s":"p-4","missing":null,"o":{"name":"é\n","max":10,"tags":[4,"lit"]}}}`,
		},
		{
			name: "only forwarded, none given",
			op:   operation(doc, []string{"first"}),
			want: `{"query":` + quoted + `,"variables":{}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &upstreams.Call{
				Operation: tt.op, Variables: tt.vars, Scope: &tmpl.Scope{Args: tt.args},
				ClientHeader: http.Header{"Authorization": {"Bearer x"}, "Cookie": {"c=1"}}, RequestID: "req-9",
			}
			if err := up.Prepare(c); err != nil {
				t.Fatalf("Prepare: %v", err)
			}
			res, err := up.Do(context.Background(), c)
			if err != nil {
				t.Fatalf("Do: %v", err)
			}
			res.Release()
			r := <-got
			if r.body != tt.want {
				t.Fatalf("body:\n%s\nwant:\n%s", r.body, tt.want)
			}
			if !json.Valid([]byte(r.body)) {
				t.Fatalf("body is not JSON: %s", r.body)
			}
			for k, v := range map[string]string{
				"Content-Type":  "application/json",
				"Accept":        "application/graphql-response+json, application/json",
				"Authorization": "Bearer x",
				"Cookie":        "",
				"X-Gateway":     "weft",
				"X-Request-Id":  "req-9",
			} {
				if g := r.header.Get(k); g != v {
					t.Errorf("header %s = %q, want %q", k, g, v)
				}
			}
		})
	}
}

func TestPrepareErrors(t *testing.T) {
	up := newUpstream(t, "http://127.0.0.1:1/graphql", "")
	tests := []struct {
		name string
		c    upstreams.Call
		want string
	}{
		{"no operation", upstreams.Call{Scope: &tmpl.Scope{}}, "no operation planned"},
		{"null inside a text variable", upstreams.Call{Operation: operation("{ x }", nil, arg("v", "p-{args.x}")), Scope: &tmpl.Scope{Args: map[string]any{}}},
			"cannot build variable v: {args.x} is null or missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := up.Prepare(&tt.c)
			var ue *upstreams.Error
			if !errors.As(err, &ue) || ue.Code != upstreams.CodeBadRequest || ue.Upstream != "catalog" || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Prepare error = %v, want UPSTREAM_REQUEST_INVALID containing %q", err, tt.want)
			}
		})
	}
	t.Run("Do without Prepare", func(t *testing.T) {
		_, err := up.Do(context.Background(), &upstreams.Call{})
		var ue *upstreams.Error
		if !errors.As(err, &ue) || ue.Code != upstreams.CodeBadRequest {
			t.Fatalf("Do error = %v", err)
		}
	})
}

func TestKeys(t *testing.T) {
	up := newUpstream(t, "http://127.0.0.1:1/graphql", "  forwardHeaders: [Authorization]\n")
	op := operation("query($a: ID!, $_a0: ID!) { product(upc: $a) { upc } other: product(upc: $_a0) { upc } }", []string{"a"}, arg("_a0", "{args.id}"))
	call := func(a, id, auth, reqID string) *upstreams.Call {
		c := &upstreams.Call{Operation: op, Variables: map[string]any{"a": a}, Scope: &tmpl.Scope{Args: map[string]any{"id": id}}, RequestID: reqID}
		if auth != "" {
			c.ClientHeader = http.Header{"Authorization": {auth}}
		}
		return c
	}
	other := operation("{ products { upc } }", nil)
	tests := []struct {
		name  string
		a, b  *upstreams.Call
		equal bool
	}{
		{"identical", call("1", "2", "", ""), call("1", "2", "", ""), true},
		{"different request id", call("1", "2", "", "r1"), call("1", "2", "", "r2"), true},
		{"different client variable", call("1", "2", "", ""), call("3", "2", "", ""), false},
		{"different computed variable", call("1", "2", "", ""), call("1", "3", "", ""), false},
		{"different Authorization", call("1", "2", "A", ""), call("1", "2", "B", ""), false},
		{"Authorization or none", call("1", "2", "A", ""), call("1", "2", "", ""), false},
		{"different operation", call("1", "2", "", ""), &upstreams.Call{Operation: other, Scope: &tmpl.Scope{}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := up.Prepare(tt.a); err != nil {
				t.Fatal(err)
			}
			if err := up.Prepare(tt.b); err != nil {
				t.Fatal(err)
			}
			if (tt.a.Key == tt.b.Key) != tt.equal {
				t.Fatalf("keys equal = %v, want %v", tt.a.Key == tt.b.Key, tt.equal)
			}
		})
	}
}

// wantError is an upstream GraphQL error as a test expects it.
type wantError struct {
	msg  string
	path string // fmt.Sprint of the path
	ext  string // the extensions' JSON, "" for none
}

func TestDo(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		body       string
		wantData   string // the data's JSON, "" for none
		wantErrors []wantError
		wantCode   upstreams.Code
		wantMsg    string
	}{
		{name: "data", status: 200, body: `{"data":{"products":[{"upc":"1"}]}}`, wantData: `{"products":[{"upc":"1"}]}`},
		{name: "data and errors", status: 200,
			body:       `{"data":{"products":[{"upc":"1","name":null}]},"errors":[{"message":"name failed","path":["products",0,"name"],"locations":[{"line":1,"column":3}],"extensions":{"code":"INTERNAL","retry":[1,2]}}]}`,
			wantData:   `{"products":[{"upc":"1","name":null}]}`,
			wantErrors: []wantError{{"name failed", "[products 0 name]", `{"code":"INTERNAL","retry":[1,2]}`}}},
		{name: "data null with errors", status: 200,
			body:       `{"data":null,"errors":[{"message":"denied","extensions":{"code":"FORBIDDEN"}},{"message":"also","path":["a"]}]}`,
			wantErrors: []wantError{{"denied", "[]", `{"code":"FORBIDDEN"}`}, {"also", "[a]", ""}}},
		{name: "errors only", status: 200, body: `{"errors":[{"message":"x"}]}`, wantErrors: []wantError{{"x", "[]", ""}}},
		{name: "odd error entries", status: 200,
			body:       `{"data":{},"errors":["boom",{"path":"p","extensions":"text"},{"message":7,"path":[]}]}`,
			wantData:   `{}`,
			wantErrors: []wantError{{"upstream error", "[]", ""}, {"upstream error", "[]", ""}, {"upstream error", "[]", ""}}},
		{name: "paths stop at a segment that is not a name or an index", status: 200,
			body: `{"data":{},"errors":[{"message":"a","path":["p",1.5,"x"]},{"message":"b","path":["p",-1,"x"]},` +
				`{"message":"c","path":[true,"p"]},{"message":"d","path":["p",2,null,"x"]},{"message":"e","path":["p",1e40]},` +
				`{"message":"f","path":["p",3,"x",0]}]}`,
			wantData: `{}`,
			wantErrors: []wantError{{"a", "[p]", ""}, {"b", "[p]", ""}, {"c", "[]", ""}, {"d", "[p 2]", ""},
				{"e", "[p]", ""}, {"f", "[p 3 x 0]", ""}}},
		{name: "errors that are not a list", status: 200, body: `{"data":{"a":1},"errors":{"message":"x"}}`, wantData: `{"a":1}`},
		{name: "GraphQL over HTTP 400", status: 400,
			body:       `{"errors":[{"message":"Cannot query field \"nope\" on type \"Query\".","locations":[{"line":1,"column":3}],"extensions":{"code":"GRAPHQL_VALIDATION_FAILED"}}]}`,
			wantErrors: []wantError{{`Cannot query field "nope" on type "Query".`, "[]", `{"code":"GRAPHQL_VALIDATION_FAILED"}`}}},
		{name: "500 with data", status: 500, body: `{"data":{"a":1}}`, wantData: `{"a":1}`},
		{name: "503 with errors, no data", status: 503, body: `{"errors":[{"message":"overloaded"}]}`, wantCode: upstreams.CodeUnavailable, wantMsg: "HTTP 503 Service Unavailable"},
		{name: "429 with errors, data null", status: 429, body: `{"data":null,"errors":[{"message":"slow down"}]}`, wantCode: upstreams.CodeError, wantMsg: "HTTP 429 Too Many Requests"},
		{name: "500 with errors, no data", status: 500, body: `{"errors":[{"message":"boom"}]}`, wantCode: upstreams.CodeError, wantMsg: "HTTP 500 Internal Server Error"},
		{name: "not an object", status: 200, body: `[{"data":{}}]`, wantCode: upstreams.CodeBadResponse, wantMsg: "answer is not a GraphQL response object"},
		{name: "a string", status: 200, body: `"data"`, wantCode: upstreams.CodeBadResponse, wantMsg: "answer is not a GraphQL response object"},
		{name: "empty 200", status: 200, wantCode: upstreams.CodeBadResponse, wantMsg: "answer is not a GraphQL response object"},
		{name: "not JSON", status: 200, body: `<html>`, wantCode: upstreams.CodeBadResponse, wantMsg: "answer is not valid JSON (HTTP 200)"},
		{name: "neither data nor errors", status: 200, body: `{"extensions":{}}`, wantCode: upstreams.CodeBadResponse, wantMsg: "answer has neither data nor errors"},
		{name: "data a list", status: 200, body: `{"data":[1]}`, wantCode: upstreams.CodeBadResponse, wantMsg: "data is not an object"},
		{name: "data a string beside errors", status: 200, body: `{"data":"x","errors":[{"message":"m"}]}`, wantCode: upstreams.CodeBadResponse, wantMsg: "data is not an object"},
		{name: "502 without body", status: 502, wantCode: upstreams.CodeUnavailable, wantMsg: "HTTP 502 Bad Gateway"},
		{name: "503 with HTML", status: 503, body: `<h1>down</h1>`, wantCode: upstreams.CodeUnavailable, wantMsg: "HTTP 503 Service Unavailable"},
		{name: "504 JSON without data", status: 504, body: `{"message":"timeout"}`, wantCode: upstreams.CodeUnavailable, wantMsg: "HTTP 504 Gateway Timeout"},
		{name: "500 with HTML", status: 500, body: `<h1>boom</h1>`, wantCode: upstreams.CodeError, wantMsg: "HTTP 500 Internal Server Error"},
		{name: "404 JSON without data", status: 404, body: `{"error":"no route"}`, wantCode: upstreams.CodeError, wantMsg: "HTTP 404 Not Found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := recorder(t, tt.status, tt.body)
			up := newUpstream(t, srv.URL, "")
			c := &upstreams.Call{Operation: operation("{ products { upc } }", nil), Scope: &tmpl.Scope{}}
			if err := up.Prepare(c); err != nil {
				t.Fatal(err)
			}
			res, err := up.Do(context.Background(), c)
			if tt.wantCode != "" {
				var ue *upstreams.Error
				if !errors.As(err, &ue) {
					t.Fatalf("Do = %v, %v; want an *upstreams.Error", res, err)
				}
				if res != nil || ue.Code != tt.wantCode || ue.Msg != tt.wantMsg || ue.Status != tt.status || ue.Upstream != "catalog" {
					t.Fatalf("error = %+v, want code %s, message %q, status %d", ue, tt.wantCode, tt.wantMsg, tt.status)
				}
				return
			}
			if err != nil {
				t.Fatalf("Do: %v", err)
			}
			defer res.Release()
			data := ""
			if res.Value != nil {
				data = res.Value.String()
			}
			if data != tt.wantData || res.Status != tt.status {
				t.Errorf("data = %d %q, want %d %q", res.Status, data, tt.status, tt.wantData)
			}
			if len(res.Errors) != len(tt.wantErrors) {
				t.Fatalf("%d errors, want %d: %+v", len(res.Errors), len(tt.wantErrors), res.Errors)
			}
			for i, w := range tt.wantErrors {
				e := res.Errors[i]
				ext := ""
				if e.Extensions != nil {
					ext = e.Extensions.String()
				}
				if e.Message != w.msg || fmt.Sprint(e.Path) != w.path || ext != w.ext {
					t.Errorf("error %d = {%q %v %s}, want {%q %s %s}", i, e.Message, e.Path, ext, w.msg, w.path, w.ext)
				}
			}
			// Indices in paths are ints, as the response's error paths need.
			for _, e := range res.Errors {
				for _, seg := range e.Path {
					switch seg.(type) {
					case string, int:
					default:
						t.Errorf("path segment %v is a %T", seg, seg)
					}
				}
			}
		})
	}
}

func TestDoTransportErrors(t *testing.T) {
	t.Run("timeout", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}))
		t.Cleanup(srv.Close)
		up := newUpstream(t, srv.URL, "  timeout: 50ms\n")
		c := &upstreams.Call{Operation: operation("{ x }", nil), Scope: &tmpl.Scope{}}
		if err := up.Prepare(c); err != nil {
			t.Fatal(err)
		}
		_, err := up.Do(context.Background(), c)
		var ue *upstreams.Error
		if !errors.As(err, &ue) || ue.Code != upstreams.CodeTimeout {
			t.Fatalf("Do error = %v, want UPSTREAM_TIMEOUT", err)
		}
	})
	t.Run("refused", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		up := newUpstream(t, "http://"+addr+"/graphql", "")
		c := &upstreams.Call{Operation: operation("{ x }", nil), Scope: &tmpl.Scope{}}
		if err := up.Prepare(c); err != nil {
			t.Fatal(err)
		}
		_, err = up.Do(context.Background(), c)
		var ue *upstreams.Error
		if !errors.As(err, &ue) || ue.Code != upstreams.CodeUnavailable {
			t.Fatalf("Do error = %v, want UPSTREAM_UNAVAILABLE", err)
		}
	})
}

// TestCatalog runs operations against the demo catalog served by gqlgen,
// with its schema introspected at Build.
func TestCatalog(t *testing.T) {
	srv, store := catalogServer(t)
	up, info, err := build(t, context.Background(), upstreamYAML("  graphql:\n    url: "+srv.URL+"/graphql\n    schema:\n      introspect: true\n"), "")
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	t.Cleanup(up.Close)
	if info.Schema.Types["Product"].Fields.ForName("price") == nil || info.Schema.Mutation == nil {
		t.Fatalf("introspected schema lacks Product.price or Mutation")
	}

	top := store.Top(2)
	first := store.Products()[0]
	const doc = "query($first: Int, $_a0: ID!) { topProducts(first: $first) { upc name } one: product(upc: $_a0) { upc price } }"
	c := &upstreams.Call{
		Operation: operation(doc, []string{"first"}, arg("_a0", "{args.upc}")),
		Variables: map[string]any{"first": json.Number("2")},
		Scope:     &tmpl.Scope{Args: map[string]any{"upc": first.Upc}},
	}
	if err := up.Prepare(c); err != nil {
		t.Fatal(err)
	}
	res, err := up.Do(context.Background(), c)
	if err != nil {
		t.Fatalf("Do: %v", err)
	}
	defer res.Release()
	if len(res.Errors) != 0 {
		t.Fatalf("errors: %+v", res.Errors)
	}
	got := res.Value.GetArray("topProducts")
	if len(got) != len(top) {
		t.Fatalf("topProducts = %v, want %d products", res.Value, len(top))
	}
	for i, p := range top {
		if string(got[i].GetStringBytes("upc")) != p.Upc || string(got[i].GetStringBytes("name")) != p.Name {
			t.Errorf("topProducts[%d] = %s, want %s %s", i, got[i], p.Upc, p.Name)
		}
	}
	if one := res.Value.Get("one"); string(one.GetStringBytes("upc")) != first.Upc || one.GetInt("price") != first.Price {
		t.Errorf("one = %s, want %+v", one, first)
	}

	// gqlgen rejects an invalid operation with 422 and an errors list.
	bad := &upstreams.Call{Operation: operation("{ nope }", nil), Scope: &tmpl.Scope{}}
	if err := up.Prepare(bad); err != nil {
		t.Fatal(err)
	}
	res2, err := up.Do(context.Background(), bad)
	if err != nil {
		t.Fatalf("Do: %v", err)
	}
	defer res2.Release()
	if res2.Value != nil || len(res2.Errors) != 1 || res2.Status/100 != 4 ||
		!strings.Contains(res2.Errors[0].Message, "nope") || res2.Errors[0].Extensions == nil ||
		string(res2.Errors[0].Extensions.GetStringBytes("code")) != "GRAPHQL_VALIDATION_FAILED" {
		t.Fatalf("invalid operation gave %d %v %+v", res2.Status, res2.Value, res2.Errors)
	}
}

func TestBuildSchemaSources(t *testing.T) {
	srv, _ := catalogServer(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "catalog.graphql"), []byte(catalogSDL), 0o600); err != nil {
		t.Fatal(err)
	}
	// A server that wants a key, to show introspection sends the
	// upstream's static headers.
	keyed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Key") != "secret" {
			http.Error(w, "no key", http.StatusUnauthorized)
			return
		}
		srv.Config.Handler.ServeHTTP(w, r)
	}))
	t.Cleanup(keyed.Close)

	tests := []struct {
		name       string
		spec       string
		wantSource string // the SDL source's name, as errors print it
		wantField  string // a field the schema has: Type.field
	}{
		{"file", "  graphql:\n    url: http://catalog:4000/graphql\n    schema:\n      file: catalog.graphql\n",
			filepath.Join(dir, "catalog.graphql"), "Product.name"},
		{"inline", "  graphql:\n    url: http://catalog:4000/graphql\n    schema:\n      inline: |\n        type Query { products: [Product!]! }\n        type Product { upc: ID! name: String! }\n",
			"upstreams.yaml (upstream catalog)", "Product.name"},
		{"introspect", "  graphql:\n    url: " + srv.URL + "/graphql\n    schema:\n      introspect: true\n",
			"", "Product.weight"},
		{"introspect with static headers", "  headers: {X-Key: secret}\n  graphql:\n    url: " + keyed.URL + "/graphql\n    schema:\n      introspect: true\n",
			"", "Product.weight"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up, info, err := build(t, context.Background(), upstreamYAML(tt.spec), dir)
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			defer up.Close()
			if up.Name() != "catalog" || info.Name != "catalog" || info.Kind != graphql.KindName || info.Version == "" {
				t.Fatalf("Build = %s, %+v", up.Name(), info)
			}
			typ, field, _ := strings.Cut(tt.wantField, ".")
			def := info.Schema.Types[typ]
			if def == nil || def.Fields.ForName(field) == nil {
				t.Fatalf("schema lacks %s", tt.wantField)
			}
			if tt.wantSource != "" && def.Position.Src.Name != tt.wantSource {
				t.Errorf("source name = %q, want %q", def.Position.Src.Name, tt.wantSource)
			}
			if !strings.HasPrefix(fmt.Sprint(up), "graphql catalog (") {
				t.Errorf("String() = %q", fmt.Sprint(up))
			}
		})
	}
	t.Run("version follows the SDL", func(t *testing.T) {
		version := func(sdl string) string {
			up, info, err := build(t, context.Background(), upstreamYAML("  graphql:\n    url: http://c/graphql\n    schema:\n      inline: "+sdl+"\n"), dir)
			if err != nil {
				t.Fatal(err)
			}
			up.Close()
			return info.Version
		}
		a, b, c := version(`"type Query { a: Int }"`), version(`"type Query { a: Int }"`), version(`"type Query { b: Int }"`)
		if a != b || a == c {
			t.Fatalf("versions %s %s %s: want equal for equal SDL, different otherwise", a, b, c)
		}
	})
}

// noIntrospection serves the catalog schema with introspection off, as
// production servers often do.
func noIntrospection(t testing.TB) *httptest.Server {
	t.Helper()
	h := gqlhandler.New(catalog.NewExecutableSchema(catalog.Config{Resolvers: &catalog.Resolver{}}))
	h.AddTransport(gqltransport.POST{})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func TestBuildErrors(t *testing.T) {
	dir := t.TempDir()
	disabled := noIntrospection(t)
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "upstream is sick", http.StatusInternalServerError)
	}))
	t.Cleanup(failing.Close)
	hanging := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	t.Cleanup(hanging.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := ln.Addr().String()
	ln.Close()

	introspect := func(url, extra string) string {
		return extra + "  graphql:\n    url: " + url + "\n    schema:\n      introspect: true\n"
	}
	tests := []struct {
		name string
		spec string
		want []string // the error starts with want[0] and contains the others
	}{
		{"no schema source", "  graphql:\n    url: http://c/graphql\n    schema: {}\n",
			[]string{"upstreams.yaml:8:13: spec.graphql.schema: set exactly one of file, inline or introspect: true"}},
		{"two schema sources", "  graphql:\n    url: http://c/graphql\n    schema:\n      file: a.graphql\n      inline: \"type Query { a: Int }\"\n",
			[]string{"upstreams.yaml:8:5: spec.graphql.schema: set exactly one of file, inline or introspect: true"}},
		{"introspect false alone", "  graphql:\n    url: http://c/graphql\n    schema:\n      introspect: false\n",
			[]string{"upstreams.yaml:8:5: spec.graphql.schema: set exactly one"}},
		{"missing schema", "  graphql:\n    url: http://c/graphql\n",
			[]string{"upstreams.yaml:7:5: spec.graphql.schema: missing required field"}},
		{"ftp URL", "  graphql:\n    url: ftp://c/graphql\n    schema:\n      inline: \"type Query { a: Int }\"\n",
			[]string{`upstreams.yaml:7:10: spec.graphql.url: "ftp://c/graphql" is not an http or https URL`}},
		{"URL without host", "  graphql:\n    url: /graphql\n    schema:\n      inline: \"type Query { a: Int }\"\n",
			[]string{`upstreams.yaml:7:10: spec.graphql.url: "/graphql" is not an http or https URL`}},
		{"unknown field", "  graphql:\n    url: http://c/graphql\n    endpoint: /x\n    schema:\n      inline: \"type Query { a: Int }\"\n",
			[]string{`upstreams.yaml:8:5: spec.graphql.endpoint: unknown field "endpoint"`}},
		{"invalid SDL", "  graphql:\n    url: http://c/graphql\n    schema:\n      inline: \"type Query { a: Nope }\"\n",
			[]string{"upstreams.yaml:8:5: spec.graphql.schema: schema of upstream catalog is invalid:", "Nope"}},
		{"SDL syntax error in a file", "  graphql:\n    url: http://c/graphql\n    schema:\n      file: broken.graphql\n",
			[]string{"upstreams.yaml:8:5: spec.graphql.schema: schema of upstream catalog is invalid:", "broken.graphql"}},
		{"unreadable file", "  graphql:\n    url: http://c/graphql\n    schema:\n      file: missing.graphql\n",
			[]string{"upstreams.yaml:9:13: spec.graphql.schema.file: cannot read", "missing.graphql"}},
		{"TLS", "  tls:\n    keyFile: k.pem\n  graphql:\n    url: https://c/graphql\n    schema:\n      inline: \"type Query { a: Int }\"\n",
			[]string{"upstreams.yaml:6:3: spec.tls: upstream catalog: tls: certFile and keyFile go together"}},
		{"introspection disabled", introspect(disabled.URL, ""),
			[]string{"upstreams.yaml:9:19: spec.graphql.schema.introspect: introspecting upstream catalog:", "introspection"}},
		{"introspection answered 500", introspect(failing.URL, ""),
			[]string{"upstreams.yaml:9:19: spec.graphql.schema.introspect: introspecting upstream catalog:", "500"}},
		{"introspection refused", introspect("http://"+refused+"/graphql", ""),
			[]string{"upstreams.yaml:9:19: spec.graphql.schema.introspect: introspecting upstream catalog:", "refused"}},
		{"introspection slower than the timeout", introspect(hanging.URL, "  timeout: 50ms\n"),
			[]string{"upstreams.yaml:10:19: spec.graphql.schema.introspect: introspecting upstream catalog:", "deadline exceeded"}},
	}
	if err := os.WriteFile(filepath.Join(dir, "broken.graphql"), []byte("type Query {"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The load has no deadline of its own, as when weft starts.
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := time.AfterFunc(3*time.Second, cancel)
			defer done.Stop()
			start := time.Now()
			up, _, err := build(t, ctx, upstreamYAML(tt.spec), dir)
			if err == nil {
				up.Close()
				t.Fatalf("Build succeeded, want %q", tt.want[0])
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("Build took %v", d)
			}
			var re *resource.Error
			if !errors.As(err, &re) || re.File != "upstreams.yaml" || re.Line == 0 {
				t.Errorf("error %v (%T) names no file:line", err, err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, tt.want[0]) {
				t.Fatalf("error:\n%s\nwant it to start with:\n%s", msg, tt.want[0])
			}
			for _, w := range tt.want[1:] {
				if !strings.Contains(msg, w) {
					t.Fatalf("error:\n%s\nwant it to contain %q", msg, w)
				}
			}
		})
	}
}

// TestIntrospectedSchemaIsTheServers checks the introspected schema against
// the catalog's own: every type and field the server declares is there.
func TestIntrospectedSchemaIsTheServers(t *testing.T) {
	srv, _ := catalogServer(t)
	_, info, err := build(t, context.Background(), upstreamYAML("  graphql:\n    url: "+srv.URL+"\n    schema:\n      introspect: true\n"), "")
	if err != nil {
		t.Fatal(err)
	}
	own := catalog.NewExecutableSchema(catalog.Config{}).Schema()
	for name, def := range own.Types {
		if def.BuiltIn || strings.HasPrefix(name, "__") {
			continue
		}
		got := info.Schema.Types[name]
		if got == nil || got.Kind != def.Kind {
			t.Errorf("type %s missing or of another kind", name)
			continue
		}
		for _, f := range def.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			gf := got.Fields.ForName(f.Name)
			if gf == nil || gf.Type.String() != f.Type.String() {
				t.Errorf("%s.%s: got %v, want type %s", name, f.Name, gf, f.Type)
			}
		}
	}
}
