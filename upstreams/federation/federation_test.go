package federation_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/weft-gateway/weft/internal/resource"
	"github.com/weft-gateway/weft/schema"
	"github.com/weft-gateway/weft/upstreams"
	"github.com/weft-gateway/weft/upstreams/federation"
	"github.com/weft-gateway/weft/upstreams/resilience"
)

func upstreamYAML(spec string) string {
	return "apiVersion: weft.dev/v1\nkind: Upstream\nmetadata:\n  name: shop\nspec:\n" + spec
}

func build(t testing.TB, doc string) (upstreams.Upstream, schema.UpstreamInfo, error) {
	t.Helper()
	docs, err := resource.LoadBytes("upstreams.yaml", []byte(doc), resource.Options{})
	if err != nil {
		t.Fatalf("LoadBytes: %v", err)
	}
	return federation.Build(context.Background(), &upstreams.Source{
		Doc: docs[0],
		ReadFile: func(name string) ([]byte, string, error) {
			p := filepath.Join("testdata", name)
			data, err := os.ReadFile(p)
			if err != nil {
				return nil, p, fmt.Errorf("cannot read %s: %w", p, err)
			}
			return data, p, nil
		},
		Log: zerolog.Nop(),
	})
}

func TestBuild(t *testing.T) {
	up, info, err := build(t, upstreamYAML("  supergraph:\n    file: two.graphql\n"))
	if err != nil {
		t.Fatal(err)
	}
	defer up.Close()
	if info.Kind != federation.KindName || info.Federation == nil || info.Federation.Upstream != "shop" || info.Version == "" {
		t.Fatalf("info = %+v", info)
	}
	sg := info.Federation.Supergraph
	if len(sg.Graphs) != 2 || sg.Graph("reviews").URL != "http://reviews.invalid/graphql" {
		t.Errorf("graphs = %+v", sg.Graphs)
	}
	if sg.API.Types["join__Graph"] != nil || sg.API.Types["Product"] == nil {
		t.Errorf("API schema keeps the join machinery or lost Product")
	}
}

