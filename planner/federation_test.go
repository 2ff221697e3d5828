package planner

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/weft-gateway/weft/schema"
	"github.com/weft-gateway/weft/schema/supergraph"
	"github.com/weft-gateway/weft/upstreams/federation"
)

// Federated plans are golden-tested per feature: each directory of
// testdata/federation holds a supergraph.graphql and queries (*.graphql)
// whose printed plans are compared with *.plan (go test -update rewrites
// them). Every operation a plan sends is also validated against the
// schema of the subgraph it goes to, derived from the supergraph.

// fedCase is a supergraph, read, and the schema of a VirtualService that
// serves it whole.
type fedCase struct {
	sg *supergraph.Supergraph
	s  *schema.Schema
	// subgraphs are the subgraphs' schemas, by name.
	subgraphs map[string]*ast.Schema
}

// loadFedCase builds what a VirtualService with
// `schema: {supergraph: supergraph}` builds: the API schema as an
// included source, the supergraph as the schema's federation.
func loadFedCase(t testing.TB, dir string) *fedCase {
	t.Helper()
	file := filepath.Join(dir, "supergraph.graphql")
	sdl, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	sg, err := supergraph.Parse(file, string(sdl))
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	s, err := schema.Build(schema.Source{File: "vs.yaml"}, schema.Options{
		Binders:    testBinders(),
		Includes:   []schema.Source{{File: sg.APIName, Input: sg.APISDL}},
		Federation: &schema.Federation{Upstream: "supergraph", Kind: federation.KindName, Supergraph: sg, Version: "test"},
	})
	if err != nil {
		t.Fatalf("%s: schema: %v", file, err)
	}
	c := &fedCase{sg: sg, s: s, subgraphs: map[string]*ast.Schema{}}
	for _, g := range sg.Graphs {
		c.subgraphs[g.Name] = subgraphSchema(t, sg, g.Name)
	}
	return c
}

// subgraphSchema derives the schema subgraph graph serves from the
// supergraph, as composition's extraction does: its types, each with the
// fields it defines (external ones included, in the subgraph's own type),
// an @interfaceObject as an object type, the interfaces and union members
// the subgraph declares, and the _entities field over its entities.
func subgraphSchema(t testing.TB, sg *supergraph.Supergraph, graph string) *ast.Schema {
	t.Helper()
	doc := &ast.SchemaDocument{}
	var entities []string
	names := make([]string, 0, len(sg.Schema.Types))
	for name := range sg.Schema.Types {
		names = append(names, name)
	}
	sort.Strings(names)
	hasMutation := false
	for _, name := range names {
		def := sg.Schema.Types[name]
		if def.BuiltIn || strings.HasPrefix(name, "join__") || strings.HasPrefix(name, "link__") || strings.HasPrefix(name, "__") {
			continue
		}
		out := &ast.Definition{Kind: def.Kind, Name: name}
		typ := sg.Types[name]
		switch def.Kind {
		case ast.Object, ast.Interface, ast.Union:
			in := typ.In[graph]
			if in == nil {
				continue
			}
			if def.Kind == ast.Union {
				out.Types = in.Members
				break
			}
			if in.InterfaceObject {
				out.Kind = ast.Object
			} else {
				out.Interfaces = in.Implements
			}
			for _, k := range in.Keys {
				if k.Resolvable && out.Kind == ast.Object && !slices.Contains(entities, name) {
					entities = append(entities, name)
				}
			}
			for _, fd := range def.Fields {
				if strings.HasPrefix(fd.Name, "__") {
					continue
				}
				fin := typ.Fields[fd.Name].In[graph]
				if fin == nil {
					continue
				}
				nf := &ast.FieldDefinition{Name: fd.Name, Type: fd.Type, Arguments: stripArgs(fd.Arguments)}
				if fin.Type != "" {
					nf.Type = parseType(t, fin.Type)
				}
				out.Fields = append(out.Fields, nf)
			}
			if name == "Mutation" && len(out.Fields) > 0 {
				hasMutation = true
			}
		case ast.Enum:
			for _, v := range def.EnumValues {
				out.EnumValues = append(out.EnumValues, &ast.EnumValueDefinition{Name: v.Name})
			}
		case ast.InputObject:
			for _, fd := range def.Fields {
				out.Fields = append(out.Fields, &ast.FieldDefinition{Name: fd.Name, Type: fd.Type, DefaultValue: fd.DefaultValue})
			}
		}
		if (out.Kind == ast.Object || out.Kind == ast.Interface) && len(out.Fields) == 0 {
			continue
		}
		doc.Definitions = append(doc.Definitions, out)
	}
	ops := ast.OperationTypeDefinitionList{{Operation: ast.Query, Type: "Query"}}
	if hasMutation {
		ops = append(ops, &ast.OperationTypeDefinition{Operation: ast.Mutation, Type: "Mutation"})
	}
	doc.Schema = append(doc.Schema, &ast.SchemaDefinition{OperationTypes: ops})
	var b strings.Builder
	formatter.NewFormatter(&b, formatter.WithIndent("  ")).FormatSchemaDocument(doc)
	sdl := b.String()
	if !strings.Contains(sdl, "type Query {") {
		// A subgraph with no root field of its own still serves Query.
		sdl += "type Query {\n  _service: String\n}\n"
	}
	if len(entities) > 0 {
		sdl += "scalar _Any\nunion _Entity = " + strings.Join(entities, " | ") + "\nextend type Query {\n  _entities(representations: [_Any!]!): [_Entity]!\n}\n"
	}
	s, gerr := gqlparser.LoadSchema(&ast.Source{Name: graph + " (derived subgraph)", Input: sdl})
	if gerr != nil {
		t.Fatalf("subgraph %s: %v\n%s", graph, gerr, sdl)
	}
	return s
}

