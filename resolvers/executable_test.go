package resolvers

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/weft-gateway/weft/upstreams"
)

// TestExecRefusals checks the operations Exec refuses before any call,
// with the code and message a client gets, and that the bounds let
// through what they allow.
func TestExecRefusals(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel2()
	// unvalidated is an operation the schema cannot validate: the
	// planner is the last line against it.
	unvalidated := func(query string) func(*fixture) *graphql.OperationContext {
		return func(*fixture) *graphql.OperationContext {
			doc, err := parser.ParseQuery(&ast.Source{Input: query})
			if err != nil {
				t.Fatal(err)
			}
			return &graphql.OperationContext{RawQuery: query, Doc: doc, Operation: doc.Operations[0], Headers: http.Header{}}
		}
	}
	tests := []struct {
		name  string
		opts  Options
		query string
		op    func(*fixture) *graphql.OperationContext
		// disable turns introspection off for the request.
		disable bool
		ctx     context.Context
		// code and msg are the refusal's; data, the answer when there is
		// none.
		code, msg, data string
	}{{
		name:  "more aliases than MaxAliases",
		opts:  Options{MaxAliases: 3},
		query: `{ a: flaky b: flaky products { n: name m: maker { name } } }`,
		code:  "TOO_MANY_ALIASES", msg: "the operation has 4 aliases; the limit is 3",
	}, {
		name:  "as many aliases as MaxAliases",
		opts:  Options{MaxAliases: 4},
		query: `{ a: flaky b: flaky products { n: name m: maker { name } } }`,
		data:  `{"a":"ok","b":"ok","products":[{"n":"Desk","m":{"name":"Acme"}},{"n":"Lamp","m":{"name":"Acme"}},{"n":"Rug","m":{"name":"Bolt"}}]}`,
	}, {
		name:  "more complex than MaxComplexity",
		opts:  Options{MaxComplexity: 3},
		query: `{ products { name maker { name } } }`,
		code:  "COMPLEXITY_LIMIT_EXCEEDED", msg: "the operation's complexity is 4; the limit is 3",
	}, {
		name:  "as complex as MaxComplexity",
		opts:  Options{MaxComplexity: 4},
		query: `{ products { name maker { name } } }`,
		data:  `{"products":[{"name":"Desk","maker":{"name":"Acme"}},{"name":"Lamp","maker":{"name":"Acme"}},{"name":"Rug","maker":{"name":"Bolt"}}]}`,
	}, {
		name:    "introspection when it is disabled",
		query:   `{ flaky __type(name: "Maker") { name } }`,
		disable: true,
		code:    "INTROSPECTION_DISABLED", msg: "introspection is disabled for this API",
	}, {
		name:    "__typename is not introspection",
		query:   `{ __typename flaky }`,
		disable: true,
		data:    `{"__typename":"Query","flaky":"ok"}`,
	}, {
		name:  "deeper than MaxDepth",
		opts:  Options{MaxDepth: 2},
		query: `{ products { maker { name } } }`,
		code:  "QUERY_TOO_DEEP", msg: "the operation nests fields more than 2 levels deep; the limit is 2",
	}, {
		name:  "more selections than MaxSelections",
		opts:  Options{MaxSelections: 3},
		query: `{ products { id name maker { name } } }`,
		code:  "QUERY_TOO_LARGE", msg: "the operation selects more than 3 fields once its fragments are expanded; the limit is 3",
	}, {
		name:  "a request cancelled before it is planned",
		query: `{ flaky }`,
		ctx:   cancelled,
		code:  "REQUEST_CANCELLED", msg: "the request was cancelled while its operation was planned",
	}, {
		name:  "a request past its deadline before it is planned",
		query: `{ flaky }`,
		ctx:   expired,
		code:  "REQUEST_TIMEOUT", msg: "the request's deadline passed while its operation was planned",
	}, {
		name: "a subscription",
		op:   unvalidated(`subscription { flaky }`),
		code: "PLAN_FAILED", msg: "subscription operations need a streaming transport (WebSocket or server-sent events), which this endpoint does not serve yet",
	}, {
		name:  "several operations and none named",
		query: `query A { flaky } query B { products { id } }`,
		code:  "PLAN_FAILED", msg: "the document has several operations: name the one to run",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fx := newFixture(t, shopSDL, []memUp{{name: "m", answers: shopAnswers(map[string]answer{`{"flaky":true}`: {json: `"ok"`}})}}, tt.opts)
			var op *graphql.OperationContext
			if tt.op != nil {
				op = tt.op(fx)
			} else {
				op = fx.operation(tt.query, "")
			}
			op.DisableIntrospection = tt.disable
			ctx := tt.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			r := fx.exec(ctx, op)
			if tt.code == "" {
				if len(r.errors) != 0 || !equalJSON(r.data, tt.data) {
					t.Fatalf("data %s, errors %v; want %s", r.data, r.errors, tt.data)
				}
				return
			}
			want := fmt.Sprintf(`[{"message":%q,"extensions":{"code":%q}}]`, tt.msg, tt.code)
			if got, _ := json.Marshal(r.errors); !equalJSON(string(got), want) {
				t.Errorf("errors\n got %s\nwant %s", got, want)
			}
			if r.data != "" {
				t.Errorf("data %s", r.data)
			}
			if n := fx.ups["m"].total(); n != 0 {
				t.Errorf("%d calls", n)
			}
			if tt.ctx != nil {
				// A request stopped while planning leaves no plan behind:
				// the next plans the operation afresh.
				r := fx.exec(context.Background(), fx.operation(tt.query, ""))
				if len(r.errors) != 0 || !equalJSON(r.data, `{"flaky":"ok"}`) {
					t.Errorf("the next request: %s %v", r.data, r.errors)
				}
			}
		})
	}
}

