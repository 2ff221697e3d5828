package restbind_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/weft-gateway/weft/internal/tmpl"
	"github.com/weft-gateway/weft/schema"
	"github.com/weft-gateway/weft/upstreams/graphql"
	"github.com/weft-gateway/weft/upstreams/rest/restbind"
)

// restHead gives each test schema the Query field a schema needs.
const restHead = "type Query { q: String @rest(upstream: \"reviews\", path: \"/q\") }\n"

func TestRESTFiles(t *testing.T) {
	tests := []struct {
		name, sdl string
		want      []string
	}{
		{"keys of a body object", `type Mutation { up(name: String, data: String!): String @rest(upstream: "reviews", method: "POST", path: "/up",
			contentType: "multipart/form-data", body: {name: "{args.name}", data: "{args.data}"}, files: ["data"]) }`, []string{"data"}},
		{"keys of a JSON string body", `type Mutation { up(data: [String!]): String @rest(upstream: "reviews", method: "POST", path: "/up",
			contentType: "multipart/form-data", body: """{"the-data": "{args.data}", "kind": "photo"}""", files: ["the-data"]) }`, []string{"the-data"}},
		{"fields of an input body", `type Mutation { up(input: UpInput): String @rest(upstream: "reviews", method: "POST", path: "/up",
			contentType: "MULTIPART/FORM-DATA", body: "{args.input}", files: ["front", "back"]) }
			input UpInput { caption: String front: String! back: Base64 }
			scalar Base64`, []string{"front", "back"}},
		{"one file as a string", `type Mutation { up(input: UpInput): String @rest(upstream: "reviews", method: "POST", path: "/up",
			contentType: "multipart/form-data", body: "{args.input}", files: "file") }
			input UpInput { file: ID }`, []string{"file"}},
		{"a literal value", `type Mutation { up: String @rest(upstream: "reviews", method: "POST", path: "/up",
			contentType: "multipart/form-data", body: {file: "aGk="}, files: ["file"]) }`, []string{"file"}},
		{"no files", `type Mutation { up(input: UpInput): String @rest(upstream: "reviews", method: "POST", path: "/up",
			contentType: "multipart/form-data", body: "{args.input}") }
			input UpInput { file: String }`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := sdlSchema(t, restHead+tt.sdl)
			if err != nil {
				t.Fatal(err)
			}
			got := s.Binding("Mutation", "up").Request.(*restbind.Binding).Files
			if !slices.Equal(got, tt.want) {
				t.Fatalf("Files = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRESTFilesErrors(t *testing.T) {
	tests := []struct {
		name, sdl, want string
	}{
		{"not multipart", `type Mutation { up(data: String): String @rest(upstream: "reviews", method: "POST", path: "/up",
			body: {data: "{args.data}"}, files: ["data"]) }`,
			`api.graphql:3:33: Mutation.up @rest: files are parts of a multipart body; set contentType: "multipart/form-data"`},
		{"a form", `type Mutation { up(data: String): String @rest(upstream: "reviews", method: "POST", path: "/up",
			contentType: "application/x-www-form-urlencoded", body: {data: "{args.data}"}, files: ["data"]) }`,
			`files are parts of a multipart body`},
		{"not a key of the object", `type Mutation { up(data: String): String @rest(upstream: "reviews", method: "POST", path: "/up",
			contentType: "multipart/form-data", body: {data: "{args.data}", kind: "x"}, files: ["dta"]) }`,
			`api.graphql:3:80: Mutation.up @rest: files: "dta" is not a key of the body (its keys: data, kind) (did you mean "data"?)`},
		{"not a field of the input", `type Mutation { up(input: UpInput): String @rest(upstream: "reviews", method: "POST", path: "/up",
			contentType: "multipart/form-data", body: "{args.input}", files: ["photo"]) }
			input UpInput { file: String caption: String }`,
			`files: "photo" is not a key of the body (its keys: file, caption)`},
		{"below the top level", `type Mutation { up(input: UpInput): String @rest(upstream: "reviews", method: "POST", path: "/up",
			contentType: "multipart/form-data", body: "{args.input}", files: ["meta.file"]) }
			input UpInput { meta: Meta } input Meta { file: String }`,
			`files: "meta.file" is not a key of the body (its keys: meta)`},
		{"listed twice", `type Mutation { up(input: UpInput): String @rest(upstream: "reviews", method: "POST", path: "/up",
			contentType: "multipart/form-data", body: "{args.input}", files: ["file", "file"]) }
			input UpInput { file: String }`,
			`files: "file" is listed twice`},
		{"an Int field", `type Mutation { up(input: UpInput): String @rest(upstream: "reviews", method: "POST", path: "/up",
			contentType: "multipart/form-data", body: "{args.input}", files: ["size"]) }
			input UpInput { size: Int }`,
			`files: "size" holds a Int; a file part is given as base64 text`},
		{"an input object field", `type Mutation { up(input: UpInput): String @rest(upstream: "reviews", method: "POST", path: "/up",
			contentType: "multipart/form-data", body: "{args.input}", files: ["meta"]) }
			input UpInput { meta: Meta } input Meta { file: String }`,
			`files: "meta" holds a Meta`},
		{"an enum argument in an object body", `type Mutation { up(kind: Kind): String @rest(upstream: "reviews", method: "POST", path: "/up",
			contentType: "multipart/form-data", body: {kind: "{args.kind}"}, files: ["kind"]) }
			enum Kind { A B }`,
			`files: "kind" holds a Kind`},
		{"a body that is a scalar argument", `type Mutation { up(data: String): String @rest(upstream: "reviews", method: "POST", path: "/up",
			contentType: "multipart/form-data", body: "{args.data}", files: ["data"]) }`,
			`files name keys of the body, but the body {args.data} is not an input object`},
		{"a body that is a list of inputs", `type Mutation { up(input: [UpInput!]): String @rest(upstream: "reviews", method: "POST", path: "/up",
			contentType: "multipart/form-data", body: "{args.input}", files: ["file"]) }
			input UpInput { file: String }`,
			`the body {args.input} is not an input object`},
		{"a body of text", `type Mutation { up(data: String): String @rest(upstream: "reviews", method: "POST", path: "/up",
			contentType: "multipart/form-data", body: "x={args.data}", files: ["data"]) }`,
			`files name keys of the body, which must be an object or one argument of an input object type`},
		{"not a list of strings", `type Mutation { up(data: String): String @rest(upstream: "reviews", method: "POST", path: "/up",
			contentType: "multipart/form-data", body: {data: "{args.data}"}, files: [1]) }`,
			`argument "files" must be a list of strings, got 1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := sdlSchema(t, restHead+tt.sdl)
			var es schema.Errors
			if !errors.As(err, &es) {
				t.Fatalf("Build error = %v, want Errors containing %q", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error:\n%v\nwant it to contain:\n%s", err, tt.want)
			}
		})
	}
}

func TestRESTExplodedQuery(t *testing.T) {
	s, err := sdlSchema(t, `type Query {
  q(tag: [String!], limit: Int): String @rest(upstream: "reviews", path: "/q?tag={args.tag*}&limit={args.limit}&all={args.tag}")
  p: [P] @rest(upstream: "reviews", path: "/p")
}
type P { upc: ID! r: String @rest(upstream: "reviews", path: "/r/{parent.upc}",
  batch: {path: "/r?upc={parent.upc*}&from={parent.upc}", key: "upc"}) }`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, q := range s.Binding("Query", "q").Request.(*restbind.Binding).Query {
		r, _ := q.Value.Single()
		got = append(got, q.Name+"="+r.String())
	}
	if want := []string{"tag=args.tag*", "limit=args.limit", "all=args.tag"}; !slices.Equal(got, want) {
		t.Errorf("query = %q, want %q", got, want)
	}
	if k := s.Binding("P", "r").Batch.ParentKey; !slices.Equal(k, []string{"upc"}) {
		t.Errorf("batch key = %q: {parent.upc} and {parent.upc*} read one field", k)
	}
}

func TestRESTExplodeErrors(t *testing.T) {
	tests := []struct {
		name, sdl, want string
	}{
		{"in the path", `type Mutation { m(tag: [String!]): String @rest(upstream: "reviews", method: "POST", path: "/m/{args.tag*}") }`,
			`api.graphql:2:86: Mutation.m @rest: template "/m/{args.tag*}": at offset 3: {args.tag*}: the explode modifier * is allowed only on a query parameter whose value is that one placeholder`},
		{"inside a longer query value", `type Mutation { m(tag: [String!]): String @rest(upstream: "reviews", method: "POST", path: "/m?q=t:{args.tag*}") }`,
			`template "t:{args.tag*}": at offset 2: {args.tag*}: the explode modifier`},
		{"in a header", `type Mutation { m(tag: [String!]): String @rest(upstream: "reviews", method: "POST", path: "/m", headers: ["X-Tag: {args.tag*}"]) }`,
			`{args.tag*}: the explode modifier`},
		{"in a cookie", `type Mutation { m(tag: [String!]): String @rest(upstream: "reviews", method: "POST", path: "/m", cookies: ["tag: {args.tag*}"]) }`,
			`{args.tag*}: the explode modifier`},
		{"in a body", `type Mutation { m(tag: [String!]): String @rest(upstream: "reviews", method: "POST", path: "/m", body: {tag: "{args.tag*}"}) }`,
			`{args.tag*}: the explode modifier`},
		{"a body template", `type Mutation { m(tag: [String!]): String @rest(upstream: "reviews", method: "POST", path: "/m", body: "{args.tag*}") }`,
			`{args.tag*}: the explode modifier`},
		{"a body of text with a bad template", `type Mutation { m(tag: [String!]): String @rest(upstream: "reviews", method: "POST", path: "/m", body: "n={args.tag") }`,
			`body: template "n={args.tag": at offset 2: unclosed "{"`},
		{"a JSON object body with a bad template", `type Mutation { m(tag: [String!]): String @rest(upstream: "reviews", method: "POST", path: "/m", body: "{\"a\": \"{args.tag\"}") }`,
			`body: template "{args.tag": at offset 0: unclosed "{"`},
		{"an unknown argument", `type Mutation { m(tag: [String!]): String @rest(upstream: "reviews", method: "POST", path: "/m?t={args.tags*}") }`,
			`{args.tags*}: field m has no argument "tags" (did you mean "tag"?)`},
		{"a GraphQL argument", `type Mutation { m(tag: [String!]): String @graphql(upstream: "catalog", field: "setPrice", args: {upc: "{args.tag*}", price: 1}) }`,
			`{args.tag*}: the explode modifier`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := sdlSchema(t, restHead+tt.sdl)
			var es schema.Errors
			if !errors.As(err, &es) {
				t.Fatalf("Build error = %v, want Errors containing %q", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error:\n%v\nwant it to contain:\n%s", err, tt.want)
			}
		})
	}
}

// renameSDL sends input objects whose fields @from renames, at the top
// level, below it, in lists and through a recursive type.
const renameSDL = restHead + `
type Mutation {
  patch(input: PatchInput): String @rest(upstream: "reviews", method: "PATCH", path: "/p", body: "{args.input}")
  wrap(input: PatchInput, keeper: KeeperInput): String @rest(upstream: "reviews", method: "POST", path: "/w?k={args.keeper}",
    headers: ["X-Keeper: {args.keeper}"], body: {patch: "{args.input}", keeperId: "{args.input.keeper.keeperId}", k: "{args.keeper}"})
  tree(root: NodeInput!): String @rest(upstream: "reviews", method: "POST", path: "/t", body: "{args.root}")
  plain(input: PlainInput): String @rest(upstream: "reviews", method: "POST", path: "/plain", body: "{args.input}")
}
input PatchInput {
  petType: String @from(key: "pet-type")
  name: String
  keeper: KeeperInput
  keepers: [KeeperInput!]
}
input KeeperInput { keeperId: Int @from(key: "keeper-id") since: String }
input NodeInput { label: String @from(key: "the label") children: [NodeInput!] }
input PlainInput { name: String keeper: PlainKeeper }
input PlainKeeper { id: Int }
`

func TestInputFrom(t *testing.T) {
	s, err := sdlSchema(t, renameSDL)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ typ, field, want string }{
		{"PatchInput", "petType", "pet-type"}, {"PatchInput", "name", "name"}, {"KeeperInput", "keeperId", "keeper-id"},
		{"NodeInput", "label", "the label"}, {"PlainInput", "name", "name"}, {"Nope", "x", "x"},
	} {
		if got := s.InputKey(tt.typ, tt.field); got != tt.want {
			t.Errorf("InputKey(%s, %s) = %q, want %q", tt.typ, tt.field, got, tt.want)
		}
	}
	if d := s.AST.Types["PatchInput"].Fields.ForName("petType").Directives; len(d) != 0 {
		t.Errorf("the served schema keeps %v", d)
	}
	keeper := map[string]any{"keeperId": int64(9), "since": "2020"}
	tests := []struct {
		field string
		args  map[string]any
		want  string
	}{
		{"patch", map[string]any{"input": map[string]any{"petType": "cat", "name": "Tom", "keeper": keeper, "keepers": []any{keeper, keeper}}},
			`{"keeper":{"keeper-id":9,"since":"2020"},"keepers":[{"keeper-id":9,"since":"2020"},{"keeper-id":9,"since":"2020"}],"name":"Tom","pet-type":"cat"}`},
		{"patch", map[string]any{"input": map[string]any{"keeper": nil}}, `{"keeper":null}`},
		{"patch", map[string]any{"input": nil}, `null`},
		{"wrap", map[string]any{"input": map[string]any{"petType": "cat", "keeper": keeper}, "keeper": map[string]any{"keeperId": int64(1)}},
			`{"patch":{"keeper":{"keeper-id":9,"since":"2020"},"pet-type":"cat"},"keeperId":9,"k":{"keeper-id":1}}`},
		{"tree", map[string]any{"root": map[string]any{"label": "a", "children": []any{map[string]any{"label": "b", "children": []any{map[string]any{"label": "c"}}}}}},
			`{"children":[{"children":[{"the label":"c"}],"the label":"b"}],"the label":"a"}`},
		{"plain", map[string]any{"input": map[string]any{"name": "x", "keeper": map[string]any{"id": int64(1)}}}, `{"keeper":{"id":1},"name":"x"}`},
	}
	for _, tt := range tests {
		body, err := s.Binding("Mutation", tt.field).Request.(*restbind.Binding).Body.AppendJSON(nil, &tmpl.Scope{Args: tt.args})
		if err != nil || string(body) != tt.want {
			t.Errorf("%s %v: body %s, %v\nwant %s", tt.field, tt.args, body, err, tt.want)
		}
	}
	// Objects written as text are renamed too.
	wrap := s.Binding("Mutation", "wrap").Request.(*restbind.Binding)
	scope := &tmpl.Scope{Args: map[string]any{"keeper": map[string]any{"keeperId": int64(1)}}}
	if got, err := wrap.Query[0].Value.Text(scope); err != nil || got != `{"keeper-id":1}` {
		t.Errorf("query value %s, %v", got, err)
	}
	if got, err := wrap.Headers[0].Value.Text(scope); err != nil || got != `{"keeper-id":1}` {
		t.Errorf("header value %s, %v", got, err)
	}
	// An input type with nothing renamed at or below it costs nothing.
	s.Binding("Mutation", "plain").Request.(*restbind.Binding).Body.EachRef(func(r *tmpl.Ref) {
		if r.Keys != nil {
			t.Errorf("{%s} has renames", r)
		}
	})
}

func TestInputFromErrors(t *testing.T) {
	tests := []struct {
		name, sdl, want string
	}{
		{"empty key", `input I { a: String @from(key: "") }`, `api.graphql:2:22: I.a: @from(key:) must not be empty`},
		{"two fields under one key", `input I { a: String @from(key: "b") b: String }`, `api.graphql:2:37: I.b: is sent under the key "b", as I.a is; an input type's fields need distinct keys`},
		{"two renames to one key", `input I { a: String @from(key: "x") b: String @from(key: "x") }`, `I.b: is sent under the key "x", as I.a is`},
		{"unknown argument", `input I { a: String @from(key: "x", name: "y") }`, `Undefined argument name for directive from`},
		{"not a string", `input I { a: String @from(key: 1) }`, `I.a @from: argument "key" must be a string`},
		{"a file part under its GraphQL name", `type Mutation { up(input: I): String @rest(upstream: "reviews", method: "POST", path: "/up",
			contentType: "multipart/form-data", body: "{args.input}", files: ["theFile"]) }
			input I { theFile: String @from(key: "the-file") }`, `files: "theFile" is not a key of the body (its keys: the-file)`},
		{"on an argument", `type Mutation { m(a: String @from(key: "x")): String @rest(upstream: "reviews", method: "POST", path: "/m") }`, `Directive from is not applicable on ARGUMENT_DEFINITION`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := sdlSchema(t, restHead+tt.sdl)
			var es schema.Errors
			if !errors.As(err, &es) {
				t.Fatalf("Build error = %v, want Errors containing %q", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error:\n%v\nwant it to contain:\n%s", err, tt.want)
			}
		})
	}
	// A file part is named by the key it is sent under.
	s, err := sdlSchema(t, restHead+`type Mutation { up(input: I): String @rest(upstream: "reviews", method: "POST", path: "/up",
		contentType: "multipart/form-data", body: "{args.input}", files: ["the-file"]) }
		input I { theFile: String @from(key: "the-file") }`)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Binding("Mutation", "up").Request.(*restbind.Binding).Files; !slices.Equal(got, []string{"the-file"}) {
		t.Errorf("Files = %q", got)
	}
}

// catalogSchema is the schema of a GraphQL upstream "catalog".
func catalogSchema(t testing.TB) *ast.Schema {
	t.Helper()
	s, err := gqlparser.LoadSchema(&ast.Source{Name: "catalog.graphql", Input: `type Query { product(upc: ID!): Product }
type Mutation { setPrice(upc: ID!, price: Int!): Product }
type Product { upc: ID! price: Int! }`})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// sdlSchema builds a schema over a GraphQL upstream "catalog" and a REST
// upstream "reviews" with every kind's binder, as the gateway does.
func sdlSchema(t testing.TB, sdl string) (*schema.Schema, error) {
	t.Helper()
	return schema.Build(schema.Source{File: "api.graphql", Input: sdl}, schema.Options{
		Binders: []schema.Binder{graphql.Binder{}, restbind.Binder{}},
		Upstreams: map[string]schema.UpstreamInfo{
			"reviews": {Name: "reviews", Kind: restbind.KindName, Version: "1"},
			"catalog": {Name: "catalog", Kind: graphql.KindName, Version: "1", Schema: catalogSchema(t)},
		},
		Vars: map[string]string{"tenant": "acme"},
	})
}

// TestRESTTextBodies checks the bindings of a text contentType: a body of
// one scalar value, checked at load.
func TestRESTTextBodies(t *testing.T) {
	tests := []struct {
		name, sdl string
		// want is the contentType read; "" when the load fails with err.
		want, err string
	}{
		{"a String argument", `type Mutation { up(text: String!): String @rest(upstream: "reviews", method: "POST", path: "/up",
			contentType: "text/plain", body: "{args.text}") }`, "text/plain", ""},
		{"a type with its charset, in any case", `type Mutation { up(n: Int): String @rest(upstream: "reviews", method: "PUT", path: "/up",
			contentType: "Text/CSV; charset=utf-8", body: "{args.n}") }`, "text/csv; charset=utf-8", ""},
		{"an enum argument", `type Mutation { up(k: K): String @rest(upstream: "reviews", method: "POST", path: "/up",
			contentType: "text/plain", body: "{args.k}") } enum K { A B }`, "text/plain", ""},
		{"text around a placeholder", `type Mutation { up(n: Int): String @rest(upstream: "reviews", method: "POST", path: "/up",
			contentType: "text/plain", body: "n={args.n}") }`, "text/plain", ""},
		{"a list argument", `type Mutation { up(tags: [String!]): String @rest(upstream: "reviews", method: "POST", path: "/up",
			contentType: "text/plain", body: "{args.tags}") }`, "", "a text body is one value, but {args.tags} is a list ([String!])"},
		{"an input object argument", `type Mutation { up(input: In): String @rest(upstream: "reviews", method: "POST", path: "/up",
			contentType: "text/plain", body: "{args.input}") } input In { a: String }`, "", "a text body is one value, but {args.input} is a In"},
		{"an object body", `type Mutation { up(a: String): String @rest(upstream: "reviews", method: "POST", path: "/up",
			contentType: "text/plain", body: {a: "{args.a}"}) }`, "", "a text body is one value, not an object"},
		{"no body", `type Mutation { up: String @rest(upstream: "reviews", method: "POST", path: "/up", contentType: "text/plain") }`,
			"", `contentType "text/plain" needs a body`},
		{"a media range", `type Mutation { up(a: String): String @rest(upstream: "reviews", method: "POST", path: "/up",
			contentType: "text/*", body: "{args.a}") }`, "", `contentType "text/*" is not one of`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := sdlSchema(t, restHead+tt.sdl)
			if tt.want == "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("Build error = %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Binding("Mutation", "up").Request.(*restbind.Binding).ContentType; got != tt.want {
				t.Errorf("ContentType = %q, want %q", got, tt.want)
			}
		})
	}
}
