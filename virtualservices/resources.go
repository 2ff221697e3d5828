// Package virtualservices is Weft's HTTP face and control path: it loads
// Upstream and VirtualService resources into an immutable Snapshot (every
// upstream built, every schema and binding checked), routes each request by
// host and route to a VirtualService's GraphQL API, and swaps snapshots
// atomically when the config changes, keeping the old one on a bad change.
package virtualservices

import (
	"time"

	"github.com/weft-gateway/weft/planner"
	"github.com/weft-gateway/weft/resolvers"
)

// Kinds of resources.
const (
	KindUpstream       = "Upstream"
	KindVirtualService = "VirtualService"
)

// VirtualServiceSpec is the spec of a VirtualService: one audience's API,
// served on a set of domains by an ordered route table.
type VirtualServiceSpec struct {
	VirtualHost VirtualHost `yaml:"virtualHost" weft:"required"`
	// Vars are values bindings read as {vars.name}.
	Vars map[string]string `yaml:"vars"`
}

// VirtualHost is the domains and routes of a VirtualService.
type VirtualHost struct {
	// Domains are exact hosts ("shop.example.com"), wildcards
	// ("*.example.com") or "*"; a request goes to the VirtualService with
	// the most specific matching domain.
	Domains []string `yaml:"domains" weft:"required"`
	// Routes are tried in order; the first that matches serves.
	Routes []Route `yaml:"routes" weft:"required"`
}

// Route matches requests and says what serves them.
type Route struct {
	// Name labels the route in logs; it defaults to its index.
	Name string `yaml:"name"`
	// Matchers: the route matches when any matcher matches (none: all).
	Matchers []Matcher `yaml:"matchers"`
	// GraphQL serves a GraphQL API.
	GraphQL *GraphQLAction `yaml:"graphql"`
	// DirectResponse answers with a fixed status and body.
	DirectResponse *DirectResponse `yaml:"directResponse"`
}

// Matcher matches a request by path, headers and method; every condition
// it sets must hold.
type Matcher struct {
	Prefix  string          `yaml:"prefix"`
	Exact   string          `yaml:"exact"`
	Regex   string          `yaml:"regex"`
	Headers []HeaderMatcher `yaml:"headers"`
	Methods []string        `yaml:"methods"`
}

// HeaderMatcher matches one request header.
type HeaderMatcher struct {
	Name string `yaml:"name" weft:"required"`
	// Value must equal the header's value; with Regex, match it fully.
	Value string `yaml:"value"`
	Regex bool   `yaml:"regex"`
	// Present alone requires only that the header is there.
	Present bool `yaml:"present"`
	// Invert negates the match.
	Invert bool `yaml:"invert"`
}

// DirectResponse is a fixed answer.
type DirectResponse struct {
	Status int    `yaml:"status" weft:"required"`
	Body   string `yaml:"body"`
}

// GraphQLAction serves a GraphQL API: a schema whose fields are bound to
// upstreams.
type GraphQLAction struct {
	Schema SchemaSource `yaml:"schema" weft:"required"`
	// Introspection allows __schema and __type queries (default true).
	Introspection *bool `yaml:"introspection"`
	// Playground serves GraphiQL to browsers (default true).
	Playground *bool `yaml:"playground"`
	// ExposePlan lets clients ask for the query plan with the header
	// X-Weft-Plan: 1 (default false).
	ExposePlan bool `yaml:"exposePlan"`
	// Timeout is the deadline of a whole request (default 30s).
	Timeout time.Duration `yaml:"timeout"`
	// Limits bound what one request may ask.
	Limits Limits `yaml:"limits"`
	// MaxConcurrency caps the calls one fetch runs at once (default 32).
	MaxConcurrency int `yaml:"maxConcurrency"`
	// Caches size the API's caches.
	Caches Caches `yaml:"caches"`
	// MergeInFlight lets identical queries in flight at the same moment
	// (same operation, variables and request headers) run once and share
	// the response's bytes (default true).
	MergeInFlight *bool `yaml:"mergeInFlight"`
}

