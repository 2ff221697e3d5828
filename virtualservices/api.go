package virtualservices

import (
	"context"
	"fmt"
	"net/http"
	"runtime/debug"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/rs/zerolog"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/validator/core"
	"github.com/vektah/gqlparser/v2/validator/rules"

	"github.com/weft-gateway/weft/internal/fieldmerge"
	"github.com/weft-gateway/weft/planner"
	"github.com/weft-gateway/weft/resolvers"
	"github.com/weft-gateway/weft/schema"
	"github.com/weft-gateway/weft/upstreams"
	"github.com/weft-gateway/weft/virtualservices/playground"
)

// PlaygroundAssetsPath is where the playground's assets are served, on
// every host.
const PlaygroundAssetsPath = "/-/playground/"

// API is one route's GraphQL API: a schema version, its executor and the
// gqlgen server in front of it. It is built per snapshot, around the
// schema and caches of the previous snapshot's API when the reload left
// them as they were: the caches only ever hold documents and plans of this
// schema object.
type API struct {
	Schema     *schema.Schema
	Executable *resolvers.Executable
	action     GraphQLAction
	server     *handler.Server
	playground http.Handler
	vsName     string
	route      string
	caches     *apiCaches
}

func newAPI(vsName, route string, s *schema.Schema, action GraphQLAction, caches *apiCaches, ups map[string]upstreams.Upstream, vars map[string]string, stale *resolvers.StaleCache, log zerolog.Logger) (*API, error) {
	exec, err := resolvers.New(s, resolvers.Options{
		Plans:          caches.plans,
		Upstreams:      ups,
		Vars:           vars,
		MaxConcurrency: action.MaxConcurrency,
		ExposePlan:     action.ExposePlan,
		MaxDepth:       action.Limits.MaxDepth,
		MaxAliases:     action.Limits.MaxAliases,
		MaxComplexity:  action.Limits.MaxComplexity,
		MaxSelections:  action.Limits.MaxSelections,
		MaxErrors:      action.Limits.MaxErrors,
		Stale:          stale,
		Log:            log,
	})
	if err != nil {
		return nil, fmt.Errorf("virtual service %s: %w", vsName, err)
	}
	srv := handler.New(exec)
	tr := &httpTransport{exec: exec, limits: action.Limits}
	if *action.MergeInFlight {
		tr.flights = &flights{m: map[string]*flight{}}
	}
	srv.AddTransport(tr)
	srv.AddTransport(transport.GRAPHQL{})
	srv.AddTransport(otherRequests{})
	suggest := *action.Introspection
	srv.SetQueryCache(&variableCoercion{Cache: caches.documents, schema: s.AST,
		opts: resolvers.CoerceOptions{Suggest: suggest, MaxErrors: action.Limits.MaxErrors}})
	srv.SetParserTokenLimit(action.Limits.MaxTokens)
	srv.Use(extension.AutomaticPersistedQuery{Cache: caches.apq})
	if suggest {
		srv.Use(extension.Introspection{})
	} else {
		// A suggestion ("Did you mean ...?") names fields, arguments, types
		// and enum values of a schema the API keeps to itself.
		srv.SetDisableSuggestion(true)
	}
	srv.SetValidationRulesFn(func() *rules.Rules { return validationRules(suggest) })
	srv.SetRecoverFunc(func(ctx context.Context, p any) error {
		// A panic value is often an error, which zerolog's Interface would
		// write as {}: its text and the stack say what went wrong.
		log.Error().Str("panic", fmt.Sprint(p)).Bytes("stack", debug.Stack()).Str("virtualService", vsName).Msg("request panicked")
		return fmt.Errorf("internal server error")
	})
	srv.SetErrorPresenter(graphql.DefaultErrorPresenter)
	a := &API{Schema: s, Executable: exec, action: action, server: srv, vsName: vsName, route: route, caches: caches}
	if *action.Playground {
		opts := playground.Options{Title: vsName + " · Weft", AssetsPath: PlaygroundAssetsPath}
		if !*action.Introspection {
			// GraphiQL loads the schema by introspection; without it, the
			// page would load and then fail. The page says why instead.
			opts.Unavailable = "This API does not allow introspection, which the playground needs to load the schema."
		}
		a.playground = playground.Handler(opts)
	}
	return a, nil
}

// validationRules is gqlparser's default rule set with its
// OverlappingFieldsCanBeMerged swapped for internal/fieldmerge's, whose
// time is about linear in the document where gqlparser's is quadratic
// (seconds of CPU for 30 KB within the token limit). Without suggestions,
// every rule that can suggest a name ("Did you mean ...?") is swapped for
// its variant that does not: gqlgen's own switch (SetDisableSuggestion)
// swaps only FieldsOnCorrectType and ScalarLeafs.
func validationRules(suggest bool) *rules.Rules {
	r := fieldmerge.DefaultRules()
	if suggest {
		return r
	}
	for _, p := range [...]struct{ loud, quiet core.Rule }{
		{rules.FieldsOnCorrectTypeRule, rules.FieldsOnCorrectTypeRuleWithoutSuggestions},
		{rules.KnownArgumentNamesRule, rules.KnownArgumentNamesRuleWithoutSuggestions},
		{rules.KnownTypeNamesRule, rules.KnownTypeNamesRuleWithoutSuggestions},
		{rules.ScalarLeafsRule, rules.ScalarLeafsRuleWithoutSuggestions},
		{rules.ValuesOfCorrectTypeRule, rules.ValuesOfCorrectTypeRuleWithoutSuggestions},
	} {
		r.RemoveRule(p.loud.Name)
		r.AddRule(p.quiet.Name, p.quiet.RuleFunc)
	}
	return r
}

// ServeHTTP serves GraphQL requests, and the playground to browsers.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if a.playground != nil && playground.Wants(r) {
		a.playground.ServeHTTP(w, r)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), a.action.Timeout)
	defer cancel()
	r.Body = http.MaxBytesReader(w, r.Body, a.action.Limits.MaxBodyBytes)
	a.server.ServeHTTP(w, r.WithContext(ctx))
}

// Plan validates a query against the API's schema and plans it within the
// route's limits.
func (a *API) Plan(ctx context.Context, query, operation string) (*planner.Plan, error) {
	doc, errs := gqlparser.LoadQuery(a.Schema.AST, query)
	if errs != nil {
		return nil, errs
	}
	return planner.Build(ctx, a.Schema, doc, operation, planner.Options{MaxSelections: a.action.Limits.MaxSelections, MaxDepth: a.action.Limits.MaxDepth})
}
