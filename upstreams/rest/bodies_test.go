package rest_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/weft-gateway/weft/internal/tmpl"
	"github.com/weft-gateway/weft/schema"
	"github.com/weft-gateway/weft/upstreams"
	"github.com/weft-gateway/weft/upstreams/rest"
	"github.com/weft-gateway/weft/upstreams/rest/openapi"
)

// TestImportedBodies imports the document of bodies that are not JSON
// (a form, text) and sends its operations to a server: what the server
// reads is what the document describes, and a text answer is a string.
func TestImportedBodies(t *testing.T) {
	doc, err := openapi.Load(context.Background(), filepath.Join("openapi", "testdata", "bodies", "openapi.yaml"), openapi.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := openapi.Import(doc, openapi.Options{Upstream: "reviews"})
	if err != nil {
		t.Fatal(err)
	}
	s, err := schema.Build(schema.Source{File: "bodies.graphql", Input: res.SDL}, schema.Options{
		Binders:   testBinders(),
		Upstreams: map[string]schema.UpstreamInfo{"reviews": {Name: "reviews", Kind: rest.KindName, Version: "1"}},
	})
	if err != nil {
		t.Fatalf("schema.Build: %v\n%s", err, res.SDL)
	}
	got := make(chan request, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got <- request{method: r.Method, uri: r.RequestURI, header: r.Header.Clone(), body: string(body)}
		switch r.URL.Path {
		case "/oauth/token":
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"access_token":"t-1","expires_in":60}`)
		case "/notes":
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, "note 7")
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	defer srv.Close()
	up := newUpstream(t, srv.URL, "")
	tests := []struct {
		name, field string
		args        map[string]any
		// wantType is the Content-Type sent, "" for none.
		wantURI, wantType, wantBody string
		// wantValue is the result's JSON, "" for none.
		wantValue string
	}{
		{"a form", "createToken", map[string]any{"input": map[string]any{"grant_type": "client_credentials", "scope": []any{"read", "write"}, "clientId": "c 1"}},
			"/oauth/token", "application/x-www-form-urlencoded", "client-id=c+1&grant_type=client_credentials&scope=read&scope=write", `{"access_token":"t-1","expires_in":60}`},
		{"a text body and a text answer", "createNote", map[string]any{"input": "Buy milk\n& \"eggs\""},
			"/notes", "text/plain; charset=utf-8", "Buy milk\n& \"eggs\"", `"note 7"`},
		{"an empty text", "createNote", map[string]any{"input": ""},
			"/notes", "text/plain; charset=utf-8", "", `"note 7"`},
		{"text of another type", "putNoteCSV", map[string]any{"id": "n1", "input": "a,b\n1,2\n"},
			"/notes/n1/csv", "text/csv; charset=utf-8", "a,b\n1,2\n", ""},
		{"an optional text left out", "putNoteCSV", map[string]any{"id": "n1"},
			"/notes/n1/csv", "", "", ""},
		{"an optional text given as null", "putNoteCSV", map[string]any{"id": "n1", "input": nil},
			"/notes/n1/csv", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &upstreams.Call{Binding: binding(t, s, "Mutation", tt.field), Scope: &tmpl.Scope{Args: tt.args}}
			if err := up.Prepare(c); err != nil {
				t.Fatalf("Prepare: %v", err)
			}
			r, err := up.Do(context.Background(), c)
			if err != nil {
				t.Fatalf("Do: %v", err)
			}
			defer r.Release()
			req := <-got
			if req.uri != tt.wantURI || req.header.Get("Content-Type") != tt.wantType || req.body != tt.wantBody {
				t.Errorf("the server read %s %q, Content-Type %q, body %q; want %q, %q, %q", req.method, req.uri, req.header.Get("Content-Type"), req.body, tt.wantURI, tt.wantType, tt.wantBody)
			}
			value := ""
			if r.Value != nil {
				value = r.Value.String()
			}
			if value != tt.wantValue {
				t.Errorf("value %s, want %s", value, tt.wantValue)
			}
		})
	}
	t.Run("a text body of an object", func(t *testing.T) {
		// The binding allows only scalars; a JSON template could still
		// make an object, which has no text.
		s, err := schema.Build(schema.Source{File: "text.graphql", Input: `type Query { q: String @rest(upstream: "reviews", path: "/q") }
type Mutation { up(a: JSON): String @rest(upstream: "reviews", method: "POST", path: "/notes", contentType: "text/plain", body: "{args.a}") }
scalar JSON`}, schema.Options{
			Binders:   testBinders(),
			Upstreams: map[string]schema.UpstreamInfo{"reviews": {Name: "reviews", Kind: rest.KindName, Version: "1"}},
		})
		if err != nil {
			t.Fatal(err)
		}
		c := &upstreams.Call{Binding: binding(t, s, "Mutation", "up"), Scope: &tmpl.Scope{Args: map[string]any{"a": map[string]any{"k": 1}}}}
		err = up.Prepare(c)
		var ue *upstreams.Error
		if !errors.As(err, &ue) || ue.Code != upstreams.CodeBadRequest {
			t.Fatalf("Prepare = %v, want %s", err, upstreams.CodeBadRequest)
		}
	})
}
