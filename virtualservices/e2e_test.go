package virtualservices_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/rs/zerolog"

	"github.com/weft-gateway/weft/internal/demo"
	"github.com/weft-gateway/weft/internal/demo/qa"
	"github.com/weft-gateway/weft/upstreams"
	"github.com/weft-gateway/weft/upstreams/federation"
	"github.com/weft-gateway/weft/upstreams/graphql"
	grpcup "github.com/weft-gateway/weft/upstreams/grpc"
	"github.com/weft-gateway/weft/upstreams/rest"
	"github.com/weft-gateway/weft/upstreams/soap"
	"github.com/weft-gateway/weft/virtualservices"
)

// kinds are the upstream kinds the gateway is built with, as weft's
// command wires them (the demo's shop route serves a supergraph).
func kinds() []upstreams.Kind {
	return []upstreams.Kind{graphql.Kind(), rest.Kind(), grpcup.Kind(), soap.Kind(), federation.Kind()}
}

// gateway is a running Weft over a config, with its upstreams.
type gateway struct {
	t      testing.TB
	ups    *demo.Upstreams
	server *virtualservices.Server
	http   *httptest.Server
	logs   *logBuffer
}

// startDemo runs the embedded demo config against demo upstreams on free
// ports.
func startDemo(t testing.TB) *gateway {
	t.Helper()
	ups, err := demo.Start(context.Background(), zerolog.Nop(), demo.Loopback(0))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ups.Close() })
	g := startGateway(t, virtualservices.Config{FS: demo.Config(), Dir: ".", Env: ups.Env(nil)})
	g.ups = ups
	return g
}

func startGateway(t testing.TB, cfg virtualservices.Config) *gateway {
	t.Helper()
	logs := &logBuffer{}
	log := zerolog.New(logs)
	loader := &virtualservices.Loader{Kinds: kinds(), Log: log}
	snap, err := loader.Load(context.Background(), cfg, nil)
	if err != nil {
		t.Fatalf("config does not load:\n%v", err)
	}
	srv := virtualservices.NewServer(log)
	srv.Swap(snap)
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { hs.Close(); srv.Close() })
	return &gateway{t: t, server: srv, http: hs, logs: logs}
}

// response is a GraphQL response, decoded.
type response struct {
	status     int
	Data       any              `json:"data"`
	Errors     []map[string]any `json:"errors"`
	Extensions map[string]any   `json:"extensions"`
	raw        string
}

