package sdlwrite

import (
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

func TestLiterals(t *testing.T) {
	tests := []struct {
		name, got, want string
	}{
		{"String escapes", String("a\"b\\c\nd\re\tf\x01g\x7f"), `"a\"b\\c\nd\re\tf\u0001g\u007f"`},
		{"String keeps unicode", String("é\u2028"), "\"é\u2028\""},
		{"String repairs UTF-8", String("a\xffb"), "\"a\uFFFDb\""},
		{"StringList", StringList([]string{"a", `b"`}), `["a", "b\""]`},
		{"StringList empty", StringList(nil), `[]`},
		{"BlockString", BlockString(`{"a": 1}`), `"""{"a": 1}"""`},
		{"BlockString ending in a quote", BlockString(`say "hi"`), `"""say "hi" """`},
		{"BlockString ending in a backslash", BlockString(`a\`), `"""a\ """`},
		{"BlockString escapes triple quotes", BlockString(`a"""b`), `"""a\"""b"""`},
		{"JSONString", JSONString("k\"\\\n\x7f"), `"k\"\\\u000a\u007f"`},
		{"JSONString repairs UTF-8", JSONString("a\xffb"), `"a\ufffdb"`},
		{"Directive", Directive("from", Arg{"key", String("a-b")}), `@from(key: "a-b")`},
		{"Directive without arguments", Directive("oneOf"), `@oneOf`},
		{"Object", Object(Arg{"a", "1"}, Arg{"b", String("x")}), `{a: 1, b: "x"}`},
		{"Object empty", Object(), `{}`},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.name, tt.got, tt.want)
		}
	}
}

// TestStringParses reads the literals back with a GraphQL parser: what
// String writes is the string given, once its UTF-8 is repaired.
func TestStringParses(t *testing.T) {
	for _, s := range []string{"", "plain", "a\"b\\c", "line\nbreak\r\ttab", "\x00\x01\x1f\x7f", "é ✓ \u2028", "bad\xff"} {
		src := "scalar S @d(v: " + String(s) + ")\n"
		doc, err := parser.ParseSchema(&ast.Source{Input: src})
		if err != nil {
			t.Fatalf("%q: %s does not parse: %v", s, src, err)
		}
		got := doc.Definitions[0].Directives[0].Arguments[0].Value.Raw
		if want := strings.ToValidUTF8(s, "\uFFFD"); got != want {
			t.Errorf("%q: parsed back as %q", s, got)
		}
	}
}

func TestClean(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a\r\nb\rc", "a\nb\nc"},
		{"a\x00b\x1bc\x7fd\te", "abcd\te"},
		{"a\xffb", "a\uFFFDb"},
		{"  keeps  space  ", "  keeps  space  "},
	}
	for _, tt := range tests {
		if got := Clean(tt.in); got != tt.want {
			t.Errorf("Clean(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDedent(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"  one line  ", "one line"},
		{"\n      First.\n      Second,\n        indented.\n    ", "First.\nSecond,\n  indented."},
		{"First.\n    Second.\n    Third.", "First.\nSecond.\nThird."},
		{"\n    a\n  b", "  a\nb"},
		{"a\n\t\tb\n\t\tc", "a\nb\nc"},
		{"a\n   \n  b", "a\n\nb"},
		{"a\r\n  b\x01", "a\nb"},
	}
	for _, tt := range tests {
		if got := Dedent(tt.in); got != tt.want {
			t.Errorf("Dedent(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDescription(t *testing.T) {
	tests := []struct {
		name, indent, in, want string
	}{
		{"empty", "  ", "", ""},
		{"control characters only", "  ", "\x01\x02", ""},
		{"one line", "  ", "Hello.", "  \"\"\"\n  Hello.\n  \"\"\"\n"},
		{"lines and a blank one", "", "a  \n\nb\t", "\"\"\"\na\n\nb\n\"\"\"\n"},
		{"triple quotes", "    ", `say """hi"""`, "    \"\"\"\n    say \\\"\"\"hi\\\"\"\"\n    \"\"\"\n"},
		{"carriage returns", "", "a\r\nb\rc", "\"\"\"\na\nb\nc\n\"\"\"\n"},
	}
	for _, tt := range tests {
		var b strings.Builder
		Description(&b, tt.indent, tt.in)
		if b.String() != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, b.String(), tt.want)
		}
	}
}

// TestDescriptionParses reads descriptions back with a GraphQL parser:
// the text comes back as written, each line's trailing white space
// aside, whatever quotes, backslashes and indentation it holds.
func TestDescriptionParses(t *testing.T) {
	for _, s := range []string{
		"plain",
		`ends with a quote"`,
		`ends with a backslash\`,
		`has """ inside and \""" too`,
		"first\n  indented\n\ttabbed\n\nafter a blank line",
		"trailing spaces   \nand tabs\t\t",
		"é ✓ \u2028 unicode",
	} {
		var b strings.Builder
		Description(&b, "  ", s)
		src := "type T {\n" + b.String() + "  f: Int\n}\n"
		doc, err := parser.ParseSchema(&ast.Source{Input: src})
		if err != nil {
			t.Fatalf("%q: does not parse: %v\n%s", s, err, src)
		}
		lines := strings.Split(s, "\n")
		for i, l := range lines {
			lines[i] = strings.TrimRight(l, " \t")
		}
		if got, want := doc.Definitions[0].Fields[0].Description, strings.Join(lines, "\n"); got != want {
			t.Errorf("%q: parsed back as %q, want %q", s, got, want)
		}
	}
}

func testDocument() *Document {
	return &Document{
		Header: "Two lines\nof header.",
		Roots: []Root{
			{Name: "Query", Fields: []Field{
				{Description: " Finds a pet. ", Name: "pet", Args: []Field{
					{Description: "Its id.", Name: "id", Type: "ID!"},
					{Name: "limit", Type: "Int", Default: "10"},
				}, Type: "Pet", Directives: []string{"@deprecated", Directive("rest", Arg{"path", String("/pets/{args.id}")})}},
				{Name: "now", Type: "DateTime"},
			}},
			{Name: "Mutation"},
			{Name: "Subscription", Fields: []Field{{Name: "ticks", Type: "Int"}}},
		},
		Types: []Type{
			{Kind: "enum", Name: "Color", Values: []Field{{Name: "RED"}, {Description: "Old.", Name: "BLUE", Directives: []string{"@deprecated"}}}},
			{Kind: "input", Name: "PetInput", Directives: []string{"@oneOf"}, Fields: []Field{{Name: "id", Type: "ID"}, {Name: "tags", Type: "[String!]", Default: `[]`}}},
			{Kind: "type", Name: "Pet", Description: "A pet.", Fields: []Field{{Name: "petId", Type: "ID!", Directives: []string{Directive("from", Arg{"key", String("pet-id")})}}}},
			{Kind: "enum", Name: "Animal", Values: []Field{{Name: "CAT"}}},
			{Kind: "type", Name: "Owner", Fields: []Field{{Name: "tags", Type: "[String!]"}}},
		},
		Scalars:   []string{"JSON", "DateTime"},
		ScalarDef: func(name string) string { return `"""The ` + name + ` scalar."""` + "\nscalar " + name },
	}
}

const wantDocument = `# Two lines
# of header.

type Query {
  """
  Finds a pet.
  """
  pet(
    """
    Its id.
    """
    id: ID!
    limit: Int = 10
  ): Pet @deprecated @rest(path: "/pets/{args.id}")
  now: DateTime
}

type Subscription {
  ticks: Int
}

type Owner {
  tags: [String!]
}

"""
A pet.
"""
type Pet {
  petId: ID! @from(key: "pet-id")
}

input PetInput @oneOf {
  id: ID
  tags: [String!] = []
}

enum Animal {
  CAT
}

enum Color {
  RED
  """
  Old.
  """
  BLUE @deprecated
}
`

func TestDocument(t *testing.T) {
	d := testDocument()
	full := d.String()
	want := wantDocument + "\n\"\"\"The DateTime scalar.\"\"\"\nscalar DateTime\n\n\"\"\"The JSON scalar.\"\"\"\nscalar JSON\n"
	if full != want {
		t.Errorf("String():\n%s\nwant:\n%s", full, want)
	}
	if _, err := parser.ParseSchema(&ast.Source{Input: full}); err != nil {
		t.Errorf("String() does not parse: %v", err)
	}
	frag := d.Fragment()
	wantFrag := strings.NewReplacer("\ntype Query {", "\nextend type Query {", "\ntype Subscription {", "\nextend type Subscription {").Replace(want)
	wantFrag = wantFrag[:strings.Index(wantFrag, "\n\"\"\"The DateTime")]
	if frag != wantFrag {
		t.Errorf("Fragment():\n%s\nwant:\n%s", frag, wantFrag)
	}
	if _, err := parser.ParseSchema(&ast.Source{Input: frag}); err != nil {
		t.Errorf("Fragment() does not parse: %v", err)
	}
	if d.Types[0].Name != "Color" || d.Scalars[0] != "JSON" {
		t.Errorf("writing reordered the document's own slices: %v %v", d.Types[0].Name, d.Scalars)
	}
}

func TestDocumentDoc(t *testing.T) {
	d := &Document{
		Header: "h",
		Roots:  []Root{{Name: "Query", Fields: []Field{{Description: "\n    Indented\n      more\n    ", Name: "f", Type: "Int"}}}},
	}
	trimmed := d.String()
	if want := "# h\n\ntype Query {\n  \"\"\"\n  Indented\n        more\n  \"\"\"\n  f: Int\n}\n"; trimmed != want {
		t.Errorf("default Doc:\n%q\nwant\n%q", trimmed, want)
	}
	d.Doc = Dedent
	if got, want := d.String(), "# h\n\ntype Query {\n  \"\"\"\n  Indented\n    more\n  \"\"\"\n  f: Int\n}\n"; got != want {
		t.Errorf("Doc Dedent:\n%q\nwant\n%q", got, want)
	}
	d.Scalars = []string{"X"}
	if got := d.String(); !strings.HasSuffix(got, "}\n\nscalar X\n") {
		t.Errorf("no ScalarDef: %q", got)
	}
}

// FuzzDescription checks that any text makes a description a GraphQL
// parser reads.
func FuzzDescription(f *testing.F) {
	for _, s := range []string{"", "a", `"""`, `\`, "a\"", "\r\n\x00", "  lead\n trail  ", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, doc := range []func(string) string{strings.TrimSpace, Dedent} {
			var b strings.Builder
			Description(&b, "  ", doc(s))
			src := "type T {\n" + b.String() + "  f: Int\n}\n"
			if _, err := parser.ParseSchema(&ast.Source{Input: src}); err != nil {
				t.Fatalf("%q: does not parse: %v\n%s", s, err, src)
			}
		}
	})
}
