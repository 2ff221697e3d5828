package introspection

import (
	"bytes"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

func TestWriteMerged(t *testing.T) {
	s := loadSchema(t, "select.graphql", selectSchema)
	set, vars := operation(t, s, `{
		__schema { queryType { name } }
		__schema { mutationType { name } queryType { kind } }
	}`, nil)
	fields := []*ast.Field{set[0].(*ast.Field), set[1].(*ast.Field)}
	got, err := WriteMerged([]byte(`{"__schema":`), s, fields, vars)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"__schema":{"queryType":{"name":"Query","kind":"OBJECT"},"mutationType":{"name":"Mutation"}}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// parsedField parses query without validating it, the way a caller that
// skipped validation would hand it over.
func parsedField(t *testing.T, query string) *ast.Field {
	t.Helper()
	doc, err := parser.ParseQuery(&ast.Source{Input: query})
	if err != nil {
		t.Fatal(err)
	}
	return doc.Operations[0].SelectionSet[0].(*ast.Field)
}

// linked parses query and points every fragment spread at its definition,
// as validation would, but without rejecting cycles.
func linked(query string) func(t *testing.T) *ast.Field {
	return func(t *testing.T) *ast.Field {
		doc, err := parser.ParseQuery(&ast.Source{Input: query})
		if err != nil {
			t.Fatal(err)
		}
		var link func(ast.SelectionSet)
		link = func(set ast.SelectionSet) {
			for _, sel := range set {
				switch sel := sel.(type) {
				case *ast.Field:
					link(sel.SelectionSet)
				case *ast.InlineFragment:
					link(sel.SelectionSet)
				case *ast.FragmentSpread:
					sel.Definition = doc.Fragments.ForName(sel.Name)
				}
			}
		}
		link(doc.Operations[0].SelectionSet)
		for _, f := range doc.Fragments {
			link(f.SelectionSet)
		}
		return doc.Operations[0].SelectionSet[0].(*ast.Field)
	}
}

func TestWriteErrors(t *testing.T) {
	s := loadSchema(t, "select.graphql", selectSchema)
	validated := func(query string) func(t *testing.T) *ast.Field {
		return func(t *testing.T) *ast.Field {
			doc, errs := gqlparser.LoadQuery(s, query)
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			return doc.Operations[0].SelectionSet[0].(*ast.Field)
		}
	}
	parsed := func(query string) func(t *testing.T) *ast.Field {
		return func(t *testing.T) *ast.Field { return parsedField(t, query) }
	}
	tests := []struct {
		name    string
		field   func(t *testing.T) *ast.Field
		vars    map[string]any
		wantErr string
	}{
		{"not an introspection field", validated(`{ a }`), nil, `"a" is not an introspection root field`},
		{"unresolved fragment", parsed(`{ __schema { ...F } } fragment F on __Schema { description }`), nil, "fragment F is not resolved"},
		{"unknown field", parsed(`{ __schema { nope } }`), nil, `__Schema has no field "nope"`},
		{"selection on a leaf", parsed(`{ __type(name: "E") { name { x } } }`), nil, "is a leaf"},
		{"skip variable of the wrong type", validated(`query($s: Boolean!) { __schema { description @skip(if: $s) } }`), map[string]any{"s": "yes"}, "not a Boolean"},
		{"skip variable without value", parsed(`query($s: Boolean!) { __schema { description @skip(if: $s) } }`), nil, "has no value"},
		{"type name of the wrong type", validated(`query($n: String!) { __type(name: $n) { name } }`), map[string]any{"n": 3}, "not a String"},
		{"missing type name", parsed(`{ __type { name } }`), nil, "argument name: missing"},
		{"fragment cycle", linked(`{ __type(name: "E") { ...A } } fragment A on __Type { ofType { ...A } }`), nil, "deeper than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := []byte("prefix")
			out, err := Write(dst, s, tt.field(t), tt.vars)
			if err == nil {
				t.Fatalf("no error; wrote %s", out)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not mention %q", err, tt.wantErr)
			}
			if !bytes.Equal(out, dst) {
				t.Errorf("dst changed to %q", out)
			}
		})
	}
}

func TestUndefinedTypeReference(t *testing.T) {
	// A schema assembled by hand can name a type it lacks; Write reports it
	// instead of writing a half answer.
	s := loadSchema(t, "select.graphql", selectSchema)
	s.Types["Query"].Fields[0].Type = ast.NamedType("Missing", nil)
	f, vars := rootField(t, s, `{ __type(name: "Query") { fields { type { name } } } }`, nil)
	if _, err := Write(nil, s, f, vars); err == nil || !strings.Contains(err.Error(), `type "Missing" is referenced but not defined`) {
		t.Fatalf("got %v", err)
	}
}
