package rest_test

import (
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"slices"
	"strings"
	"testing"

	"github.com/weft-gateway/weft/internal/tmpl"
	"github.com/weft-gateway/weft/schema"
	"github.com/weft-gateway/weft/upstreams"
	"github.com/weft-gateway/weft/upstreams/rest"
)

// bodySDL binds an optional body argument in each encoding a REST binding
// can ask for, and a body object with optional entries.
const bodySDL = `
type Mutation {
  json(input: In): Boolean @rest(upstream: "reviews", method: "POST", path: "/json", body: "{args.input}")
  patch(input: In): Boolean @rest(upstream: "reviews", method: "PATCH", path: "/patch", contentType: "application/merge-patch+json", body: "{args.input}")
  form(input: In): Boolean @rest(upstream: "reviews", method: "POST", path: "/form", contentType: "application/x-www-form-urlencoded", body: "{args.input}")
  multi(input: In): Boolean @rest(upstream: "reviews", method: "POST", path: "/multi", contentType: "multipart/form-data", body: "{args.input}")
  entries(name: String, tag: String): Boolean @rest(upstream: "reviews", method: "POST", path: "/entries", body: {name: "{args.name}", tag: "{args.tag}"})
  formEntries(name: String, tag: String): Boolean @rest(upstream: "reviews", method: "POST", path: "/form", contentType: "application/x-www-form-urlencoded", body: {name: "{args.name}", tag: "{args.tag}"})
}
type Query { ping: Boolean @rest(upstream: "reviews", path: "/ping") }
input In { name: String tag: String }
`

// TestOptionalBody checks what goes out for a body argument that is given,
// given as null, or not given, and for body entries left out: a JSON body
// left out is no body and no Content-Type; a form left out or null is a
// form with no fields.
func TestOptionalBody(t *testing.T) {
	s, err := schema.Build(schema.Source{File: "body.graphql", Input: bodySDL}, schema.Options{
		Binders:   testBinders(),
		Upstreams: map[string]schema.UpstreamInfo{"reviews": {Name: "reviews", Kind: rest.KindName, Version: "1"}},
	})
	if err != nil {
		t.Fatalf("schema.Build: %v", err)
	}
	rec := newRecorder(t, ok)
	up := newUpstream(t, rec.URL, "")
	in := map[string]any{"name": "Rex", "tag": "dog"}
	tests := []struct {
		name, field string
		args        map[string]any
		// wantType is the media type sent, "" for no Content-Type header.
		wantType, wantBody string
	}{
		{"JSON body given", "json", map[string]any{"input": in}, "application/json", `{"name":"Rex","tag":"dog"}`},
		{"JSON body given as null", "json", map[string]any{"input": nil}, "application/json", `null`},
		{"JSON body absent", "json", map[string]any{}, "", ``},
		{"JSON body absent, nil args", "json", nil, "", ``},
		{"merge-patch body absent", "patch", map[string]any{}, "", ``},
		{"merge-patch body of one field", "patch", map[string]any{"input": map[string]any{"tag": "cat"}}, "application/merge-patch+json", `{"tag":"cat"}`},
		{"form given", "form", map[string]any{"input": in}, "application/x-www-form-urlencoded", `name=Rex&tag=dog`},
		{"form given as null", "form", map[string]any{"input": nil}, "application/x-www-form-urlencoded", ``},
		{"form absent", "form", map[string]any{}, "application/x-www-form-urlencoded", ``},
		{"form given empty", "form", map[string]any{"input": map[string]any{}}, "application/x-www-form-urlencoded", ``},
		{"multipart given", "multi", map[string]any{"input": in}, "multipart/form-data", `name=Rex&tag=dog`},
		{"multipart given as null", "multi", map[string]any{"input": nil}, "multipart/form-data", ``},
		{"multipart absent", "multi", map[string]any{}, "multipart/form-data", ``},
		{"entries all given", "entries", map[string]any{"name": "Rex", "tag": "dog"}, "application/json", `{"name":"Rex","tag":"dog"}`},
		{"entry absent is left out", "entries", map[string]any{"name": "Rex"}, "application/json", `{"name":"Rex"}`},
		{"entry given as null is sent", "entries", map[string]any{"name": "Rex", "tag": nil}, "application/json", `{"name":"Rex","tag":null}`},
		{"every entry absent", "entries", map[string]any{}, "application/json", `{}`},
		{"form entry absent", "formEntries", map[string]any{"tag": "dog"}, "application/x-www-form-urlencoded", `tag=dog`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &upstreams.Call{Binding: binding(t, s, "Mutation", tt.field), Scope: &tmpl.Scope{Args: tt.args}}
			if err := up.Prepare(c); err != nil {
				t.Fatalf("Prepare: %v", err)
			}
			res, err := up.Do(context.Background(), c)
			if err != nil {
				t.Fatalf("Do: %v", err)
			}
			res.Release()
			got := <-rec.got
			ct := got.header.Get("Content-Type")
			mt, params, _ := mime.ParseMediaType(ct)
			if mt != tt.wantType {
				t.Errorf("Content-Type = %q, want %q", ct, tt.wantType)
			}
			body := got.body
			if mt == "multipart/form-data" {
				body = multipartText(t, body, params["boundary"])
			}
			if body != tt.wantBody {
				t.Errorf("body = %q, want %q", body, tt.wantBody)
			}
			if tt.wantType == "" && got.header.Get("Content-Length") != "" && got.header.Get("Content-Length") != "0" {
				t.Errorf("Content-Length = %q for no body", got.header.Get("Content-Length"))
			}
		})
	}
}

