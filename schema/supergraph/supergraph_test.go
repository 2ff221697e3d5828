package supergraph

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// parseFile reads and parses a fixture of testdata.
func parseFile(t *testing.T, name string) *Supergraph {
	t.Helper()
	sdl, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	sg, err := Parse(name, string(sdl))
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	return sg
}

func TestGraphs(t *testing.T) {
	for _, tt := range []struct {
		file string
		want []Graph
	}{
		{"model.graphql", []Graph{
			{Enum: "ACCOUNTS", Name: "accounts", URL: "http://accounts.example:4001/graphql"},
			{Enum: "INVENTORY", Name: "inventory", URL: "http://inventory.example:4002/graphql"},
			{Enum: "PRODUCTS", Name: "products", URL: "https://products.example/graphql"},
			{Enum: "REVIEWS", Name: "reviews", URL: "http://reviews.example:4004/"},
		}},
		// An empty name falls back to the enum value, lowercased.
		{"minimal.graphql", []Graph{{Enum: "MONOLITH", Name: "monolith", URL: "http://monolith.example/graphql"}}},
		{"inaccessible.graphql", []Graph{
			{Enum: "CATALOG", Name: "catalog", URL: "http://catalog.example/graphql"},
			{Enum: "LEGACY", Name: "legacy", URL: "http://legacy.example/graphql"},
		}},
	} {
		t.Run(tt.file, func(t *testing.T) {
			sg := parseFile(t, tt.file)
			if len(sg.Graphs) != len(tt.want) {
				t.Fatalf("got %d graphs, want %d", len(sg.Graphs), len(tt.want))
			}
			for i, g := range sg.Graphs {
				if *g != tt.want[i] {
					t.Errorf("graph %d = %+v, want %+v", i, *g, tt.want[i])
				}
				if sg.Graph(g.Name) != g {
					t.Errorf("Graph(%q) does not return graph %d", g.Name, i)
				}
			}
			if sg.Graph("nope") != nil {
				t.Error("Graph of an unknown name is not nil")
			}
		})
	}
}

// keysText describes a type's keys in one subgraph: each key's field set,
// with "!" after the ones the subgraph cannot resolve.
func keysText(in *TypeIn) string {
	if in == nil {
		return "(not in subgraph)"
	}
	var out []string
	for _, k := range in.Keys {
		s := k.Fields
		if !k.Resolvable {
			s += "!"
		}
		out = append(out, s)
	}
	return strings.Join(out, " | ")
}

func TestKeys(t *testing.T) {
	sg := parseFile(t, "model.graphql")
	for _, tt := range []struct {
		typ, graph string
		want       string
	}{
		// Several keys in one subgraph, in the order written.
		{"User", "accounts", "id | email"},
		{"User", "products", "id!"},
		{"User", "reviews", "id"},
		{"User", "inventory", "(not in subgraph)"},
		// A compound key with a nested field set.
		{"Product", "products", "upc | sku brand { id }"},
		{"Product", "inventory", "upc"},
		{"Product", "reviews", "upc"},
		{"Review", "reviews", "id"},
		// Types without a key.
		{"Brand", "products", ""},
		{"Query", "accounts", ""},
		// An interface with a key, and its @interfaceObject.
		{"Media", "products", "id"},
		{"Media", "reviews", "id"},
	} {
		t.Run(tt.typ+"@"+tt.graph, func(t *testing.T) {
			typ := sg.Types[tt.typ]
			if typ == nil {
				t.Fatalf("no type %s", tt.typ)
			}
			if got := keysText(typ.In[tt.graph]); got != tt.want {
				t.Errorf("keys = %q, want %q", got, tt.want)
			}
		})
	}
}

// selText prints a parsed field set with the type each field's
// definition names: "sku:String! brand:Brand { id:ID! }".
func selText(set ast.SelectionSet) string {
	var parts []string
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			s := sel.Name + ":"
			if sel.Definition != nil {
				s += sel.Definition.Type.String()
			}
			if sel.ObjectDefinition != nil {
				s = sel.ObjectDefinition.Name + "." + s
			}
			if len(sel.Arguments) > 0 {
				var args []string
				for _, a := range sel.Arguments {
					args = append(args, a.Name+"="+a.Value.String())
				}
				s += "(" + strings.Join(args, ",") + ")"
			}
			if len(sel.SelectionSet) > 0 {
				s += " { " + selText(sel.SelectionSet) + " }"
			}
			parts = append(parts, s)
		case *ast.InlineFragment:
			parts = append(parts, "... on "+sel.TypeCondition+" { "+selText(sel.SelectionSet)+" }")
		}
	}
	return strings.Join(parts, " ")
}

