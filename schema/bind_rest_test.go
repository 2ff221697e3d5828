package schema

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// restHead gives each test schema the Query field a schema needs.
const restHead = "type Query { q: String @rest(upstream: \"reviews\", path: \"/q\") }\n"

func TestRESTFiles(t *testing.T) {
	tests := []struct {
		name, sdl string
		want      []string
	}{
		{"keys of a body object", `type Mutation { up(name: String, data: String!): String @rest(upstream: "reviews", method: "POST", path: "/up",
			contentType: "multipart/form-data", body: {name: "{args.name}", data: "{args.data}"}, files: ["data"]) }`, []string{"data"}},
		{"keys of a JSON string body", `type Mutation { up(data: [String!]): String @rest(upstream: "reviews", method: "POST", path: "/up",
			contentType: "multipart/form-data", body: """{"the-data": "{args.data}", "kind": "photo"}""", files: ["the-data"]) }`, []string{"the-data"}},
		{"fields of an input body", `type Mutation { up(input: UpInput): String @rest(upstream: "reviews", method: "POST", path: "/up",
			contentType: "MULTIPART/FORM-DATA", body: "{args.input}", files: ["front", "back"]) }
			input UpInput { caption: String front: String! back: Base64 }
			scalar Base64`, []string{"front", "back"}},
		{"one file as a string", `type Mutation { up(input: UpInput): String @rest(upstream: "reviews", method: "POST", path: "/up",
			contentType: "multipart/form-data", body: "{args.input}", files: "file") }
			input UpInput { file: ID }`, []string{"file"}},
		{"a literal value", `type Mutation { up: String @rest(upstream: "reviews", method: "POST", path: "/up",
			contentType: "multipart/form-data", body: {file: "aGk="}, files: ["file"]) }`, []string{"file"}},
		{"no files", `type Mutation { up(input: UpInput): String @rest(upstream: "reviews", method: "POST", path: "/up",
			contentType: "multipart/form-data", body: "{args.input}") }
			input UpInput { file: String }`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := build(t, restHead+tt.sdl)
			if err != nil {
				t.Fatal(err)
			}
			got := s.Binding("Mutation", "up").REST.Files
			if !slices.Equal(got, tt.want) {
				t.Fatalf("Files = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRESTFilesErrors(t *testing.T) {
	tests := []struct {
		name, sdl, want string
	}{
		{"not multipart", `type Mutation { up(data: String): String @rest(upstream: "reviews", method: "POST", path: "/up",
			body: {data: "{args.data}"}, files: ["data"]) }`,
			`api.graphql:3:33: Mutation.up @rest: files are parts of a multipart body; set contentType: "multipart/form-data"`},
		{"a form", `type Mutation { up(data: String): String @rest(upstream: "reviews", method: "POST", path: "/up",
			contentType: "application/x-www-form-urlencoded", body: {data: "{args.data}"}, files: ["data"]) }`,
			`files are parts of a multipart body`},
		{"not a key of the object", `type Mutation { up(data: String): String @rest(upstream: "reviews", method: "POST", path: "/up",
			contentType: "multipart/form-data", body: {data: "{args.data}", kind: "x"}, files: ["dta"]) }`,
			`api.graphql:3:80: Mutation.up @rest: files: "dta" is not a key of the body (its keys: data, kind) (did you mean "data"?)`},
		{"not a field of the input", `type Mutation { up(input: UpInput): String @rest(upstream: "reviews", method: "POST", path: "/up",
			contentType: "multipart/form-data", body: "{args.input}", files: ["photo"]) }
			input UpInput { file: String caption: String }`,
			`files: "photo" is not a key of the body (its keys: file, caption)`},
		{"below the top level", `type Mutation { up(input: UpInput): String @rest(upstream: "reviews", method: "POST", path: "/up",
			contentType: "multipart/form-data", body: "{args.input}", files: ["meta.file"]) }
			input UpInput { meta: Meta } input Meta { file: String }`,
			`files: "meta.file" is not a key of the body (its keys: meta)`},
		{"listed twice", `type Mutation { up(input: UpInput): String @rest(upstream: "reviews", method: "POST", path: "/up",
			contentType: "multipart/form-data", body: "{args.input}", files: ["file", "file"]) }
			input UpInput { file: String }`,
			`files: "file" is listed twice`},
		{"an Int field", `type Mutation { up(input: UpInput): String @rest(upstream: "reviews", method: "POST", path: "/up",
			contentType: "multipart/form-data", body: "{args.input}", files: ["size"]) }
			input UpInput { size: Int }`,
			`files: "size" holds a Int; a file part is given as base64 text`},
		{"an input object field", `type Mutation { up(input: UpInput): String @rest(upstream: "reviews", method: "POST", path: "/up",
			contentType: "multipart/form-data", body: "{args.input}", files: ["meta"]) }
			input UpInput { meta: Meta } input Meta { file: String }`,
			`files: "meta" holds a Meta`},
		{"an enum argument in an object body", `type Mutation { up(kind: Kind): String @rest(upstream: "reviews", method: "POST", path: "/up",
			contentType: "multipart/form-data", body: {kind: "{args.kind}"}, files: ["kind"]) }
			enum Kind { A B }`,
			`files: "kind" holds a Kind`},
		{"a body that is a scalar argument", `type Mutation { up(data: String): String @rest(upstream: "reviews", method: "POST", path: "/up",
			contentType: "multipart/form-data", body: "{args.data}", files: ["data"]) }`,
			`files name keys of the body, but the body {args.data} is not an input object`},
		{"a body that is a list of inputs", `type Mutation { up(input: [UpInput!]): String @rest(upstream: "reviews", method: "POST", path: "/up",
			contentType: "multipart/form-data", body: "{args.input}", files: ["file"]) }
			input UpInput { file: String }`,
			`the body {args.input} is not an input object`},
		{"a body of text", `type Mutation { up(data: String): String @rest(upstream: "reviews", method: "POST", path: "/up",
			contentType: "multipart/form-data", body: "x={args.data}", files: ["data"]) }`,
			`files name keys of the body, which must be an object or one argument of an input object type`},
		{"not a list of strings", `type Mutation { up(data: String): String @rest(upstream: "reviews", method: "POST", path: "/up",
			contentType: "multipart/form-data", body: {data: "{args.data}"}, files: [1]) }`,
			`argument "files" must be a list of strings, got 1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := build(t, restHead+tt.sdl)
			var es Errors
			if !errors.As(err, &es) {
				t.Fatalf("Build error = %v, want Errors containing %q", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error:\n%v\nwant it to contain:\n%s", err, tt.want)
			}
		})
	}
}
