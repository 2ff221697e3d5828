package resolvers

import (
	"testing"

	"github.com/valyala/fastjson"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/weft-gateway/weft/planner"
)

// TestLeafCoercion checks result coercion of each scalar kind: what the
// spec lets a gateway coerce, and what must be a field error.
func TestLeafCoercion(t *testing.T) {
	color := &ast.Definition{Name: "Color", Kind: ast.Enum, EnumValues: ast.EnumValueList{{Name: "RED"}, {Name: "GREEN"}}}
	tests := []struct {
		leaf    planner.LeafKind
		in      string
		want    string
		wantErr string
	}{
		{planner.LeafString, `"a\"b"`, `"a\"b"`, ""},
		{planner.LeafString, `12`, `"12"`, ""},
		{planner.LeafString, `true`, `"true"`, ""},
		{planner.LeafString, `{}`, ``, "String cannot represent a object"},
		{planner.LeafID, `"x1"`, `"x1"`, ""},
		{planner.LeafID, `42`, `"42"`, ""},
		{planner.LeafID, `4.2`, ``, "ID cannot represent value 4.2"},
		{planner.LeafInt, `7`, `7`, ""},
		{planner.LeafInt, `7.0`, `7`, ""},
		{planner.LeafInt, `"8"`, `8`, ""},
		{planner.LeafInt, `7.5`, ``, "Int cannot represent non-integer value 7.5"},
		{planner.LeafInt, `2147483648`, ``, "Int cannot represent non 32-bit signed integer value 2147483648"},
		{planner.LeafInt, `-2147483648`, `-2147483648`, ""},
		{planner.LeafInt, `"x"`, ``, `Int cannot represent value "x"`},
		{planner.LeafFloat, `1.5e3`, `1.5e3`, ""},
		{planner.LeafFloat, `"2.5"`, `2.5`, ""},
		{planner.LeafFloat, `[]`, ``, "Float cannot represent value []"},
		{planner.LeafBoolean, `false`, `false`, ""},
		{planner.LeafBoolean, `0`, ``, "Boolean cannot represent value 0"},
		{planner.LeafEnum, `"RED"`, `"RED"`, ""},
		{planner.LeafEnum, `"BLUE"`, ``, `Enum Color cannot represent value "BLUE"`},
		{planner.LeafCustom, `{"any":[1,"x"]}`, `{"any":[1,"x"]}`, ""},
		{planner.LeafCustom, `NaN`, ``, "JSON cannot represent value NaN"},
	}
	for _, tt := range tests {
		v, err := fastjson.Parse(tt.in)
		if err != nil {
			t.Fatalf("%s: %v", tt.in, err)
		}
		f := &planner.Field{Leaf: tt.leaf, Enum: color, Type: ast.NamedType("JSON", nil)}
		got, msg := leaf(nil, f, v)
		if msg != tt.wantErr || string(got) != tt.want {
			t.Errorf("leaf(%d, %s) = %s, %q; want %s, %q", tt.leaf, tt.in, got, msg, tt.want, tt.wantErr)
		}
	}
}
