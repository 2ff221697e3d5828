package planner

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
)

func TestCoordinates(t *testing.T) {
	s := testSchema(t)
	for _, tt := range []struct {
		name, query string
		want        []string
	}{
		{"fields and arguments", `{ product(upc: "1") { upc name reviews { rating } } }`,
			[]string{"ID", "Int", "Product", "Product.name", "Product.reviews", "Product.upc", "Query", "Query.product", "Query.product(upc:)", "Review", "Review.rating", "String"}},
		{"a fragment spread twice counts once", `query($n: Int) { topProducts(first: $n) { ...P } products { ...P } } fragment P on Product { price }`,
			[]string{"Int", "Product", "Product.price", "Query", "Query.products", "Query.topProducts", "Query.topProducts(first:)"}},
		{"abstract selections name the type selected on", `{ titled { title ... on Book { pages } } media { ... on Movie { minutes } } }`,
			[]string{"Book", "Book.pages", "Int", "Media", "Movie", "Movie.minutes", "Query", "Query.media", "Query.titled", "String", "Titled", "Titled.title"}},
		{"directives and their arguments", `query($s: Boolean!) { products { upc @skip(if: $s) ... on Product @include(if: true) { name } } }`,
			[]string{"@include", "@include(if:)", "@skip", "@skip(if:)", "Boolean", "ID", "Product", "Product.name", "Product.upc", "Query", "Query.products", "String"}},
		{"introspection and __typename add nothing of their own", `{ __typename __type(name: "Product") { name } products { __typename upc } }`,
			[]string{"ID", "Product", "Product.upc", "Query", "Query.products"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := plan(t, s, tt.query)
			if !slices.Equal(p.Coordinates, tt.want) {
				t.Errorf("coordinates:\n got %s\nwant %s", strings.Join(p.Coordinates, " "), strings.Join(tt.want, " "))
			}
		})
	}
}

// TestSignatureIgnoresLayout: the cache names an operation by its tokens
// and name, so two layouts of one operation count as one in usage, and
// another name is another operation.
func TestSignatureIgnoresLayout(t *testing.T) {
	s := testSchema(t)
	c, err := NewCache(s, 10, Options{})
	if err != nil {
		t.Fatal(err)
	}
	sig := func(query, name string) string {
		doc, errs := gqlparser.LoadQuery(s.AST, query)
		if errs != nil {
			t.Fatal(errs)
		}
		p, err := c.Plan(context.Background(), query, doc, name)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Signature) != 32 {
			t.Fatalf("signature %q is not 32 hex digits", p.Signature)
		}
		return p.Signature
	}
	a := sig(`query A { products { upc } }`, "A")
	if b := sig("query A {\n  products {\n    upc\n  }\n}", "A"); a != b {
		t.Errorf("two layouts of one operation: %s and %s", a, b)
	}
	if b := sig(`query B { products { upc } }`, "B"); a == b {
		t.Errorf("operations A and B share signature %s", a)
	}
	c1 := sig(`query C { product(upc: "1") { upc } }`, "C")
	if c2 := sig(`query C { product(upc: "2") { upc } }`, "C"); c1 != c2 {
		t.Errorf("literals changed the signature: %s and %s", c1, c2)
	}
}

func TestBlankLiterals(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{`{a(x:"s",y:12,z:-1.5e3,w:ENUM){b}}`, `{a(x:""y:0 z:0 w:ENUM){b}}`},
		{`{a(x:"""block""")}`, `{a(x:"")}`},
		{`query Q($v:Int=3){a(n:[1 2 3])}`, `query Q($v:Int=0){a(n:[0 0 0])}`},
		{`{a(x:"q" y:"r")}`, `{a(x:""y:"")}`},
	} {
		if got := string(blankLiterals(nil, OperationKey(tt.in))); got != tt.want {
			t.Errorf("blankLiterals(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
