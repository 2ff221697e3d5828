package registry_test

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/rs/zerolog"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"

	"github.com/weft-gateway/weft/internal/demo"
	"github.com/weft-gateway/weft/registry"
	"github.com/weft-gateway/weft/upstreams"
	"github.com/weft-gateway/weft/upstreams/federation"
	"github.com/weft-gateway/weft/upstreams/graphql"
	grpcup "github.com/weft-gateway/weft/upstreams/grpc"
	"github.com/weft-gateway/weft/upstreams/rest"
	"github.com/weft-gateway/weft/upstreams/soap"
	"github.com/weft-gateway/weft/virtualservices"
)

func loader() *virtualservices.Loader {
	return &virtualservices.Loader{Kinds: []upstreams.Kind{graphql.Kind(), rest.Kind(), grpcup.Kind(), soap.Kind(), federation.Kind()}, Log: zerolog.Nop()}
}

// TestSubjectsRoundTrip splits the demo's config (several resources in one
// file, a .proto tree, a WSDL, SDL files) into subjects and loads the
// union of their files: every VirtualService builds the same schema.
func TestSubjectsRoundTrip(t *testing.T) {
	ctx := context.Background()
	env := func(string) (string, bool) { return "", false }
	cfg := virtualservices.Config{FS: demo.Config(), Dir: ".", Env: env}
	before, err := loader().Inspect(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	subjects, err := registry.Subjects(cfg.FS, before.Sources)
	if err != nil {
		t.Fatal(err)
	}
	keys := slices.Sorted(maps.Keys(subjects))
	want := []string{"Upstream/catalog", "Upstream/inventory", "Upstream/reviews", "Upstream/shipping", "VirtualService/mobile", "VirtualService/shop"}
	for _, k := range want {
		if !slices.Contains(keys, k) {
			t.Fatalf("subjects %v lack %s", keys, k)
		}
	}
	union := map[string][]byte{}
	for subject, files := range subjects {
		for p, data := range files {
			if !strings.HasPrefix(p, subject+"/") {
				t.Errorf("%s has file %s outside its prefix", subject, p)
			}
			union[p] = data
		}
	}
	if up := subjects["Upstream/catalog"]["Upstream/catalog/upstreams.yaml"]; !strings.Contains(string(up), "name: catalog") || strings.Contains(string(up), "name: reviews") {
		t.Errorf("catalog's file holds other resources, or not its own:\n%s", up)
	}
	after, err := loader().Inspect(ctx, virtualservices.Config{FS: registry.ConfigFS(union), Dir: ".", Env: env})
	if err != nil {
		t.Fatalf("the subjects' files do not load:\n%v", err)
	}
	for name, s := range before.Schemas {
		got := after.Schemas[name]
		if got == nil {
			t.Errorf("virtual service %s is missing", name)
			continue
		}
		if a, b := print(s.AST), print(got.AST); a != b {
			t.Errorf("virtual service %s's schema changed", name)
		}
	}
}

func print(s *ast.Schema) string {
	var b strings.Builder
	formatter.NewFormatter(&b).FormatSchema(s)
	return b.String()
}
