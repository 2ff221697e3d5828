package introspection

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

const selectSchema = `
"The root."
type Query {
  a: Int
  list: [String!]!
  old: String @deprecated(reason: "gone")
  pick(by: By, e: E = X, legacy: Int @deprecated): Pet
}
type Mutation { set: Int }
enum E { X Y @deprecated }
input By @oneOf { id: ID q: String @deprecated(reason: "use id") }
input Plain { x: Int }
scalar Url @specifiedBy(url: "https://url.spec.whatwg.org/")
interface Named { name: String }
interface Pet implements Named { name: String }
type Cat implements Pet & Named { name: String }
type Dog implements Pet & Named { name: String }
union Any = Dog | Cat
directive @tag(name: String!) repeatable on OBJECT
`

// TestSelections checks one feature of the selection machinery per case,
// with the answer written out by hand.
func TestSelections(t *testing.T) {
	s := loadSchema(t, "select.graphql", selectSchema)
	tests := []struct {
		name  string
		query string
		vars  map[string]any
		want  string
	}{
		{
			name:  "keys in selection order",
			query: `{ __type(name: "Query") { name kind description } }`,
			want:  `{"name":"Query","kind":"OBJECT","description":"The root."}`,
		},
		{
			name:  "aliases",
			query: `{ __schema { q: queryType { n: name } queryType { name } m: mutationType { name } subscriptionType { name } } }`,
			want:  `{"q":{"n":"Query"},"queryType":{"name":"Query"},"m":{"name":"Mutation"},"subscriptionType":null}`,
		},
		{
			name:  "__typename at every level",
			query: `{ __type(name: "Query") { __typename t: __typename fields { __typename args { __typename } type { __typename } } } }`,
			want: `{"__typename":"__Type","t":"__Type","fields":[
				{"__typename":"__Field","args":[],"type":{"__typename":"__Type"}},
				{"__typename":"__Field","args":[],"type":{"__typename":"__Type"}},
				{"__typename":"__Field","args":[{"__typename":"__InputValue"},{"__typename":"__InputValue"}],"type":{"__typename":"__Type"}}]}`,
		},
		{
			name:  "__typename of __Schema, __EnumValue and __Directive",
			query: `{ __schema { __typename directives { __typename name } } }`,
			want: `{"__typename":"__Schema","directives":[
				{"__typename":"__Directive","name":"defer"},{"__typename":"__Directive","name":"deprecated"},
				{"__typename":"__Directive","name":"include"},{"__typename":"__Directive","name":"oneOf"},
				{"__typename":"__Directive","name":"skip"},{"__typename":"__Directive","name":"specifiedBy"},
				{"__typename":"__Directive","name":"tag"}]}`,
		},
		{
			name:  "__typename of __EnumValue",
			query: `{ __type(name: "E") { enumValues(includeDeprecated: true) { __typename name } } }`,
			want:  `{"enumValues":[{"__typename":"__EnumValue","name":"X"},{"__typename":"__EnumValue","name":"Y"}]}`,
		},
		{
			name: "named and inline fragments",
			query: `{ __type(name: "Url") { ...A ... on __Type { kind } ... { description } ...A } }
				fragment A on __Type { name specifiedByURL }`,
			want: `{"name":"Url","specifiedByURL":"https://url.spec.whatwg.org/","kind":"SCALAR","description":null}`,
		},
		{
			name: "nested fragments and fragments below lists",
			query: `{ __type(name: "Query") { fields { ...F } } }
				fragment F on __Field { name type { ...T } }
				fragment T on __Type { kind ofType { kind ofType { ... on __Type { kind name } } } }`,
			want: `{"fields":[{"name":"a","type":{"kind":"SCALAR","ofType":null}},
				{"name":"list","type":{"kind":"NON_NULL","ofType":{"kind":"LIST","ofType":{"kind":"NON_NULL","name":null}}}},
				{"name":"pick","type":{"kind":"INTERFACE","ofType":null}}]}`,
		},
		{
			name:  "field merging",
			query: `{ __type(name: "Query") { f: fields { name } kind f: fields { type { name } } ... on __Type { f: fields { name } } } }`,
			want: `{"f":[{"name":"a","type":{"name":"Int"}},{"name":"list","type":{"name":null}},{"name":"pick","type":{"name":"Pet"}}],
				"kind":"OBJECT"}`,
		},
		{
			name:  "@skip and @include with literals",
			query: `{ __type(name: "Query") { a: name @skip(if: true) b: name @skip(if: false) c: name @include(if: false) d: name @include(if: true) e: name @include(if: true) @skip(if: true) ... @skip(if: true) { f: name } } }`,
			want:  `{"b":"Query","d":"Query"}`,
		},
		{
			name:  "@skip and @include with variables and defaults",
			query: `query($s: Boolean!, $i: Boolean = true, $j: Boolean = true) { __type(name: "Query") { a: name @skip(if: $s) b: name @include(if: $i) c: kind @include(if: $j) ...F @include(if: $s) } } fragment F on __Type { d: name }`,
			vars:  map[string]any{"s": true, "j": false},
			want:  `{"b":"Query","d":"Query"}`,
		},
		{
			name:  "a field skipped in one place and selected in another",
			query: `{ __type(name: "Query") { name @skip(if: true) kind name } }`,
			want:  `{"kind":"OBJECT","name":"Query"}`,
		},
		{
			name:  "deprecated fields hidden by default",
			query: `{ __type(name: "Query") { fields { name isDeprecated } } }`,
			want:  `{"fields":[{"name":"a","isDeprecated":false},{"name":"list","isDeprecated":false},{"name":"pick","isDeprecated":false}]}`,
		},
		{
			name:  "includeDeprecated on fields",
			query: `{ __type(name: "Query") { fields(includeDeprecated: true) { name deprecationReason } } }`,
			want: `{"fields":[{"name":"a","deprecationReason":null},{"name":"list","deprecationReason":null},
				{"name":"old","deprecationReason":"gone"},{"name":"pick","deprecationReason":null}]}`,
		},
		{
			name:  "includeDeprecated from a variable on args",
			query: `query($d: Boolean) { __type(name: "Query") { fields { name args(includeDeprecated: $d) { name defaultValue deprecationReason } } } }`,
			vars:  map[string]any{"d": true},
			want: `{"fields":[{"name":"a","args":[]},{"name":"list","args":[]},{"name":"pick","args":[
				{"name":"by","defaultValue":null,"deprecationReason":null},
				{"name":"e","defaultValue":"X","deprecationReason":null},
				{"name":"legacy","defaultValue":null,"deprecationReason":"No longer supported"}]}]}`,
		},
		{
			name:  "includeDeprecated false from an unset variable",
			query: `query($d: Boolean) { __type(name: "Query") { fields(includeDeprecated: $d) { name } } }`,
			want:  `{"fields":[{"name":"a"},{"name":"list"},{"name":"pick"}]}`,
		},
		{
			name:  "enum values",
			query: `{ __type(name: "E") { a: enumValues { name } b: enumValues(includeDeprecated: true) { name isDeprecated deprecationReason } } }`,
			want: `{"a":[{"name":"X"}],"b":[{"name":"X","isDeprecated":false,"deprecationReason":null},
				{"name":"Y","isDeprecated":true,"deprecationReason":"No longer supported"}]}`,
		},
		{
			name:  "input fields and isOneOf",
			query: `{ __type(name: "By") { isOneOf a: inputFields { name } b: inputFields(includeDeprecated: true) { name deprecationReason } } }`,
			want:  `{"isOneOf":true,"a":[{"name":"id"}],"b":[{"name":"id","deprecationReason":null},{"name":"q","deprecationReason":"use id"}]}`,
		},
		{
			name:  "isOneOf false on an input without @oneOf",
			query: `{ __type(name: "Plain") { isOneOf } }`,
			want:  `{"isOneOf":false}`,
		},
		{
			name:  "fields that do not apply to a kind are null",
			query: `{ __type(name: "E") { fields { name } interfaces { name } possibleTypes { name } inputFields { name } ofType { name } specifiedByURL isOneOf } }`,
			want:  `{"fields":null,"interfaces":null,"possibleTypes":null,"inputFields":null,"ofType":null,"specifiedByURL":null,"isOneOf":null}`,
		},
		{
			name:  "interfaces and possible types",
			query: `{ __type(name: "Pet") { interfaces { name } possibleTypes { name } } }`,
			want:  `{"interfaces":[{"name":"Named"}],"possibleTypes":[{"name":"Cat"},{"name":"Dog"}]}`,
		},
		{
			name:  "union members in declared order",
			query: `{ __type(name: "Any") { kind possibleTypes { name } interfaces { name } } }`,
			want:  `{"kind":"UNION","possibleTypes":[{"name":"Dog"},{"name":"Cat"}],"interfaces":null}`,
		},
		{
			name:  "unknown type is null",
			query: `{ __type(name: "Nope") { name } }`,
			want:  `null`,
		},
		{
			name:  "type name from a variable",
			query: `query($n: String!) { __type(name: $n) { name kind } }`,
			vars:  map[string]any{"n": "__Directive"},
			want:  `{"name":"__Directive","kind":"OBJECT"}`,
		},
		{
			name:  "built-in scalars and introspection types are types",
			query: `{ __type(name: "Boolean") { kind name } }`,
			want:  `{"kind":"SCALAR","name":"Boolean"}`,
		},
		{
			name:  "meta-fields are not listed",
			query: `{ __type(name: "Query") { fields(includeDeprecated: true) { name } } }`,
			want:  `{"fields":[{"name":"a"},{"name":"list"},{"name":"old"},{"name":"pick"}]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			field, vars := rootField(t, s, tt.query, tt.vars)
			got, err := Write(nil, s, field, vars)
			if err != nil {
				t.Fatal(err)
			}
			want := compact(t, tt.want)
			if !bytes.Equal(got, want) {
				t.Errorf("got  %s\nwant %s", got, want)
			}
		})
	}
}

func compact(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		t.Fatalf("bad expectation %s: %v", s, err)
	}
	return b.Bytes()
}

// TestManyAliases crosses the point where collecting fields switches from a
// linear search to a map, with keys repeated on both sides of it.
func TestManyAliases(t *testing.T) {
	s := loadSchema(t, "select.graphql", selectSchema)
	var query, want strings.Builder
	query.WriteString(`{ __type(name: "Query") {`)
	want.WriteString(`{`)
	for i := range 40 {
		if i > 0 {
			want.WriteString(",")
		}
		if i%2 == 0 {
			fmt.Fprintf(&query, " k%d: name", i)
			fmt.Fprintf(&want, `"k%d":"Query"`, i)
		} else {
			fmt.Fprintf(&query, " k%d: kind", i)
			fmt.Fprintf(&want, `"k%d":"OBJECT"`, i)
		}
	}
	// Repeat every key; merging must keep the first position.
	for i := 39; i >= 0; i-- {
		if i%2 == 0 {
			fmt.Fprintf(&query, " k%d: name", i)
		} else {
			fmt.Fprintf(&query, " k%d: kind", i)
		}
	}
	query.WriteString(" } }")
	want.WriteString("}")
	field, vars := rootField(t, s, query.String(), nil)
	got, err := Write(nil, s, field, vars)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want.String() {
		t.Errorf("got  %s\nwant %s", got, want.String())
	}
}