// multipartText writes a multipart body's parts as name=value&..., in order.
func multipartText(t *testing.T, body, boundary string) string {
	t.Helper()
	r := multipart.NewReader(strings.NewReader(body), boundary)
	var parts []string
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			return strings.Join(parts, "&")
		}
		if err != nil {
			t.Fatalf("multipart: %v", err)
		}
		v, err := io.ReadAll(p)
		if err != nil {
			t.Fatalf("multipart part %s: %v", p.FormName(), err)
		}
		parts = append(parts, p.FormName()+"="+string(v))
	}
}

// filesSDL sends file parts: from an input object's fields and from the
// keys of a body object.
const filesSDL = `
type Mutation {
  upload(input: Upload): Boolean @rest(upstream: "reviews", method: "POST", path: "/upload",
    contentType: "multipart/form-data", body: "{args.input}", files: ["file", "more"])
  photo(data: String, caption: String): Boolean @rest(upstream: "reviews", method: "POST", path: "/photo",
    contentType: "multipart/form-data", body: {caption: "{args.caption}", data: "{args.data}"}, files: ["data"])
  fixed: Boolean @rest(upstream: "reviews", method: "POST", path: "/fixed",
    contentType: "multipart/form-data", body: {file: "aGk=", n: 1}, files: ["file"])
}
type Query { ping: Boolean @rest(upstream: "reviews", path: "/ping") }
input Upload { name: String file: String more: [String] }
`

// part is one part of a multipart body, as a server reads it.
type part struct {
	name, filename, contentType, data string
}

