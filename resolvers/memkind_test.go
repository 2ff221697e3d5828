package resolvers

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/valyala/fastjson"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator"

	"github.com/weft-gateway/weft/internal/tmpl"
	"github.com/weft-gateway/weft/planner"
	"github.com/weft-gateway/weft/schema"
	"github.com/weft-gateway/weft/upstreams"
	upgraphql "github.com/weft-gateway/weft/upstreams/graphql"
)

// The executor's tests run operations against in-memory upstreams: an
// upstream kind of their own, "mem", bound with
//
//	@mem(upstream: "m", request: {id: "{parent.id}"}, result: "item",
//	  batch: {request: {ids: "{parent.id}"}, key: "id", result: "items"})
//
// whose calls are answered from a table by their request (the template
// filled in, as JSON), and GraphQL upstreams (@graphql, with the real
// binder) answered from a table by operation document. Every call is
// counted by its key, and a request the table does not hold fails the
// test, so a test says exactly which calls an operation makes.

// memKind is the kind of the in-memory upstreams of @mem.
const memKind schema.Kind = "mem"

type memBinder struct{}

func (memBinder) Kind() schema.Kind { return memKind }

func (memBinder) Directive() string {
	return `directive @mem(upstream: String!, request: _WeftValue, result: String, timeout: String, batch: _WeftValue) repeatable on FIELD_DEFINITION`
}

// memBinding is a @mem binding: the request template and the batch
// form's.
type memBinding struct{ request, batch *tmpl.JSON }

func (m *memBinding) Describe(batch bool) string {
	if batch {
		return "batch " + m.batch.String()
	}
	if m.request == nil {
		return "{}"
	}
	return m.request.String()
}

func (memBinder) Bind(c *schema.BindContext) {
	bd := c.Binding()
	m := &memBinding{}
	bd.Request = m
	if v := c.Value("request"); v != nil {
		m.request = c.Body(v)
	}
	if s := c.String("result", false); s != "" {
		bd.Result = c.ResultPath(s, c.Pos("result"))
	}
	v := c.Value("batch")
	if v == nil {
		return
	}
	bc := c.Within("batch")
	batch := bc.NewBatch()
	for _, ch := range v.Children {
		if ch.Name == "request" {
			m.batch = bc.Body(ch.Value)
		} else if !bc.BatchField(batch, ch) {
			bc.Errorf(ch.Position, "unknown batch field %q", ch.Name)
		}
	}
	keys := map[string][]string{}
	if m.batch != nil {
		m.batch.EachRef(func(r *tmpl.Ref) {
			if r.Root == tmpl.Parent {
				keys[strings.Join(r.Path, ".")] = r.Path
			}
		})
	}
	bc.BatchKey(batch, keys, v.Position)
	bd.Batch = batch
}

// answer is how an in-memory upstream answers one request.
type answer struct {
	// json is the answer: the result of a @mem call, the whole response
	// ({"data": ..., "errors": ...}) of a GraphQL one.
	json string
	// fail, when set, fails the call with this code instead.
	fail upstreams.Code
	// delay holds the answer back, or until the call's context ends.
	delay time.Duration
	// panics makes Do panic.
	panics bool
	// unbuilt, when set, fails Prepare with it: the request could not
	// be built, and is not sent.
	unbuilt error
	// err, when set, fails the call with a copy of this error instead:
	// one with a status, detail, extensions or relayed words.
	err *upstreams.Error
}

// memUpstream is an in-memory upstream: @mem's kind, or a GraphQL one.
type memUpstream struct {
	name    string
	graphql bool
	expose  bool
	answers map[string]answer

	mu       sync.Mutex
	calls    map[string]int
	inFlight int
	most     int
}

var _ upstreams.Upstream = (*memUpstream)(nil)

func (u *memUpstream) Name() string       { return u.name }
func (u *memUpstream) Close()             {}
func (u *memUpstream) ExposeErrors() bool { return u.expose }

func (u *memUpstream) Prepare(c *upstreams.Call) error {
	if u.graphql {
		if c.Operation == nil {
			return fmt.Errorf("no operation")
		}
		vars, _ := json.Marshal(c.Variables)
		c.Key = c.Operation.Document
		if len(c.Variables) > 0 {
			c.Key += " " + string(vars)
		}
		return nil
	}
	m, _ := c.Binding.Request.(*memBinding)
	if m == nil {
		return upstreams.Errorf(upstreams.CodeBadRequest, u.name, nil, "field %s has no @mem binding", c.Binding.FieldRef)
	}
	t := m.request
	if c.Batch {
		t = m.batch
	}
	if t == nil {
		c.Key = "{}"
		return nil
	}
	b, err := t.AppendJSON(nil, c.Scope)
	if err != nil {
		return upstreams.Errorf(upstreams.CodeBadRequest, u.name, err, "cannot build the request: %v", err)
	}
	c.Key = string(b)
	return u.unbuilt(c.Key)
}

