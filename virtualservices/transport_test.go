package virtualservices

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
)

func TestReadParams(t *testing.T) {
	tr := &httpTransport{}
	tests := []struct {
		method, body, query string
		status              int
		wantQuery, wantOp   string
		wantVars            string
	}{
		{"POST", `{"query":"{ a }","operationName":"A","variables":{"n":1.5,"s":"x","l":[true,null]}}`, "", 0, "{ a }", "A", "map[l:[true <nil>] n:1.5 s:x]"},
		{"POST", `{"query":"{ a }","variables":null,"operationName":null}`, "", 0, "{ a }", "", "map[]"},
		{"POST", `{"query":"{ a }"`, "", 400, "", "", ""},
		{"POST", `"{ a }"`, "", 400, "", "", ""},
		{"POST", `{"query":1}`, "", 400, "", "", ""},
		{"POST", `{"query":"{ a }","variables":"x"}`, "", 400, "", "", ""},
		{"GET", ``, "query=%7B+a+%7D&variables=%7B%22n%22%3A2%7D", 0, "{ a }", "", "map[n:2]"},
		{"GET", ``, "query=x&variables=%5B1%5D", 400, "", "", ""},
		{"GET", ``, "query=x&variables=%7Bbad", 400, "", "", ""},
	}
	for _, tt := range tests {
		r := httptest.NewRequest(tt.method, "/graphql?"+tt.query, strings.NewReader(tt.body))
		var p graphql.RawParams
		status, msg := tr.readParams(r, &p)
		if status != tt.status {
			t.Errorf("%s %s: status %d (%s), want %d", tt.method, tt.body+tt.query, status, msg, tt.status)
			continue
		}
		if status != 0 {
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
	// A body over the limit is a 413.
	r := httptest.NewRequest("POST", "/graphql", strings.NewReader(`{"query":"`+strings.Repeat("x", 100)+`"}`))
	r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, 10)
	if status, _ := tr.readParams(r, &graphql.RawParams{}); status != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized body: status %d", status)
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
	tr := &httpTransport{}
	body := `{"query":"query Page($upc: ID!, $n: Int) { product(upc: $upc) { upc name price reviews { rating body } } top: topProducts(first: $n) { upc } }","operationName":"Page","variables":{"upc":"1","n":5}}`
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		r := httptest.NewRequest("POST", "/graphql", strings.NewReader(body))
		var p graphql.RawParams
		if status, msg := tr.readParams(r, &p); status != 0 {
			b.Fatal(msg)
		}
	}
}
