package virtualservices_test

// End-to-end tests of what a client sees when an upstream fails: by
// default a stable message, the code, the upstream and the request id,
// with the upstream's own words in the log under that id; with the
// upstream's exposeErrors, its words; and never more errors, or longer
// messages, than the caps allow.

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/weft-gateway/weft/internal/grpctest"
	"github.com/weft-gateway/weft/internal/soaptest"
	"github.com/weft-gateway/weft/virtualservices"
)

// maskedLog returns the log lines about masked upstream errors of the
// request with this id.
func maskedLog(t *testing.T, g *gateway, id string) []map[string]any {
	t.Helper()
	if id == "" {
		t.Fatal("no request id to look for")
	}
	var out []map[string]any
	for _, line := range strings.Split(g.logs.String(), "\n") {
		if line == "" {
			continue
		}
		var l map[string]any
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("log line is not JSON: %s", line)
		}
		if msg, _ := l["message"].(string); l["requestId"] == id && strings.Contains(msg, "masked") {
			out = append(out, l)
		}
	}
	return out
}

// upstreamSpec is an Upstream resource: spec lines indented by two spaces.
func upstreamSpec(name, spec string) string {
	return "apiVersion: weft.dev/v1\nkind: Upstream\nmetadata: {name: " + name + "}\nspec:\n" + spec
}

// startErrorsGateway serves sdl over the upstreams given.
func startErrorsGateway(t *testing.T, sdl string, ups ...string) *gateway {
	t.Helper()
	dir := writeConfig(t, map[string]string{
		"up.yaml": strings.Join(ups, "---\n"),
		"vs.yaml": vsYAML(sdl),
	})
	return startGateway(t, virtualservices.Config{FS: os.DirFS(dir), Dir: ".", DisplayRoot: dir})
}

// leaks fails the test when the response holds any of the upstream's words.
func leaks(t *testing.T, r *response, words ...string) {
	t.Helper()
	for _, w := range words {
		if strings.Contains(r.raw, w) {
			t.Errorf("the response leaks %q: %s", w, r.raw)
		}
	}
}

// TestMaskedRESTErrors: an error answer's body reaches the log, under the
// request id the client sees, and the client only with exposeErrors.
func TestMaskedRESTErrors(t *testing.T) {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(w, `{"message":"connect to db 10.0.0.7:5432 refused","trace":"at Pool.get"}`)
	}))
	t.Cleanup(api.Close)
	const sdl = `type Query { item(id: ID!): Item @rest(upstream: "api", path: "/items/{args.id}") }
type Item { name: String }`
	up := func(extra string) string {
		return upstreamSpec("api", extra+"  rest: {baseURL: \""+api.URL+"\"}\n")
	}

	g := startErrorsGateway(t, sdl, up(""))
	r := g.query("", `{ item(id: "1") { name } }`, nil, "X-Request-Id", "req-rest")
	equalJSON(t, r.Data, `{"item":null}`)
	if len(r.Errors) != 1 || r.Errors[0]["message"] != "upstream api failed" {
		t.Fatalf("want the stable message: %s", r.raw)
	}
	equalJSON(t, r.Errors[0]["extensions"], `{"code":"UPSTREAM_ERROR","upstream":"api","status":500,"requestId":"req-rest"}`)
	equalJSON(t, r.Errors[0]["path"], `["item"]`)
	leaks(t, r, "10.0.0.7", "Pool.get", "Internal Server Error")
	lines := maskedLog(t, g, "req-rest")
	if len(lines) != 1 {
		t.Fatalf("want one log line for request req-rest, got %v\n%s", lines, g.logs.String())
	}
	l := lines[0]
	if l["level"] != "warn" || l["upstream"] != "api" || l["code"] != "UPSTREAM_ERROR" || l["status"] != float64(500) ||
		l["detail"] != "connect to db 10.0.0.7:5432 refused" || l["failure"] != "HTTP 500 Internal Server Error" {
		t.Errorf("log line %v", l)
	}
	equalJSON(t, l["path"], `["item"]`)

	g = startErrorsGateway(t, sdl, up("  exposeErrors: true\n"))
	r = g.query("", `{ item(id: "1") { name } }`, nil, "X-Request-Id", "req-rest")
	if len(r.Errors) != 1 || r.Errors[0]["message"] != "upstream api: HTTP 500 Internal Server Error" {
		t.Fatalf("want the gateway's account: %s", r.raw)
	}
	equalJSON(t, r.Errors[0]["extensions"], `{"code":"UPSTREAM_ERROR","upstream":"api","status":500,"detail":"connect to db 10.0.0.7:5432 refused"}`)
	if lines := maskedLog(t, g, "req-rest"); len(lines) != 0 {
		t.Errorf("nothing was masked, yet the log says so: %v", lines)
	}
}

