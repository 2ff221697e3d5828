package virtualservices_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/weft-gateway/weft/virtualservices"
)

// copyFixture copies an OpenAPI fixture of the importer into dir.
func copyFixture(t *testing.T, dir, name string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "upstreams", "rest", "openapi", "testdata", "petstore", "swagger.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestOpenAPIUpstreamInclude points an Upstream at an OpenAPI document and
// serves its operations through a VirtualService that includes them beside
// its own fields.
func TestOpenAPIUpstreamInclude(t *testing.T) {
	pets := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/v2/pets/42":
			_, _ = io.WriteString(w, `{"id": 42, "name": "Rex", "status": "available", "photoUrls": [], "category": {"id": 1, "name": "dogs"}}`)
		case r.Method == http.MethodGet && r.URL.Path == "/v2/user/login":
			w.Header().Set("Content-Type", "text/plain")
			_, _ = io.WriteString(w, "session-for-"+r.URL.Query().Get("username"))
		default:
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"message": "no such pet"}`)
		}
	}))
	defer pets.Close()
	dir := writeConfig(t, map[string]string{
		"up.yaml": `apiVersion: weft.dev/v1
kind: Upstream
metadata: {name: petstore}
spec:
  rest:
    baseURL: "` + pets.URL + `/v2"
    openapi: {file: specs/petstore.json}
`,
		"vs.yaml": vsYAML(`extend type Query { hello: String @rest(upstream: "petstore", path: "/user/login?username=hello&password=x") }`),
	})
	if err := os.MkdirAll(filepath.Join(dir, "specs"), 0o755); err != nil {
		t.Fatal(err)
	}
	copyFixture(t, filepath.Join(dir, "specs"), "petstore.json")
	vs := strings.Replace(readFile(t, filepath.Join(dir, "vs.yaml")), "          schema:\n", "          schema:\n            include: [petstore]\n", 1)
	if err := os.WriteFile(filepath.Join(dir, "vs.yaml"), []byte(vs), 0o644); err != nil {
		t.Fatal(err)
	}
	g := startGateway(t, virtualservices.Config{FS: os.DirFS(dir), Dir: ".", DisplayRoot: dir, OSDir: dir})
	r := g.query("", `{ getPetById(petId: 42) { id name status category { name } } loginUser(username: "ada", password: "p") hello }`, nil)
	r.noErrors(t)
	equalJSON(t, r.Data, `{"getPetById":{"id":42,"name":"Rex","status":"available","category":{"name":"dogs"}},"loginUser":"session-for-ada","hello":"session-for-hello"}`)
	r = g.query("", `{ getPetById(petId: 7) { name } }`, nil, "X-Request-Id", "req-7")
	equalJSON(t, r.Data, `{"getPetById":null}`)
	equalJSON(t, r.Errors[0]["extensions"], `{"code":"UPSTREAM_ERROR","upstream":"petstore","status":404,"requestId":"req-7"}`)
	if !strings.Contains(g.logs.String(), "OpenAPI document imported") {
		t.Errorf("import not logged: %s", g.logs.String())
	}
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestOpenAPIConfigErrors(t *testing.T) {
	tests := []struct {
		name, upstream, include, want string
	}{
		{"missing document", "openapi: {file: nope.json}", "[petstore]", "up.yaml:7:21: spec.rest.openapi.file: OpenAPI document of upstream petstore:"},
		{"file and url", "openapi: {file: a.json, url: \"http://x\"}", "[petstore]", "spec.rest.openapi: set exactly one of file and url"},
		{"bad operation kind", "openapi: {file: specs/petstore.json, operations: {getPetById: Subscription}}", "[petstore]", `spec.rest.openapi.operations.getPetById: "Subscription": want Query or Mutation`},
		{"unknown include", "openapi: {file: specs/petstore.json}", "[petz]", `spec.virtualHost.routes[0].graphql.schema.include[0]: unknown upstream "petz"`},
		{"include without fields", "", "[petstore]", `upstream "petstore" generates no fields to include`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeConfig(t, map[string]string{
				"up.yaml": "apiVersion: weft.dev/v1\nkind: Upstream\nmetadata: {name: petstore}\nspec:\n  rest:\n    baseURL: http://127.0.0.1:9\n    " + tt.upstream + "\n",
				"vs.yaml": strings.Replace(vsYAML(`type Query { x: String @rest(upstream: "petstore", path: "/x") }`), "          schema:\n", "          schema:\n            include: "+tt.include+"\n", 1),
			})
			_ = os.MkdirAll(filepath.Join(dir, "specs"), 0o755)
			copyFixture(t, filepath.Join(dir, "specs"), "petstore.json")
			loader := &virtualservices.Loader{Kinds: kinds(), Log: zerolog.Nop()}
			_, err := loader.Load(context.Background(), virtualservices.Config{FS: os.DirFS(dir), Dir: ".", DisplayRoot: ".", OSDir: dir}, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error:\n%v\nwant it to contain %q", err, tt.want)
			}
			if n := strings.Count(err.Error(), "\n") + 1; n != 1 {
				t.Errorf("want one error, not a cascade; got %d:\n%v", n, err)
			}
		})
	}
}
