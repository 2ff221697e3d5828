package planner

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// chain writes n fragments F0..F(n-1), each selecting body(i) with the
// next fragment's name substituted for NEXT, and a last one selecting last.
func chain(root, typeName string, n int, body func(i int) string, last string) string {
	var b strings.Builder
	b.WriteString(root + "\n")
	for i := range n {
		fmt.Fprintf(&b, "fragment F%d on %s { %s }\n", i, typeName, strings.ReplaceAll(body(i), "NEXT", fmt.Sprintf("F%d", i+1)))
	}
	fmt.Fprintf(&b, "fragment F%d on %s { %s }\n", n, typeName, last)
	return b.String()
}

// shape prints the response shape of a selection: response keys, per
// concrete type for abstract ones, with their conditions.
func shape(sel *Selection) string {
	if sel == nil {
		return ""
	}
	var b strings.Builder
	write := func(fields []*Field) {
		b.WriteString("{")
		for i, f := range fields {
			if i > 0 {
				b.WriteString(" ")
			}
			b.WriteString(f.ResponseKey)
			if f.ResponseKey != f.Name {
				b.WriteString(":" + f.Name)
			}
			if f.Conds != nil {
				fmt.Fprintf(&b, "%v", f.Conds)
			}
			b.WriteString(shape(f.Sel))
		}
		b.WriteString("}")
	}
	if !sel.Abstract() {
		write(sel.Fields)
		return b.String()
	}
	types := make([]string, 0, len(sel.ByType))
	for t := range sel.ByType {
		types = append(types, t)
	}
	slices.Sort(types)
	for _, t := range types {
		b.WriteString(t)
		write(sel.ByType[t])
	}
	return b.String()
}

// TestExpansionIsBounded plans operations whose text is small but whose
// naive expansion is huge. Those that merge to a small response are
// planned, with work in proportion to the fragments; those that cannot
// merge are refused once the budget is spent, never after.
func TestExpansionIsBounded(t *testing.T) {
	s := testSchema(t)
	const budget = 20000
	tests := []struct {
		name  string
		query string
		// shape is the expected response shape; empty for a refusal.
		shape string
		// most bounds the selections visited for an operation planned.
		most int
	}{{
		name: "fragments spreading the next twice, 40 deep",
		query: chain("{ products { ...F0 } }", "Product", 40,
			func(int) string { return "name ...NEXT ...NEXT" }, "name"),
		shape: "{products{name}}",
		most:  200,
	}, {
		name: "the same with the spreads inside inline fragments",
		query: chain("{ products { ...F0 } }", "Product", 40,
			func(int) string { return "... on Product { name ...NEXT } ... on Product { ...NEXT }" }, "upc"),
		shape: "{products{name upc}}",
		most:  400,
	}, {
		name: "fragments on an interface",
		query: chain("{ titled { ...F0 } }", "Titled", 40,
			func(int) string { return "title ...NEXT ...NEXT" }, "upc"),
		shape: "{titledBook{title upc}Movie{title upc}}",
		most:  400,
	}, {
		name: "fragments on a union member through the union",
		query: chain("{ media { ... on Book { ...F0 } } }", "Book", 40,
			func(int) string { return "title ...NEXT ...NEXT" }, "pages"),
		shape: "{mediaBook{title pages}Movie{}}",
		most:  400,
	}, {
		name: "the same spread under the same condition, repeated",
		query: chain("query Q($v: Boolean!) { products { ...F0 } }", "Product", 40,
			func(int) string { return "name ...NEXT @include(if: $v) ...NEXT @include(if: $v)" }, "upc"),
		shape: "{products{name upc[[{true v false}]]}}",
		most:  800,
	}, {
		name: "nested fields merging their fragments",
		query: chain("{ products { ...F0 } }", "Product", 40,
			func(int) string { return "reviews { rating } ...NEXT ...NEXT" }, "reviews { body }"),
		shape: "{products{reviews{rating body}}}",
		most:  600,
	}, {
		name: "aliases that repeat a spread",
		query: chain("{ products { ...F0 } }", "Product", 40,
			func(int) string { return "a: reviews { product { ...NEXT } } b: reviews { product { ...NEXT } }" }, "name"),
	}, {
		name: "aliases of a composite field in every fragment",
		query: chain("{ products { ...F0 } }", "Product", 30,
			func(i int) string {
				return fmt.Sprintf("x%d: reviews { product { ...NEXT } } y%d: reviews { product { ...NEXT } }", i, i)
			}, "name"),
	}, {
		name: "aliases over a union",
		query: chain("{ media { ...F0 } }", "Media", 30,
			func(int) string {
				return "... on Book { a: reviews { product { name } } } x: __typename ...NEXT ...NEXT"
			}, "__typename"),
		shape: "{mediaBook{a:reviews{product{name}} x:__typename __typename}Movie{x:__typename __typename}}",
		most:  1000,
	}, {
		name: "conditions on a new variable at every level",
		query: chain("query Q("+vars(24)+") { products { ...F0 } }", "Product", 24,
			func(i int) string {
				return fmt.Sprintf("name ...NEXT @include(if: $v%d) ...NEXT @skip(if: $v%d)", i, i)
			}, "upc"),
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, errs := gqlparser.LoadQuery(s.AST, tt.query)
			if errs != nil {
				t.Fatalf("does not validate: %v", errs)
			}
			p, err := Build(context.Background(), s, doc, "", Options{MaxSelections: budget})
			if tt.shape == "" {
				var tooLarge *TooLargeError
				if !errors.As(err, &tooLarge) || tooLarge.Limit != budget {
					t.Fatalf("Build = %v, want a TooLargeError at %d", err, budget)
				}
				return
			}
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			if got := shape(p.Root); got != tt.shape {
				t.Errorf("shape\n got %s\nwant %s", got, tt.shape)
			}
			if p.Selections > tt.most {
				t.Errorf("planning visited %d selections, want at most %d", p.Selections, tt.most)
			}
		})
	}
}