// unbuilt is the error the answer to key says building it gives.
func (u *memUpstream) unbuilt(key string) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.answers[key].unbuilt
}

func (u *memUpstream) Do(ctx context.Context, c *upstreams.Call) (*upstreams.Result, error) {
	key := strings.TrimPrefix(c.Key, u.name+"\x00") // a replica's key names it
	u.mu.Lock()
	if u.calls == nil {
		u.calls = map[string]int{}
	}
	u.calls[key]++
	u.inFlight++
	u.most = max(u.most, u.inFlight)
	a, ok := u.answers[key]
	u.mu.Unlock()
	defer func() {
		u.mu.Lock()
		u.inFlight--
		u.mu.Unlock()
	}()
	if !ok {
		return nil, upstreams.Errorf(upstreams.CodeError, u.name, nil, "the test holds no answer to %s", key)
	}
	if a.delay > 0 {
		select {
		case <-time.After(a.delay):
		case <-ctx.Done():
			return nil, upstreams.TransportError(u.name, ctx.Err())
		}
	}
	if a.panics {
		panic("the upstream broke")
	}
	if a.err != nil {
		e := *a.err
		return nil, &e
	}
	if a.fail != "" {
		return nil, upstreams.Errorf(a.fail, u.name, nil, "it failed: %s (internal detail)", a.fail)
	}
	if !u.graphql {
		if c.Raw {
			return upstreams.NewRawResult([]byte(a.json), 200, nil), nil
		}
		v, err := fastjson.Parse(a.json)
		if err != nil {
			return nil, upstreams.Errorf(upstreams.CodeBadResponse, u.name, err, "not JSON")
		}
		return upstreams.NewResult(v, 200, nil), nil
	}
	v, err := fastjson.Parse(a.json)
	if err != nil {
		return nil, upstreams.Errorf(upstreams.CodeBadResponse, u.name, err, "not JSON")
	}
	var errs []upstreams.GraphQLError
	for _, e := range v.GetArray("errors") {
		ge := upstreams.GraphQLError{Message: string(e.GetStringBytes("message")), Extensions: e.Get("extensions")}
		for _, seg := range e.GetArray("path") {
			if seg.Type() == fastjson.TypeNumber {
				ge.Path = append(ge.Path, seg.GetInt())
			} else {
				ge.Path = append(ge.Path, string(seg.GetStringBytes()))
			}
		}
		errs = append(errs, ge)
	}
	data := v.Get("data")
	if c.Raw && len(errs) == 0 && data != nil {
		return upstreams.NewRawResult(data.MarshalTo(nil), 200, nil), nil
	}
	res := upstreams.NewResult(data, 200, nil)
	res.Errors = errs
	return res, nil
}

// set changes how the upstream answers key, between operations.
func (u *memUpstream) set(key string, a answer) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.answers == nil {
		u.answers = map[string]answer{}
	}
	u.answers[key] = a
}

// total is the number of calls the upstream got.
func (u *memUpstream) total() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	n := 0
	for _, c := range u.calls {
		n += c
	}
	return n
}

// reset forgets the calls counted so far.
func (u *memUpstream) reset() {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.calls, u.most = nil, 0
}

// count returns how many calls each request got, as "key×n" sorted.
func (u *memUpstream) count() []string {
	u.mu.Lock()
	defer u.mu.Unlock()
	var out []string
	for k, n := range u.calls {
		out = append(out, fmt.Sprintf("%s×%d", k, n))
	}
	sort.Strings(out)
	return out
}

// fixture is a schema over in-memory upstreams and its Executable.
type fixture struct {
	t   testing.TB
	s   *schema.Schema
	e   *Executable
	ups map[string]*memUpstream
}

// memUp declares an in-memory upstream for a fixture: name, and for a
// GraphQL one its schema's SDL.
type memUp struct {
	name, sdl string
	answers   map[string]answer
	expose    bool
	// trusted declares a GraphQL upstream trusted to keep its schema's
	// promises (spec.graphql.trusted).
	trusted bool
}