// TestExposePlan: the plan is in the response's extensions only when the
// Executable allows it and the client asks for it.
func TestExposePlan(t *testing.T) {
	tests := []struct {
		expose bool
		header string
		want   bool
	}{{true, "1", true}, {true, "", false}, {true, "yes", false}, {false, "1", false}}
	for _, tt := range tests {
		fx := newFixture(t, shopSDL, []memUp{{name: "m", answers: shopAnswers(nil)}}, Options{ExposePlan: tt.expose})
		h := http.Header{}
		if tt.header != "" {
			h.Set("X-Weft-Plan", tt.header)
		}
		r := fx.runWith(context.Background(), `{ products { name } }`, "", h)
		if !equalJSON(r.data, `{"products":[{"name":"Desk"},{"name":"Lamp"},{"name":"Rug"}]}`) {
			t.Errorf("expose %v, header %q: data %s", tt.expose, tt.header, r.data)
		}
		plan, ok := r.ext["queryPlan"].(json.RawMessage)
		if ok != tt.want {
			t.Errorf("expose %v, header %q: plan given %v, want %v", tt.expose, tt.header, ok, tt.want)
			continue
		}
		if ok && !equalJSON(string(plan), `{"kind":"QueryPlan","operation":"query","node":{"kind":"Fetch","id":0,"upstream":"m","protocol":"mem","request":"{\"all\":true}"}}`) {
			t.Errorf("plan %s", plan)
		}
	}
}

