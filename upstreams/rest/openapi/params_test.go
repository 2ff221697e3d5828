package openapi

import (
	"strings"
	"testing"
)

// oas3Get is an OpenAPI 3.0 document of one GET /items operation with the
// parameters given.
func oas3Get(params string) string {
	return `openapi: 3.0.3
info: {title: t, version: "1"}
servers: [{url: "http://127.0.0.1:9"}]
paths:
  /items:
    get:
      operationId: items
      parameters:
` + params + `
      responses: {"200": {description: ok, content: {application/json: {schema: {type: array, items: {type: string}}}}}}
`
}

// swagger2Get is a Swagger 2.0 document of one GET /items operation.
func swagger2Get(params string) string {
	return `swagger: "2.0"
info: {title: t, version: "1"}
host: 127.0.0.1:9
paths:
  /items:
    get:
      operationId: items
      parameters:
` + params + `
      responses: {"200": {description: ok, schema: {type: array, items: {type: string}}}}
`
}

func TestImportArrayParameters(t *testing.T) {
	const serialization = "not in the serialization the document gives"
	tests := []struct {
		name, doc string
		// want is part of the binding.
		want string
		// wantWarning is part of a warning, "" for no warning.
		wantWarning string
	}{
		{"OAS3 query array explodes by default", oas3Get(`        - {name: tag, in: query, schema: {type: array, items: {type: string}}}`),
			`path: "/items?tag={args.tag*}"`, ""},
		{"OAS3 form, explode true", oas3Get(`        - {name: tag, in: query, style: form, explode: true, schema: {type: array, items: {type: integer}}}`),
			`path: "/items?tag={args.tag*}"`, ""},
		{"OAS3 explode false is comma-joined", oas3Get(`        - {name: tag, in: query, explode: false, schema: {type: array, items: {type: string}}}`),
			`path: "/items?tag={args.tag}"`, ""},
		{"OAS3 a scalar is not exploded", oas3Get(`        - {name: limit, in: query, schema: {type: integer}}`),
			`path: "/items?limit={args.limit}"`, ""},
		{"OAS3 spaceDelimited", oas3Get(`        - {name: tag, in: query, style: spaceDelimited, schema: {type: array, items: {type: string}}}`),
			`path: "/items?tag={args.tag}"`, serialization},
		{"OAS3 pipeDelimited, explode true", oas3Get(`        - {name: tag, in: query, style: pipeDelimited, explode: true, schema: {type: array, items: {type: string}}}`),
			`path: "/items?tag={args.tag}"`, serialization},
		{"OAS3 header array is comma-joined", oas3Get(`        - {name: X-Tag, in: header, schema: {type: array, items: {type: string}}}`),
			`headers: ["X-Tag: {args.xTag}"]`, ""},
		{"OAS3 an exploded object", oas3Get(`        - {name: filter, in: query, style: deepObject, explode: true, schema: {type: object, properties: {a: {type: string}}}}`),
			`path: "/items?filter={args.filter}"`, `parameter "filter" is an object: it is sent as JSON text`},
		{"Swagger 2 multi", swagger2Get(`        - {name: tag, in: query, type: array, items: {type: string}, collectionFormat: multi}`),
			`path: "/items?tag={args.tag*}"`, ""},
		{"Swagger 2 csv by default", swagger2Get(`        - {name: tag, in: query, type: array, items: {type: string}}`),
			`path: "/items?tag={args.tag}"`, ""},
		{"Swagger 2 pipes", swagger2Get(`        - {name: tag, in: query, type: array, items: {type: string}, collectionFormat: pipes}`),
			`path: "/items?tag={args.tag}"`, serialization},
		{"Swagger 2 multi on a header", swagger2Get(`        - {name: X-Tag, in: header, type: array, items: {type: string}, collectionFormat: multi}`),
			`headers: ["X-Tag: {args.xTag}"]`, serialization},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			line, _, warnings := importOp(t, tt.doc)
			if !strings.Contains(line, tt.want) {
				t.Errorf("binding %s\nwant %s", line, tt.want)
			}
			if tt.wantWarning == "" && warnings != "" || !strings.Contains(warnings, tt.wantWarning) {
				t.Errorf("warnings:\n%s\nwant %q", warnings, tt.wantWarning)
			}
		})
	}
}
