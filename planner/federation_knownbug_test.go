package planner

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestFederationExcludedEntityFetch expects an entity fetch whose every
// field the client excluded with @include/@skip not to run: its answer
// would be thrown away.
func TestFederationExcludedEntityFetch(t *testing.T) {
	t.Skip("known bug: an entity fetch's Conds are those of the fields above it only, not of the fields it fetches: reviews is called for products { reviews @include(if: false) { body } } with the variable false")
	c := loadFedCase(t, "testdata/federation/conditions")
	q, err := os.ReadFile("testdata/federation/conditions/include-entity-field.graphql")
	if err != nil {
		t.Fatal(err)
	}
	p := c.plan(t, string(q))
	var got []string
	for _, f := range p.Fetches {
		if fetchRuns(f, map[string]any{"withReviews": false}) {
			got = append(got, f.Subgraph)
		}
	}
	if !slices.Equal(got, []string{"catalog"}) {
		t.Errorf("with withReviews false, fetches to %v run; want [catalog]", got)
	}
}

// TestFederationOneCallPerSubgraphPerLevel expects a plan to call a
// subgraph once for the objects at one path: entities of several types,
// or of one interface, go in one _entities call, each type's fields in a
// fragment on it.
func TestFederationOneCallPerSubgraphPerLevel(t *testing.T) {
	t.Skip("known bug: entity fetches are grouped per concrete parent type, so objects of several types at one path cost one call each to the same subgraph, even where the representations are all of one @interfaceObject type")
	for _, file := range []string{
		// vet is called once for the cats and once for the dogs.
		"interface-key/concrete-fields",
		// zoo likewise.
		"interface-key/from-other-side",
		// health is called once per concrete type, each time with
		// representations of type Animal.
		"interface-object/field-of-interface-object",
		// zoo is called three times: for the types, then for the cats'
		// fields, then for the dogs'.
		"interface-object/root-in-interface-object-zoo-fields",
	} {
		t.Run(file, func(t *testing.T) {
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
		})
	}
}
