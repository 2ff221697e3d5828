package fedbench_test

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/weft-gateway/weft/internal/fedbench"
	"github.com/weft-gateway/weft/internal/fedbench/accounts"
	"github.com/weft-gateway/weft/internal/fedbench/inventory"
	"github.com/weft-gateway/weft/internal/fedbench/products"
	"github.com/weft-gateway/weft/internal/fedbench/reviews"
)

var testURLs = map[string]string{
	"accounts":  "http://127.0.0.1:4001/graphql",
	"inventory": "http://127.0.0.1:4002/graphql",
	"products":  "https://products.example/graphql",
	"reviews":   "http://[::1]:4004/graphql",
}

func loadSupergraph(t *testing.T) *ast.Schema {
	t.Helper()
	sdl, err := fedbench.Supergraph(testURLs)
	if err != nil {
		t.Fatal(err)
	}
	schema, gqlErr := gqlparser.LoadSchema(&ast.Source{Name: "supergraph.graphql", Input: sdl})
	if gqlErr != nil {
		t.Fatalf("the supergraph does not load: %v", gqlErr)
	}
	return schema
}

// TestSupergraph: the filled supergraph loads, names each subgraph at its
// URL, and the deep query is valid against it.
func TestSupergraph(t *testing.T) {
	schema := loadSupergraph(t)
	graphs := schema.Types["join__Graph"]
	if graphs == nil || len(graphs.EnumValues) != 4 {
		t.Fatalf("join__Graph: %+v", graphs)
	}
	for _, v := range graphs.EnumValues {
		d := v.Directives.ForName("join__graph")
		name, url := d.Arguments.ForName("name").Value.Raw, d.Arguments.ForName("url").Value.Raw
		if v.Name != strings.ToUpper(name) || testURLs[name] != url {
			t.Errorf("join__Graph.%s: name %q, url %q", v.Name, name, url)
		}
	}
	if _, err := gqlparser.LoadQueryWithRules(schema, fedbench.DeepQuery, nil); err != nil {
		t.Errorf("the deep query is not valid against the supergraph: %v", err)
	}
	for _, name := range fedbench.SubgraphNames() {
		if p := `url: "{{` + name + `}}"`; !strings.Contains(fedbench.SupergraphTemplate(), p) {
			t.Errorf("the template has no placeholder %s", p)
		}
	}
}

