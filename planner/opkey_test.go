package planner

import (
	"slices"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/lexer"
)

func TestOperationKey(t *testing.T) {
	tests := []struct {
		name, query, key string
	}{
		{"minified is its own key", `{product(upc:"1"){upc name}}`, `{product(upc:"1"){upc name}}`},
		{"white space and commas", " {\n  product ( upc : \"1\" ) {\tupc,\r\n name } }\n", `{product(upc:"1"){upc name}}`},
		{"comments", "# top\n{ product(upc: \"1\") { # why\n upc name } } # end", `{product(upc:"1"){upc name}}`},
		{"byte order mark", "\uFEFF{ a }", `{a}`},
		{"strings kept as written", `{ a(s: "x  ,#y\"z", t: """  block  " "" """) }`, `{a(s:"x  ,#y\"z"t:"""  block  " "" """)}`},
		{"names apart", `query Q($v: Int = 1) @d { a }`, `query Q($v:Int=1)@d{a}`},
		{"numbers apart", `{ a(l: [1, -2, 3.5e+1, 0]) }`, `{a(l:[1 -2 3.5e+1 0])}`},
		{"spread", `{ ... on T { a } ...F }`, `{...on T{a}...F}`},
		{"spread after a name", `{ a ... F }`, `{a...F}`},
		{"strings apart", `{ a(l: ["" "x"]) }`, `{a(l:["" "x"])}`},
		{"block string before a string", `{ a(l: ["""x""" "y"]) }`, `{a(l:["""x""" "y"])}`},
		{"unterminated string", "{ a(s: \"x\n\") }", "\x00{ a(s: \"x\n\") }"},
		{"unknown character", `{ a(s: 'x') }`, "\x00{ a(s: 'x') }"},
		{"two dots", `{ .. a }`, "\x00{ .. a }"},
		{"empty", ``, ``},
		{"only ignored", " \n# c\n", ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := OperationKey(tt.query)
			if got != tt.key {
				t.Fatalf("OperationKey(%q) = %q, want %q", tt.query, got, tt.key)
			}
			if again := OperationKey(got); got != "" && got[0] != 0 && again != got {
				t.Errorf("a key is not its own key: %q -> %q", got, again)
			}
		})
	}
}

// TestOperationKeyOwnKeyAllocates nothing: a minified text is its key.
func TestOperationKeyOwnKeyAllocates(t *testing.T) {
	q := `query Q($v:Int){a(x:$v){b...F}}fragment F on T{c}`
	if n := testing.AllocsPerRun(100, func() { _ = OperationKey(q) }); n != 0 {
		t.Errorf("OperationKey of a minified text: %v allocations, want 0", n)
	}
}

// tokens returns the lexer's tokens of text, comments left out, or false
// when the lexer refuses it.
func tokens(text string) ([]string, bool) {
	var out []string
	lx := lexer.New(&ast.Source{Input: text})
	for {
		tok, err := lx.ReadToken()
		if err != nil {
			return nil, false
		}
		switch tok.Kind {
		case lexer.EOF:
			return out, true
		case lexer.Comment:
			continue
		}
		out = append(out, tok.Kind.String()+" "+tok.Value)
	}
}

// FuzzOperationKey checks what caches rely on: a key has the tokens of its
// text, and the key of a text the lexer refuses is refused too, or marked
// as such. Together they make two texts with one key have one token
// sequence: a client cannot reach a document cached for another text by
// sending one that differs in anything but layout.
func FuzzOperationKey(f *testing.F) {
	for _, s := range []string{
		`{ a }`, `{a}`, "query Q($v: [Int!]! = [1, 2]) { a(x: $v) { ... on T { b } ...F } }\nfragment F on T { c }",
		`{ a(s: "x\"y", b: """q""""") }`, "{ a # c\n b }", `{ a(f: 1.5e-3, n: -0) }`, `""""""`, `"" "x"`,
		"\uFEFF{a}", `{ a(s: "\u{1F600}") }`, "{ a(s: \"x\\\n\") }", "{ a(s: \"x\n\") }", "# c\x01 {a}",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		key := OperationKey(text)
		marked := key != "" && key[0] == invalidKey
		if marked && key[1:] != text {
			t.Fatalf("the refused text %q has the key %q", text, key)
		}
		want, ok := tokens(text)
		got, keyOK := tokens(key)
		switch {
		case ok && (marked || !keyOK || !slices.Equal(want, got)):
			t.Fatalf("the key of %q is %q, whose tokens differ:\n%q\n%q", text, key, want, got)
		case !ok && !marked && keyOK:
			t.Fatalf("the lexer refuses %q but not its key %q", text, key)
		}
		if !marked && OperationKey(key) != key {
			t.Fatalf("the key %q of %q is not its own key", key, text)
		}
	})
}

func TestRelocate(t *testing.T) {
	s := testSchema(t)
	planned := "{ products {\n  name\n  reviews { rating } } }"
	sent := "# the same operation\n{\n\n  products { name reviews {\n      rating\n} } }"
	if OperationKey(planned) != OperationKey(sent) {
		t.Fatal("the two texts should share a key")
	}
	p := plan(t, s, planned)
	loc := func(text string, field string) gqlerror.Location {
		doc, errs := gqlparser.LoadQuery(s.AST, text)
		if errs != nil {
			t.Fatal(errs)
		}
		var found *ast.Field
		var walk func(ast.SelectionSet)
		walk = func(set ast.SelectionSet) {
			for _, sel := range set {
				if f, ok := sel.(*ast.Field); ok {
					if f.Name == field {
						found = f
					}
					walk(f.SelectionSet)
				}
			}
		}
		walk(doc.Operations[0].SelectionSet)
		return gqlerror.Location{Line: found.Position.Line, Column: found.Position.Column}
	}
	errs := gqlerror.List{
		{Message: "a", Locations: []gqlerror.Location{loc(planned, "rating")}},
		{Message: "b", Locations: []gqlerror.Location{loc(planned, "name"), {Line: 99, Column: 1}}},
		{Message: "c"},
	}
	Relocate(errs, p, sent)
	want := [][]gqlerror.Location{
		{loc(sent, "rating")},
		{loc(sent, "name"), {Line: 99, Column: 1}},
		nil,
	}
	for i, e := range errs {
		if !slices.Equal(e.Locations, want[i]) {
			t.Errorf("error %s: locations %v, want %v", e.Message, e.Locations, want[i])
		}
	}

	// The text planned keeps its locations.
	before := loc(planned, "rating")
	same := gqlerror.List{{Locations: []gqlerror.Location{before}}}
	Relocate(same, p, planned)
	if same[0].Locations[0] != before {
		t.Errorf("the planned text's location moved: %v", same[0].Locations[0])
	}
}

func BenchmarkOperationKey(b *testing.B) {
	for _, bc := range []struct{ name, query string }{
		{"minified", `{products{upc name reviews{rating body product{name}}}}`},
		{"spaced", `{ products { upc name reviews { rating body product { name } } } }`},
		{"indented", "query Products {\n  products {\n    upc\n    name\n    reviews {\n      rating\n      body\n      product {\n        name\n      }\n    }\n  }\n}\n"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			buf := make([]byte, 0, 256)
			b.SetBytes(int64(len(bc.query)))
			b.ReportAllocs()
			for b.Loop() {
				buf, _ = AppendOperationKey(buf[:0], bc.query)
			}
		})
	}
}
