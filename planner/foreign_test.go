package planner

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/weft-gateway/weft/schema"
	"github.com/weft-gateway/weft/schema/supergraph"
	"github.com/weft-gateway/weft/upstreams/federation"
	"github.com/weft-gateway/weft/upstreams/graphql"
	grpcup "github.com/weft-gateway/weft/upstreams/grpc"
	"github.com/weft-gateway/weft/upstreams/rest"
	"github.com/weft-gateway/weft/upstreams/soap"
)

// Federated subgraphs extending the types other upstreams return:
// testdata/foreign holds a supergraph, a route's SDL (vs.graphql) whose
// fields are bound to a plain GraphQL, a REST, a gRPC and a SOAP upstream
// and return the supergraph's entities, and queries whose plans are
// golden (go test -update rewrites them).

const foreignDir = "testdata/foreign"

// loadUpstreamSDL loads an upstream's schema from testdata/foreign.
func loadUpstreamSDL(t testing.TB, name string) *ast.Schema {
	t.Helper()
	sdl, err := os.ReadFile(filepath.Join(foreignDir, name))
	if err != nil {
		t.Fatal(err)
	}
	s, gerr := gqlparser.LoadSchema(&ast.Source{Name: name, Input: string(sdl)})
	if gerr != nil {
		t.Fatalf("%s: %v", name, gerr)
	}
	return s
}

// foreignUpstreams are the upstreams vs.graphql binds, as the loader
// describes them to schema.Build: the catalog with its schema, the gRPC
// and SOAP upstreams with their generated ones.
func foreignUpstreams(t testing.TB) map[string]schema.UpstreamInfo {
	t.Helper()
	return map[string]schema.UpstreamInfo{
		"catalog": {Name: "catalog", Kind: graphql.KindName, Schema: loadUpstreamSDL(t, "catalog.graphql")},
		"shop":    {Name: "shop", Kind: rest.KindName},
		"inventory": {Name: "inventory", Kind: grpcup.KindName, Schema: loadUpstreamSDL(t, "inventory.graphql"),
			Methods: map[string]schema.Method{"shop.v1.Products/Get": {Operation: ast.Query, Field: "shop_v1_Products_Get"}}},
		"legacy": {Name: "legacy", Kind: soap.KindName, Schema: loadUpstreamSDL(t, "legacy.graphql"),
			Methods: map[string]schema.Method{"LegacyPort/ListProducts": {Operation: ast.Query, Field: "LegacyPort_ListProducts"}}},
	}
}

// buildForeign builds the route's schema over the supergraph with the
// given upstreams.
func buildForeign(t testing.TB, sdl string, ups map[string]schema.UpstreamInfo) (*fedCase, error) {
	t.Helper()
	file := filepath.Join(foreignDir, "supergraph.graphql")
	text, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	sg, err := supergraph.Parse(file, string(text))
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	s, err := schema.Build(schema.Source{File: "vs.graphql", Input: sdl}, schema.Options{
		Binders:    testBinders(),
		Upstreams:  ups,
		Includes:   []schema.Source{{File: sg.APIName, Input: sg.APISDL}},
		Federation: &schema.Federation{Upstream: "supergraph", Kind: federation.KindName, Supergraph: sg, Version: "test"},
	})
	if err != nil {
		return nil, err
	}
	c := &fedCase{sg: sg, s: s, subgraphs: map[string]*ast.Schema{}}
	for _, g := range sg.Graphs {
		c.subgraphs[g.Name] = subgraphSchema(t, sg, g.Name)
	}
	return c, nil
}

func loadForeign(t testing.TB) (*fedCase, map[string]schema.UpstreamInfo) {
	t.Helper()
	sdl, err := os.ReadFile(filepath.Join(foreignDir, "vs.graphql"))
	if err != nil {
		t.Fatal(err)
	}
	ups := foreignUpstreams(t)
	c, err := buildForeign(t, string(sdl), ups)
	if err != nil {
		t.Fatalf("vs.graphql: %v", err)
	}
	return c, ups
}

// TestForeignGoldenPlans plans every query of testdata/foreign and
// compares the printed plan with its golden file. Every operation sent to
// a subgraph is valid in its schema, and every one sent to the catalog in
// the catalog's.
func TestForeignGoldenPlans(t *testing.T) {
	c, ups := loadForeign(t)
	files, _ := filepath.Glob(filepath.Join(foreignDir, "*-*.graphql"))
	if len(files) == 0 {
		t.Fatal("no queries in testdata/foreign")
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			q, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			p := c.plan(t, string(q))
			entities := 0
			for _, f := range p.Fetches {
				switch {
				case f.Subgraph != "":
					c.checkFetches(t, &Plan{Fetches: []*Fetch{f}})
					if f.Entity != nil {
						entities++
					}
				case f.Operation != nil:
					if _, errs := gqlparser.LoadQuery(ups[f.Upstream].Schema, f.Operation.Document); errs != nil {
						t.Errorf("fetch #%d: the operation is not valid in %s: %v\n%s", f.ID, f.Upstream, errs, f.Operation.Document)
					}
				}
			}
			if entities == 0 {
				t.Errorf("the plan has no entity fetch:\n%s", p)
			}
			got := p.String()
			golden := strings.TrimSuffix(file, ".graphql") + ".plan"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				t.Fatalf("plan differs from %s (run go test -update after checking):\n--- got\n%s--- want\n%s", golden, got, want)
			}
		})
	}
}

