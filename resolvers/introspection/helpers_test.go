package introspection

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// schemaFiles lists the test schemas by name, without extension.
func schemaFiles(t testing.TB) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "schemas", "*.graphql"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatal("no schemas in testdata/schemas")
	}
	names := make([]string, len(paths))
	for i, p := range paths {
		names[i] = strings.TrimSuffix(filepath.Base(p), ".graphql")
	}
	return names
}

func loadSchemaFile(t testing.TB, name string) *ast.Schema {
	t.Helper()
	path := filepath.Join("testdata", "schemas", name+".graphql")
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return loadSchema(t, path, string(src))
}

func loadSchema(t testing.TB, name, sdl string) *ast.Schema {
	t.Helper()
	s, err := gqlparser.LoadSchema(&ast.Source{Name: name, Input: sdl})
	if err != nil {
		t.Fatalf("load schema %s: %v", name, err)
	}
	return s
}

func readFile(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// operation validates query against s, coerces vars as the gateway does, and
// returns the operation's root fields.
func operation(t testing.TB, s *ast.Schema, query string, vars map[string]any) (ast.SelectionSet, map[string]any) {
	t.Helper()
	doc, errs := gqlparser.LoadQuery(s, query)
	if len(errs) > 0 {
		t.Fatalf("query does not validate: %v", errs)
	}
	if len(doc.Operations) != 1 {
		t.Fatalf("want one operation, got %d", len(doc.Operations))
	}
	op := doc.Operations[0]
	coerced, err := validator.VariableValues(s, op, vars)
	if err != nil {
		t.Fatalf("variables: %v", err)
	}
	return op.SelectionSet, coerced
}

// rootField returns the only root field of query.
func rootField(t testing.TB, s *ast.Schema, query string, vars map[string]any) (*ast.Field, map[string]any) {
	t.Helper()
	set, coerced := operation(t, s, query, vars)
	if len(set) != 1 {
		t.Fatalf("want one root selection, got %d", len(set))
	}
	f, ok := set[0].(*ast.Field)
	if !ok {
		t.Fatalf("root selection is %T, want a field", set[0])
	}
	return f, coerced
}

// indent pretty-prints JSON, keeping key order and escapes as written.
func indent(t testing.TB, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, b)
	}
	out.WriteByte('\n')
	return out.Bytes()
}

// diffLines reports the first line where got and want differ, with context,
// which is what one needs to read a failed comparison of large JSON.
func diffLines(got, want string) string {
	g := strings.Split(got, "\n")
	w := strings.Split(want, "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			from := max(0, i-5)
			var b strings.Builder
			for j := from; j < i; j++ {
				if j < len(w) {
					b.WriteString("    " + w[j] + "\n")
				}
			}
			b.WriteString("got " + gl + "\nwant" + wl + "\n")
			return "first difference at line " + strconv.Itoa(i+1) + ":\n" + b.String()
		}
	}
	return ""
}
