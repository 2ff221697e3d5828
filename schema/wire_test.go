package schema_test

import (
	"reflect"
	"testing"
)

// TestWireRules reads what @from(value:) and @typeBy say, and checks that
// the served schema keeps none of them.
func TestWireRules(t *testing.T) {
	s, err := build(t, `type Query {
  s(status: Status): Shape @rest(upstream: "reviews", path: "/s/{args.status}")
  n: Named @rest(upstream: "reviews", path: "/n")
}
enum Status { IN_PROGRESS @from(value: "in-progress") ONE @from(value: 1) HALF @from(value: 0.5) open }
enum Plain { A B }
union Shape @typeBy(key: "kind", values: {Circle: ["circle", "round"]}, required: {Square: ["side"], Circle: []}) = Circle | Square
interface Named @typeBy(required: {Circle: ["r"]}) { name: String }
type Circle implements Named { name: String r: Float }
type Square implements Named { name: String side: Float }
input ShapeInput @oneOf @unwrap { circle: String square: String }
`)
	if err != nil {
		t.Fatal(err)
	}
	e := s.EnumWire("Status")
	for _, tt := range []struct {
		wire, name string
		number     bool
		ok         bool
	}{
		{"in-progress", "IN_PROGRESS", false, true},
		{"open", "open", false, true},
		{"IN_PROGRESS", "", false, false}, // a name is not a wire value (render reads names apart)
		{"1", "ONE", true, true},
		{"1.0", "ONE", true, true},
		{"1e0", "ONE", true, true},
		{"0.50", "HALF", true, true},
		{"2", "", true, false},
	} {
		name, ok := e.FromString(tt.wire)
		if tt.number {
			name, ok = e.FromNumber(tt.wire)
		}
		if name != tt.name || ok != tt.ok {
			t.Errorf("wire %q = %q, %v; want %q, %v", tt.wire, name, ok, tt.name, tt.ok)
		}
	}
	if w, ok := e.Wire("IN_PROGRESS"); !ok || string(w) != `"in-progress"` {
		t.Errorf("Wire(IN_PROGRESS) = %s, %v", w, ok)
	}
	if _, ok := e.Wire("open"); ok {
		t.Errorf("open has a wire form")
	}
	if s.EnumWire("Plain") != nil {
		t.Errorf("an enum without @from has wire values")
	}
	r := s.TypeRule("Shape")
	if r == nil || r.Key != "kind" || !reflect.DeepEqual(r.Values, map[string]string{"circle": "Circle", "round": "Circle", "Square": "Square"}) ||
		len(r.Shapes) != 2 || r.Shapes[0].Type != "Square" || r.Shapes[0].Keys[0] != "side" || r.Shapes[1].Type != "Circle" || len(r.Shapes[1].Keys) != 0 {
		t.Errorf("TypeRule(Shape) = %+v", r)
	}
	if r := s.TypeRule("Named"); r == nil || r.Key != "" || len(r.Shapes) != 1 {
		t.Errorf("TypeRule(Named) = %+v", r)
	}
	for _, name := range []string{"Shape", "Named", "ShapeInput"} {
		for _, d := range s.AST.Types[name].Directives {
			if d.Name != "oneOf" {
				t.Errorf("@%s left on %s in the served schema", d.Name, name)
			}
		}
	}
	for _, v := range s.AST.Types["Status"].EnumValues {
		if len(v.Directives) > 0 {
			t.Errorf("@%s left on %s in the served schema", v.Directives[0].Name, v.Name)
		}
	}
	for _, name := range []string{"typeBy", "unwrap", "from"} {
		if s.AST.Directives[name] != nil {
			t.Errorf("@%s declared in the served schema", name)
		}
	}
}
