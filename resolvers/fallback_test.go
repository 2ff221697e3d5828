package resolvers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/weft-gateway/weft/upstreams"
)

const fallbackSDL = `
type Query {
  price(sku: String!): Int @mem(upstream: "m", request: {price: "{args.sku}"}) @fallback(value: 0)
  hot: Int @mem(upstream: "m", request: {hot: true}) @fallback(on: ["UPSTREAM_TIMEOUT"], value: -1)
  avail: String @mem(upstream: "m", request: {avail: true}) @fallback(on: ["UPSTREAM_UNAVAILABLE"], value: "unknown")
  quote(sku: String!): Quote @mem(upstream: "m", request: {quote: "{args.sku}"}, result: "q")
    @fallback(stale: "1m", value: {amount: 0, currency: "XXX"})
  long(sku: String!): Quote @mem(upstream: "m", request: {long: "{args.sku}"}, result: "q") @fallback(stale: "10m")
  item(id: ID!): Item @mem(upstream: "m", request: {item: "{args.id}"}) @fallback(upstream: "m2", value: {id: "0", name: "none"})
  mirror(id: ID!): Item @mem(upstream: "m", request: {mirror: "{args.id}"}) @fallback(upstream: "m2")
  products: [Product!]! @mem(upstream: "m", request: {all: true})
  review: Review @graphql(upstream: "g") @fallback(stale: "1m", value: {id: "0", body: "none"})
  strictReview: Review @graphql(upstream: "g") @fallback(on: ["UPSTREAM_TIMEOUT"], value: {id: "0", body: "none"})
}
type Quote { amount: Int! currency: String! }
type Item { id: ID! name: String }
type Product {
  id: ID!
  stock(w: String!): Stock @mem(upstream: "m", request: {stock: "{parent.id}", w: "{args.w}"},
    batch: {request: {stocks: "{parent.id}", w: "{args.w}"}, key: "id", result: "items", maxSize: 2})
    @fallback(stale: "1m")
  legacy: Stock @mem(upstream: "m", request: {s: "{parent.id}"})
    @mem(upstream: "m2", request: {legacy: "{parent.id}"}, result: "stock") @fallback(upstream: "m2")
  level: Stock @mem(upstream: "m", request: {level: "{parent.id}"}, batch: {request: {levels: "{parent.id}"}, key: "id", result: "items"})
    @mem(upstream: "m2", request: {lvl: "{parent.id}"}, result: "stock",
      batch: {request: {lvls: "{parent.id}"}, key: "sku", result: "data.list"})
    @fallback(upstream: "m2")
}
type Stock { id: ID n: Int! }
type Review { id: ID! body: String! stars: Int }
`

const fallbackGraphQLSDL = `type Query { review: Review strictReview: Review }
type Review { id: ID! body: String! stars: Int }`

func fallbackUps() []memUp {
	return []memUp{{name: "m", answers: map[string]answer{
		`{"all":true}`: {json: `[{"id":"1"},{"id":"2"},{"id":"3"}]`},
	}}, {name: "m2"}, {name: "g", sdl: fallbackGraphQLSDL}}
}

// fallbackStep is one operation of a fallback scenario, after changing
// how the upstreams answer.
type fallbackStep struct {
	// set changes answers first: by upstream, by request.
	set map[string]map[string]answer
	// age makes the values the stale cache holds this much older first.
	age   time.Duration
	query string
	data  string
	// errors are "path code upstream".
	errors []string
	// notes are "path reason upstream fallback", with " via x" for a
	// replica and " age d" (d in whole seconds) for a stale value.
	notes []string
	// calls, when set, are the calls each upstream got in this step.
	calls map[string][]string
}

// older makes every value c holds d older, as if it had been kept d
// earlier.
func older(c *StaleCache, d time.Duration) {
	for _, k := range c.lru.Keys() {
		e, _ := c.lru.Peek(k)
		e.at = e.at.Add(-d)
		c.lru.Add(k, e)
	}
}

// failures lists the errors as "path code upstream".
func (r result) failures() []string {
	var out []string
	for i, c := range r.codes() {
		up := ""
		if ext, ok := r.errors[i]["extensions"].(map[string]any); ok {
			up, _ = ext["upstream"].(string)
		}
		out = append(out, c+" "+up)
	}
	return out
}

