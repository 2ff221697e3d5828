package introspection

import (
	"encoding/json"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// FuzzWrite feeds arbitrary query text through gqlparser's validation: every
// introspection field of a document that validates must write valid JSON
// without error.
func FuzzWrite(f *testing.F) {
	f.Add(FullQuery)
	f.Add(`{ __type(name: "Pet") { name ...on __Type { kind } possibleTypes { name } } }`)
	f.Add(`{ a: __schema { t: types { f: fields(includeDeprecated: true) { n: name } } } b: __type(name: "E") { enumValues { name } } }`)
	f.Add(`{ __schema { ...F @skip(if: false) } } fragment F on __Schema { directives { name args { defaultValue } } }`)
	s := loadSchema(f, "select.graphql", selectSchema)
	f.Fuzz(func(t *testing.T, query string) {
		doc, errs := gqlparser.LoadQuery(s, query)
		if len(errs) > 0 {
			return
		}
		for _, op := range doc.Operations {
			if len(op.VariableDefinitions) > 0 {
				continue // values would have to be made up
			}
			for _, sel := range op.SelectionSet {
				field, ok := sel.(*ast.Field)
				if !ok || (field.Name != "__schema" && field.Name != "__type") {
					continue
				}
				out, err := Write(nil, s, field, nil)
				if err != nil {
					t.Fatalf("validated query failed: %v\n%s", err, query)
				}
				if !json.Valid(out) {
					t.Fatalf("invalid JSON %s\nfor %s", out, query)
				}
			}
		}
	})
}
