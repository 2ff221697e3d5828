package playground_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/99designs/gqlgen/codegen/testserver/benchmark"
	"github.com/99designs/gqlgen/codegen/testserver/benchmark/generated"
	"github.com/99designs/gqlgen/codegen/testserver/benchmark/generated/models"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/weft-gateway/weft/internal/browsertest"
	"github.com/weft-gateway/weft/virtualservices/playground"
)

// people is the data behind the test API's users field.
var people = []models.User{
	{FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.org"},
	{FirstName: "Alan", LastName: "Turing", Email: "alan@example.org"},
	{FirstName: "Grace", LastName: "Hopper", Email: "grace@example.org"},
}

// newAPI returns a real GraphQL server, gqlgen's generated benchmark test
// schema, whose users field returns the people whose first name starts with
// the query argument. Its generated code answers introspection, which
// GraphiQL sends first.
func newAPI() http.Handler {
	var resolvers benchmark.Stub
	resolvers.QueryResolver.Users = func(_ context.Context, query *string, first, _ *int, _, _ *string, _ models.UserOrderBy) (*models.UserConnection, error) {
		conn := &models.UserConnection{PageInfo: &models.PageInfo{}}
		for i := range people {
			p := &people[i]
			if query != nil && !strings.HasPrefix(strings.ToLower(p.FirstName), strings.ToLower(*query)) {
				continue
			}
			if first != nil && len(conn.Edges) == *first {
				conn.PageInfo.HasNextPage = true
				break
			}
			conn.Edges = append(conn.Edges, &models.UserEdge{Cursor: p.Email, Node: p})
		}
		conn.TotalCount = len(conn.Edges)
		return conn, nil
	}
	srv := handler.New(generated.NewExecutableSchema(generated.Config{Resolvers: &resolvers}))
	srv.AddTransport(transport.POST{})
	srv.AddTransport(transport.GET{})
	srv.Use(extension.Introspection{})
	return srv
}

// graphQLRequest is the body of a GraphQL POST, as the endpoint received it.
type graphQLRequest struct {
	Query         string         `json:"query"`
	OperationName string         `json:"operationName"`
	Variables     map[string]any `json:"variables"`
}

// requestLog keeps the bodies of the GraphQL POSTs that reached the endpoint.
type requestLog struct {
	mu   sync.Mutex
	reqs []graphQLRequest
}

func (l *requestLog) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			body, err := io.ReadAll(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			var req graphQLRequest
			if err := json.Unmarshal(body, &req); err == nil {
				l.mu.Lock()
				l.reqs = append(l.reqs, req)
				l.mu.Unlock()
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		next.ServeHTTP(w, r)
	})
}

func (l *requestLog) all() []graphQLRequest {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.reqs)
}

