package rest_test

import (
	"encoding/json"
	"testing"

	"github.com/weft-gateway/weft/internal/tmpl"
	"github.com/weft-gateway/weft/upstreams"
)

// BenchmarkPrepare measures building requests from bindings: a GET with
// path and query placeholders, and a POST whose JSON body mixes scalars
// and an input object.
func BenchmarkPrepare(b *testing.B) {
	s := buildSchema(b)
	up := newUpstream(b, "http://127.0.0.1:1", "")
	cases := []struct {
		name, typ, field string
		args             map[string]any
	}{
		{"query", "Query", "search", map[string]any{"q": "a b", "limit": int64(5), "tags": []any{"x", "y"}, "sort": "new"}},
		{"body", "Mutation", "addReview", map[string]any{"upc": "7", "rating": json.Number("5"), "body": "fine",
			"input": map[string]any{"tags": []any{"a"}, "score": 4.5}}},
	}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			bd := binding(b, s, bc.typ, bc.field)
			scope := &tmpl.Scope{Args: bc.args}
			b.ReportAllocs()
			for b.Loop() {
				c := &upstreams.Call{Binding: bd, Scope: scope}
				if err := up.Prepare(c); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
