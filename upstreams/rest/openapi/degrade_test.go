package openapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// degradeCase imports one of the small documents written for a way real
// documents go wrong, and says what must come of it.
type degradeCase struct {
	name, source string
	opts         Options
	// ops and skipped are Result.Operations and Skipped.
	ops, skipped int
	// sdl are lines (or parts of lines) the SDL must hold, and notSDL
	// parts it must not.
	sdl, notSDL []string
	// warnings are the import's warnings, each given by a part of its
	// text, in order: every warning must be listed.
	warnings []string
	// nothing, when set, says the import fails with a
	// *NoOperationsError whose reasons are warnings (as above).
	nothing []string
}

func degradeCases() []degradeCase {
	return []degradeCase{
		// Class 1: a property name @from cannot carry is left out, never
		// written as @from(key: ""), which the loader refuses.
		{name: "property names", source: "testdata/names/openapi.json", ops: 2,
			sdl: []string{
				"  name: String\n",
				`  labelColor2: String @from(key: "label-color")`,
				"  labelColor: Int\n",
				`  typename: String @from(key: "__typename")`,
				`  _9lives: Boolean @from(key: "9lives")`,
				`  tabKey: String @from(key: "tab\tkey")`,
				"  only: JSON\n",
				`body: "{args.input}"`,
			},
			notSDL: []string{`@from(key: "")`, `nul`},
			warnings: []string{
				`#/components/schemas/Label/properties/: (GET /labels) property "" is empty, and @from(key:) cannot name an empty key: left out`,
				`property "nul\x00key" holds a NUL character: left out`,
				`#/components/schemas/Label/properties/only/properties/: (GET /labels) property "" is empty`,
			}},
		{name: "form parameter names", source: "testdata/names/swagger.json", ops: 1,
			sdl:    []string{"input PostNoteInput {\n  text: String!\n}", `contentType: "application/x-www-form-urlencoded", body: "{args.input}"`},
			notSDL: []string{`@from(key: "")`},
			warnings: []string{
				`(POST /notes) query parameter "" has a name a binding cannot write: left out`,
				`(POST /notes) property "" is empty, and @from(key:) cannot name an empty key: left out`,
			}},
		// Class 2: $refs in extensions are not followed (the document
		// names a Markdown page and a missing file there); a $ref to a
		// missing file or a Markdown page fails only what uses it.
		{name: "references that cannot be followed", source: "testdata/refs/openapi.yaml", ops: 3, skipped: 1,
			sdl: []string{
				"listWidgets: [Widget!]",
				`  xRate: Rate @from(key: "x-rate")`,
				`  xPart: Part @from(key: "x-part")`,
				"listGadgets: JSON @rest(",
				"getNote: JSON @rest(",
			},
			notSDL: []string{"getPart"},
			warnings: []string{
				`testdata/refs/openapi.yaml:49:9: #/paths/~1parts~1{id}/parameters/0: (GET /parts/{id}) parameter $ref testdata/refs/parts/missing-params.yaml#/id cannot be followed (the file does not exist): left out`,
				`testdata/refs/openapi.yaml:37:23: #/paths/~1gadgets/get/responses/200/content/application~1json/schema: (GET /gadgets) $ref testdata/refs/parts/missing.yaml#/Gadget cannot be followed (the file does not exist): typed JSON`,
				`testdata/refs/openapi.yaml:46:23: #/paths/~1notes/get/responses/200/content/application~1json/schema: (GET /notes) $ref testdata/refs/parts/guide.md#/Note cannot be followed (it is not a JSON or YAML document): typed JSON`,
				`(GET /parts/{id}) operation skipped: path parameter {id} is not declared`,
			}},
		{name: "whole parts that cannot be followed", source: "testdata/refs/parts.yaml", ops: 2, skipped: 2,
			sdl: []string{
				"  ): JSON @rest(upstream: \"api\", method: \"GET\", path: \"/things/{args.id}\")",
				"  listThings: [Thing!] @rest(",
				"type Thing {\n  id: String\n  audit: JSON\n}",
			},
			notSDL: []string{"createThing", "Extra"},
			warnings: []string{
				`#/paths/~1gone: path item $ref testdata/refs/parts/gone.yaml cannot be followed (the file does not exist): its operations are not imported`,
				`#/components/schemas/Thing/allOf/1: (GET /things) allOf member $ref testdata/refs/parts/gone.yaml#/Extra cannot be followed (the file does not exist): left out`,
				`#/components/schemas/Thing/allOf/2/properties/audit: (GET /things) $ref https://example.com/things.yaml#/Audit cannot be followed (a local document may only reference local files): typed JSON`,
				`(POST /things) operation skipped: request body $ref testdata/refs/parts/gone.yaml#/ThingBody cannot be followed (the file does not exist)`,
				`(GET /things/{id}) the 200 response $ref testdata/refs/README.md#/Thing cannot be followed (it is not a JSON or YAML document (yaml: line 3: found character that cannot start any token)): the field returns the answer as JSON`,
			}},
		// Class 3: the depth to which schemas are mapped is an option.
		{name: "schema depth within the default", source: "testdata/limits/deep.yaml", ops: 1,
			sdl: []string{"type GetTreeResultABC {\n  d: String\n}"}},
		{name: "schema depth past the option", source: "testdata/limits/deep.yaml", opts: Options{MaxDepth: 3}, ops: 1,
			sdl:      []string{"type GetTreeResultAB {\n  c: JSON\n}"},
			notSDL:   []string{"GetTreeResultABC"},
			warnings: []string{`/properties/a/properties/b/properties/c: (GET /tree) schema nested more than 3 levels deep: typed JSON`}},
		// Class 5: */* and application/* bodies and answers of objects
		// and arrays are JSON; of anything else, what they were.
		{name: "media ranges, Swagger 2.0", source: "testdata/wildcard/swagger.json", ops: 4, skipped: 1,
			sdl: []string{
				`createNamespacedConfigMap(` + "\n    namespace: String!\n    input: ConfigMapInput!\n  ): ConfigMap @rest(upstream: \"api\", method: \"POST\", path: \"/api/v1/namespaces/{args.namespace}/configmaps\", body: \"{args.input}\")",
				`contentType: "application/json-patch+json", body: "{args.input}"`,
				"  ): String @rest(upstream: \"api\", method: \"GET\", path: \"/api/v1/namespaces/{args.namespace}/pods/{args.name}/log\")",
			},
			notSDL: []string{"createNamespacedPodBinding"},
			warnings: []string{
				`(POST /api/v1/namespaces/{namespace}/configmaps) request body media type */* names no one type: the body, an object or an array, is sent as application/json`,
				`(POST /api/v1/namespaces/{namespace}/pods/{name}/binding) operation skipped: request body media types (*/*) are none of JSON, application/x-www-form-urlencoded, multipart/form-data, text/* (of a string schema) and */* (of an object or array schema)`,
			}},
		{name: "media ranges, OpenAPI 3", source: "testdata/wildcard/openapi.yaml", ops: 2, skipped: 1,
			sdl: []string{
				`listUsers: [User!] @rest(upstream: "api", method: "GET", path: "/users")`,
				"  createUser(\n    input: UserInput!\n  ): User @rest(upstream: \"api\", method: \"POST\", path: \"/users\", body: \"{args.input}\")",
			},
			warnings: []string{
				`#/paths/~1users/get/responses/200/content/*~1*: (GET /users) the 200 response is */*, which names no one type: the answer, an object or an array, is read as JSON`,
				`(POST /users) request body media type application/* names no one type: the body, an object or an array, is sent as application/json`,
				`(POST /users) the 200 response is */*;q=0.8, which names no one type: the answer, an object or an array, is read as JSON`,
				`(GET /users/{id}/avatar) operation skipped: the 200 response is */*; a field holds an answer of a media range as JSON, for an object or array schema only`,
			}},
		// Class 8: form and text bodies, text answers; XML and binary
		// skipped, or typed from another JSON answer.
		{name: "bodies and answers that are not JSON", source: "testdata/bodies/openapi.yaml", ops: 6, skipped: 2,
			sdl: []string{
				`createToken(` + "\n    input: CreateTokenInput!\n  ): CreateTokenResult @rest(upstream: \"api\", method: \"POST\", path: \"/oauth/token\", contentType: \"application/x-www-form-urlencoded\", body: \"{args.input}\")",
				`  clientId: String @from(key: "client-id")`,
				"  createNote(\n    input: String!\n  ): String @rest(upstream: \"api\", method: \"POST\", path: \"/notes\", contentType: \"text/plain\", body: \"{args.input}\")",
				`contentType: "text/csv", body: "{args.input}"`,
				"  ): String @rest(upstream: \"api\", method: \"PUT\", path: \"/notes/{args.id}/meta\")",
				"  ): GetReportResult @rest(",
				"type GetFeedResult {\n  entries: [String!]\n}",
			},
			notSDL: []string{"createOrderXML", "getImage"},
			warnings: []string{
				`(PUT /notes/{id}/meta) optional request body media types (text/plain) are none of`,
				`(POST /orders) operation skipped: request body media types (application/xml) are none of`,
				`(GET /feeds/{id}) the 200 response is application/atom+xml, which a field cannot hold: the field is typed from the 206 response (application/json)`,
				`(GET /images/{id}) operation skipped: the 200 response is image/png; a field can hold a JSON or text answer only`,
			}},
		// Class 6: no operation is no import, and the error says why.
		{name: "webhooks only", source: "testdata/nothing/webhooks.yaml",
			nothing: []string{
				`testdata/nothing/webhooks.yaml:4:3: #/webhooks: 1 webhook is a call the API makes, not operations a gateway can call: not imported`,
				`#/paths: the document has no operations: nothing to expose`,
			}},
		{name: "every operation skipped", source: "testdata/nothing/skipped.yaml",
			nothing: []string{
				`(HEAD /status) operation skipped: @rest sends GET, POST, PUT, PATCH and DELETE only`,
				`(GET /exports/{id}) operation skipped: the 200 response is application/zip`,
				`(POST /imports) operation skipped: request body media types (application/xml) are none of`,
			}},
	}
}

