package planner

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/weft-gateway/weft/upstreams/graphql"
	grpcup "github.com/weft-gateway/weft/upstreams/grpc"
	"github.com/weft-gateway/weft/upstreams/rest"
	"github.com/weft-gateway/weft/upstreams/rest/restbind"
	"github.com/weft-gateway/weft/upstreams/soap"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/weft-gateway/weft/schema"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func testSchema(t testing.TB) *schema.Schema {
	t.Helper()
	return testSchemaOf(t, false)
}

// testSchemaOf is testSchema with the catalog trusted or not.
func testSchemaOf(t testing.TB, trusted bool) *schema.Schema {
	t.Helper()
	up, err := os.ReadFile("testdata/upstream.graphql")
	if err != nil {
		t.Fatal(err)
	}
	upSchema, gerr := gqlparser.LoadSchema(&ast.Source{Name: "upstream.graphql", Input: string(up)})
	if gerr != nil {
		t.Fatal(gerr)
	}
	sdl, err := os.ReadFile("testdata/schema.graphql")
	if err != nil {
		t.Fatal(err)
	}
	s, err := schema.Build(schema.Source{File: "schema.graphql", Input: string(sdl)}, schema.Options{Binders: testBinders(), Upstreams: map[string]schema.UpstreamInfo{
		"catalog": {Name: "catalog", Kind: graphql.KindName, Schema: upSchema, Trusted: trusted},
		"reviews": {Name: "reviews", Kind: rest.KindName},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func plan(t testing.TB, s *schema.Schema, query string) *Plan {
	t.Helper()
	doc, errs := gqlparser.LoadQuery(s.AST, query)
	if errs != nil {
		t.Fatalf("query does not validate: %v", errs)
	}
	p, err := Build(context.Background(), s, doc, "", Options{})
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return p
}

// TestGoldenPlans plans every query in testdata/plans and compares the
// printed plan and the upstream operations with the .plan golden file.
func TestGoldenPlans(t *testing.T) {
	s := testSchema(t)
	files, _ := filepath.Glob("testdata/plans/*.graphql")
	if len(files) == 0 {
		t.Fatal("no plans in testdata/plans")
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			q, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			got := plan(t, s, string(q)).String()
			golden := strings.TrimSuffix(file, ".graphql") + ".plan"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				t.Fatalf("plan differs from %s (run go test -update after checking):\n--- got\n%s--- want\n%s", golden, got, want)
			}
		})
	}
}

func TestUpstreamOperationsValidate(t *testing.T) {
	// Every operation a plan sends to the GraphQL upstream must be valid
	// against the upstream's own schema.
	up, _ := os.ReadFile("testdata/upstream.graphql")
	upSchema, _ := gqlparser.LoadSchema(&ast.Source{Input: string(up)})
	s := testSchema(t)
	files, _ := filepath.Glob("testdata/plans/*.graphql")
	for _, file := range files {
		q, _ := os.ReadFile(file)
		p := plan(t, s, string(q))
		for _, f := range p.Fetches {
			if f.Operation == nil {
				continue
			}
			if _, errs := gqlparser.LoadQuery(upSchema, f.Operation.Document); errs != nil {
				t.Errorf("%s: fetch #%d operation %q is invalid upstream: %v", file, f.ID, f.Operation.Document, errs)
			}
		}
	}
}

func TestPlanShape(t *testing.T) {
	s := testSchema(t)
	p := plan(t, s, `{ products { name reviews { rating } } }`)
	if len(p.Fetches) != 2 {
		t.Fatalf("got %d fetches, want 2", len(p.Fetches))
	}
	reviews := p.Fetches[1]
	if reviews.Parent != p.Fetches[0] || reviews.At != "products[]" || len(reviews.Path) != 1 {
		t.Fatalf("reviews fetch = %+v", reviews)
	}
	if got := p.Fetches[0].Operation.Document; !strings.Contains(got, "upc") {
		t.Fatalf("catalog operation %q does not fetch the upc the reviews template reads", got)
	}
	if seq, ok := p.Tree.(*Sequence); !ok || len(seq.Nodes) != 2 {
		t.Fatalf("tree = %#v, want Sequence(catalog, reviews)", p.Tree)
	}
}

func TestLimitsCounts(t *testing.T) {
	s := testSchema(t)
	p := plan(t, s, `{ a: products { upc name reviews { rating } } media { ... on Book { title pages } ... on Movie { title } } }`)
	// products(1) + upc + name + reviews(1) + rating = 5; media(1) + the
	// larger concrete shape (Book: 2) = 3.
	if p.Complexity != 8 || p.Aliases != 1 || p.MaxDepth != 3 {
		t.Fatalf("complexity %d, aliases %d, depth %d; want 8, 1, 3", p.Complexity, p.Aliases, p.MaxDepth)
	}
}

func TestConditions(t *testing.T) {
	s := testSchema(t)
	p := plan(t, s, `query($a: Boolean!, $b: Boolean!) { product(upc: "1") { name @include(if: $a) name @skip(if: $b) upc @skip(if: true) price @include(if: false) weight @include(if: true) } }`)
	fields := p.Root.Fields[0].Sel.Fields
	if len(fields) != 2 || fields[0].Name != "name" || fields[1].Name != "weight" {
		t.Fatalf("fields = %v", fields)
	}
	name := fields[0].Conds
	for _, tt := range []struct {
		a, b bool
		want bool
	}{{true, true, true}, {false, false, true}, {false, true, false}} {
		if got := name.Holds(map[string]any{"a": tt.a, "b": tt.b}); got != tt.want {
			t.Errorf("a=%v b=%v: Holds = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
	if fields[1].Conds != nil {
		t.Errorf("@include(if: true) left a condition")
	}
}

func TestCache(t *testing.T) {
	s := testSchema(t)
	c, err := NewCache(s, 2, Options{})
	if err != nil {
		t.Fatal(err)
	}
	q := `{ products { name } }`
	doc, _ := gqlparser.LoadQuery(s.AST, q)
	p1, err := c.Plan(context.Background(), q, doc, "")
	if err != nil {
		t.Fatal(err)
	}
	p2, _ := c.Plan(context.Background(), q, doc, "")
	if p1 != p2 || c.Len() != 1 {
		t.Fatal("second Plan of the same query did not hit the cache")
	}
}

func BenchmarkPlanCacheHit(b *testing.B) {
	s := testSchema(b)
	c, _ := NewCache(s, 100, Options{})
	q := `{ products { upc name reviews { rating body product { name } } } }`
	doc, _ := gqlparser.LoadQuery(s.AST, q)
	if _, err := c.Plan(context.Background(), q, doc, ""); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Plan(context.Background(), q, doc, ""); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPlanMiss(b *testing.B) {
	s := testSchema(b)
	q := `{ products { upc name reviews { rating body product { name } } } }`
	doc, _ := gqlparser.LoadQuery(s.AST, q)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Build(context.Background(), s, doc, "", Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// testBinders are the binding directives of the gateway's kinds, as the
// gateway registers them.
func testBinders() []schema.Binder {
	return []schema.Binder{graphql.Binder{}, restbind.Binder{}, grpcup.Binder{}, soap.Binder{}}
}
