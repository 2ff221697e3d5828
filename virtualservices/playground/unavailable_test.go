package playground_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/weft-gateway/weft/virtualservices/playground"
)

// TestPageUnavailable serves the notice that says why the playground cannot
// work: the reason escaped, the endpoint, the page's own stylesheet, no
// script, under the same headers as the playground.
func TestPageUnavailable(t *testing.T) {
	srv := newServer(t, playground.Options{Title: "Shop", Unavailable: `No <introspection> here.`})
	resp, body := get(t, srv, http.MethodGet, "/api/graphql", http.Header{"Accept": {"text/html"}})
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Security-Policy") != playground.ContentSecurityPolicy ||
		resp.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("%d %v", resp.StatusCode, resp.Header)
	}
	page := string(body)
	for _, want := range []string{
		`<title>Shop</title>`,
		`The GraphQL playground is not available here`,
		`<p>No &lt;introspection&gt; here.</p>`,
		`<code>/api/graphql</code>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s:\n%s", want, page)
		}
	}
	if strings.Contains(page, "<script") || strings.Contains(page, "graphiql") {
		t.Errorf("page loads GraphiQL:\n%s", page)
	}
	sheets := styleHref.FindAllStringSubmatch(page, -1)
	if len(sheets) != 1 {
		t.Fatalf("page links %d stylesheets, want playground.css alone:\n%s", len(sheets), page)
	}
	resp, css := get(t, srv, http.MethodGet, sheets[0][1], nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(css), ".unavailable") {
		t.Errorf("%s: %d, %d bytes", sheets[0][1], resp.StatusCode, len(css))
	}
}
