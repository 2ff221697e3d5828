// Package fedbenchtest runs the federation benchmark's subgraphs on
// httptest servers and talks GraphQL to them, for tests.
package fedbenchtest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/weft-gateway/weft/internal/fedbench"
	"github.com/weft-gateway/weft/internal/fedbench/accounts"
	"github.com/weft-gateway/weft/internal/fedbench/inventory"
	"github.com/weft-gateway/weft/internal/fedbench/products"
	"github.com/weft-gateway/weft/internal/fedbench/reviews"
)

// Serve runs s on an httptest server, closed when the test ends, and
// returns its GraphQL URL.
func Serve(t testing.TB, s *fedbench.Subgraph) string {
	t.Helper()
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return srv.URL + fedbench.GraphQLPath
}

// Subgraphs builds the four subgraphs over one NewData, keyed by name.
func Subgraphs() map[string]*fedbench.Subgraph {
	d := fedbench.NewData()
	out := map[string]*fedbench.Subgraph{}
	for _, s := range []*fedbench.Subgraph{accounts.NewHandler(d), inventory.NewHandler(d), products.NewHandler(d), reviews.NewHandler(d)} {
		out[s.Name()] = s
	}
	return out
}

// ServeAll runs the four subgraphs on httptest servers and returns them
// and their GraphQL URLs, keyed by name: the urls that fedbench.Supergraph
// takes.
func ServeAll(t testing.TB) (map[string]*fedbench.Subgraph, map[string]string) {
	t.Helper()
	subs := Subgraphs()
	urls := map[string]string{}
	for name, s := range subs {
		urls[name] = Serve(t, s)
	}
	return subs, urls
}

// Answer is an HTTP answer to a GraphQL request.
type Answer struct {
	Status      int
	ContentType string
	Body        []byte
}

// Post sends {"query", "variables"} to url on a client of its own, closed
// afterwards, and returns the answer.
func Post(t testing.TB, url, query string, vars map[string]any) Answer {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Transport: &http.Transport{}}
	defer c.CloseIdleConnections()
	resp, err := c.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return Answer{Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Body: out}
}

// EntitiesQuery asks _entities for the representations in $r, with
// selection as the selection set of each.
func EntitiesQuery(selection string) string {
	return `query($r: [_Any!]!) { _entities(representations: $r) { ` + selection + ` } }`
}

// Representations decodes a JSON array of representations, for the $r of
// EntitiesQuery.
func Representations(t testing.TB, reps string) []any {
	t.Helper()
	var out []any
	if err := json.Unmarshal([]byte(reps), &out); err != nil {
		t.Fatalf("representations %s: %v", reps, err)
	}
	return out
}

// SameJSON reports whether got and want are the same JSON, key order and
// spacing free.
func SameJSON(t testing.TB, got []byte, want string) bool {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("not JSON: %v: %s", err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want is not JSON: %v: %s", err, want)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	return bytes.Equal(gb, wb)
}

// ServiceSDL asks the subgraph at url for _service { sdl }, failing the
// test on anything but an HTTP 200 JSON answer without errors.
func ServiceSDL(t testing.TB, url string) string {
	t.Helper()
	a := Post(t, url, `{ _service { sdl } }`, nil)
	var r struct {
		Data struct {
			Service struct {
				SDL string `json:"sdl"`
			} `json:"_service"`
		} `json:"data"`
		Errors []json.RawMessage `json:"errors"`
	}
	if err := json.Unmarshal(a.Body, &r); err != nil || a.Status != http.StatusOK || a.ContentType != "application/json" || len(r.Errors) > 0 {
		t.Fatalf("_service: HTTP %d, Content-Type %q, %v: %s", a.Status, a.ContentType, err, a.Body)
	}
	return r.Data.Service.SDL
}
