package introspect

import (
	"encoding/json"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/parser"
)

// FuzzToSource checks that ToSource never panics and that whatever it
// accepts comes out as SDL that parses.
func FuzzToSource(f *testing.F) {
	f.Add(readFile(f, filepath.Join("testdata", "graphqljs", "shop.json")))
	f.Add([]byte(schemaJSONWith(queryType)))
	f.Add([]byte(`{"__schema":{"queryType":{"name":"Q"},"types":[{"kind":"OBJECT","name":"Q","fields":[{"name":"f","args":[{"name":"a","type":{"kind":"LIST","ofType":{"kind":"SCALAR","name":"Int"}},"defaultValue":"[1, {a: \"x\"}]"}],"type":{"kind":"NON_NULL","ofType":{"kind":"SCALAR","name":"Int"}}}]}]}}`))
	f.Add([]byte(`{"errors":[{"message":"no"}]}`))
	f.Add([]byte(`{"data":{"__schema":{"description":"a\n  b","queryType":{"name":"Query"},"directives":[{"name":"d","locations":["FIELD"],"args":[{"name":"x","description":"\"","type":{"kind":"SCALAR","name":"Int"}}]}]}}}`))
	f.Fuzz(func(t *testing.T, result []byte) {
		src, err := ToSource("fuzz", result)
		if err != nil {
			return
		}
		if _, err := parser.ParseSchema(src); err != nil {
			t.Fatalf("accepted input gave SDL that does not parse: %v\n%s", err, src.Input)
		}
	})
}

// FuzzDescription checks that any description survives printing at every
// indentation SDL uses: on a type, a field, an argument and an enum value.
func FuzzDescription(f *testing.F) {
	for _, s := range []string{
		"", "plain", "two\nlines", "  indented\n  all", "a\n  b", "\n", "x\n", "\nx",
		`ends with "`, `ends with \`, `has """ inside`, `"""`, "\t tab", "cr\rlf\r\n", "\u0000\u0007\u007f\u0085",
		"long " + string(make([]byte, 80)), " x\n y", "x\n\n  y\n", "\u2028\u2029🚀",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, d string) {
		if !utf8.ValidString(d) {
			t.Skip("JSON strings are Unicode text")
		}
		desc, _ := json.Marshal(d)
		result := `{"__schema":{"queryType":{"name":"Query"},"types":[` +
			`{"kind":"OBJECT","name":"Query","description":` + string(desc) + `,"fields":[{"name":"f","description":` + string(desc) +
			`,"args":[{"name":"a","description":` + string(desc) + `,"type":{"kind":"ENUM","name":"E"}}],"type":{"kind":"SCALAR","name":"Int"}}]},` +
			`{"kind":"ENUM","name":"E","enumValues":[{"name":"V","description":` + string(desc) + `}]}]}}`
		src, err := ToSource("fuzz", []byte(result))
		if err != nil {
			t.Fatal(err)
		}
		s, err := gqlparser.LoadSchema(src)
		if err != nil {
			t.Fatalf("SDL does not load: %v\n%s", err, src.Input)
		}
		q := s.Types["Query"]
		f := q.Fields.ForName("f")
		got := []string{q.Description, f.Description, f.Arguments.ForName("a").Description, s.Types["E"].EnumValues.ForName("V").Description}
		for i, g := range got {
			if g != d {
				t.Fatalf("description %d came back as %q, want %q\nSDL:\n%s", i, g, d, src.Input)
			}
		}
	})
}

// FuzzReprintLiteral checks that a reprinted default value reads back as
// itself, so printing is stable and loses nothing.
func FuzzReprintLiteral(f *testing.F) {
	for _, s := range []string{`1`, `-0.5e10`, `"x\"y"`, `"""a\n b"""`, `[1, [2]]`, `{a: {b: [null, true]}}`, `ENUM`, `# c` + "\n" + `1`, `[`, `{a 1}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		once, err := reprintLiteral(src)
		if err != nil {
			return
		}
		twice, err := reprintLiteral(once)
		if err != nil {
			t.Fatalf("%q printed as %q, which does not parse: %v", src, once, err)
		}
		if once != twice {
			t.Fatalf("%q printed as %q, then as %q", src, once, twice)
		}
	})
}
