package introspect

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func format(s *ast.Schema) string {
	var b bytes.Buffer
	formatter.NewFormatter(&b).FormatSchema(s)
	return b.String()
}

// TestGraphQLJSAnswers turns answers that graphql-js gave to Query (made with
// buildSchema and graphqlSync from the .graphql beside each .json) into SDL.
// The SDL is pinned by a golden file and must load into the same schema as
// the source graphql-js served, less @oneOf, which Query does not ask about.
func TestGraphQLJSAnswers(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("testdata", "graphqljs", "*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, path := range paths {
		name := strings.TrimSuffix(filepath.Base(path), ".json")
		t.Run(name, func(t *testing.T) {
			src, err := ToSource(name, readFile(t, path))
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "golden", name+".graphql")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(src.Input), 0o644); err != nil {
					t.Fatal(err)
				}
			} else if want := string(readFile(t, golden)); src.Input != want {
				t.Errorf("SDL differs from %s (rerun with -update if intended):\ngot:\n%s", golden, src.Input)
			}

			rebuilt, err := gqlparser.LoadSchema(src)
			if err != nil {
				t.Fatalf("SDL does not load: %v", err)
			}
			orig, err := gqlparser.LoadSchema(&ast.Source{
				Name:  name + ".graphql",
				Input: strings.ReplaceAll(string(readFile(t, filepath.Join("testdata", "graphqljs", name+".graphql"))), " @oneOf", ""),
			})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := format(rebuilt), format(orig); got != want {
				t.Errorf("rebuilt schema differs from the source:\ngot:\n%s\nwant:\n%s", got, want)
			}
			if rebuilt.Description != orig.Description {
				t.Errorf("description %q, want %q", rebuilt.Description, orig.Description)
			}
		})
	}
}

// schemaJSONWith wraps types (a JSON list) in a minimal answer whose query
// root is Query.
func schemaJSONWith(types string) string {
	return `{"data":{"__schema":{"queryType":{"name":"Query"},"types":[` + types + `],"directives":[]}}}`
}

const queryType = `{"kind":"OBJECT","name":"Query","fields":[{"name":"a","type":{"kind":"SCALAR","name":"Int"}}],"interfaces":[]}`

