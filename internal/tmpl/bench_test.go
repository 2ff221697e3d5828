package tmpl

import (
	"encoding/json"
	"net/url"
	"testing"

	"github.com/valyala/fastjson"
)

// benchScope is a typical field's scope: scalar arguments, an input object
// and a list, and a parent object.
func benchScope(b *testing.B) *Scope {
	b.Helper()
	parent, err := fastjson.Parse(`{"upc":"a-1","n":3}`)
	if err != nil {
		b.Fatal(err)
	}
	return &Scope{
		Args: map[string]any{
			"id": "p/7", "limit": int64(20), "tags": []any{"a", "b", "c"},
			"input": map[string]any{"name": "Rex", "age": json.Number("3"), "tags": []any{"x"}},
		},
		Parent: parent,
	}
}

func BenchmarkAppendText(b *testing.B) {
	s := benchScope(b)
	t := MustParse("/products/{parent.upc}/items/{args.id}?limit={args.limit}&tags={args.tags}")
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = t.AppendText(buf[:0], s, Raw); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAppendPath is a REST path as Prepare writes it, each segment
// checked: compare with AppendText over the same path.
func BenchmarkAppendPath(b *testing.B) {
	s := benchScope(b)
	esc := func(dst []byte, v string) []byte { return append(dst, url.PathEscape(v)...) }
	for _, fn := range []struct {
		name   string
		append func(*Template, []byte) ([]byte, error)
	}{
		{"text", func(t *Template, dst []byte) ([]byte, error) { return t.AppendText(dst, s, esc) }},
		{"path", func(t *Template, dst []byte) ([]byte, error) { return t.AppendPath(dst, s, esc) }},
	} {
		b.Run(fn.name, func(b *testing.B) {
			t := MustParse("/products/{parent.upc}/items/{args.id}/reviews")
			buf := make([]byte, 0, 256)
			b.ReportAllocs()
			for b.Loop() {
				var err error
				if buf, err = fn.append(t, buf[:0]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkJSONScalars(b *testing.B) {
	s := benchScope(b)
	j, err := ParseJSON(`{"id": "{args.id}", "limit": "{args.limit}", "upc": "{parent.upc}", "note": "n={args.limit}", "src": "web"}`)
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		if buf, err = j.AppendJSON(buf[:0], s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkJSONInput(b *testing.B) {
	s := benchScope(b)
	j := JSONString(MustParse("{args.input}"))
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = j.AppendJSON(buf[:0], s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendPairs(b *testing.B) {
	s := benchScope(b)
	t, err := ParseQueryValue("{args.tags*}")
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = t.AppendPairs(buf[:0], s, "tag", '?', Raw)
	}
}

// BenchmarkJSONInputRenamed is BenchmarkJSONInput with an input type that
// renames one of its fields.
func BenchmarkJSONInputRenamed(b *testing.B) {
	s := benchScope(b)
	j := JSONString(MustParse("{args.input}"))
	keys := NewKeys()
	keys.Set("name", "pet-name", nil)
	j.EachRef(func(r *Ref) { r.Keys = keys })
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = j.AppendJSON(buf[:0], s); err != nil {
			b.Fatal(err)
		}
	}
}