func TestFieldSetsParsed(t *testing.T) {
	sg := parseFile(t, "model.graphql")
	key := sg.Types["Product"].In["products"].Keys[1]
	if got, want := selText(key.Set), "Product.sku:String! Product.brand:Brand { Brand.id:ID! }"; got != want {
		t.Errorf("compound key set = %s, want %s", got, want)
	}
	req := sg.Field("Product", "shippingEstimate", "inventory")
	if got, want := selText(req.Requires), `Product.price:Int(currency="USD") Product.weight:Int`; got != want {
		t.Errorf("requires set = %s, want %s", got, want)
	}
	// A @provides is parsed on the field's type, not its parent.
	prov := sg.Field("Review", "author", "reviews")
	if got, want := selText(prov.Provides), "User.name:String"; got != want {
		t.Errorf("provides set = %s, want %s", got, want)
	}
}

// fieldText describes how a subgraph defines a field.
func fieldText(in *FieldIn) string {
	if in == nil {
		return "(not in subgraph)"
	}
	var out []string
	if in.External {
		out = append(out, "external")
	}
	if in.RequiresText != "" {
		out = append(out, "requires="+in.RequiresText)
	}
	if in.ProvidesText != "" {
		out = append(out, "provides="+in.ProvidesText)
	}
	if in.Type != "" {
		out = append(out, "type="+in.Type)
	}
	if in.Override != "" {
		out = append(out, "override="+in.Override)
	}
	if in.UsedOverridden {
		out = append(out, "usedOverridden")
	}
	if !in.Resolves() {
		out = append(out, "unresolved")
	}
	if len(out) == 0 {
		return "resolves"
	}
	return strings.Join(out, " ")
}

