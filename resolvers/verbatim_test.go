package resolvers

import (
	"slices"
	"testing"
)

const catalogSDL = `type Query { products: [Product!]! product(upc: ID!): Product }
type Product { upc: ID! name: String! price: Int! weight: Int color: Color }
enum Color { RED GREEN }`

// TestVerbatim: a trusted GraphQL upstream's answer is copied as it is
// where the planner found its types and selection equal the client's; an
// untrusted one's is checked value by value. The difference shows on an
// answer that breaks its schema's promise (a price of 1.5 for an Int!).
func TestVerbatim(t *testing.T) {
	const sdl = `type Query { products: [Product!]! @graphql(upstream: "catalog") }
type Product { upc: ID! name: String! price: Int! weight: Int color: Color }
enum Color { RED GREEN BLUE }`
	good := `{"data":{"products":[{"upc":"1","name":"Desk \"oak\" \u00e9","price":100,"weight":null,"color":"RED"}]}}`
	bad := `{"data":{"products":[{"upc":"1","name":"Desk","price":1.5,"weight":2,"color":"RED"}]}}`
	tests := []struct {
		name    string
		trusted bool
		query   string
		answer  string
		data    string
		errors  []string
	}{
		{"trusted, a good answer", true, `{ products { upc name price weight color } }`, good,
			`{"products":[{"upc":"1","name":"Desk \"oak\" é","price":100,"weight":null,"color":"RED"}]}`, nil},
		{"untrusted, a good answer", false, `{ products { upc name price weight color } }`, good,
			`{"products":[{"upc":"1","name":"Desk \"oak\" é","price":100,"weight":null,"color":"RED"}]}`, nil},
		{"trusted: the answer is not checked", true, `{ products { upc name price weight color } }`, bad,
			`{"products":[{"upc":"1","name":"Desk","price":1.5,"weight":2,"color":"RED"}]}`, nil},
		{"untrusted: the answer is checked", false, `{ products { upc name price weight color } }`, bad,
			`null`, []string{"products.0.price UPSTREAM_BAD_RESPONSE"}},
		{"trusted, but __typename is the gateway's: checked", true, `{ products { __typename price } }`, bad,
			`null`, []string{"products.0.price UPSTREAM_BAD_RESPONSE"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fx := newFixture(t, sdl, []memUp{{name: "catalog", sdl: catalogSDL, trusted: tt.trusted, answers: map[string]answer{}}}, Options{})
			p := fx.plan(tt.query)
			// The recording answers the operation the plan sends.
			fx.ups["catalog"].answers[p.Fetches[0].Operation.Document] = answer{json: tt.answer}
			r := fx.run(tt.query, "")
			if !equalJSON(r.data, tt.data) {
				t.Errorf("data\n got %s\nwant %s", r.data, tt.data)
			}
			if got := r.codes(); !slices.Equal(got, tt.errors) {
				t.Errorf("errors %q, want %q", got, tt.errors)
			}
		})
	}
}