func vars(n int) string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("$v%d: Boolean!", i)
	}
	return strings.Join(out, ", ")
}

// TestExpansionKeepsConditions checks that a fragment spread twice is
// collected once only when its first spread's conditions hold whenever the
// second's do: under another condition, its fields keep both.
func TestExpansionKeepsConditions(t *testing.T) {
	s := testSchema(t)
	tests := []struct{ query, shape string }{
		{`query Q($a: Boolean!, $b: Boolean!) { products { ...P @include(if: $a) ...P @include(if: $b) } } fragment P on Product { name }`,
			"{products{name[[{true a false}] [{true b false}]]}}"},
		{`query Q($a: Boolean!) { products { ...P ...P @include(if: $a) } } fragment P on Product { name }`,
			"{products{name}}"},
		{`query Q($a: Boolean!) { products { ...P @include(if: $a) ...P } } fragment P on Product { name }`,
			"{products{name}}"},
		{`query Q($a: Boolean!, $b: Boolean!) { products { ...P @include(if: $a) ...P @include(if: $a) @skip(if: $b) } } fragment P on Product { name }`,
			"{products{name[[{true a false}]]}}"},
		{`query Q($a: Boolean!) { products { ...P @include(if: $a) ... on Product @include(if: $a) { ...P @include(if: $a) } } } fragment P on Product { name }`,
			"{products{name[[{true a false}]]}}"},
	}
	for _, tt := range tests {
		doc, errs := gqlparser.LoadQuery(s.AST, tt.query)
		if errs != nil {
			t.Fatalf("%s does not validate: %v", tt.query, errs)
		}
		p, err := Build(context.Background(), s, doc, "", Options{})
		if err != nil {
			t.Fatalf("%s: %v", tt.query, err)
		}
		if got := shape(p.Root); got != tt.shape {
			t.Errorf("%s\n got %s\nwant %s", tt.query, got, tt.shape)
		}
	}
}

// countdown is a context whose Err turns non-nil after n looks, so a test
// can stop planning part way.
type countdown struct {
	context.Context
	n int
}

func (c *countdown) Err() error {
	c.n--
	if c.n < 0 {
		return context.Canceled
	}
	return nil
}

func TestPlanningStopsWithItsContext(t *testing.T) {
	s := testSchema(t)
	q := chain("{ products { ...F0 } }", "Product", 30,
		func(int) string { return "a: reviews { product { ...NEXT } } b: reviews { product { ...NEXT } }" }, "name")
	doc, errs := gqlparser.LoadQuery(s.AST, q)
	if errs != nil {
		t.Fatal(errs)
	}
	ctx := &countdown{Context: context.Background(), n: 3}
	_, err := Build(ctx, s, doc, "", Options{MaxSelections: -1})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Build = %v, want context.Canceled", err)
	}
	if Cacheable(err) {
		t.Error("a cancelled planning is cacheable")
	}
	// Three looks pass, the fourth stops it: at the start, then every
	// checkEvery selections.
	if ctx.n != -1 {
		t.Errorf("the context was looked at %d times, want 4", 3-ctx.n)
	}
}

func TestCacheKeepsRefusals(t *testing.T) {
	s := testSchema(t)
	c, err := NewCache(s, 10, Options{MaxSelections: 1000})
	if err != nil {
		t.Fatal(err)
	}
	q := chain("{ products { ...F0 } }", "Product", 20,
		func(int) string { return "a: reviews { product { ...NEXT } } b: reviews { product { ...NEXT } }" }, "name")
	doc, errs := gqlparser.LoadQuery(s.AST, q)
	if errs != nil {
		t.Fatal(errs)
	}
	_, err1 := c.Plan(context.Background(), q, doc, "")
	// A cancelled context would stop a second planning at once: the
	// refusal must come from the cache.
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	_, err2 := c.Plan(cancelled, q, doc, "")
	var tooLarge *TooLargeError
	if !errors.As(err1, &tooLarge) || err2 != err1 {
		t.Fatalf("first %v, second %v: want the same TooLargeError", err1, err2)
	}
	// A planning the request stopped is not kept.
	q2 := `{ products { name } }`
	doc2, _ := gqlparser.LoadQuery(s.AST, q2)
	if _, err := c.Plan(cancelled, q2, doc2, ""); !errors.Is(err, context.Canceled) {
		t.Fatalf("Plan under a cancelled context = %v", err)
	}
	if p, err := c.Plan(context.Background(), q2, doc2, ""); err != nil || p == nil {
		t.Fatalf("Plan after a cancelled one = %v, %v", p, err)
	}
}