func TestBuildErrors(t *testing.T) {
	tests := []struct {
		name, spec string
		want       []string
	}{
		{"no source", "  supergraph: {}\n", []string{"upstreams.yaml:6:15: spec.supergraph: set exactly one of file, inline or url"}},
		{"two sources", "  supergraph:\n    file: two.graphql\n    inline: \"type Query { a: Int }\"\n", []string{"spec.supergraph: set exactly one of file, inline or url"}},
		{"missing file", "  supergraph:\n    file: nope.graphql\n", []string{"spec.supergraph.file: cannot read", "nope.graphql"}},
		{"not a supergraph", "  supergraph:\n    inline: \"type Query { a: Int }\"\n", []string{"spec.supergraph: ", "not a Federation v2 supergraph"}},
		{"syntax", "  supergraph:\n    inline: \"type Query {\"\n", []string{"spec.supergraph: upstreams.yaml (supergraph shop):1:13: Expected Name, found <EOF>"}},
		{"unknown subgraph override", "  supergraph:\n    file: two.graphql\n    subgraphs:\n      billing: http://b/graphql\n", []string{`spec.supergraph.subgraphs.billing: the supergraph has no subgraph "billing"`}},
		{"bad subgraph URL", "  supergraph:\n    file: two.graphql\n    subgraphs:\n      reviews: ftp://r/graphql\n", []string{`subgraph reviews: "ftp://r/graphql" is not an http or https URL`}},
		{"unknown field", "  supergraph:\n    file: two.graphql\n    sdl: x\n", []string{`spec.supergraph.sdl: unknown field "sdl"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up, _, err := build(t, upstreamYAML(tt.spec))
			if err == nil {
				up.Close()
				t.Fatalf("Build succeeded, want %q", tt.want[0])
			}
			var re *resource.Error
			if !errors.As(err, &re) || re.Line == 0 {
				t.Errorf("error %v names no file:line", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error:\n%s\nwant it to contain %q", err, w)
				}
			}
		})
	}
}

// TestSubgraphCalls checks that each call goes to the subgraph its
// operation names, with the representations it carries, and that the
// supergraph can be read from a URL.
func TestSubgraphCalls(t *testing.T) {
	var mu sync.Mutex
	got := map[string][]string{}
	subgraph := func(name string) *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			mu.Lock()
			got[name] = append(got[name], string(b))
			mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"data":{"_entities":[{"rating":5}]}}`)
		}))
	}
	products, reviews := subgraph("products"), subgraph("reviews")
	defer products.Close()
	defer reviews.Close()
	sdl, err := os.ReadFile("testdata/two.graphql")
	if err != nil {
		t.Fatal(err)
	}
	served := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write(sdl)
	}))
	defer served.Close()
	up, _, err := build(t, upstreamYAML(fmt.Sprintf("  supergraph:\n    url: %s\n    subgraphs:\n      products: %s\n      reviews: %s\n", served.URL, products.URL, reviews.URL)))
	if err != nil {
		t.Fatal(err)
	}
	defer up.Close()
	op := &schema.GraphQLOperation{
		Document:        "query($__weft_representations:[_Any!]!){_entities(representations:$__weft_representations){...on Product{rating}}}",
		Subgraph:        "reviews",
		Representations: true,
	}
	op.Head = []byte(`{"query":"` + op.Document + `"`)
	c := &upstreams.Call{Operation: op, Representations: []byte(`[{"__typename":"Product","upc":"1"}]`)}
	if err := up.Prepare(c); err != nil {
		t.Fatal(err)
	}
	res, err := up.Do(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Release()
	if v := res.Value.Get("_entities", "0", "rating"); v == nil || v.GetInt() != 5 {
		t.Errorf("answer = %v", res.Value)
	}
	if len(got["products"]) != 0 || len(got["reviews"]) != 1 {
		t.Fatalf("calls = %v", got)
	}
	want := `"variables":{"__weft_representations":[{"__typename":"Product","upc":"1"}]}`
	if !strings.Contains(got["reviews"][0], want) {
		t.Errorf("body %s\nwant it to hold %s", got["reviews"][0], want)
	}

	c = &upstreams.Call{Operation: &schema.GraphQLOperation{Document: "{x}", Head: []byte(`{"query":"{x}"`), Subgraph: "billing"}}
	if err := up.Prepare(c); err == nil || !strings.Contains(err.Error(), `no subgraph "billing"`) {
		t.Errorf("Prepare to an unknown subgraph: %v", err)
	}
}

// subgraphServer is a subgraph that answers every call after wait, or
// with status 503 while failing is set, and keeps the headers of each call.
type subgraphServer struct {
	*httptest.Server
	wait    time.Duration
	mu      sync.Mutex
	failing int
	headers []http.Header
}

