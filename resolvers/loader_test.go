package resolvers

import (
	"context"
	"errors"
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
  sameMaker: [Product!] @mem(upstream: "m", request: {maker: "{parent.makerId}"},
    batch: {request: {byMakers: "{parent.makerId}"}, key: "makerId", result: "items"})
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
		vars    string
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
	}, {
		name:  "a fetch whose condition does not hold is not made",
		query: `query($x: Boolean!) { products { name } flaky @include(if: $x) }`,
		vars:  `{"x": false}`,
		data:  `{"products":[{"name":"Desk"},{"name":"Lamp"},{"name":"Rug"}]}`,
		calls: []string{`{"all":true}×1`},
	}, {
		name:    "a fetch with no parents makes no call",
		query:   `{ products { maker { name } } }`,
		answers: map[string]answer{`{"all":true}`: {json: `[]`}},
		data:    `{"products":[]}`,
		calls:   []string{`{"all":true}×1`},
	}, {
		name:  "a list-typed batch field: every item of its key, by parent, keys of any type",
		query: `{ products { name sameMaker { name } } }`,
		answers: map[string]answer{
			`{"all":true}`:         {json: `[{"id":"1","name":"Desk","makerId":"a"},{"id":"2","name":"Lamp","makerId":7},{"id":"3","name":"Rug","makerId":"a"},{"id":"4","name":"Mat","makerId":null}]`},
			`{"byMakers":["a",7]}`: {json: `{"items":[{"name":"Desk","makerId":"a"},{"name":"Lamp","makerId":7},{"name":"Rug","makerId":"a"},{"name":"keyless"}]}`},
		},
		data: `{"products":[{"name":"Desk","sameMaker":[{"name":"Desk"},{"name":"Rug"}]},{"name":"Lamp","sameMaker":[{"name":"Lamp"}]},` +
			`{"name":"Rug","sameMaker":[{"name":"Desk"},{"name":"Rug"}]},{"name":"Mat","sameMaker":null}]}`,
		calls:  []string{`{"all":true}×1`, `{"byMakers":["a",7]}×1`},
		errors: []string{"products.3.sameMaker UPSTREAM_REQUEST_INVALID"},
	}, {
		name:  "a result path mapped over a list: what it does not find is null",
		query: `{ product(id: "2") { tags } p: product(id: "3") { tags } }`,
		answers: map[string]answer{
			`{"id":"2"}`:   {json: `{"id":"2","name":"Lamp"}`},
			`{"id":"3"}`:   {json: `{"id":"3","name":"Rug"}`},
			`{"tags":"2"}`: {json: `[{"label":"new"},{"name":"sale"}]`},
			`{"tags":"3"}`: {json: `{"label":"new"}`},
		},
		data:   `{"product":{"tags":null},"p":{"tags":null}}`,
		calls:  []string{`{"id":"2"}×1`, `{"id":"3"}×1`, `{"tags":"2"}×1`, `{"tags":"3"}×1`},
		errors: []string{"product.tags.1 "},
	}, {
		name:    "a request that cannot be built is not sent",
		query:   `{ flaky }`,
		answers: map[string]answer{`{"flaky":true}`: {unbuilt: errors.New("no tenant header")}},
		data:    `{"flaky":null}`,
		errors:  []string{"flaky UPSTREAM_REQUEST_INVALID"},
	}, {
		name:    "one parent's request cannot be built: the others are sent",
		query:   `{ products { maker { name } } }`,
		answers: map[string]answer{`{"maker":"b"}`: {unbuilt: upstreams.Errorf(upstreams.CodeBadRequest, "m", nil, "maker b is not a valid name")}},
		data:    `{"products":[{"maker":{"name":"Acme"}},{"maker":{"name":"Acme"}},{"maker":null}]}`,
		calls:   []string{`{"all":true}×1`, `{"maker":"a"}×1`},
		errors:  []string{"products.2.maker UPSTREAM_REQUEST_INVALID"},
	}, {
		name:  "one batch's request cannot be built: the others are sent",
		query: `{ products { id stock { n } } }`,
		answers: map[string]answer{
			`{"stocks":["1","2"]}`: {json: `{"items":[{"id":"2","n":5},{"id":"1","n":7}]}`},
			`{"stocks":["3"]}`:     {unbuilt: errors.New("too few")},
		},
		data:   `{"products":[{"id":"1","stock":{"n":7}},{"id":"2","stock":{"n":5}},{"id":"3","stock":null}]}`,
		calls:  []string{`{"all":true}×1`, `{"stocks":["1","2"]}×1`},
		errors: []string{"products.2.stock UPSTREAM_REQUEST_INVALID"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sdl := shopSDL
			if strings.Contains(tt.name, "deadline") {
				sdl = strings.Replace(sdl, `request: {flaky: true})`, `request: {flaky: true}, timeout: "20ms")`, 1)
			}
			fx := newFixture(t, sdl, []memUp{{name: "m", answers: shopAnswers(tt.answers)}}, tt.opts)
			r := fx.run(tt.query, tt.vars)
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

// TestUnconfiguredUpstream: a binding or replica whose upstream the
// Executable was not given fails as unavailable, and nothing is called.
func TestUnconfiguredUpstream(t *testing.T) {
	tests := []struct {
		name, query string
		drop        string
		answers     map[string]answer
		data        string
		errors      []string
	}{{
		name:   "the binding's upstream",
		query:  `{ mirror(id: "1") { id } price(sku: "a") }`,
		drop:   "m",
		data:   `{"mirror":null,"price":0}`,
		errors: []string{"mirror UPSTREAM_UNAVAILABLE"},
	}, {
		name:    "the replica's upstream: the first failure stands",
		query:   `{ mirror(id: "1") { id } }`,
		drop:    "m2",
		answers: map[string]answer{`{"mirror":"1"}`: {fail: upstreams.CodeTimeout}},
		data:    `{"mirror":null}`,
		errors:  []string{"mirror UPSTREAM_TIMEOUT"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ups := fallbackUps()
			ups[0].answers = tt.answers
			fx := newFixture(t, fallbackSDL, ups, Options{})
			delete(fx.e.opts.Upstreams, tt.drop)
			r := fx.run(tt.query, "")
			if !equalJSON(r.data, tt.data) {
				t.Errorf("data %s, want %s", r.data, tt.data)
			}
			if got := r.codes(); !slices.Equal(got, tt.errors) {
				t.Errorf("errors %q, want %q", got, tt.errors)
			}
			if n := fx.ups[tt.drop].total(); n != 0 {
				t.Errorf("%d calls to %s", n, tt.drop)
			}
		})
	}
}

// TestSharedRawCall: a call shared by a fetch that copies its answer's
// bytes and one that needs its parsed value serves both, whichever is
// made first.
func TestSharedRawCall(t *testing.T) {
	fx := newFixture(t, shopSDL, []memUp{{name: "m", answers: shopAnswers(nil)}}, Options{})
	p := fx.plan(`{ a: products { name } b: products { name maker { name } } }`)
	if len(p.Fetches) != 3 || !p.Fetches[0].Raw || p.Fetches[1].Raw {
		t.Fatalf("plan %s", p.JSON())
	}
	want := `{"a":[{"name":"Desk"},{"name":"Lamp"},{"name":"Rug"}],"b":[{"name":"Desk","maker":{"name":"Acme"}},{"name":"Lamp","maker":{"name":"Acme"}},{"name":"Rug","maker":{"name":"Bolt"}}]}`
	for _, order := range [][]int{{0, 1, 2}, {1, 0, 2}, {1, 2, 0}} {
		fx.ups["m"].reset()
		parts := newParts(fx.e, p, nil)
		for _, i := range order {
			parts.l.run(context.Background(), p.Fetches[i])
		}
		if got := string(parts.r.render(nil)); !equalJSON(got, want) || len(parts.errs.list) != 0 {
			t.Errorf("order %v: data %s, errors %v", order, got, parts.errs.list)
		}
		parts.t.release()
		if got := fx.ups["m"].count(); !slices.Equal(got, []string{`{"all":true}×1`, `{"maker":"a"}×1`, `{"maker":"b"}×1`}) {
			t.Errorf("order %v: calls %q", order, got)
		}
	}
}
