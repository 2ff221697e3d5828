package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// petsSpec is an OpenAPI document; edit returns it with one replacement.
const petsSpec = `{
  "openapi": "3.0.3",
  "info": {"title": "Pets", "version": "1"},
  "servers": [{"url": "http://127.0.0.1:1/v1"}],
  "paths": {
    "/pets/{id}": {
      "get": {
        "operationId": "getPet",
        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
        "responses": {"200": {"description": "the pet", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}}}
      }
    }
  },
  "components": {
    "schemas": {
      "Pet": {
        "type": "object",
        "required": ["id", "name"],
        "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "tag": {"type": "string"}}
      }
    }
  }
}
`

var petsConfig = map[string]string{
	"up.yaml": `apiVersion: weft.dev/v1
kind: Upstream
metadata: {name: pets}
spec:
  rest:
    openapi: {file: specs/pets.json}
`,
	"vs.yaml": `apiVersion: weft.dev/v1
kind: VirtualService
metadata: {name: api}
spec:
  virtualHost:
    domains: ["*"]
    routes:
      - matchers: [{prefix: /graphql}]
        graphql:
          schema: {include: [pets]}
`,
	"specs/pets.json": petsSpec,
}

// TestCheckCommand drives `weft check` as a pipeline would: a new OpenAPI
// document for an upstream, checked against the config on disk with no
// server running.
func TestCheckCommand(t *testing.T) {
	dir := writeFiles(t, petsConfig)
	newSpec := func(t *testing.T, old, new string) string {
		t.Helper()
		if !strings.Contains(petsSpec, old) {
			t.Fatalf("the spec has no %q", old)
		}
		p := filepath.Join(t.TempDir(), "pets.json")
		if err := os.WriteFile(p, []byte(strings.Replace(petsSpec, old, new, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	t.Run("breaking", func(t *testing.T) {
		spec := newSpec(t, `"tag": {"type": "string"}`, `"tag": {"type": "integer"}`)
		r := weft(t, "check", "--config", dir, "--upstream", "pets", spec)
		if r.code != 1 {
			t.Fatalf("exit %d, want 1: %+v", r.code, r)
		}
		if !strings.Contains(r.stdout, "virtual service api: 1 change(s)\n  BREAKING FIELD_TYPE_CHANGED Pet.tag:") {
			t.Errorf("stdout lacks the change:\n%s", r.stdout)
		}
		if r.stderr != "Error: 1 breaking change(s); pass --allow-breaking to accept them\n" {
			t.Errorf("stderr:\n%s", r.stderr)
		}
		r = weft(t, "check", "--config", dir, "--upstream", "pets", spec, "--allow-breaking", "--format", "json")
		if r.code != 0 || r.stderr != "" {
			t.Fatalf("with --allow-breaking: %+v", r)
		}
		var rep struct {
			Replaced        map[string]string
			VirtualServices map[string][]struct{ Coordinate, Class, Severity string }
			Breaking        int
		}
		if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
			t.Fatalf("json: %v\n%s", err, r.stdout)
		}
		if rep.Breaking != 1 || rep.Replaced["specs/pets.json"] != spec || len(rep.VirtualServices["api"]) != 1 || rep.VirtualServices["api"][0].Coordinate != "Pet.tag" {
			t.Errorf("report %+v", rep)
		}
	})
	t.Run("safe", func(t *testing.T) {
		spec := newSpec(t, `"tag": {"type": "string"}`, `"tag": {"type": "string"}, "age": {"type": "integer"}`)
		r := weft(t, "check", "--config", dir, "--upstream", "pets", spec)
		if r.code != 0 || !strings.Contains(r.stdout, "SAFE FIELD_ADDED Pet.age") || !strings.HasSuffix(r.stdout, "no breaking change\n") {
			t.Fatalf("%+v", r)
		}
	})
	t.Run("a source that does not build", func(t *testing.T) {
		spec := newSpec(t, `"openapi": "3.0.3",`, `"openapi": "3.0.3"`)
		r := weft(t, "check", "--config", dir, "--file", "specs/pets.json="+spec)
		if r.code != 1 || r.stdout != "" || !strings.Contains(r.stderr, "with specs/pets.json="+spec+" has 1 error:") || !strings.Contains(r.stderr, "not an OpenAPI or Swagger document") {
			t.Fatalf("%+v", r)
		}
	})
	for _, tt := range []struct {
		name   string
		args   []string
		stderr string
	}{
		{"unknown upstream", []string{"--upstream", "cats", "x.json"}, "Error: --upstream cats: the config has no such upstream (it has pets)\n"},
		{"no file", []string{"--upstream", "pets"}, "Error: --upstream pets needs the new source file as an argument\n"},
		{"nothing", nil, "Error: nothing to check: give --upstream NAME FILE or --file PATH=FILE\n"},
		{"unknown path", []string{"--file", "nope.json=x"}, "Error: --file nope.json=x: the config has no file nope.json\n"},
		{"unreadable file", []string{"--upstream", "pets", "/nonexistent/pets.json"}, "Error: reading the new source of upstream pets: open /nonexistent/pets.json: no such file or directory\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := weft(t, append([]string{"check", "--config", dir}, tt.args...)...)
			if r.code != 1 || !strings.HasPrefix(r.stderr, tt.stderr) {
				t.Fatalf("exit %d, stderr:\n%s\nwant it to start with:\n%s", r.code, r.stderr, tt.stderr)
			}
		})
	}
}

// TestCheckNamesRecordedOperations: a gateway serving with --store records
// the operations it runs; weft check against the same store names, under
// each breaking change, the operations it concerns and how often they ran,
// and no operation that does not touch what changed.
func TestCheckNamesRecordedOperations(t *testing.T) {
	dir := writeFiles(t, petsConfig)
	db := filepath.Join(t.TempDir(), "registry.db")
	s := startServe(t, "--config", dir, "--listen", "127.0.0.1:0", "--store", db, "--watch=false")
	for i, q := range []string{
		`query PetTag { getPet(id: 1) { name tag } }`,
		`query PetTag { getPet(id: 2) { name tag } }`,
		"query PetTag {\n  getPet(id: 3) {\n    name\n    tag\n  }\n}",
		`query PetName { getPet(id: 1) { name } }`,
	} {
		// The upstream is not running: the answers are errors, but the
		// operations ran and count.
		if code, body := post(t, s.base+"/graphql", "", q); code != 200 {
			t.Fatalf("query %d: %d %s", i, code, body)
		}
	}
	s.signal(os.Interrupt)
	if code := s.wait(time.Minute); code != 0 {
		t.Fatalf("serve exited %d:\n%s", code, s.stderr.String())
	}

	p := filepath.Join(t.TempDir(), "pets.json")
	if err := os.WriteFile(p, []byte(strings.Replace(petsSpec, `"tag": {"type": "string"}`, `"tag": {"type": "integer"}`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	r := weft(t, "check", "--config", dir, "--upstream", "pets", p, "--store", db)
	if r.code != 1 {
		t.Fatalf("exit %d: %+v", r.code, r)
	}
	lines := strings.Split(r.stdout, "\n")
	i := slices.IndexFunc(lines, func(l string) bool { return strings.Contains(l, "BREAKING FIELD_TYPE_CHANGED Pet.tag") })
	if i < 0 || i+1 >= len(lines) || !strings.HasPrefix(lines[i+1], "    used by operation PetTag (") || !strings.HasSuffix(lines[i+1], "): 3 run(s)") {
		t.Fatalf("the change does not name PetTag and its 3 runs:\n%s", r.stdout)
	}
	if strings.Contains(r.stdout, "PetName") {
		t.Errorf("PetName does not read Pet.tag, yet it is named:\n%s", r.stdout)
	}
}
