package fieldmerge_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/weft-gateway/weft/internal/fieldmerge"
)

func locations(e *gqlerror.Error) string {
	var locs []string
	for _, l := range e.Locations {
		locs = append(locs, fmt.Sprintf("%d:%d", l.Line, l.Column))
	}
	return strings.Join(locs, " ")
}

func TestErrors(t *testing.T) {
	schema := loadShopSchema(t)
	tests := []struct {
		name  string
		query string
		// want lists each error as "message @ locations"; gqlparser the
		// number of errors gqlparser's rule reports.
		want      []string
		gqlparser int
	}{
		{
			name:      "valid",
			query:     "{ products { name name reviews { rating } reviews { body } } }",
			gqlparser: 0,
		},
		{
			// gqlparser checks the fragment's nested selection set once for
			// each operation that spreads it, and reports it each time.
			name: "a fragment spread by two operations is reported once",
			query: `query A { products { ...F } }
query B { products { ...F } }
fragment F on Product { related { x: name x: price } }`,
			want: []string{
				`Fields "x" conflict because "name" and "price" are different fields. Use different aliases on the fields to fetch both if this was intentional. @ 3:35 3:43`,
			},
			gqlparser: 2,
		},
		{
			// gqlparser's rule checks a fragment's nested selection sets only
			// when an operation spreads it; NoUnusedFragments rejects this
			// document anyway.
			name:  "a fragment no operation spreads is checked",
			query: `fragment F on Product { related { x: name x: price } }`,
			want: []string{
				`Fields "x" conflict because "name" and "price" are different fields. Use different aliases on the fields to fetch both if this was intentional. @ 1:35 1:43`,
			},
			gqlparser: 0,
		},
		{
			// gqlparser compares the inline fragment's selection set when it
			// checks the field's, and again on its own.
			name:  "a conflict in an inline fragment is reported once",
			query: `{ products { ... on Product { x: name x: price } } }`,
			want: []string{
				`Fields "x" conflict because "name" and "price" are different fields. Use different aliases on the fields to fetch both if this was intentional. @ 1:31 1:39`,
			},
			gqlparser: 2,
		},
		{
			name:  "a conflict three levels down names the fields on the way",
			query: `{ products { ... on Product { related { x: name } } } products { ... on Product { related { x: price } } } }`,
			want: []string{
				`Fields "products" conflict because subfields "related" conflict because subfields "x" conflict because "name" and "price" are different fields. Use different aliases on the fields to fetch both if this was intentional. @ 1:3 1:31 1:41 1:55 1:83 1:93`,
			},
			gqlparser: 1,
		},
		{
			name:  "a subfield conflict under a pair that differs itself is not reported",
			query: `{ products { related { x: name } } products { related: reviews { x: rating } } }`,
			want: []string{
				`Fields "products" conflict because subfields "related" conflict because "related" and "reviews" are different fields. Use different aliases on the fields to fetch both if this was intentional. @ 1:3 1:14 1:36 1:47`,
			},
			gqlparser: 1,
		},
		{
			name:  "fields reached through other aliases are checked once",
			query: `{ a: products { ...F } b: products { ...F } } fragment F on Product { related { x: name } related { x: price } }`,
			want: []string{
				`Fields "related" conflict because subfields "x" conflict because "name" and "price" are different fields. Use different aliases on the fields to fetch both if this was intentional. @ 1:71 1:81 1:91 1:101`,
			},
			gqlparser: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, e := range validate(t, schema, tt.query, ours()) {
				got = append(got, e.Message+" @ "+locations(e))
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if n := len(validate(t, schema, tt.query, theirs())); n != tt.gqlparser {
				t.Errorf("gqlparser's rule reports %d errors, want %d", n, tt.gqlparser)
			}
		})
	}
}

