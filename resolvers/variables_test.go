package resolvers

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/valyala/fastjson"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

const variablesSchema = `type Query {
  f(i: Int, fl: Float, s: String, b: Boolean, id: ID, e: Color, j: JSON, l: [Int], ll: [[Int]],
    in: In, one: One, ins: [In]): Int
  g(nl: [String!]!, ll: [[Int]]): Int
}
enum Color { RED GREEN BLUE }
scalar JSON
input In { req: Int! name: String def: Int = 7 nullDef: Int = null list: [Int] = 3 inner: In }
input One @oneOf { a: Int b: String }`

func loadVariablesSchema(t testing.TB) *ast.Schema {
	t.Helper()
	s, err := gqlparser.LoadSchema(&ast.Source{Name: "variables.graphql", Input: variablesSchema})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// coerceText coerces the variables object text for query's operation.
func coerceText(t *testing.T, s *ast.Schema, query, vars string, opts CoerceOptions) (map[string]any, gqlerror.List) {
	t.Helper()
	doc, gerr := gqlparser.LoadQuery(s, query)
	if gerr != nil {
		t.Fatalf("query: %v", gerr)
	}
	return CoerceVariables(s, doc.Operations[0], jsonVariables(t, vars), opts)
}

func TestCoerceVariableValues(t *testing.T) {
	s := loadVariablesSchema(t)
	const all = `query($i: Int, $fl: Float, $s: String, $b: Boolean, $id: ID, $e: Color, $j: JSON) { f(i: $i, fl: $fl, s: $s, b: $b, id: $id, e: $e, j: $j) }`
	tests := []struct {
		name, query, vars string
		want              map[string]any
	}{
		{"scalars", all, `{"i": 1, "fl": 1.50, "s": "x", "b": true, "id": "a", "e": "RED", "j": {"n": [1, 123456789012345678901234567890]}}`,
			map[string]any{"i": int64(1), "fl": json.Number("1.50"), "s": "x", "b": true, "id": "a", "e": "RED",
				"j": map[string]any{"n": []any{json.Number("1"), json.Number("123456789012345678901234567890")}}}},
		{"whole numbers", all, `{"i": 1.0, "fl": 3, "id": 12, "b": false}`,
			map[string]any{"i": int64(1), "fl": json.Number("3"), "id": json.Number("12"), "b": false}},
		{"an ID written as a whole float", `query($id: ID) { f(id: $id) }`, `{"id": 4.0}`, map[string]any{"id": json.Number("4")}},
		{"Int at its bounds", `query($a: Int, $b: Int) { a: f(i: $a) b: f(i: $b) }`, `{"a": 2147483647, "b": -2147483648}`,
			map[string]any{"a": int64(2147483647), "b": int64(-2147483648)}},
		{"null and absent", all, `{"i": null, "e": null}`, map[string]any{"i": nil, "e": nil}},
		{"variable defaults", `query($i: Int = 4, $l: [Int] = 5, $in: In = {req: 1}) { f(i: $i, l: $l, in: $in) }`, `{}`,
			map[string]any{"i": int64(4), "l": []any{int64(5)}, "in": map[string]any{"req": int64(1), "def": int64(7), "nullDef": nil, "list": []any{int64(3)}}}},
		{"a value over a default", `query($i: Int = 4) { f(i: $i) }`, `{"i": null}`, map[string]any{"i": nil}},
		{"one value for a list", `query($l: [Int], $ll: [[Int]]) { f(l: $l, ll: $ll) }`, `{"l": 1, "ll": 42}`,
			map[string]any{"l": []any{int64(1)}, "ll": []any{[]any{int64(42)}}}},
		{"lists", `query($ll: [[Int]], $nl: [String!]!) { g(ll: $ll, nl: $nl) }`, `{"ll": [[1], null, 2, [null]], "nl": ["a"]}`,
			map[string]any{"ll": []any{[]any{int64(1)}, nil, []any{int64(2)}, []any{nil}}, "nl": []any{"a"}}},
		{"input object: defaults, null, nesting", `query($in: In) { f(in: $in) }`, `{"in": {"req": 1, "name": null, "def": 8, "inner": {"req": 2, "list": null}}}`,
			map[string]any{"in": map[string]any{"req": int64(1), "name": nil, "def": int64(8), "nullDef": nil, "list": []any{int64(3)},
				"inner": map[string]any{"req": int64(2), "def": int64(7), "nullDef": nil, "list": nil}}}},
		{"list of input objects from one", `query($ins: [In]) { f(ins: $ins) }`, `{"ins": {"req": 1}}`,
			map[string]any{"ins": []any{map[string]any{"req": int64(1), "def": int64(7), "nullDef": nil, "list": []any{int64(3)}}}}},
		{"OneOf", `query($one: One) { f(one: $one) }`, `{"one": {"b": "x"}}`, map[string]any{"one": map[string]any{"b": "x"}}},
		{"variables not declared are not read", `query($i: Int) { f(i: $i) }`, `{"i": 1, "other": "x"}`, map[string]any{"i": int64(1)}},
		{"no variables", `{ f }`, `{"i": "x"}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, errs := coerceText(t, s, tt.query, tt.vars, CoerceOptions{})
			if errs != nil {
				t.Fatalf("errors: %v", errs)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got  %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func TestCoerceVariableErrors(t *testing.T) {
	s := loadVariablesSchema(t)
	tests := []struct {
		name, query, vars string
		suggest           bool
		want              []string
	}{
		{"required, not provided", `query($i: Int!) { f(i: $i) }`, `{}`, false,
			[]string{`Variable "$i" of required type "Int!" was not provided.`}},
		{"non-null, null", `query($nl: [String!]!) { g(nl: $nl) }`, `{"nl": null}`, false,
			[]string{`Variable "$nl" of non-null type "[String!]!" must not be null.`}},
		{"null item", `query($nl: [String!]!) { g(nl: $nl) }`, `{"nl": ["a", null]}`, false,
			[]string{`Variable "$nl" got invalid value null at "nl[1]"; Expected non-nullable type "String!" not to be null.`}},
		{"Int", `query($a: Int, $b: Int, $c: Int, $d: Int, $e: Int) { a: f(i: $a) b: f(i: $b) c: f(i: $c) d: f(i: $d) e: f(i: $e) }`,
			`{"a": 1.5, "b": "1", "c": 2147483648, "d": 1e400, "e": [1]}`, false, []string{
				`Variable "$a" got invalid value 1.5; Int cannot represent non-integer value: 1.5`,
				`Variable "$b" got invalid value "1"; Int cannot represent non-integer value: "1"`,
				`Variable "$c" got invalid value 2147483648; Int cannot represent non 32-bit signed integer value: 2147483648`,
				`Variable "$d" got invalid value Infinity; Int cannot represent non-integer value: Infinity`,
				`Variable "$e" got invalid value [1]; Int cannot represent non-integer value: [1]`,
			}},
		{"other scalars", `query($fl: Float, $s: String, $b: Boolean, $id: ID, $id2: ID) { f(fl: $fl, s: $s, b: $b, id: $id) g: f(id: $id2) }`,
			`{"fl": "1.5", "s": 1, "b": 0, "id": 1.5, "id2": true}`, false, []string{
				`Variable "$fl" got invalid value "1.5"; Float cannot represent non numeric value: "1.5"`,
				`Variable "$s" got invalid value 1; String cannot represent a non string value: 1`,
				`Variable "$b" got invalid value 0; Boolean cannot represent a non boolean value: 0`,
				`Variable "$id" got invalid value 1.5; ID cannot represent value: 1.5`,
				`Variable "$id2" got invalid value true; ID cannot represent value: true`,
			}},
		{"enum", `query($a: Color, $b: Color) { a: f(e: $a) b: f(e: $b) }`, `{"a": "red", "b": 1}`, true, []string{
			`Variable "$a" got invalid value "red"; Value "red" does not exist in "Color" enum. Did you mean the enum value "RED"?`,
			`Variable "$b" got invalid value 1; Enum "Color" cannot represent non-string value: 1.`,
		}},
		{"enum, no suggestion", `query($a: Color) { f(e: $a) }`, `{"a": "red"}`, false,
			[]string{`Variable "$a" got invalid value "red"; Value "red" does not exist in "Color" enum.`}},
		{"input object", `query($in: In) { f(in: $in) }`, `{"in": {"nme": "x", "__typename": "In", "inner": {"req": "1"}}}`, true, []string{
			`Variable "$in" got invalid value { nme: "x", __typename: "In", inner: { req: "1" } }; Field "req" of required type "Int!" was not provided.`,
			`Variable "$in" got invalid value "1" at "in.inner.req"; Int cannot represent non-integer value: "1"`,
			`Variable "$in" got invalid value { nme: "x", __typename: "In", inner: { req: "1" } }; Field "nme" is not defined by type "In". Did you mean "name"?`,
			`Variable "$in" got invalid value { nme: "x", __typename: "In", inner: { req: "1" } }; Field "__typename" is not defined by type "In".`,
		}},
		{"not an object", `query($in: [In]) { f(ins: $in) }`, `{"in": [1]}`, false,
			[]string{`Variable "$in" got invalid value 1 at "in[0]"; Expected type "In" to be an object.`}},
		{"OneOf", `query($a: One, $b: One, $c: One) { a: f(one: $a) b: f(one: $b) c: f(one: $c) }`, `{"a": {}, "b": {"a": 1, "b": "x"}, "c": {"a": null}}`, false, []string{
			`Variable "$a" got invalid value {}; Exactly one key must be specified for OneOf type "One".`,
			`Variable "$b" got invalid value { a: 1, b: "x" }; Exactly one key must be specified for OneOf type "One".`,
			`Variable "$c" got invalid value null at "c.a"; Field "a" must be non-null.`,
		}},
		// Values print as graphql-js's inspect prints them.
		{"printing", `query($a: String, $b: String, $c: String, $d: String, $e: String, $f: String) { a: f(s: $a) b: f(s: $b) c: f(s: $c) d: f(s: $d) e: f(s: $e) f: f(s: $f) }`,
			`{"a": {"x": {"y": {"z": 1}, "w": [[1]]}}, "b": [1,2,3,4,5,6,7,8,9,10,11,12], "c": [1,2,3,4,5,6,7,8,9,10,11], "d": [[], {}, 1e21, 1e-7, 0.000001, -0], "e": false, "f": ["a\"\\\n\u0001é"]}`, false, []string{
				`Variable "$a" got invalid value { x: { y: [Object], w: [Array] } }; String cannot represent a non string value: { x: { y: [Object], w: [Array] } }`,
				`Variable "$b" got invalid value [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, ... 2 more items]; String cannot represent a non string value: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, ... 2 more items]`,
				`Variable "$c" got invalid value [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, ... 1 more item]; String cannot represent a non string value: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, ... 1 more item]`,
				`Variable "$d" got invalid value [[], {}, 1e+21, 1e-7, 0.000001, 0]; String cannot represent a non string value: [[], {}, 1e+21, 1e-7, 0.000001, 0]`,
				`Variable "$e" got invalid value false; String cannot represent a non string value: false`,
				`Variable "$f" got invalid value ["a\"\\\n\u0001é"]; String cannot represent a non string value: ["a\"\\\n\u0001é"]`,
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, errs := coerceText(t, s, tt.query, tt.vars, CoerceOptions{Suggest: tt.suggest})
			if got != nil {
				t.Errorf("values %v alongside errors", got)
			}
			var msgs []string
			for _, e := range errs {
				msgs = append(msgs, e.Message)
				if e.Path != nil || len(e.Locations) != 1 || e.Locations[0].Line != 1 {
					t.Errorf("%q: path %v, locations %v; want no path, the variable's definition", e.Message, e.Path, e.Locations)
				}
			}
			if strings.Join(msgs, "\n") != strings.Join(tt.want, "\n") {
				t.Fatalf("errors:\n%s\nwant:\n%s", strings.Join(msgs, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// TestCoerceVariablesLocation puts each error at its variable's
// definition, the $.
func TestCoerceVariablesLocation(t *testing.T) {
	s := loadVariablesSchema(t)
	_, errs := coerceText(t, s, "query(\n  $i: Int!,\n    $s: String\n) { f(i: $i, s: $s) }", `{"s": 1}`, CoerceOptions{})
	want := []gqlerror.Location{{Line: 2, Column: 3}, {Line: 3, Column: 5}}
	if len(errs) != 2 || errs[0].Locations[0] != want[0] || errs[1].Locations[0] != want[1] {
		t.Fatalf("errors %v, want at %v", errs, want)
	}
}

// TestCoerceVariablesMaxErrors stops at the cap, with one more error
// saying so, as graphql-js's maxErrors does.
func TestCoerceVariablesMaxErrors(t *testing.T) {
	s := loadVariablesSchema(t)
	_, errs := coerceText(t, s, `query($nl: [String!]!) { g(nl: $nl) }`, `{"nl": [1, 2, 3, 4]}`, CoerceOptions{MaxErrors: 2})
	if len(errs) != 3 || errs[2].Message != "Too many errors processing variables, error limit reached. Execution aborted." ||
		!strings.Contains(errs[1].Message, `at "nl[1]"`) {
		t.Fatalf("errors %v", errs)
	}
}

// TestCoerceVariablesLookupError reports a value that cannot be read.
func TestCoerceVariablesLookupError(t *testing.T) {
	s := loadVariablesSchema(t)
	doc, gerr := gqlparser.LoadQuery(s, `query($i: Int) { f(i: $i) }`)
	if gerr != nil {
		t.Fatal(gerr)
	}
	_, errs := CoerceVariables(s, doc.Operations[0], func(string) (*fastjson.Value, bool, error) {
		return nil, true, errors.New("cannot parse JSON")
	}, CoerceOptions{})
	if len(errs) != 1 || errs[0].Message != `Variable "$i" is not valid JSON: cannot parse JSON` {
		t.Fatalf("errors %v", errs)
	}
}

func TestJSNumber(t *testing.T) {
	for f, want := range map[float64]string{
		0: "0", 1: "1", -1.5: "-1.5", 1e20: "100000000000000000000", 1e21: "1e+21", 1.5e300: "1.5e+300",
		0.000001: "0.000001", 1e-7: "1e-7", -2.5e-10: "-2.5e-10", math.Inf(1): "Infinity", math.Inf(-1): "-Infinity",
	} {
		if got := jsNumber(f); got != want {
			t.Errorf("jsNumber(%v) = %s, want %s", f, got, want)
		}
	}
}

func TestSuggestionList(t *testing.T) {
	tests := []struct {
		input   string
		options []string
		want    []string
	}{
		{"foo", []string{"FOO", "BAR"}, []string{"FOO"}},
		{"nme", []string{"name", "names", "id"}, []string{"name", "names"}},
		{"bart", []string{"bar", "foo"}, []string{"bar"}},
		{"ab", []string{"ba", "abc", "xy"}, []string{"abc", "ba"}},
		{"x", []string{"y", "z"}, []string{"y", "z"}},
		{"", []string{"a"}, []string{"a"}},
		{"GREEN", []string{"X"}, nil},
	}
	for _, tt := range tests {
		if got := suggestionList(tt.input, tt.options); strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("suggestionList(%q, %q) = %q, want %q", tt.input, tt.options, got, tt.want)
		}
	}
	if got := didYouMean("", []string{"a", "b", "c", "d", "e", "f"}); got != ` Did you mean "a", "b", "c", "d", or "e"?` {
		t.Errorf("didYouMean: %s", got)
	}
	if got := didYouMean("the enum value", []string{"A", "B"}); got != ` Did you mean the enum value "A" or "B"?` {
		t.Errorf("didYouMean: %s", got)
	}
}

// BenchmarkCoerceVariables coerces a typical request's variables.
func BenchmarkCoerceVariables(b *testing.B) {
	s := loadVariablesSchema(b)
	doc, gerr := gqlparser.LoadQuery(s, `query($id: ID!, $n: Int, $in: In) { f(id: $id, i: $n, in: $in) }`)
	if gerr != nil {
		b.Fatal(gerr)
	}
	texts := map[string][]byte{"id": []byte(`"1"`), "n": []byte(`5`), "in": []byte(`{"req": 1, "name": "x"}`)}
	var p fastjson.Parser
	value := func(name string) (*fastjson.Value, bool, error) {
		text, ok := texts[name]
		if !ok {
			return nil, false, nil
		}
		v, err := p.ParseBytes(text)
		return v, true, err
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, errs := CoerceVariables(s, doc.Operations[0], value, CoerceOptions{}); errs != nil {
			b.Fatal(errs)
		}
	}
}