func startSubgraphServer(t *testing.T, wait time.Duration) *subgraphServer {
	s := &subgraphServer{wait: wait}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		s.mu.Lock()
		s.headers = append(s.headers, r.Header.Clone())
		fail := s.failing > 0
		if fail {
			s.failing--
		}
		s.mu.Unlock()
		if fail {
			http.Error(w, "down for a moment", http.StatusServiceUnavailable)
			return
		}
		select {
		case <-time.After(s.wait):
		case <-r.Context().Done():
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"data":{"x":1}}`)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *subgraphServer) calls() []http.Header {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.headers)
}

// call sends a query to subgraph name of up.
func call(up upstreams.Upstream, name string) error {
	op := &schema.GraphQLOperation{Document: "{x}", Head: []byte(`{"query":"{x}"`), Subgraph: name}
	c := &upstreams.Call{Operation: op}
	if err := up.Prepare(c); err != nil {
		return err
	}
	res, err := up.Do(context.Background(), c)
	res.Release()
	return err
}

// TestSubgraphSettings: a subgraph's block replaces the Upstream's
// transport options for it (URL, headers, timeout) and tunes its own
// resilience policy over the default one; each subgraph has a policy,
// and a breaker, of its own.
func TestSubgraphSettings(t *testing.T) {
	products, reviews := startSubgraphServer(t, 0), startSubgraphServer(t, time.Second)
	spec := fmt.Sprintf(`  timeout: 5s
  headers: {X-Team: shop}
  resilience:
    retries: {attempts: 2, backoff: {initial: 1ms}}
    circuitBreaker: {minRequests: 5}
  supergraph:
    file: two.graphql
    subgraphs:
      products:
        url: %s
        headers: {X-Subgraph: products}
        resilience: {circuitBreaker: null}
      reviews:
        url: %s
        timeout: 50ms
        resilience: null
        fallback: {stale: 1m, on: [UPSTREAM_TIMEOUT]}
`, products.URL, reviews.URL)
	up, info, err := build(t, upstreamYAML(spec))
	if err != nil {
		t.Fatal(err)
	}
	defer up.Close()
	parts := up.(interface{ Parts() []upstreams.Upstream }).Parts()
	if len(parts) != 2 || parts[0].Name() != "shop/products" || parts[1].Name() != "shop/reviews" {
		t.Fatalf("parts %v", parts)
	}
	p, ok := parts[0].(*resilience.Upstream)
	if !ok {
		t.Fatalf("products has no policy: %T", parts[0])
	}
	if _, ok := parts[1].(*resilience.Upstream); ok {
		t.Errorf("reviews has a policy after resilience: null")
	}

	// products: its own headers only; a 503 is retried (the default's
	// retries), and no breaker counts it.
	products.mu.Lock()
	products.failing = 1
	products.mu.Unlock()
	if err := call(up, "products"); err != nil {
		t.Fatalf("products: %v", err)
	}
	if st := p.Stats(); st.Retries != 1 || st.Circuit != "" {
		t.Errorf("products stats %+v, want one retry and no breaker", st)
	}
	for _, h := range products.calls() {
		if h.Get("X-Subgraph") != "products" || h.Get("X-Team") != "" {
			t.Errorf("products got headers %v, want its own only", h)
		}
	}

	// reviews: the Upstream's headers, and its own timeout.
	start := time.Now()
	err = call(up, "reviews")
	var ue *upstreams.Error
	if !errors.As(err, &ue) || ue.Code != upstreams.CodeTimeout || ue.Upstream != "shop/reviews" {
		t.Fatalf("reviews: %v, want UPSTREAM_TIMEOUT from shop/reviews", err)
	}
	if took := time.Since(start); took > 500*time.Millisecond {
		t.Errorf("reviews took %v; its timeout is 50ms", took)
	}
	if hs := reviews.calls(); len(hs) != 1 || hs[0].Get("X-Team") != "shop" {
		t.Errorf("reviews calls %v, want one with X-Team", hs)
	}
	fb := info.Federation.Fallbacks["reviews"]
	if fb == nil || fb.Stale != time.Minute || !fb.Triggers("UPSTREAM_TIMEOUT") || fb.Triggers("UPSTREAM_ERROR") || fb.Pos.Line != 22 {
		t.Errorf("reviews fallback %+v", fb)
	}
	if info.Federation.Fallbacks["products"] != nil {
		t.Errorf("products has a fallback")
	}

	// The default policy alone: a breaker each.
	up2, _, err := build(t, upstreamYAML("  resilience:\n    circuitBreaker: {}\n  supergraph:\n    file: two.graphql\n"))
	if err != nil {
		t.Fatal(err)
	}
	defer up2.Close()
	parts = up2.(interface{ Parts() []upstreams.Upstream }).Parts()
	a, aok := parts[0].(*resilience.Upstream)
	b, bok := parts[1].(*resilience.Upstream)
	if !aok || !bok || a == b || a.Stats().Circuit != "closed" || b.Stats().Circuit != "closed" {
		t.Errorf("parts %#v, want two policies with a breaker each", parts)
	}
}

func TestSubgraphSettingsErrors(t *testing.T) {
	const head = "  supergraph:\n    file: two.graphql\n    subgraphs:\n"
	tests := []struct {
		name, spec string
		want       string
	}{
		{"unknown setting", head + "      reviews:\n        timeot: 1s\n",
			`upstreams.yaml:10:9: spec.supergraph.subgraphs.reviews.timeot: unknown field "timeot"`},
		{"wrong type", head + "      reviews:\n        timeout: soon\n",
			`upstreams.yaml:10:18: spec.supergraph.subgraphs.reviews.timeout: expected a duration`},
		{"neither URL nor settings", head + "      reviews: [a]\n",
			`upstreams.yaml:9:16: spec.supergraph.subgraphs.reviews: expected a URL or a mapping of the subgraph's settings`},
		{"bad URL", head + "      reviews: {url: \"ftp://r/graphql\"}\n",
			`upstreams.yaml:9:22: spec.supergraph.subgraphs.reviews.url: subgraph reviews: "ftp://r/graphql" is not an http or https URL`},
		{"empty URL", head + "      reviews: {url: \"\"}\n",
			`upstreams.yaml:9:22: spec.supergraph.subgraphs.reviews.url: empty URL`},
		{"bad policy", head + "      reviews:\n        resilience: {retries: {attempts: 50}}\n",
			`upstreams.yaml:10:42: spec.supergraph.subgraphs.reviews.resilience.retries.attempts: 50 is not between 1 and 10`},
		{"fallback serves nothing", head + "      reviews:\n        fallback: {on: [UPSTREAM_ERROR]}\n",
			`upstreams.yaml:10:19: spec.supergraph.subgraphs.reviews.fallback: say what serves the fields`},
		{"fallback of itself", head + "      reviews:\n        fallback: {upstream: shop}\n",
			`upstreams.yaml:10:30: spec.supergraph.subgraphs.reviews.fallback.upstream: "shop" is this upstream`},
		{"fallback code", head + "      reviews:\n        fallback: {stale: 1m, on: [DOWN]}\n",
			`spec.supergraph.subgraphs.reviews.fallback.on[0]: "DOWN" is not a failure a fallback serves`},
		{"unknown subgraph", head + "      billing:\n        timeout: 1s\n",
			`upstreams.yaml:9:7: spec.supergraph.subgraphs.billing: the supergraph has no subgraph "billing"`},
		{"default policy", "  resilience:\n    hedging: {max: 2}\n" + head + "      reviews: http://r/graphql\n",
			`spec.resilience.hedging.after: missing required field "after"`},
		{"subgraph TLS", head + "      reviews:\n        tls: {caFile: nope.pem}\n",
			`spec.supergraph.subgraphs.reviews.tls`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up, _, err := build(t, upstreamYAML(tt.spec))
			if err == nil {
				up.Close()
				t.Fatalf("Build succeeded, want %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error:\n%s\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

// TestDocumentedSettings: the subgraph settings docs/config.md shows
// build.
func TestDocumentedSettings(t *testing.T) {
	up, info, err := build(t, upstreamYAML(`  timeout: 2s
  resilience: {circuitBreaker: {}, retries: {attempts: 2}}
  supergraph:
    file: two.graphql
    subgraphs:
      reviews: {timeout: 300ms, resilience: {retries: null}, fallback: {stale: 1m}}
      products: http://products.internal/graphql
`))
	if err != nil {
		t.Fatal(err)
	}
	defer up.Close()
	if fb := info.Federation.Fallbacks["reviews"]; fb == nil || fb.Stale != time.Minute {
		t.Errorf("reviews fallback %+v", fb)
	}
}
