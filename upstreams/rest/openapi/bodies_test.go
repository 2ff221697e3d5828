package openapi

import (
	"strings"
	"testing"

	"github.com/weft-gateway/weft/internal/tmpl"
	"github.com/weft-gateway/weft/schema"
	"github.com/weft-gateway/weft/upstreams/rest/restbind"
)

// importOp imports a document of one operation and returns the SDL line of
// its field (the line with its @rest), the SDL and the warnings.
func importOp(t *testing.T, doc string) (line, sdl, warnings string) {
	t.Helper()
	d, err := Parse("doc.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Import(d, Options{Upstream: "u"})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(res.SDL, "\n") {
		if strings.Contains(l, "@rest(") {
			line = strings.TrimSpace(l)
		}
	}
	if _, err := schema.Build(schema.Source{File: "doc.graphql", Input: res.SDL}, restUpstreams("u")); err != nil {
		t.Fatalf("schema.Build: %v\n%s", err, res.SDL)
	}
	return line, res.SDL, warningsText(res.Warnings)
}

// oas3 is an OpenAPI 3.0 document of one POST /up operation with the
// request body given.
func oas3(requestBody string) string {
	return `openapi: 3.0.3
info: {title: t, version: "1"}
servers: [{url: "http://127.0.0.1:9"}]
paths:
  /up:
    post:
      operationId: up
      requestBody:
` + requestBody + `
      responses: {"200": {description: ok, content: {application/json: {schema: {type: object, properties: {ok: {type: boolean}}}}}}}
`
}

func TestImportFiles(t *testing.T) {
	tests := []struct {
		name, doc string
		// wantFiles is the files argument written, "" for none.
		wantFiles string
		// wantWarning is part of a warning the import gives, "" for none
		// about binary.
		wantWarning string
		// wantField is a line of the body's input type.
		wantField string
	}{
		{"OAS3 binary properties of a multipart body", oas3(`        content:
          multipart/form-data:
            schema:
              type: object
              properties:
                caption: {type: string}
                front: {type: string, format: binary}
                back-side: {type: string, format: binary}
                bytes: {type: string, format: byte}`), `files: ["front", "back-side"]`, "", "front: String"},
		{"OAS3 list of files", oas3(`        content:
          multipart/form-data:
            schema:
              type: object
              properties:
                photos: {type: array, items: {type: string, format: binary}}`), `files: ["photos"]`, "", "photos: [String!]"},
		{"OAS3 binary under a nested object is no file part", oas3(`        content:
          multipart/form-data:
            schema:
              type: object
              properties:
                meta: {type: object, properties: {data: {type: string, format: binary}}}`), "", "format binary: raw bytes cannot be carried in JSON", "data: String"},
		{"OAS3 binary in a JSON body", oas3(`        content:
          application/json:
            schema:
              type: object
              properties:
                data: {type: string, format: binary}`), "", "format binary: raw bytes cannot be carried in JSON", "data: String"},
		{"OAS3 multipart without binary", oas3(`        content:
          multipart/form-data:
            schema:
              type: object
              properties:
                name: {type: string}`), "", "", "name: String"},
		{"Swagger 2 file parameters", `swagger: "2.0"
info: {title: t, version: "1"}
host: 127.0.0.1:9
paths:
  /up:
    post:
      operationId: up
      consumes: [multipart/form-data]
      parameters:
        - {name: note, in: formData, type: string}
        - {name: upload, in: formData, type: file, required: true}
      responses: {"200": {description: ok, schema: {type: object, properties: {ok: {type: boolean}}}}}
`, `files: ["upload"]`, "", "upload: String!"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			line, sdl, warnings := importOp(t, tt.doc)
			if tt.wantFiles == "" && strings.Contains(line, "files:") || tt.wantFiles != "" && !strings.Contains(line, ", "+tt.wantFiles+")") {
				t.Errorf("binding %s\nwant files %q", line, tt.wantFiles)
			}
			if tt.wantFiles != "" && !strings.Contains(line, `contentType: "multipart/form-data"`) {
				t.Errorf("binding %s is not multipart", line)
			}
			if got := strings.Contains(warnings, "format binary"); got != (tt.wantWarning != "") || !strings.Contains(warnings, tt.wantWarning) {
				t.Errorf("warnings:\n%s\nwant one with %q", warnings, tt.wantWarning)
			}
			if !strings.Contains(sdl, "\n  "+tt.wantField+"\n") {
				t.Errorf("SDL has no line %q:\n%s", tt.wantField, sdl)
			}
		})
	}
}

func TestImportRenamedInput(t *testing.T) {
	doc := oas3(`        content:
          application/json:
            schema:
              type: object
              properties:
                pet-type: {type: string}
                name: {type: string}
                keeper:
                  type: object
                  properties:
                    keeper-id: {type: integer}
                    since: {type: string}
                tags: {type: array, items: {type: object, properties: {tag name: {type: string}}}}`)
	line, sdl, warnings := importOp(t, doc)
	if !strings.Contains(line, `body: "{args.input}"`) {
		t.Errorf("binding %s does not send the input whole", line)
	}
	for _, want := range []string{`petType: String @from(key: "pet-type")`, `keeperId: Int @from(key: "keeper-id")`, `tagName: String @from(key: "tag name")`, "  name: String\n"} {
		if !strings.Contains(sdl, want) {
			t.Errorf("SDL has no %q:\n%s", want, sdl)
		}
	}
	if warnings != "" {
		t.Errorf("warnings:\n%s", warnings)
	}
	// What goes out is what the document names.
	s, err := schema.Build(schema.Source{File: "doc.graphql", Input: sdl}, restUpstreams("u"))
	if err != nil {
		t.Fatal(err)
	}
	body, err := s.Binding("Mutation", "up").Request.(*restbind.Binding).Body.AppendJSON(nil, &tmpl.Scope{Args: map[string]any{"input": map[string]any{
		"petType": "cat", "name": "Tom", "keeper": map[string]any{"keeperId": int64(1)}, "tags": []any{map[string]any{"tagName": "a"}},
	}}})
	if want := `{"keeper":{"keeper-id":1},"name":"Tom","pet-type":"cat","tags":[{"tag name":"a"}]}`; err != nil || string(body) != want {
		t.Errorf("body %s, %v\nwant %s", body, err, want)
	}
}
