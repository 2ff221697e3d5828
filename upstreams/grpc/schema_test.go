package grpc

import (
	"bufio"
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/weft-gateway/weft/schema"
	"github.com/weft-gateway/weft/upstreams/grpc/protoschema"
)

// importCase is a set of descriptors and the options to import them with.
type importCase struct {
	name  string
	files func(t *testing.T) *protoschema.Files
	opts  protoschema.Options
}

// fixtureCases are the imports protoschema's golden tests cover, over its
// .proto fixtures.
func fixtureCases() []importCase {
	compile := func(files ...string) func(t *testing.T) *protoschema.Files {
		return func(t *testing.T) *protoschema.Files {
			t.Helper()
			f, err := protoschema.Compile(context.Background(), files, protoschema.CompileOptions{ImportPaths: []string{"protoschema/testdata/proto"}})
			if err != nil {
				t.Fatal(err)
			}
			return f
		}
	}
	all := compile("inventory/v1/inventory.proto", "warehouse/v1/warehouse.proto", "legacy/v1/legacy.proto", "catalog/v1/catalog.proto")
	return []importCase{
		{"all", all, protoschema.Options{Upstream: "shop"}},
		{"warehouse", all, protoschema.Options{Upstream: "shop", Services: []string{"warehouse.v1.Warehouse"}}},
		{"kinds", compile("inventory/v1/inventory.proto"), protoschema.Options{Upstream: "inv", Kinds: map[string]string{
			"inventory.v1.Inventory/GetStock":   "Mutation",
			"inventory.v1.Inventory/Probe":      "Query",
			"inventory.v1.Inventory/WatchStock": "Query",
			"inventory.v1.Inventory/Ping":       "Subscription",
		}}},
		{"prefix", compile("warehouse/v1/warehouse.proto"), protoschema.Options{Upstream: "wh", Prefix: "Wh"}},
	}
}

// sharedCases are the .proto entries of the shared spec collection beside
// the repository (as protoschema's TestSharedSpecs finds them); a clone
// elsewhere has none, and the test is skipped.
func sharedCases(t *testing.T) []importCase {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "..", "shared", "specs"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dir, "index.tsv"))
	if err != nil {
		t.Skipf("no shared spec collection at %s: %v", dir, err)
	}
	defer f.Close()
	var out []importCase
	var cols map[string]int
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		row := strings.Split(sc.Text(), "\t")
		if cols == nil {
			cols = map[string]int{}
			for i, c := range row {
				cols[c] = i
			}
			continue
		}
		if len(row) <= cols["roots"] || row[cols["kind"]] != "proto" {
			continue
		}
		file := row[cols["entry_import"]]
		var roots []string
		for _, r := range strings.Split(row[cols["roots"]], ";") {
			roots = append(roots, filepath.Join(dir, r))
		}
		name := strings.NewReplacer("/", "__").Replace(strings.TrimSuffix(strings.TrimPrefix(row[cols["entry"]], "proto/"), ".proto"))
		out = append(out, importCase{name: name, opts: protoschema.Options{Upstream: "api"}, files: func(t *testing.T) *protoschema.Files {
			t.Helper()
			files, err := protoschema.Compile(context.Background(), []string{file}, protoschema.CompileOptions{ImportPaths: roots})
			if err != nil {
				t.Fatal(err)
			}
			return files
		}})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatalf("%s lists no proto entries", f.Name())
	}
	return out
}

// TestImportedSchemasBuild builds a VirtualService schema from each
// import with Weft's own schema builder, in both ways a VirtualService
// uses one: the whole SDL as its schema, and the fragment included
// (schema.include) beside SDL of its own. Every binding the importer wrote
// must check against the UpstreamInfo that Build gives the upstream.
func TestImportedSchemasBuild(t *testing.T) {
	cases := fixtureCases()
	t.Run("fixtures", func(t *testing.T) { buildCases(t, cases) })
	t.Run("shared", func(t *testing.T) { buildCases(t, sharedCases(t)) })
}

