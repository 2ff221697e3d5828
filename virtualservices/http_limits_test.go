package virtualservices_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/weft-gateway/weft/virtualservices"
)

// itemsREST answers /items/{id} with an item and /items with two.
func itemsREST(t testing.TB) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		id, one := strings.CutPrefix(r.URL.Path, "/items/")
		if one {
			_ = json.NewEncoder(w).Encode(map[string]any{"id": id, "name": "item " + id, "color": "RED"})
			return
		}
		_, _ = w.Write([]byte(`[{"id":"1","name":"item 1","color":"RED"},{"id":"2","name":"item 2","color":"BLUE"}]`))
	}))
	t.Cleanup(s.Close)
	return s
}

// itemsSchema has a field, argument, type, enum value and input field for
// every kind of mistake a validator can suggest a correction for.
const itemsSchema = `type Query {
  item(id: ID!, color: Color): Item @rest(upstream: "items", path: "/items/{args.id}")
  items(filter: Filter, ids: [ID!]): [Item!]! @rest(upstream: "items", path: "/items")
}
type Item { id: ID! name: String! color: Color details: Details }
type Details { weight: Int }
enum Color { RED GREEN BLUE }
input Filter { name: String color: Color }
`

// itemsGateway serves itemsSchema with extra lines under the route's
// graphql block (indented ten spaces), such as limits or introspection.
func itemsGateway(t testing.TB, graphqlExtra string) *gateway {
	t.Helper()
	up := itemsREST(t)
	vs := strings.Replace(vsYAML(itemsSchema), "        graphql:\n", "        graphql:\n"+graphqlExtra, 1)
	dir := writeConfigTB(t, map[string]string{
		"up.yaml": `apiVersion: weft.dev/v1
kind: Upstream
metadata: {name: items}
spec:
  rest: {baseURL: "` + up.URL + `"}
`,
		"vs.yaml": vs,
	})
	return startGateway(t, virtualservices.Config{FS: os.DirFS(dir), Dir: ".", DisplayRoot: dir})
}

// unusedArrayBody is a request of about 800 KB: an operation that reads one
// small variable, and a variable it does not declare holding an array of
// n numbers.
func unusedArrayBody(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"query":"query($id: ID!) { item(id: $id) { name } }","variables":{"id":"7","unused":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('0')
	}
	b.WriteString(`]}}`)
	return b.Bytes()
}

// serve runs one request through the gateway's handler, without a socket.
func (g *gateway) serve(method, contentType string, body []byte, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, "/graphql", bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	g.server.ServeHTTP(w, req)
	return w
}

// BenchmarkUnusedVariable sends the 800 KB body with a 400,000-element
// variable the operation does not declare: refused under the default
// limits, and served, without building the variable, with the values limit
// raised.
func BenchmarkUnusedVariable(b *testing.B) {
	body := unusedArrayBody(400_000)
	for _, bc := range []struct {
		name, limits string
		status       int
		want         string
	}{
		{"default-limits", "", 400, `"VARIABLES_TOO_LARGE"`},
		{"maxVariableValues=1000000", "          limits: {maxVariableValues: 1000000}\n", 200, `"item 7"`},
	} {
		b.Run(bc.name, func(b *testing.B) {
			g := itemsGateway(b, bc.limits)
			if w := g.serve(http.MethodPost, "application/json", body); w.Code != bc.status || !strings.Contains(w.Body.String(), bc.want) {
				b.Fatalf("%d %s", w.Code, w.Body)
			}
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				g.serve(http.MethodPost, "application/json", body)
			}
		})
	}
}

