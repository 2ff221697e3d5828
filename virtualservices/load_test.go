package virtualservices_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/weft-gateway/weft/virtualservices"
)

const restUpstream = `apiVersion: weft.dev/v1
kind: Upstream
metadata: {name: reviews}
spec:
  rest: {baseURL: "http://127.0.0.1:1"}
`

func vsYAML(schema string) string {
	return `apiVersion: weft.dev/v1
kind: VirtualService
metadata: {name: api}
spec:
  virtualHost:
    domains: ["*"]
    routes:
      - matchers: [{prefix: /graphql}]
        graphql:
          schema:
            inline: |
` + indent(schema, "              ")
}

func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = prefix + l
	}
	return strings.Join(lines, "\n") + "\n"
}

// TestConfigErrors loads broken configs: each error class is reported with
// the file and line a user must fix.
func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"yaml syntax", map[string]string{"a.yaml": "apiVersion: weft.dev/v1\nkind: [\n"}, []string{"a.yaml:3"}},
		{"unknown kind", map[string]string{"a.yaml": "apiVersion: weft.dev/v1\nkind: Gateway\nmetadata: {name: x}\nspec: {}\n"}, []string{"a.yaml:2", "Gateway"}},
		{"unknown field", map[string]string{"a.yaml": restUpstream + "  retries: 3\n"}, []string{"a.yaml:6", "retries"}},
		{"upstream without kind", map[string]string{"a.yaml": "apiVersion: weft.dev/v1\nkind: Upstream\nmetadata: {name: x}\nspec:\n  timeout: 1s\n"}, []string{"a.yaml:4", "one of graphql, grpc, rest"}},
		{"upstream with two kinds", map[string]string{"a.yaml": "apiVersion: weft.dev/v1\nkind: Upstream\nmetadata: {name: x}\nspec:\n  rest: {baseURL: http://a}\n  graphql: {url: http://b, schema: {inline: 'type Query {a: Int}'}}\n"}, []string{"a.yaml:6", "sets both rest and graphql"}},
		{"bad base URL", map[string]string{"a.yaml": "apiVersion: weft.dev/v1\nkind: Upstream\nmetadata: {name: x}\nspec:\n  rest: {baseURL: 'ftp://x'}\n"}, []string{"a.yaml:5", "is not an http or https URL"}},
		{"bad duration", map[string]string{"a.yaml": restUpstream + "  timeout: soon\n"}, []string{"a.yaml:6", "timeout"}},
		{"missing schema file", map[string]string{"a.yaml": restUpstream + "---\n" + strings.Replace(vsYAML("x"), "inline: |\n              x\n", "file: nope.graphql\n", 1)}, []string{"a.yaml:17", "nope.graphql"}},
		{"unknown upstream", map[string]string{"a.yaml": restUpstream + "---\n" + vsYAML(`type Query { r: [String!] @rest(upstream: "reviewz", path: "/r") }`)}, []string{"a.yaml:18:45", `unknown upstream "reviewz" (did you mean "reviews"?)`}},
		{"template missing argument", map[string]string{"a.yaml": restUpstream + "---\n" + vsYAML("type Query {\n  r: [String!] @rest(upstream: \"reviews\", path: \"/r/{args.id}\")\n}")}, []string{"a.yaml:19", `{args.id}: field r has no argument "id"`}},
		{"sdl error", map[string]string{"a.yaml": restUpstream + "---\n" + vsYAML("type Query {\n  r: Strin\n}")}, []string{"a.yaml:19:18", "Undefined type Strin"}},
		{"sdl in a file", map[string]string{
			"a.yaml":      restUpstream + "---\n" + strings.Replace(vsYAML("x"), "inline: |\n              x\n", "file: api.graphql\n", 1),
			"api.graphql": "type Query {\n  ok: String @rest(upstream: \"reviews\", path: \"/ok\")\n  r: [String!] @rest(upstream: \"reviews\", path: \"/r/{parent.x}\")\n}\n",
		}, []string{"api.graphql:3", "root fields have no parent"}},
		{"duplicate domain", map[string]string{"a.yaml": restUpstream + "---\n" + vsYAML(`type Query { r: String @rest(upstream: "reviews", path: "/r") }`) + "---\n" + strings.Replace(vsYAML(`type Query { r: String @rest(upstream: "reviews", path: "/r") }`), "name: api", "name: api2", 1)}, []string{"a.yaml:", `domain "*" is already served by VirtualService api`}},
		{"bad regex", map[string]string{"a.yaml": restUpstream + "---\n" + strings.Replace(vsYAML(`type Query { r: String @rest(upstream: "reviews", path: "/r") }`), "{prefix: /graphql}", "{regex: '/g(raph'}", 1)}, []string{"a.yaml:14", "invalid regular expression"}},
		{"route without action", map[string]string{"a.yaml": restUpstream + "---\napiVersion: weft.dev/v1\nkind: VirtualService\nmetadata: {name: x}\nspec:\n  virtualHost:\n    domains: [a.com]\n    routes:\n      - matchers: [{prefix: /}]\n"}, []string{"a.yaml:14", "a route needs an action"}},
		{"upstream name in two namespaces", map[string]string{"a.yaml": restUpstream + "---\n" + strings.Replace(restUpstream, "{name: reviews}", "{name: reviews, namespace: other}", 1)}, []string{"a.yaml:9", `upstream "reviews" is already defined at cfg/a.yaml:3`}},
		{"unset env", map[string]string{"a.yaml": "apiVersion: weft.dev/v1\nkind: Upstream\nmetadata: {name: x}\nspec:\n  rest: {baseURL: \"${WEFT_TEST_UNSET_VAR}\"}\n"}, []string{"a.yaml:5", "WEFT_TEST_UNSET_VAR"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeConfig(t, tt.files)
			loader := &virtualservices.Loader{Kinds: kinds(), Log: zerolog.Nop()}
			_, err := loader.Load(context.Background(), virtualservices.Config{FS: os.DirFS(dir), Dir: ".", DisplayRoot: "cfg", Env: func(string) (string, bool) { return "", false }}, nil)
			if err == nil {
				t.Fatal("config loaded; want an error")
			}
			for _, want := range tt.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error:\n%v\nwant it to contain %q", err, want)
				}
			}
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, "cfg/") {
					t.Errorf("error line %q does not start with the file", line)
				}
			}
		})
	}
}