func TestMultipartFiles(t *testing.T) {
	s, err := schema.Build(schema.Source{File: "files.graphql", Input: filesSDL}, schema.Options{
		Binders:   testBinders(),
		Upstreams: map[string]schema.UpstreamInfo{"reviews": {Name: "reviews", Kind: rest.KindName, Version: "1"}},
	})
	if err != nil {
		t.Fatalf("schema.Build: %v", err)
	}
	rec := newRecorder(t, ok)
	up := newUpstream(t, rec.URL, "")
	const octets = "application/octet-stream"
	tests := []struct {
		name, field string
		args        map[string]any
		want        []part
	}{
		{"standard base64, fields in key order", "upload", map[string]any{"input": map[string]any{"name": "Rex", "file": "aGVsbG8gdGlnZXI="}},
			[]part{{"file", "file", octets, "hello tiger"}, {"name", "", "", "Rex"}}},
		{"unpadded", "upload", map[string]any{"input": map[string]any{"file": "aGVsbG8gdGlnZXI"}},
			[]part{{"file", "file", octets, "hello tiger"}}},
		{"URL-safe alphabet", "upload", map[string]any{"input": map[string]any{"file": "-_-_"}},
			[]part{{"file", "file", octets, "\xfb\xff\xbf"}}},
		{"URL-safe, padded", "upload", map[string]any{"input": map[string]any{"file": "_w=="}},
			[]part{{"file", "file", octets, "\xff"}}},
		{"standard alphabet with + and /", "upload", map[string]any{"input": map[string]any{"file": "+/+/"}},
			[]part{{"file", "file", octets, "\xfb\xff\xbf"}}},
		{"line breaks as MIME writes them", "upload", map[string]any{"input": map[string]any{"file": "aGVsbG8g\r\ndGlnZXI="}},
			[]part{{"file", "file", octets, "hello tiger"}}},
		{"empty file", "upload", map[string]any{"input": map[string]any{"file": ""}},
			[]part{{"file", "file", octets, ""}}},
		{"a list is one part per file, nulls left out", "upload", map[string]any{"input": map[string]any{"more": []any{"YQ==", nil, "Yg=="}}},
			[]part{{"more", "more", octets, "a"}, {"more", "more", octets, "b"}}},
		{"a null file is left out", "upload", map[string]any{"input": map[string]any{"name": "x", "file": nil}},
			[]part{{"name", "", "", "x"}}},
		{"a key of a body object", "photo", map[string]any{"caption": "asleep", "data": "AAEC"},
			[]part{{"caption", "", "", "asleep"}, {"data", "data", octets, "\x00\x01\x02"}}},
		{"a literal file", "fixed", nil,
			[]part{{"file", "file", octets, "hi"}, {"n", "", "", "1"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &upstreams.Call{Binding: binding(t, s, "Mutation", tt.field), Scope: &tmpl.Scope{Args: tt.args}}
			if err := up.Prepare(c); err != nil {
				t.Fatalf("Prepare: %v", err)
			}
			res, err := up.Do(context.Background(), c)
			if err != nil {
				t.Fatalf("Do: %v", err)
			}
			res.Release()
			got := <-rec.got
			mt, params, err := mime.ParseMediaType(got.header.Get("Content-Type"))
			if err != nil || mt != "multipart/form-data" {
				t.Fatalf("Content-Type = %q", got.header.Get("Content-Type"))
			}
			parts := multipartParts(t, got.body, params["boundary"])
			if !slices.Equal(parts, tt.want) {
				t.Errorf("parts:\n%q\nwant:\n%q", parts, tt.want)
			}
		})
	}
}

func TestMultipartFilesErrors(t *testing.T) {
	s, err := schema.Build(schema.Source{File: "files.graphql", Input: filesSDL}, schema.Options{
		Binders:   testBinders(),
		Upstreams: map[string]schema.UpstreamInfo{"reviews": {Name: "reviews", Kind: rest.KindName, Version: "1"}},
	})
	if err != nil {
		t.Fatalf("schema.Build: %v", err)
	}
	up := newUpstream(t, "http://127.0.0.1:1", "")
	tests := []struct {
		name, field string
		args        map[string]any
		want        string
	}{
		{"not base64", "upload", map[string]any{"input": map[string]any{"file": "JPEG DATA!"}}, `file part "file": the value is not base64`},
		{"mixed alphabets", "upload", map[string]any{"input": map[string]any{"file": "+_=="}}, `file part "file": the value is not base64`},
		{"bad padding", "upload", map[string]any{"input": map[string]any{"file": "YQ="}}, `file part "file": the value is not base64`},
		{"one bad item of a list", "upload", map[string]any{"input": map[string]any{"more": []any{"YQ==", "?"}}}, `file part "more": the value is not base64`},
		{"a number", "photo", map[string]any{"data": int64(1234)}, `file part "data": the value is not base64`},
		{"an object", "photo", map[string]any{"data": map[string]any{"a": "YQ=="}}, `file part "data": the value is not base64`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := up.Prepare(&upstreams.Call{Binding: binding(t, s, "Mutation", tt.field), Scope: &tmpl.Scope{Args: tt.args}})
			var ue *upstreams.Error
			if !errors.As(err, &ue) || ue.Code != upstreams.CodeBadRequest {
				t.Fatalf("Prepare error = %v, want UPSTREAM_REQUEST_INVALID", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

// multipartParts reads a multipart body as a server does.
func multipartParts(t *testing.T, body, boundary string) []part {
	t.Helper()
	r := multipart.NewReader(strings.NewReader(body), boundary)
	var parts []part
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			return parts
		}
		if err != nil {
			t.Fatalf("multipart: %v", err)
		}
		v, err := io.ReadAll(p)
		if err != nil {
			t.Fatalf("multipart part %s: %v", p.FormName(), err)
		}
		parts = append(parts, part{p.FormName(), p.FileName(), p.Header.Get("Content-Type"), string(v)})
	}
}

// renamedSDL sends an input type whose fields @from renames, in each body
// encoding.
const renamedSDL = `
type Mutation {
  json(input: Pet): Boolean @rest(upstream: "reviews", method: "POST", path: "/json", body: "{args.input}")
  form(input: Pet): Boolean @rest(upstream: "reviews", method: "POST", path: "/form", contentType: "application/x-www-form-urlencoded", body: "{args.input}")
  multi(input: Pet): Boolean @rest(upstream: "reviews", method: "POST", path: "/multi", contentType: "multipart/form-data", body: "{args.input}", files: ["photo-file"])
}
type Query { ping: Boolean @rest(upstream: "reviews", path: "/ping") }
input Pet {
  petType: String @from(key: "pet-type")
  photo: String @from(key: "photo-file")
  keeper: Keeper
}
input Keeper { keeperId: Int @from(key: "keeper-id") }
`

func TestRenamedBodies(t *testing.T) {
	s, err := schema.Build(schema.Source{File: "renamed.graphql", Input: renamedSDL}, schema.Options{
		Binders:   testBinders(),
		Upstreams: map[string]schema.UpstreamInfo{"reviews": {Name: "reviews", Kind: rest.KindName, Version: "1"}},
	})
	if err != nil {
		t.Fatalf("schema.Build: %v", err)
	}
	rec := newRecorder(t, ok)
	up := newUpstream(t, rec.URL, "")
	pet := map[string]any{"petType": "cat", "photo": "aGk=", "keeper": map[string]any{"keeperId": int64(7)}}
	tests := []struct {
		field, want string
	}{
		{"json", `{"keeper":{"keeper-id":7},"pet-type":"cat","photo-file":"aGk="}`},
		{"form", `keeper=%7B%22keeper-id%22%3A7%7D&pet-type=cat&photo-file=aGk%3D`},
		{"multi", `keeper={"keeper-id":7}&pet-type=cat&photo-file=hi`},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			c := &upstreams.Call{Binding: binding(t, s, "Mutation", tt.field), Scope: &tmpl.Scope{Args: map[string]any{"input": pet}}}
			if err := up.Prepare(c); err != nil {
				t.Fatalf("Prepare: %v", err)
			}
			res, err := up.Do(context.Background(), c)
			if err != nil {
				t.Fatalf("Do: %v", err)
			}
			res.Release()
			got := <-rec.got
			body := got.body
			if _, params, _ := mime.ParseMediaType(got.header.Get("Content-Type")); params["boundary"] != "" {
				parts := multipartParts(t, body, params["boundary"])
				if parts[2].filename != "photo-file" {
					t.Errorf("parts %q: photo-file is not a file", parts)
				}
				body = multipartText(t, body, params["boundary"])
			}
			if body != tt.want {
				t.Errorf("body %s\nwant %s", body, tt.want)
			}
		})
	}
}
