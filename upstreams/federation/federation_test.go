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
	"strings"
	"sync"
	"testing"

	"github.com/rs/zerolog"

	"github.com/weft-gateway/weft/internal/resource"
	"github.com/weft-gateway/weft/schema"
	"github.com/weft-gateway/weft/upstreams"
	"github.com/weft-gateway/weft/upstreams/federation"
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