// TestMaxConflicts checks a document with more conflicts than MaxConflicts
// reports MaxConflicts of them, each pair once.
func TestMaxConflicts(t *testing.T) {
	schema := loadShopSchema(t)
	query := "{ products { " + strings.Repeat("x: name ", 150) + strings.Repeat("x: price ", 150) + "} }"
	errs := validate(t, schema, query, ours())
	if len(errs) != fieldmerge.MaxConflicts {
		t.Fatalf("%d errors, want %d", len(errs), fieldmerge.MaxConflicts)
	}
	seen := map[string]bool{}
	for _, e := range errs {
		if seen[locations(e)] {
			t.Errorf("pair at %s reported twice", locations(e))
		}
		seen[locations(e)] = true
	}
	if n := len(validate(t, schema, query, theirs())); n != 150*150 {
		t.Errorf("gqlparser's rule reports %d errors, want every pair: %d", n, 150*150)
	}
}

// branchingFragments nests fragments so that the fields sharing a response
// name at each depth depend on the whole path to it: at depth d, the set
// holds the n-th fragment of the G chain for every "a" taken n steps
// before. There are 2^min(n, depth) such sets, the subsets of a
// determinized automaton, and no memo of field sets collapses them.
func branchingFragments(depth, n int) string {
	var b strings.Builder
	b.WriteString("{ products { ...L0 } }\n")
	for i := range depth {
		fmt.Fprintf(&b, "fragment L%d on Product { a: related { ...L%d ...G1 } b: related { ...L%d } }\n", i, i+1, i+1)
	}
	fmt.Fprintf(&b, "fragment L%d on Product { name }\n", depth)
	for i := 1; i < n; i++ {
		fmt.Fprintf(&b, "fragment G%d on Product { a: related { ...G%d } b: related { ...G%d } }\n", i, i+1, i+1)
	}
	fmt.Fprintf(&b, "fragment G%d on Product { name }\n", n)
	return b.String()
}

// TestTooManySteps checks a document whose merged field sets keep growing
// is rejected with one error once it takes MaxSteps, where gqlparser's rule,
// comparing pairs, finds it valid. Smaller ones are checked in full.
func TestTooManySteps(t *testing.T) {
	schema := loadShopSchema(t)
	if errs := validate(t, schema, branchingFragments(12, 6), ours()); len(errs) > 0 {
		t.Fatalf("a small branching document: %v", errs)
	}
	query := branchingFragments(40, 20)
	errs := validate(t, schema, query, ours())
	if len(errs) != 1 {
		t.Fatalf("%d errors, want 1: %v", len(errs), errs)
	}
	want := fmt.Sprintf("The fields of this document cannot be checked for conflicts: merging its selections takes more than %d steps or goes more than %d fields deep. Use fewer fragments, or fewer fields that share a response name.", fieldmerge.MaxSteps, fieldmerge.MaxDepth)
	if errs[0].Message != want || locations(errs[0]) != "1:1" || errs[0].Rule != fieldmerge.Name {
		t.Errorf("got %s at %s (rule %s)\nwant %s at 1:1", errs[0].Message, locations(errs[0]), errs[0].Rule, want)
	}
	if errs := validate(t, schema, query, theirs()); len(errs) != 0 {
		t.Errorf("gqlparser's rule: %v", errs)
	}
}

// TestDeepDocuments checks deep nesting, directly and through a chain of
// fragments, and a fragment cycle under nested fields, finish and find the
// conflict at the bottom.
func TestDeepDocuments(t *testing.T) {
	schema := loadShopSchema(t)
	// gqlparser's parser refuses documents nested deeper than 1000.
	const depth = 990
	nested := "{ products { " + strings.Repeat("related { ", depth) + "x: name x: price" + strings.Repeat(" }", depth) + " } }"
	var chain strings.Builder
	chain.WriteString("{ products { ...F0 } }\n")
	for i := range depth {
		fmt.Fprintf(&chain, "fragment F%d on Product { related { ...F%d } }\n", i, i+1)
	}
	fmt.Fprintf(&chain, "fragment F%d on Product { x: name x: price }\n", depth)
	// The fields of F, which spreads itself, are merged with three levels
	// of related until x: price meets x: name.
	cycle := "{ products { related { related { related { x: price } } } ...F } }\nfragment F on Product { related { ...F x: name } }"
	for name, query := range map[string]string{"nested": nested, "fragments": chain.String(), "cycle": cycle} {
		t.Run(name, func(t *testing.T) {
			errs := validate(t, schema, query, ours())
			if len(errs) == 0 {
				t.Fatal("no error")
			}
			for _, e := range errs {
				if !strings.Contains(e.Message, `"name" and "price" are different fields`) && !strings.Contains(e.Message, `"price" and "name" are different fields`) {
					t.Errorf("unexpected error: %s", e.Message)
				}
			}
		})
	}
}