func buildCases(t *testing.T, cases []importCase) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := protoschema.Import(tc.files(t), tc.opts)
			var nothing *protoschema.NothingError
			if errors.As(err, &nothing) {
				// protoschema's own tests check why.
				t.Skipf("no schema to build: %v", err)
			}
			if err != nil {
				t.Fatal(err)
			}
			info, err := upstreamInfo(tc.opts.Upstream, "spec.grpc.proto", res)
			if err != nil {
				t.Fatalf("generated SDL does not parse: %v", err)
			}
			ups := map[string]schema.UpstreamInfo{tc.opts.Upstream: info}
			whole, err := schema.Build(schema.Source{File: tc.name + ".graphql", Input: res.SDL}, schema.Options{Binders: testBinders(), Upstreams: ups})
			if err != nil {
				t.Fatalf("the SDL as a VirtualService schema does not build:\n%v", err)
			}
			checkBound(t, whole, res)

			// Included alone (schema: {include: [name]}): the fragment
			// and the scalars it uses, declared once.
			var decls []string
			for _, name := range sortedKeys(info.Scalars) {
				decls = append(decls, info.Scalars[name])
			}
			included, err := schema.Build(schema.Source{File: "vs.graphql"}, schema.Options{Binders: testBinders(), Upstreams: ups,
				Includes: []schema.Source{*info.Fields, {File: "scalars", Input: strings.Join(decls, "\n")}}})
			if err != nil {
				t.Fatalf("the fragment included in a VirtualService does not build:\n%v", err)
			}
			checkBound(t, included, res)
		})
	}
}

// checkBound checks that every method imported as a field is bound to it.
func checkBound(t *testing.T, s *schema.Schema, res *protoschema.Result) {
	t.Helper()
	names := make([]string, 0, len(res.Methods))
	for name := range res.Methods {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		m := res.Methods[name]
		if m.Skipped != "" {
			continue
		}
		b := s.Binding(m.Root, m.Field)
		g, _ := b.Request.(*Binding)
		if b == nil || g == nil || g.Method != name {
			t.Errorf("%s.%s is not bound to %s: %+v", m.Root, m.Field, name, b)
			continue
		}
		if g.ServerStreaming != (m.Streaming == protoschema.ServerStreaming) {
			t.Errorf("%s: binding says server-streaming %v", name, g.ServerStreaming)
		}
	}
}

// TestHandBoundKeys binds a gateway type of its own to a method whose
// response has a field named by a JSON key that is not a GraphQL name: the
// gateway reads the key with @from and builds; a field named after the
// generated GraphQL name, which reads a key the answer lacks, is refused.
func TestHandBoundKeys(t *testing.T) {
	cases := fixtureCases()
	res, err := protoschema.Import(cases[2].files(t), protoschema.Options{Upstream: "inv"})
	if err != nil {
		t.Fatal(err)
	}
	info, err := upstreamInfo("inv", "spec.grpc.proto", res)
	if err != nil {
		t.Fatal(err)
	}
	sdl := func(field string) string {
		return `type Query { stock(upc: String!): MyStock @grpc(upstream: "inv", method: "inventory.v1.Inventory/GetStock", request: {upc: "{args.upc}"}) }
type MyStock { upc: String! ` + field + ` }`
	}
	ups := map[string]schema.UpstreamInfo{"inv": info}
	if _, err := schema.Build(schema.Source{File: "vs.graphql", Input: sdl(`legacyId: String! @from(key: "legacy-id")`)}, schema.Options{Binders: testBinders(), Upstreams: ups}); err != nil {
		t.Errorf("a field reading the JSON key does not build:\n%v", err)
	}
	_, err = schema.Build(schema.Source{File: "vs.graphql", Input: sdl(`legacy_id: String!`)}, schema.Options{Binders: testBinders(), Upstreams: ups})
	if err == nil || !strings.Contains(err.Error(), `has no field "legacy_id" (did you mean "legacy-id"?)`) {
		t.Errorf("a field reading a key the answer lacks: %v", err)
	}
}

// testBinders are the binding directives the generated SDL uses.
func testBinders() []schema.Binder { return []schema.Binder{Binder{}} }
