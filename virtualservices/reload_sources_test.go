package virtualservices_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/weft-gateway/weft/virtualservices"
)

// TestReloadSeesAChangedSourceFile: an upstream whose YAML did not change
// but whose source file did (an OpenAPI document edited in place) is
// rebuilt on reload, not reused, and Sources lists what each resource
// read, reused or not.
func TestReloadSeesAChangedSourceFile(t *testing.T) {
	spec := `{"openapi": "3.0.3", "info": {"title": "Pets", "version": "1"}, "servers": [{"url": "http://127.0.0.1:1"}],
  "paths": {"/pets/{id}": {"get": {"operationId": "getPet",
    "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}}}}}},
  "components": {"schemas": {"Pet": {"type": "object", "properties": {"name": {"type": "string"}}}}}}`
	dir := writeConfig(t, map[string]string{
		"up.yaml":         "apiVersion: weft.dev/v1\nkind: Upstream\nmetadata: {name: pets}\nspec:\n  rest:\n    openapi: {file: specs/pets.json}\n",
		"vs.yaml":         "apiVersion: weft.dev/v1\nkind: VirtualService\nmetadata: {name: api}\nspec:\n  virtualHost:\n    domains: [\"*\"]\n    routes:\n      - matchers: [{prefix: /graphql}]\n        graphql:\n          schema: {include: [pets]}\n",
		"specs/pets.json": spec,
	})
	loader := &virtualservices.Loader{Kinds: kinds(), Log: zerolog.Nop(), Checking: true}
	cfg := virtualservices.Config{FS: os.DirFS(dir), Dir: ".", OSDir: dir}
	ctx := context.Background()
	first, err := loader.Load(ctx, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer virtualservices.CloseSnapshot(first)
	if got := first.Sources(virtualservices.KindUpstream, "pets"); !slices.Equal(got, []string{"up.yaml", "specs/pets.json"}) {
		t.Errorf("sources of pets: %v", got)
	}
	// Nothing changed: the upstream is reused, and still has its sources.
	same, err := loader.Load(ctx, cfg, first)
	if err != nil {
		t.Fatal(err)
	}
	if got := same.Sources(virtualservices.KindUpstream, "pets"); !slices.Equal(got, []string{"up.yaml", "specs/pets.json"}) {
		t.Errorf("sources of the reused pets: %v", got)
	}
	edited := strings.Replace(spec, `"name": {"type": "string"}`, `"name": {"type": "string"}, "age": {"type": "integer"}`, 1)
	if err := os.WriteFile(filepath.Join(dir, "specs/pets.json"), []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	next, err := loader.Load(ctx, cfg, same)
	if err != nil {
		t.Fatal(err)
	}
	defer virtualservices.CloseSnapshot(next)
	if first.API("api").Schema.AST.Types["Pet"].Fields.ForName("age") != nil {
		t.Fatal("the first config already has Pet.age")
	}
	if next.API("api").Schema.AST.Types["Pet"].Fields.ForName("age") == nil {
		t.Fatal("the reloaded config lacks Pet.age: the upstream was reused although its OpenAPI document changed")
	}
}
