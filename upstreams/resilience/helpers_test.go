package resilience_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/weft-gateway/weft/upstreams/graphql"
	grpcup "github.com/weft-gateway/weft/upstreams/grpc"
	"github.com/weft-gateway/weft/upstreams/rest/restbind"
	"github.com/weft-gateway/weft/upstreams/soap"

	"github.com/rs/zerolog"
	"go.uber.org/goleak"

	"github.com/weft-gateway/weft/internal/resource"
	"github.com/weft-gateway/weft/internal/tmpl"
	"github.com/weft-gateway/weft/schema"
	"github.com/weft-gateway/weft/upstreams"
	"github.com/weft-gateway/weft/upstreams/resilience"
	"github.com/weft-gateway/weft/upstreams/rest"
)

// Every test stops what it starts: servers, hedges, backoff timers.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// apiSDL binds a read and a write to the "api" REST upstream.
const apiSDL = `
type Query {
  item(id: ID!): Item @rest(upstream: "api", path: "/items/{args.id}")
}
type Mutation {
  save(id: ID!): Item @rest(upstream: "api", method: "POST", path: "/items/{args.id}")
}
type Item { id: ID! }
`

func apiSchema(t testing.TB) *schema.Schema {
	t.Helper()
	s, err := schema.Build(schema.Source{File: "api.graphql", Input: apiSDL}, schema.Options{
		Binders:   testBinders(),
		Upstreams: map[string]schema.UpstreamInfo{"api": {Name: "api", Kind: rest.KindName, Version: "1"}},
	})
	if err != nil {
		t.Fatalf("schema.Build: %v", err)
	}
	return s
}

// server is a REST server on loopback that counts the requests it gets and
// answers each as handle says; n counts requests from 1.
type server struct {
	*httptest.Server
	calls atomic.Int64
}

func newServer(t testing.TB, handle func(n int64, w http.ResponseWriter, r *http.Request)) *server {
	t.Helper()
	s := &server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := s.calls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		handle(n, w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

// answer writes status and an item body.
func answer(w http.ResponseWriter, status int) {
	w.WriteHeader(status)
	_, _ = w.Write([]byte(`{"id":"1"}`))
}

// restUpstream builds a real rest upstream at url, with extra spec lines
// (indented by two spaces), and wraps it in p.
func restUpstream(t testing.TB, url, extra string, p resilience.Policy) *resilience.Upstream {
	t.Helper()
	doc := "apiVersion: weft.dev/v1\nkind: Upstream\nmetadata: {name: api}\nspec:\n" + extra + "  rest: {baseURL: \"" + url + "\"}\n"
	docs, err := resource.LoadBytes("api.yaml", []byte(doc), resource.Options{})
	if err != nil {
		t.Fatal(err)
	}
	up, _, err := rest.Build(context.Background(), &upstreams.Source{Doc: docs[0], Log: zerolog.Nop(),
		ReadFile: func(name string) ([]byte, string, error) { return nil, name, errors.New("no files here") }})
	if err != nil {
		t.Fatalf("rest.Build: %v", err)
	}
	w := resilience.Wrap(up, p)
	t.Cleanup(w.Close)
	return w
}

// caller prepares and sends calls of one field.
type caller struct {
	t  testing.TB
	up upstreams.Upstream
	b  *schema.Binding
}

func newCaller(t testing.TB, up upstreams.Upstream, typ, field string) *caller {
	t.Helper()
	b := apiSchema(t).Binding(typ, field)
	if b == nil {
		t.Fatalf("no binding %s.%s", typ, field)
	}
	return &caller{t: t, up: up, b: b}
}

// do sends one call and returns its error; a result is checked and
// released.
func (c *caller) do(ctx context.Context) error {
	c.t.Helper()
	call := &upstreams.Call{Binding: c.b, Scope: &tmpl.Scope{Args: map[string]any{"id": "1"}}}
	if err := c.up.Prepare(call); err != nil {
		c.t.Fatalf("Prepare: %v", err)
	}
	res, err := c.up.Do(ctx, call)
	if err != nil {
		return err
	}
	defer res.Release()
	if res.Value == nil || string(res.Value.GetStringBytes("id")) != "1" {
		c.t.Errorf("result = %v, want the item", res.Value)
	}
	return nil
}

// codeOf returns an upstream error's code and status, or "" for nil.
func codeOf(t testing.TB, err error) (upstreams.Code, int) {
	t.Helper()
	if err == nil {
		return "", 0
	}
	var ue *upstreams.Error
	if !errors.As(err, &ue) {
		t.Fatalf("error %v (%T) is not an *upstreams.Error", err, err)
	}
	return ue.Code, ue.Status
}

// reasonOf returns an upstream error's extensions.reason.
func reasonOf(err error) any {
	var ue *upstreams.Error
	if !errors.As(err, &ue) {
		return nil
	}
	return ue.Extensions["reason"]
}

// testBinders are the binding directives of the gateway's kinds, as the
// gateway registers them.
func testBinders() []schema.Binder {
	return []schema.Binder{graphql.Binder{}, restbind.Binder{}, grpcup.Binder{}, soap.Binder{}}
}
