package fieldmerge_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql/introspection"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"
	"github.com/vektah/gqlparser/v2/validator/rules"

	"github.com/weft-gateway/weft/internal/fieldmerge"
)

// maxTokens is the gateway's default token limit for a document.
const maxTokens = 10_000

const shopSchema = `
type Query { products: [Product] }
type Product {
  name: String
  price: Int
  reviews: [Review]
  related: Product
}
type Review { rating: Int, body: String }
`

// hostile is a document that costs gqlparser's rule time quadratic in its
// size (or more), and the gateway accepts: each fits in maxTokens.
type hostile struct {
	name string
	doc  string
}

// repeatedName selects the same field n times: every pair is compared.
func repeatedName(n int) string {
	return "{ products { " + strings.Repeat("name ", n) + "} }"
}

// repeatedSubselection selects the same composite field n times: every
// pair is compared, and so are their subfields.
func repeatedSubselection(n int) string {
	return "{ products { " + strings.Repeat("reviews { rating } ", n) + "} }"
}

// distinctFragments spreads n fragments that each select the same field:
// every pair of fragments is compared.
func distinctFragments(n int) string {
	var b strings.Builder
	b.WriteString("{ products { ")
	for i := range n {
		fmt.Fprintf(&b, "...F%d ", i)
	}
	b.WriteString("} }\n")
	for i := range n {
		fmt.Fprintf(&b, "fragment F%d on Product { name }\n", i)
	}
	return b.String()
}

// doublingFragments nests depth fragments that each select the next twice
// under two aliases: expanded, the document has 2^depth fields.
func doublingFragments(depth int) string {
	var b strings.Builder
	b.WriteString("{ products { ...F0 } }\n")
	for i := range depth {
		fmt.Fprintf(&b, "fragment F%d on Product { a: related { ...F%d } b: related { ...F%d } }\n", i, i+1, i+1)
	}
	fmt.Fprintf(&b, "fragment F%d on Product { name }\n", depth)
	return b.String()
}

func hostileDocuments() []hostile {
	return []hostile{
		{"name_x3000", repeatedName(3000)},
		{"name_x9990", repeatedName(9990)},
		{"reviews_x1500", repeatedSubselection(1500)},
		{"reviews_x2495", repeatedSubselection(2495)},
		{"fragments_x700", distinctFragments(700)},
		{"fragments_x1100", distinctFragments(1100)},
		{"doubling_15", doublingFragments(15)},
		{"doubling_40", doublingFragments(40)},
	}
}

func loadShopSchema(tb testing.TB) *ast.Schema {
	tb.Helper()
	s, err := gqlparser.LoadSchema(&ast.Source{Name: "shop.graphql", Input: shopSchema})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// TestHostileDocumentsAreValid checks the benchmark documents are what they
// claim: within the token limit, valid by every default rule with this one
// swapped in, and valid by gqlparser's rule for the ones it can check in a
// moment.
func TestHostileDocumentsAreValid(t *testing.T) {
	schema := loadShopSchema(t)
	for _, h := range hostileDocuments() {
		t.Run(h.name, func(t *testing.T) {
			doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: h.doc}, maxTokens)
			if err != nil {
				t.Fatalf("over the token limit or not a document: %v", err)
			}
			if errs := validator.ValidateWithRules(schema, doc, fieldmerge.DefaultRules()); len(errs) > 0 {
				t.Fatalf("invalid: %v", errs)
			}
		})
	}
}

// BenchmarkRule compares gqlparser's OverlappingFieldsCanBeMerged with this
// rule, each alone, on the hostile documents, on documents whose merged
// field sets keep changing, and on the full introspection query.
// gqlparser's rule takes seconds per document on the larger hostile ones.
func BenchmarkRule(b *testing.B) {
	shop := loadShopSchema(b)
	cases := hostileDocuments()
	cases = append(cases,
		// Checked in full by this rule (4 096 field sets)...
		hostile{"branching_12_6", branchingFragments(12, 6)},
		// ...and rejected once it takes MaxSteps.
		hostile{"branching_40_20", branchingFragments(40, 20)},
		hostile{"introspection", introspection.Query},
	)
	for _, h := range cases {
		schema := shop
		if h.name == "introspection" {
			schema = gqlparser.MustLoadSchema(&ast.Source{Input: "type Query { a: Int }"})
		}
		doc, err := parser.ParseQuery(&ast.Source{Input: h.doc})
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range []struct {
			name string
			rule rules.Rules
		}{{"gqlparser", theirs()}, {"fieldmerge", ours()}} {
			b.Run(h.name+"/"+r.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					// The walker annotates the document afresh on every
					// run, so reusing it measures what a request pays.
					validator.ValidateWithRules(schema, doc, &r.rule)
				}
			})
		}
	}
}