func TestToSource(t *testing.T) {
	tests := []struct {
		name   string
		result string
		want   string
	}{
		{
			name:   "bare __schema and built-ins left out",
			result: `{"__schema":{"queryType":{"name":"Query"},"types":[{"kind":"SCALAR","name":"String"},{"kind":"OBJECT","name":"__Type","fields":[]},` + queryType + `],"directives":[{"name":"skip","locations":["FIELD"],"args":[]},{"name":"defer","locations":["FIELD"]}]}}`,
			want:   "type Query {\n  a: Int\n}\n",
		},
		{
			name:   "schema definition for other root names",
			result: `{"data":{"__schema":{"queryType":{"name":"Q"},"mutationType":{"name":"M"},"subscriptionType":null,"types":[{"kind":"OBJECT","name":"Q","fields":[{"name":"a","type":{"kind":"SCALAR","name":"Int"}}]},{"kind":"OBJECT","name":"M","fields":[{"name":"b","type":{"kind":"SCALAR","name":"Int"}}]}]}}}`,
			want:   "schema {\n  query: Q\n  mutation: M\n}\n\ntype Q {\n  a: Int\n}\n\ntype M {\n  b: Int\n}\n",
		},
		{
			name:   "schema definition when a type has a root's name but is not that root",
			result: schemaJSONWith(queryType + `,{"kind":"OBJECT","name":"Subscription","fields":[{"name":"b","type":{"kind":"SCALAR","name":"Int"}}]}`),
			want:   "schema {\n  query: Query\n}\n\ntype Query {\n  a: Int\n}\n\ntype Subscription {\n  b: Int\n}\n",
		},
		{
			name:   "schema definition for a description",
			result: `{"data":{"__schema":{"description":"The API.","queryType":{"name":"Query"},"types":[` + queryType + `]}}}`,
			want:   "\"\"\"The API.\"\"\"\nschema {\n  query: Query\n}\n\ntype Query {\n  a: Int\n}\n",
		},
		{
			name: "type references",
			result: schemaJSONWith(`{"kind":"OBJECT","name":"Query","fields":[{"name":"m","type":` +
				`{"kind":"NON_NULL","ofType":{"kind":"LIST","ofType":{"kind":"LIST","ofType":{"kind":"NON_NULL","ofType":{"kind":"SCALAR","name":"Int"}}}}}}]}`),
			want: "type Query {\n  m: [[Int!]]!\n}\n",
		},
		{
			name: "interfaces, unions, enums, inputs and scalars",
			result: schemaJSONWith(queryType + `,
				{"kind":"INTERFACE","name":"A","fields":[{"name":"x","type":{"kind":"SCALAR","name":"ID"}}],"interfaces":[]},
				{"kind":"INTERFACE","name":"B","fields":[{"name":"x","type":{"kind":"SCALAR","name":"ID"}}],"interfaces":[{"kind":"INTERFACE","name":"A"}]},
				{"kind":"OBJECT","name":"C","fields":[{"name":"x","type":{"kind":"SCALAR","name":"ID"}}],"interfaces":[{"kind":"INTERFACE","name":"B"},{"kind":"INTERFACE","name":"A"}]},
				{"kind":"UNION","name":"U","possibleTypes":[{"kind":"OBJECT","name":"C"},{"kind":"OBJECT","name":"Query"}]},
				{"kind":"ENUM","name":"E","enumValues":[{"name":"ON"},{"name":"OFF","isDeprecated":true,"deprecationReason":"No longer supported"},{"name":"GONE","isDeprecated":true,"deprecationReason":null},{"name":"OLD","isDeprecated":true,"deprecationReason":"Use \"ON\"."}]},
				{"kind":"INPUT_OBJECT","name":"I","isOneOf":true,"inputFields":[{"name":"a","type":{"kind":"SCALAR","name":"Int"},"defaultValue":"1"},{"name":"b","type":{"kind":"SCALAR","name":"String"},"isDeprecated":true}]},
				{"kind":"SCALAR","name":"Url","specifiedByURL":"https://example.com/\"url\""}`),
			want: `type Query {
  a: Int
}

interface A {
  x: ID
}

interface B implements A {
  x: ID
}

type C implements B & A {
  x: ID
}

union U = C | Query

enum E {
  ON
  OFF @deprecated
  GONE @deprecated
  OLD @deprecated(reason: "Use \"ON\".")
}

input I @oneOf {
  a: Int = 1
  b: String @deprecated
}

scalar Url @specifiedBy(url: "https://example.com/\"url\"")
`,
		},
		{
			name: "arguments and default values",
			result: schemaJSONWith(`{"kind":"OBJECT","name":"Query","fields":[
				{"name":"f","args":[
					{"name":"a","type":{"kind":"SCALAR","name":"String"},"defaultValue":"\"\"\"block\"\"\""},
					{"name":"b","type":{"kind":"INPUT_OBJECT","name":"In"},"defaultValue":"{x:[1,2] , y:{z:null} # comment\n}"},
					{"name":"c","type":{"kind":"SCALAR","name":"Int"},"isDeprecated":true,"deprecationReason":"old"}
				],"type":{"kind":"SCALAR","name":"Int"},"isDeprecated":true,"deprecationReason":"gone"},
				{"name":"g","args":[{"name":"a","description":"The a.","type":{"kind":"SCALAR","name":"Int"}},{"name":"b","type":{"kind":"SCALAR","name":"Int"}}],"type":{"kind":"SCALAR","name":"Int"}}]},
				{"kind":"INPUT_OBJECT","name":"In","inputFields":[{"name":"x","type":{"kind":"LIST","ofType":{"kind":"SCALAR","name":"Int"}}},{"name":"y","type":{"kind":"INPUT_OBJECT","name":"In"}},{"name":"z","type":{"kind":"SCALAR","name":"Int"}}]}`),
			want: `type Query {
  f(a: String = "block", b: In = {x: [1, 2], y: {z: null}}, c: Int @deprecated(reason: "old")): Int @deprecated(reason: "gone")
  g(
    """The a."""
    a: Int
    b: Int
  ): Int
}

input In {
  x: [Int]
  y: In
  z: Int
}
`,
		},
		{
			name: "directive definitions",
			result: `{"__schema":{"queryType":{"name":"Query"},"types":[` + queryType + `],"directives":[
				{"name":"auth","description":"Needs a role.","isRepeatable":true,"locations":["OBJECT","FIELD_DEFINITION"],"args":[{"name":"role","type":{"kind":"NON_NULL","ofType":{"kind":"SCALAR","name":"String"}},"defaultValue":"\"user\""}]},
				{"name":"include","locations":["FIELD"],"args":[]}]}}`,
			want: "\"\"\"Needs a role.\"\"\"\ndirective @auth(role: String! = \"user\") repeatable on OBJECT | FIELD_DEFINITION\n\ntype Query {\n  a: Int\n}\n",
		},
		{
			name: "descriptions that need a quoted string",
			result: schemaJSONWith(`{"kind":"OBJECT","name":"Query","description":"line\r\nbreak","fields":[
				{"name":"a","description":"  all\n  indented","type":{"kind":"SCALAR","name":"Int"}},
				{"name":"b","description":"\nleading blank line","type":{"kind":"SCALAR","name":"Int"}},
				{"name":"c","description":"trailing blank line\n","type":{"kind":"SCALAR","name":"Int"}},
				{"name":"d","description":"bell \u0007","type":{"kind":"SCALAR","name":"Int"}}]}`),
			want: `"line\r\nbreak"
type Query {
  "  all\n  indented"
  a: Int
  "\nleading blank line"
  b: Int
  "trailing blank line\n"
  c: Int
  "bell \u0007"
  d: Int
}
`,
		},
		{
			name: "descriptions as block strings",
			result: schemaJSONWith(`{"kind":"OBJECT","name":"Query","description":"two\n  lines","fields":[
				{"name":"a","description":"ends with a quote\"","type":{"kind":"SCALAR","name":"Int"}},
				{"name":"b","description":"has \"\"\" inside","type":{"kind":"SCALAR","name":"Int"}},
				{"name":"c","description":" leading space","type":{"kind":"SCALAR","name":"Int"}},
				{"name":"d","description":"first\n\n  indented after a blank line","type":{"kind":"SCALAR","name":"Int"}}]}`),
			want: `"""
two
  lines
"""
type Query {
  """
  ends with a quote"
  """
  a: Int
  """has \""" inside"""
  b: Int
  """ leading space"""
  c: Int
  """
  first

    indented after a blank line
  """
  d: Int
}
`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, err := ToSource("test", []byte(tt.result))
			if err != nil {
				t.Fatal(err)
			}
			if src.Input != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", src.Input, tt.want)
			}
			if _, err := gqlparser.LoadSchema(src); err != nil {
				t.Errorf("SDL does not load: %v", err)
			}
		})
	}
}

