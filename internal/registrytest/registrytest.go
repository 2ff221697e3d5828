// Package registrytest helps tests of the schema registry: a Builder over
// the real loader with every upstream kind, and the seeding of a store
// from a config directory, one subject per resource (what `weft registry
// import` does).
package registrytest

import (
	"context"
	"io/fs"
	"os"
	"testing"

	"github.com/rs/zerolog"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/weft-gateway/weft/registry"
	"github.com/weft-gateway/weft/registry/store"
	"github.com/weft-gateway/weft/upstreams"
	"github.com/weft-gateway/weft/upstreams/federation"
	"github.com/weft-gateway/weft/upstreams/graphql"
	grpcup "github.com/weft-gateway/weft/upstreams/grpc"
	"github.com/weft-gateway/weft/upstreams/rest"
	"github.com/weft-gateway/weft/upstreams/soap"
	"github.com/weft-gateway/weft/virtualservices"
)

// Loader returns a loader with every upstream kind weft has.
func Loader() *virtualservices.Loader {
	return &virtualservices.Loader{
		Kinds: []upstreams.Kind{graphql.Kind(), rest.Kind(), grpcup.Kind(), soap.Kind(), federation.Kind()},
		Log:   zerolog.Nop(),
	}
}

// Builder is the registry's Builder over Loader, as weft's CLI wires it;
// ${VAR} placeholders expand to their defaults.
type Builder struct{}

var _ registry.Builder = Builder{}

// Inspect implements registry.Builder.
func (Builder) Inspect(ctx context.Context, fsys fs.FS) (*registry.Inspection, error) {
	in, err := Loader().Inspect(ctx, virtualservices.Config{FS: fsys, Dir: ".", Env: func(string) (string, bool) { return "", false }})
	if err != nil {
		return nil, err
	}
	out := &registry.Inspection{Schemas: make(map[string]*ast.Schema, len(in.Schemas)), Sources: in.Sources, Warnings: in.Warnings}
	for name, s := range in.Schemas {
		out.Schemas[name] = s.AST
	}
	return out, nil
}

// Seed pushes each resource of the config in dir to st as its subject,
// or ends the test.
func Seed(t testing.TB, ctx context.Context, st *store.Store, dir string) {
	t.Helper()
	fsys := os.DirFS(dir)
	in, err := Loader().Inspect(ctx, virtualservices.Config{FS: fsys, Dir: "."})
	if err != nil {
		t.Fatalf("seeding from %s: %v", dir, err)
	}
	subjects, err := registry.Subjects(fsys, in.Sources)
	if err != nil {
		t.Fatalf("seeding from %s: %v", dir, err)
	}
	for subject, files := range subjects {
		if _, err := st.Push(ctx, store.PushRequest{Subject: subject, Files: files, Author: "seed", Message: "seeded from " + dir}); err != nil {
			t.Fatalf("seeding %s: %v", subject, err)
		}
	}
}
