package wsdl

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/weft-gateway/weft/internal/tmpl"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// golden compares got with the file, or rewrites the file with -update.
func golden(t *testing.T, file, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the output (run go test -update to accept it):\n%s", file, diff(string(want), got))
	}
}

// diff shows the first lines where want and got part.
func diff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return fmt.Sprintf("line %d:\n- %s\n+ %s", i+1, a, b)
		}
	}
	return "(same lines, different endings)"
}

// directiveDecls declares the binding directives with every argument the
// importer writes, so that gqlparser can check the SDL by itself.
const directiveDecls = `
scalar _WeftValue
directive @soap(upstream: String!, operation: String!, request: _WeftValue, result: String, timeout: String) on FIELD_DEFINITION
directive @from(key: String!) on FIELD_DEFINITION
`

// parseSDL checks that sdl is a valid GraphQL schema.
func parseSDL(t testing.TB, name, sdl string) *ast.Schema {
	t.Helper()
	s, err := gqlparser.LoadSchema(&ast.Source{Name: "directives", Input: directiveDecls, BuiltIn: true}, &ast.Source{Name: name, Input: sdl})
	if err != nil {
		t.Fatalf("%s: the SDL does not parse: %v\n%s", name, err, sdl)
	}
	return s
}

// checkFragment parses the fragment with the scalars it lists declared and
// root types to extend.
func checkFragment(t testing.TB, res *Result) {
	t.Helper()
	var b strings.Builder
	b.WriteString("type Query { _base: Int }\ntype Mutation { _base: Int }\n")
	for _, s := range res.Scalars {
		b.WriteString(ScalarDef(s) + "\n")
	}
	parseSDL(t, "fragment", b.String()+res.Fragment)
	if strings.Contains(res.Fragment, "\nscalar ") {
		t.Error("the fragment declares a scalar")
	}
}