// TestLimitsCountExpanded checks that aliases and complexity are counted
// in the planned response, where a fragment spread in two places counts
// twice, and that introspection selections count too.
func TestLimitsCountExpanded(t *testing.T) {
	s := testSchema(t)
	p := plan(t, s, `{ products { ...P reviews { product { ...P } } } } fragment P on Product { a: name b: upc }`)
	// products, a, b, reviews, product, a, b.
	if p.Aliases != 4 || p.Complexity != 7 {
		t.Fatalf("aliases = %d, complexity %d; want 4, 7", p.Aliases, p.Complexity)
	}
	p = plan(t, s, `{ __schema { ...S } } fragment S on __Schema { types { a: name b: fields { c: name } } queryType { ...T } } fragment T on __Type { d: name }`)
	// __schema, types, a, b, c, queryType, d; 4 deep.
	if p.Aliases != 4 || p.Complexity != 7 || p.MaxDepth != 4 {
		t.Fatalf("introspection: aliases = %d, complexity %d, depth %d; want 4, 7, 4", p.Aliases, p.Complexity, p.MaxDepth)
	}
}

// selections counts the selections of a document's text, fragments once.
func selections(doc *ast.QueryDocument) int {
	var count func(ast.SelectionSet) int
	count = func(set ast.SelectionSet) int {
		n := 0
		for _, sel := range set {
			n++
			switch sel := sel.(type) {
			case *ast.Field:
				n += count(sel.SelectionSet)
			case *ast.InlineFragment:
				n += count(sel.SelectionSet)
			}
		}
		return n
	}
	n := 0
	for _, op := range doc.Operations {
		n += count(op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		n += count(f.SelectionSet)
	}
	return n
}

// planned counts the fields of a plan, every concrete shape of an
// abstract selection included: the size of the expanded operation.
func planned(sel *Selection) int {
	if sel == nil {
		return 0
	}
	n := 0
	count := func(fields []*Field) {
		for _, f := range fields {
			n += 1 + planned(f.Sel)
		}
	}
	count(sel.Fields)
	for _, fields := range sel.ByType {
		count(fields)
	}
	return n
}

// hostile are operations of a few kilobytes whose naive expansion is
// exponential, for the benchmarks.
func hostile() []struct{ name, query string } {
	return []struct{ name, query string }{
		{"doubling-40", chain("{ products { ...F0 } }", "Product", 40,
			func(int) string { return "name ...NEXT ...NEXT" }, "name")},
		{"aliases-15", chain("{ products { ...F0 } }", "Product", 15,
			func(int) string { return "a: reviews { product { ...NEXT } } b: reviews { product { ...NEXT } }" }, "name upc price")},
		{"aliases-wide-8", chain("{ products { ...F0 } }", "Product", 8,
			func(int) string {
				return "a: reviews { product { ...NEXT } } b: reviews { product { ...NEXT } } c: reviews { product { ...NEXT } } d: reviews { product { ...NEXT } }"
			}, "name upc price weight")},
		{"conditions-24", chain("query Q("+vars(24)+") { products { ...F0 } }", "Product", 24,
			func(i int) string {
				return fmt.Sprintf("name ...NEXT @include(if: $v%d) ...NEXT @skip(if: $v%d)", i, i)
			}, "upc")},
		{"union-aliases-12", chain("{ media { ...F0 } }", "Media", 12,
			func(int) string {
				return "... on Book { a: reviews { product { name } } b: reviews { body } } ...NEXT ...NEXT x: __typename"
			}, "... on Book { title }")},
	}
}

// BenchmarkPlanHostile plans each hostile operation with the default
// bound: the time and memory an attacker can make one request cost.
func BenchmarkPlanHostile(b *testing.B) {
	s := testSchema(b)
	for _, h := range hostile() {
		doc, errs := gqlparser.LoadQuery(s.AST, h.query)
		if errs != nil {
			b.Fatalf("%s: %v", h.name, errs)
		}
		b.Run(h.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, err := Build(context.Background(), s, doc, "", Options{MaxDepth: 32})
				var tooLarge *TooLargeError
				if err != nil && !errors.As(err, &tooLarge) {
					b.Fatal(err)
				}
			}
		})
	}
}