// TestImportDegrades imports the documents written for each way real
// documents go wrong: what can be imported is, the rest is left out with
// one warning each, and the result loads.
func TestImportDegrades(t *testing.T) {
	for _, tt := range degradeCases() {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := Load(context.Background(), tt.source, LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			opts := tt.opts
			opts.Upstream = "api"
			res, err := Import(doc, opts)
			var none *NoOperationsError
			if errors.As(err, &none) {
				if tt.nothing == nil {
					t.Fatalf("nothing imported: %v", err)
				}
				matchWarnings(t, none.Reasons, tt.nothing)
				if !strings.Contains(err.Error(), tt.nothing[0]) {
					t.Errorf("the error does not say why:\n%v", err)
				}
				checkPrecise(t, none.Warnings)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.nothing != nil {
				t.Fatalf("imported %d operations; want nothing imported", res.Operations)
			}
			if res.Operations != tt.ops || res.Skipped != tt.skipped {
				t.Errorf("operations %d, skipped %d; want %d, %d\n%s", res.Operations, res.Skipped, tt.ops, tt.skipped, warningsText(res.Warnings))
			}
			for _, want := range tt.sdl {
				if !strings.Contains(res.SDL, want) {
					t.Errorf("the SDL lacks %q:\n%s", want, res.SDL)
				}
			}
			for _, not := range tt.notSDL {
				if strings.Contains(res.SDL, not) {
					t.Errorf("the SDL holds %q:\n%s", not, res.SDL)
				}
			}
			matchWarnings(t, res.Warnings, tt.warnings)
			checkPrecise(t, res.Warnings)
			checkTemplates(t, parseSDL(t, tt.name+".graphql", res.SDL))
			checkBuild(t, tt.name+".graphql", res.SDL, "api", res.AuthSchemes...)
		})
	}
}