func load(t testing.TB, source string) *Definitions {
	t.Helper()
	defs, err := Load(context.Background(), source, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return defs
}

func mustImport(t testing.TB, defs *Definitions, opts Options) *Result {
	t.Helper()
	res, err := Import(defs, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// report is the text golden beside an SDL: the warnings, the operation
// index with each operation's request and response elements, and the
// shape of every named complex type they reach, once.
func report(res *Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "fields %d, skipped %d, scalars %s, endpoint %s\n", res.Fields, res.Skipped, strings.Join(res.Scalars, ", "), res.Endpoint)
	b.WriteString("\nwarnings:\n")
	for _, w := range res.Warnings {
		b.WriteString(w.String() + "\n")
	}
	b.WriteString("\noperations:\n")
	names := make([]string, 0, len(res.Operations))
	for n := range res.Operations {
		names = append(names, n)
	}
	sort.Strings(names)
	sh := &shaper{named: map[string]*Type{}}
	for _, n := range names {
		op := res.Operations[n]
		if op.Skipped != "" {
			fmt.Fprintf(&b, "%s skipped: %s\n", op.Name, op.Skipped)
			continue
		}
		fmt.Fprintf(&b, "%s -> %s.%s [SOAP %s %s/%s wrapped=%v oneway=%v] action=%q endpoint=%q\n", op.Name, op.Root, op.Field,
			op.SOAPVersion, op.Style, op.Use, op.Wrapped, op.OneWay, op.SOAPAction, op.Endpoint)
		if op.Request != nil {
			fmt.Fprintf(&b, "  request %s", sh.element(op.Request))
			if op.Arg != "" {
				fmt.Fprintf(&b, " as argument %s", op.Arg)
			}
			b.WriteString("\n")
		}
		for _, h := range op.Headers {
			fmt.Fprintf(&b, "  header %s\n", sh.element(&h))
		}
		if op.Response != nil {
			fmt.Fprintf(&b, "  response %s\n", sh.element(op.Response))
			if op.Result != op.Response {
				fmt.Fprintf(&b, "  result %s\n", op.Result.QName())
			}
		}
	}
	b.WriteString("\ntypes:\n")
	for len(sh.named) > 0 {
		keys := make([]string, 0, len(sh.named))
		for k := range sh.named {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			t := sh.named[k]
			delete(sh.named, k)
			if sh.done == nil {
				sh.done = map[string]bool{}
			}
			if sh.done[k] {
				continue
			}
			sh.done[k] = true
			fmt.Fprintf(&b, "%s (%s) %s\n", k, t.Name, sh.fields(t))
		}
	}
	return b.String()
}

// shaper writes elements and types: a named complex type by its name, its
// fields listed once in the report's types section.
type shaper struct {
	named map[string]*Type
	done  map[string]bool
}

func (sh *shaper) element(e *Element) string {
	s := e.QName().String()
	if e.Field != "" {
		s += "=" + e.Field
	}
	if e.Min != 1 || e.Max != 1 {
		max := fmt.Sprint(e.Max)
		if e.Max == Unbounded {
			max = "*"
		}
		s += fmt.Sprintf("[%d..%s]", e.Min, max)
	}
	if e.Nillable {
		s += "?nil"
	}
	if e.Choice {
		s += "|choice"
	}
	return s + ": " + sh.typ(e.Type)
}

func (sh *shaper) typ(t *Type) string {
	switch t.Kind {
	case Simple:
		s := fmt.Sprintf("%s(%s)", t.Scalar, t.Builtin)
		if t.Enum != nil {
			var vs []string
			for _, v := range t.Enum {
				if v.Name == v.Value {
					vs = append(vs, v.Value)
				} else {
					vs = append(vs, v.Value+"="+v.Name)
				}
			}
			s = fmt.Sprintf("enum %s(%s){%s}", t.Output, t.Builtin, strings.Join(vs, ","))
		}
		return s
	case Any:
		return "any"
	case Array:
		return "array of " + sh.element(t.Item)
	}
	name := t.Output
	if name == "" {
		name = t.Input
	}
	if name == "" || name == ScalarJSON {
		return sh.fields(t)
	}
	if sh.done[name] == false {
		sh.named[name] = t
	}
	return name
}

func (sh *shaper) fields(t *Type) string {
	var parts []string
	if t.Content != nil {
		parts = append(parts, fmt.Sprintf("%s=text %s", t.ContentField, sh.typ(t.Content)))
	}
	for _, c := range t.Elements {
		parts = append(parts, sh.element(c))
	}
	for _, a := range t.Attributes {
		s := fmt.Sprintf("@%s=%s %s", QName{a.Namespace, a.Name}, a.Field, sh.typ(a.Type))
		if a.Required {
			s += " required"
		}
		if a.HasDefault {
			s += fmt.Sprintf(" default %q", a.Default)
		}
		parts = append(parts, s)
	}
	if t.Wildcard != "" {
		parts = append(parts, "*="+t.Wildcard)
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// checkBindings checks every root field's @soap binding: it names the
// upstream's operation as the index has it, and its request template is a
// GraphQL object whose keys are the field's arguments, each read once.
func checkBindings(t testing.TB, s *ast.Schema, res *Result, upstream string) {
	t.Helper()
	byField := map[string]Operation{}
	for _, op := range res.Operations {
		if op.Skipped == "" {
			byField[op.Root+"."+op.Field] = op
		}
	}
	seen := 0
	for _, root := range []*ast.Definition{s.Query, s.Mutation} {
		if root == nil {
			continue
		}
		for _, f := range root.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			where := root.Name + "." + f.Name
			d := f.Directives.ForName("soap")
			if d == nil {
				t.Errorf("%s has no @soap", where)
				continue
			}
			seen++
			if got := d.Arguments.ForName("upstream").Value.Raw; got != upstream {
				t.Errorf("%s: upstream %q, want %q", where, got, upstream)
			}
			op, ok := byField[where]
			if !ok {
				t.Errorf("%s is not in the operation index", where)
			} else if got := d.Arguments.ForName("operation").Value.Raw; got != op.Name {
				t.Errorf("%s: operation %q, the index says %q", where, got, op.Name)
			}
			if d.Arguments.ForName("result") != nil {
				t.Errorf("%s: the importer never writes result:", where)
			}
			used := map[string]int{}
			if a := d.Arguments.ForName("request"); a != nil {
				if a.Value.Kind != ast.ObjectValue {
					t.Errorf("%s: request is %s, not an object", where, a.Value)
					continue
				}
				keys := map[string]bool{}
				for _, c := range a.Value.Children {
					if keys[c.Name] {
						t.Errorf("%s: request key %s twice", where, c.Name)
					}
					keys[c.Name] = true
					if c.Value.Kind != ast.StringValue {
						t.Errorf("%s: request key %s holds %s, not a template", where, c.Name, c.Value)
						continue
					}
					tp, err := tmpl.Parse(c.Value.Raw)
					if err != nil {
						t.Errorf("%s: template %q: %v", where, c.Value.Raw, err)
						continue
					}
					for _, r := range tp.Refs() {
						if r.Root != tmpl.Args || len(r.Path) != 1 || r.Path[0] != c.Name {
							t.Errorf("%s: key %s holds %s, not its own argument", where, c.Name, r)
							continue
						}
						if f.Arguments.ForName(r.Path[0]) == nil {
							t.Errorf("%s: placeholder %s names no argument", where, r)
						}
						used[r.Path[0]]++
					}
				}
			}
			for _, a := range f.Arguments {
				if used[a.Name] != 1 {
					t.Errorf("%s: argument %s is sent %d times", where, a.Name, used[a.Name])
				}
			}
			if ok {
				checkArgsMatch(t, where, f, op)
			}
		}
	}
	if seen != res.Fields {
		t.Errorf("%d bound root fields, the result counts %d", seen, res.Fields)
	}
}

// checkArgsMatch checks that the field's arguments are the request
// element's fields (or its one argument), which the codec reads the
// request by.
func checkArgsMatch(t testing.TB, where string, f *ast.FieldDefinition, op Operation) {
	t.Helper()
	var want []string
	switch {
	case op.Request == nil:
	case op.Arg != "":
		want = []string{op.Arg}
	default:
		rt := op.Request.Type
		if rt.Content != nil {
			want = append(want, rt.ContentField)
		}
		for _, e := range rt.Elements {
			want = append(want, e.Field)
		}
		for _, a := range rt.Attributes {
			want = append(want, a.Field)
		}
		if rt.Wildcard != "" {
			want = append(want, rt.Wildcard)
		}
	}
	var got []string
	for _, a := range f.Arguments {
		got = append(got, a.Name)
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("%s: arguments %v, the request element's fields are %v", where, got, want)
	}
}
