package introspection

import (
	_ "embed" // FullQuery
	"fmt"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// FullQuery is the introspection query graphql-js 16's
// getIntrospectionQuery builds with every option on: what GraphiQL and
// code generators send.
//
//go:embed full_query.graphql
var FullQuery string

// TooLargeError says an introspection answer grew past the bytes allowed
// for it. An operation can ask for the schema many times over (aliases of
// __schema, of fields, of ofType), so the answer is bounded by what it
// writes, not by the query's size.
type TooLargeError struct {
	// Limit is the bound, in bytes.
	Limit int
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("the introspection answer is larger than %d bytes, the limit for this schema", e.Limit)
}

// FullSize returns the size of the answer to FullQuery over s: the largest
// answer a client that asks for the whole schema once needs.
func FullSize(s *ast.Schema) (int, error) {
	doc, errs := gqlparser.LoadQuery(s, FullQuery)
	if errs != nil {
		return 0, fmt.Errorf("introspection: the full query does not validate against the schema: %w", errs)
	}
	out, err := Write(nil, s, doc.Operations[0].SelectionSet[0].(*ast.Field), nil)
	if err != nil {
		return 0, err
	}
	return len(out), nil
}

// WriteLimited is WriteMerged bounded to maxBytes of answer: past them it
// stops, returns dst unchanged and a *TooLargeError. maxBytes <= 0 means no
// bound.
func WriteLimited(dst []byte, s *ast.Schema, fields []*ast.Field, vars map[string]any, maxBytes int) ([]byte, error) {
	return writeMerged(dst, s, fields, vars, maxBytes)
}