func stripArgs(args ast.ArgumentDefinitionList) ast.ArgumentDefinitionList {
	var out ast.ArgumentDefinitionList
	for _, a := range args {
		out = append(out, &ast.ArgumentDefinition{Name: a.Name, Type: a.Type, DefaultValue: a.DefaultValue})
	}
	return out
}

// parseType parses a type reference such as "[String!]!".
func parseType(t testing.TB, text string) *ast.Type {
	t.Helper()
	doc, gerr := parser.ParseSchema(&ast.Source{Input: "type T { f: " + text + " }"})
	if gerr != nil || len(doc.Definitions) != 1 || len(doc.Definitions[0].Fields) != 1 {
		t.Fatalf("type %q: %v", text, gerr)
	}
	return doc.Definitions[0].Fields[0].Type
}

// plan plans query against the case's schema.
func (c *fedCase) plan(t testing.TB, query string) *Plan {
	t.Helper()
	doc, errs := gqlparser.LoadQuery(c.s.AST, query)
	if errs != nil {
		t.Fatalf("query does not validate: %v", errs)
	}
	p, err := Build(context.Background(), c.s, doc, "", Options{})
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return p
}

// checkFetches checks what every plan must hold: each fetch goes to a
// subgraph of the supergraph with an operation valid in that subgraph's
// schema, an entity fetch by a key that subgraph resolves.
func (c *fedCase) checkFetches(t testing.TB, p *Plan) {
	t.Helper()
	for _, f := range p.Fetches {
		if waits(f, f, map[*Fetch]bool{}) {
			t.Errorf("fetch #%d waits for itself", f.ID)
		}
		sub := c.subgraphs[f.Subgraph]
		if sub == nil {
			t.Errorf("fetch #%d goes to %q, which is no subgraph", f.ID, f.Subgraph)
			continue
		}
		if f.Upstream != "supergraph" || f.Kind != federation.KindName {
			t.Errorf("fetch #%d is a fetch of %s (%s)", f.ID, f.Upstream, f.Kind)
		}
		if f.Operation == nil || f.Operation.Subgraph != f.Subgraph || f.Operation.Representations != (f.Entity != nil) {
			t.Errorf("fetch #%d: operation %+v", f.ID, f.Operation)
			continue
		}
		if _, errs := gqlparser.LoadQuery(sub, f.Operation.Document); errs != nil {
			t.Errorf("fetch #%d: the operation is not valid in subgraph %s: %v\n%s", f.ID, f.Subgraph, errs, f.Operation.Document)
		}
		if f.Entity == nil {
			continue
		}
		parents := map[string]bool{}
		for _, et := range f.Entity.Types {
			typ := c.sg.Types[et.TypeName]
			ok := false
			if typ != nil && typ.In[f.Subgraph] != nil {
				for _, k := range typ.In[f.Subgraph].Keys {
					ok = ok || k.Resolvable
				}
			}
			if !ok {
				t.Errorf("fetch #%d fetches %s entities from %s, which resolves no key of it", f.ID, et.TypeName, f.Subgraph)
			}
			if len(f.Entity.Types) > 1 && len(et.Parents) == 0 {
				t.Errorf("fetch #%d sends %s among other types, for no parent type", f.ID, et.TypeName)
			}
			for _, pt := range et.Parents {
				if parents[pt] {
					t.Errorf("fetch #%d sends parents of type %s as two types", f.ID, pt)
				}
				parents[pt] = true
			}
		}
	}
}

// waits reports whether fetch a runs after fetch b: b is its parent or
// a fetch it is after, or one of those runs after b.
func waits(a, b *Fetch, seen map[*Fetch]bool) bool {
	if seen[a] {
		return false
	}
	seen[a] = true
	for _, x := range append([]*Fetch{a.Parent}, a.After...) {
		if x != nil && (x == b || waits(x, b, seen)) {
			return true
		}
	}
	return false
}