func TestFieldsPerSubgraph(t *testing.T) {
	sg := parseFile(t, "model.graphql")
	for _, tt := range []struct {
		typ, field, graph string
		want              string
	}{
		{"Product", "name", "products", "resolves"},
		{"Product", "name", "reviews", "external unresolved"},
		{"Product", "name", "inventory", "(not in subgraph)"},
		{"Product", "shippingEstimate", "inventory", `requires=price(currency: "USD") weight`},
		{"Product", "price", "inventory", "external unresolved"},
		{"Review", "author", "reviews", "provides=name"},
		{"Product", "code", "products", "type=String!"},
		{"Product", "code", "inventory", "type=String"},
		{"Product", "inStock", "inventory", "override=products"},
		{"Product", "inStock", "products", "usedOverridden unresolved"},
		// A field with no @join__field is in every subgraph of its type.
		{"User", "id", "accounts", "resolves"},
		{"User", "id", "products", "resolves"},
		{"User", "id", "reviews", "resolves"},
		{"User", "id", "inventory", "(not in subgraph)"},
		{"Review", "product", "reviews", "resolves"},
		// A graphless @join__field: no subgraph resolves the field on
		// the object (the interface's @interfaceObject does).
		{"Book", "rating", "products", "(not in subgraph)"},
		{"Book", "rating", "reviews", "(not in subgraph)"},
		{"Media", "rating", "reviews", "resolves"},
		{"Book", "title", "products", "resolves"},
	} {
		t.Run(tt.typ+"."+tt.field+"@"+tt.graph, func(t *testing.T) {
			if got := fieldText(sg.Field(tt.typ, tt.field, tt.graph)); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	if f := sg.Types["Book"].Fields["rating"]; f == nil || len(f.In) != 0 {
		t.Errorf("Book.rating (graphless @join__field) = %+v, want a field in no subgraph", f)
	}
	if sg.Field("Nope", "x", "products") != nil || sg.Field("Product", "nope", "products") != nil {
		t.Error("Field of an unknown type or field is not nil")
	}
}

func TestResolvers(t *testing.T) {
	sg := parseFile(t, "model.graphql")
	for _, tt := range []struct {
		typ, field string
		want       []string
	}{
		{"Product", "name", []string{"products"}},
		{"Product", "upc", []string{"inventory", "products", "reviews"}},
		{"Product", "inStock", []string{"inventory"}},
		{"Product", "shippingEstimate", []string{"inventory"}},
		{"Query", "search", []string{"products", "reviews"}},
		{"User", "name", []string{"accounts"}},
		{"Book", "rating", nil},
		{"Media", "rating", []string{"reviews"}},
		{"Product", "nope", nil},
		{"Nope", "x", nil},
	} {
		t.Run(tt.typ+"."+tt.field, func(t *testing.T) {
			var got []string
			for _, g := range sg.Resolvers(tt.typ, tt.field) {
				got = append(got, g.Name)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Resolvers = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestTypesPerSubgraph(t *testing.T) {
	sg := parseFile(t, "model.graphql")
	for _, tt := range []struct {
		typ, graph      string
		extension, iobj bool
		implements      []string
		members         []string
	}{
		{typ: "User", graph: "accounts", implements: []string{"Node"}},
		// The join__implements say where the type implements what: not
		// in reviews.
		{typ: "User", graph: "reviews", extension: true},
		{typ: "User", graph: "products"},
		{typ: "Product", graph: "reviews", extension: true},
		{typ: "Book", graph: "products", implements: []string{"Media"}},
		{typ: "Media", graph: "reviews", iobj: true},
		{typ: "Media", graph: "products"},
		{typ: "SearchResult", graph: "products", members: []string{"Product", "Book"}},
		{typ: "SearchResult", graph: "reviews", members: []string{"Review", "Product"}},
	} {
		t.Run(tt.typ+"@"+tt.graph, func(t *testing.T) {
			in := sg.Types[tt.typ].In[tt.graph]
			if in == nil {
				t.Fatalf("%s is not in %s", tt.typ, tt.graph)
			}
			if in.Graph != sg.Graph(tt.graph) {
				t.Errorf("Graph = %v", in.Graph)
			}
			if in.Extension != tt.extension || in.InterfaceObject != tt.iobj {
				t.Errorf("extension %v, interfaceObject %v; want %v, %v", in.Extension, in.InterfaceObject, tt.extension, tt.iobj)
			}
			if !slices.Equal(in.Implements, tt.implements) {
				t.Errorf("implements %v, want %v", in.Implements, tt.implements)
			}
			if !slices.Equal(in.Members, tt.members) {
				t.Errorf("members %v, want %v", in.Members, tt.members)
			}
		})
	}
	kinds := map[string]ast.DefinitionKind{"User": ast.Object, "Media": ast.Interface, "SearchResult": ast.Union, "Query": ast.Object}
	for name, kind := range kinds {
		if sg.Types[name].Kind != kind {
			t.Errorf("%s kind = %s, want %s", name, sg.Types[name].Kind, kind)
		}
	}
	// The model holds composite types only, and none of the join machinery.
	for name := range sg.Types {
		if strings.HasPrefix(name, "join__") || strings.HasPrefix(name, "link__") || strings.HasPrefix(name, "__") {
			t.Errorf("machinery type %s in the model", name)
		}
	}
	if sg.Types["String"] != nil {
		t.Error("scalar String in the model of composite types")
	}
}

// TestUndirectedTypes reads a supergraph written without join__type,
// join__implements and join__unionMember: each type is in every subgraph,
// with all its interfaces and members.
func TestUndirectedTypes(t *testing.T) {
	sg := parseFile(t, "minimal.graphql")
	for _, tt := range []struct {
		typ        string
		implements []string
		members    []string
	}{
		{typ: "Dog", implements: []string{"Pet"}},
		{typ: "Cat", implements: []string{"Pet"}},
		{typ: "Found", members: []string{"Dog", "Cat"}},
		{typ: "Query"},
	} {
		in := sg.Types[tt.typ].In["monolith"]
		if in == nil {
			t.Fatalf("%s is not in the only subgraph", tt.typ)
		}
		if !slices.Equal(in.Implements, tt.implements) || !slices.Equal(in.Members, tt.members) {
			t.Errorf("%s: implements %v, members %v; want %v, %v", tt.typ, in.Implements, in.Members, tt.implements, tt.members)
		}
	}
	if got := sg.Resolvers("Query", "pets"); len(got) != 1 || got[0].Name != "monolith" {
		t.Errorf("Query.pets resolvers = %v", got)
	}
}

func TestInaccessibleInModel(t *testing.T) {
	sg := parseFile(t, "inaccessible.graphql")
	// Plans may select what clients cannot see: the model and the
	// supergraph schema keep it, the API schema does not.
	if !sg.Types["LegacyProduct"].Inaccessible || sg.Types["Product"].Inaccessible {
		t.Error("type Inaccessible flags are wrong")
	}
	if !sg.Types["Product"].Fields["internalID"].Inaccessible || sg.Types["Product"].Fields["id"].Inaccessible {
		t.Error("field Inaccessible flags are wrong")
	}
	if got := keysText(sg.Types["Product"].In["legacy"]); got != "internalID" {
		t.Errorf("legacy keys = %q", got)
	}
	if sg.Schema.Types["LegacyProduct"] == nil || sg.Schema.Types["Product"].Fields.ForName("internalID") == nil {
		t.Error("the supergraph schema lost an @inaccessible element")
	}
	for _, name := range []string{"LegacyProduct", "Draft", "Internal", "Cursor", "Audit", "join__Graph", "link__Purpose", "join__FieldSet"} {
		if sg.API.Types[name] != nil {
			t.Errorf("the API schema has %s", name)
		}
	}
	product := sg.API.Types["Product"]
	if product.Fields.ForName("internalID") != nil || product.Fields.ForName("audit") != nil {
		t.Error("the API schema has an @inaccessible field")
	}
	if a := sg.API.Query.Fields.ForName("products").Arguments; len(a) != 1 || a[0].Name != "first" {
		t.Errorf("Query.products arguments in the API schema = %v", a)
	}
	if v := sg.API.Types["Status"].EnumValues; len(v) != 2 || v.ForName("PURGED") != nil {
		t.Errorf("Status values in the API schema = %v", v)
	}
	if f := sg.API.Types["Filter"].Fields; len(f) != 2 || f.ForName("shard") != nil {
		t.Errorf("Filter fields in the API schema = %v", f)
	}
	if m := sg.API.Types["Item"].Types; !slices.Equal(m, []string{"Product"}) {
		t.Errorf("Item members in the API schema = %v", m)
	}
	if i := sg.API.Types["Ranking"].Interfaces; !slices.Equal(i, []string{"Scored"}) {
		t.Errorf("Ranking interfaces in the API schema = %v", i)
	}
	for _, d := range []string{"inaccessible", "tag", "link", "join__field", "join__type"} {
		if sg.API.Directives[d] != nil && !sg.API.Directives[d].Position.Src.BuiltIn {
			t.Errorf("the API schema declares @%s", d)
		}
	}
	if sg.API.Directives["lowercase"] == nil {
		t.Error("the API schema lost the custom directive @lowercase")
	}
	if sg.APIName != "inaccessible.graphql (API schema)" {
		t.Errorf("APIName = %q", sg.APIName)
	}
}

// TestAPISchemaGolden compares each fixture's API schema with its golden
// SDL (testdata/NAME.api.graphql; go test -update rewrites them).
func TestAPISchemaGolden(t *testing.T) {
	for _, name := range []string{"model", "minimal", "inaccessible"} {
		t.Run(name, func(t *testing.T) {
			sg := parseFile(t, name+".graphql")
			// The API schema as loaded, printed again: what clients see
			// and what the golden file holds must be the same schema.
			var b strings.Builder
			formatter.NewFormatter(&b, formatter.WithIndent("  ")).FormatSchema(sg.API)
			if got := b.String(); !strings.Contains(got, "type Query") {
				t.Fatalf("the loaded API schema prints no Query type:\n%s", got)
			}
			golden := filepath.Join("testdata", name+".api.graphql")
			if *update {
				if err := os.WriteFile(golden, []byte(sg.APISDL), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if sg.APISDL != string(want) {
				t.Fatalf("API schema differs from %s (run go test -update after checking):\n--- got\n%s--- want\n%s", golden, sg.APISDL, want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	for _, tt := range []struct {
		file string
		// want is the whole message; line and column, when set, are the
		// *Error's.
		want         string
		line, column int
	}{
		{"not-a-supergraph", "not a Federation v2 supergraph: it has no join__Graph enum (compose the subgraphs first, e.g. with weft compose)", 0, 0},
		{"syntax", "40:1: Expected ], found }", 40, 1},
		{"no-graph", "24:6: ENUM join__Graph: must define one or more unique enum values.", 24, 6},
		{"graph-without-join-graph", "26:3: join__Graph value STOCK has no @join__graph(name:, url:)", 26, 3},
		{"unknown-graph-in-join-type", "44:22: @join__type names graph WAREHOUSE, which join__Graph does not list", 44, 22},
		{"unknown-graph-in-join-field", "47:40: @join__field names graph STOKC, which join__Graph does not list", 47, 40},
		{"unknown-graph-in-join-implements", "50:28: @join__implements names graph SHOPS, which join__Graph does not list", 50, 28},
		{"unknown-graph-in-join-union-member", "50:29: @join__unionMember names graph SHIP, which join__Graph does not list", 50, 29},
		// A key, @requires or @provides naming what its type does not
		// have: at its directive, saying which type, subgraph and field.
		{"key-unknown-field", `44:4: Product: @key(fields: "sku") in subgraph stock: type Product has no field sku`, 44, 4},
		{"key-unknown-nested-field", `49:4: Product: @key(fields: "upc brand { code }") in subgraph shop: type Brand has no field code`, 49, 4},
		{"key-fragment-spread", `43:4: Product: @key(fields: "...ProductKey") in subgraph shop: a field set holds fields and inline fragments only`, 43, 4},
		{"key-not-a-field-set", `43:4: Product: @key(fields: "upc {") in subgraph shop: not a field set: column 6: a selection set is empty or not closed`, 43, 4},
		{"requires-unknown-field", `48:26: Product.shippingEstimate: @requires(fields: "weight volume") in subgraph stock: type Product has no field volume`, 48, 26},
		{"provides-unknown-field", `40:24: Query.products: @provides(fields: "title") in subgraph stock: type Product has no field title`, 40, 24},
	} {
		t.Run(tt.file, func(t *testing.T) {
			sdl, err := os.ReadFile(filepath.Join("testdata", "errors", tt.file+".graphql"))
			if err != nil {
				t.Fatal(err)
			}
			sg, err := Parse(tt.file+".graphql", string(sdl))
			if err == nil {
				t.Fatalf("Parse accepted it: %d graphs", len(sg.Graphs))
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got %s\nwant %s", err, tt.want)
			}
			var e *Error
			if tt.line > 0 && (!errors.As(err, &e) || e.Line != tt.line || e.Column != tt.column) {
				t.Errorf("error %#v is not an *Error at %d:%d", err, tt.line, tt.column)
			}
		})
	}
}

// FuzzParse feeds Parse arbitrary SDL, from the fixtures on: it must never
// panic, and what it accepts must be whole (every subgraph named, every
// field's subgraph one of them, an API schema that loads).
func FuzzParse(f *testing.F) {
	var seeds []string
	for _, pattern := range []string{"testdata/*.graphql", "testdata/errors/*.graphql"} {
		files, _ := filepath.Glob(pattern)
		seeds = append(seeds, files...)
	}
	sort.Strings(seeds)
	for _, file := range seeds {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(data))
	}
	f.Fuzz(func(t *testing.T, sdl string) {
		sg, err := Parse("fuzz.graphql", sdl)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an error without a message")
			}
			return
		}
		if sg.API == nil || sg.Schema == nil || len(sg.Graphs) == 0 {
			t.Fatalf("accepted, but incomplete: %+v", sg)
		}
		for _, g := range sg.Graphs {
			if g.Name == "" || sg.Graph(g.Name) == nil {
				t.Fatalf("graph %+v has no name to find it by", g)
			}
		}
		for tn, typ := range sg.Types {
			for gn, in := range typ.In {
				if in.Graph == nil || in.Graph.Name != gn {
					t.Fatalf("%s in %s: graph %v", tn, gn, in.Graph)
				}
			}
			for fn, fd := range typ.Fields {
				for gn, in := range fd.In {
					if in.Graph == nil || in.Graph.Name != gn {
						t.Fatalf("%s.%s in %s: graph %v", tn, fn, gn, in.Graph)
					}
				}
			}
		}
	})
}

// TestAPIRootNames checks that the API schema says which types are its
// roots only when they are not named Query, Mutation and Subscription: a
// VirtualService serving the supergraph then adds a Mutation of its own
// by defining it.
func TestAPIRootNames(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "minimal.graphql"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, sdl string
		schema    bool
	}{
		{"default names", string(b), false},
		{"renamed query", strings.Replace(strings.Replace(string(b), "query: Query", "query: Root", 1), "type Query {", "type Root {", 1), true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sg, err := Parse("supergraph.graphql", tt.sdl)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Contains(sg.APISDL, "schema {"); got != tt.schema {
				t.Errorf("schema definition written: %v, want %v\n%s", got, tt.schema, sg.APISDL)
			}
			if sg.API.Query == nil {
				t.Error("the API schema has no query root")
			}
		})
	}
}
