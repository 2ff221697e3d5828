package virtualservices

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/weft-gateway/weft/resolvers"
)

// variableCoercion is gqlgen's query cache with the request's variables
// coerced on the way through it, by resolvers.CoerceVariables, as the spec
// and graphql-js coerce them.
//
// gqlgen's executor coerces variables with gqlparser's VariableValues,
// which lets wrong values through (an enum value in another case, numbers
// for a String) and words its errors its own way, one at a time. The
// executor has no hook between validating a document and that call; the
// query cache is the one place that sees each request's validated document
// before it: a hit in Get, or Add once a new document passed validation.
// There the request's variables are coerced and handed to the executor in
// place of the raw ones, so that VariableValues only checks values already
// valid. The errors, if any, are left in the request's state for the
// transport, which answers them instead of what VariableValues says.
//
// Requests of other transports (gqlgen's application/graphql one, which
// carries no variables) have no state, and keep gqlparser's coercion.
type variableCoercion struct {
	graphql.Cache[*ast.QueryDocument]
	schema *ast.Schema
	opts   resolvers.CoerceOptions
}

var _ graphql.Cache[*ast.QueryDocument] = (*variableCoercion)(nil)

// Get returns the cached document of query, having coerced the request's
// variables for it.
func (c *variableCoercion) Get(ctx context.Context, query string) (*ast.QueryDocument, bool) {
	doc, ok := c.Cache.Get(ctx, query)
	if ok {
		c.coerce(ctx, doc)
	}
	return doc, ok
}

// Add caches a document that passed validation, and coerces the request's
// variables for it.
func (c *variableCoercion) Add(ctx context.Context, query string, doc *ast.QueryDocument) {
	c.Cache.Add(ctx, query, doc)
	c.coerce(ctx, doc)
}

func (c *variableCoercion) coerce(ctx context.Context, doc *ast.QueryDocument) {
	st, ok := ctx.Value(requestStateKey{}).(*requestState)
	if !ok || st.params == nil {
		return
	}
	op := doc.Operations.ForName(st.params.OperationName)
	if op == nil {
		return // the executor reports it
	}
	vars, errs := resolvers.CoerceVariables(c.schema, op, st.variable, c.opts)
	for _, e := range errs {
		errcode.Set(e, errcode.ValidationFailed)
	}
	st.params.Variables, st.varErrs = vars, errs
}
