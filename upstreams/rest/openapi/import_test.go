package openapi

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/weft-gateway/weft/schema"
	"github.com/weft-gateway/weft/upstreams/rest/restbind"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// golden compares got with the file, or rewrites the file with -update.
func golden(t *testing.T, file, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the output (run go test -update to accept it):\n%s", file, diff(string(want), got))
	}
}

// diff shows the first lines where want and got part.
func diff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return fmt.Sprintf("line %d:\n- %s\n+ %s", i+1, a, b)
		}
	}
	return "(same lines, different endings)"
}

func warningsText(ws []Warning) string {
	var b strings.Builder
	for _, w := range ws {
		b.WriteString(w.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// directiveDecls declares the binding directives with every argument the
// importer writes, so that gqlparser can check the SDL by itself.
const directiveDecls = `
scalar _Value
directive @rest(upstream: String!, method: String, path: String!, headers: [String!], cookies: [String!], contentType: String, body: _Value, files: [String!], auth: [String!], result: String, timeout: String) on FIELD_DEFINITION
directive @from(key: String, value: _Value) on FIELD_DEFINITION | INPUT_FIELD_DEFINITION | ENUM_VALUE
directive @typeBy(key: String, values: _Value, required: _Value) on UNION | INTERFACE
directive @unwrap on INPUT_OBJECT
`

// parseSDL checks that sdl is a valid GraphQL schema.
func parseSDL(t *testing.T, name, sdl string) *ast.Schema {
	t.Helper()
	s, err := gqlparser.LoadSchema(&ast.Source{Name: "directives", Input: directiveDecls, BuiltIn: true}, &ast.Source{Name: name, Input: sdl})
	if err != nil {
		t.Fatalf("%s: the SDL does not parse: %v", name, err)
	}
	return s
}

// runtimeFeature is an @rest or SDL feature the output may use that
// schema.Build may not know yet.
type runtimeFeature struct {
	name  string
	used  func(sdl string) bool
	probe string
}

func runtimeFeatures() []runtimeFeature {
	return []runtimeFeature{
		{"@rest(cookies:)", func(s string) bool { return strings.Contains(s, ", cookies: [") },
			`type Query { a(s: String): String @rest(upstream: "u", path: "/a", cookies: ["s: {args.s}"]) }`},
		{"@rest(contentType:)", func(s string) bool { return strings.Contains(s, ", contentType: ") },
			`type Mutation { a(s: String): String @rest(upstream: "u", method: "POST", path: "/a", contentType: "application/x-www-form-urlencoded", body: "{args.s}") } type Query { b: String @rest(upstream: "u", path: "/b") }`},
		{"@rest(body:) as a JSON template string", func(s string) bool { return strings.Contains(s, `, body: """`) },
			`type Mutation { a(s: String): String @rest(upstream: "u", method: "POST", path: "/a", body: """{"the-s": "{args.s}"}""") } type Query { b: String @rest(upstream: "u", path: "/b") }`},
		{"@rest(files:)", func(s string) bool { return strings.Contains(s, ", files: [") },
			`type Mutation { a(s: String): String @rest(upstream: "u", method: "POST", path: "/a", contentType: "multipart/form-data", body: {s: "{args.s}"}, files: ["s"]) } type Query { b: String @rest(upstream: "u", path: "/b") }`},
		{"@from(key:)", func(s string) bool { return strings.Contains(s, " @from(key: ") },
			`type Query { a: A @rest(upstream: "u", path: "/a") } type A { b: String @from(key: "b-c") }`},
		{"@from(key:) on input fields", func(s string) bool { return regexp.MustCompile(`(?m)^input [^{]*\{[^}]* @from\(key: `).MatchString(s) },
			`type Query { a(i: I): String @rest(upstream: "u", path: "/a?i={args.i}") } input I { b: String @from(key: "b-c") }`},
	}
}

// restUpstreams declares one rest upstream, with the named credentials
// the bindings may pick.
func restUpstreams(name string, creds ...string) schema.Options {
	return schema.Options{Binders: testBinders(), Upstreams: map[string]schema.UpstreamInfo{name: {Name: name, Kind: restbind.KindName, Version: "1", Credentials: creds}}}
}

// checkBuild builds sdl with schema.Build, for an upstream with the named
// credentials creds. When it fails and the SDL uses
// a feature schema.Build does not support yet, the test is skipped naming
// that feature; any other failure fails the test.
func checkBuild(t *testing.T, name, sdl, upstream string, creds ...string) {
	t.Helper()
	_, err := schema.Build(schema.Source{File: name, Input: sdl}, restUpstreams(upstream, creds...))
	if err == nil {
		return
	}
	var missing []string
	for _, f := range runtimeFeatures() {
		if !f.used(sdl) {
			continue
		}
		if _, perr := schema.Build(schema.Source{File: "probe.graphql", Input: f.probe}, restUpstreams("u")); perr != nil {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		t.Skipf("schema.Build does not support %s yet; waiting on it (%v)", strings.Join(missing, ", "), firstLine(err))
	}
	t.Fatalf("schema.Build rejects the SDL: %v", err)
}

func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}

type fixture struct {
	name   string
	source string
	opts   Options
}

func fixtures() []fixture {
	return []fixture{
		{"petstore", "testdata/petstore/swagger.json", Options{Upstream: "petstore"}},
		{"library", "testdata/library/openapi.yaml", Options{Upstream: "library"}},
		{"zoo", "testdata/zoo/openapi.yaml", Options{Upstream: "zoo"}},
		{"zoo-kinds-prefix", "testdata/zoo/openapi.yaml", Options{Upstream: "zoo", Prefix: "Zoo", Kinds: map[string]string{
			"getTree": "mutation", "POST /animals/{animalId}/feed": "Query", "nope": "Query", "listEvents": "Subscription",
		}}},
		{"large", largeSpecPath, Options{Upstream: "large"}},
	}
}

func importFile(t *testing.T, source string, opts Options) *Result {
	t.Helper()
	doc, err := Load(context.Background(), source, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Import(doc, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestFixtures(t *testing.T) {
	for _, fx := range fixtures() {
		t.Run(fx.name, func(t *testing.T) {
			res := importFile(t, fx.source, fx.opts)
			golden(t, "testdata/golden/"+fx.name+".graphql", res.SDL)
			golden(t, "testdata/golden/"+fx.name+".warnings", warningsText(res.Warnings))
			golden(t, "testdata/golden/"+fx.name+".upstream.yaml", res.UpstreamYAML(fx.opts.Upstream))
			parseSDL(t, fx.name+".graphql", res.SDL)
			for _, w := range res.Warnings {
				if _, err := os.Stat(w.File); err != nil || w.Line == 0 || w.Pointer == "" {
					t.Errorf("imprecise warning %v (%v)", w, err)
				}
			}
			again := importFile(t, fx.source, fx.opts)
			if again.SDL != res.SDL || warningsText(again.Warnings) != warningsText(res.Warnings) {
				t.Errorf("a second import differs:\n%s", diff(res.SDL+warningsText(res.Warnings), again.SDL+warningsText(again.Warnings)))
			}
			checkBuild(t, fx.name+".graphql", res.SDL, fx.opts.Upstream, res.AuthSchemes...)
		})
	}
}

// TestRuntimeFeatures reports which of the @rest features the importer
// writes schema.Build supports, so the log says what the skips wait on.
func TestRuntimeFeatures(t *testing.T) {
	for _, f := range runtimeFeatures() {
		_, err := schema.Build(schema.Source{File: "probe.graphql", Input: f.probe}, restUpstreams("u"))
		if err != nil {
			t.Logf("not supported by schema.Build yet: %s (%v)", f.name, firstLine(err))
		} else {
			t.Logf("supported by schema.Build: %s", f.name)
		}
	}
}

// plainSpec uses nothing but what @rest supported before cookies,
// contentType, JSON template bodies and @from.
const plainSpec = `{
  "openapi": "3.0.3",
  "info": {"title": "Plain", "version": "1"},
  "servers": [{"url": "http://127.0.0.1:9/api"}],
  "paths": {
    "/items": {
      "get": {"operationId": "listItems",
        "parameters": [
          {"name": "limit", "in": "query", "schema": {"type": "integer"}},
          {"name": "X-Tenant", "in": "header", "required": true, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}}}}}}},
      "post": {"operationId": "createItem",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}},
        "responses": {"201": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}}}}
    },
    "/items/{id}": {
      "get": {"operationId": "getItem",
        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer", "format": "int64"}}],
        "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}}, "404": {"description": "none"}}},
      "delete": {"operationId": "deleteItem",
        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer", "format": "int64"}}],
        "responses": {"204": {"description": "gone"}}}
    }
  },
  "components": {"schemas": {"Item": {"type": "object", "required": ["id", "name"], "properties": {
    "id": {"type": "integer", "format": "int64"},
    "name": {"type": "string"},
    "kind": {"type": "string", "enum": ["SMALL", "LARGE"]},
    "made": {"type": "string", "format": "date-time"},
    "day": {"type": "string", "format": "date"},
    "extra": {"type": "object", "additionalProperties": true},
    "parts": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}}}}}}
}`

// TestPlainBuilds builds the import of a document that needs none of the
// new runtime features: it must pass schema.Build as schema.Build is now.
func TestPlainBuilds(t *testing.T) {
	doc, err := Parse("plain.json", []byte(plainSpec))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Import(doc, Options{Upstream: "plain"})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range runtimeFeatures() {
		if f.used(res.SDL) {
			t.Fatalf("the SDL uses %s:\n%s", f.name, res.SDL)
		}
	}
	if len(res.Warnings) > 0 {
		t.Errorf("warnings: %s", warningsText(res.Warnings))
	}
	s, err := schema.Build(schema.Source{File: "plain.graphql", Input: res.SDL}, restUpstreams("plain"))
	if err != nil {
		t.Fatalf("schema.Build: %v\n%s", err, res.SDL)
	}
	b := s.Binding("Mutation", "createItem")
	if r, _ := b.Request.(*restbind.Binding); r == nil || r.Method != "POST" || r.Body == nil {
		t.Fatalf("createItem binding = %+v", b)
	}
	if got := s.Binding("Query", "listItems").Request.(*restbind.Binding).Headers; len(got) != 1 || got[0].Name != "X-Tenant" {
		t.Errorf("listItems headers = %+v", got)
	}
	if got := s.Binding("Query", "listItems").Request.(*restbind.Binding).Query; len(got) != 1 || got[0].Name != "limit" {
		t.Errorf("listItems query = %+v", got)
	}
	if def := s.AST.Types["DateTime"]; def == nil || def.Kind != ast.Scalar {
		t.Errorf("DateTime = %+v", def)
	}
}

func TestKinds(t *testing.T) {
	doc, err := Parse("plain.json", []byte(plainSpec))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		kinds     map[string]string
		query     string
		mutations string
	}{
		{nil, "listItems getItem", "createItem deleteItem"},
		{map[string]string{"listItems": "Mutation", "GET /items": "Query"}, "getItem", "listItems createItem deleteItem"},
		{map[string]string{"post /items": "query", "GET /items/{id}": "MUTATION"}, "listItems createItem", "getItem deleteItem"},
	}
	for _, tt := range tests {
		res, err := Import(doc, Options{Upstream: "plain", Kinds: tt.kinds})
		if err != nil {
			t.Fatal(err)
		}
		s := parseSDL(t, "plain.graphql", res.SDL)
		names := func(d *ast.Definition) string {
			var out []string
			if d != nil {
				for _, f := range d.Fields {
					if !strings.HasPrefix(f.Name, "__") {
						out = append(out, f.Name)
					}
				}
			}
			return strings.Join(out, " ")
		}
		if q, m := names(s.Query), names(s.Mutation); q != tt.query || m != tt.mutations {
			t.Errorf("Kinds %v: Query %q, Mutation %q; want %q, %q", tt.kinds, q, m, tt.query, tt.mutations)
		}
		checkTemplates(t, s)
	}
}

// testBinders are the binding directives the imported SDL uses.
func testBinders() []schema.Binder { return []schema.Binder{restbind.Binder{}} }