// Caches are the sizes of an API's caches, in entries. They outlive a
// config reload that leaves the API's schema as it was; see
// docs/architecture.md.
type Caches struct {
	// Plans are the operations' plans (default 1000).
	Plans int `yaml:"plans"`
	// Documents are the operations parsed and validated (default 1000).
	Documents int `yaml:"documents"`
	// PersistedQueries are the texts of automatic persisted queries, by
	// hash (default 1000).
	PersistedQueries int `yaml:"persistedQueries"`
}

// defaultCacheSize is the size of each of an API's caches when the config
// does not give one.
const defaultCacheSize = planner.DefaultCacheSize

// SchemaSource names the SDL of an API: a file or inline text, and the
// upstreams whose generated fields it includes.
type SchemaSource struct {
	File   string `yaml:"file"`
	Inline string `yaml:"inline"`
	// Include merges in the fields upstreams generate (a rest upstream's
	// OpenAPI operations), by upstream name.
	Include []string `yaml:"include"`
	// Supergraph serves the API of a supergraph upstream, by name: its
	// subgraphs resolve every field no binding of File or Inline does.
	Supergraph string `yaml:"supergraph"`
}

// Limits bound a request.
type Limits struct {
	// MaxBodyBytes caps a request body (default 1 MiB).
	MaxBodyBytes int64 `yaml:"maxBodyBytes"`
	// MaxDepth caps the nesting of fields (default 32).
	MaxDepth int `yaml:"maxDepth"`
	// MaxAliases caps aliased fields in one operation (default 100).
	MaxAliases int `yaml:"maxAliases"`
	// MaxComplexity caps the field count, lists counted once (default 5000).
	MaxComplexity int `yaml:"maxComplexity"`
	// MaxTokens caps the tokens of a query (default 10000).
	MaxTokens int `yaml:"maxTokens"`
	// MaxSelections caps the selections an operation holds once its
	// fragments are expanded, which is the planner's work (default
	// planner.DefaultMaxSelections). Text limits do not bound it: a 2 KB
	// operation can spread fragments into 2^40 selections.
	MaxSelections int `yaml:"maxSelections"`
	// MaxErrors caps the errors of one response (default 100); past it
	// errors are dropped, and one more (TOO_MANY_ERRORS) says how many.
	MaxErrors int `yaml:"maxErrors"`
	// MaxVariables caps the entries of a request's variables (default 100).
	MaxVariables int `yaml:"maxVariables"`
	// MaxVariableValues caps the JSON values a request's variables hold,
	// nested ones counted: [1, 2] is three (default 10000). The extensions
	// are held to the same bound.
	MaxVariableValues int `yaml:"maxVariableValues"`
}

func (a *GraphQLAction) withDefaults() {
	yes := true
	if a.Introspection == nil {
		a.Introspection = &yes
	}
	if a.Playground == nil {
		a.Playground = &yes
	}
	if a.MergeInFlight == nil {
		a.MergeInFlight = &yes
	}
	if a.Timeout <= 0 {
		a.Timeout = 30 * time.Second
	}
	l := &a.Limits
	if l.MaxBodyBytes <= 0 {
		l.MaxBodyBytes = 1 << 20
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = 32
	}
	if l.MaxAliases <= 0 {
		l.MaxAliases = 100
	}
	if l.MaxComplexity <= 0 {
		l.MaxComplexity = 5000
	}
	if l.MaxTokens <= 0 {
		l.MaxTokens = 10000
	}
	if l.MaxSelections <= 0 {
		l.MaxSelections = planner.DefaultMaxSelections
	}
	if l.MaxErrors <= 0 {
		l.MaxErrors = resolvers.DefaultMaxErrors
	}
	if l.MaxVariables <= 0 {
		l.MaxVariables = 100
	}
	if l.MaxVariableValues <= 0 {
		l.MaxVariableValues = 10000
	}
	for _, size := range []*int{&a.Caches.Plans, &a.Caches.Documents, &a.Caches.PersistedQueries} {
		if *size <= 0 {
			*size = defaultCacheSize
		}
	}
}