// TestMaskedGraphQLErrors: a GraphQL upstream's error messages and
// extensions stay inside by default; its codes, when they read as codes,
// and its paths, as far as the client's selection goes, reach the client.
func TestMaskedGraphQLErrors(t *testing.T) {
	var status atomic.Int32
	status.Store(http.StatusOK)
	catalog := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(int(status.Load()))
		_, _ = io.WriteString(w, `{"data":{"product":{"name":null,"price":1}},"errors":[
			{"message":"SELECT failed on http://catalog-db.internal:5432","path":["product","name"],"extensions":{"code":"INTERNAL_SERVER_ERROR","stacktrace":["at db.go:12"]}},
			{"message":"cache miss at node-7","path":["product","internalSku"],"extensions":{"code":"see http://wiki.internal/errors"}}]}`)
	}))
	t.Cleanup(catalog.Close)
	const sdl = `type Query { product(upc: ID!): Product @graphql(upstream: "catalog") }
type Product { name: String price: Int }`
	up := func(extra string) string {
		return upstreamSpec("catalog", extra+`  graphql:
    url: "`+catalog.URL+`"
    schema: {inline: "type Query { product(upc: ID!): Product } type Product { name: String price: Int internalSku: String }"}
`)
	}

	g := startErrorsGateway(t, sdl, up(""))
	r := g.query("", `{ product(upc: "1") { name price } }`, nil, "X-Request-Id", "req-gql")
	equalJSON(t, r.Data, `{"product":{"name":null,"price":1}}`)
	if len(r.Errors) != 2 {
		t.Fatalf("want two errors: %s", r.raw)
	}
	for _, e := range r.Errors {
		if e["message"] != "upstream catalog failed" {
			t.Errorf("message %q, want the stable one", e["message"])
		}
	}
	equalJSON(t, r.Errors[0]["path"], `["product","name"]`)
	equalJSON(t, r.Errors[0]["extensions"], `{"code":"INTERNAL_SERVER_ERROR","upstream":"catalog","requestId":"req-gql"}`)
	// internalSku is no field the client selected: the path stops above
	// it. The upstream's "code" is text, not a code: the gateway's own.
	equalJSON(t, r.Errors[1]["path"], `["product"]`)
	equalJSON(t, r.Errors[1]["extensions"], `{"code":"UPSTREAM_ERROR","upstream":"catalog","requestId":"req-gql"}`)
	leaks(t, r, "catalog-db", "stacktrace", "internalSku", "node-7", "wiki.internal")
	lines := maskedLog(t, g, "req-gql")
	if len(lines) != 1 || lines[0]["errors"] != float64(2) || lines[0]["upstream"] != "catalog" {
		t.Fatalf("want one log line counting two errors, got %v", lines)
	}
	first := lines[0]["first"].([]any)
	if len(first) != 2 || first[0].(map[string]any)["message"] != "SELECT failed on http://catalog-db.internal:5432" {
		t.Errorf("log line quotes %v", first)
	}
	equalJSON(t, first[1].(map[string]any)["path"], `["product","internalSku"]`)
	equalJSON(t, first[0].(map[string]any)["extensions"], `{"code":"INTERNAL_SERVER_ERROR","stacktrace":["at db.go:12"]}`)

	// A 4xx with errors is the upstream refusing the gateway's request
	// (a validation error): masked the same way.
	status.Store(http.StatusBadRequest)
	r = g.query("", `{ product(upc: "1") { name } }`, nil, "X-Request-Id", "req-gql-400")
	if len(r.Errors) != 2 || r.Errors[0]["message"] != "upstream catalog failed" {
		t.Fatalf("want masked errors: %s", r.raw)
	}
	leaks(t, r, "catalog-db")
	status.Store(http.StatusOK)

	// Exposed: the upstream's messages and extensions, at the paths it
	// gave.
	g = startErrorsGateway(t, sdl, up("  exposeErrors: true\n"))
	r = g.query("", `{ product(upc: "1") { name price } }`, nil, "X-Request-Id", "req-gql")
	if len(r.Errors) != 2 || r.Errors[0]["message"] != "SELECT failed on http://catalog-db.internal:5432" || r.Errors[1]["message"] != "cache miss at node-7" {
		t.Fatalf("want the upstream's messages: %s", r.raw)
	}
	equalJSON(t, r.Errors[0]["extensions"], `{"code":"INTERNAL_SERVER_ERROR","upstream":"catalog","stacktrace":["at db.go:12"]}`)
	equalJSON(t, r.Errors[1]["path"], `["product","internalSku"]`)
	equalJSON(t, r.Errors[1]["extensions"], `{"code":"see http://wiki.internal/errors","upstream":"catalog"}`)
}

