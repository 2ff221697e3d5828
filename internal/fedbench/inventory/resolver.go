// Package inventory is the inventory subgraph of the federation benchmark:
// it extends the entity Product (keyed by upc) with inStock, and with
// shippingEstimate, computed from the price and weight it requires from
// the products subgraph.
package inventory

import (
	"context"
	_ "embed"

	"github.com/weft-gateway/weft/internal/fedbench"
)

// Name is the subgraph's name in the supergraph.
const Name = "inventory"

//go:embed schema.graphqls
var sdl string

// SDL is the subgraph's schema, as _service { sdl } answers it.
func SDL() string { return sdl }

// NewHandler serves the inventory subgraph over d.
func NewHandler(d *fedbench.Data) *fedbench.Subgraph {
	return fedbench.NewSubgraph(Name, NewExecutableSchema(Config{Resolvers: &Resolver{data: d}}))
}

// Resolver is the subgraph's gqlgen resolver root.
type Resolver struct {
	data *fedbench.Data
}

// Entity returns the _entities resolvers.
func (r *Resolver) Entity() EntityResolver { return entityResolver{r} }

type entityResolver struct{ *Resolver }

// FindManyProductByUpcs answers a batch of representations in one pass, in
// their order, with nil (null) for a upc the inventory does not stock. The
// shipping estimate comes from the price and weight in the representation,
// never from the inventory's own data: they are another subgraph's fields,
// and the gateway sends them because shippingEstimate requires them.
func (r entityResolver) FindManyProductByUpcs(_ context.Context, reps []*ProductByUpcsInput) ([]*Product, error) {
	out := make([]*Product, len(reps))
	for i, rep := range reps {
		p, ok := r.data.Product(rep.Upc)
		if !ok {
			continue
		}
		out[i] = &Product{
			Upc:              p.UPC,
			Price:            rep.Price,
			Weight:           rep.Weight,
			InStock:          &p.InStock,
			ShippingEstimate: fedbench.ShippingEstimate(rep.Price, rep.Weight),
		}
	}
	return out, nil
}
