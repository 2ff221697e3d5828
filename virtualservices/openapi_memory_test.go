package virtualservices_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/rs/zerolog"

	"github.com/weft-gateway/weft/virtualservices"
)

// TestOpenAPIInMemorySpansFiles loads a config held in memory, as a
// registry holds one, whose rest Upstream's OpenAPI document $refs a file
// beside it: the document is read whole through the config's files, the
// file it references is one of the Upstream's sources (so a registry
// keeps it with the Upstream), and a $ref out of the config's files
// degrades only what uses it.
func TestOpenAPIInMemorySpansFiles(t *testing.T) {
	fsys := fstest.MapFS{
		"pets/up.yaml": {Data: []byte(`apiVersion: weft.dev/v1
kind: Upstream
metadata: {name: pets}
spec:
  rest:
    baseURL: http://127.0.0.1:1
    openapi: {file: specs/api.yaml}
`)},
		"pets/specs/api.yaml": {Data: []byte(`openapi: 3.0.3
info: {title: Pets, version: "1"}
paths:
  /pets:
    get:
      operationId: listPets
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {type: array, items: {$ref: "common/pet.yaml"}}
  /owners:
    get:
      operationId: listOwners
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "../../outside.yaml"}
`)},
		"pets/specs/common/pet.yaml": {Data: []byte("type: object\nproperties:\n  name: {type: string}\n  tag: {type: string}\n")},
		"vs.yaml": {Data: []byte(`apiVersion: weft.dev/v1
kind: VirtualService
metadata: {name: api}
spec:
  virtualHost:
    domains: ["*"]
    routes:
      - matchers: [{prefix: /graphql}]
        graphql:
          schema: {include: [pets]}
`)},
	}
	logs := &logBuffer{}
	loader := &virtualservices.Loader{Kinds: kinds(), Log: zerolog.New(logs), Checking: true}
	snap, err := loader.Load(context.Background(), virtualservices.Config{FS: fsys, Dir: ".", DisplayRoot: "registry"}, nil)
	if err != nil {
		t.Fatalf("the config does not load: %v", err)
	}
	defer virtualservices.CloseSnapshot(snap)
	pet := snap.API("api").Schema.AST.Types["Pet"]
	if pet == nil || pet.Fields.ForName("name") == nil || pet.Fields.ForName("tag") == nil {
		t.Fatalf("Pet is not typed from common/pet.yaml: %+v", pet)
	}
	if srcs := snap.Sources("Upstream", "pets"); !slices.Contains(srcs, "pets/specs/common/pet.yaml") {
		t.Errorf("the Upstream's sources %v lack the file its document references", srcs)
	}
	want := "registry/pets/specs/api.yaml:21:23: #/paths/~1owners/get/responses/200/content/application~1json/schema: (GET /owners) $ref registry/outside.yaml cannot be followed (it is outside the config's files): typed JSON"
	if !strings.Contains(logs.String(), want) {
		t.Errorf("log lacks the warning %q:\n%s", want, logs.String())
	}
}