func (g *gateway) query(host, query string, vars map[string]any, header ...string) *response {
	g.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, g.http.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if host != "" {
		req.Host = host
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := g.http.Client().Do(req)
	if err != nil {
		g.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := &response{status: resp.StatusCode, raw: string(raw)}
	if err := json.Unmarshal(raw, out); err != nil {
		g.t.Fatalf("response is not JSON (%d): %s", resp.StatusCode, raw)
	}
	return out
}

// equalJSON compares a decoded value with JSON text.
func equalJSON(t *testing.T, got any, want string) {
	t.Helper()
	var w any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad expectation %s: %v", want, err)
	}
	if !reflect.DeepEqual(got, w) {
		g, _ := json.Marshal(got)
		t.Fatalf("got  %s\nwant %s", g, want)
	}
}

func (r *response) noErrors(t *testing.T) {
	t.Helper()
	if len(r.Errors) > 0 || r.status != http.StatusOK {
		t.Fatalf("status %d, errors: %s", r.status, r.raw)
	}
}

func TestDemoProductWithReviews(t *testing.T) {
	g := startDemo(t)
	r := g.query("", `{ product(upc: "1") { upc name price reviews { rating body } } }`, nil)
	r.noErrors(t)
	equalJSON(t, r.Data, `{"product":{"upc":"1","name":"Table","price":89900,"reviews":[
		{"rating":5,"body":"Sturdy, handsome, and seats eight."},
		{"rating":4,"body":"Took an evening to assemble, worth it."}]}}`)
}

func TestDemoProductsFanOut(t *testing.T) {
	g := startDemo(t)
	g.ups.ResetCalls()
	r := g.query("", `{ products { upc reviews { rating author { name } } } }`, nil)
	r.noErrors(t)
	products := r.Data.(map[string]any)["products"].([]any)
	if len(products) != 5 {
		t.Fatalf("got %d products", len(products))
	}
	wantReviews := []int{2, 3, 2, 2, 0}
	for i, p := range products {
		if n := len(p.(map[string]any)["reviews"].([]any)); n != wantReviews[i] {
			t.Errorf("product %d has %d reviews, want %d", i, n, wantReviews[i])
		}
	}
	// One catalog call, one reviews call per product: each distinct call once.
	if n := g.ups.Calls(demo.CatalogRequests); n != 1 {
		t.Errorf("catalog got %d requests, want 1", n)
	}
	if n := g.ups.Calls(demo.ReviewsList); n != 5 {
		t.Errorf("reviews got %d list calls, want 5", n)
	}
}

// TestDemoQuestions joins the catalog's products (plain GraphQL) and the
// reviews service's reviews (REST) with the qa subgraph's fields (Apollo
// Federation): one _entities call for every product, then one for every
// review, each batching all of its level.
func TestDemoQuestions(t *testing.T) {
	g := startDemo(t)
	g.ups.ResetCalls()
	r := g.query("", `{ products { name questions { text answers { by } } } }`, nil)
	r.noErrors(t)
	equalJSON(t, r.Data, `{"products":[
		{"name":"Table","questions":[
			{"text":"Does it extend to seat ten?","answers":[{"by":"the shop"}]},
			{"text":"Is the top solid wood?","answers":[{"by":"the shop"},{"by":"Ada"}]}]},
		{"name":"Couch","questions":[{"text":"Are the covers washable?","answers":[{"by":"the shop"}]}]},
		{"name":"Chair","questions":[{"text":"Does it stack?","answers":[]}]},
		{"name":"Lamp","questions":[{"text":"What bulb does it take?","answers":[{"by":"the shop"}]}]},
		{"name":"Rug","questions":[]}]}`)
	if c, q := g.ups.Calls(demo.CatalogRequests), g.ups.Calls(demo.QAEntities); c != 1 || q != 1 {
		t.Errorf("catalog got %d requests and qa %d _entities calls, want 1 each", c, q)
	}

	g.ups.ResetCalls()
	r = g.query("", `{ products { reviews { id helpfulVotes } } }`, nil)
	r.noErrors(t)
	n := 0
	for _, p := range r.Data.(map[string]any)["products"].([]any) {
		for _, rv := range p.(map[string]any)["reviews"].([]any) {
			m := rv.(map[string]any)
			if m["helpfulVotes"] != float64(qa.HelpfulVotes(m["id"].(string))) {
				t.Errorf("review %v: helpfulVotes %v, want %d", m["id"], m["helpfulVotes"], qa.HelpfulVotes(m["id"].(string)))
			}
			n++
		}
	}
	if n != 9 {
		t.Errorf("%d reviews, want the demo's 9", n)
	}
	if q := g.ups.Calls(demo.QAEntities); q != 1 {
		t.Errorf("qa got %d _entities calls for 9 reviews of 5 products, want 1", q)
	}
}

func TestDemoIdenticalCallsOnce(t *testing.T) {
	g := startDemo(t)
	g.ups.ResetCalls()
	r := g.query("", `{ a: product(upc: "2") { reviews { id } } b: product(upc: "2") { name reviews { rating } } }`, nil)
	r.noErrors(t)
	if n := g.ups.Calls(demo.ReviewsList); n != 1 {
		t.Errorf("reviews got %d calls for one product, want 1", n)
	}
	equalJSON(t, r.Data, `{"a":{"reviews":[{"id":"r3"},{"id":"r4"},{"id":"r5"}]},"b":{"name":"Couch","reviews":[{"rating":5},{"rating":4},{"rating":3}]}}`)
}

func TestDemoMobileHost(t *testing.T) {
	g := startDemo(t)
	r := g.query("mobile.localhost", `{ product(upc: "2") { name rating { count average } } }`, nil)
	r.noErrors(t)
	equalJSON(t, r.Data, `{"product":{"name":"Couch","rating":{"count":3,"average":4}}}`)
	// The mobile schema has no reviews list, and the shop has no rating.
	r = g.query("mobile.localhost:8080", `{ product(upc: "2") { reviews { id } } }`, nil)
	if len(r.Errors) == 0 || !strings.Contains(r.raw, `Cannot query field \"reviews\" on type \"Product\"`) {
		t.Fatalf("mobile host served the shop schema: %s", r.raw)
	}
	r = g.query("shop.example.com", `{ product(upc: "2") { rating { count } } }`, nil)
	if len(r.Errors) == 0 {
		t.Fatalf("shop host served the mobile schema: %s", r.raw)
	}
}

// TestDemoReviewsDown: with the reviews service down, the catalog data
// stands and reviews are served by their fallback: the last reviews
// fetched while it was up, else none; extensions say which. A field
// without a fallback gets an error with its path and code.
func TestDemoReviewsDown(t *testing.T) {
	g := startDemo(t)
	// Product 1's reviews are fetched while the service is up.
	up := g.query("", `{ product(upc: "1") { reviews { rating body } } }`, nil)
	up.noErrors(t)
	if err := g.ups.StopReviews(); err != nil {
		t.Fatal(err)
	}
	r := g.query("", `{ product(upc: "1") { upc name price reviews { rating body } } }`, nil)
	r.noErrors(t)
	equalJSON(t, r.Data.(map[string]any)["product"].(map[string]any)["reviews"], mustJSON(t, up.Data.(map[string]any)["product"].(map[string]any)["reviews"]))
	notes := r.Extensions["fallbacks"].([]any)
	n := notes[0].(map[string]any)
	if len(notes) != 1 || n["fallback"] != "stale" || n["reason"] != "UPSTREAM_UNAVAILABLE" || n["upstream"] != "reviews" || n["age"] == nil {
		t.Fatalf("want one stale fallback: %s", r.raw)
	}
	equalJSON(t, n["path"], `["product","reviews"]`)

	// Over a list, every product keeps its catalog data; those never
	// fetched get the static value, none.
	r = g.query("", `{ products { name reviews { rating } } }`, nil)
	r.noErrors(t)
	products := r.Data.(map[string]any)["products"].([]any)
	if name := products[4].(map[string]any)["name"]; name != "Rug" {
		t.Fatalf("catalog data lost: %s", r.raw)
	}
	equalJSON(t, products[4].(map[string]any)["reviews"], `[]`)
	if notes := r.Extensions["fallbacks"].([]any); len(notes) != 5 || notes[4].(map[string]any)["fallback"] != "value" || notes[0].(map[string]any)["fallback"] != "stale" {
		t.Fatalf("want a stale fallback for product 1 and static ones for the others: %s", r.raw)
	}

	// A field without a fallback (the mobile API's rating) gets an error
	// with its path and code; the catalog data stands.
	r = g.query("mobile.localhost", `{ products { name rating { count } } }`, nil, "X-Request-Id", "req-down")
	if len(r.Errors) != 5 {
		t.Fatalf("want 5 errors, got %s", r.raw)
	}
	equalJSON(t, r.Errors[3]["path"], `["products",3,"rating"]`)
	equalJSON(t, r.Errors[3]["extensions"], `{"code":"UPSTREAM_UNAVAILABLE","upstream":"reviews","requestId":"req-down"}`)
	if r.Errors[3]["message"] != "upstream reviews is unavailable" {
		t.Errorf("message %q", r.Errors[3]["message"])
	}
	if name := r.Data.(map[string]any)["products"].([]any)[4].(map[string]any)["name"]; name != "Rug" {
		t.Fatalf("catalog data lost: %s", r.raw)
	}

	if err := g.ups.StartReviews(); err != nil {
		t.Fatal(err)
	}
	r = g.query("", `{ product(upc: "1") { reviews { rating } } }`, nil)
	r.noErrors(t)
	if r.Extensions["fallbacks"] != nil {
		t.Fatalf("fallback once the service is back: %s", r.raw)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestDelegationVariablesFragmentsAliases(t *testing.T) {
	g := startDemo(t)
	r := g.query("", `
		query Page($upc: ID!, $n: Int, $withWeight: Boolean!) {
			first: product(upc: $upc) { ...Card weight @include(if: $withWeight) }
			top: topProducts(first: $n) { id: upc ... on Product { title: name } __typename }
		}
		fragment Card on Product { upc label: name cents: price }`,
		map[string]any{"upc": "5", "n": 2, "withWeight": true})
	r.noErrors(t)
	equalJSON(t, r.Data, `{
		"first":{"upc":"5","label":"Rug","cents":12900,"weight":null},
		"top":[{"id":"1","title":"Table","__typename":"Product"},{"id":"2","title":"Couch","__typename":"Product"}]}`)

	r = g.query("", `query($upc: ID!) { product(upc: $upc) { name weight @include(if: false) } }`, map[string]any{"upc": "3"})
	r.noErrors(t)
	equalJSON(t, r.Data, `{"product":{"name":"Chair"}}`)

	// A default value of the gateway's argument reaches the upstream.
	r = g.query("", `{ topProducts { upc } }`, nil)
	r.noErrors(t)
	if n := len(r.Data.(map[string]any)["topProducts"].([]any)); n != 5 {
		t.Fatalf("topProducts with the default returned %d", n)
	}
}

func TestDemoMutation(t *testing.T) {
	g := startDemo(t)
	r := g.query("", `mutation($p: Int!) { setPrice(upc: "3", price: $p) { upc price } }`, map[string]any{"p": 6100})
	r.noErrors(t)
	equalJSON(t, r.Data, `{"setPrice":{"upc":"3","price":6100}}`)
	r = g.query("", `{ product(upc: "3") { price } }`, nil)
	equalJSON(t, r.Data, `{"product":{"price":6100}}`)
}

func TestQueryPlanExtension(t *testing.T) {
	g := startDemo(t)
	r := g.query("", `{ products { name reviews { rating } } }`, nil, "X-Weft-Plan", "1")
	r.noErrors(t)
	plan, _ := json.Marshal(r.Extensions["queryPlan"])
	for _, want := range []string{`"kind":"Sequence"`, `"upstream":"catalog"`, `"upstream":"reviews"`, `"at":"products[]"`, `GET /products/{parent.upc}/reviews`} {
		if !strings.Contains(string(plan), want) {
			t.Errorf("queryPlan %s lacks %s", plan, want)
		}
	}
	if r := g.query("", `{ products { name } }`, nil); r.Extensions["queryPlan"] != nil {
		t.Error("plan sent without the header")
	}
	// The mobile API does not allow it.
	if r := g.query("mobile.localhost", `{ products { name } }`, nil, "X-Weft-Plan", "1"); r.Extensions["queryPlan"] != nil {
		t.Error("plan exposed where exposePlan is off")
	}
}

func TestIntrospection(t *testing.T) {
	g := startDemo(t)
	r := g.query("", `{ __schema { queryType { name } types { name } directives { name } } __type(name: "Review") { fields { name } } }`, nil)
	r.noErrors(t)
	s, _ := json.Marshal(r.Data)
	for _, bad := range []string{`"rest"`, `"graphql"`, `_WeftValue`} {
		if strings.Contains(string(s), bad) {
			t.Errorf("introspection shows the binding machinery (%s): %s", bad, s)
		}
	}
	if !strings.Contains(string(s), `"Query"`) || !strings.Contains(string(s), `"author"`) {
		t.Errorf("introspection result: %s", s)
	}
}

func TestIntrospectionOff(t *testing.T) {
	dir := writeConfig(t, map[string]string{
		"api.yaml": upstreamsYAML + `
---
apiVersion: weft.dev/v1
kind: VirtualService
metadata: {name: closed}
spec:
  virtualHost:
    domains: ["*"]
    routes:
      - matchers: [{prefix: /graphql}]
        graphql:
          introspection: false
          playground: false
          schema:
            inline: |
              type Query { products: [Product!]! @graphql(upstream: "catalog") }
              type Product { upc: ID! name: String! }
`})
	g := startDir(t, dir)
	r := g.query("", `{ __schema { types { name } } }`, nil)
	if len(r.Errors) == 0 || r.Errors[0]["extensions"].(map[string]any)["code"] != "INTROSPECTION_DISABLED" {
		t.Fatalf("introspection not refused: %s", r.raw)
	}
	g.query("", `{ products { name __typename } }`, nil).noErrors(t)
	// With the playground off, a browser gets the API, not a page.
	req, _ := http.NewRequest(http.MethodGet, g.http.URL+"/graphql", nil)
	req.Header.Set("Accept", "text/html")
	resp, err := g.http.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatal("playground served while off")
	}
}

func TestHealthAndRouting(t *testing.T) {
	g := startDemo(t)
	for _, tt := range []struct {
		path string
		want int
	}{{"/healthz", 200}, {"/readyz", 200}, {"/nope", 404}} {
		resp, err := g.http.Client().Get(g.http.URL + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("GET %s = %d, want %d", tt.path, resp.StatusCode, tt.want)
		}
		if tt.path == "/nope" && resp.Header.Get("X-Request-Id") == "" {
			t.Error("no request id on a routed request")
		}
	}
	// GET queries work too.
	resp, err := g.http.Client().Get(g.http.URL + `/graphql?query={product(upc:"4"){name}}`)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"name":"Lamp"`) {
		t.Fatalf("GET query: %s", body)
	}
	if !strings.Contains(g.logs.String(), `"virtualService":"shop"`) || !strings.Contains(g.logs.String(), `"upstreamCalls":1`) {
		t.Errorf("access log lacks fields: %s", g.logs.String())
	}
}

// logBuffer collects logs written from many goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// writeConfig writes files into a new temp config directory.
func writeConfig(t *testing.T, files map[string]string) string {
	return writeConfigTB(t, files)
}

func fsReadFile(fsys fs.FS, name string) ([]byte, error) { return fs.ReadFile(fsys, name) }

func writeConfigTB(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// upstreamsYAML declares the demo upstreams; tests using it start them.
const upstreamsYAML = `apiVersion: weft.dev/v1
kind: Upstream
metadata: {name: catalog}
spec:
  graphql:
    url: ${WEFT_DEMO_CATALOG_URL}
    schema: {introspect: true}
---
apiVersion: weft.dev/v1
kind: Upstream
metadata: {name: reviews}
spec:
  rest: {baseURL: "${WEFT_DEMO_REVIEWS_URL}"}
`

// startDir runs a config directory against demo upstreams on free ports.
func startDir(t *testing.T, dir string) *gateway {
	t.Helper()
	ups, err := demo.Start(context.Background(), zerolog.Nop(), demo.Loopback(0))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ups.Close() })
	g := startGateway(t, virtualservices.Config{FS: os.DirFS(dir), Dir: ".", DisplayRoot: dir, Env: ups.Env(nil)})
	g.ups = ups
	return g
}

// TestGraphQLOverHTTP checks the media types and statuses of the
// GraphQL-over-HTTP spec, and automatic persisted queries.
func TestGraphQLOverHTTP(t *testing.T) {
	g := startDemo(t)
	post := func(body, accept string) (*http.Response, string) {
		req, _ := http.NewRequest(http.MethodPost, g.http.URL+"/graphql", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		resp, err := g.http.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp, string(b)
	}
	const gqlResp = "application/graphql-response+json"
	resp, body := post(`{"query":"{ product(upc: \"4\") { name } }"}`, gqlResp)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), gqlResp) || !strings.Contains(body, "Lamp") {
		t.Fatalf("%d %s: %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	// A query that does not validate is a request error: 400 with the new
	// media type, 200 with application/json, and no data entry either way.
	resp, body = post(`{"query":"{ nope }"}`, gqlResp)
	if resp.StatusCode != 400 || !strings.Contains(body, "GRAPHQL_VALIDATION_FAILED") || strings.Contains(body, `"data"`) {
		t.Fatalf("invalid query: %d %s", resp.StatusCode, body)
	}
	resp, body = post(`{"query":"{ nope }"}`, "application/json")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") || strings.Contains(body, `"data"`) {
		t.Fatalf("invalid query as application/json: %d %s", resp.StatusCode, body)
	}
	for _, bad := range []string{`[1]`, `{"query": 3}`, `{"query":"{ products { upc } }","variables":[1]}`} {
		if resp, body = post(bad, ""); resp.StatusCode != 400 || !strings.Contains(body, `"errors"`) {
			t.Errorf("body %s: %d %s", bad, resp.StatusCode, body)
		}
	}
	// GET runs queries, never mutations.
	get, err := g.http.Client().Get(g.http.URL + "/graphql?" + url.Values{"query": {`mutation { setPrice(upc: "1", price: 1) { price } }`}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	get.Body.Close()
	if get.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("mutation over GET: %d", get.StatusCode)
	}
	get, err = g.http.Client().Get(g.http.URL + "/graphql?" + url.Values{"query": {`query($u: ID!) { product(upc: $u) { name } }`}, "variables": {`{"u":"3"}`}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	getBody, _ := io.ReadAll(get.Body)
	get.Body.Close()
	if !strings.Contains(string(getBody), "Chair") {
		t.Errorf("GET with variables: %s", getBody)
	}
	// Malformed JSON is a 400 too, whatever the client accepts.
	if resp, body = post(`{"query":`, "application/json"); resp.StatusCode != 400 {
		t.Fatalf("malformed body: %d %s", resp.StatusCode, body)
	}
	// Automatic persisted queries: the hash alone fails first, then works
	// once the query was sent with it.
	const q = `{ product(upc: "1") { name } }`
	sum := sha256.Sum256([]byte(q))
	ext := `"extensions":{"persistedQuery":{"version":1,"sha256Hash":"` + hex.EncodeToString(sum[:]) + `"}}`
	if _, body = post(`{`+ext+`}`, ""); !strings.Contains(body, "PersistedQueryNotFound") {
		t.Fatalf("unknown hash: %s", body)
	}
	qj, _ := json.Marshal(q)
	if _, body = post(`{"query":`+string(qj)+`,`+ext+`}`, ""); !strings.Contains(body, "Table") {
		t.Fatalf("register: %s", body)
	}
	if _, body = post(`{`+ext+`}`, ""); !strings.Contains(body, "Table") {
		t.Fatalf("hash alone after registering: %s", body)
	}
}
