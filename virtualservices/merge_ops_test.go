package virtualservices_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/weft-gateway/weft/virtualservices"
)

// slowGraphQL is a GraphQL server that answers { greeting } after a
// while, counting the calls it gets.
func slowGraphQL(t *testing.T, calls *atomic.Int64) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		calls.Add(1)
		time.Sleep(400 * time.Millisecond)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"data":{"greeting":"hello","setGreeting":"hi"}}`)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func mergeConfig(t *testing.T, url string, route bool) virtualservices.Config {
	t.Helper()
	dir := writeConfig(t, map[string]string{
		"weft.yaml": fmt.Sprintf(`apiVersion: weft.dev/v1
kind: Upstream
metadata: {name: g}
spec:
  mergeInFlight: false
  graphql:
    url: %s
    schema: {inline: "type Query { greeting: String } type Mutation { setGreeting: String }"}
---
apiVersion: weft.dev/v1
kind: VirtualService
metadata: {name: api}
spec:
  virtualHost:
    domains: ["*"]
    routes:
      - matchers: [{prefix: /graphql}]
        graphql:
          mergeInFlight: %t
          schema: {file: api.graphql}
`, url, route),
		"api.graphql": `type Query { greeting: String @graphql(upstream: "g") }
type Mutation { setGreeting: String @graphql(upstream: "g") }`,
	})
	return virtualservices.Config{FS: os.DirFS(dir), Dir: ".", DisplayRoot: dir}
}

// TestIdenticalOperationsInFlightRunOnce sends concurrent requests to a
// route and counts the upstream calls they make, with the upstream's own
// merging off: identical queries share one run and its answer; queries
// that differ in a header, mutations, or a route with merging off do not.
func TestIdenticalOperationsInFlightRunOnce(t *testing.T) {
	tests := []struct {
		name      string
		route     bool
		query     string
		header    func(i int) []string
		wantCalls int64
	}{
		{"identical queries", true, `{ greeting }`, func(int) []string { return nil }, 1},
		{"laid out otherwise", true, `{ greeting }`, func(i int) []string { return nil }, 1},
		{"a header apart", true, `{ greeting }`, func(i int) []string { return []string{"Authorization", fmt.Sprint("Bearer ", i%2)} }, 2},
		{"mutations", true, `mutation { setGreeting }`, func(int) []string { return nil }, 8},
		{"merging off", false, `{ greeting }`, func(int) []string { return nil }, 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int64
			up := slowGraphQL(t, &calls)
			g := startGateway(t, mergeConfig(t, up.URL, tt.route))
			var wg sync.WaitGroup
			answers := make([]*response, 8)
			for i := range answers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					q := tt.query
					if tt.name == "laid out otherwise" && i%2 == 1 {
						q = "{\n  greeting\n}"
					}
					answers[i] = g.query("", q, nil, tt.header(i)...)
				}()
			}
			wg.Wait()
			for i, a := range answers {
				if a.status != 200 || len(a.Errors) > 0 || a.Data == nil {
					t.Errorf("answer %d: %d %s", i, a.status, a.raw)
				}
			}
			if got := calls.Load(); got != tt.wantCalls {
				t.Errorf("upstream calls = %d, want %d", got, tt.wantCalls)
			}
		})
	}
}
