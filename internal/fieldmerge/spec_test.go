package fieldmerge_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"
	"github.com/vektah/gqlparser/v2/validator/rules"
	"go.yaml.in/yaml/v3"

	"github.com/weft-gateway/weft/internal/fieldmerge"
)

// specCase is one case of graphql-js's OverlappingFieldsCanBeMergedRule
// tests, as gqlparser exports them.
type specCase struct {
	Name   string
	Rule   string
	Schema string
	Query  string
	Errors []specError
}

type specError struct {
	Message   string
	Locations []struct{ Line, Column int }
}

// deviation is where this rule's errors for a spec case differ from
// graphql-js's, and why. The verdict (valid or not) never differs.
type deviation struct {
	why    string
	errors []specError
}

func loadSpec(t *testing.T) ([]specCase, []*ast.Schema) {
	t.Helper()
	var raw []string
	readYAML(t, "schemas.yml", &raw)
	schemas := make([]*ast.Schema, len(raw))
	for i, src := range raw {
		s, err := gqlparser.LoadSchema(&ast.Source{Name: fmt.Sprintf("schemas.yml[%d]", i), Input: src})
		if err != nil {
			t.Fatalf("loading schemas.yml[%d]: %v", i, err)
		}
		schemas[i] = s
	}
	var cases []specCase
	readYAML(t, "OverlappingFieldsCanBeMergedRule.spec.yml", &cases)
	if len(cases) == 0 {
		t.Fatal("no spec cases")
	}
	return cases, schemas
}

func readYAML(t *testing.T, name string, into any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, into); err != nil {
		t.Fatalf("testdata/%s: %v", name, err)
	}
}

func specSchema(t *testing.T, sc specCase, schemas []*ast.Schema) *ast.Schema {
	t.Helper()
	i, err := strconv.Atoi(sc.Schema)
	if err != nil || i < 0 || i >= len(schemas) {
		t.Fatalf("schema %q is not an index into schemas.yml", sc.Schema)
	}
	return schemas[i]
}

// validate runs one rule alone over a freshly parsed document: the walker
// annotates the document, so each run gets its own.
func validate(t testing.TB, schema *ast.Schema, query string, rule rules.Rules) gqlerror.List {
	t.Helper()
	doc, err := parser.ParseQuery(&ast.Source{Name: "query.graphql", Input: query})
	if err != nil {
		t.Fatalf("parsing: %v", err)
	}
	return validator.ValidateWithRules(schema, doc, &rule)
}

func ours() rules.Rules { return *rules.NewRules(fieldmerge.Rule()) }

func theirs() rules.Rules { return *rules.NewRules(rules.OverlappingFieldsCanBeMergedRule) }

// TestSpec runs every case of graphql-js's suite: the same errors, with the
// same messages at the same locations in the same order, unless listed in
// deviations.
func TestSpec(t *testing.T) {
	// deviations lists the spec cases where this rule reports something
	// other than graphql-js does, by case name: none. gqlparser's own
	// deviations.yml skips "reports correctly when a non-exclusive follows
	// an exclusive", which this rule reports as graphql-js does.
	deviations := map[string]deviation{}
	cases, schemas := loadSpec(t)
	seen := map[string]bool{}
	for _, sc := range cases {
		name := sc.Name
		for seen[name] {
			name += "'"
		}
		seen[name] = true
		t.Run(name, func(t *testing.T) {
			want := sc.Errors
			if d, ok := deviations[sc.Name]; ok {
				t.Logf("deviation: %s", d.why)
				want = d.errors
			}
			got := validate(t, specSchema(t, sc, schemas), sc.Query, ours())
			if diff := compareErrors(got, want); diff != "" {
				t.Errorf("%s\nquery:%s", diff, sc.Query)
			}
		})
	}
}

// TestSpecVerdictsMatchGqlparser checks that gqlparser's rule and this one
// agree on which spec cases are valid.
func TestSpecVerdictsMatchGqlparser(t *testing.T) {
	cases, schemas := loadSpec(t)
	for _, sc := range cases {
		schema := specSchema(t, sc, schemas)
		a := validate(t, schema, sc.Query, ours())
		b := validate(t, schema, sc.Query, theirs())
		if (len(a) == 0) != (len(b) == 0) {
			t.Errorf("%s: this rule reports %d errors, gqlparser's %d\nours: %v\ntheirs: %v", sc.Name, len(a), len(b), a, b)
		}
		if (len(a) == 0) != (len(sc.Errors) == 0) {
			t.Errorf("%s: this rule reports %d errors, graphql-js %d", sc.Name, len(a), len(sc.Errors))
		}
	}
}

func compareErrors(got gqlerror.List, want []specError) string {
	g := make([]string, len(got))
	for i, e := range got {
		if e.Rule != fieldmerge.Name {
			return fmt.Sprintf("error from rule %q: %v", e.Rule, e)
		}
		locs := make([]string, len(e.Locations))
		for j, l := range e.Locations {
			locs[j] = fmt.Sprintf("%d:%d", l.Line, l.Column)
		}
		g[i] = e.Message + " @ " + strings.Join(locs, " ")
	}
	w := make([]string, len(want))
	for i, e := range want {
		locs := make([]string, len(e.Locations))
		for j, l := range e.Locations {
			locs[j] = fmt.Sprintf("%d:%d", l.Line, l.Column)
		}
		w[i] = e.Message + " @ " + strings.Join(locs, " ")
	}
	// graphql-js reports in the order it visits selection sets; the order
	// of errors is not part of the rule.
	slices.Sort(g)
	slices.Sort(w)
	if slices.Equal(g, w) {
		return ""
	}
	return fmt.Sprintf("got:\n  %s\nwant:\n  %s", strings.Join(g, "\n  "), strings.Join(w, "\n  "))
}
