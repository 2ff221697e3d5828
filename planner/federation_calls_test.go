package planner

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestFederationOneCallPerTypeAndLevel: animals of two concrete types
// whose weight health resolves, seeing Animal as an @interfaceObject, are
// all sent as representations of type Animal, in one call.
func TestFederationOneCallPerTypeAndLevel(t *testing.T) {
	checkOneCallPerLevel(t, "interface-object/field-of-interface-object")
}

// TestFederationOneCallPerSubgraphPerLevel expects a plan to call a
// subgraph once for the objects at one path, as Apollo's query planner
// does: entities of several types go in one _entities call, each type's
// fields in a fragment on it.
func TestFederationOneCallPerSubgraphPerLevel(t *testing.T) {
	for _, file := range []string{
		// vet has fields of the cats and of the dogs.
		"interface-key/concrete-fields",
		// zoo likewise.
		"interface-key/from-other-side",
		// zoo tells the animals' types and answers the cats' and the
		// dogs' fields in the same call, from Animal representations.
		"interface-object/root-in-interface-object-zoo-fields",
	} {
		t.Run(file, func(t *testing.T) { checkOneCallPerLevel(t, file) })
	}
}

// checkOneCallPerLevel plans a golden query (CASE/NAME) and fails when a
// subgraph is called twice for the objects at one path.
func checkOneCallPerLevel(t *testing.T, file string) {
	t.Helper()
	dir := filepath.Join("testdata/federation", filepath.Dir(file))
	c := loadFedCase(t, dir)
	q, err := os.ReadFile(filepath.Join(dir, filepath.Base(file)+".graphql"))
	if err != nil {
		t.Fatal(err)
	}
	p := c.plan(t, string(q))
	seen := map[string]int{}
	for _, f := range p.Fetches {
		key := f.Subgraph + " at " + strings.Join(f.Path, ".")
		seen[key]++
		if seen[key] == 2 {
			t.Errorf("subgraph %s is called more than once for the objects at %s:\n%s", f.Subgraph, f.At, p)
		}
	}
}

// TestFederationPlanJSONSeveralTypes: an entity fetch of several types
// names them all in extensions.queryPlan, with each type's
// representation in a fragment on it.
func TestFederationPlanJSONSeveralTypes(t *testing.T) {
	c := loadFedCase(t, "testdata/federation/abstract-entities")
	p := c.plan(t, `{ pets { ... on Cat { risk } ... on Fish { tank } } }`)
	want := `"subgraph":"vet","entities":"Cat|Fish","representation":"... on Cat { id indoor } ... on Fish { id }"`
	if got := string(p.JSON()); !strings.Contains(got, want) {
		t.Errorf("plan JSON\n%s\nhas no %s", got, want)
	}
}

// TestFederationSharedFetchConditions checks which fetches run when one
// entity fetch serves several types: a fetch another type's fetch waits
// for runs whenever that one may, whatever the conditions of the fields
// that joined it, and the fetch that learns an @interfaceObject's types
// always runs.
func TestFederationSharedFetchConditions(t *testing.T) {
	for _, tt := range []struct {
		dir, query string
		vars       map[string]any
		// runs lists the subgraphs of the fetches that run, in fetch order.
		runs []string
	}{
		// vet gives the cats' lives that care's insurance requires; the
		// dogs' vaccinated, which the client may skip, joins that fetch.
		{"abstract-entities", `query ($x: Boolean!) { animals { ... on Cat { insurance } ... on Dog { vaccinated @include(if: $x) } } }`,
			map[string]any{"x": false}, []string{"zoo", "care", "vet"}},
		{"abstract-entities", `query ($x: Boolean!) { animals { ... on Cat { insurance } ... on Dog { vaccinated @include(if: $x) } } }`,
			map[string]any{"x": true}, []string{"zoo", "care", "vet"}},
		// Nothing needs the lives when the insurance is skipped.
		{"abstract-entities", `query ($y: Boolean!) { animals { ... on Cat { insurance @include(if: $y) } } }`,
			map[string]any{"y": false}, []string{"zoo"}},
		{"abstract-entities", `query ($y: Boolean!) { animals { ... on Cat { insurance @include(if: $y) } } }`,
			map[string]any{"y": true}, []string{"zoo", "care", "vet"}},
		// zoo tells the checkups' types, which render needs, and answers
		// the cats' lives in the same call.
		{"interface-object", `query ($x: Boolean!) { checkups { weight ... on Cat { lives @include(if: $x) } } }`,
			map[string]any{"x": false}, []string{"health", "zoo"}},
	} {
		t.Run(tt.dir, func(t *testing.T) {
			c := loadFedCase(t, filepath.Join("testdata/federation", tt.dir))
			p := c.plan(t, tt.query)
			c.checkFetches(t, p)
			var got []string
			for _, f := range p.Fetches {
				if fetchRuns(f, tt.vars) {
					got = append(got, f.Subgraph)
				}
			}
			if !slices.Equal(got, tt.runs) {
				t.Errorf("with %v, fetches to %v run; want %v\n%s", tt.vars, got, tt.runs, p)
			}
		})
	}
}
