package fedbench_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/weft-gateway/weft/internal/fedbench"
	"github.com/weft-gateway/weft/internal/fedbench/fedbenchtest"
)

// TestSubgraphCounts: every request to the GraphQL endpoint counts,
// whatever its outcome; the stats endpoint and other paths do not, and
// ReadStats reads the count over HTTP.
func TestSubgraphCounts(t *testing.T) {
	subs, urls := fedbenchtest.ServeAll(t)
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	ctx := context.Background()

	url := urls["products"]
	fedbenchtest.Post(t, url, `{ topProducts { upc } }`, nil)
	fedbenchtest.Post(t, url, `{ nope }`, nil) // a validation error still counts
	resp, err := client.Get(url + "?query=%7B__typename%7D")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET: HTTP %d", resp.StatusCode)
	}
	resp, err = client.Get(strings.TrimSuffix(url, fedbench.GraphQLPath) + "/elsewhere")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /elsewhere: HTTP %d, want 404", resp.StatusCode)
	}
	for range 2 {
		st, err := fedbench.ReadStats(ctx, client, url)
		if err != nil || st.Requests != 3 {
			t.Errorf("ReadStats = %+v, %v; want 3 requests", st, err)
		}
	}
	if n := subs["products"].Requests(); n != 3 {
		t.Errorf("Requests() = %d, want 3", n)
	}
	for _, name := range []string{"accounts", "inventory", "reviews"} {
		if st, err := fedbench.ReadStats(ctx, client, urls[name]); err != nil || st.Requests != 0 {
			t.Errorf("%s: ReadStats = %+v, %v; want 0 requests", name, st, err)
		}
	}
}

func TestReadStatsErrors(t *testing.T) {
	notJSON := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("<html>")) }))
	defer notJSON.Close()
	missing := httptest.NewServer(http.NotFoundHandler())
	defer missing.Close()
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	tests := []struct {
		url  string
		want string
	}{
		{notJSON.URL + "/graphql", "subgraph stats from " + notJSON.URL + "/stats: invalid character"},
		{missing.URL + "/graphql", "subgraph stats from " + missing.URL + "/stats: HTTP 404"},
		{"http://127.0.0.1:1/graphql", "subgraph stats: Get"},
		{"://", "subgraph stats: parse"},
	}
	for _, tt := range tests {
		if _, err := fedbench.ReadStats(context.Background(), client, tt.url); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ReadStats(%q) error %v, want %q", tt.url, err, tt.want)
		}
	}
}
