package virtualservices

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"

	"github.com/weft-gateway/weft/internal/jsonscan"
)

// readRequest reads r as the transport does before gqlgen takes over, and
// decodes every variable as the coercion decodes those an operation
// declares.
func readRequest(tr *httpTransport, r *http.Request, p *graphql.RawParams) *requestError {
	st, _ := tr.states.Get().(*requestState)
	if st == nil {
		st = &requestState{}
	}
	defer tr.release(st)
	if rerr := tr.readParams(r, p, st); rerr != nil {
		return rerr
	}
	if len(st.vars) == 0 {
		return nil
	}
	p.Variables = make(map[string]any, len(st.vars))
	for _, v := range st.vars {
		val, ok, err := st.variable(string(v.name))
		if !ok || err != nil {
			return badRequest("variable %s: %v", v.name, err)
		}
		p.Variables[string(v.name)] = anyOf(val)
	}
	return nil
}

func TestReadParams(t *testing.T) {
	tr := &httpTransport{limits: Limits{MaxVariables: 3, MaxVariableValues: 8}}
	const q = `query A($n: Float, $s: String, $l: [Boolean]) { a }`
	tests := []struct {
		method, body, query string
		status              int
		code                string
		wantQuery, wantOp   string
		wantVars            string
	}{
		{"POST", `{"query":"` + q + `","operationName":"A","variables":{"n":1.5,"s":"x","l":[true,null]}}`, "", 0, "", q, "A", "map[l:[true <nil>] n:1.5 s:x]"},
		{"POST", ` { "query" : "{ a }" , "variables" : null , "operationName" : null } `, "", 0, "", "{ a }", "", "map[]"},
		// Escapes in keys, strings and names are decoded.
		{"POST", `{"qu\u0065ry":"query(\n$\u00e9: Int, $s: String) { a(s: \"\\\"\") }","variables":{"s":"\ud83d\ude00 \t\/","\u00e9":1}}`, "", 0, "",
			"query(\n$\u00e9: Int, $s: String) { a(s: \"\\\"\") }", "", "map[s:\U0001f600 \t/ \u00e9:1]"},
		// Nested values are kept; of two entries with one name, the last.
		{"POST", `{"query":"query($a: Int) { f(a: $a) }","variables":{"a":1,"b":{"deep":[1,2]},"a":3}}`, "", 0, "", "query($a: Int) { f(a: $a) }", "", "map[a:3 b:map[deep:[1 2]]]"},
		// Unknown members are checked, then skipped.
		{"POST", `{"query":"{ a }","other":[{"x":[]},-1.5e+3,true,false,null]}`, "", 0, "", "{ a }", "", "map[]"},
		{"POST", `{"query":"{ a }","other":[1,]}`, "", 400, codeBadRequest, "", "", ""},
		{"POST", `{"query":"{ a }"`, "", 400, codeBadRequest, "", "", ""},
		{"POST", `{"query":"{ a }"} x`, "", 400, codeBadRequest, "", "", ""},
		{"POST", ``, "", 400, codeBadRequest, "", "", ""},
		{"POST", `"{ a }"`, "", 400, codeBadRequest, "", "", ""},
		{"POST", `nonsense`, "", 400, codeBadRequest, "", "", ""},
		{"POST", `[{"query":"{ a }"}]`, "", 400, codeBatching, "", "", ""},
		{"POST", `{"query":1}`, "", 400, codeBadRequest, "", "", ""},
		{"POST", `{"operationName":[]}`, "", 400, codeBadRequest, "", "", ""},
		{"POST", `{"query":"{ a }","variables":"x"}`, "", 400, codeBadRequest, "", "", ""},
		{"POST", `{"query":"{ a }","extensions":7}`, "", 400, codeBadRequest, "", "", ""},
		{"POST", `{"query":"{ a }","variables":{"a":1,"b":2,"c":3,"d":4}}`, "", 400, codeTooManyVariables, "", "", ""},
		// Values are counted whether the query names them or not.
		{"POST", `{"query":"{ a }","variables":{"a":[1,2,3],"b":{"c":[4,5]}}}`, "", 0, "", "{ a }", "", "map[a:[1 2 3] b:map[c:[4 5]]]"},
		{"POST", `{"query":"{ a }","variables":{"a":[1,2,3],"b":{"c":[4,5,6]}}}`, "", 400, codeVariablesTooLarge, "", "", ""},
		{"POST", `{"query":"{ a }","extensions":{"a":[1,2,3,4,5,6,7,8]}}`, "", 400, codeBadRequest, "", "", ""},
		{"GET", ``, "query=query(%24n%3AInt)%7B+a+%7D&variables=%7B%22n%22%3A2%7D", 0, "", "query($n:Int){ a }", "", "map[n:2]"},
		{"GET", ``, "query=x&variables=null&extensions=null", 0, "", "x", "", "map[]"},
		{"GET", ``, "query=x&variables=%5B1%5D", 400, codeBadRequest, "", "", ""},
		{"GET", ``, "query=x&variables=%7Bbad", 400, codeBadRequest, "", "", ""},
		{"GET", ``, "query=x&variables=%7B%7D%7B%7D", 400, codeBadRequest, "", "", ""},
		{"GET", ``, "query=x&variables=%7B%22a%22%3A1%2C%22b%22%3A2%2C%22c%22%3A3%2C%22d%22%3A4%7D", 400, codeTooManyVariables, "", "", ""},
	}
	for _, tt := range tests {
		r := httptest.NewRequest(tt.method, "/graphql?"+tt.query, strings.NewReader(tt.body))
		var p graphql.RawParams
		rerr := readRequest(tr, r, &p)
		if rerr != nil {
			if tt.status != rerr.status || tt.code != rerr.code {
				t.Errorf("%s %s%s: %d %s (%s), want %d %s", tt.method, tt.body, tt.query, rerr.status, rerr.code, rerr.message, tt.status, tt.code)
			}
			continue
		}
		if tt.status != 0 {
			t.Errorf("%s %s%s: accepted, want %d %s", tt.method, tt.body, tt.query, tt.status, tt.code)
			continue
		}
		vars := p.Variables
		if vars == nil {
			vars = map[string]any{}
		}
		if p.Query != tt.wantQuery || p.OperationName != tt.wantOp || fmtMap(vars) != tt.wantVars {
			t.Errorf("%s %s: got %q %q %s", tt.method, tt.body, p.Query, p.OperationName, fmtMap(vars))
		}
	}
	// JSON nested deeper than jsonscan.MaxDepth is refused, however many
	// values the limits allow; as deep as that is fine.
	deep := &httpTransport{limits: Limits{MaxVariables: 3, MaxVariableValues: 1000}}
	for depth, want := range map[int]string{jsonscan.MaxDepth: "", jsonscan.MaxDepth + 1: "nested too deep"} {
		body := `{"query":"query($a: Int) { a }","variables":{"a":` + strings.Repeat("[", depth) + strings.Repeat("]", depth) + `}}`
		rerr := readRequest(deep, httptest.NewRequest("POST", "/graphql", strings.NewReader(body)), &graphql.RawParams{})
		switch {
		case want == "" && rerr != nil:
			t.Errorf("depth %d: %s", depth, rerr.message)
		case want != "" && (rerr == nil || !strings.Contains(rerr.message, want)):
			t.Errorf("depth %d: %+v, want %q", depth, rerr, want)
		}
	}
	// A body over the limit is a 413 that names the limit.
	r := httptest.NewRequest("POST", "/graphql", strings.NewReader(`{"query":"`+strings.Repeat("x", 100)+`"}`))
	r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, 10)
	if rerr := readRequest(tr, r, &graphql.RawParams{}); rerr == nil || rerr.status != http.StatusRequestEntityTooLarge || !strings.Contains(rerr.message, "10 bytes") {
		t.Errorf("oversized body: %+v", rerr)
	}
}

