package resolvers

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/weft-gateway/weft/upstreams"
)

const shopSDL = `
type Query {
  products: [Product!]! @mem(upstream: "m", request: {all: true})
  product(id: ID!): Product @mem(upstream: "m", request: {id: "{args.id}"})
  media: [Media!]! @mem(upstream: "m", request: {media: true})
  flaky: String @mem(upstream: "m", request: {flaky: true})
}
type Product {
  id: ID!
  name: String!
  makerId: ID
  maker: Maker @mem(upstream: "m", request: {maker: "{parent.makerId}"})
  stock: Stock @mem(upstream: "m", request: {stock: "{parent.id}"},
    batch: {request: {stocks: "{parent.id}"}, key: "id", result: "items", maxSize: 2})
  tags: [String!] @mem(upstream: "m", request: {tags: "{parent.id}"}, result: "[].label")
}
type Maker { name: String! }
type Stock { n: Int }
union Media = Book | Film
type Book { id: ID! title: String! shelf: String @mem(upstream: "m", request: {shelf: "{parent.id}"}) }
type Film { id: ID! title: String! }
`

func shopAnswers(extra map[string]answer) map[string]answer {
	a := map[string]answer{
		`{"all":true}`:   {json: `[{"id":"1","name":"Desk","makerId":"a"},{"id":"2","name":"Lamp","makerId":"a"},{"id":"3","name":"Rug","makerId":"b"}]`},
		`{"maker":"a"}`:  {json: `{"name":"Acme"}`},
		`{"maker":"b"}`:  {json: `{"name":"Bolt"}`},
		`{"media":true}`: {json: `[{"__typename":"Book","id":"b1","title":"Dune"},{"__typename":"Film","id":"f1","title":"Alien"}]`},
		`{"shelf":"b1"}`: {json: `"top"`},
	}
	for k, v := range extra {
		a[k] = v
	}
	return a
}

// TestLoader runs operations over in-memory upstreams and checks what
// the loader called and what the response says.
func TestLoader(t *testing.T) {
	tests := []struct {
		name    string
		query   string
		answers map[string]answer
		opts    Options
		data    string
		calls   []string
		errors  []string
	}{{
		name:  "identical calls made once",
		query: `{ products { name maker { name } } }`,
		data:  `{"products":[{"name":"Desk","maker":{"name":"Acme"}},{"name":"Lamp","maker":{"name":"Acme"}},{"name":"Rug","maker":{"name":"Bolt"}}]}`,
		calls: []string{`{"all":true}×1`, `{"maker":"a"}×1`, `{"maker":"b"}×1`},
	}, {
		name:  "a batch form in chunks of maxSize, matched back by key",
		query: `{ products { id stock { n } } }`,
		answers: map[string]answer{
			`{"stocks":["1","2"]}`: {json: `{"items":[{"id":"2","n":5},{"id":"1","n":7}]}`},
			`{"stocks":["3"]}`:     {json: `{"items":[]}`},
		},
		data:  `{"products":[{"id":"1","stock":{"n":7}},{"id":"2","stock":{"n":5}},{"id":"3","stock":null}]}`,
		calls: []string{`{"all":true}×1`, `{"stocks":["1","2"]}×1`, `{"stocks":["3"]}×1`},
	}, {
		name:  "one parent: the single form",
		query: `{ product(id: "1") { stock { n } } }`,
		answers: map[string]answer{
			`{"id":"1"}`:    {json: `{"id":"1","name":"Desk"}`},
			`{"stock":"1"}`: {json: `{"n":9}`},
		},
		data:  `{"product":{"stock":{"n":9}}}`,
		calls: []string{`{"id":"1"}×1`, `{"stock":"1"}×1`},
	}, {
		name:  "a result path mapped over a list",
		query: `{ product(id: "2") { tags } }`,
		answers: map[string]answer{
			`{"id":"2"}`:   {json: `{"id":"2","name":"Lamp"}`},
			`{"tags":"2"}`: {json: `[{"label":"new"},{"label":"sale"}]`},
		},
		data:  `{"product":{"tags":["new","sale"]}}`,
		calls: []string{`{"id":"2"}×1`, `{"tags":"2"}×1`},
	}, {
		name:  "a fetch below an abstract type reads only its type's parents",
		query: `{ media { ... on Book { shelf } ... on Film { title } } }`,
		data:  `{"media":[{"shelf":"top"},{"title":"Alien"}]}`,
		calls: []string{`{"media":true}×1`, `{"shelf":"b1"}×1`},
	}, {
		name:    "a failed call fails its field; the rest stands",
		query:   `{ products { name } flaky }`,
		answers: map[string]answer{`{"flaky":true}`: {fail: upstreams.CodeUnavailable}},
		data:    `{"products":[{"name":"Desk"},{"name":"Lamp"},{"name":"Rug"}],"flaky":null}`,
		calls:   []string{`{"all":true}×1`, `{"flaky":true}×1`},
		errors:  []string{"flaky UPSTREAM_UNAVAILABLE"},
	}, {
		name:    "a panicking upstream is an error, not a crash",
		query:   `{ flaky }`,
		answers: map[string]answer{`{"flaky":true}`: {panics: true}},
		data:    `{"flaky":null}`,
		calls:   []string{`{"flaky":true}×1`},
		errors:  []string{"flaky UPSTREAM_ERROR"},
	}, {
		name:    "a call past its binding's deadline",
		query:   `{ flaky }`,
		answers: map[string]answer{`{"flaky":true}`: {delay: time.Minute}},
		opts:    Options{},
		data:    `{"flaky":null}`,
		calls:   []string{`{"flaky":true}×1`},
		errors:  []string{"flaky UPSTREAM_TIMEOUT"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sdl := shopSDL
			if strings.Contains(tt.name, "deadline") {
				sdl = strings.Replace(sdl, `request: {flaky: true})`, `request: {flaky: true}, timeout: "20ms")`, 1)
			}
			fx := newFixture(t, sdl, []memUp{{name: "m", answers: shopAnswers(tt.answers)}}, tt.opts)
			r := fx.run(tt.query, "")
			if !equalJSON(r.data, tt.data) {
				t.Errorf("data\n got %s\nwant %s", r.data, tt.data)
			}
			if got := fx.ups["m"].count(); !slices.Equal(got, tt.calls) {
				t.Errorf("calls\n got %q\nwant %q", got, tt.calls)
			}
			if got := r.codes(); !slices.Equal(got, tt.errors) {
				t.Errorf("errors\n got %q\nwant %q\n%v", got, tt.errors, r.errors)
			}
		})
	}
}