// TestStats checks the counters a request leaves for the access log.
func TestStats(t *testing.T) {
	tests := []struct {
		name, sdl, query, opName string
		answers                  map[string]answer
		operation                string
		calls, fallbacks         int64
		errors                   int
	}{{
		name:      "calls made, identical ones once; errors",
		sdl:       shopSDL,
		query:     `query Shop { products { name maker { name } } flaky }`,
		answers:   shopAnswers(map[string]answer{`{"flaky":true}`: {fail: upstreams.CodeTimeout}}),
		operation: "Shop", calls: 4, errors: 1,
	}, {
		name:      "the operation named by the request",
		sdl:       shopSDL,
		query:     `query Shop { flaky } query Other { products { name } }`,
		opName:    "Other",
		answers:   shopAnswers(nil),
		operation: "Other", calls: 1,
	}, {
		name:      "fallbacks served, and the replica's call",
		sdl:       fallbackSDL,
		query:     `{ price(sku: "a") item(id: "1") { name } }`,
		answers:   map[string]answer{`{"price":"a"}`: unavailable(), `{"item":"1"}`: unavailable()},
		calls:     3,
		fallbacks: 2,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ups := []memUp{{name: "m", answers: tt.answers}}
			if tt.sdl == fallbackSDL {
				ups = fallbackUps()
				ups[0].answers = tt.answers
				ups[1].answers = map[string]answer{`{"item":"1"}`: {json: `{"id":"1","name":"replica"}`}}
			}
			fx := newFixture(t, tt.sdl, ups, Options{})
			op := fx.operation(tt.query, "")
			if tt.opName != "" {
				op.OperationName = tt.opName
				op.Operation = op.Doc.Operations.ForName(tt.opName)
			}
			r := fx.exec(context.Background(), op)
			s := r.stats
			if s.Operation != tt.operation || s.UpstreamCalls.Load() != tt.calls || s.Fallbacks.Load() != tt.fallbacks || s.Errors != tt.errors {
				t.Errorf("stats: operation %q, %d calls, %d fallbacks, %d errors; want %q, %d, %d, %d (data %s, errors %v)",
					s.Operation, s.UpstreamCalls.Load(), s.Fallbacks.Load(), s.Errors, tt.operation, tt.calls, tt.fallbacks, tt.errors, r.data, r.errors)
			}
			if len(s.FallbackNotes) != int(tt.fallbacks) {
				t.Errorf("%d notes", len(s.FallbackNotes))
			}
		})
	}

	// Without Stats in the context, the same request runs as well.
	fx := newFixture(t, fallbackSDL, fallbackUps(), Options{})
	fx.ups["m"].set(`{"price":"a"}`, unavailable())
	ctx := graphql.WithOperationContext(context.Background(), fx.operation(`{ price(sku: "a") hot }`, ""))
	ctx = graphql.WithResponseContext(ctx, graphql.DefaultErrorPresenter, graphql.DefaultRecover)
	if StatsFrom(ctx) != nil {
		t.Fatal("stats in a context that has none")
	}
	resp := fx.e.Exec(ctx)(ctx)
	if !equalJSON(string(resp.Data), `{"price":0,"hot":null}`) || len(resp.Errors) != 1 {
		t.Errorf("without stats: %s %v", resp.Data, resp.Errors)
	}
}

// TestResponseHandler: the handler Exec returns answers once; the next
// call ends the response stream.
func TestResponseHandler(t *testing.T) {
	fx := newFixture(t, shopSDL, []memUp{{name: "m", answers: shopAnswers(nil)}}, Options{})
	ctx := graphql.WithOperationContext(context.Background(), fx.operation(`{ products { name } }`, ""))
	ctx = graphql.WithResponseContext(ctx, graphql.DefaultErrorPresenter, graphql.DefaultRecover)
	h := fx.e.Exec(ctx)
	if resp := h(ctx); resp == nil || !equalJSON(string(resp.Data), `{"products":[{"name":"Desk"},{"name":"Lamp"},{"name":"Rug"}]}`) {
		t.Fatalf("first response %v", resp)
	}
	if resp := h(ctx); resp != nil {
		t.Errorf("a second response: %s", resp.Data)
	}
	if n := fx.ups["m"].total(); n != 1 {
		t.Errorf("%d calls, want 1", n)
	}
	if fx.e.Schema() != fx.s.AST {
		t.Error("Schema is not the schema's")
	}
	fx.run(`{ products { name } }`, "")
	fx.run(`{ flaky }`, "")
	if n := fx.e.Plans().Len(); n != 2 {
		t.Errorf("%d plans cached, want 2", n)
	}
	if c, ok := fx.e.Complexity(context.Background(), "Query", "products", 3, nil); c != 4 || !ok {
		t.Errorf("Complexity %d %v", c, ok)
	}
}

// TestRecycle: a recycled buffer sizes the next response's; outsized ones
// are not kept.
func TestRecycle(t *testing.T) {
	fx := newFixture(t, shopSDL, []memUp{{name: "m", answers: shopAnswers(nil)}}, Options{})
	e := fx.e
	if b := e.buffer(); len(b) != 0 || cap(b) < 4096 {
		t.Fatalf("a new buffer: len %d cap %d", len(b), cap(b))
	}
	e.Recycle(make([]byte, 10000))
	if got := e.sizeHint.Load(); got != 10000 {
		t.Errorf("size hint %d", got)
	}
	// Pooled or new, the next buffer holds a response of that size.
	if b := e.buffer(); len(b) != 0 || cap(b) < 10000 {
		t.Errorf("next buffer: len %d cap %d", len(b), cap(b))
	}
	e.Recycle(make([]byte, 5<<20))
	e.Recycle(nil)
	if got := e.sizeHint.Load(); got != 10000 {
		t.Errorf("an outsized or empty buffer changed the size hint: %d", got)
	}
	// A response written into a recycled buffer is whole.
	for range 3 {
		r := fx.run(`{ products { name } }`, "")
		if !equalJSON(r.data, `{"products":[{"name":"Desk"},{"name":"Lamp"},{"name":"Rug"}]}`) {
			t.Fatalf("data %s", r.data)
		}
		e.Recycle([]byte(r.data))
	}
}