// newFixture builds sdl over the upstreams and an Executable with opts
// (its Upstreams filled in).
func newFixture(t testing.TB, sdl string, ups []memUp, opts Options) *fixture {
	t.Helper()
	infos := map[string]schema.UpstreamInfo{}
	fx := &fixture{t: t, ups: map[string]*memUpstream{}}
	opts.Upstreams = map[string]upstreams.Upstream{}
	for _, u := range ups {
		m := &memUpstream{name: u.name, answers: maps.Clone(u.answers), expose: u.expose}
		info := schema.UpstreamInfo{Name: u.name, Kind: memKind, Version: "1", Trusted: u.trusted}
		if u.sdl != "" {
			us, err := gqlparser.LoadSchema(&ast.Source{Name: u.name + ".graphql", Input: u.sdl})
			if err != nil {
				t.Fatal(err)
			}
			m.graphql, info.Kind, info.Schema = true, upgraphql.KindName, us
		}
		fx.ups[u.name] = m
		infos[u.name] = info
		opts.Upstreams[u.name] = m
	}
	s, err := schema.Build(schema.Source{File: "api.graphql", Input: sdl}, schema.Options{
		Binders: []schema.Binder{memBinder{}, upgraphql.Binder{}}, Upstreams: infos, Vars: map[string]string{"tenant": "acme"},
	})
	if err != nil {
		t.Fatalf("schema:\n%v", err)
	}
	e, err := New(s, opts)
	if err != nil {
		t.Fatal(err)
	}
	fx.s, fx.e = s, e
	return fx
}

// plan plans query against the fixture's schema.
func (fx *fixture) plan(query string) *planner.Plan {
	fx.t.Helper()
	doc, errs := gqlparser.LoadQuery(fx.s.AST, query)
	if errs != nil {
		fx.t.Fatalf("query: %v", errs)
	}
	p, err := planner.Build(context.Background(), fx.s, doc, "", planner.Options{})
	if err != nil {
		fx.t.Fatal(err)
	}
	return p
}

// result is what one operation gave: its data and errors as JSON, its
// fallback notes, the request's counters and the response's extensions.
type result struct {
	data   string
	errors []map[string]any
	notes  []FallbackNote
	stats  *Stats
	ext    map[string]any
}

// run executes query with vars (JSON) as Executable.Exec does, and the
// request id "req-1".
func (fx *fixture) run(query, vars string) result {
	fx.t.Helper()
	return fx.runWith(context.Background(), query, vars, nil)
}

// runWith is run in ctx, with more request headers.
func (fx *fixture) runWith(ctx context.Context, query, vars string, header http.Header) result {
	fx.t.Helper()
	op := fx.operation(query, vars)
	for k, v := range header {
		op.Headers[k] = v
	}
	return fx.exec(ctx, op)
}

// operation is the operation context gqlgen makes of a request: query
// validated, variables (JSON) decoded as its transports do and coerced,
// the request id "req-1".
func (fx *fixture) operation(query, vars string) *graphql.OperationContext {
	fx.t.Helper()
	doc, errs := gqlparser.LoadQuery(fx.s.AST, query)
	if errs != nil {
		fx.t.Fatalf("query: %v", errs)
	}
	raw := map[string]any{}
	if vars != "" {
		dec := json.NewDecoder(strings.NewReader(vars))
		dec.UseNumber()
		if err := dec.Decode(&raw); err != nil {
			fx.t.Fatal(err)
		}
	}
	coerced, gerr := validator.VariableValues(fx.s.AST, doc.Operations[0], raw)
	if gerr != nil {
		fx.t.Fatalf("variables: %v", gerr)
	}
	return &graphql.OperationContext{
		RawQuery: query, Doc: doc, Operation: doc.Operations[0],
		Variables: coerced, Headers: http.Header{"X-Request-Id": {"req-1"}},
	}
}

// exec runs an operation context as gqlgen's executor does: Exec, then
// the response handler, in a response context whose extensions it
// collects.
func (fx *fixture) exec(ctx context.Context, opCtx *graphql.OperationContext) result {
	fx.t.Helper()
	ctx = graphql.WithOperationContext(ctx, opCtx)
	ctx = graphql.WithResponseContext(ctx, graphql.DefaultErrorPresenter, graphql.DefaultRecover)
	stats := &Stats{}
	ctx = WithStats(ctx, stats)
	resp := fx.e.Exec(ctx)(ctx)
	out := result{data: string(resp.Data), notes: stats.FallbackNotes, stats: stats, ext: graphql.GetExtensions(ctx)}
	b, _ := json.Marshal(resp.Errors)
	_ = json.Unmarshal(b, &out.errors)
	return out
}

// equalJSON reports whether two JSON texts hold the same value.
func equalJSON(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	xb, _ := json.Marshal(x)
	yb, _ := json.Marshal(y)
	return string(xb) == string(yb)
}

// codes lists the errors as "path code", for comparing.
func (r result) codes() []string {
	var out []string
	for _, e := range r.errors {
		var path []string
		segs, _ := e["path"].([]any) // a request's error has none
		for _, p := range segs {
			path = append(path, fmt.Sprint(p))
		}
		code := ""
		if ext, ok := e["extensions"].(map[string]any); ok {
			code, _ = ext["code"].(string)
		}
		out = append(out, strings.Join(path, ".")+" "+code)
	}
	return out
}