// TestFederationGoldenPlans plans every query of every case in
// testdata/federation and compares the printed plan with its golden file.
func TestFederationGoldenPlans(t *testing.T) {
	dirs, _ := filepath.Glob("testdata/federation/*")
	if len(dirs) == 0 {
		t.Fatal("no cases in testdata/federation")
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			c := loadFedCase(t, dir)
			files, _ := filepath.Glob(filepath.Join(dir, "*.graphql"))
			n := 0
			for _, file := range files {
				if filepath.Base(file) == "supergraph.graphql" {
					continue
				}
				n++
				t.Run(filepath.Base(file), func(t *testing.T) {
					q, err := os.ReadFile(file)
					if err != nil {
						t.Fatal(err)
					}
					p := c.plan(t, string(q))
					c.checkFetches(t, p)
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
			if n == 0 {
				t.Fatalf("%s has no queries", dir)
			}
		})
	}
}

// fetchRuns reports whether fetch f runs for the request's variables: the
// conditions of its field and every field above it hold.
func fetchRuns(f *Fetch, vars map[string]any) bool {
	for _, c := range f.Conds {
		if !c.Holds(vars) {
			return false
		}
	}
	return true
}

// TestFederationConditions checks which fetches of the conditions case
// run for which variables: a fetch below a field skipped by the client
// does not run, a fetch of keys the client may skip always does.
func TestFederationConditions(t *testing.T) {
	c := loadFedCase(t, "testdata/federation/conditions")
	for _, tt := range []struct {
		file string
		vars map[string]any
		// runs lists the subgraphs of the fetches that run, in fetch order.
		runs []string
	}{
		{"include-entity-field", map[string]any{"withReviews": true}, []string{"catalog", "reviews"}},
		{"include-entity-field", map[string]any{"withReviews": false}, []string{"catalog"}},
		{"conditional-key", map[string]any{"showUpc": false}, []string{"catalog", "stock"}},
		{"conditional-key", map[string]any{"showUpc": true}, []string{"catalog", "stock"}},
		{"skip-root", map[string]any{"skipProducts": true}, []string{"reviews"}},
		{"skip-root", map[string]any{"skipProducts": false}, []string{"catalog", "stock", "reviews"}},
		{"literal-conditions", nil, []string{"catalog"}},
	} {
		t.Run(tt.file, func(t *testing.T) {
			q, err := os.ReadFile(filepath.Join("testdata/federation/conditions", tt.file+".graphql"))
			if err != nil {
				t.Fatal(err)
			}
			p := c.plan(t, string(q))
			var got []string
			for _, f := range p.Fetches {
				if fetchRuns(f, tt.vars) {
					got = append(got, f.Subgraph)
				}
			}
			if !slices.Equal(got, tt.runs) {
				t.Errorf("with %v, fetches to %v run; want %v", tt.vars, got, tt.runs)
			}
		})
	}
}

// TestFederationInaccessibleHidden checks that what the supergraph marks
// @inaccessible is no part of the schema clients query, although plans
// use it (the key-hidden-from-clients golden plan reaches stock by sku).
func TestFederationInaccessibleHidden(t *testing.T) {
	c := loadFedCase(t, "testdata/federation/inaccessible")
	for _, tt := range []struct{ query, want string }{
		{`{ products { sku } }`, `Cannot query field "sku" on type "Product".`},
		{`{ products { note } }`, `Cannot query field "note" on type "Product".`},
		{`{ products { stock(site: QUARANTINE) } }`, `Value "QUARANTINE" does not exist in "Site" enum.`},
	} {
		_, errs := gqlparser.LoadQuery(c.s.AST, tt.query)
		if errs == nil || !strings.Contains(errs.Error(), tt.want) {
			t.Errorf("%s: errors %v, want %q", tt.query, errs, tt.want)
		}
	}
	if c.s.AST.Types["Product"].Fields.ForName("sku") != nil {
		t.Error("the schema clients see has Product.sku")
	}
}

// TestFederationPlanErrors checks that a query the supergraph cannot
// answer fails to plan with an error at the field, and that requirements
// that loop end planning rather than recursing.
func TestFederationPlanErrors(t *testing.T) {
	for _, tt := range []struct{ dir, query, want string }{
		{"unreachable", "{ stats {\n  total\n  views\n} }", "3:3: no subgraph can resolve Stats.views from subgraph a: no entity key of Stats leads there"},
		{"requires-cycle", "{ products { x } }", "1:14: no subgraph can resolve Product.x from subgraph c: the @requires on the way loop (a field requires one that, in the end, requires it)"},
	} {
		t.Run(tt.dir, func(t *testing.T) {
			c := loadFedCase(t, filepath.Join("testdata/federation-errors", tt.dir))
			doc, errs := gqlparser.LoadQuery(c.s.AST, tt.query)
			if errs != nil {
				t.Fatalf("query does not validate: %v", errs)
			}
			p, err := Build(context.Background(), c.s, doc, "", Options{})
			if err == nil {
				t.Fatalf("planned:\n%s", p)
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got %s\nwant %s", err, tt.want)
			}
		})
	}
}