// noteLines lists the fallback notes as fallbackStep.notes says.
func noteLines(t *testing.T, notes []FallbackNote) []string {
	t.Helper()
	var out []string
	for _, n := range notes {
		var path []string
		for _, p := range n.Path {
			path = append(path, fmt.Sprint(p))
		}
		s := strings.Join(path, ".") + " " + n.Reason + " " + n.Upstream + " " + n.Fallback
		if n.Via != "" {
			s += " via " + n.Via
		}
		if n.Fallback == fallbackStale {
			age, err := time.ParseDuration(n.Age)
			if err != nil {
				t.Fatalf("note %+v: age: %v", n, err)
			}
			s += " age " + age.Truncate(time.Second).String()
		} else if n.Age != "" {
			t.Errorf("note %+v: an age on a %s fallback", n, n.Fallback)
		}
		out = append(out, s)
	}
	return out
}

func unavailable() answer { return answer{fail: upstreams.CodeUnavailable} }

// TestFallback runs scenarios of operations against in-memory upstreams
// whose answers change from one operation to the next, and checks what
// the fallback policy served, its notes and what it kept.
func TestFallback(t *testing.T) {
	const (
		quoteA = `{"q":{"amount":5,"currency":"EUR"},"x":[1]}`
		quoteB = `{"q":{"amount":7,"currency":"USD"}}`
	)
	tests := []struct {
		name  string
		steps []fallbackStep
	}{{
		name: "a static value serves a failed call",
		steps: []fallbackStep{{
			set:   map[string]map[string]answer{"m": {`{"price":"a"}`: unavailable()}},
			query: `{ price(sku: "a") }`,
			data:  `{"price":0}`,
			notes: []string{"price UPSTREAM_UNAVAILABLE m value"},
		}},
	}, {
		name: "the request's own fault does not fall back by default",
		steps: []fallbackStep{{
			set:    map[string]map[string]answer{"m": {`{"price":"a"}`: {fail: upstreams.CodeBadRequest}}},
			query:  `{ price(sku: "a") }`,
			data:   `{"price":null}`,
			errors: []string{"price UPSTREAM_REQUEST_INVALID m"},
		}},
	}, {
		name: "on: a failure it does not name stands",
		steps: []fallbackStep{{
			set:    map[string]map[string]answer{"m": {`{"hot":true}`: unavailable()}},
			query:  `{ hot }`,
			data:   `{"hot":null}`,
			errors: []string{"hot UPSTREAM_UNAVAILABLE m"},
		}, {
			set:   map[string]map[string]answer{"m": {`{"hot":true}`: {fail: upstreams.CodeTimeout}}},
			query: `{ hot }`,
			data:  `{"hot":-1}`,
			notes: []string{"hot UPSTREAM_TIMEOUT m value"},
		}},
	}, {
		name: "on: UPSTREAM_UNAVAILABLE covers an open circuit and overload, not an error",
		steps: []fallbackStep{{
			set:   map[string]map[string]answer{"m": {`{"avail":true}`: {fail: upstreams.CodeCircuitOpen}}},
			query: `{ avail }`,
			data:  `{"avail":"unknown"}`,
			notes: []string{"avail UPSTREAM_CIRCUIT_OPEN m value"},
		}, {
			set:   map[string]map[string]answer{"m": {`{"avail":true}`: {fail: upstreams.CodeOverloaded}}},
			query: `{ avail }`,
			data:  `{"avail":"unknown"}`,
			notes: []string{"avail UPSTREAM_OVERLOADED m value"},
		}, {
			set:    map[string]map[string]answer{"m": {`{"avail":true}`: {fail: upstreams.CodeError}}},
			query:  `{ avail }`,
			data:   `{"avail":null}`,
			errors: []string{"avail UPSTREAM_ERROR m"},
		}},
	}, {
		name: "a stale value, with its age; another call's value is not it",
		steps: []fallbackStep{{
			set:   map[string]map[string]answer{"m": {`{"quote":"a"}`: {json: quoteA}}},
			query: `{ quote(sku: "a") { amount currency } }`,
			data:  `{"quote":{"amount":5,"currency":"EUR"}}`,
		}, {
			set:   map[string]map[string]answer{"m": {`{"quote":"a"}`: unavailable(), `{"quote":"b"}`: unavailable()}},
			age:   30 * time.Second,
			query: `{ quote(sku: "a") { amount currency } b: quote(sku: "b") { currency } }`,
			data:  `{"quote":{"amount":5,"currency":"EUR"},"b":{"currency":"XXX"}}`,
			notes: []string{"quote UPSTREAM_UNAVAILABLE m stale age 30s", "b UPSTREAM_UNAVAILABLE m value"},
			calls: map[string][]string{"m": {`{"quote":"a"}×1`, `{"quote":"b"}×1`}},
		}},
	}, {
		name: "a stale value older than stale is not served",
		steps: []fallbackStep{{
			set:   map[string]map[string]answer{"m": {`{"quote":"a"}`: {json: quoteA}}},
			query: `{ quote(sku: "a") { amount } }`,
			data:  `{"quote":{"amount":5}}`,
		}, {
			set:   map[string]map[string]answer{"m": {`{"quote":"a"}`: unavailable()}},
			age:   61 * time.Second,
			query: `{ quote(sku: "a") { amount } }`,
			data:  `{"quote":{"amount":0}}`,
			notes: []string{"quote UPSTREAM_UNAVAILABLE m value"},
		}},
	}, {
		name: "a value is kept again once a tenth of stale old",
		steps: []fallbackStep{{
			set:   map[string]map[string]answer{"m": {`{"quote":"a"}`: {json: quoteA}}},
			query: `{ quote(sku: "a") { amount } }`,
			data:  `{"quote":{"amount":5}}`,
		}, {
			set:   map[string]map[string]answer{"m": {`{"quote":"a"}`: {json: quoteB}}},
			age:   5 * time.Second,
			query: `{ quote(sku: "a") { amount } }`,
			data:  `{"quote":{"amount":7}}`,
		}, {
			set:   map[string]map[string]answer{"m": {`{"quote":"a"}`: unavailable()}},
			query: `{ quote(sku: "a") { amount } }`,
			data:  `{"quote":{"amount":5}}`,
			notes: []string{"quote UPSTREAM_UNAVAILABLE m stale age 5s"},
		}, {
			set:   map[string]map[string]answer{"m": {`{"quote":"a"}`: {json: quoteB}}},
			age:   2 * time.Second,
			query: `{ quote(sku: "a") { amount } }`,
			data:  `{"quote":{"amount":7}}`,
		}, {
			set:   map[string]map[string]answer{"m": {`{"quote":"a"}`: unavailable()}},
			query: `{ quote(sku: "a") { amount } }`,
			data:  `{"quote":{"amount":7}}`,
			notes: []string{"quote UPSTREAM_UNAVAILABLE m stale age 0s"},
		}},
	}, {
		name: "a value is kept again at most every 10s, however long stale is",
		steps: []fallbackStep{{
			set:   map[string]map[string]answer{"m": {`{"long":"a"}`: {json: quoteA}}},
			query: `{ long(sku: "a") { amount } }`,
			data:  `{"long":{"amount":5}}`,
		}, {
			set:   map[string]map[string]answer{"m": {`{"long":"a"}`: {json: quoteB}}},
			age:   9 * time.Second,
			query: `{ long(sku: "a") { amount } }`,
			data:  `{"long":{"amount":7}}`,
		}, {
			set:   map[string]map[string]answer{"m": {`{"long":"a"}`: unavailable()}},
			query: `{ long(sku: "a") { amount } }`,
			data:  `{"long":{"amount":5}}`,
			notes: []string{"long UPSTREAM_UNAVAILABLE m stale age 9s"},
		}, {
			set:   map[string]map[string]answer{"m": {`{"long":"a"}`: {json: quoteB}}},
			age:   2 * time.Second,
			query: `{ long(sku: "a") { amount } }`,
			data:  `{"long":{"amount":7}}`,
		}, {
			set:   map[string]map[string]answer{"m": {`{"long":"a"}`: unavailable()}},
			query: `{ long(sku: "a") { amount } }`,
			data:  `{"long":{"amount":7}}`,
			notes: []string{"long UPSTREAM_UNAVAILABLE m stale age 0s"},
		}},
	}, {
		name: "a replica answers a failed call",
		steps: []fallbackStep{{
			set: map[string]map[string]answer{
				"m":  {`{"item":"1"}`: unavailable()},
				"m2": {`{"item":"1"}`: {json: `{"id":"1","name":"from m2"}`}},
			},
			query: `{ item(id: "1") { id name } }`,
			data:  `{"item":{"id":"1","name":"from m2"}}`,
			notes: []string{"item UPSTREAM_UNAVAILABLE m upstream via m2"},
			calls: map[string][]string{"m": {`{"item":"1"}×1`}, "m2": {`{"item":"1"}×1`}},
		}},
	}, {
		name: "the replica failing too: the static value, for the first failure",
		steps: []fallbackStep{{
			set: map[string]map[string]answer{
				"m":  {`{"item":"1"}`: unavailable()},
				"m2": {`{"item":"1"}`: {fail: upstreams.CodeTimeout}},
			},
			query: `{ item(id: "1") { id name } }`,
			data:  `{"item":{"id":"0","name":"none"}}`,
			notes: []string{"item UPSTREAM_UNAVAILABLE m value"},
		}},
	}, {
		name: "the replica failing too, no more fallbacks: the first failure stands",
		steps: []fallbackStep{{
			set: map[string]map[string]answer{
				"m":  {`{"mirror":"1"}`: unavailable()},
				"m2": {`{"mirror":"1"}`: {fail: upstreams.CodeTimeout}},
			},
			query:  `{ mirror(id: "1") { id } }`,
			data:   `{"mirror":null}`,
			errors: []string{"mirror UPSTREAM_UNAVAILABLE m"},
			calls:  map[string][]string{"m": {`{"mirror":"1"}×1`}, "m2": {`{"mirror":"1"}×1`}},
		}},
	}, {
		name: "the replica's request cannot be built: the first failure stands",
		steps: []fallbackStep{{
			set: map[string]map[string]answer{
				"m":  {`{"mirror":"1"}`: unavailable()},
				"m2": {`{"mirror":"1"}`: {unbuilt: errors.New("no replica credentials")}},
			},
			query:  `{ mirror(id: "1") { id } }`,
			data:   `{"mirror":null}`,
			errors: []string{"mirror UPSTREAM_UNAVAILABLE m"},
			calls:  map[string][]string{"m": {`{"mirror":"1"}×1`}, "m2": nil},
		}},
	}, {
		name: "a replica's answer that does not fit: the static value, counted once",
		steps: []fallbackStep{{
			set: map[string]map[string]answer{
				"m":  {`{"item":"1"}`: unavailable()},
				"m2": {`{"item":"1"}`: {json: `{"id":{"no":1},"name":"from m2"}`}},
			},
			query: `{ item(id: "1") { id name } }`,
			data:  `{"item":{"id":"0","name":"none"}}`,
			notes: []string{"item UPSTREAM_BAD_RESPONSE m value"},
		}},
	}, {
		name: "a field's second binding serves as its fallback, read with its own result",
		steps: []fallbackStep{{
			set: map[string]map[string]answer{
				"m": {`{"s":"1"}`: {json: `{"n":1}`}, `{"s":"2"}`: unavailable(), `{"s":"3"}`: {fail: upstreams.CodeTimeout}},
				"m2": {
					`{"legacy":"2"}`: {json: `{"stock":{"n":20},"other":{"n":-1}}`},
					`{"legacy":"3"}`: unavailable(),
				},
			},
			query:  `{ products { legacy { n } } }`,
			data:   `{"products":[{"legacy":{"n":1}},{"legacy":{"n":20}},{"legacy":null}]}`,
			errors: []string{"products.2.legacy UPSTREAM_TIMEOUT m"},
			notes:  []string{"products.1.legacy UPSTREAM_UNAVAILABLE m upstream via m2"},
			calls:  map[string][]string{"m2": {`{"legacy":"2"}×1`, `{"legacy":"3"}×1`}},
		}},
	}, {
		name: "a batch field's second binding answers in batches, read with its own batch key and result",
		steps: []fallbackStep{{
			set: map[string]map[string]answer{
				"m":  {`{"levels":["1","2","3"]}`: unavailable()},
				"m2": {`{"lvls":["1","2","3"]}`: {json: `{"data":{"list":[{"sku":"3","n":30},{"sku":"1","n":10}]}}`}},
			},
			query: `{ products { id level { n } } }`,
			data:  `{"products":[{"id":"1","level":{"n":10}},{"id":"2","level":null},{"id":"3","level":{"n":30}}]}`,
			notes: []string{
				"products.0.level UPSTREAM_UNAVAILABLE m upstream via m2",
				"products.1.level UPSTREAM_UNAVAILABLE m upstream via m2",
				"products.2.level UPSTREAM_UNAVAILABLE m upstream via m2",
			},
			calls: map[string][]string{"m2": {`{"lvls":["1","2","3"]}×1`}},
		}},
	}, {
		name: "a GraphQL upstream's errors and no value: the static value in their place, not kept",
		steps: []fallbackStep{{
			set:   map[string]map[string]answer{"g": {`query{review{id body}}`: {json: `{"data":{"review":null},"errors":[{"message":"down","path":["review"]}]}`}}},
			query: `{ review { id body } }`,
			data:  `{"review":{"id":"0","body":"none"}}`,
			notes: []string{"review UPSTREAM_GRAPHQL_ERROR g value"},
		}, {
			query: `{ review { id body } }`,
			data:  `{"review":{"id":"0","body":"none"}}`,
			notes: []string{"review UPSTREAM_GRAPHQL_ERROR g value"},
		}},
	}, {
		name: "a GraphQL upstream's errors below a value stand",
		steps: []fallbackStep{{
			set: map[string]map[string]answer{"g": {`query{review{id body stars}}`: {
				json: `{"data":{"review":{"id":"1","body":"b","stars":null}},"errors":[{"message":"no stars","path":["review","stars"]}]}`,
			}}},
			query:  `{ review { id body stars } }`,
			data:   `{"review":{"id":"1","body":"b","stars":null}}`,
			errors: []string{"review.stars UPSTREAM_ERROR g"},
		}},
	}, {
		name: "a GraphQL upstream's errors: the stale value; an answer with errors is not kept",
		steps: []fallbackStep{{
			set:   map[string]map[string]answer{"g": {`query{review{id body stars}}`: {json: `{"data":{"review":{"id":"1","body":"good","stars":5}}}`}}},
			query: `{ review { id body stars } }`,
			data:  `{"review":{"id":"1","body":"good","stars":5}}`,
		}, {
			set: map[string]map[string]answer{"g": {`query{review{id body stars}}`: {
				json: `{"data":{"review":{"id":"1","body":"worse","stars":null}},"errors":[{"message":"no stars","path":["review","stars"]}]}`,
			}}},
			age:    time.Minute / 10,
			query:  `{ review { id body stars } }`,
			data:   `{"review":{"id":"1","body":"worse","stars":null}}`,
			errors: []string{"review.stars UPSTREAM_ERROR g"},
		}, {
			set:   map[string]map[string]answer{"g": {`query{review{id body stars}}`: {json: `{"data":null,"errors":[{"message":"down"}]}`}}},
			query: `{ review { id body stars } }`,
			data:  `{"review":{"id":"1","body":"good","stars":5}}`,
			notes: []string{"review UPSTREAM_GRAPHQL_ERROR g stale age 6s"},
		}},
	}, {
		name: "a GraphQL upstream's errors stand when on does not name them",
		steps: []fallbackStep{{
			set:    map[string]map[string]answer{"g": {`query{strictReview{id}}`: {json: `{"data":{"strictReview":null},"errors":[{"message":"down","path":["strictReview"]}]}`}}},
			query:  `{ strictReview { id } }`,
			data:   `{"strictReview":null}`,
			errors: []string{"strictReview UPSTREAM_ERROR g"},
		}},
	}, {
		name: "a batch's stale values are kept per parent and per arguments",
		steps: []fallbackStep{{
			set: map[string]map[string]answer{"m": {
				`{"stocks":["1","2"],"w":"a"}`: {json: `{"items":[{"id":"2","n":20},{"id":"1","n":10}]}`},
				`{"stocks":["3"],"w":"a"}`:     {json: `{"items":[{"id":"3","n":30}]}`},
			}},
			query: `{ products { stock(w: "a") { n } } }`,
			data:  `{"products":[{"stock":{"n":10}},{"stock":{"n":20}},{"stock":{"n":30}}]}`,
		}, {
			// Other batches: each parent is served its own value.
			set: map[string]map[string]answer{"m": {
				`{"all":true}`:                 {json: `[{"id":"3"},{"id":"1"},{"id":"2"}]`},
				`{"stocks":["3","1"],"w":"a"}`: unavailable(),
				`{"stocks":["2"],"w":"a"}`:     {fail: upstreams.CodeTimeout},
			}},
			query: `{ products { stock(w: "a") { n } } }`,
			data:  `{"products":[{"stock":{"n":30}},{"stock":{"n":10}},{"stock":{"n":20}}]}`,
			notes: []string{
				"products.0.stock UPSTREAM_UNAVAILABLE m stale age 0s",
				"products.1.stock UPSTREAM_UNAVAILABLE m stale age 0s",
				"products.2.stock UPSTREAM_TIMEOUT m stale age 0s",
			},
			calls: map[string][]string{"m": {`{"all":true}×1`, `{"stocks":["2"],"w":"a"}×1`, `{"stocks":["3","1"],"w":"a"}×1`}},
		}, {
			// Other arguments: none kept.
			set: map[string]map[string]answer{"m": {
				`{"stocks":["3","1"],"w":"b"}`: unavailable(),
				`{"stocks":["2"],"w":"b"}`:     unavailable(),
			}},
			query:  `{ products { stock(w: "b") { n } } }`,
			data:   `{"products":[{"stock":null},{"stock":null},{"stock":null}]}`,
			errors: []string{"products.0.stock UPSTREAM_UNAVAILABLE m", "products.1.stock UPSTREAM_UNAVAILABLE m", "products.2.stock UPSTREAM_UNAVAILABLE m"},
		}, {
			// One item of a batch answer does not fit: its parent is
			// served its stale value, the others their answer.
			set: map[string]map[string]answer{"m": {
				`{"stocks":["3","1"],"w":"a"}`: {json: `{"items":[{"id":"3","n":31},{"id":"1","n":"many"}]}`},
				`{"stocks":["2"],"w":"a"}`:     {json: `{"items":[{"id":"2","n":21}]}`},
			}},
			query: `{ products { stock(w: "a") { n } } }`,
			data:  `{"products":[{"stock":{"n":31}},{"stock":{"n":10}},{"stock":{"n":21}}]}`,
			notes: []string{"products.1.stock UPSTREAM_BAD_RESPONSE m stale age 0s"},
		}},
	}, {
		name: "a value that does not fit: the stale value, then the static one; it is not kept",
		steps: []fallbackStep{{
			set:   map[string]map[string]answer{"m": {`{"quote":"a"}`: {json: quoteA}}},
			query: `{ quote(sku: "a") { amount currency } }`,
			data:  `{"quote":{"amount":5,"currency":"EUR"}}`,
		}, {
			set: map[string]map[string]answer{"m": {
				`{"quote":"a"}`: {json: `{"q":{"amount":"lots","currency":"GBP"}}`},
				`{"quote":"b"}`: {json: `{"q":{"amount":1,"currency":{"code":"GBP"}}}`},
			}},
			age:   7 * time.Second,
			query: `{ quote(sku: "a") { amount currency } b: quote(sku: "b") { amount currency } }`,
			data:  `{"quote":{"amount":5,"currency":"EUR"},"b":{"amount":0,"currency":"XXX"}}`,
			notes: []string{"quote UPSTREAM_BAD_RESPONSE m stale age 7s", "b UPSTREAM_BAD_RESPONSE m value"},
		}, {
			set:   map[string]map[string]answer{"m": {`{"quote":"a"}`: unavailable(), `{"quote":"b"}`: unavailable()}},
			query: `{ quote(sku: "a") { amount currency } b: quote(sku: "b") { amount } }`,
			data:  `{"quote":{"amount":5,"currency":"EUR"},"b":{"amount":0}}`,
			notes: []string{"quote UPSTREAM_UNAVAILABLE m stale age 7s", "b UPSTREAM_UNAVAILABLE m value"},
		}},
	}, {
		name: "a value that does not fit, with no fallback for it: the errors stand",
		steps: []fallbackStep{{
			set:    map[string]map[string]answer{"m": {`{"hot":true}`: {json: `"very"`}}},
			query:  `{ hot }`,
			data:   `{"hot":null}`,
			errors: []string{"hot UPSTREAM_BAD_RESPONSE m"},
		}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fx := newFixture(t, fallbackSDL, fallbackUps(), Options{})
			for i, st := range tt.steps {
				for up, answers := range st.set {
					for k, a := range answers {
						fx.ups[up].set(k, a)
					}
				}
				if st.age > 0 {
					older(fx.e.stale, st.age)
				}
				for _, u := range fx.ups {
					u.reset()
				}
				r := fx.run(st.query, "")
				if !equalJSON(r.data, st.data) {
					t.Errorf("step %d: data\n got %s\nwant %s", i, r.data, st.data)
				}
				if got := r.failures(); !slices.Equal(got, st.errors) {
					t.Errorf("step %d: errors\n got %q\nwant %q\n%v", i, got, st.errors, r.errors)
				}
				if got := noteLines(t, r.notes); !slices.Equal(got, st.notes) {
					t.Errorf("step %d: notes\n got %q\nwant %q", i, got, st.notes)
				}
				if ext := r.ext["fallbacks"]; (ext != nil) != (len(st.notes) > 0) {
					t.Errorf("step %d: extensions.fallbacks %v, want %d notes", i, ext, len(st.notes))
				}
				if n := r.stats.Fallbacks.Load(); n != int64(len(st.notes)) {
					t.Errorf("step %d: %d fallbacks counted, %d noted", i, n, len(st.notes))
				}
				for up, want := range st.calls {
					if got := fx.ups[up].count(); !slices.Equal(got, want) {
						t.Errorf("step %d: calls to %s\n got %q\nwant %q", i, up, got, want)
					}
				}
			}
		})
	}
}