func fmtMap(m map[string]any) string { return fmt.Sprint(m) }

func TestResponseMedia(t *testing.T) {
	for _, tt := range []struct {
		accept []string
		want   string
	}{
		{nil, mediaJSON},
		{[]string{"*/*"}, mediaJSON},
		{[]string{"application/graphql-response+json, application/json;q=0.9"}, mediaGraphQLResponse},
		{[]string{"application/json", "application/graphql-response+json"}, mediaGraphQLResponse},
		{[]string{"application/graphql-response+json;q=0"}, mediaJSON},
	} {
		if got := responseMedia(tt.accept); got != tt.want {
			t.Errorf("responseMedia(%q) = %s, want %s", tt.accept, got, tt.want)
		}
	}
}

// BenchmarkDecodeRequest reads a typical POST body with variables.
func BenchmarkDecodeRequest(b *testing.B) {
	tr := &httpTransport{limits: Limits{MaxVariables: 100, MaxVariableValues: 10000}}
	body := `{"query":"query Page($upc: ID!, $n: Int) { product(upc: $upc) { upc name price reviews { rating body } } top: topProducts(first: $n) { upc } }","operationName":"Page","variables":{"upc":"1","n":5}}`
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		r := httptest.NewRequest("POST", "/graphql", strings.NewReader(body))
		var p graphql.RawParams
		if rerr := readRequest(tr, r, &p); rerr != nil {
			b.Fatal(rerr.message)
		}
	}
}

// BenchmarkFlightKey is what merging identical queries costs a request
// that shares nothing: the key of a typical POST with variables and the
// headers a browser sends.
func BenchmarkFlightKey(b *testing.B) {
	tr := &httpTransport{limits: Limits{MaxVariables: 100, MaxVariableValues: 10000}}
	body := `{"query":"query Page($upc: ID!, $n: Int) { product(upc: $upc) { upc name price reviews { rating body } } top: topProducts(first: $n) { upc } }","operationName":"Page","variables":{"upc":"1","n":5}}`
	r := httptest.NewRequest("POST", "/graphql", strings.NewReader(body))
	for name, v := range map[string]string{
		"Accept": "application/graphql-response+json, application/json", "Accept-Encoding": "gzip, deflate, br",
		"Accept-Language": "en-GB,en;q=0.9", "Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.e30.abc",
		"Content-Type": "application/json", "Origin": "https://shop.example", "User-Agent": "Mozilla/5.0",
		"Connection": "keep-alive",
	} {
		r.Header.Set(name, v)
	}
	p := graphql.RawParams{Headers: r.Header}
	st := &requestState{}
	if rerr := tr.readParams(r, &p, st); rerr != nil {
		b.Fatal(rerr.message)
	}
	if len(st.vars) != 2 {
		b.Fatalf("read %d variables, want 2", len(st.vars))
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = flightKey(r, &p, st)
	}
}
