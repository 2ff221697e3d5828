package compose

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

func loadSDL(t *testing.T, sdl string) *ast.Schema {
	t.Helper()
	s, err := gqlparser.LoadSchema(&ast.Source{Name: "supergraph", Input: sdl})
	if err != nil {
		t.Fatalf("load: %v\n%s", err, sdl)
	}
	return s
}

// TestEquivalent edits a supergraph and checks which edits Equivalent
// reports: what changes planning is a difference, order and spelling are
// not.
func TestEquivalent(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "compose", "entities", "supergraph.graphql.golden"))
	if err != nil {
		t.Fatal(err)
	}
	base := string(b)
	for _, tc := range []struct {
		name string
		edit func(string) string
		// want are substrings of the differences, one each; none means
		// equivalent.
		want []string
	}{
		{"itself", func(s string) string { return s }, nil},
		{"directive order", func(s string) string {
			return strings.Replace(s,
				"  @join__type(graph: ACCOUNTS, key: \"id\")\n  @join__type(graph: REVIEWS, key: \"id\")",
				"  @join__type(graph: REVIEWS, key: \"id\")\n  @join__type(graph: ACCOUNTS, key: \"id\")", 1)
		}, nil},
		{"field order", func(s string) string {
			return strings.Replace(s, "  upc: String!\n", "", 1) + "\nextend type Product {\n  upc: String!\n}\n"
		}, nil},
		{"field set spacing", func(s string) string {
			return strings.Replace(s, `requires: "price weight"`, `requires: "  price\n weight "`, 1)
		}, nil},
		{"default arguments written", func(s string) string {
			return strings.Replace(s, `@join__type(graph: PRODUCTS, key: "upc")`, `@join__type(graph: PRODUCTS, key: "upc", extension: false, resolvable: true)`, 1)
		}, nil},
		{"join__Graph values renamed", func(s string) string {
			s = strings.ReplaceAll(s, "graph: INVENTORY", "graph: STOCK")
			return strings.Replace(s, "  INVENTORY @join__graph", "  STOCK @join__graph", 1)
		}, nil},
		{"url", func(s string) string {
			return strings.Replace(s, "http://inventory.example/graphql", "http://inventory.example:8080/graphql", 1)
		}, []string{"subgraphs: only in the first", "subgraphs: only in the second"}},
		{"join__field lost", func(s string) string {
			return strings.Replace(s, ` @join__field(graph: INVENTORY, requires: "price weight")`, "", 1)
		}, []string{"field Product.shippingEstimate: directives: only in the second"}},
		{"requires changed", func(s string) string {
			return strings.Replace(s, `requires: "price weight"`, `requires: "price"`, 1)
		}, []string{"only in the first", "only in the second"}},
		{"field type", func(s string) string {
			return strings.Replace(s, "  inStock: Boolean", "  inStock: Boolean!", 1)
		}, []string{"field Product.inStock: type Boolean! vs Boolean"}},
		{"argument default", func(s string) string {
			return strings.Replace(s, "first: Int = 5", "first: Int = 6", 1)
		}, []string{"field Query.topProducts: arguments: only in the first: first: Int = 6", "only in the second: first: Int = 5"}},
		{"type removed", func(s string) string {
			return strings.Replace(s, "  body: String\n", "", 1)
		}, []string{"type Review: fields: only in the second: body"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			edited := tc.edit(base)
			if edited == base && tc.name != "itself" {
				t.Fatal("the edit changed nothing")
			}
			diffs := Equivalent(loadSDL(t, edited), loadSDL(t, base))
			if len(tc.want) == 0 {
				if len(diffs) > 0 {
					t.Errorf("want equivalent, got:\n%s", strings.Join(diffs, "\n"))
				}
				return
			}
			if len(diffs) != len(tc.want) {
				t.Fatalf("want %d differences, got:\n%s", len(tc.want), strings.Join(diffs, "\n"))
			}
			for i, w := range tc.want {
				if !strings.Contains(diffs[i], w) {
					t.Errorf("difference %d: %q lacks %q", i, diffs[i], w)
				}
			}
		})
	}
}