func TestToSourceErrors(t *testing.T) {
	field := func(typ string) string {
		return schemaJSONWith(`{"kind":"OBJECT","name":"Query","fields":[{"name":"f","type":` + typ + `}]}`)
	}
	arg := func(def string) string {
		return schemaJSONWith(`{"kind":"OBJECT","name":"Query","fields":[{"name":"f","type":{"kind":"SCALAR","name":"Int"},"args":[{"name":"a","type":{"kind":"SCALAR","name":"Int"},"defaultValue":` + def + `}]}]}`)
	}
	tests := []struct {
		name    string
		result  string
		wantIs  error
		wantMsg string
	}{
		{"HTML", `<html>Not here</html>`, ErrNotJSON, "<html>"},
		{"empty", ``, ErrNotJSON, ""},
		{"JSON array", `[1]`, ErrNotJSON, ""},
		{"truncated JSON", `{"data":{"__schema":`, ErrNotJSON, ""},
		{"wrong JSON shape", `{"data":{"__schema":{"types":"many"}}}`, ErrMalformed, "types"},
		{"malformed errors", `{"errors":"no"}`, ErrMalformed, "errors"},
		{"no data", `{"data":null}`, ErrNoSchema, ""},
		{"no __schema", `{"data":{}}`, ErrNoSchema, ""},
		{"null __schema", `{"__schema":null}`, ErrNoSchema, ""},
		{"no queryType", `{"__schema":{"types":[]}}`, ErrMalformed, "no queryType"},
		{"LIST without ofType", field(`{"kind":"LIST"}`), ErrMalformed, "type Query: field f: type: LIST of missing type reference"},
		{"NON_NULL without ofType", field(`{"kind":"NON_NULL","ofType":null}`), ErrMalformed, "NON_NULL of missing type reference"},
		{"NON_NULL of NON_NULL", field(`{"kind":"NON_NULL","ofType":{"kind":"NON_NULL","ofType":{"kind":"SCALAR","name":"Int"}}}`), ErrMalformed, "NON_NULL of NON_NULL"},
		{"named type without name", field(`{"kind":"SCALAR"}`), ErrMalformed, "SCALAR without a name"},
		{"unknown kind in a reference", field(`{"kind":"THING","name":"X"}`), ErrMalformed, `unknown kind "THING"`},
		{"wrapper as an interface", schemaJSONWith(`{"kind":"OBJECT","name":"Query","interfaces":[{"kind":"LIST","ofType":{"kind":"INTERFACE","name":"I"}}]}`), ErrMalformed, "LIST where a named type belongs"},
		{"unknown kind of type", schemaJSONWith(queryType + `,{"kind":"THING","name":"X"}`), ErrMalformed, `type X: unknown kind "THING"`},
		{"type name that would inject SDL", schemaJSONWith(queryType + `,{"kind":"SCALAR","name":"X @evil"}`), ErrMalformed, "is not a GraphQL name"},
		{"field name that would inject SDL", field(`{"kind":"SCALAR","name":"Int"}`)[:0] + schemaJSONWith(`{"kind":"OBJECT","name":"Query","fields":[{"name":"f: Int }\ntype X { g","type":{"kind":"SCALAR","name":"Int"}}]}`), ErrMalformed, "is not a GraphQL name"},
		{"type reference name that would inject SDL", field(`{"kind":"SCALAR","name":"Int }"}`), ErrMalformed, "is not a GraphQL name"},
		{"missing type name", schemaJSONWith(queryType + `,{"kind":"SCALAR"}`), ErrMalformed, "missing name"},
		{"duplicate type", schemaJSONWith(queryType + `,` + queryType), ErrMalformed, "type Query appears twice"},
		{"default value that closes the argument list", arg(`"1) @evil(x: 2"`), ErrMalformed, "unexpected ParenR after the value"},
		{"variable as default value", arg(`"$x"`), ErrMalformed, "unexpected Dollar"},
		{"empty default value", arg(`""`), ErrMalformed, "missing value"},
		{"unterminated default value", arg(`"[1, 2"`), ErrMalformed, "missing value"},
		{"deeply nested default value", arg(`"` + strings.Repeat("[", 1000) + `"`), ErrMalformed, "nested deeper"},
		{"directive location that is not one", `{"__schema":{"queryType":{"name":"Query"},"types":[` + queryType + `],"directives":[{"name":"d","locations":["FIELD","EVERYWHERE"]}]}}`, ErrMalformed, `unknown location "EVERYWHERE"`},
		{"directive without locations", `{"__schema":{"queryType":{"name":"Query"},"types":[` + queryType + `],"directives":[{"name":"d","locations":[]}]}}`, ErrMalformed, "no locations"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, err := ToSource("upstream-x", []byte(tt.result))
			if err == nil {
				t.Fatalf("no error; SDL:\n%s", src.Input)
			}
			if !errors.Is(err, tt.wantIs) {
				t.Errorf("error %q is not %v", err, tt.wantIs)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) || !strings.Contains(err.Error(), "upstream-x") {
				t.Errorf("error %q does not mention %q and the source name", err, tt.wantMsg)
			}
		})
	}
}

func TestToSourceServerErrors(t *testing.T) {
	_, err := ToSource("x", []byte(`{"data":null,"errors":[{"message":"introspection is disabled"},{"message":"second"}]}`))
	var se *ServerErrors
	if !errors.As(err, &se) {
		t.Fatalf("got %v, want *ServerErrors", err)
	}
	if len(se.Messages) != 2 || se.Messages[0] != "introspection is disabled" {
		t.Errorf("messages %q", se.Messages)
	}
	// Errors beside a __schema still fail: part of the schema may be missing.
	_, err = ToSource("x", []byte(`{"data":{"__schema":{"queryType":{"name":"Query"},"types":[`+queryType+`]}},"errors":[{"message":"partial"}]}`))
	if !errors.As(err, &se) {
		t.Fatalf("got %v, want *ServerErrors", err)
	}
	// An empty errors list is no error.
	if _, err := ToSource("x", []byte(`{"data":{"__schema":{"queryType":{"name":"Query"},"types":[`+queryType+`]}},"errors":[]}`)); err != nil {
		t.Fatal(err)
	}
}