// memShared is a SharedStale in memory: a map, as Redis would hold it
// for every replica, which counts what it is asked.
type memShared struct {
	mu      sync.Mutex
	values  map[string]sharedValue
	loads   [][]string
	saves   []string
	failing error
	// waits are how long each Load's context allowed.
	waits []time.Duration
}

type sharedValue struct {
	value   []byte
	fetched time.Time
}

func (s *memShared) Load(ctx context.Context, keys []string) ([][]byte, []time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loads = append(s.loads, keys)
	if d, ok := ctx.Deadline(); ok {
		s.waits = append(s.waits, time.Until(d))
	}
	if s.failing != nil {
		return nil, nil, s.failing
	}
	values := make([][]byte, len(keys))
	fetched := make([]time.Time, len(keys))
	for i, k := range keys {
		if v, ok := s.values[k]; ok {
			values[i], fetched[i] = v.value, v.fetched
		}
	}
	return values, fetched, nil
}

func (s *memShared) Save(key string, value []byte, fetched time.Time, _ time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.values == nil {
		s.values = map[string]sharedValue{}
	}
	s.values[key] = sharedValue{append([]byte(nil), value...), fetched}
	s.saves = append(s.saves, string(value))
}

// counts returns how many loads and saves the store got.
func (s *memShared) counts() (loads, saves int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.loads), len(s.saves)
}

