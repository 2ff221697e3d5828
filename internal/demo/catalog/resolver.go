package catalog

import (
	"context"
	"errors"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
)

// defaultTop is topProducts' default for `first`, repeated here because an
// explicit null bypasses the schema default and must mean the same thing.
const defaultTop = 5

// queryCacheSize bounds the parsed-query cache; the demo sees few distinct queries.
const queryCacheSize = 1000

// NewHandler returns the catalog's GraphQL HTTP handler (POST and GET
// transports, introspection on) serving store. The caller mounts it at a path
// of its choosing and may add gqlgen middleware to it.
func NewHandler(store *Store) *handler.Server {
	srv := handler.New(NewExecutableSchema(Config{Resolvers: &Resolver{store: store}}))
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](queryCacheSize))
	// The gateway introspects the catalog at load in some configurations.
	srv.Use(extension.Introspection{})
	return srv
}

// Resolver is the catalog's gqlgen resolver root.
type Resolver struct {
	store *Store
}

// Query returns the Query resolvers.
func (r *Resolver) Query() QueryResolver { return queryResolver{r} }

// Mutation returns the Mutation resolvers.
func (r *Resolver) Mutation() MutationResolver { return mutationResolver{r} }

type queryResolver struct{ *Resolver }

func (r queryResolver) Products(context.Context) ([]*Product, error) {
	return pointers(r.store.Products()), nil
}

func (r queryResolver) Product(_ context.Context, upc string) (*Product, error) {
	p, ok := r.store.Product(upc)
	if !ok {
		return nil, nil
	}
	return &p, nil
}

func (r queryResolver) TopProducts(_ context.Context, first *int) ([]*Product, error) {
	n := defaultTop
	if first != nil {
		n = *first
	}
	if n < 0 {
		return nil, errors.New("first must not be negative")
	}
	return pointers(r.store.Top(n)), nil
}

type mutationResolver struct{ *Resolver }

func (r mutationResolver) SetPrice(_ context.Context, upc string, price int) (*Product, error) {
	if price < 0 {
		return nil, errors.New("price must not be negative")
	}
	p, ok := r.store.SetPrice(upc, price)
	if !ok {
		return nil, nil
	}
	return &p, nil
}

func pointers(ps []Product) []*Product {
	out := make([]*Product, len(ps))
	for i := range ps {
		out[i] = &ps[i]
	}
	return out
}
