package diff

import (
	"fmt"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// load parses and validates an SDL as the gateway does.
func load(t testing.TB, sdl string) *ast.Schema {
	t.Helper()
	s, err := gqlparser.LoadSchema(&ast.Source{Name: "test.graphql", Input: sdl})
	if err != nil {
		t.Fatalf("schema does not load: %v\n%s", err, sdl)
	}
	return s
}

// line prints a change compactly for comparison: severity, class,
// coordinate, old and new values, affected coordinates.
func line(c Change) string {
	s := fmt.Sprintf("%s %s %s", c.Severity, c.Class, c.Coordinate)
	if c.Old != "" || c.New != "" {
		s += fmt.Sprintf(" (%s -> %s)", c.Old, c.New)
	}
	if len(c.Affects) > 0 {
		s += " affects " + strings.Join(c.Affects, " ")
	}
	return s
}

// classCases are one or more cases per class: the old SDL, the new SDL and
// every change expected, in order.
var classCases = []struct {
	name     string
	old, new string
	want     []string
}{
	{
		name: "no change: order of types, fields, arguments and object defaults means nothing",
		old:  "type Query { a(x: Int, y: In = {p: 1, q: 2}): Int b: String }\ninput In { p: Int q: Int }",
		new:  "input In { q: Int p: Int }\ntype Query { b: String a(y: In = {q: 2, p: 1}, x: Int): Int }",
	},
	{
		name: "type added",
		old:  "type Query { a: Int }",
		new:  "type Query { a: Int }\ntype B { x: Int }",
		want: []string{"SAFE TYPE_ADDED B ( -> object)"},
	},
	{
		name: "type removed",
		old:  "type Query { b: B }\ntype B { x: Int }",
		new:  "type Query { b: String }",
		want: []string{
			"BREAKING TYPE_REMOVED B (object -> ) affects B B.x Query.b",
			"BREAKING FIELD_TYPE_CHANGED Query.b (B -> String) affects Query.b",
		},
	},
	{
		name: "type kind changed",
		old:  "type Query { c(in: Color): Color }\nenum Color { RED }",
		new:  "type Query { c(in: Color): Color }\nscalar Color",
		want: []string{"BREAKING TYPE_KIND_CHANGED Color (enum -> scalar) affects Color Color.RED Query.c Query.c(in:)"},
	},
	{
		name: "root type changed",
		old:  "schema { query: Query mutation: M }\ntype Query { a: Int }\ntype M { m: Int }",
		new:  "schema { query: Query }\ntype Query { a: Int }\ntype M { m: Int }",
		want: []string{"BREAKING ROOT_TYPE_CHANGED M (M -> ) affects M M.m"},
	},
	{
		name: "specifiedBy changed",
		old:  `type Query { u: URL } scalar URL @specifiedBy(url: "https://a")`,
		new:  `type Query { u: URL } scalar URL @specifiedBy(url: "https://b")`,
		want: []string{"SAFE SPECIFIED_BY_CHANGED URL (https://a -> https://b)"},
	},
	{
		name: "field added",
		old:  "type Query { a: Int }",
		new:  "type Query { a: Int b: [String!] }",
		want: []string{"SAFE FIELD_ADDED Query.b ( -> [String!])"},
	},
	{
		name: "field removed",
		old:  "type Query { a: Int b: String }",
		new:  "type Query { a: Int }",
		want: []string{"BREAKING FIELD_REMOVED Query.b (String -> ) affects Query.b"},
	},
	{
		name: "field removed from an interface",
		old:  "type Query { n: Node }\ninterface Node { id: ID name: String }",
		new:  "type Query { n: Node }\ninterface Node { id: ID }",
		want: []string{"BREAKING FIELD_REMOVED Node.name (String -> ) affects Node.name"},
	},
	{
		name: "field type changed: another named type",
		old:  "type Query { a: Int }",
		new:  "type Query { a: String }",
		want: []string{"BREAKING FIELD_TYPE_CHANGED Query.a (Int -> String) affects Query.a"},
	},
	{
		name: "field type changed: list to single value and back",
		old:  "type Query { a: [Int] b: Int! }",
		new:  "type Query { a: Int b: [Int!]! }",
		want: []string{
			"BREAKING FIELD_TYPE_CHANGED Query.a ([Int] -> Int) affects Query.a",
			"BREAKING FIELD_TYPE_CHANGED Query.b (Int! -> [Int!]!) affects Query.b",
		},
	},
	{
		name: "output nullability loosened",
		old:  "type Query { a: Int! b: [Int!] c: [Int]! }",
		new:  "type Query { a: Int b: [Int] c: [Int!] }",
		want: []string{
			"BREAKING OUTPUT_NULLABILITY_LOOSENED Query.a (Int! -> Int) affects Query.a",
			"BREAKING OUTPUT_NULLABILITY_LOOSENED Query.b ([Int!] -> [Int]) affects Query.b",
			"BREAKING OUTPUT_NULLABILITY_LOOSENED Query.c ([Int]! -> [Int!]) affects Query.c",
		},
	},
	{
		name: "output nullability tightened",
		old:  "type Query { a: Int b: [Int] }",
		new:  "type Query { a: Int! b: [Int!]! }",
		want: []string{
			"SAFE OUTPUT_NULLABILITY_TIGHTENED Query.a (Int -> Int!)",
			"SAFE OUTPUT_NULLABILITY_TIGHTENED Query.b ([Int] -> [Int!]!)",
		},
	},
	{
		name: "required argument added",
		old:  "type Query { a: Int }",
		new:  "type Query { a(id: ID!): Int }",
		want: []string{"BREAKING REQUIRED_ARG_ADDED Query.a(id:) ( -> ID!) affects Query.a"},
	},
	{
		name: "optional argument added: nullable, or non-null with a default",
		old:  "type Query { a: Int }",
		new:  "type Query { a(first: Int, order: String! = \"asc\"): Int }",
		want: []string{
			"DANGEROUS OPTIONAL_ARG_ADDED Query.a(first:) ( -> Int) affects Query.a",
			"DANGEROUS OPTIONAL_ARG_ADDED Query.a(order:) ( -> String!) affects Query.a",
		},
	},
	{
		name: "argument removed",
		old:  "type Query { a(id: ID, x: Int): Int }",
		new:  "type Query { a(id: ID): Int }",
		want: []string{"BREAKING ARG_REMOVED Query.a(x:) (Int -> ) affects Query.a(x:)"},
	},
	{
		name: "argument type changed",
		old:  "type Query { a(id: Int, ids: [Int]): Int }",
		new:  "type Query { a(id: String, ids: Int): Int }",
		want: []string{
			"BREAKING ARG_TYPE_CHANGED Query.a(id:) (Int -> String) affects Query.a(id:)",
			"BREAKING ARG_TYPE_CHANGED Query.a(ids:) ([Int] -> Int) affects Query.a(ids:)",
		},
	},
	{
		name: "input nullability tightened on arguments",
		old:  "type Query { a(x: Int, y: [Int!], z: [Int]): Int }",
		new:  "type Query { a(x: Int!, y: [Int]!, z: [Int!]): Int }",
		want: []string{
			"BREAKING INPUT_NULLABILITY_TIGHTENED Query.a(x:) (Int -> Int!) affects Query.a(x:)",
			"BREAKING INPUT_NULLABILITY_TIGHTENED Query.a(y:) ([Int!] -> [Int]!) affects Query.a(y:)",
			"BREAKING INPUT_NULLABILITY_TIGHTENED Query.a(z:) ([Int] -> [Int!]) affects Query.a(z:)",
		},
	},
	{
		name: "input nullability loosened on arguments",
		old:  "type Query { a(x: Int!, y: [Int!]!): Int }",
		new:  "type Query { a(x: Int, y: [Int]): Int }",
		want: []string{
			"SAFE INPUT_NULLABILITY_LOOSENED Query.a(x:) (Int! -> Int)",
			"SAFE INPUT_NULLABILITY_LOOSENED Query.a(y:) ([Int!]! -> [Int])",
		},
	},
	{
		name: "argument default added, changed, removed",
		old:  "type Query { a(x: Int, y: Int = 1, z: String = \"s\", o: In = {p: 1}): Int }\ninput In { p: Int }",
		new:  "type Query { a(x: Int = 5, y: Int = 2, z: String, o: In = {p: 2}): Int }\ninput In { p: Int }",
		want: []string{
			"DANGEROUS ARG_DEFAULT_CHANGED Query.a(o:) ({p: 1} -> {p: 2}) affects Query.a",
			"SAFE ARG_DEFAULT_ADDED Query.a(x:) ( -> 5)",
			"DANGEROUS ARG_DEFAULT_CHANGED Query.a(y:) (1 -> 2) affects Query.a",
			`DANGEROUS ARG_DEFAULT_CHANGED Query.a(z:) ("s" -> ) affects Query.a`,
		},
	},
	{
		name: "argument became required: a non-null argument lost its default",
		old:  "type Query { a(first: Int! = 10): Int }",
		new:  "type Query { a(first: Int!): Int }",
		want: []string{"BREAKING ARG_BECAME_REQUIRED Query.a(first:) (10 -> ) affects Query.a"},
	},
	{
		name: "required input field added, also through a variable of an input type holding it",
		old:  "type Query { a(in: In, o: Outer): Int }\ninput In { p: Int }\ninput Outer { in: In }",
		new:  "type Query { a(in: In, o: Outer): Int }\ninput In { p: Int q: Int! }\ninput Outer { in: In }",
		want: []string{"BREAKING REQUIRED_INPUT_FIELD_ADDED In.q ( -> Int!) affects In Outer Outer.in Query.a(in:)"},
	},
	{
		name: "optional input field added",
		old:  "type Query { a(in: In): Int }\ninput In { p: Int }",
		new:  "type Query { a(in: In): Int }\ninput In { p: Int q: Int r: Int! = 1 }",
		want: []string{
			"DANGEROUS OPTIONAL_INPUT_FIELD_ADDED In.q ( -> Int) affects In Query.a(in:)",
			"DANGEROUS OPTIONAL_INPUT_FIELD_ADDED In.r ( -> Int!) affects In Query.a(in:)",
		},
	},
	{
		name: "input field removed",
		old:  "type Query { a(in: In): Int }\ninput In { p: Int q: Int }",
		new:  "type Query { a(in: In): Int }\ninput In { p: Int }",
		want: []string{"BREAKING INPUT_FIELD_REMOVED In.q (Int -> ) affects In In.q"},
	},
	{
		name: "input field type changed",
		old:  "type Query { a(in: In): Int }\ninput In { p: Int q: [Int] }",
		new:  "type Query { a(in: In): Int }\ninput In { p: String q: Int }",
		want: []string{
			"BREAKING INPUT_FIELD_TYPE_CHANGED In.p (Int -> String) affects In In.p",
			"BREAKING INPUT_FIELD_TYPE_CHANGED In.q ([Int] -> Int) affects In In.q",
		},
	},
	{
		name: "input nullability on input fields",
		old:  "type Query { a(in: In): Int }\ninput In { p: Int q: Int! }",
		new:  "type Query { a(in: In): Int }\ninput In { p: Int! q: Int }",
		want: []string{
			"BREAKING INPUT_NULLABILITY_TIGHTENED In.p (Int -> Int!) affects In In.p",
			"SAFE INPUT_NULLABILITY_LOOSENED In.q (Int! -> Int)",
		},
	},
	{
		name: "input field default added and changed",
		old:  "type Query { a(in: In): Int }\ninput In { p: Int q: Int = 1 }",
		new:  "type Query { a(in: In): Int }\ninput In { p: Int = 0 q: Int = 2 }",
		want: []string{
			"SAFE INPUT_FIELD_DEFAULT_ADDED In.p ( -> 0)",
			"DANGEROUS INPUT_FIELD_DEFAULT_CHANGED In.q (1 -> 2) affects In Query.a(in:)",
		},
	},
	{
		name: "input field became required",
		old:  "type Query { a(in: In): Int }\ninput In { p: Int! = 1 }",
		new:  "type Query { a(in: In): Int }\ninput In { p: Int! }",
		want: []string{"BREAKING INPUT_FIELD_BECAME_REQUIRED In.p (1 -> ) affects In Query.a(in:)"},
	},
	{
		name: "oneOf added",
		old:  "type Query { a(by: By): Int }\ninput By { id: ID name: String }",
		new:  "type Query { a(by: By): Int }\ninput By @oneOf { id: ID name: String }",
		want: []string{"BREAKING ONE_OF_ADDED By ( -> @oneOf) affects By Query.a(by:)"},
	},
	{
		name: "oneOf removed",
		old:  "type Query { a(by: By): Int }\ninput By @oneOf { id: ID name: String }",
		new:  "type Query { a(by: By): Int }\ninput By { id: ID name: String }",
		want: []string{"DANGEROUS ONE_OF_REMOVED By (@oneOf -> ) affects By Query.a(by:)"},
	},
	{
		name: "enum value added: dangerous for the fields that return it",
		old:  "type Query { c: Color f(c: Color): Int }\nenum Color { RED }",
		new:  "type Query { c: Color f(c: Color): Int }\nenum Color { RED GREEN }",
		want: []string{"DANGEROUS ENUM_VALUE_ADDED Color.GREEN ( -> GREEN) affects Query.c"},
	},
	{
		name: "enum value removed: every field, argument and input field of its enum",
		old:  "type Query { c: Color f(c: Color, in: In): Int }\nenum Color { RED GREEN }\ninput In { c: [Color!] }",
		new:  "type Query { c: Color f(c: Color, in: In): Int }\nenum Color { RED }\ninput In { c: [Color!] }",
		want: []string{"BREAKING ENUM_VALUE_REMOVED Color.GREEN (GREEN -> ) affects Color Color.GREEN In In.c Query.c Query.f(c:)"},
	},
	{
		name: "union member added",
		old:  "type Query { s: [R] }\nunion R = A\ntype A { a: Int }\ntype B { b: Int }",
		new:  "type Query { s: [R] }\nunion R = A | B\ntype A { a: Int }\ntype B { b: Int }",
		want: []string{"DANGEROUS UNION_MEMBER_ADDED R ( -> B) affects Query.s"},
	},
	{
		name: "union member removed",
		old:  "type Query { s: [R] }\nunion R = A | B\ntype A { a: Int }\ntype B { b: Int }",
		new:  "type Query { s: [R] }\nunion R = A\ntype A { a: Int }\ntype B { b: Int }",
		want: []string{"BREAKING UNION_MEMBER_REMOVED R (B -> ) affects B R"},
	},
	{
		name: "interface added to an object",
		old:  "type Query { n: Node a: A }\ninterface Node { id: ID }\ntype A { id: ID }",
		new:  "type Query { n: Node a: A }\ninterface Node { id: ID }\ntype A implements Node { id: ID }",
		want: []string{"DANGEROUS INTERFACE_ADDED_TO_OBJECT A ( -> Node) affects Query.n"},
	},
	{
		name: "interface removed from an object or an interface",
		old:  "type Query { n: Node a: A }\ninterface Node { id: ID }\ninterface Entity implements Node { id: ID }\ntype A implements Node & Entity { id: ID }",
		new:  "type Query { n: Node a: A }\ninterface Node { id: ID }\ninterface Entity { id: ID }\ntype A implements Entity { id: ID }",
		want: []string{
			"BREAKING INTERFACE_REMOVED_FROM_OBJECT A (Node -> ) affects A Node",
			"BREAKING INTERFACE_REMOVED_FROM_OBJECT Entity (Node -> ) affects Entity Node",
		},
	},
	{
		name: "deprecation added, removed, reason changed",
		old:  "type Query { a: Int b: Int @deprecated c(x: Int): Int @deprecated(reason: \"old\") }\nenum E { X Y }\ntype T { e: E }",
		new:  "type Query { a: Int @deprecated(reason: \"use b\") b: Int c(x: Int @deprecated): Int @deprecated(reason: \"older\") }\nenum E { X @deprecated Y }\ntype T { e: E }",
		want: []string{
			"SAFE DEPRECATION_ADDED E.X ( -> No longer supported) affects E.X",
			"SAFE DEPRECATION_ADDED Query.a ( -> use b) affects Query.a",
			"SAFE DEPRECATION_REMOVED Query.b (No longer supported -> )",
			"SAFE DEPRECATION_REASON_CHANGED Query.c (old -> older)",
			"SAFE DEPRECATION_ADDED Query.c(x:) ( -> No longer supported) affects Query.c(x:)",
		},
	},
	{
		name: "description changed, added, removed",
		old:  "\"Root.\" type Query { \"A.\" a(\"X.\" x: Int): Int b: Int }",
		new:  "\"The root.\" type Query { a(\"X!\" x: Int): Int \"B.\" b: Int }",
		want: []string{
			"SAFE DESCRIPTION_CHANGED Query (Root. -> The root.)",
			"SAFE DESCRIPTION_CHANGED Query.a (A. -> )",
			"SAFE DESCRIPTION_CHANGED Query.a(x:) (X. -> X!)",
			"SAFE DESCRIPTION_CHANGED Query.b ( -> B.)",
		},
	},
	{
		name: "directive added and removed",
		old:  "type Query { a: Int }\ndirective @old(x: Int) on FIELD",
		new:  "type Query { a: Int }\ndirective @new on FIELD",
		want: []string{
			"SAFE DIRECTIVE_ADDED @new ( -> @new)",
			"BREAKING DIRECTIVE_REMOVED @old (@old -> ) affects @old @old(x:)",
		},
	},
	{
		name: "directive locations, repeatable, arguments",
		old:  "type Query { a: Int }\ndirective @d(x: Int) repeatable on FIELD | FRAGMENT_SPREAD\ndirective @e on FIELD",
		new:  "type Query { a: Int }\ndirective @d(x: String, y: Int!) on FIELD | INLINE_FRAGMENT\ndirective @e repeatable on FIELD",
		want: []string{
			"SAFE DIRECTIVE_LOCATION_ADDED @d ( -> INLINE_FRAGMENT)",
			"BREAKING DIRECTIVE_LOCATION_REMOVED @d (FRAGMENT_SPREAD -> ) affects @d",
			"BREAKING DIRECTIVE_REPEATABLE_REMOVED @d (repeatable -> ) affects @d",
			"BREAKING ARG_TYPE_CHANGED @d(x:) (Int -> String) affects @d(x:)",
			"BREAKING REQUIRED_ARG_ADDED @d(y:) ( -> Int!) affects @d",
			"SAFE DIRECTIVE_REPEATABLE_ADDED @e ( -> repeatable)",
		},
	},
	{
		name: "built-in scalars, directives and introspection are not compared",
		old:  "type Query { a: Int }",
		new:  "type Query { a: Int @deprecated }\nscalar Date",
		want: []string{
			"SAFE TYPE_ADDED Date ( -> scalar)",
			"SAFE DEPRECATION_ADDED Query.a ( -> No longer supported) affects Query.a",
		},
	},
}

// TestCompareClasses runs one or more cases per class of change.
func TestCompareClasses(t *testing.T) {
	for _, tt := range classCases {
		t.Run(tt.name, func(t *testing.T) {
			got := Compare(load(t, tt.old), load(t, tt.new))
			var lines []string
			for _, c := range got {
				lines = append(lines, line(c))
				if c.Severity != c.Class.Severity() {
					t.Errorf("%s: severity %s, its class says %s", c, c.Severity, c.Class.Severity())
				}
				if c.Message == "" {
					t.Errorf("%s: no message", line(c))
				}
			}
			if strings.Join(lines, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("changes:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(tt.want, "\n"))
			}
			if back := Compare(load(t, tt.new), load(t, tt.new)); len(back) != 0 {
				t.Errorf("a schema differs from itself: %v", back)
			}
		})
	}
}

// TestEveryClassTested holds the table above to every class, so that a new
// class comes with its case.
func TestEveryClassTested(t *testing.T) {
	seen := map[Class]bool{}
	for _, tt := range classCases {
		for _, w := range tt.want {
			seen[Class(strings.Fields(w)[1])] = true
		}
	}
	for _, c := range Classes() {
		if !seen[c] {
			t.Errorf("class %s has no case in classCases", c)
		}
	}
}

// TestWrapperRules pins the rules for type references, both directions,
// against the classes graphql-js gives (FIELD_CHANGED_KIND and
// ARG_CHANGED_KIND are its breaking ones).
func TestWrapperRules(t *testing.T) {
	tests := []struct {
		old, new      string
		output, input Class
	}{
		{"A", "A", "", ""},
		{"A", "A!", OutputNullabilityTightened, InputNullabilityTightened},
		{"A!", "A", OutputNullabilityLoosened, InputNullabilityLoosened},
		{"[A]", "[A!]", OutputNullabilityTightened, InputNullabilityTightened},
		{"[A!]", "[A]", OutputNullabilityLoosened, InputNullabilityLoosened},
		{"[A]", "[A]!", OutputNullabilityTightened, InputNullabilityTightened},
		{"[A]!", "[A]", OutputNullabilityLoosened, InputNullabilityLoosened},
		{"[A]", "[A!]!", OutputNullabilityTightened, InputNullabilityTightened},
		{"[A!]!", "[A]", OutputNullabilityLoosened, InputNullabilityLoosened},
		{"[A]!", "[A!]", OutputNullabilityLoosened, InputNullabilityTightened},
		{"[A!]", "[A]!", OutputNullabilityLoosened, InputNullabilityTightened},
		{"[[A]]", "[[A!]!]", OutputNullabilityTightened, InputNullabilityTightened},
		{"A", "[A]", FieldTypeChanged, ArgTypeChanged},
		{"[A]", "A", FieldTypeChanged, ArgTypeChanged},
		{"A!", "[A!]!", FieldTypeChanged, ArgTypeChanged},
		{"[A]", "[[A]]", FieldTypeChanged, ArgTypeChanged},
		{"A", "B", FieldTypeChanged, ArgTypeChanged},
		{"A", "B!", FieldTypeChanged, ArgTypeChanged},
		{"[A!]", "[B!]", FieldTypeChanged, ArgTypeChanged},
	}
	for _, tt := range tests {
		o, n := parseType(t, tt.old), parseType(t, tt.new)
		if got := outputTypeChange(o, n); got != tt.output {
			t.Errorf("output %s -> %s: %q, want %q", tt.old, tt.new, got, tt.output)
		}
		if got := inputTypeChange(o, n, ArgTypeChanged); got != tt.input {
			t.Errorf("input %s -> %s: %q, want %q", tt.old, tt.new, got, tt.input)
		}
	}
}

func parseType(t *testing.T, ref string) *ast.Type {
	t.Helper()
	s := load(t, "type Query { f: "+ref+" }\ntype A { a: Int }\ntype B { b: Int }")
	return s.Query.Fields.ForName("f").Type
}

// TestSeverityOfUnknownClass: a class this version does not know is never
// waved through.
func TestSeverityOfUnknownClass(t *testing.T) {
	if s := Class("SOMETHING_NEW").Severity(); s != Breaking {
		t.Errorf("unknown class: %s, want BREAKING", s)
	}
}

func TestHasBreaking(t *testing.T) {
	safe := Compare(load(t, "type Query { a: Int }"), load(t, "type Query { a: Int b: Int }"))
	if HasBreaking(safe) {
		t.Errorf("a field added is breaking: %v", safe)
	}
	breaking := Compare(load(t, "type Query { a: Int b: Int }"), load(t, "type Query { a: Int }"))
	if !HasBreaking(breaking) {
		t.Errorf("a field removed is not breaking: %v", breaking)
	}
}

func TestCompareNil(t *testing.T) {
	s := load(t, "type Query { a: Int }")
	if got := Compare(nil, nil); len(got) != 0 {
		t.Errorf("nil to nil: %v", got)
	}
	got := Compare(nil, s)
	if len(got) != 1 || got[0].Class != TypeAdded || got[0].Coordinate != "Query" {
		t.Errorf("nil to a schema: %v", got)
	}
	got = Compare(s, nil)
	if len(got) != 1 || got[0].Class != TypeRemoved {
		t.Errorf("a schema to nil: %v", got)
	}
}

// TestCompareHandBuilt: schemas built in code rather than parsed may lack
// parts gqlparser always fills in; Compare reads them without panicking.
func TestCompareHandBuilt(t *testing.T) {
	old := &ast.Schema{
		Types: map[string]*ast.Definition{
			"Query": {Kind: ast.Object, Name: "Query", Fields: ast.FieldList{{Name: "a"}, {Name: "b", Type: ast.NamedType("Int", nil)}}},
			"Gone":  nil,
		},
		Directives: map[string]*ast.DirectiveDefinition{"d": nil},
	}
	new := &ast.Schema{
		Types: map[string]*ast.Definition{
			"Query": {Kind: ast.Object, Name: "Query", Fields: ast.FieldList{{Name: "a", Type: ast.NamedType("Int", nil)}, {Name: "b"}}},
			"New":   nil,
		},
	}
	if got := Compare(old, new); len(got) != 0 {
		t.Errorf("changes from missing parts: %v", got)
	}
}