// TestMaskedGRPCErrors: a status message and its details go to the log
// with the request id; the client keeps the gRPC code.
func TestMaskedGRPCErrors(t *testing.T) {
	s := startKitchen(t, grpctest.Options{})
	g := startKitchenGateway(t, map[string]string{
		"up.yaml": kitchenUpstream("kitchen", s.Addr(), ""),
		"vs.yaml": includeVS(false),
	})
	r := g.query("", `{ fail(code: 13, message: "disk /var/lib/kitchen full", details: true) { id } }`, nil)
	e := oneErrorCode(t, r, `["fail"]`, "UPSTREAM_ERROR")
	ext := e["extensions"].(map[string]any)
	id, _ := ext["requestId"].(string)
	if e["message"] != "upstream kitchen failed" || ext["grpcCode"] != "INTERNAL" || len(ext) != 4 || id == "" {
		t.Errorf("error %v", e)
	}
	leaks(t, r, "/var/lib", "KITCHEN_ON_FIRE", "too hot")
	lines := maskedLog(t, g, id)
	if len(lines) != 1 {
		t.Fatalf("want one log line for request %s, got %v", id, lines)
	}
	if lines[0]["detail"] != "disk /var/lib/kitchen full" || lines[0]["failure"] != "INTERNAL" {
		t.Errorf("log line %v", lines[0])
	}
	details, _ := json.Marshal(lines[0]["details"])
	if !strings.Contains(string(details), "KITCHEN_ON_FIRE") || !strings.Contains(string(details), "too hot") {
		t.Errorf("log line's details %s", details)
	}
}

// TestMaskedSOAPFaults: a fault's text, actor and detail go to the log
// with the request id; the client keeps the fault's code.
func TestMaskedSOAPFaults(t *testing.T) {
	s := soaptest.Start(t, soaptest.Shipping(), soaptest.Options{})
	g := startSOAPGateway(t, s, map[string]string{
		"up.yaml": soapUpstream("shipping", "wsdl/shipping.wsdl", "", ""),
		"vs.yaml": soapVS(false, "shipping"),
	})
	s.Set("ShippingPort/GetQuote", soaptest.Mode{Fault: &soaptest.Fault{Code: "Server", String: "ORA-00942 at db-3.internal",
		Actor: "urn:quotes", Detail: []*soaptest.Node{soaptest.E("urn:e", "Stack", "QuoteService.java:88")}}})
	r := g.query("", `{ getQuote(fromZip: "10001", toZip: "10115", parcel: [{weight: 1}]) { quoteId } }`, nil, "X-Request-Id", "req-fault")
	ext := soapError(t, r, `["getQuote"]`, "shipping", "UPSTREAM_ERROR")
	equalJSON(t, ext, `{"code":"UPSTREAM_ERROR","upstream":"shipping","status":500,"faultCode":"Server","requestId":"req-fault"}`)
	if r.Errors[0]["message"] != "upstream shipping failed" {
		t.Errorf("message %q", r.Errors[0]["message"])
	}
	leaks(t, r, "ORA-00942", "db-3", "urn:quotes", "QuoteService")
	lines := maskedLog(t, g, "req-fault")
	if len(lines) != 1 {
		t.Fatalf("want one log line, got %v", lines)
	}
	l := lines[0]
	if l["detail"] != "ORA-00942 at db-3.internal" || l["faultString"] != "ORA-00942 at db-3.internal" || l["faultActor"] != "urn:quotes" {
		t.Errorf("log line %v", l)
	}
	equalJSON(t, l["faultDetail"], `{"Stack":"QuoteService.java:88"}`)
}