// TestSharedStale runs two replicas, each with its own cache, sharing one
// store: a replica reads the store only after a failed call, and only for
// values it does not hold itself.
func TestSharedStale(t *testing.T) {
	store := &memShared{}
	var logs bytes.Buffer
	replica := func() *fixture {
		c, err := NewStaleCache(100)
		if err != nil {
			t.Fatal(err)
		}
		c.Share(store, 0, zerolog.New(&logs))
		return newFixture(t, fallbackSDL, fallbackUps(), Options{Stale: c})
	}
	a, b := replica(), replica()
	const q = `{ quote(sku: "a") { amount currency } }`
	steps := []struct {
		name         string
		fx           *fixture
		answer       answer
		data         string
		note         string
		loads, saves int
		// saved is what the store was last given.
		saved string
	}{
		{"replica a: a good answer is saved, nothing read", a, answer{json: `{"q":{"amount":5,"currency":"EUR"},"rest":[1,2]}`},
			`{"quote":{"amount":5,"currency":"EUR"}}`, "", 0, 1, `{"amount":5,"currency":"EUR"}`},
		{"replica b fails and holds nothing: it reads a's value", b, unavailable(),
			`{"quote":{"amount":5,"currency":"EUR"}}`, "quote UPSTREAM_UNAVAILABLE m stale age 0s", 1, 1, ""},
		{"replica b fails again: it holds the value now", b, unavailable(),
			`{"quote":{"amount":5,"currency":"EUR"}}`, "quote UPSTREAM_UNAVAILABLE m stale age 0s", 1, 1, ""},
		{"replica b answers: a younger value is not kept again so soon", b, answer{json: `{"q":{"amount":6,"currency":"EUR"}}`},
			`{"quote":{"amount":6,"currency":"EUR"}}`, "", 1, 1, ""},
	}
	for _, st := range steps {
		st.fx.ups["m"].set(`{"quote":"a"}`, st.answer)
		r := st.fx.run(q, "")
		if !equalJSON(r.data, st.data) || len(r.errors) != 0 {
			t.Errorf("%s: data %s, errors %v; want %s", st.name, r.data, r.errors, st.data)
		}
		var want []string
		if st.note != "" {
			want = []string{st.note}
		}
		if got := noteLines(t, r.notes); !slices.Equal(got, want) {
			t.Errorf("%s: notes %q, want %q", st.name, got, want)
		}
		loads, saves := store.counts()
		if loads != st.loads || saves != st.saves {
			t.Errorf("%s: %d loads and %d saves, want %d and %d", st.name, loads, saves, st.loads, st.saves)
		}
		if st.saved != "" && store.saves[len(store.saves)-1] != st.saved {
			t.Errorf("%s: saved %s, want %s", st.name, store.saves[len(store.saves)-1], st.saved)
		}
	}
	if len(store.waits) == 0 || store.waits[0] > DefaultSharedWait {
		t.Errorf("a read waits at most %v: %v", DefaultSharedWait, store.waits)
	}
	if logs.Len() != 0 {
		t.Errorf("logged %s", logs.String())
	}

	// The store failing: the static value serves, and the failure is
	// logged once per 10s however many calls it fails.
	store.failing = errors.New("connection refused")
	c := replica()
	c.ups["m"].set(`{"quote":"z"}`, unavailable())
	for i := range 3 {
		r := c.run(`{ quote(sku: "z") { currency } }`, "")
		if !equalJSON(r.data, `{"quote":{"currency":"XXX"}}`) {
			t.Errorf("read %d: data %s", i, r.data)
		}
	}
	if loads, _ := store.counts(); loads != 4 {
		t.Errorf("%d loads, want 4", loads)
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], `"error":"connection refused"`) || !strings.Contains(lines[0], `"keys":1`) ||
		!strings.Contains(lines[0], "reading the shared store failed") {
		t.Fatalf("log lines:\n%s", logs.String())
	}
	c.e.stale.logged.Store(time.Now().Add(-logEvery).UnixNano())
	c.run(`{ quote(sku: "z") { currency } }`, "")
	if n := strings.Count(logs.String(), "reading the shared store failed"); n != 2 {
		t.Errorf("after 10s: %d log lines, want 2", n)
	}

	// A GraphQL upstream's errors read the store as a failed call does.
	store.failing = nil
	const review = `{ review { id body } }`
	a.ups["g"].set("query{review{id body}}", answer{json: `{"data":{"review":{"id":"7","body":"shared"}}}`})
	a.run(review, "")
	d := replica()
	d.ups["g"].set("query{review{id body}}", answer{json: `{"data":{"review":null},"errors":[{"message":"down","path":["review"]}]}`})
	loads, _ := store.counts()
	r := d.run(review, "")
	if !equalJSON(r.data, `{"review":{"id":"7","body":"shared"}}`) || len(r.errors) != 0 {
		t.Errorf("GraphQL errors: data %s, errors %v", r.data, r.errors)
	}
	if got := noteLines(t, r.notes); !slices.Equal(got, []string{"review UPSTREAM_GRAPHQL_ERROR g stale age 0s"}) {
		t.Errorf("GraphQL errors: notes %q", got)
	}
	if n, _ := store.counts(); n != loads+1 {
		t.Errorf("GraphQL errors: %d loads, want %d", n, loads+1)
	}
}