// TestBrowserRunsPrefilledQuery opens the playground as a person would, from
// a link with ?query=, ?variables= and ?operationName=, looks at the schema,
// opens a dialog, runs the query with the run button and reads the result.
func TestBrowserRunsPrefilledQuery(t *testing.T) {
	ctx := browsertest.New(t)

	const apiPath = "/graphql"
	page := playground.Handler(playground.Options{Title: "Test API", Endpoint: apiPath})
	var log requestLog
	api := log.wrap(newAPI())
	mux := http.NewServeMux()
	mux.Handle(playground.DefaultAssetsPath, page)
	mux.HandleFunc(apiPath, func(w http.ResponseWriter, r *http.Request) {
		if playground.Wants(r) {
			page.ServeHTTP(w, r)
			return
		}
		api.ServeHTTP(w, r)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	// Two operations: only a prefilled operationName lets the run button
	// run one without asking which.
	const query = `query FindUsers($prefix: String) {
  users(query: $prefix, first: 5) {
    totalCount
    edges { node { firstName lastName } }
  }
}

query CountUsers { users { totalCount } }`
	const variables = `{"prefix": "a"}`
	pageURL := srv.URL + apiPath + "?" + url.Values{
		"query":         {query},
		"variables":     {variables},
		"operationName": {"FindUsers"},
	}.Encode()
	if err := chromedp.Do(ctx,
		chromedp.Navigate(pageURL),
		chromedp.WaitVisible(chromedp.CSS(".graphiql-query-editor .CodeMirror")),
	); err != nil {
		t.Fatalf("loading the playground: %v", err)
	}

	if title, err := chromedp.Run(ctx, chromedp.Title()); err != nil || title != "Test API" {
		t.Errorf("title = %q, %v; want %q", title, err, "Test API")
	}
	for _, ed := range []struct{ selector, want string }{
		{".graphiql-query-editor .CodeMirror", query},
		{".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror", variables},
	} {
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](
			`document.querySelector(`+strconv.Quote(ed.selector)+`).CodeMirror.getValue()`))
		if err != nil {
			t.Fatalf("reading editor %s: %v", ed.selector, err)
		}
		if got != ed.want {
			t.Errorf("editor %s holds %q, want the prefilled %q", ed.selector, got, ed.want)
		}
	}

	// The documentation explorer shows the root type only once GraphiQL
	// has read the schema from the endpoint's introspection answer.
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`button[aria-label="Show Documentation Explorer"]`)),
	); err != nil {
		t.Fatalf("opening the documentation explorer: %v", err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](
		`!!document.querySelector('.graphiql-doc-explorer a.graphiql-doc-explorer-type-name')`,
		chromedp.WithPollingTimeout(20*time.Second),
	)); err != nil {
		t.Fatalf("the documentation explorer shows no schema: %v", err)
	}

	// A dialog makes GraphiQL insert its scroll-lock style; the CSP must
	// allow it (checked below with the console errors).
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`button[aria-label="Open settings dialog"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[role="dialog"]`)),
		chromedp.KeyEvent(kb.Escape),
		chromedp.WaitNotPresent(chromedp.CSS(`[role="dialog"]`)),
	); err != nil {
		t.Fatalf("opening and closing the settings dialog: %v", err)
	}

	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(".graphiql-execute-button"))); err != nil {
		t.Fatalf("clicking the run button: %v", err)
	}
	result, err := chromedp.Run(ctx, chromedp.Poll[string](
		`(() => {
			const cm = document.querySelector('.result-window .CodeMirror');
			const v = cm && cm.CodeMirror.getValue();
			return v && v.includes('"data"') ? v : null;
		})()`,
		chromedp.WithPollingTimeout(20*time.Second),
	))
	if err != nil {
		t.Fatalf("waiting for the result pane: %v", err)
	}
	var got struct {
		Data struct {
			Users struct {
				TotalCount int
				Edges      []struct{ Node models.User }
			}
		}
		Errors []any
	}
	if err := json.Unmarshal([]byte(result), &got); err != nil {
		t.Fatalf("result pane is not a GraphQL response: %v\n%s", err, result)
	}
	var names []string
	for _, e := range got.Data.Users.Edges {
		names = append(names, e.Node.FirstName+" "+e.Node.LastName)
	}
	if want := []string{"Ada Lovelace", "Alan Turing"}; !slices.Equal(names, want) || got.Data.Users.TotalCount != 2 || got.Errors != nil {
		t.Errorf("result pane shows users %q (total %d, errors %v), want %q", names, got.Data.Users.TotalCount, got.Errors, want)
	}

	sent := log.all()
	if !slices.ContainsFunc(sent, func(r graphQLRequest) bool { return strings.Contains(r.Query, "__schema") }) {
		t.Errorf("GraphiQL sent no introspection query to %s; it sent %+v", apiPath, sent)
	}
	if !slices.ContainsFunc(sent, func(r graphQLRequest) bool {
		return r.Query == query && r.OperationName == "FindUsers" && r.Variables["prefix"] == "a"
	}) {
		t.Errorf("the endpoint never received the prefilled operation; it received %+v", sent)
	}

	rec := browsertest.Recording(ctx)
	rec.AssertClean(t)
	// The page, its six assets, introspection and the query: with fewer,
	// the recorder missed requests and the locality check proves nothing.
	if reqs := rec.Requests(); len(reqs) < 9 {
		t.Errorf("recorded only %d requests: %q", len(reqs), reqs)
	}
}