// do sends one request through a real socket and returns the response with
// its body read.
func (g *gateway) do(method, contentType, body string, header ...string) (*http.Response, string) {
	g.t.Helper()
	req, err := http.NewRequest(method, g.http.URL+"/graphql", strings.NewReader(body))
	if err != nil {
		g.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := g.http.Client().Do(req)
	if err != nil {
		g.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		g.t.Fatal(err)
	}
	return resp, string(b)
}

// refusal is a GraphQL response with one error and no data.
type refusal struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

// wantRefusal checks a response is a JSON GraphQL error with the status,
// code and message words given, and no data entry.
func wantRefusal(t *testing.T, resp *http.Response, body string, status int, code string, words ...string) refusal {
	t.Helper()
	var r refusal
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatalf("%d %s: body is not JSON: %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	if resp.StatusCode != status || len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != code || r.Data != nil {
		t.Fatalf("got %d %s, want %d with code %s and no data", resp.StatusCode, body, status, code)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") && !strings.HasPrefix(ct, "application/graphql-response+json") {
		t.Errorf("Content-Type %q, want a JSON type", ct)
	}
	for _, w := range words {
		if !strings.Contains(r.Errors[0].Message, w) {
			t.Errorf("message %q lacks %q", r.Errors[0].Message, w)
		}
	}
	return r
}

// TestSuggestionsFollowIntrospection makes every kind of mistake a
// validator can suggest a correction for: with introspection on the
// errors suggest names of the schema; with it off they name nothing the
// client did not write, and are still the same validation errors.
func TestSuggestionsFollowIntrospection(t *testing.T) {
	tests := []struct {
		name, query, vars string
		error             string // in the message either way
		suggestion        string // with introspection on only; "" if none
	}{
		{"field", `{ item(id: "1") { nme } }`, ``, `Cannot query field "nme" on type "Item".`, `Did you mean "name"?`},
		{"argument", `{ item(id: "1", colour: RED) { name } }`, ``, `Unknown argument "colour" on field "Query.item".`, `Did you mean "color"?`},
		{"directive argument", `{ item(id: "1") @include(iff: true) { name } }`, ``, `Unknown argument "iff" on directive "@include".`, `Did you mean "if"?`},
		{"fragment type", `{ item(id: "1") { ...F } } fragment F on Iten { name }`, ``, `Unknown type "Iten".`, `Did you mean "Item"?`},
		{"enum value", `{ item(id: "1", color: REDD) { name } }`, ``, `Value "REDD" does not exist in "Color" enum.`, `Did you mean the enum value "RED"?`},
		{"string for an enum", `{ item(id: "1", color: "BLUE") { name } }`, ``, `Enum "Color" cannot represent non-enum value: "BLUE".`, `Did you mean the enum value "BLUE"?`},
		{"input field", `{ items(filter: {nam: "x"}) { name } }`, ``, `Field "nam" is not defined by type "Filter".`, `Did you mean "name"?`},
		{"selection", `{ item(id: "1") { details } }`, ``, `Field "details" of type "Details" must have a selection of subfields.`, `Did you mean "details { ... }"?`},
		{"enum variable", `query($c: Color) { item(id: "1", color: $c) { name } }`, `{"c": "REDD"}`,
			`Variable "$c" got invalid value "REDD"; Value "REDD" does not exist in "Color" enum.`, `Did you mean the enum value "RED"?`},
		{"input variable", `query($f: Filter) { items(filter: $f) { name } }`, `{"f": {"nam": "x"}}`,
			`Variable "$f" got invalid value { nam: "x" }; Field "nam" is not defined by type "Filter".`, `Did you mean "name"?`},
	}
	for _, introspection := range []bool{true, false} {
		g := itemsGateway(t, fmt.Sprintf("          introspection: %v\n", introspection))
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s/introspection=%v", tt.name, introspection), func(t *testing.T) {
				body := `{"query":` + mustJSON(t, tt.query)
				if tt.vars != "" {
					body += `,"variables":` + tt.vars
				}
				resp, raw := g.do(http.MethodPost, "application/json", body+"}")
				var r refusal
				if err := json.Unmarshal([]byte(raw), &r); err != nil || resp.StatusCode != 200 || len(r.Errors) == 0 || r.Data != nil {
					t.Fatalf("%d %s", resp.StatusCode, raw)
				}
				msg := r.Errors[0].Message
				if code := r.Errors[0].Extensions["code"]; code != "GRAPHQL_VALIDATION_FAILED" {
					t.Errorf("code %v", code)
				}
				if !strings.Contains(msg, tt.error) {
					t.Errorf("message %q, want %q", msg, tt.error)
				}
				suggests := strings.Contains(msg, "Did you mean")
				switch {
				case !introspection && suggests:
					t.Errorf("suggests with introspection off: %q", msg)
				case introspection && tt.suggestion != "" && !strings.Contains(msg, tt.suggestion):
					t.Errorf("message %q lacks the suggestion %q", msg, tt.suggestion)
				case introspection && tt.suggestion == "" && suggests:
					t.Errorf("unexpected suggestion: %q", msg)
				}
			})
		}
	}
}

