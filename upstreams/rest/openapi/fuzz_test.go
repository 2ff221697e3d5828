package openapi

import (
	"os"
	"testing"
	"time"
)

// FuzzImport feeds arbitrary bytes to the parser and the importer: neither
// may panic or hang, and what imports must be deterministic, parse as
// GraphQL and load.
func FuzzImport(f *testing.F) {
	for _, file := range []string{"testdata/zoo/openapi.yaml", "testdata/petstore/swagger.json"} {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(plainSpec))
	f.Add([]byte("openapi: 3.1.0\ninfo: {title: t, version: v}\npaths:\n  /a/{b}:\n    get:\n      responses:\n        '200': {description: d, content: {application/json: {schema: {$ref: '#/components/schemas/A'}}}}\ncomponents:\n  schemas:\n    A: {type: array, items: {$ref: '#/components/schemas/A'}}\n"))
	f.Add([]byte("swagger: '2.0'\ninfo: {title: t, version: v}\npaths: {/x: {post: {parameters: [{in: formData, name: f, type: file}], responses: {'200': {description: d}}}}}\n"))
	f.Add([]byte("openapi: 3.0.0\ninfo: {title: t, version: v}\npaths: {}\ncomponents: {schemas: {A: {allOf: [{$ref: '#/components/schemas/A'}]}}}\n"))
	f.Add([]byte("a: &a [*a]\n"))
	for _, file := range []string{"testdata/names/openapi.json", "testdata/bodies/openapi.yaml", "testdata/wildcard/openapi.yaml"} {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		type out struct {
			res *Result
			err error
		}
		done := make(chan out, 1)
		go func() {
			doc, err := Parse("fuzz.yaml", data)
			if err != nil {
				done <- out{nil, err}
				return
			}
			res, err := Import(doc, Options{Upstream: "u"})
			done <- out{res, err}
		}()
		var res *Result
		select {
		case o := <-done:
			if o.err != nil {
				return
			}
			res = o.res
		case <-time.After(5 * time.Second):
			t.Fatalf("no answer after 5s for %q", data)
		}
		if res.SDL != "" && res.Operations > 0 {
			parseSDL(t, "fuzz.graphql", res.SDL)
			// Whatever is imported must load.
			checkBuild(t, "fuzz.graphql", res.SDL, "u", res.AuthSchemes...)
		}
		doc2, err := Parse("fuzz.yaml", data)
		if err != nil {
			t.Fatalf("second parse: %v", err)
		}
		res2, err := Import(doc2, Options{Upstream: "u"})
		if err != nil || res2.SDL != res.SDL {
			t.Fatalf("second import differs (%v):\n%s", err, diff(res.SDL, res2.SDL))
		}
	})
}
