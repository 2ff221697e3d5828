package openapi

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/weft-gateway/weft/internal/tmpl"
)

// checkTemplates checks every @rest binding of s the way schema.Build
// will once it knows cookies, contentType and JSON template bodies: each
// template parses, reads arguments only, and each argument path names an
// argument and input fields that exist; a block-string body is a JSON
// object whose keys are all written.
func checkTemplates(t testing.TB, s *ast.Schema) {
	t.Helper()
	for _, root := range []*ast.Definition{s.Query, s.Mutation} {
		if root == nil {
			continue
		}
		for _, f := range root.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			d := f.Directives.ForName("rest")
			if d == nil {
				t.Errorf("%s.%s has no @rest", root.Name, f.Name)
				continue
			}
			where := root.Name + "." + f.Name
			var texts, queryValues []string
			path := d.Arguments.ForName("path").Value.Raw
			p, q, _ := strings.Cut(path, "?")
			texts = append(texts, p)
			for _, kv := range strings.Split(q, "&") {
				if kv == "" {
					continue
				}
				name, val, ok := strings.Cut(kv, "=")
				if !ok || name == "" || strings.ContainsAny(name, "{}") {
					t.Errorf("%s: query part %q", where, kv)
				}
				queryValues = append(queryValues, val)
			}
			for _, arg := range []string{"headers", "cookies"} {
				if a := d.Arguments.ForName(arg); a != nil {
					for _, c := range a.Value.Children {
						name, val, ok := strings.Cut(c.Value.Raw, ": ")
						if !ok || name == "" || strings.ContainsAny(name, "{} :") {
							t.Errorf("%s: %s entry %q", where, arg, c.Value.Raw)
						}
						texts = append(texts, val)
					}
				}
			}
			if a := d.Arguments.ForName("body"); a != nil {
				if a.Value.Kind == ast.BlockValue {
					var body map[string]any
					if err := json.Unmarshal([]byte(a.Value.Raw), &body); err != nil {
						t.Errorf("%s: body %s is not a JSON object: %v", where, a.Value.Raw, err)
					}
					for _, v := range body {
						s, ok := v.(string)
						if !ok {
							t.Errorf("%s: body leaf %v is not a template", where, v)
						}
						texts = append(texts, s)
					}
				} else {
					texts = append(texts, a.Value.Raw)
				}
				if method := d.Arguments.ForName("method"); method.Value.Raw == "GET" {
					t.Errorf("%s: a GET with a body", where)
				}
			}
			for i, text := range append(texts, queryValues...) {
				parse := tmpl.Parse
				if i >= len(texts) {
					parse = tmpl.ParseQueryValue // may explode: ?tag={args.tag*}
				}
				tp, err := parse(text)
				if err != nil {
					t.Errorf("%s: template %q: %v", where, text, err)
					continue
				}
				for _, r := range tp.Refs() {
					checkRef(t, s, where, f, r)
				}
			}
		}
	}
}

func checkRef(t testing.TB, s *ast.Schema, where string, f *ast.FieldDefinition, r tmpl.Ref) {
	t.Helper()
	if r.Root != tmpl.Args || len(r.Path) == 0 {
		t.Errorf("%s: placeholder %s does not read an argument", where, r)
		return
	}
	a := f.Arguments.ForName(r.Path[0])
	if a == nil {
		t.Errorf("%s: placeholder %s names no argument", where, r)
		return
	}
	typ := a.Type
	for _, name := range r.Path[1:] {
		def := s.Types[typ.Name()]
		if def == nil || def.Kind != ast.InputObject || typ.Elem != nil {
			t.Errorf("%s: placeholder %s goes into %s, which is not an input object", where, r, typ)
			return
		}
		fd := def.Fields.ForName(name)
		if fd == nil {
			t.Errorf("%s: placeholder %s: %s has no field %s", where, r, def.Name, name)
			return
		}
		typ = fd.Type
	}
}

func TestTemplates(t *testing.T) {
	for _, fx := range fixtures() {
		t.Run(fx.name, func(t *testing.T) {
			res := importFile(t, fx.source, fx.opts)
			checkTemplates(t, parseSDL(t, fx.name, res.SDL))
		})
	}
}

// recorder collects the errors a check reports.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}
func (r *recorder) Helper() {}

// TestCheckTemplatesCatches makes sure the check above finds what it
// looks for.
func TestCheckTemplatesCatches(t *testing.T) {
	tests := []struct{ field, want string }{
		{`a(x: Int): Int @rest(upstream: "u", path: "/a/{args.y}")`, "names no argument"},
		{`a(x: Int): Int @rest(upstream: "u", path: "/a?x={parent.x}")`, "does not read an argument"},
		{`a(x: Int): Int @rest(upstream: "u", path: "/a", headers: ["X {args.x}"])`, "headers entry"},
		{`a(input: I): Int @rest(upstream: "u", method: "POST", path: "/a", body: """{"k": "{args.input.nope}"}""")`, "I has no field nope"},
		{`a(input: I): Int @rest(upstream: "u", method: "POST", path: "/a", body: """{"k": 1}""")`, "is not a template"},
		{`a(input: I): Int @rest(upstream: "u", method: "POST", path: "/a", body: """{"k": """)`, "not a JSON object"},
		{`a(x: Int): Int @rest(upstream: "u", path: "/a/{args.x")`, "template"},
		{`a(x: Int): Int`, "has no @rest"},
	}
	for _, tt := range tests {
		s := parseSDL(t, "check.graphql", "type Query { "+tt.field+" }\ninput I { v: Int }\n")
		r := &recorder{TB: t}
		checkTemplates(r, s)
		if len(r.errs) == 0 || !strings.Contains(strings.Join(r.errs, "\n"), tt.want) {
			t.Errorf("%s: errors %q, want one with %q", tt.field, r.errs, tt.want)
		}
	}
}