// TestMaskedLogBounded: a request whose many calls fail writes a bounded
// number of log lines, and one more that counts the rest; a failed call
// shared by many fields is logged once.
func TestMaskedLogBounded(t *testing.T) {
	var calls atomic.Int32
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/items" {
			items := make([]string, 30)
			for i := range items {
				items[i] = fmt.Sprintf(`{"id":"%d"}`, i)
			}
			_, _ = io.WriteString(w, "["+strings.Join(items, ",")+"]")
			return
		}
		calls.Add(1)
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(w, `{"message":"no"}`)
	}))
	t.Cleanup(api.Close)
	g := startErrorsGateway(t, `type Query { items: [Item!]! @rest(upstream: "api", path: "/items") }
type Item { id: ID! detail: String @rest(upstream: "api", path: "/detail/{parent.id}") same: String @rest(upstream: "api", path: "/same") }`,
		upstreamSpec("api", "  rest: {baseURL: \""+api.URL+"\"}\n"))
	r := g.query("", `{ items { id detail } }`, nil, "X-Request-Id", "req-many")
	if len(r.Errors) != 30 {
		t.Fatalf("want 30 errors, got %d", len(r.Errors))
	}
	lines := maskedLog(t, g, "req-many")
	if len(lines) != 11 || lines[10]["notLogged"] != float64(20) {
		t.Errorf("want 10 lines and one counting 20 more, got %d: %v", len(lines), lines[len(lines)-1])
	}
	calls.Store(0)
	r = g.query("", `{ items { id same } }`, nil, "X-Request-Id", "req-same")
	if len(r.Errors) != 30 || calls.Load() != 1 {
		t.Fatalf("want 30 errors from one call, got %d errors, %d calls", len(r.Errors), calls.Load())
	}
	if lines := maskedLog(t, g, "req-same"); len(lines) != 1 {
		t.Errorf("one failed call, %d log lines", len(lines))
	}
}

// TestErrorCap: a GraphQL upstream answering 10 MB of errors makes a small
// response: at most the cap of errors, then one that counts the rest; a
// long message is cut.
func TestErrorCap(t *testing.T) {
	const n = 44000
	pad := strings.Repeat("x", 180)
	var body strings.Builder
	body.WriteString(`{"data":{"items":null},"errors":[`)
	for i := range n {
		if i > 0 {
			body.WriteByte(',')
		}
		fmt.Fprintf(&body, `{"message":"item %d failed: %s","path":["items",%d,"name"],"extensions":{"code":"ITEM_FAILED"}}`, i, pad, i)
	}
	body.WriteString(`]}`)
	answer := body.String()
	if len(answer) < 10<<20 {
		t.Fatalf("the answer is %d bytes, want 10 MB", len(answer))
	}
	long := `{"data":{"items":null},"errors":[{"message":"` + strings.Repeat("é", 1<<20) + `","path":["items"]}]}`
	big := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Header.Get("X-Long") != "" {
			_, _ = io.WriteString(w, long)
			return
		}
		_, _ = io.WriteString(w, answer)
	}))
	t.Cleanup(big.Close)
	up := func(extra string) string {
		return upstreamSpec("big", extra+`  forwardHeaders: [X-Long]
  graphql:
    url: "`+big.URL+`"
    schema: {inline: "type Query { items: [Item] } type Item { name: String }"}
`)
	}
	const sdl = `type Query { items: [Item] @graphql(upstream: "big") }
type Item { name: String }`

	for _, expose := range []bool{false, true} {
		t.Run(fmt.Sprintf("expose=%v", expose), func(t *testing.T) {
			extra := ""
			if expose {
				extra = "  exposeErrors: true\n"
			}
			g := startErrorsGateway(t, sdl, up(extra))
			r := g.query("", `{ items { name } }`, nil, "X-Request-Id", "req-big")
			equalJSON(t, r.Data, `{"items":null}`)
			if len(r.raw) > 256<<10 {
				t.Errorf("the response is %d bytes", len(r.raw))
			}
			if len(r.Errors) != 101 {
				t.Fatalf("want 100 errors and one more, got %d", len(r.Errors))
			}
			equalJSON(t, r.Errors[99]["path"], `["items",99,"name"]`)
			last := r.Errors[100]
			equalJSON(t, last["extensions"], fmt.Sprintf(`{"code":"TOO_MANY_ERRORS","dropped":%d,"requestId":"req-big"}`, n-100))
			if want := fmt.Sprintf("%d more errors were left out: a response carries at most 100", n-100); last["message"] != want {
				t.Errorf("last message %q, want %q", last["message"], want)
			}
			if _, ok := last["path"]; ok {
				t.Errorf("the count has a path: %v", last)
			}
			if len(g.logs.String()) > 64<<10 {
				t.Errorf("the log took %d bytes for one request", len(g.logs.String()))
			}
		})
	}

	t.Run("long message", func(t *testing.T) {
		g := startErrorsGateway(t, sdl, up("  exposeErrors: true\n"))
		r := g.query("", `{ items { name } }`, nil, "X-Long", "1")
		if len(r.Errors) != 1 {
			t.Fatalf("want one error: %d", len(r.Errors))
		}
		msg := r.Errors[0]["message"].(string)
		if len(msg) > 1024 || !strings.HasSuffix(msg, "é…") {
			t.Errorf("message of %d bytes ends %q", len(msg), msg[max(0, len(msg)-8):])
		}
	})

	t.Run("configured cap", func(t *testing.T) {
		dir := writeConfig(t, map[string]string{
			"up.yaml": up(""),
			"vs.yaml": strings.Replace(vsYAML(sdl), "          schema:\n", "          limits: {maxErrors: 5}\n          schema:\n", 1),
		})
		g := startGateway(t, virtualservices.Config{FS: os.DirFS(dir), Dir: ".", DisplayRoot: dir})
		r := g.query("", `{ items { name } }`, nil)
		if len(r.Errors) != 6 {
			t.Fatalf("want 5 errors and one more, got %d", len(r.Errors))
		}
		ext := r.Errors[5]["extensions"].(map[string]any)
		if ext["code"] != "TOO_MANY_ERRORS" || ext["dropped"] != float64(n-5) {
			t.Errorf("last error %v", r.Errors[5])
		}
	})
}

