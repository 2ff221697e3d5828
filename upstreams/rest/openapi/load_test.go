package openapi

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// TestLoadURL serves the multi-file library document over HTTP: its $refs
// across files resolve against the document's URL, and the import matches
// the one from disk.
func TestLoadURL(t *testing.T) {
	var requests atomic.Int32
	fsrv := http.FileServer(http.Dir("testdata/library"))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		fsrv.ServeHTTP(w, r)
	}))
	defer srv.Close()
	local := importFile(t, "testdata/library/openapi.yaml", Options{Upstream: "library"})
	// The parser fetches referenced files concurrently, and may fetch one
	// file twice under two spellings of its URL: several loads must all
	// give the same SDL.
	var res *Result
	for range 5 {
		doc, err := Load(context.Background(), srv.URL+"/openapi.yaml", LoadOptions{Client: srv.Client()})
		if err != nil {
			t.Fatal(err)
		}
		if res, err = Import(doc, Options{Upstream: "library"}); err != nil {
			t.Fatal(err)
		}
		if res.SDL != local.SDL {
			t.Fatalf("the SDL from HTTP differs from the one from disk:\n%s", diff(local.SDL, res.SDL))
		}
	}
	if len(res.Warnings) != len(local.Warnings) {
		t.Fatalf("warnings from HTTP:\n%s\nfrom disk:\n%s", warningsText(res.Warnings), warningsText(local.Warnings))
	}
	for _, w := range res.Warnings {
		if !strings.HasPrefix(w.File, srv.URL+"/") || w.Line == 0 {
			t.Errorf("warning does not name its URL and line: %v", w)
		}
	}
	if n := requests.Load(); n < 5*5 {
		t.Errorf("%d requests for 5 loads of a document of 7 files", n)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	notAPI := write("not.yaml", "hello: world\n")
	empty := write("empty.yaml", "\n")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/big.yaml" {
			w.Write([]byte("openapi: 3.0.0\ninfo: {title: x, version: '1'}\npaths: {}\n" + strings.Repeat("# padding\n", 1000)))
			return
		}
		http.NotFound(w, r)
	}))
	defer srv.Close()
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name, source string
		opts         LoadOptions
		ctx          context.Context
		want         string
	}{
		{"missing file", filepath.Join(dir, "nope.yaml"), LoadOptions{}, nil, "nope.yaml: the file does not exist"},
		{"directory", dir, LoadOptions{}, nil, "not a regular file"},
		{"not OpenAPI", notAPI, LoadOptions{}, nil, "not an OpenAPI or Swagger document"},
		{"empty", empty, LoadOptions{}, nil, "empty document"},
		{"too many files", "testdata/library/openapi.yaml", LoadOptions{MaxFiles: 3}, nil, "more than 3 files"},
		{"too many bytes", "testdata/library/openapi.yaml", LoadOptions{MaxBytes: 2000}, nil, "larger than the limit"},
		{"canceled", "testdata/library/openapi.yaml", LoadOptions{}, canceled, "context canceled"},
		{"HTTP 404", srv.URL + "/nope.yaml", LoadOptions{Client: srv.Client()}, nil, "HTTP 404"},
		{"HTTP too large", srv.URL + "/big.yaml", LoadOptions{Client: srv.Client(), MaxBytes: 1000}, nil, "larger than the limit"},
		{"HTTP canceled", srv.URL + "/big.yaml", LoadOptions{Client: srv.Client()}, canceled, "context canceled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := tt.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			_, err := Load(ctx, tt.source, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestImportErrors(t *testing.T) {
	if _, err := Import(nil, Options{Upstream: "x"}); !errors.Is(err, ErrNotOpenAPI) {
		t.Errorf("nil document: %v", err)
	}
	doc, err := Parse("plain.json", []byte(plainSpec))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Import(doc, Options{}); err == nil {
		t.Error("no upstream: no error")
	}
	if _, err := Import(doc, Options{Upstream: "x", Prefix: "9x"}); err == nil {
		t.Error("bad prefix: no error")
	}
	// A parsed document reads no files: a reference to one is an error at
	// its line, since the parser would drop every path, not just the one
	// with the reference (a limit of its low-level model).
	_, err = Parse("x.json", []byte(`{"swagger": "2.0", "info": {"title": "x", "version": "1"}, "paths": {
		"/a": {"get": {"parameters": [{"$ref": "other.json#/p"}], "responses": {"200": {"description": "ok"}}}},
		"/b": {"get": {"responses": {"200": {"description": "ok", "schema": {"type": "string"}}}}}}}`))
	if want := `x.json:2:42: $ref "other.json#/p": a document read from memory cannot reference other files`; err == nil || err.Error() != want {
		t.Errorf("reference to another file: %v, want %s", err, want)
	}
	// One in a vendor extension is never followed.
	doc, err = Parse("x.yaml", []byte("openapi: 3.0.3\ninfo: {title: x, version: '1', x-docs: {$ref: guide.md}}\npaths:\n  /a:\n    x-codegen: {$ref: 'codegen.md#/a'}\n    get: {responses: {'200': {description: ok, content: {text/plain: {schema: {type: string}}}}}}\n"))
	if err != nil {
		t.Fatalf("reference in an extension: %v", err)
	}
	if res, err := Import(doc, Options{Upstream: "x"}); err != nil || res.Operations != 1 || len(res.Warnings) != 0 {
		t.Errorf("reference in an extension: %v, %+v", err, res)
	}
}
