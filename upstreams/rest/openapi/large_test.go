package openapi

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

const largeSpecPath = "testdata/large/openapi.json"

// largeResources is how many resources the generated spec has; each has
// four operations.
const largeResources = 30

// largeSpec generates a document with largeResources*4 operations whose
// schemas refer to each other (each resource to the next, and the last to
// the first), so the importer meets a long reference cycle.
func largeSpec() []byte {
	type obj = map[string]any
	paths := obj{}
	schemas := obj{}
	for i := 0; i < largeResources; i++ {
		name := fmt.Sprintf("Resource%02d", i)
		next := fmt.Sprintf("Resource%02d", (i+1)%largeResources)
		plural := strings.ToLower(name) + "s"
		ref := obj{"$ref": "#/components/schemas/" + name}
		paths["/"+plural] = obj{
			"get": obj{
				"operationId": "list" + name + "s",
				"parameters": []any{
					obj{"name": "page-size", "in": "query", "schema": obj{"type": "integer", "format": "int32"}},
					obj{"name": "state", "in": "query", "schema": obj{"$ref": "#/components/schemas/State"}},
				},
				"responses": obj{"200": obj{"description": "A page.", "content": obj{"application/json": obj{"schema": obj{
					"type": "object", "properties": obj{"items": obj{"type": "array", "items": ref}, "next": obj{"type": "string", "nullable": true}},
				}}}}},
			},
			"post": obj{
				"operationId": "create" + name,
				"requestBody": obj{"required": true, "content": obj{"application/json": obj{"schema": ref}}},
				"responses":   obj{"201": obj{"description": "Created.", "content": obj{"application/json": obj{"schema": ref}}}},
			},
		}
		paths["/"+plural+"/{id}"] = obj{
			"parameters": []any{obj{"name": "id", "in": "path", "required": true, "schema": obj{"type": "string", "format": "uuid"}}},
			"get": obj{
				"operationId": "get" + name,
				"responses":   obj{"200": obj{"description": "One.", "content": obj{"application/json": obj{"schema": ref}}}, "404": obj{"description": "None."}},
			},
			"delete": obj{
				"operationId": "delete" + name,
				"responses":   obj{"204": obj{"description": "Gone."}},
			},
		}
		schemas[name] = obj{
			"type":     "object",
			"required": []any{"id"},
			"properties": obj{
				"id":         obj{"type": "string", "format": "uuid", "readOnly": true},
				"title":      obj{"type": "string"},
				"created-at": obj{"type": "string", "format": "date-time"},
				"size":       obj{"type": "integer", "format": "int64"},
				"state":      obj{"$ref": "#/components/schemas/State"},
				"next":       obj{"allOf": []any{obj{"$ref": "#/components/schemas/" + next}}, "readOnly": true},
			},
		}
	}
	schemas["State"] = obj{"type": "string", "enum": []any{"ACTIVE", "RETIRED"}}
	doc := obj{
		"openapi":    "3.0.3",
		"info":       obj{"title": "Large", "version": "1.0.0"},
		"servers":    []any{obj{"url": "https://large.example.com"}},
		"paths":      paths,
		"components": obj{"schemas": schemas},
	}
	out, err := json.MarshalIndent(doc, "", " ")
	if err != nil {
		panic(err)
	}
	return append(out, '\n')
}

// TestLargeSpecIsGenerated keeps the committed fixture equal to what the
// generator writes.
func TestLargeSpecIsGenerated(t *testing.T) {
	golden(t, largeSpecPath, string(largeSpec()))
}

func TestLargeSpec(t *testing.T) {
	start := time.Now()
	res := importFile(t, largeSpecPath, Options{Upstream: "large"})
	if took := time.Since(start); took > 20*time.Second {
		t.Errorf("importing %d operations took %v", largeResources*4, took)
	}
	if res.Operations != largeResources*4 || res.Skipped != 0 {
		t.Errorf("operations = %d, skipped = %d; want %d, 0", res.Operations, res.Skipped, largeResources*4)
	}
	s := parseSDL(t, "large.graphql", res.SDL)
	if got := len(s.Query.Fields) + len(s.Mutation.Fields) - 2; got != largeResources*4 { // less __schema and __type
		t.Errorf("root fields = %d", got)
	}
	for i := 0; i < largeResources; i++ {
		name := fmt.Sprintf("Resource%02d", i)
		def := s.Types[name]
		if def == nil || def.Fields.ForName("next") == nil || def.Fields.ForName("createdAt") == nil {
			t.Fatalf("type %s = %+v", name, def)
		}
		if in := s.Types[name+"Input"]; in == nil || in.Fields.ForName("id") != nil {
			t.Errorf("input %s: the read-only id must be left out: %+v", name+"Input", in)
		}
	}
	if len(res.Warnings) != 0 {
		t.Errorf("warnings:\n%s", warningsText(res.Warnings))
	}
	if _, err := os.Stat(largeSpecPath); err != nil {
		t.Fatal(err)
	}
}
