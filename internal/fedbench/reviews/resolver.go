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
	return fedbench.NewSubgraph(Name, NewExecutableSchema(Config{Resolvers: &Resolver{data: d}}))
}

// Resolver is the subgraph's gqlgen resolver root.
type Resolver struct {
	data *fedbench.Data
}

// Entity returns the _entities resolvers.
func (r *Resolver) Entity() EntityResolver { return entityResolver{r} }

// User returns the User field resolvers.
func (r *Resolver) User() UserResolver { return userResolver{r} }

// Product returns the Product field resolvers.
func (r *Resolver) Product() ProductResolver { return productResolver{r} }

type entityResolver struct{ *Resolver }

// FindManyUserByIDs answers a batch of representations in one pass, in
// their order, with nil (null) for an id no user has.
func (r entityResolver) FindManyUserByIDs(_ context.Context, reps []*UserByIDsInput) ([]*User, error) {
	out := make([]*User, len(reps))
	for i, rep := range reps {
		if u, ok := r.data.User(rep.ID); ok {
			out[i] = &User{ID: u.ID}
		}
	}
	return out, nil
}

// FindManyProductByUpcs answers a batch of representations in one pass, in
// their order, with nil (null) for a upc no product has.
func (r entityResolver) FindManyProductByUpcs(_ context.Context, reps []*ProductByUpcsInput) ([]*Product, error) {
	out := make([]*Product, len(reps))
	for i, rep := range reps {
		if p, ok := r.data.Product(rep.Upc); ok {
			out[i] = &Product{Upc: p.UPC}
		}
	}
	return out, nil
}

type userResolver struct{ *Resolver }

func (r userResolver) Reviews(_ context.Context, u *User) ([]*Review, error) {
	return r.reviews(r.data.ReviewsBy(u.ID)), nil
}

type productResolver struct{ *Resolver }

func (r productResolver) Reviews(_ context.Context, p *Product) ([]*Review, error) {
	return r.reviews(r.data.ReviewsOf(p.Upc)), nil
}

// reviews builds the reviews' models with their author, username
// included (provided), and product as references.
func (r *Resolver) reviews(rs []fedbench.Review) []*Review {
	out := make([]*Review, len(rs))
	for i, rv := range rs {
		m := &Review{ID: rv.ID, Body: &rv.Body, Product: &Product{Upc: rv.ProductUPC}}
		if u, ok := r.data.User(rv.AuthorID); ok {
			m.Author = &User{ID: u.ID, Username: &u.Username}
		}
		out[i] = m
	}
	return out
}
