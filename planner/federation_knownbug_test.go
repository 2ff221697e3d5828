package planner

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFederationOneCallPerTypeAndLevel expects what docs/federation.md
// promises: one entity fetch per subgraph, type and level. Animals of
// two concrete types fetched from health, which sees Animal as an
// @interfaceObject, are all sent as representations of type Animal, yet
// in two calls.
func TestFederationOneCallPerTypeAndLevel(t *testing.T) {
	t.Skip("known bug: fields of an @interfaceObject are fetched in one entity fetch per concrete type of the parents, each sending representations of the interface's type, so the @interfaceObject subgraph is called once per concrete type at one level")
	checkOneCallPerLevel(t, "interface-object/field-of-interface-object")
}

// TestFederationOneCallPerSubgraphPerLevel expects a plan to call a
// subgraph once for the objects at one path, as Apollo's query planner
// does: entities of several types go in one _entities call, each type's
// fields in a fragment on it. The plans call a subgraph once per type.
func TestFederationOneCallPerSubgraphPerLevel(t *testing.T) {
	t.Skip("known bug (not minimal): entity fetches are grouped per subgraph, type and level, so objects of several types at one path cost one call per type to the same subgraph")
	for _, file := range []string{
		// vet is called once for the cats and once for the dogs.
		"interface-key/concrete-fields",
		// zoo likewise.
		"interface-key/from-other-side",
		// zoo is called three times: for the types, then for the cats'
		// fields, then for the dogs', where one call to _entities with
		// Animal representations could select all of it.
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
