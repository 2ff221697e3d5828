package schema

import "github.com/weft-gateway/weft/internal/tmpl"

// GraphQLOperation is an operation the planner wrote for a GraphQL
// upstream: the part of a client's query that upstream serves.
type GraphQLOperation struct {
	// Document is the operation text.
	Document string
	// Mutation says the operation is a mutation: never merged with
	// another caller's.
	Mutation bool
	// Head is the start of the JSON request body, `{"query":"..."`, encoded
	// once at plan time.
	Head []byte
	// ForwardVariables are the client variables the document uses.
	ForwardVariables []string
	// Args are computed variables: the document declares $name for each and
	// a template computes its value.
	Args []GraphQLArg
	// Subgraph names the subgraph of a supergraph upstream the operation
	// is sent to; empty for other upstreams.
	Subgraph string
	// Representations says the document declares $representations, an
	// entity fetch's list of entities, which the call carries
	// (upstreams.Call.Representations).
	Representations bool
}

// RepresentationsVariable is the variable an entity fetch's document
// declares for its representations.
const RepresentationsVariable = "__weft_representations"

// GraphQLArg is a document variable whose value a template computes.
type GraphQLArg struct {
	Variable string
	Value    *tmpl.JSON
}
