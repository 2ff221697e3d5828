package planner

import (
	"testing"
)

// TestVerbatim checks which fields of a trusted upstream's Raw fetch the
// planner marks to be copied as they are: only those whose answer is
// their response byte for byte.
func TestVerbatim(t *testing.T) {
	trusted := testSchemaOf(t, true)
	tests := []struct {
		name, query string
		want        []bool
	}{
		{"plain fields of equal types", `{ products { upc name price weight } }`, []bool{true}},
		{"aliases, sent as they are", `{ all: products { id: upc title: name } }`, []bool{true}},
		{"fragments, merged alike", `{ products { ...P price } } fragment P on Product { upc name }`, []bool{true}},
		{"two root fields in one operation", `{ products { upc } product(upc: "1") { name } }`, []bool{true, true}},
		{"a field @from renames", `{ products { sku } }`, []bool{false}},
		{"__typename, which the gateway writes", `{ products { __typename upc } }`, []bool{false}},
		{"a condition the gateway decides", `query Q($v: Boolean!) { products { upc name @include(if: $v) } }`, []bool{false}},
		{"a key the upstream answers under another alias", `{ products { upc sku } }`, []bool{false}},
		{"an abstract type: not Raw at all", `{ media { ... on Book { title } ... on Movie { title } } }`, nil},
		{"a field with templated arguments", `{ item(id: "1") { upc } }`, []bool{true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := plan(t, trusted, tt.query)
			f := p.Fetches[0]
			if f.Raw != (tt.want != nil) {
				t.Fatalf("fetch #0 Raw = %v:\n%s", f.Raw, p)
			}
			for i, field := range f.Fields {
				if field.Verbatim != (tt.want != nil && tt.want[i]) {
					t.Errorf("field %s: Verbatim = %v, want %v", field.ResponseKey, field.Verbatim, tt.want[i])
				}
			}
			if tt.want != nil && len(f.Fields) != len(tt.want) {
				t.Errorf("%d fields, want %d", len(f.Fields), len(tt.want))
			}
		})
	}
	// Untrusted, nothing is copied as it is.
	p := plan(t, testSchema(t), `{ products { upc name price weight } }`)
	if p.Fetches[0].Fields[0].Verbatim {
		t.Error("an untrusted upstream's answer is marked Verbatim")
	}
}