// TestDotSegmentsEndToEnd: an argument that would make a URL path segment
// ".." or "." is the client's error, named, and never sent; text that only
// looks like one is sent escaped.
func TestDotSegmentsEndToEnd(t *testing.T) {
	got := make(chan string, 8)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/products" {
			_, _ = io.WriteString(w, `[{"upc":"1"},{"upc":".."}]`)
			return
		}
		got <- r.RequestURI
		_, _ = io.WriteString(w, `{"n":1}`)
	}))
	t.Cleanup(api.Close)
	g := startErrorsGateway(t, `type Query {
  reviews(upc: ID!): Count @rest(upstream: "api", path: "/products/{args.upc}/reviews")
  products: [Product!]! @rest(upstream: "api", path: "/products")
}
type Product { upc: ID! reviews: Count @rest(upstream: "api", path: "/products/{parent.upc}/reviews") }
type Count { n: Int }`, upstreamSpec("api", "  rest: {baseURL: \""+api.URL+"\"}\n"))

	for _, upc := range []string{"..", ".", ""} {
		r := g.query("", `query ($upc: ID!) { reviews(upc: $upc) { n } }`, map[string]any{"upc": upc})
		if len(r.Errors) != 1 {
			t.Fatalf("upc %q: want one error: %s", upc, r.raw)
		}
		equalJSON(t, r.Errors[0]["path"], `["reviews"]`)
		equalJSON(t, r.Errors[0]["extensions"], `{"code":"BAD_USER_INPUT"}`)
		want := fmt.Sprintf("argument upc: makes the URL path segment %q, which servers resolve to another path", upc)
		if upc == "" {
			want = "argument upc: makes an empty URL path segment, which servers merge away"
		}
		if r.Errors[0]["message"] != want {
			t.Errorf("upc %q: message %q, want %q", upc, r.Errors[0]["message"], want)
		}
		equalJSON(t, r.Data, `{"reviews":null}`)
	}
	select {
	case uri := <-got:
		t.Fatalf("a refused path reached the upstream: %s", uri)
	default:
	}

	r := g.query("", `{ a: reviews(upc: "%2e%2e") { n } b: reviews(upc: "../x") { n } }`, nil)
	r.noErrors(t)
	sent := map[string]bool{<-got: true, <-got: true}
	if !sent["/products/%252e%252e/reviews"] || !sent["/products/..%2Fx/reviews"] {
		t.Errorf("sent %v", sent)
	}

	// A parent's value is no client input: the request cannot be built.
	r = g.query("", `{ products { upc reviews { n } } }`, nil)
	if len(r.Errors) != 1 {
		t.Fatalf("want one error: %s", r.raw)
	}
	equalJSON(t, r.Errors[0]["path"], `["products",1,"reviews"]`)
	equalJSON(t, r.Errors[0]["extensions"], `{"code":"UPSTREAM_REQUEST_INVALID","upstream":"api"}`)
	if msg, _ := r.Errors[0]["message"].(string); !strings.Contains(msg, `{parent.upc} makes the URL path segment ".."`) {
		t.Errorf("message %q", msg)
	}
	if uri := <-got; uri != "/products/1/reviews" {
		t.Errorf("sent %s", uri)
	}
}