// TestVariableLimits refuses requests over maxVariables and
// maxVariableValues before anything runs, naming the limit.
func TestVariableLimits(t *testing.T) {
	g := itemsGateway(t, "          limits: {maxVariables: 3, maxVariableValues: 6}\n")
	const q = `"query":"query($id: ID!, $ids: [ID!]) { item(id: $id) { name } items(ids: $ids) { id } }"`
	tests := []struct {
		name, vars, accept string
		status             int
		code               string
		words              []string
	}{
		{"at the limits", `{"id":"4","ids":["1","2","3"],"x":null}`, "", 200, "", nil},
		{"too many", `{"id":"4","ids":null,"x":1,"y":2}`, "", 400, "TOO_MANY_VARIABLES", []string{"more than 3 variables", "limits.maxVariables"}},
		{"too many values", `{"id":"4","ids":["1","2","3","4","5"]}`, "", 400, "VARIABLES_TOO_LARGE", []string{"more than 6 values", "limits.maxVariableValues"}},
		// Values the operation does not read count too.
		{"unused values", `{"id":"4","x":{"a":[1,2,3],"b":2}}`, "", 400, "VARIABLES_TOO_LARGE", []string{"more than 6 values"}},
		{"graphql-response+json", `{"id":"4","ids":["1","2","3","4","5"]}`, "application/graphql-response+json", 400, "VARIABLES_TOO_LARGE", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := g.do(http.MethodPost, "application/json", `{`+q+`,"variables":`+tt.vars+`}`, "Accept", tt.accept)
			if tt.status == 200 {
				if resp.StatusCode != 200 || !strings.Contains(body, `"item":{"name":"item 4"}`) || strings.Contains(body, `"errors"`) {
					t.Fatalf("%d %s", resp.StatusCode, body)
				}
				return
			}
			wantRefusal(t, resp, body, tt.status, tt.code, tt.words...)
			if tt.accept != "" && !strings.HasPrefix(resp.Header.Get("Content-Type"), tt.accept) {
				t.Errorf("Content-Type %q, want %s", resp.Header.Get("Content-Type"), tt.accept)
			}
		})
	}
	// GET variables are held to the same limits.
	resp, err := g.http.Client().Get(g.http.URL + "/graphql?" + url.Values{
		"query":     {`query($id: ID!) { item(id: $id) { name } }`},
		"variables": {`{"id":"4","a":1,"b":2,"c":3}`},
	}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	wantRefusal(t, resp, string(body), 400, "TOO_MANY_VARIABLES")
}

// TestDefaultVariableLimits refuses the 800 KB body of a 400,000-element
// variable under the default limits.
func TestDefaultVariableLimits(t *testing.T) {
	g := itemsGateway(t, "")
	resp, body := g.do(http.MethodPost, "application/json", string(unusedArrayBody(400_000)))
	wantRefusal(t, resp, body, 400, "VARIABLES_TOO_LARGE", "more than 10000 values")
}

