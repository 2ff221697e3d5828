package compose

import (
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// loadCase reads a fixture directory: each NAME.graphql in it is the SDL
// of subgraph NAME, served at http://NAME.example/graphql.
func loadCase(t testing.TB, dir string) []Subgraph {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.graphql"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("%s holds no subgraph", dir)
	}
	sort.Strings(files)
	var out []Subgraph
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimSuffix(filepath.Base(f), ".graphql")
		out = append(out, Subgraph{Name: name, URL: "http://" + name + ".example/graphql", SDL: string(b)})
	}
	return out
}

// golden compares got with the golden file, or rewrites it with -update.
func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test with -update to write it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs (run go test with -update to rewrite it)\n--- got:\n%s\n--- want:\n%s", path, got, want)
	}
}

// caseDirs lists the fixture directories under testdata/kind.
func caseDirs(t *testing.T, kind string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join("testdata", kind))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() {
			out = append(out, e.Name())
		}
	}
	return out
}

// check is one thing a composed supergraph must say.
type check func(t *testing.T, s *ast.Schema)

// element finds a type, "Type.field" or "Type.VALUE" in a schema and
// returns its directives.
func element(t *testing.T, s *ast.Schema, coord string) ast.DirectiveList {
	t.Helper()
	typ, field, _ := strings.Cut(coord, ".")
	def := s.Types[typ]
	if def == nil {
		t.Fatalf("the supergraph has no type %s", typ)
	}
	if field == "" {
		return def.Directives
	}
	if f := def.Fields.ForName(field); f != nil {
		return f.Directives
	}
	if v := def.EnumValues.ForName(field); v != nil {
		return v.Directives
	}
	t.Fatalf("the supergraph has no %s", coord)
	return nil
}

// has checks that an element carries a directive, given in the form
// Equivalent compares: graphs by subgraph name, defaults left out.
func has(coord, directive string) check {
	return func(t *testing.T, s *ast.Schema) {
		t.Helper()
		got := directiveSet(element(t, s, coord), graphNames(s))
		for _, d := range got {
			if d == directive {
				return
			}
		}
		t.Errorf("%s lacks %s; it has %v", coord, directive, got)
	}
}

// joins checks an element's directives exactly (join, @inaccessible,
// @tag), in any order.
func joins(coord string, directives ...string) check {
	return func(t *testing.T, s *ast.Schema) {
		t.Helper()
		got := directiveSet(element(t, s, coord), graphNames(s))
		sort.Strings(got)
		want := append([]string(nil), directives...)
		sort.Strings(want)
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s:\ngot  %v\nwant %v", coord, got, want)
		}
	}
}

// fieldType checks a field's type and, optionally, its arguments as
// "name: Type = default".
func fieldType(coord, typ string, args ...string) check {
	return func(t *testing.T, s *ast.Schema) {
		t.Helper()
		tn, fn, _ := strings.Cut(coord, ".")
		def := s.Types[tn]
		if def == nil || def.Fields.ForName(fn) == nil {
			t.Fatalf("the supergraph has no field %s", coord)
		}
		f := def.Fields.ForName(fn)
		if f.Type.String() != typ {
			t.Errorf("%s has type %s, want %s", coord, f.Type.String(), typ)
		}
		if got := argList(f.Arguments); strings.Join(got, ", ") != strings.Join(args, ", ") {
			t.Errorf("%s has arguments (%s), want (%s)", coord, strings.Join(got, ", "), strings.Join(args, ", "))
		}
	}
}

// absent checks that the supergraph has no such type or field.
func absent(coord string) check {
	return func(t *testing.T, s *ast.Schema) {
		t.Helper()
		typ, field, _ := strings.Cut(coord, ".")
		def := s.Types[typ]
		switch {
		case def == nil:
		case field == "":
			t.Errorf("the supergraph has type %s", typ)
		case def.Fields.ForName(field) != nil || def.EnumValues.ForName(field) != nil:
			t.Errorf("the supergraph has %s", coord)
		}
	}
}

// values checks an enum's values, in order.
func values(enum string, want ...string) check {
	return func(t *testing.T, s *ast.Schema) {
		t.Helper()
		def := s.Types[enum]
		if def == nil {
			t.Fatalf("the supergraph has no enum %s", enum)
		}
		var got []string
		for _, v := range def.EnumValues {
			got = append(got, v.Name)
		}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("enum %s has values %v, want %v", enum, got, want)
		}
	}
}

// members checks a union's members, in order.
func members(union string, want ...string) check {
	return func(t *testing.T, s *ast.Schema) {
		t.Helper()
		def := s.Types[union]
		if def == nil {
			t.Fatalf("the supergraph has no union %s", union)
		}
		if strings.Join(def.Types, " ") != strings.Join(want, " ") {
			t.Errorf("union %s has members %v, want %v", union, def.Types, want)
		}
	}
}
