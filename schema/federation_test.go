package schema

import (
	"testing"

	"github.com/weft-gateway/weft/schema/compose"
	"github.com/weft-gateway/weft/schema/supergraph"
)

// testFederation composes subgraphs a (Product by upc, Review by id) and
// b (Product by upc or sku, with stars; Tag, no entity).
func testFederation(t *testing.T) *Federation {
	t.Helper()
	res, err := compose.Compose([]compose.Subgraph{
		{Name: "a", URL: "http://a.invalid", SDL: `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable"])
type Query { top: [Product] }
type Product @key(fields: "upc") { upc: ID! name: String }
type Review @key(fields: "id", resolvable: false) { id: ID! }
`},
		{Name: "b", URL: "http://b.invalid", SDL: `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable"])
type Product @key(fields: "upc") @key(fields: "sku") { upc: ID! sku: String! stars: Int tags: [Tag] }
type Tag @shareable { label: String }
`},
	})
	if err != nil {
		t.Fatal(err)
	}
	sg, err := supergraph.Parse("supergraph.graphql", res.Supergraph)
	if err != nil {
		t.Fatal(err)
	}
	return &Federation{Upstream: "shop", Supergraph: sg}
}

// TestFromSubgraph checks which fields of a REST, gRPC or SOAP object are
// fetched from a subgraph: the non-key fields of an entity.
func TestFromSubgraph(t *testing.T) {
	fed := testFederation(t)
	for _, tt := range []struct {
		typ, field string
		want       bool
	}{
		{"Product", "name", true},
		{"Product", "stars", true},
		{"Product", "tags", true},
		{"Product", "upc", false},   // a key of a and b
		{"Product", "sku", false},   // a key of b only
		{"Product", "price", false}, // no subgraph resolves it
		{"Tag", "label", false},     // no entity: read from the object
		{"Review", "id", false},     // a key, and no resolvable one
		{"Unknown", "field", false}, // not in the supergraph
	} {
		if got := fed.FromSubgraph(tt.typ, tt.field); got != tt.want {
			t.Errorf("FromSubgraph(%s, %s) = %v, want %v", tt.typ, tt.field, got, tt.want)
		}
	}
}

// TestKeyWithin checks the key found for objects holding some fields.
func TestKeyWithin(t *testing.T) {
	fed := testFederation(t)
	for _, tt := range []struct {
		typ  string
		has  []string
		want string
	}{
		{"Product", []string{"upc", "name"}, "upc"},
		{"Product", []string{"sku"}, "sku"},
		{"Product", []string{"name"}, ""},
		{"Review", []string{"id"}, ""}, // its only key is not resolvable
	} {
		has := map[string]bool{}
		for _, f := range tt.has {
			has[f] = true
		}
		k := fed.KeyWithin(tt.typ, func(f string) bool { return has[f] })
		got := ""
		if k != nil {
			got = k.Fields
		}
		if got != tt.want {
			t.Errorf("KeyWithin(%s, %v) = %q, want %q", tt.typ, tt.has, got, tt.want)
		}
	}
	if got, want := fed.KeysText("Product", "stars"), `subgraph b: "upc" or "sku"`; got != want {
		t.Errorf("KeysText = %q, want %q", got, want)
	}
}