// TestUnusedVariableIsNotBuilt raises the values limit so that the 800 KB
// body with a 400,000-element variable the operation does not declare is
// served, and checks that serving it does not build that variable: when
// every variable was built, one request made 800,000 allocations of 30 to
// 76 MB in all.
func TestUnusedVariableIsNotBuilt(t *testing.T) {
	g := itemsGateway(t, "          limits: {maxVariableValues: 1000000}\n")
	body := unusedArrayBody(400_000)
	serve := func() {
		if w := g.serve(http.MethodPost, "application/json", body); w.Code != 200 || w.Body.String() != `{"data":{"item":{"name":"item 7"}}}` {
			t.Fatalf("%d %s", w.Code, w.Body)
		}
	}
	serve() // fills the pools and caches
	allocs := testing.AllocsPerRun(5, serve)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	serve()
	runtime.ReadMemStats(&after)
	grew := after.TotalAlloc - before.TotalAlloc
	t.Logf("one request: %.0f allocations, %d bytes", allocs, grew)
	if allocs > 2000 {
		t.Errorf("one request made %.0f allocations", allocs)
	}
	// The body's buffer (800 KB) may be allocated anew if a collection
	// emptied its pool; the rest is the request's bookkeeping.
	if grew > 3<<20 {
		t.Errorf("one request allocated %d bytes", grew)
	}
}

// TestPersistedQueryVariables sends a persisted query's hash without its
// text: the variables are decoded once the text is known, the ones it
// names only.
func TestPersistedQueryVariables(t *testing.T) {
	g := itemsGateway(t, "")
	const q = `query($id: ID!) { item(id: $id) { name } }`
	sum := sha256.Sum256([]byte(q))
	ext := `"extensions":{"persistedQuery":{"version":1,"sha256Hash":"` + hex.EncodeToString(sum[:]) + `"}}`
	if _, body := g.do(http.MethodPost, "application/json", `{"query":`+mustJSON(t, q)+`,"variables":{"id":"1"},`+ext+`}`); body != `{"data":{"item":{"name":"item 1"}}}` {
		t.Fatalf("register: %s", body)
	}
	resp, body := g.do(http.MethodPost, "application/json", `{"variables":{"other":[1,2,3],"id":"9"},`+ext+`}`)
	if resp.StatusCode != 200 || body != `{"data":{"item":{"name":"item 9"}}}` {
		t.Fatalf("hash alone: %d %s", resp.StatusCode, body)
	}
	// A missing variable is still reported by name, at its definition.
	if _, body := g.do(http.MethodPost, "application/json", `{"variables":{"other":1},`+ext+`}`); !strings.Contains(body, `"message":"Variable \"$id\" of required type \"ID!\" was not provided.","locations":[{"line":1,"column":7}]`) {
		t.Fatalf("hash alone, no id: %s", body)
	}
}

// TestBatchRefused answers a JSON array of operations with a 400 that says
// batching is not supported.
func TestBatchRefused(t *testing.T) {
	g := itemsGateway(t, "")
	for _, accept := range []string{"", "application/graphql-response+json"} {
		resp, body := g.do(http.MethodPost, "application/json", `[{"query":"{ item(id: \"1\") { name } }"},{"query":"{ items { id } }"}]`, "Accept", accept)
		wantRefusal(t, resp, body, 400, "BATCHING_NOT_SUPPORTED", "batched operations are not supported", "one operation per request")
	}
}

