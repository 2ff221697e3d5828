package graphql_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/valyala/fastjson"

	"github.com/weft-gateway/weft/internal/tmpl"
	"github.com/weft-gateway/weft/upstreams"
)

// FuzzGraphQLAnswer sends arbitrary bytes with an arbitrary status as a
// GraphQL server's answer, over real HTTP, and checks that Do returns either
// an *upstreams.Error or a result whose data is the answer's data object and
// whose errors have well-formed paths, and never panics.
func FuzzGraphQLAnswer(f *testing.F) {
	for _, seed := range []struct {
		status uint16
		body   string
	}{
		{200, `{"data":{"a":[1,{"b":null}]}}`},
		{200, `{"data":null,"errors":[{"message":"m","path":["a",0,"b"],"extensions":{"code":"X"}}]}`},
		{200, `{"errors":[{"path":["a",-1,1.5,true]},"x",null]}`},
		{200, `{"data":[],"errors":[]}`},
		{200, `{}`},
		{200, `[]`},
		{200, ``},
		{200, `{"data":`},
		{400, `{"errors":[{"message":"invalid"}]}`},
		{422, `{"errors":[{"message":"invalid","extensions":{"code":"GRAPHQL_VALIDATION_FAILED"}}]}`},
		{500, `{"data":{"a":1}}`},
		{502, ``},
	} {
		f.Add(seed.status, []byte(seed.body))
	}
	type answer struct {
		status int
		body   []byte
	}
	var next atomic.Pointer[answer]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := next.Load()
		w.WriteHeader(a.status)
		_, _ = w.Write(a.body)
	}))
	f.Cleanup(srv.Close)
	up := newUpstream(f, srv.URL, "  timeout: 5s\n  maxResponseBytes: 1024\n")
	op := operation("{ a }", nil)

	f.Fuzz(func(t *testing.T, status uint16, body []byte) {
		st := int(status)
		if st < 200 || st > 599 {
			st = 200 + st%400
		}
		next.Store(&answer{status: st, body: body})
		c := &upstreams.Call{Operation: op, Scope: &tmpl.Scope{}}
		if err := up.Prepare(c); err != nil {
			t.Fatalf("Prepare: %v", err)
		}
		res, err := up.Do(context.Background(), c)
		if err != nil {
			var ue *upstreams.Error
			if !errors.As(err, &ue) || res != nil || ue.Upstream != "catalog" {
				t.Fatalf("Do = %v, %v (%T): want only an *upstreams.Error of upstream catalog", res, err, err)
			}
			if ue.Code == upstreams.CodeTimeout {
				t.Fatalf("status %d body %q: %v", st, body, err)
			}
			return
		}
		defer res.Release()
		if res.Status != st {
			t.Fatalf("status %d, want %d", res.Status, st)
		}
		root, perr := fastjson.ParseBytes(body)
		if perr != nil || root.Type() != fastjson.TypeObject {
			t.Fatalf("body %q is not a JSON object, but Do returned a result", body)
		}
		want := root.Get("data")
		switch {
		case want == nil || want.Type() == fastjson.TypeNull:
			if res.Value != nil {
				t.Fatalf("data %v from a body without data", res.Value)
			}
		case res.Value == nil || res.Value.String() != want.String():
			t.Fatalf("data = %v, want %s", res.Value, want)
		}
		if res.Value == nil && len(res.Errors) == 0 && want == nil {
			t.Fatal("a result with neither data nor errors")
		}
		for _, e := range res.Errors {
			if e.Message == "" {
				t.Fatal("an error without a message")
			}
			for _, seg := range e.Path {
				switch seg := seg.(type) {
				case string:
				case int:
					if seg < 0 {
						t.Fatalf("negative index in path %v", e.Path)
					}
				default:
					t.Fatalf("path segment %v is a %T", seg, seg)
				}
			}
		}
	})
}
