package introspection

import (
	"testing"
	"unicode/utf8"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/lexer"
)

var oddStrings = []string{
	"",
	"plain",
	`"quoted" and \backslashed\`,
	"newline\n, return\r, tab\t, backspace\b, form feed\f",
	"controls \x00 \x01 \x1f and DEL \x7f",
	"C1 control \u0085 and NBSP \u00a0",
	"line separator \u2028 paragraph separator \u2029",
	"<script>alert('&')</script>",
	"üñîçødé 日本語 🚀",
	"invalid utf-8 \xff\xfe and a lone continuation \x80",
	"truncated rune \xe2\x82",
}

// lexString reads src back with gqlparser's lexer, which is what a client's
// parser does with a defaultValue.
func lexString(t testing.TB, src string) string {
	t.Helper()
	l := lexer.New(&ast.Source{Input: src})
	tok, err := l.ReadToken()
	if err != nil {
		t.Fatalf("lex %s: %v", src, err)
	}
	if tok.Kind != lexer.String {
		t.Fatalf("lex %s: got %s", src, tok.Kind.Name())
	}
	if end, _ := l.ReadToken(); end.Kind != lexer.EOF {
		t.Fatalf("lex %s: trailing %s", src, end.Kind.Name())
	}
	return tok.Value
}

func TestAppendGraphQLString(t *testing.T) {
	tests := []struct{ in, want string }{
		{`a "b" \c`, `"a \"b\" \\c"`},
		{"\b\t\n\f\r", `"\b\t\n\f\r"`},
		{"\x00\x1f\x7f\u0085\u009f\u00a0é", `"\u0000\u001F\u007F\u0085\u009F` + "\u00a0é\""},
		{"🚀", `"🚀"`},
	}
	for _, tt := range tests {
		if got := string(appendGraphQLString(nil, tt.in)); got != tt.want {
			t.Errorf("appendGraphQLString(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func FuzzAppendGraphQLString(f *testing.F) {
	for _, s := range oddStrings {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			t.Skip("GraphQL source is Unicode text")
		}
		if got := lexString(t, string(appendGraphQLString(nil, s))); got != s {
			t.Fatalf("round trip of %q gave %q", s, got)
		}
	})
}

func TestAppendLiteral(t *testing.T) {
	tests := []struct{ in, want string }{
		{`1`, `1`},
		{`-1.5e3`, `-1.5e3`},
		{`true`, `true`},
		{`null`, `null`},
		{`RED`, `RED`},
		{`"x\ny"`, `"x\ny"`},
		{`"""block "quoted" text"""`, `"block \"quoted\" text"`},
		{`[1,2 ,3]`, `[1, 2, 3]`},
		{`[]`, `[]`},
		{`{a:1,b:{c:[RED]}}`, `{a: 1, b: {c: [RED]}}`},
		{`{}`, `{}`},
	}
	for _, tt := range tests {
		s := loadSchema(t, "literal.graphql", "type Query { f(a: Input = "+tt.in+"): Int }\nscalar Input")
		v := s.Types["Query"].Fields.ForName("f").Arguments.ForName("a").DefaultValue
		if got := string(appendLiteral(nil, v)); got != tt.want {
			t.Errorf("appendLiteral(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
