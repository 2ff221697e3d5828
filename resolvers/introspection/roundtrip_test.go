package introspection

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"github.com/weft-gateway/weft/internal/jsonwrite"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"

	"github.com/weft-gateway/weft/upstreams/graphql/introspect"
)

func format(s *ast.Schema) string {
	var b bytes.Buffer
	formatter.NewFormatter(&b).FormatSchema(s)
	return b.String()
}

// withoutOneOf drops @oneOf from s: introspect.Query does not ask for
// isOneOf, so a schema rebuilt from its answer cannot have it.
func withoutOneOf(s *ast.Schema) {
	for _, d := range s.Types {
		kept := d.Directives[:0]
		for _, dir := range d.Directives {
			if dir.Name != "oneOf" {
				kept = append(kept, dir)
			}
		}
		d.Directives = kept
	}
}

// TestRoundTrip checks that a schema survives being introspected by this
// package and rebuilt by introspect.ToSource: gqlparser's formatter prints
// the original and the rebuilt schema the same.
func TestRoundTrip(t *testing.T) {
	queries := []struct {
		name  string
		query string
		oneOf bool // whether the query asks for isOneOf
	}{
		{"gateway query", introspect.Query, false},
		{"gateway query for old servers", introspect.QueryOctober2021, false},
		{"graphql-js full query", FullQuery, true},
	}
	for _, q := range queries {
		for _, name := range schemaFiles(t) {
			t.Run(q.name+"/"+name, func(t *testing.T) {
				s := loadSchemaFile(t, name)
				field, vars := rootField(t, s, q.query, nil)
				out, err := Write([]byte(`{"data":{"__schema":`), s, field, vars)
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, "}}"...)
				src, err := introspect.ToSource(name+" (introspected)", out)
				if err != nil {
					t.Fatal(err)
				}
				rebuilt, err := gqlparser.LoadSchema(src)
				if err != nil {
					t.Fatalf("rebuilt SDL does not load: %v\n%s", err, src.Input)
				}
				if !q.oneOf {
					withoutOneOf(s)
				}
				if q.query == introspect.QueryOctober2021 {
					withoutDeprecatedInputValues(s)
				}
				if got, want := format(rebuilt), format(s); got != want {
					t.Errorf("rebuilt schema differs\n%s\nSDL:\n%s", diffLines(got, want), src.Input)
				}
				if rebuilt.Description != s.Description {
					t.Errorf("schema description %q, want %q", rebuilt.Description, s.Description)
				}
			})
		}
	}
}

// withoutDeprecatedInputValues removes deprecated arguments and input
// fields, which QueryOctober2021 does not ask for.
func withoutDeprecatedInputValues(s *ast.Schema) {
	keepArgs := func(args ast.ArgumentDefinitionList) ast.ArgumentDefinitionList {
		var kept ast.ArgumentDefinitionList
		for _, a := range args {
			if a.Directives.ForName("deprecated") == nil {
				kept = append(kept, a)
			}
		}
		return kept
	}
	for _, d := range s.Types {
		if d.Kind == ast.InputObject {
			var kept ast.FieldList
			for _, f := range d.Fields {
				if f.Directives.ForName("deprecated") == nil {
					kept = append(kept, f)
				}
			}
			d.Fields = kept
			continue
		}
		for _, f := range d.Fields {
			f.Arguments = keepArgs(f.Arguments)
		}
	}
	for _, d := range s.Directives {
		d.Arguments = keepArgs(d.Arguments)
	}
}

// graphQLServer answers introspection over HTTP with Write, the way the
// gateway does: a real GraphQL endpoint for introspect.Fetch to talk to.
func graphQLServer(t *testing.T, s *ast.Schema) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Query     string         `json:"query"`
			Variables map[string]any `json:"variables"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/graphql-response+json")
		doc, errs := gqlparser.LoadQuery(s, req.Query)
		if len(errs) > 0 {
			w.WriteHeader(http.StatusBadRequest)
			_ = json.NewEncoder(w).Encode(map[string]any{"errors": errs})
			return
		}
		out := []byte(`{"data":{`)
		for i, sel := range doc.Operations[0].SelectionSet {
			f := sel.(*ast.Field)
			if i > 0 {
				out = append(out, ',')
			}
			out = append(jsonwrite.String(out, f.Alias), ':')
			var err error
			if out, err = Write(out, s, f, req.Variables); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
		}
		out = append(out, "}}"...)
		_, _ = w.Write(out)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestFetchFromGateway(t *testing.T) {
	for _, name := range schemaFiles(t) {
		t.Run(name, func(t *testing.T) {
			s := loadSchemaFile(t, name)
			srv := graphQLServer(t, s)
			src, err := introspect.Fetch(context.Background(), srv.Client(), srv.URL, nil, 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			if src.Name != srv.URL {
				t.Errorf("source name %q, want the URL", src.Name)
			}
			rebuilt, err := gqlparser.LoadSchema(src)
			if err != nil {
				t.Fatalf("fetched SDL does not load: %v", err)
			}
			withoutOneOf(s)
			if got, want := format(rebuilt), format(s); got != want {
				t.Errorf("fetched schema differs\n%s", diffLines(got, want))
			}
		})
	}
}

func TestFetchDisabledIntrospection(t *testing.T) {
	// A schema without introspection fields on its query type is what a
	// server with introspection turned off validates against.
	s := loadSchema(t, "plain.graphql", "type Query { a: Int }")
	s.Query.Fields = s.Query.Fields[:1]
	srv := graphQLServer(t, s)
	_, err := introspect.Fetch(context.Background(), srv.Client(), srv.URL, nil, 1<<20)
	var serverErrs *introspect.ServerErrors
	if err == nil || !strings.Contains(err.Error(), srv.URL) || !errors.As(err, &serverErrs) {
		t.Fatalf("got %v, want *ServerErrors naming the URL", err)
	}
}