// matchWarnings checks that ws are, in order, one warning for each part
// of a text in want.
func matchWarnings(t *testing.T, ws []Warning, want []string) {
	t.Helper()
	ok := len(ws) == len(want)
	for i := 0; ok && i < len(ws); i++ {
		ok = strings.Contains(ws[i].String(), want[i])
	}
	if !ok {
		t.Errorf("warnings:\n%s\nwant, in order, one with each of:\n%s", warningsText(ws), strings.Join(want, "\n"))
	}
}

// TestRefsOverHTTP loads the document whose $refs cannot all be followed
// from a server: a 404 is a file that does not exist, and fails what uses
// it only, as on disk.
func TestRefsOverHTTP(t *testing.T) {
	srv := httptest.NewServer(http.FileServer(http.Dir("testdata/refs")))
	defer srv.Close()
	doc, err := Load(context.Background(), srv.URL+"/openapi.yaml", LoadOptions{Client: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Import(doc, Options{Upstream: "api"})
	if err != nil {
		t.Fatal(err)
	}
	local := importFile(t, "testdata/refs/openapi.yaml", Options{Upstream: "api"})
	if res.SDL != local.SDL {
		t.Errorf("the SDL from HTTP differs from the one from disk:\n%s", diff(local.SDL, res.SDL))
	}
	matchWarnings(t, res.Warnings, []string{
		`(GET /parts/{id}) parameter $ref ` + srv.URL + `/parts/missing-params.yaml#/id cannot be followed (HTTP 404): left out`,
		`(GET /gadgets) $ref ` + srv.URL + `/parts/missing.yaml#/Gadget cannot be followed (HTTP 404): typed JSON`,
		`(GET /notes) $ref ` + srv.URL + `/parts/guide.md#/Note cannot be followed (it is not a JSON or YAML document): typed JSON`,
		`(GET /parts/{id}) operation skipped: path parameter {id} is not declared`,
	})
}

// TestLimits checks that each limit stops a load or an import where it
// says, with an error that names it, and that the defaults hold a
// document of thousands of files.
func TestLimits(t *testing.T) {
	tests := []struct {
		name   string
		source string
		opts   LoadOptions
		// limit is the LimitError's, "" for a load that succeeds.
		limit string
	}{
		{"files within the default", "testdata/library/openapi.yaml", LoadOptions{}, ""},
		{"files past the option", "testdata/library/openapi.yaml", LoadOptions{MaxFiles: 3}, "MaxFiles"},
		{"files within the option", "testdata/library/openapi.yaml", LoadOptions{MaxFiles: 7}, ""},
		{"bytes past the option", "testdata/library/openapi.yaml", LoadOptions{MaxBytes: 2000}, "MaxBytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(context.Background(), tt.source, tt.opts)
			var le *LimitError
			switch {
			case tt.limit == "" && err != nil:
				t.Fatal(err)
			case tt.limit != "" && (!errors.As(err, &le) || le.Limit != tt.limit):
				t.Fatalf("err = %v, want a %s LimitError", err, tt.limit)
			}
		})
	}
	t.Run("thousands of files within the default", func(t *testing.T) {
		if testing.Short() {
			t.Skip("writes and reads 2,909 files")
		}
		const n = 1454 // a path file and a schema file each: 2,909 files with the root
		root := writeManyFiles(t, n)
		doc, err := Load(context.Background(), root, LoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		res, err := Import(doc, Options{Upstream: "api"})
		if err != nil {
			t.Fatal(err)
		}
		if res.Operations != n || len(res.Warnings) != 0 {
			t.Fatalf("imported %d operations, want %d; warnings:\n%s", res.Operations, n, warningsText(res.Warnings))
		}
		if !strings.Contains(res.SDL, fmt.Sprintf("type S%d {\n  id: String\n  n%d: Int\n}", n-1, n-1)) {
			t.Errorf("the last schema file is not mapped")
		}
		_, err = Load(context.Background(), root, LoadOptions{MaxFiles: 2*n - 1})
		var le *LimitError
		if !errors.As(err, &le) || le.Limit != "MaxFiles" || !strings.Contains(err.Error(), fmt.Sprintf("more than %d files", 2*n-1)) {
			t.Fatalf("err = %v, want the MaxFiles limit", err)
		}
	})
}

// writeManyFiles writes a document of n operations whose path items and
// schemas are files of their own, and returns its root.
func writeManyFiles(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{"paths", "schemas"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	var root strings.Builder
	root.WriteString("openapi: 3.0.3\ninfo: {title: many, version: \"1\"}\nservers: [{url: \"http://127.0.0.1:9\"}]\npaths:\n")
	for i := range n {
		fmt.Fprintf(&root, "  /items%d:\n    $ref: paths/p%d.yaml\n", i, i)
		p := fmt.Sprintf("get:\n  operationId: getItem%d\n  responses:\n    \"200\":\n      description: ok\n      content:\n        application/json:\n          schema: {$ref: \"../schemas/s%d.yaml\"}\n", i, i)
		s := fmt.Sprintf("type: object\nproperties:\n  id: {type: string}\n  n%d: {type: integer}\n", i)
		if err := os.WriteFile(filepath.Join(dir, "paths", fmt.Sprintf("p%d.yaml", i)), []byte(p), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "schemas", fmt.Sprintf("s%d.yaml", i)), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	name := filepath.Join(dir, "openapi.yaml")
	if err := os.WriteFile(name, []byte(root.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return name
}