// TestCycleGqlparserMisses records a conflict gqlparser's rule misses and
// this one reports: gqlparser's walker fires the rule on friends before it
// has resolved the field that follows it in the fragment being walked, so
// the pair is never compared. The document also has a fragment cycle.
func TestCycleGqlparserMisses(t *testing.T) {
	schema := loadFuzzSchema(t)
	query := "{ me { ...F0 } }\nfragment F0 on User { friends { ...F0 size: id } size: name }"
	got := validate(t, schema, query, ours())
	if len(got) != 1 || locations(got[0]) != "2:39 2:50" {
		t.Errorf("this rule: %v", got)
	}
	if errs := validate(t, schema, query, theirs()); len(errs) != 0 {
		t.Errorf("gqlparser's rule now reports %v: the fuzz target can compare cyclic documents", errs)
	}
}

// shopExecutable is the smallest gqlgen ExecutableSchema: the shop schema,
// answering every operation with empty data. Validation, which is what is
// tested here, happens before it is asked anything.
type shopExecutable struct{ schema *ast.Schema }

func (s shopExecutable) Schema() *ast.Schema { return s.schema }

func (s shopExecutable) Complexity(context.Context, string, string, int, map[string]any) (int, bool) {
	return 0, false
}

func (s shopExecutable) Exec(context.Context) graphql.ResponseHandler {
	return graphql.OneShot(&graphql.Response{Data: []byte(`{}`)})
}

// TestGqlgenKeepsTheRule serves GraphQL over HTTP with gqlgen's handler and
// this rule swapped in by SetValidationRulesFn, and checks gqlgen keeps it
// when it swaps the suggestion rules either way: the conflict is reported
// with both fields' locations, which gqlparser's rule does not do.
func TestGqlgenKeepsTheRule(t *testing.T) {
	schema := loadShopSchema(t)
	const query = `{ products { x: name x: price } }`
	for _, tt := range []struct {
		name          string
		swap          bool
		noSuggestions bool
		locations     []int
	}{
		{"suggestions", true, false, []int{14, 22}},
		{"no suggestions", true, true, []int{14, 22}},
		{"gqlparser's rule", false, false, []int{22}},
		{"gqlparser's rule, no suggestions", false, true, []int{22}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := handler.New(shopExecutable{schema})
			srv.AddTransport(transport.POST{})
			srv.SetDisableSuggestion(tt.noSuggestions)
			if tt.swap {
				srv.SetValidationRulesFn(fieldmerge.DefaultRules)
			}
			ts := httptest.NewServer(srv)
			defer ts.Close()
			body, _ := json.Marshal(map[string]string{"query": query})
			resp, err := http.Post(ts.URL, "application/json", strings.NewReader(string(body)))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("status %d, want %d", resp.StatusCode, http.StatusUnprocessableEntity)
			}
			var out struct {
				Errors []struct {
					Message    string
					Locations  []struct{ Line, Column int }
					Extensions struct {
						Code string
					}
				}
			}
			if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
				t.Fatal(err)
			}
			if len(out.Errors) != 1 {
				t.Fatalf("errors: %+v", out.Errors)
			}
			e := out.Errors[0]
			if !strings.HasPrefix(e.Message, `Fields "x" conflict because "name" and "price" are different fields.`) || e.Extensions.Code != "GRAPHQL_VALIDATION_FAILED" {
				t.Errorf("error: %+v", e)
			}
			var cols []int
			for _, l := range e.Locations {
				cols = append(cols, l.Column)
			}
			if fmt.Sprint(cols) != fmt.Sprint(tt.locations) {
				t.Errorf("locations at columns %v, want %v", cols, tt.locations)
			}
		})
	}
}
