// Package products is the products subgraph of the federation benchmark:
// the entity Product keyed by upc with its name, price and weight, and the
// root field topProducts.
package products

import (
	"context"
	_ "embed"
	"errors"

	"github.com/weft-gateway/weft/internal/fedbench"
)

// Name is the subgraph's name in the supergraph.
const Name = "products"

//go:embed schema.graphqls
var sdl string

// SDL is the subgraph's schema, as _service { sdl } answers it.
func SDL() string { return sdl }

// defaultTop is topProducts' default for first, repeated here because an
// explicit null bypasses the schema default and must mean the same thing.
const defaultTop = 5

// NewHandler serves the products subgraph over d.
func NewHandler(d *fedbench.Data) *fedbench.Subgraph {
	return fedbench.NewSubgraph(Name, NewExecutableSchema(Config{Resolvers: &Resolver{data: d}}))
}

// Resolver is the subgraph's gqlgen resolver root.
type Resolver struct {
	data *fedbench.Data
}

// Query returns the Query resolvers.
func (r *Resolver) Query() QueryResolver { return queryResolver{r} }

// Entity returns the _entities resolvers.
func (r *Resolver) Entity() EntityResolver { return entityResolver{r} }

type queryResolver struct{ *Resolver }

func (r queryResolver) TopProducts(_ context.Context, first *int) ([]*Product, error) {
	n := defaultTop
	if first != nil {
		n = *first
	}
	if n < 0 {
		return nil, errors.New("first must not be negative")
	}
	ps := r.data.TopProducts(n)
	out := make([]*Product, len(ps))
	for i, p := range ps {
		out[i] = product(p)
	}
	return out, nil
}

type entityResolver struct{ *Resolver }

// FindManyProductByUpcs answers a batch of representations in one pass, in
// their order, with nil (null) for a upc no product has.
func (r entityResolver) FindManyProductByUpcs(_ context.Context, reps []*ProductByUpcsInput) ([]*Product, error) {
	out := make([]*Product, len(reps))
	for i, rep := range reps {
		if p, ok := r.data.Product(rep.Upc); ok {
			out[i] = product(p)
		}
	}
	return out, nil
}

func product(p fedbench.Product) *Product {
	return &Product{Upc: p.UPC, Name: &p.Name, Price: &p.Price, Weight: &p.Weight}
}