func TestSupergraphErrors(t *testing.T) {
	with := func(change func(map[string]string)) map[string]string {
		m := maps.Clone(testURLs)
		change(m)
		return m
	}
	tests := []struct {
		name string
		urls map[string]string
		want []string
	}{
		{"missing", with(func(m map[string]string) { delete(m, "reviews") }), []string{`no URL for subgraph "reviews"`}},
		{"unknown", with(func(m map[string]string) { m["shipping"] = "http://x/graphql" }), []string{`no subgraph "shipping"`}},
		{"relative", with(func(m map[string]string) { m["products"] = "/graphql" }), []string{`subgraph "products": URL "/graphql": want an absolute http or https URL`}},
		{"other scheme", with(func(m map[string]string) { m["products"] = "ftp://x/graphql" }), []string{`want an absolute http or https URL`}},
		{"quote", with(func(m map[string]string) { m["accounts"] = `http://x/"graphql` }), []string{`subgraph "accounts"`, `would need escaping`}},
		{"two at once", with(func(m map[string]string) { delete(m, "accounts"); m["inventory"] = "x" }), []string{`"accounts"`, `"inventory"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sdl, err := fedbench.Supergraph(tt.urls)
			if err == nil || sdl != "" {
				t.Fatalf("Supergraph = %d bytes, %v; want an error", len(sdl), err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// TestSupergraphMatchesSubgraphs holds the hand-written supergraph to the
// subgraphs' SDL: each type a subgraph defines carries its @join__type
// (with the subgraph's key, and extension when the subgraph only extends
// it), each field has its subgraph's type and its @join__field (with
// external, requires and provides as the subgraph declares them), and the
// supergraph gives no subgraph a type or field it does not define.
func TestSupergraphMatchesSubgraphs(t *testing.T) {
	super := loadSupergraph(t)
	sdls := map[string]string{"accounts": accounts.SDL(), "inventory": inventory.SDL(), "products": products.SDL(), "reviews": reviews.SDL()}
	defined := map[string]map[string]*ast.Definition{} // subgraph -> type -> its fields, merged
	for name, sdl := range sdls {
		doc, err := parser.ParseSchema(&ast.Source{Name: name, Input: sdl})
		if err != nil {
			t.Fatalf("subgraph %s: %v", name, err)
		}
		types := map[string]*ast.Definition{}
		extensionOnly := map[string]bool{}
		for _, d := range doc.Extensions {
			if d.Kind == ast.Object {
				types[d.Name] = d
				extensionOnly[d.Name] = true
			}
		}
		for _, d := range doc.Definitions {
			if d.Kind == ast.Object {
				types[d.Name] = d
				extensionOnly[d.Name] = false
			}
		}
		defined[name] = types
		for typeName, def := range types {
			checkType(t, super, name, def, extensionOnly[typeName])
		}
	}
	for _, typ := range super.Types {
		if typ.BuiltIn || typ.Kind != ast.Object || strings.HasPrefix(typ.Name, "join__") || strings.HasPrefix(typ.Name, "link__") {
			continue
		}
		for _, jt := range typ.Directives.ForNames("join__type") {
			g := graphName(jt)
			if defined[g][typ.Name] == nil && typ.Name != "Query" { // every subgraph has a Query, for _service
				t.Errorf("%s: @join__type(graph: %s), but that subgraph has no %s", typ.Name, strings.ToUpper(g), typ.Name)
			}
		}
		for _, f := range typ.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			for _, g := range fieldGraphs(typ, f) {
				if def := defined[g][typ.Name]; def == nil || def.Fields.ForName(f.Name) == nil {
					t.Errorf("%s.%s: joined to %s, which does not define it", typ.Name, f.Name, strings.ToUpper(g))
				}
			}
		}
	}
}

func graphName(d *ast.Directive) string {
	return strings.ToLower(d.Arguments.ForName("graph").Value.Raw)
}

func argRaw(d *ast.Directive, name string) string {
	if a := d.Arguments.ForName(name); a != nil {
		return a.Value.Raw
	}
	return ""
}

// fieldGraphs are the subgraphs that define a supergraph field: those of
// its @join__field, or when it has none, those of its type's @join__type.
func fieldGraphs(typ *ast.Definition, f *ast.FieldDefinition) []string {
	var out []string
	jf := f.Directives.ForNames("join__field")
	if len(jf) == 0 {
		jf = typ.Directives.ForNames("join__type")
	}
	for _, d := range jf {
		out = append(out, graphName(d))
	}
	return out
}

func checkType(t *testing.T, super *ast.Schema, graph string, def *ast.Definition, extensionOnly bool) {
	t.Helper()
	st := super.Types[def.Name]
	if st == nil {
		t.Errorf("subgraph %s: type %s is not in the supergraph", graph, def.Name)
		return
	}
	var jt *ast.Directive
	for _, d := range st.Directives.ForNames("join__type") {
		if graphName(d) == graph {
			jt = d
		}
	}
	if jt == nil {
		t.Errorf("%s: no @join__type(graph: %s)", def.Name, strings.ToUpper(graph))
		return
	}
	key := ""
	if k := def.Directives.ForName("key"); k != nil {
		key = argRaw(k, "fields")
	}
	if got := argRaw(jt, "key"); got != key {
		t.Errorf("%s @join__type(graph: %s): key %q, the subgraph's is %q", def.Name, strings.ToUpper(graph), got, key)
	}
	if got := argRaw(jt, "extension") == "true"; got != extensionOnly {
		t.Errorf("%s @join__type(graph: %s): extension %t, want %t", def.Name, strings.ToUpper(graph), got, extensionOnly)
	}
	for _, f := range def.Fields {
		sf := st.Fields.ForName(f.Name)
		if sf == nil {
			t.Errorf("subgraph %s: %s.%s is not in the supergraph", graph, def.Name, f.Name)
			continue
		}
		if sf.Type.String() != f.Type.String() {
			t.Errorf("%s.%s: type %s, subgraph %s has %s", def.Name, f.Name, sf.Type, graph, f.Type)
		}
		if !slices.Contains(fieldGraphs(st, sf), graph) {
			t.Errorf("%s.%s: not joined to %s, which defines it", def.Name, f.Name, strings.ToUpper(graph))
			continue
		}
		want := map[string]string{"external": "", "requires": "", "provides": ""}
		if f.Directives.ForName("external") != nil {
			want["external"] = "true"
		}
		for _, name := range []string{"requires", "provides"} {
			if d := f.Directives.ForName(name); d != nil {
				want[name] = argRaw(d, "fields")
			}
		}
		got := map[string]string{"external": "", "requires": "", "provides": ""}
		for _, d := range sf.Directives.ForNames("join__field") {
			if graphName(d) == graph {
				for name := range got {
					got[name] = argRaw(d, name)
				}
			}
		}
		if !maps.Equal(got, want) {
			t.Errorf("%s.%s @join__field(graph: %s): %v, the subgraph declares %v", def.Name, f.Name, strings.ToUpper(graph), got, want)
		}
		for _, a := range f.Arguments {
			sa := sf.Arguments.ForName(a.Name)
			if sa == nil || sa.Type.String() != a.Type.String() || (sa.DefaultValue == nil) != (a.DefaultValue == nil) ||
				(sa.DefaultValue != nil && sa.DefaultValue.String() != a.DefaultValue.String()) {
				t.Errorf("%s.%s(%s): the supergraph's argument differs from subgraph %s's", def.Name, f.Name, a.Name, graph)
			}
		}
	}
}
