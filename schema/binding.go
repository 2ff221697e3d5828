// Package schema builds a VirtualService's unified GraphQL schema: the SDL a
// team writes, with binding directives that say which upstream operation
// resolves each field. Building checks every binding against the schema and
// the upstreams (names, arguments, templates, result shapes) so that a config
// that loads cannot fail at run time for a reason a load could have seen.
//
// The package knows no network and no upstream kind: upstreams are
// described to it by UpstreamInfo values, each kind's binding directive is
// decoded by the Binder the kind provides, and its output (Schema, Binding)
// is plain data that the planner plans with and the upstream clients
// execute.
package schema

import (
	"time"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/weft-gateway/weft/internal/tmpl"
)

// Kind is the protocol of an upstream.
type Kind string

// UpstreamInfo is what the builder needs to know of an upstream to check the
// bindings that target it.
type UpstreamInfo struct {
	Name string
	Kind Kind
	// Schema is a GraphQL upstream's schema; nil for other kinds.
	Schema *ast.Schema
	// Version changes whenever what the upstream exposes changes; it feeds
	// the schema's Version.
	Version string
	// Fields is SDL the upstream generates (from its OpenAPI document, say):
	// fields bound to it, for a VirtualService to include. It extends the
	// root types and declares no custom scalar: Scalars holds the
	// declaration of each one it uses, by name, for the includer to declare
	// once.
	Fields  *Source
	Scalars map[string]string
	// Methods are a gRPC upstream's methods by full name
	// ("pkg.Service/Method"); Schema then describes their requests and
	// responses as GraphQL (the generated SDL), for checking bindings.
	Methods map[string]Method
	// Fallback is the upstream's default fallback, for fields bound to it
	// that declare none of their own (nor their type).
	Fallback *Fallback
	// Trusted says the upstream keeps the promises of its own schema (its
	// answers hold values of the declared types, in valid JSON), so that
	// an answer whose types equal the gateway's may be served as it is.
	Trusted bool
	// Federation is a supergraph upstream's supergraph, which a
	// VirtualService may serve whole or extend.
	Federation *Federation
	// Credentials are the names of the upstream's named credentials
	// (spec.authSchemes), sorted: a binding may pick some of them for its
	// calls, in place of the upstream's default ones.
	Credentials []string
	// Failed marks an upstream whose own config has errors: bindings to it
	// are not checked further, so its errors are reported once, not again
	// at every binding.
	Failed bool
}

// Method is an upstream operation described in the upstream's generated
// schema: the root field that stands for it.
type Method struct {
	// Operation is the root type of the field.
	Operation ast.Operation
	// Field is the field's name in that root type of UpstreamInfo.Schema.
	Field string
	// ServerStreaming says the method answers with a stream of messages.
	ServerStreaming bool
}

// FieldRef names a field of a type.
type FieldRef struct{ Type, Field string }

func (r FieldRef) String() string { return r.Type + "." + r.Field }

// Pos is a position in a config or SDL file.
type Pos struct {
	File      string
	Line, Col int
}

// Binding says how one field is resolved: by one upstream operation.
type Binding struct {
	FieldRef
	Def      *ast.FieldDefinition
	Upstream string
	Kind     Kind
	Pos      Pos
	// Result is where in the operation's result the field's value lives.
	Result Path
	// Timeout bounds one call; zero means the upstream's timeout.
	Timeout time.Duration
	// ParentRefs are the parent fields the binding's templates read; the
	// planner makes the parent's source return them.
	ParentRefs [][]string
	// Batch, when set, is how the binding resolves many parents in one
	// call (the request itself is in the kind's Request).
	Batch *Batch
	// ReadsArgs says the executor evaluates (and coerces) the field's
	// arguments for each call: its templates read them, or its upstream is
	// not a GraphQL one that the client's arguments are forwarded to.
	ReadsArgs bool
	// Streams says the binding answers with a stream of values (a
	// server-streaming gRPC method): it serves a Subscription field.
	Streams bool

	// Fallback, when set, serves the field when its call fails.
	Fallback *Fallback

	// GraphQL, when set, delegates the field to a root field of a GraphQL
	// upstream: the planner writes the upstream operation, forwarding the
	// client's selection below the field.
	GraphQL *GraphQLBinding
	// Request is the kind's own decoding of the binding (HTTP request
	// templates, a gRPC method and message template, ...): what its
	// upstream builds calls from.
	Request Request

	// forwardedInputs are the types of arguments forwarded as they are to a
	// GraphQL upstream; their definitions must match the upstream's.
	forwardedInputs []string
}

// GraphQLBinding delegates a field to a root field of a GraphQL upstream.
type GraphQLBinding struct {
	// Field is the upstream root field.
	Field string
	// Operation is the upstream root type the field is on.
	Operation ast.Operation
	// UpstreamDef is the upstream's definition of Field.
	UpstreamDef *ast.FieldDefinition
	// Args, when set, builds the upstream arguments from templates;
	// when nil, the client's arguments are forwarded by name.
	Args []Arg
}

// Arg is one templated argument or parameter.
type Arg struct {
	Name string
	// Type is the upstream argument's type (GraphQL bindings).
	Type  *ast.Type
	Value *tmpl.JSON
}

// Param is a named text template (query parameter, header).
type Param struct {
	Name  string
	Value *tmpl.Template
}

// Batch is what every batch form shares: its templates see {parent.x} as
// the list of x over the batch's parents, and its answer is a list of items
// matched back to the parents by key.
type Batch struct {
	// Result is where the list of result items lives in the answer.
	Result Path
	// Key is the path, in each result item, of the value that matches the
	// parent's key.
	Key Path
	// ParentKey is the parent field the batch is keyed by.
	ParentKey []string
	// MaxSize caps the parents per call.
	MaxSize int
}
