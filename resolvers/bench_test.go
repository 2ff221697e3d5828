package resolvers

import (
	"context"
	"fmt"
	"strings"
	"testing"

	upgraphql "github.com/weft-gateway/weft/upstreams/graphql"

	"github.com/valyala/fastjson"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/weft-gateway/weft/planner"
	"github.com/weft-gateway/weft/schema"
	"github.com/weft-gateway/weft/upstreams"
	"github.com/weft-gateway/weft/upstreams/rest"
)

const benchUpstream = `type Query { products: [Product!]! }
type Product { upc: ID! name: String! price: Int! weight: Int }`

const benchSchema = `type Query { products: [Product!]! @graphql(upstream: "catalog") }
type Product { upc: ID! name: String! price: Int! weight: Int
  reviews: [Review!] @rest(upstream: "reviews", path: "/products/{parent.upc}/reviews") }
type Review { rating: Int! body: String! }`

// benchPlan builds the schema and plans query over it.
func benchPlan(b *testing.B, query string) (*Executable, *planner.Plan) {
	b.Helper()
	return benchPlanOf(b, query, false)
}

// benchPlanOf is benchPlan with the catalog trusted or not.
func benchPlanOf(b *testing.B, query string, trusted bool) (*Executable, *planner.Plan) {
	b.Helper()
	up, err := gqlparser.LoadSchema(&ast.Source{Input: benchUpstream})
	if err != nil {
		b.Fatal(err)
	}
	s, err := schema.Build(schema.Source{File: "bench.graphql", Input: benchSchema}, schema.Options{Binders: testBinders(), Upstreams: map[string]schema.UpstreamInfo{
		"catalog": {Name: "catalog", Kind: upgraphql.KindName, Schema: up, Trusted: trusted},
		"reviews": {Name: "reviews", Kind: rest.KindName},
	}})
	if err != nil {
		b.Fatal(err)
	}
	e, err := New(s, Options{})
	if err != nil {
		b.Fatal(err)
	}
	doc, gerr := gqlparser.LoadQuery(s.AST, query)
	if gerr != nil {
		b.Fatal(gerr)
	}
	p, err := planner.Build(context.Background(), s, doc, "", planner.Options{})
	if err != nil {
		b.Fatal(err)
	}
	return e, p
}

// catalogAnswer is a GraphQL upstream's data for n products, about 200
// bytes of JSON each.
func catalogAnswer(n int) []byte {
	var sb strings.Builder
	sb.WriteString(`{"products":[`)
	for i := range n {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"upc":"%d","name":"Product number %d with a \"quoted\" name and some words","price":%d,"weight":%d}`, i+1, i+1, 1000+i, 100+i)
	}
	sb.WriteString(`]}`)
	return []byte(sb.String())
}

// BenchmarkRender writes the response of 400 products (about 80 KB) from
// a merged value tree: the response-writing half of the data path.
func BenchmarkRender(b *testing.B) {
	e, p := benchPlan(b, `{ products { upc name price weight } }`)
	var parser fastjson.Parser
	data, err := parser.ParseBytes(catalogAnswer(400))
	if err != nil {
		b.Fatal(err)
	}
	f := p.Fetches[0]
	buf := make([]byte, 0, 128<<10)
	b.ReportAllocs()
	for b.Loop() {
		r := newParts(e, p, nil)
		r.l.store(f, &job{res: upstreams.NewResult(data, 200, nil), parents: []*fastjson.Value{r.t.root}})
		buf = r.r.render(buf[:0])
		r.t.release()
	}
	b.SetBytes(int64(len(buf)))
}

// BenchmarkMerge stores one REST answer into each of 400 products: the
// merging half of a fan-out.
func BenchmarkMerge(b *testing.B) {
	e, p := benchPlan(b, `{ products { upc reviews { rating body } } }`)
	var catalog, reviews fastjson.Parser
	data, _ := catalog.ParseBytes(catalogAnswer(400))
	answer, _ := reviews.Parse(`[{"rating":5,"body":"Great"},{"rating":3,"body":"Fine"}]`)
	root, fan := p.Fetches[0], p.Fetches[1]
	b.ReportAllocs()
	for b.Loop() {
		r := newParts(e, p, nil)
		r.l.store(root, &job{res: upstreams.NewResult(data, 200, nil), parents: []*fastjson.Value{r.t.root}})
		parents := r.l.parents(fan)
		r.l.store(fan, &job{res: upstreams.NewResult(answer, 200, nil), parents: parents})
		r.t.release()
	}
}

// BenchmarkParseAnswer is the parse the tree path pays before BenchmarkRender.
func BenchmarkParseAnswer(b *testing.B) {
	answer := catalogAnswer(400)
	var p fastjson.Parser
	b.SetBytes(int64(len(answer)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.ParseBytes(answer); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkArguments evaluates a REST field's arguments, a literal and a
// variable, as every fetch that reads them does.
func BenchmarkArguments(b *testing.B) {
	s := argsSchemaBuild(b, schema.UpstreamInfo{Name: "api", Kind: rest.KindName})
	doc, gerr := gqlparser.LoadQuery(s.AST, `query($id: Int64!) { f(i64: $id, i: 10, s: "name") }`)
	if gerr != nil {
		b.Fatal(gerr)
	}
	field := doc.Operations[0].SelectionSet[0].(*ast.Field)
	vars, msg := coercedVars(b, s.AST, doc.Operations[0], `{"id": 9007199254740993}`)
	if msg != "" {
		b.Fatal(msg)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := arguments(s.AST, field, vars); err != nil {
			b.Fatal(err)
		}
	}
}