// TestMaxConcurrency: a fetch has at most MaxConcurrency calls in flight.
func TestMaxConcurrency(t *testing.T) {
	answers := map[string]answer{}
	var items []string
	for i := range 6 {
		items = append(items, fmt.Sprintf(`{"id":"%d","name":"p","makerId":"k%d"}`, i, i))
		answers[fmt.Sprintf(`{"maker":"k%d"}`, i)] = answer{json: fmt.Sprintf(`{"name":"M%d"}`, i), delay: 200 * time.Millisecond}
	}
	answers[`{"all":true}`] = answer{json: "[" + strings.Join(items, ",") + "]"}
	for _, tt := range []struct{ limit, most int }{{2, 2}, {0, 6}} {
		fx := newFixture(t, shopSDL, []memUp{{name: "m", answers: answers}}, Options{MaxConcurrency: tt.limit})
		r := fx.run(`{ products { maker { name } } }`, "")
		want := `{"products":[{"maker":{"name":"M0"}},{"maker":{"name":"M1"}},{"maker":{"name":"M2"}},{"maker":{"name":"M3"}},{"maker":{"name":"M4"}},{"maker":{"name":"M5"}}]}`
		if !equalJSON(r.data, want) || len(r.errors) != 0 {
			t.Errorf("limit %d: data %s, errors %v", tt.limit, r.data, r.errors)
		}
		m := fx.ups["m"]
		m.mu.Lock()
		most := m.most
		m.mu.Unlock()
		if most != tt.most {
			t.Errorf("limit %d: at most %d calls in flight, want %d", tt.limit, most, tt.most)
		}
	}
}

// TestSharedCall: two fetches of one request that make the same call make
// it once, however their timing falls.
func TestSharedCall(t *testing.T) {
	for _, delay := range []time.Duration{0, 20 * time.Millisecond} {
		fx := newFixture(t, shopSDL, []memUp{{name: "m", answers: shopAnswers(map[string]answer{
			`{"id":"1"}`:    {json: `{"id":"1","name":"Desk","makerId":"a"}`},
			`{"maker":"a"}`: {json: `{"name":"Acme"}`, delay: delay},
		})}}, Options{})
		r := fx.run(`{ products { maker { name } } product(id: "1") { maker { name } } }`, "")
		want := `{"products":[{"maker":{"name":"Acme"}},{"maker":{"name":"Acme"}},{"maker":{"name":"Bolt"}}],"product":{"maker":{"name":"Acme"}}}`
		if !equalJSON(r.data, want) || len(r.errors) != 0 {
			t.Errorf("delay %v: data %s, errors %v", delay, r.data, r.errors)
		}
		wantCalls := []string{`{"all":true}×1`, `{"id":"1"}×1`, `{"maker":"a"}×1`, `{"maker":"b"}×1`}
		if got := fx.ups["m"].count(); !slices.Equal(got, wantCalls) {
			t.Errorf("delay %v: calls %q", delay, got)
		}
		if n := r.stats.UpstreamCalls.Load(); n != 4 {
			t.Errorf("delay %v: %d calls counted", delay, n)
		}
	}
}

// TestNewStaleCache: an Executable keeps stale values only when a
// fallback serves them, in the cache it is given if any.
func TestNewStaleCache(t *testing.T) {
	if fx := newFixture(t, shopSDL, []memUp{{name: "m"}}, Options{}); fx.e.stale != nil {
		t.Error("a cache for a schema without stale fallbacks")
	}
	fx := newFixture(t, fallbackSDL, fallbackUps(), Options{})
	if fx.e.stale == nil || fx.e.stale.lru.Len() != 0 {
		t.Fatal("no cache for a schema with stale fallbacks")
	}
	c, err := NewStaleCache(5)
	if err != nil {
		t.Fatal(err)
	}
	c.put("k", []byte(`1`), time.Now(), time.Minute)
	if fx := newFixture(t, fallbackSDL, fallbackUps(), Options{Stale: c}); fx.e.stale != c {
		t.Error("the cache given is not used")
	}
}
