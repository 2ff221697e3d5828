package virtualservices_test

import (
	"encoding/json"
	"net/url"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/weft-gateway/weft/internal/browsertest"
)

// TestPlaygroundRunsAQuery opens the demo's playground in Chromium, lets
// GraphiQL introspect the gateway, runs a query across both upstreams and
// reads the answer from the result pane.
func TestPlaygroundRunsAQuery(t *testing.T) {
	ctx := browsertest.New(t)
	rec := browsertest.Recording(ctx)
	g := startDemo(t)
	query := `{ product(upc: "1") { name reviews { rating } } }`
	page := g.http.URL + "/graphql?" + url.Values{"query": {query}}.Encode()
	if err := chromedp.Do(ctx,
		chromedp.Navigate(page),
		chromedp.WaitVisible(chromedp.CSS(".graphiql-query-editor .CodeMirror")),
	); err != nil {
		t.Fatalf("loading the playground: %v", err)
	}
	if title, err := chromedp.Run(ctx, chromedp.Title()); err != nil || title != "shop · Weft" {
		t.Errorf("title = %q, %v", title, err)
	}
	// The documentation explorer lists the schema once introspection worked.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`button[aria-label="Show Documentation Explorer"]`))); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](
		`!!document.querySelector('.graphiql-doc-explorer a.graphiql-doc-explorer-type-name')`,
		chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Fatalf("the documentation explorer shows no schema: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(".graphiql-execute-button"))); err != nil {
		t.Fatalf("clicking run: %v", err)
	}
	result, err := chromedp.Run(ctx, chromedp.Poll[string](
		`(() => {
			const cm = document.querySelector('.result-window .CodeMirror');
			const v = cm && cm.CodeMirror.getValue();
			return v && v.includes('"data"') ? v : null;
		})()`,
		chromedp.WithPollingTimeout(20*time.Second)))
	if err != nil {
		t.Fatalf("waiting for the result: %v", err)
	}
	var got struct {
		Data   any
		Errors []any
	}
	if err := json.Unmarshal([]byte(result), &got); err != nil {
		t.Fatalf("result pane holds %q: %v", result, err)
	}
	if len(got.Errors) > 0 {
		t.Fatalf("errors: %s", result)
	}
	equalJSON(t, got.Data, `{"product":{"name":"Table","reviews":[{"rating":5},{"rating":4}]}}`)
	rec.AssertClean(t)
}
