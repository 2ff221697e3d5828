// Package upstreams defines what the executor calls: an Upstream, one
// routable destination (a GraphQL server, a REST API, ...), and the Call it
// sends there. Each protocol lives in a sub-package that owns its spec type,
// its client and, where there is one, its importer.
//
// A call runs in two steps. Prepare evaluates the binding's templates and
// builds the request bytes; it is cheap, does not block, and yields a Key
// equal for identical requests, so the executor makes each distinct call
// once. Do sends it.
package upstreams

import (
	"context"
	"net/http"

	"github.com/rs/zerolog"
	"github.com/valyala/fastjson"

	"github.com/weft-gateway/weft/internal/resource"
	"github.com/weft-gateway/weft/internal/tmpl"
	"github.com/weft-gateway/weft/schema"
)

// Upstream is one routable destination.
type Upstream interface {
	Name() string
	// Prepare builds c's request from its binding and scope and sets c.Key.
	// It must not block: the executor may hold the request's lock.
	Prepare(c *Call) error
	// Do sends a prepared call.
	Do(ctx context.Context, c *Call) (*Result, error)
	// Close stops the upstream's background work (health checks) and
	// releases idle connections; calls in flight finish.
	Close()
}

// Call is one request to one upstream operation.
type Call struct {
	Binding *schema.Binding
	// Scope is what the binding's templates read. For a batch, Scope.Parents
	// holds every parent.
	Scope *tmpl.Scope
	// Batch selects the binding's batch form.
	Batch bool
	// Raw asks for the answer's bytes rather than a parsed value, when the
	// upstream can give them (see Result.Raw).
	Raw bool
	// Operation is the planned operation for GraphQL upstreams.
	Operation *schema.GraphQLOperation
	// Variables are the client's variables, for operations that forward them.
	Variables map[string]any
	// ClientHeader is the client request's header; an upstream forwards only
	// the headers its spec allows.
	ClientHeader http.Header
	// RequestID is sent upstream as X-Request-Id.
	RequestID string
	// Representations, for an entity fetch (Operation.Representations),
	// is the JSON list of the entities to fetch.
	Representations []byte

	// Key is set by Prepare: equal keys mean identical requests.
	Key string
	// Prepared is the kind-specific request Prepare built.
	Prepared any
}

// Result is an upstream's answer to one call.
type Result struct {
	// Value is the operation's result: a GraphQL upstream's data, a REST
	// body. Nil when the upstream returned nothing usable.
	Value *fastjson.Value
	// Raw, for a call that asked for it, holds the result as JSON bytes
	// (starting at the value, possibly followed by more) instead of Value.
	// The upstream may still answer with Value (an answer with errors).
	Raw []byte
	// Errors are errors the upstream reported alongside data.
	Errors []GraphQLError
	// Status is the HTTP status, when the protocol has one.
	Status int

	release func()
}

// GraphQLError is an error a GraphQL upstream returned.
type GraphQLError struct {
	Message string
	// Path is relative to the upstream operation's root.
	Path []any
	// Extensions are the upstream's error extensions, as raw JSON.
	Extensions *fastjson.Value
}

// NewRawResult wraps JSON bytes whose memory release frees.
func NewRawResult(raw []byte, status int, release func()) *Result {
	return &Result{Raw: raw, Status: status, release: release}
}

// NewResult wraps a value whose memory release frees.
func NewResult(v *fastjson.Value, status int, release func()) *Result {
	return &Result{Value: v, Status: status, release: release}
}

// Release returns the result's memory; its values must not be used after.
func (r *Result) Release() {
	if r != nil && r.release != nil {
		r.release()
		r.release = nil
	}
}

// Source is an Upstream resource handed to its kind's Builder.
type Source struct {
	Doc *resource.Document
	// ReadFile reads a file the spec names, relative to the resource's file.
	// It returns the content and the path to name in errors.
	ReadFile func(name string) (data []byte, path string, err error)
	// LocalPath returns the path on disk of a file the spec names, relative
	// to the resource's file, for readers that open files themselves (an
	// OpenAPI document with $refs to its neighbours); it fails when the
	// config is not on disk.
	LocalPath func(name string) (string, error)
	Log       zerolog.Logger
	// Checking says the upstream is built to check a config (weft
	// validate, weft plan), not to serve it: it sends nothing on its own,
	// such as health probes. What loading itself needs (an OpenAPI
	// document by URL, gRPC reflection) is still fetched.
	Checking bool
}

// Builder builds the upstream a resource describes, and what the schema
// builder needs to know of it. Errors name the resource's file and line.
type Builder func(ctx context.Context, src *Source) (Upstream, schema.UpstreamInfo, error)

// Kind is one upstream kind (graphql, rest, grpc, soap, ...): how its
// Upstream resources are built and how fields bind to them. A kind's
// package provides one, and the CLI registers it with one line; nothing
// else in the gateway names a kind.
type Kind struct {
	// Build builds an upstream from its resource.
	Build Builder
	// Binder decodes and checks the kind's binding directive.
	Binder schema.Binder
	// OwnsResilience says the kind reads its spec.resilience block
	// itself, because its upstream is made of parts it calls apart (a
	// supergraph's subgraphs) and each part needs a breaker, limits and
	// retries of its own: one failing part must not trip the others'. The
	// loader then leaves the block in the kind's spec and does not wrap
	// the upstream.
	OwnsResilience bool
}

// Name is the key of the kind's block in an Upstream's spec, and the kind
// its bindings target.
func (k Kind) Name() string { return string(k.Binder.Kind()) }

// Binders returns the Binders of kinds, for schema.Options.
func Binders(kinds []Kind) []schema.Binder {
	out := make([]schema.Binder, len(kinds))
	for i, k := range kinds {
		out[i] = k.Binder
	}
	return out
}
