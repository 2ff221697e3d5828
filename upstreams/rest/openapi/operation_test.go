package openapi

import (
	"errors"
	"strings"
	"testing"
)

// oas3Op is an OpenAPI 3.0 document of one operation: its method, path,
// and the rest of its YAML (parameters, requestBody, responses), indented
// as an operation's keys.
func oas3Op(method, path, rest string) string {
	return `openapi: 3.0.3
info: {title: t, version: "1"}
servers: [{url: "http://127.0.0.1:9"}]
paths:
  ` + path + `:
    ` + method + `:
      operationId: op
` + rest
}

// importText imports a document given as text for upstream u.
func importText(t *testing.T, doc string) *Result {
	t.Helper()
	d, err := Parse("doc.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Import(d, Options{Upstream: "u"})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

const okJSON = `      responses: {"200": {description: ok, content: {application/json: {schema: {type: object, properties: {ok: {type: boolean}}}}}}}
`

// TestImportOperationCases covers each way an operation's parts are
// kept, left out with a warning, or skip the operation.
func TestImportOperationCases(t *testing.T) {
	tests := []struct {
		name, doc string
		// imported says the operation became a field; its binding then
		// holds wantBinding.
		imported    bool
		wantBinding string
		// wantWarning is the one warning the import gives about the
		// operation, "" for none.
		wantWarning string
		// errorAnswers is Result.ErrorAnswers.
		errorAnswers bool
	}{
		{name: "plain",
			doc:      oas3Op("get", "/items/{id}", "      parameters: [{name: id, in: path, required: true, schema: {type: string}}, {name: q, in: query, schema: {type: string}}]\n"+okJSON),
			imported: true, wantBinding: `path: "/items/{args.id}?q={args.q}"`},
		{name: "unbalanced braces skip",
			doc:         oas3Op("get", "/items/{id", okJSON),
			wantWarning: `operation skipped: path "/items/{id" has unbalanced braces`},
		{name: "an optional parameter in an unknown location is left out",
			doc:      oas3Op("get", "/items", "      parameters: [{name: q, in: querystring, schema: {type: string}}]\n"+okJSON),
			imported: true, wantBinding: `path: "/items"`,
			wantWarning: `parameter "q" is in "querystring", which a binding cannot send: left out`},
		{name: "a required parameter in an unknown location skips",
			doc:         oas3Op("get", "/items", "      parameters: [{name: q, in: querystring, required: true, schema: {type: string}}]\n"+okJSON),
			wantWarning: `operation skipped: required parameter "q" is in "querystring", which a binding cannot send`},
		{name: "an optional header that is no token is left out",
			doc:      oas3Op("get", "/items", "      parameters: [{name: \"X Trace\", in: header, schema: {type: string}}]\n"+okJSON),
			imported: true, wantBinding: `path: "/items")`,
			wantWarning: `header parameter "X Trace" has a name a binding cannot write: left out`},
		{name: "a required query name with & skips",
			doc:         oas3Op("get", "/items", "      parameters: [{name: \"a&b\", in: query, required: true, schema: {type: string}}]\n"+okJSON),
			wantWarning: `operation skipped: required query parameter "a&b" has a name a binding cannot write`},
		{name: "Authorization is left out without a word, even when required",
			doc:      oas3Op("get", "/items", "      parameters: [{name: Authorization, in: header, required: true, schema: {type: string}}, {name: X-Trace, in: header, schema: {type: string}}]\n"+okJSON),
			imported: true, wantBinding: `headers: ["X-Trace: {args.xTrace}"])`},
		{name: "an undeclared path parameter skips",
			doc:         oas3Op("get", "/items/{id}", okJSON),
			wantWarning: `operation skipped: path parameter {id} is not declared`},
		{name: "a path parameter not in the path is left out",
			doc:      oas3Op("get", "/items", "      parameters: [{name: id, in: path, required: true, schema: {type: string}}]\n"+okJSON),
			imported: true, wantBinding: `path: "/items")`,
			wantWarning: `path parameter "id" is not in the path "/items": left out`},
		{name: "a path parameter named twice is one argument",
			doc:      oas3Op("get", "/a/{id}/b/{id}", "      parameters: [{name: id, in: path, required: true, schema: {type: string}}]\n"+okJSON),
			imported: true, wantBinding: `path: "/a/{args.id}/b/{args.id}")`},
		{name: "a required body of another media type skips",
			doc:         oas3Op("post", "/items", "      requestBody: {required: true, content: {application/xml: {schema: {type: object}}}}\n"+okJSON),
			wantWarning: `operation skipped: request body media types (application/xml) are none of JSON`},
		{name: "an optional body of another media type is left out",
			doc:      oas3Op("post", "/items", "      requestBody: {content: {application/xml: {schema: {type: object}}}}\n"+okJSON),
			imported: true, wantBinding: `method: "POST", path: "/items")`,
			wantWarning: `optional request body media types (application/xml) are none of JSON, application/x-www-form-urlencoded, multipart/form-data, text/* (of a string schema) and */* (of an object or array schema): left out`},
		{name: "a GET body is left out",
			doc:      oas3Op("get", "/items", "      requestBody: {content: {application/json: {schema: {type: object, properties: {a: {type: string}}}}}}\n"+okJSON),
			imported: true, wantBinding: `method: "GET", path: "/items")`,
			wantWarning: `a GET request cannot carry a body: the body is left out`},
		{name: "a form body names its content type",
			doc:      oas3Op("post", "/items", "      requestBody: {content: {application/x-www-form-urlencoded: {schema: {type: object, properties: {a: {type: string}}}}}}\n"+okJSON),
			imported: true, wantBinding: `contentType: "application/x-www-form-urlencoded", body: "{args.input}")`},
		{name: "a binary answer skips",
			doc:         oas3Op("get", "/items", "      responses: {\"200\": {description: ok, content: {image/png: {schema: {type: string, format: binary}}}}}\n"),
			wantWarning: `operation skipped: the 200 response is image/png; a field can hold a JSON or text answer only`},
		{name: "a text answer",
			doc:      oas3Op("get", "/items", "      responses: {\"200\": {description: ok, content: {text/plain: {schema: {type: string}}}}}\n"),
			imported: true, wantBinding: `op: String @rest(`},
		{name: "no content",
			doc:      oas3Op("delete", "/items", "      responses: {\"204\": {description: gone}}\n"),
			imported: true, wantBinding: `op: JSON @rest(`},
		{name: "no 2xx answer",
			doc:      oas3Op("get", "/items", "      responses: {\"404\": {description: none, content: {application/json: {schema: {type: object, properties: {msg: {type: string}}}}}}}\n"),
			imported: true, wantBinding: `op: JSON @rest(`,
			wantWarning:  `no 2xx response is declared: the field returns the answer as JSON`,
			errorAnswers: true},
		{name: "a default JSON answer is an error answer",
			doc:      oas3Op("get", "/items", "      responses: {\"200\": {description: ok, content: {text/plain: {schema: {type: string}}}}, default: {description: err, content: {application/problem+json: {schema: {type: object}}}}}\n"),
			imported: true, wantBinding: `op: String @rest(`, errorAnswers: true},
		{name: "a text error answer is none",
			doc:      oas3Op("get", "/items", "      responses: {\"200\": {description: ok, content: {text/plain: {schema: {type: string}}}}, \"500\": {description: err, content: {text/plain: {schema: {type: string}}}}}\n"),
			imported: true, wantBinding: `op: String @rest(`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Parse("doc.yaml", []byte(tt.doc))
			if err != nil {
				t.Fatal(err)
			}
			res, err := Import(d, Options{Upstream: "u"})
			var none *NoOperationsError
			if errors.As(err, &none) && !tt.imported {
				// The one operation skipped: the import says so, with
				// the reason.
				if len(none.Reasons) != 1 || !strings.Contains(none.Reasons[0].Msg, tt.wantWarning) || !strings.Contains(err.Error(), tt.wantWarning) {
					t.Errorf("error %v, want one reason with %q", err, tt.wantWarning)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := res.Operations == 1; got != tt.imported {
				t.Fatalf("imported %v, want %v (skipped %d)\n%s", got, tt.imported, res.Skipped, warningsText(res.Warnings))
			}
			if !tt.imported && res.Skipped != 1 {
				t.Errorf("skipped %d, want 1", res.Skipped)
			}
			if tt.imported {
				if !strings.Contains(res.SDL, tt.wantBinding) {
					t.Errorf("SDL lacks %s:\n%s", tt.wantBinding, res.SDL)
				}
				checkBuild(t, "doc.graphql", res.SDL, "u", res.AuthSchemes...)
			}
			var msgs []string
			for _, w := range res.Warnings {
				if w.Operation != "" {
					msgs = append(msgs, w.Msg)
				}
			}
			switch {
			case tt.wantWarning == "" && len(msgs) > 0:
				t.Errorf("warnings %q, want none", msgs)
			case tt.wantWarning != "" && (len(msgs) != 1 || !strings.Contains(msgs[0], tt.wantWarning)):
				t.Errorf("warnings %q, want one with %q", msgs, tt.wantWarning)
			}
			if res.ErrorAnswers != tt.errorAnswers {
				t.Errorf("ErrorAnswers %v, want %v", res.ErrorAnswers, tt.errorAnswers)
			}
		})
	}
}

func TestReadableAnswer(t *testing.T) {
	for mt, want := range map[string]bool{
		"": true, "application/json": true, "application/hal+json; charset=utf-8": true, "application/vnd.api.json": true,
		"text/plain": true, "TEXT/CSV": true, "application/xml": false, "image/png": false, "application/octet-stream": false,
	} {
		if got := readableAnswer(mt); got != want {
			t.Errorf("readableAnswer(%q) = %v, want %v", mt, got, want)
		}
	}
}
