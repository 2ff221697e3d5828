// Package api is the schema registry's GraphQL API: a registry.Service
// behind gqlgen's handler.Server. The schema is schema.graphqls; gqlgen
// generates generated.go and models_gen.go from it (the repository root's
// gqlgen.yml), and resolver.go answers the fields by hand.
package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/rs/zerolog"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/weft-gateway/weft/registry"
)

// Defaults of Options.
const (
	// DefaultMaxBodyBytes lets a push of the store's largest version
	// (32 MiB of files) through in base64.
	DefaultMaxBodyBytes = 48 << 20
	// DefaultMaxComplexity is far above what any one operation of this
	// schema, which has no cycles, asks with a few aliases.
	DefaultMaxComplexity = 1000
)

// CodeInternal is extensions.code of a failure of the registry itself
// (its store unreachable, say), which the client is told nothing more of.
const CodeInternal = "INTERNAL_SERVER_ERROR"

// Options configure the handler; the zero value takes the defaults.
type Options struct {
	Log zerolog.Logger
	// MaxBodyBytes bounds a request's body (DefaultMaxBodyBytes).
	MaxBodyBytes int64
	// MaxComplexity bounds an operation's complexity, one per field
	// (DefaultMaxComplexity).
	MaxComplexity int
}

// NewHandler returns the API over svc, for any path it is mounted at:
// GraphQL over HTTP, POST for every operation and GET for queries, with
// introspection for requests whose token authenticates. The token is the
// request's Authorization: Bearer header. Every refusal is audited: the
// Service's own, and those of requests refused before they reach it
// (transport.go), as registry.AuditRequest.
func NewHandler(svc *registry.Service, opts Options) http.Handler {
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.MaxComplexity <= 0 {
		opts.MaxComplexity = DefaultMaxComplexity
	}
	log := opts.Log
	srv := handler.New(NewExecutableSchema(Config{Resolvers: &Resolver{svc: svc}}))
	srv.AddTransport(httpTransport{svc: svc, maxBody: opts.MaxBodyBytes})
	srv.AddTransport(otherRequests{svc: svc})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.Use(introspectionGate{svc: svc})
	srv.Use(extension.FixedComplexityLimit(opts.MaxComplexity))
	srv.AroundFields(func(ctx context.Context, next graphql.Resolver) (any, error) {
		res, err := next(ctx)
		if errors.Is(err, errBeforeService) {
			svc.AuditRequestRefusal(ctx, tokenFrom(ctx), fmt.Sprintf("bad input to %s: %v", graphql.GetFieldContext(ctx).Field.Name, err))
		}
		return res, err
	})
	srv.SetErrorPresenter(func(ctx context.Context, err error) *gqlerror.Error {
		return present(ctx, err, log)
	})
	srv.SetRecoverFunc(func(ctx context.Context, v any) error {
		log.Error().Str("panic", fmt.Sprint(v)).Msg("registry API: a resolver panicked")
		return errors.New("internal error")
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		srv.ServeHTTP(w, r.WithContext(withToken(r.Context(), bearer(r.Header.Get("Authorization")))))
	})
}

// present turns a resolver's error into the GraphQL error the client
// gets: a refusal of the service with its code (and, for a build that
// failed, its problems; for breaking changes, the report), gqlgen's own
// errors about the request as they are, and anything else as an internal
// error, logged here and described to nobody.
func present(ctx context.Context, err error, log zerolog.Logger) *gqlerror.Error {
	var re *registry.Error
	if errors.As(err, &re) {
		ge := gqlerror.WrapPath(graphql.GetPath(ctx), err)
		ge.Message = re.Message
		ge.Extensions = map[string]any{"code": string(re.Code)}
		if len(re.Problems) > 0 {
			ge.Extensions["problems"] = re.Problems
		}
		if re.Report != nil {
			ge.Extensions["report"] = re.Report
		}
		return ge
	}
	var ge *gqlerror.Error
	if errors.As(err, &ge) {
		return ge
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &gqlerror.Error{Message: "the request ended before the answer", Path: graphql.GetPath(ctx),
			Extensions: map[string]any{"code": CodeInternal}}
	}
	log.Error().Err(err).Str("path", graphql.GetPath(ctx).String()).Msg("registry API: failed")
	return &gqlerror.Error{Message: "internal error", Path: graphql.GetPath(ctx), Extensions: map[string]any{"code": CodeInternal}}
}

// bearer returns the token of an Authorization header: what follows
// "Bearer ". Any other header is passed whole, so that the service
// refuses it as a malformed token (and audits it) rather than as none.
func bearer(h string) string {
	if scheme, tok, ok := strings.Cut(h, " "); ok && strings.EqualFold(scheme, "Bearer") {
		return strings.TrimSpace(tok)
	}
	return h
}

type tokenKey struct{}

func withToken(ctx context.Context, token string) context.Context {
	return context.WithValue(ctx, tokenKey{}, token)
}

// tokenFrom returns the request's token, or "" when it sent none.
func tokenFrom(ctx context.Context) string {
	s, _ := ctx.Value(tokenKey{}).(string)
	return s
}
