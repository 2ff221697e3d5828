package protoschema

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/weft-gateway/weft/internal/tmpl"
)

// checkBindings checks every root field's @grpc binding: it names the
// upstream's method as the method index has it, and its request template
// (a GraphQL object, a string of JSON text, or one placeholder) has
// string leaves that are templates reading arguments that exist; every
// argument is sent once.
func checkBindings(t testing.TB, s *ast.Schema, res *Result) {
	t.Helper()
	byField := map[string]Method{}
	for _, m := range res.Methods {
		if m.Skipped == "" {
			byField[m.Root+"."+m.Field] = m
		}
	}
	seen := 0
	for _, root := range []*ast.Definition{s.Query, s.Mutation, s.Subscription} {
		if root == nil {
			continue
		}
		for _, f := range root.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			where := root.Name + "." + f.Name
			d := f.Directives.ForName("grpc")
			if d == nil {
				t.Errorf("%s has no @grpc", where)
				continue
			}
			seen++
			m, ok := byField[where]
			if !ok {
				t.Errorf("%s is not in the method index", where)
			} else if got := d.Arguments.ForName("method").Value.Raw; got != m.Name {
				t.Errorf("%s: method %q, the index says %q", where, got, m.Name)
			}
			var leaves []string
			if a := d.Arguments.ForName("request"); a != nil {
				var err error
				leaves, err = requestLeaves(a.Value)
				if err != nil {
					t.Errorf("%s: request: %v", where, err)
				}
			}
			used := map[string]int{}
			for _, leaf := range leaves {
				tp, err := tmpl.Parse(leaf)
				if err != nil {
					t.Errorf("%s: template %q: %v", where, leaf, err)
					continue
				}
				for _, r := range tp.Refs() {
					if r.Root != tmpl.Args || len(r.Path) != 1 {
						t.Errorf("%s: placeholder %s does not read an argument", where, r)
						continue
					}
					if f.Arguments.ForName(r.Path[0]) == nil {
						t.Errorf("%s: placeholder %s names no argument", where, r)
					}
					used[r.Path[0]]++
				}
			}
			for _, a := range f.Arguments {
				if used[a.Name] != 1 {
					t.Errorf("%s: argument %s is sent %d times", where, a.Name, used[a.Name])
				}
			}
		}
	}
	if seen != res.Fields {
		t.Errorf("%d bound root fields, the result counts %d", seen, res.Fields)
	}
}

// requestLeaves returns the string leaves of a request template, checking
// that its keys are distinct.
func requestLeaves(v *ast.Value) ([]string, error) {
	switch v.Kind {
	case ast.ObjectValue:
		var out []string
		keys := map[string]bool{}
		for _, c := range v.Children {
			if keys[c.Name] {
				return nil, fmt.Errorf("key %s twice", c.Name)
			}
			keys[c.Name] = true
			if c.Value.Kind != ast.StringValue {
				return nil, fmt.Errorf("key %s holds %s, not a template", c.Name, c.Value)
			}
			out = append(out, c.Value.Raw)
		}
		return out, nil
	case ast.StringValue, ast.BlockValue:
		raw := strings.TrimSpace(v.Raw)
		if !strings.HasPrefix(raw, "{") || strings.HasPrefix(raw, "{args.") {
			return []string{v.Raw}, nil
		}
		dec := json.NewDecoder(strings.NewReader(raw))
		tok, err := dec.Token()
		if err != nil || tok != json.Delim('{') {
			return nil, fmt.Errorf("%q is not a JSON object", raw)
		}
		var out []string
		keys := map[string]bool{}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return nil, err
			}
			if keys[k.(string)] {
				return nil, fmt.Errorf("key %s twice", k)
			}
			keys[k.(string)] = true
			var leaf any
			if err := dec.Decode(&leaf); err != nil {
				return nil, err
			}
			s, ok := leaf.(string)
			if !ok {
				return nil, fmt.Errorf("key %s holds %v, not a template", k, leaf)
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s is neither an object nor a string", v)
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

// TestCheckBindingsCatches makes sure the check above finds what it looks
// for.
func TestCheckBindingsCatches(t *testing.T) {
	res := &Result{Fields: 1, Methods: map[string]Method{"p.S/M": {Name: "p.S/M", Root: "Query", Field: "a"}}}
	tests := []struct{ field, want string }{
		{`a(x: Int): Int @grpc(upstream: "u", method: "p.S/M", request: {x: "{args.y}"})`, "names no argument"},
		{`a(x: Int): Int @grpc(upstream: "u", method: "p.S/M", request: {x: "{parent.x}"})`, "does not read an argument"},
		{`a(x: Int): Int @grpc(upstream: "u", method: "p.S/M", request: {x: 1})`, "not a template"},
		{`a(x: Int): Int @grpc(upstream: "u", method: "p.S/M", request: {x: "{args.x}", y: "{args.x}"})`, "sent 2 times"},
		{`a(x: Int, y: Int): Int @grpc(upstream: "u", method: "p.S/M", request: {x: "{args.x}"})`, "argument y is sent 0 times"},
		{`a(x: Int): Int @grpc(upstream: "u", method: "p.S/M", request: """{"x": "{args.x}", "x": "{args.x}"}""")`, "key x twice"},
		{`a(x: Int): Int @grpc(upstream: "u", method: "p.S/N", request: {x: "{args.x}"})`, "the index says"},
		{`a(x: Int): Int @grpc(upstream: "u", method: "p.S/M", request: {x: "{args.x"})`, "template"},
		{`a(x: Int): Int`, "has no @grpc"},
		{`b(x: Int): Int @grpc(upstream: "u", method: "p.S/M", request: {x: "{args.x}"})`, "not in the method index"},
	}
	for _, tt := range tests {
		s := parseSDL(t, "check.graphql", "type Query { "+tt.field+" }\n")
		r := &recorder{TB: t}
		checkBindings(r, s, res)
		if len(r.errs) == 0 || !strings.Contains(strings.Join(r.errs, "\n"), tt.want) {
			t.Errorf("%s: errors %q, want one with %q", tt.field, r.errs, tt.want)
		}
	}
}
