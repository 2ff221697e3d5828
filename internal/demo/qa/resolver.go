// Package qa is the demo shop's questions-and-answers service: an Apollo
// Federation v2 subgraph (gqlgen with its federation plugin) that extends
// the shop's Product, by upc, with the questions customers asked and
// their answers, and the shop's Review, by id, with how many customers
// found it helpful. Neither is its own: the catalog (plain GraphQL) lists
// products and the reviews service (REST) writes reviews, and the gateway
// fetches these fields by the objects' keys.
package qa

import (
	"context"
	_ "embed"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
)

// Name is the subgraph's name in the demo's supergraph.
const Name = "qa"

//go:embed schema.graphqls
var sdl string

// SDL is the subgraph's schema, as _service { sdl } answers it.
func SDL() string { return sdl }

// queryCacheSize bounds the parsed-query cache; a gateway sends few
// distinct operations.
const queryCacheSize = 1000

// NewHandler serves the subgraph's GraphQL over POST and GET, with the
// questions of s.
func NewHandler(s *Store) *handler.Server {
	srv := handler.New(NewExecutableSchema(Config{Resolvers: &Resolver{store: s}}))
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](queryCacheSize))
	// gqlgen answers _service { sdl } only with introspection on.
	srv.Use(extension.Introspection{})
	return srv
}

// Resolver is the subgraph's gqlgen resolver root.
type Resolver struct {
	store *Store
}

// Query returns the Query resolvers.
func (r *Resolver) Query() QueryResolver { return queryResolver{r} }

// Entity returns the _entities resolvers.
func (r *Resolver) Entity() EntityResolver { return entityResolver{r} }

type queryResolver struct{ *Resolver }

func (r queryResolver) Question(_ context.Context, id string) (*Question, error) {
	return r.store.Question(id), nil
}

type entityResolver struct{ *Resolver }

// FindManyProductByUpcs answers a batch of representations in one pass,
// in their order, with null for a upc the catalog does not have.
func (r entityResolver) FindManyProductByUpcs(_ context.Context, reps []*ProductByUpcsInput) ([]*Product, error) {
	out := make([]*Product, len(reps))
	for i, rep := range reps {
		if qs, ok := r.store.Questions(rep.Upc); ok {
			out[i] = &Product{Upc: rep.Upc, Questions: qs}
		}
	}
	return out, nil
}

// FindManyReviewByIDs answers a batch of review representations: every
// review id has a count of helpful votes.
func (r entityResolver) FindManyReviewByIDs(_ context.Context, reps []*ReviewByIDsInput) ([]*Review, error) {
	out := make([]*Review, len(reps))
	for i, rep := range reps {
		votes := HelpfulVotes(rep.ID)
		out[i] = &Review{ID: rep.ID, HelpfulVotes: &votes}
	}
	return out, nil
}
