// Package reviews is the reviews subgraph of the federation benchmark:
// the value type Review, and the entities User (keyed by id) and Product
// (keyed by upc) extended with their reviews. A review's author comes with
// its username, which this subgraph provides.
package reviews

import (
	"context"
	_ "embed"

	"github.com/weft-gateway/weft/internal/fedbench"
)

// Name is the subgraph's name in the supergraph.
const Name = "reviews"

//go:embed schema.graphqls
var sdl string

// SDL is the subgraph's schema, as _service { sdl } answers it.
func SDL() string { return sdl }

// NewHandler serves the reviews subgraph over d.
func NewHandler(d *fedbench.Data) *fedbench.Subgraph {
	return fedbench.NewSubgraph(Name, NewExecutableSchema(Config{Resolvers: newResolver(d)}))
}

// Resolver is the subgraph's gqlgen resolver root. It holds the whole
// graph of users, products and reviews, linked both ways, built once: the
// data never changes, and gqlgen only reads the models, so every request
// walks the same graph instead of building its part of it, and no field
// needs a resolver of its own. That keeps the subgraph cheap next to the
// gateway it is benchmarked with.
type Resolver struct {
	users    map[string]*User
	products map[string]*Product
}

func newResolver(d *fedbench.Data) *Resolver {
	r := &Resolver{users: map[string]*User{}, products: map[string]*Product{}}
	for _, u := range d.Users() {
		r.users[u.ID] = &User{ID: u.ID, Username: &u.Username, Reviews: []*Review{}}
	}
	for _, p := range d.Products() {
		r.products[p.UPC] = &Product{Upc: p.UPC, Reviews: []*Review{}}
	}
	for _, rv := range d.Reviews() {
		author, product := r.users[rv.AuthorID], r.products[rv.ProductUPC]
		m := &Review{ID: rv.ID, Body: &rv.Body, Author: author, Product: product}
		// Reviews come in id order, so each list is in id order too.
		author.Reviews = append(author.Reviews, m)
		product.Reviews = append(product.Reviews, m)
	}
	return r
}

// Entity returns the _entities resolvers.
func (r *Resolver) Entity() EntityResolver { return entityResolver{r} }

type entityResolver struct{ *Resolver }

// FindManyUserByIDs answers a batch of representations in one pass, in
// their order, with nil (null) for an id no user has.
func (r entityResolver) FindManyUserByIDs(_ context.Context, reps []*UserByIDsInput) ([]*User, error) {
	out := make([]*User, len(reps))
	for i, rep := range reps {
		out[i] = r.users[rep.ID]
	}
	return out, nil
}

// FindManyProductByUpcs answers a batch of representations in one pass, in
// their order, with nil (null) for a upc no product has.
func (r entityResolver) FindManyProductByUpcs(_ context.Context, reps []*ProductByUpcsInput) ([]*Product, error) {
	out := make([]*Product, len(reps))
	for i, rep := range reps {
		out[i] = r.products[rep.Upc]
	}
	return out, nil
}
