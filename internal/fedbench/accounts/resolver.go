// Package accounts is the accounts subgraph of the federation benchmark:
// the entity User keyed by id, and the root fields me and users.
package accounts

import (
	"context"
	_ "embed"

	"github.com/weft-gateway/weft/internal/fedbench"
)

// Name is the subgraph's name in the supergraph.
const Name = "accounts"

//go:embed schema.graphqls
var sdl string

// SDL is the subgraph's schema, as _service { sdl } answers it.
func SDL() string { return sdl }

// NewHandler serves the accounts subgraph over d.
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

// Me is the first user: the benchmark has no sessions.
func (r queryResolver) Me(context.Context) (*User, error) {
	users := r.data.Users()
	if len(users) == 0 {
		return nil, nil
	}
	return user(users[0]), nil
}

func (r queryResolver) Users(context.Context) ([]*User, error) {
	users := r.data.Users()
	out := make([]*User, len(users))
	for i, u := range users {
		out[i] = user(u)
	}
	return out, nil
}

type entityResolver struct{ *Resolver }

// FindManyUserByIDs answers a batch of representations in one pass, in
// their order, with nil (null) for an id no user has.
func (r entityResolver) FindManyUserByIDs(_ context.Context, reps []*UserByIDsInput) ([]*User, error) {
	out := make([]*User, len(reps))
	for i, rep := range reps {
		if u, ok := r.data.User(rep.ID); ok {
			out[i] = user(u)
		}
	}
	return out, nil
}

func user(u fedbench.User) *User {
	return &User{ID: u.ID, Name: &u.Name, Username: &u.Username}
}