// TestStaleCache checks the cache's own rules: ages, and which of its
// own and the shared store's values it keeps.
func TestStaleCache(t *testing.T) {
	now := time.Now()
	c, err := NewStaleCache(2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewStaleCache(0); err == nil {
		t.Error("a cache of no values made")
	}
	c.put("k", []byte(`{"v":1} trailing`), now.Add(-time.Minute), time.Hour)
	tests := []struct {
		name string
		got  bool
		want bool
	}{
		{"has within its age", c.has("k", time.Minute, now), true},
		{"has past its age", c.has("k", time.Minute-time.Millisecond, now), false},
		{"has another key", c.has("x", time.Hour, now), false},
		{"fresh when younger", c.fresh("k", time.Minute+time.Millisecond, now), true},
		{"not fresh at the bound", c.fresh("k", time.Minute, now), false},
		{"not fresh when absent", c.fresh("x", time.Hour, now), false},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, tt.got, tt.want)
		}
	}
	if v, age, ok := c.get("k", time.Minute, now); !ok || age != time.Minute || string(v) != `{"v":1} trailing` {
		t.Errorf("get: %s %v %v", v, age, ok)
	}
	if _, _, ok := c.get("k", time.Second, now); ok {
		t.Error("get past its age")
	}
	if _, _, ok := c.get("x", time.Hour, now); ok {
		t.Error("get of an absent key")
	}

	// The shared store's values replace only older ones held.
	store := &memShared{values: map[string]sharedValue{
		"k":     {[]byte(`"older"`), now.Add(-2 * time.Minute)},
		"young": {[]byte(`"young"`), now.Add(-time.Second)},
	}}
	c.Share(store, time.Second, zerolog.Nop())
	if c.wait != time.Second {
		t.Errorf("wait %v", c.wait)
	}
	c.load(context.Background(), []string{"k", "young", "none"})
	if v, _, _ := c.get("k", time.Hour, now); string(v) != `{"v":1} trailing` {
		t.Errorf("an older shared value replaced one held: %s", v)
	}
	if v, age, ok := c.get("young", time.Hour, now); !ok || string(v) != `"young"` || age != time.Second {
		t.Errorf("shared value: %s %v %v", v, age, ok)
	}
	if c.has("none", time.Hour, now) {
		t.Error("a value the store does not hold")
	}
	store.values["young"] = sharedValue{[]byte(`"younger"`), now}
	c.load(context.Background(), []string{"young"})
	if v, _, _ := c.get("young", time.Hour, now); string(v) != `"younger"` {
		t.Errorf("a younger shared value did not replace an older one: %s", v)
	}
	// Writes reach the store trimmed to their value.
	c.put("w", []byte(`[1,2] ,"next":3}`), now, time.Hour)
	if got := store.values["w"]; string(got.value) != `[1,2]` || !got.fetched.Equal(now) {
		t.Errorf("saved %s at %v", got.value, got.fetched)
	}
}