// TestForeignRepresentations checks what the executor reads: each entity
// fetch of objects no subgraph answered builds its representation from
// the key's fields at the upstream's names, and the fetched fields go
// under keys of their own.
func TestForeignRepresentations(t *testing.T) {
	c, _ := loadForeign(t)
	for _, tt := range []struct {
		query string
		// reps are the representations of the plan's entity fetches, as
		// subgraph: fields (name: source).
		reps []string
	}{
		{`{ featured { questions { text } } }`, []string{"qa: upc"}},
		{`{ store(code: "s1") { rating } }`, []string{"stores: storeId: code"}},
		{`{ featured { shippingClass } }`, []string{"ratings: upc weight", "products: upc"}},
		{`{ catalogProducts { shippingClass } }`, []string{"ratings: upc weight"}},
	} {
		t.Run(tt.query, func(t *testing.T) {
			p := c.plan(t, tt.query)
			var got []string
			for _, f := range p.Fetches {
				if f.Entity != nil {
					for _, et := range f.Entity.Types {
						got = append(got, f.Subgraph+": "+repText(et.Rep))
					}
				}
			}
			if strings.Join(got, ", ") != strings.Join(tt.reps, ", ") {
				t.Errorf("representations %q, want %q", got, tt.reps)
			}
			for _, f := range p.Fetches {
				if f.Entity == nil {
					continue
				}
				for _, field := range f.Fields {
					if !strings.HasPrefix(field.Key, "__weft") {
						t.Errorf("%s is merged under %q, a key the REST answer may hold", field.Name, field.Key)
					}
				}
			}
		})
	}
}

// TestForeignPlanErrors checks the errors of fields no entity fetch can
// reach from a foreign upstream's objects.
func TestForeignPlanErrors(t *testing.T) {
	c, ups := loadForeign(t)
	// The catalog's schema changes under the built schema (as if it had
	// been built against another version): the planner's own check then
	// says what is wrong, where schema.Build would have refused the route.
	noUPC := loadUpstreamSDL(t, "catalog.graphql")
	noUPC.Types["Product"].Fields = slicesDelete(noUPC.Types["Product"].Fields, "upc")
	cat := ups["catalog"]
	cat.Schema = noUPC
	ups["catalog"] = cat
	doc, errs := gqlparser.LoadQuery(c.s.AST, "{ catalogProducts {\n  name\n  questions { text }\n} }")
	if errs != nil {
		t.Fatal(errs)
	}
	_, err := Build(context.Background(), c.s, doc, "", Options{})
	const want = `3:3: no subgraph can resolve Product.questions for the objects upstream catalog returned: they lack the fields of every key of Product it could be fetched by (subgraph qa: "upc")`
	if err == nil || err.Error() != want {
		t.Errorf("error\n got %v\nwant %s", err, want)
	}
}

func slicesDelete(list ast.FieldList, name string) ast.FieldList {
	var out ast.FieldList
	for _, f := range list {
		if f.Name != name {
			out = append(out, f)
		}
	}
	return out
}

// TestForeignLoadErrors checks that a route whose upstream returns an
// entity without the fields of any key a subgraph could fetch the others
// by is refused when its schema is built, naming the field, the upstream
// and the keys.
func TestForeignLoadErrors(t *testing.T) {
	for _, tt := range []struct {
		name, sdl string
		ups       func(map[string]schema.UpstreamInfo)
		want      string
	}{
		{
			name: "graphql upstream without the key",
			sdl:  `extend type Query { catalogProducts: [Product!]! @graphql(upstream: "catalog", field: "products") }`,
			ups: func(ups map[string]schema.UpstreamInfo) {
				cat := ups["catalog"]
				cat.Schema = gqlparser.MustLoadSchema(&ast.Source{Name: "catalog", Input: "type Query { products: [Product!]! } type Product { name: String! }"})
				ups["catalog"] = cat
			},
			want: `Product.upc: has no binding, and upstream "catalog"'s type Product has no field "upc" to forward it to; the supergraph resolves it, but the upstream's Product lacks the fields of every key a subgraph could fetch it by (subgraph products: "upc"; subgraph qa: "upc"; subgraph ratings: "upc")`,
		},
		{
			name: "grpc message without the key",
			sdl:  `extend type Query { grpcProduct(upc: ID!): Product @grpc(upstream: "inventory", method: "shop.v1.Products/Get", request: {upc: "{args.upc}"}) }`,
			ups: func(ups map[string]schema.UpstreamInfo) {
				inv := ups["inventory"]
				inv.Schema = gqlparser.MustLoadSchema(&ast.Source{Name: "inventory", Input: "type Query { shop_v1_Products_Get(upc: String): shop_v1_Product } type shop_v1_Product { name: String }"})
				ups["inventory"] = inv
			},
			want: `Product.upc: has no binding, and upstream "inventory"'s shop_v1_Product has no field "upc"; it is read from the upstream's answer, as a key subgraphs fetch Product by (subgraph products: "upc"; subgraph qa: "upc"; subgraph ratings: "upc")`,
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ups := foreignUpstreams(t)
			tt.ups(ups)
			_, err := buildForeign(t, tt.sdl, ups)
			if err == nil {
				t.Fatal("the schema builds")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error\n got %v\nwant it to contain %s", err, tt.want)
			}
		})
	}
}