// TestMethodsAndMediaTypes checks the statuses, headers and JSON bodies of
// requests the GraphQL endpoint does not serve, as the GraphQL-over-HTTP
// spec and HTTP ask.
func TestMethodsAndMediaTypes(t *testing.T) {
	g := itemsGateway(t, "")
	const query = `{"query":"{ item(id: \"1\") { name } }"}`
	for _, method := range []string{http.MethodPut, http.MethodPatch, http.MethodDelete} {
		resp, body := g.do(method, "application/json", query)
		wantRefusal(t, resp, body, 405, "METHOD_NOT_ALLOWED", "method "+method+" is not allowed")
		if allow := resp.Header.Get("Allow"); allow != "GET, POST, OPTIONS" {
			t.Errorf("%s: Allow %q", method, allow)
		}
	}
	for _, tt := range []struct{ contentType, words string }{
		{"", "no Content-Type"},
		{"application/x-www-form-urlencoded", "Content-Type application/x-www-form-urlencoded is not supported"},
		{"multipart/form-data; boundary=x", "Content-Type multipart/form-data is not supported"},
		{"text/plain;charset=UTF-8", "Content-Type text/plain is not supported"},
	} {
		resp, body := g.do(http.MethodPost, tt.contentType, query, "Accept", "application/graphql-response+json")
		wantRefusal(t, resp, body, 415, "UNSUPPORTED_MEDIA_TYPE", tt.words, "application/json")
		if got := resp.Header.Get("Accept-Post"); got != "application/json, application/graphql, application/graphql+json" {
			t.Errorf("%q: Accept-Post %q", tt.contentType, got)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/graphql-response+json; charset=utf-8" {
			t.Errorf("%q: Content-Type %q", tt.contentType, ct)
		}
	}
	// The media types served are served.
	for _, ct := range []string{"application/json", "application/json; charset=utf-8", "application/graphql+json"} {
		if resp, body := g.do(http.MethodPost, ct, query); resp.StatusCode != 200 || body != `{"data":{"item":{"name":"item 1"}}}` {
			t.Errorf("%s: %d %s", ct, resp.StatusCode, body)
		}
	}
	if resp, body := g.do(http.MethodPost, "application/graphql", `{ item(id: "2") { name } }`); resp.StatusCode != 200 || !strings.Contains(body, `"item 2"`) {
		t.Errorf("application/graphql: %d %s", resp.StatusCode, body)
	}
	// OPTIONS lists the methods; HEAD is not one of them.
	resp, body := g.do(http.MethodOptions, "", "")
	if resp.StatusCode != 204 || resp.Header.Get("Allow") != "GET, POST, OPTIONS" || body != "" {
		t.Errorf("OPTIONS: %d Allow %q %q", resp.StatusCode, resp.Header.Get("Allow"), body)
	}
	resp, _ = g.do(http.MethodHead, "", "")
	if resp.StatusCode != 405 || resp.Header.Get("Allow") != "GET, POST, OPTIONS" {
		t.Errorf("HEAD: %d Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
	}
	// A websocket handshake is refused in JSON too.
	resp, body = g.do(http.MethodGet, "", "", "Upgrade", "websocket", "Connection", "Upgrade")
	wantRefusal(t, resp, body, 400, "BAD_REQUEST", "Upgrade: websocket")
}

// TestPlaygroundWithoutIntrospection serves browsers a page that says why
// the playground is not there when introspection is off, and GraphiQL when
// it is on.
func TestPlaygroundWithoutIntrospection(t *testing.T) {
	for _, introspection := range []bool{false, true} {
		t.Run(fmt.Sprint("introspection=", introspection), func(t *testing.T) {
			g := itemsGateway(t, fmt.Sprintf("          introspection: %v\n", introspection))
			resp, page := g.do(http.MethodGet, "", "", "Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
			if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || resp.Header.Get("Content-Security-Policy") == "" {
				t.Fatalf("%d %s %q", resp.StatusCode, resp.Header.Get("Content-Type"), page)
			}
			scripts := strings.Count(page, "<script")
			notice := strings.Contains(page, "The GraphQL playground is not available here") &&
				strings.Contains(page, "does not allow introspection") && strings.Contains(page, "<code>/graphql</code>")
			if introspection && (scripts == 0 || notice) {
				t.Fatalf("introspection on: %d scripts, notice %v:\n%s", scripts, notice, page)
			}
			if !introspection && (scripts != 0 || !notice) {
				t.Fatalf("introspection off: %d scripts, notice %v:\n%s", scripts, notice, page)
			}
			// The page's stylesheets are served.
			for _, m := range regexp.MustCompile(`<link rel="stylesheet" href="([^"]+)">`).FindAllStringSubmatch(page, -1) {
				css, err := g.http.Client().Get(g.http.URL + m[1])
				if err != nil {
					t.Fatal(err)
				}
				css.Body.Close()
				if css.StatusCode != 200 {
					t.Errorf("%s: %d", m[1], css.StatusCode)
				}
			}
			// Programs still get the API.
			if resp, body := g.do(http.MethodGet, "", "", "Accept", "application/json"); resp.StatusCode != 200 || !strings.Contains(body, "no operation provided") {
				t.Errorf("GET for JSON: %d %s", resp.StatusCode, body)
			}
		})
	}
}
