package rest_test

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/weft-gateway/weft/internal/resource"
	"github.com/weft-gateway/weft/upstreams"
	"github.com/weft-gateway/weft/upstreams/rest"
	"github.com/weft-gateway/weft/upstreams/rest/openapi"
)

// buildSkeleton loads text as an Upstream resource and builds it with the
// rest kind's builder, the way a config load does.
func buildSkeleton(t *testing.T, text string, env map[string]string) error {
	t.Helper()
	docs, err := resource.LoadBytes("upstream.yaml", []byte(text), resource.Options{Env: func(n string) (string, bool) {
		v, ok := env[n]
		return v, ok
	}})
	if err != nil {
		return err
	}
	up, _, err := rest.Build(context.Background(), &upstreams.Source{Doc: docs[0], Log: zerolog.Nop()})
	if err == nil {
		up.Close()
	}
	return err
}

// authBlocks returns text with the i-th commented auth block uncommented.
func authBlock(text string, i int) (string, bool) {
	lines := strings.Split(text, "\n")
	n := -1
	for k, line := range lines {
		if line != "  # auth:" {
			continue
		}
		n++
		if n != i {
			continue
		}
		lines[k] = "  auth:"
		for m := k + 1; m < len(lines) && strings.HasPrefix(lines[m], "  #   "); m++ {
			lines[m] = "    " + strings.TrimPrefix(lines[m], "  #   ")
		}
		return strings.Join(lines, "\n"), true
	}
	return text, false
}

// placeholders lists the environment variables the live (uncommented)
// lines of text read.
func placeholders(text string) []string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		for _, m := range envRef.FindAllStringSubmatch(line, -1) {
			out = append(out, m[1])
		}
	}
	return out
}

var envRef = regexp.MustCompile(`\$\{([A-Z0-9_]+)\}`)

// TestImportedUpstreamBuilds checks that the Upstream skeleton the importer
// prints loads once the environment variables it reads are set, fails to
// load naming one that is missing otherwise, and loads again with each
// credential block it suggests in comments.
func TestImportedUpstreamBuilds(t *testing.T) {
	for _, name := range []string{"petstore/swagger.json", "zoo/openapi.yaml", "library/openapi.yaml",
		"types/security.yaml", "types/security-v2.json"} {
		t.Run(name, func(t *testing.T) {
			doc, err := openapi.Load(context.Background(), filepath.Join("openapi", "testdata", name), openapi.LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			res, err := openapi.Import(doc, openapi.Options{Upstream: "api"})
			if err != nil {
				t.Fatal(err)
			}
			text := res.UpstreamYAML("api")
			env := map[string]string{}
			for _, line := range strings.Split(text, "\n") {
				if v, ok := strings.CutPrefix(strings.TrimSpace(line), "baseURL: \"${"); ok {
					env[strings.TrimSuffix(v, "}\"")] = "http://127.0.0.1:9"
				}
			}
			if vars := placeholders(text); len(vars) > 0 {
				if len(res.AuthSchemes) == 0 {
					t.Fatalf("credentials read %v, but no binding names any", vars)
				}
				err := buildSkeleton(t, text, env)
				if err == nil || !strings.Contains(err.Error(), "environment variable API_") || !strings.Contains(err.Error(), " is not set") {
					t.Fatalf("without %v: %v", vars, err)
				}
				for _, v := range vars {
					env[v] = "x"
				}
			}
			if err := buildSkeleton(t, text, env); err != nil {
				t.Fatalf("the skeleton does not build: %v\n%s", err, text)
			}
			for i := 0; ; i++ {
				open, ok := authBlock(text, i)
				if !ok {
					break
				}
				// The secrets come from the environment; give each a value.
				for _, v := range placeholders(open) {
					env[v] = "x"
				}
				if err := buildSkeleton(t, open, env); err != nil {
					t.Fatalf("the skeleton with auth block %d does not build: %v\n%s", i, err, open)
				}
			}
		})
	}
}

// TestOpenAPISpecLimits builds Upstreams whose OpenAPI document meets the
// limits of spec.rest.openapi, or yields no operation: each is an error
// at its field, saying what to raise or why nothing was imported.
func TestOpenAPISpecLimits(t *testing.T) {
	testdata, err := filepath.Abs(filepath.Join("openapi", "testdata"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, openapi string
		// want is part of the error, "" for none; fields part of the
		// generated fields.
		want, fields string
	}{
		{"files within the default", "{file: library/openapi.yaml}", "", "listBooks"},
		{"files past maxFiles", "{file: library/openapi.yaml, maxFiles: 3}", "spec.rest.openapi.maxFiles: OpenAPI document of upstream api: " + testdata + "/library/openapi.yaml: the document spans more than 3 files (raise spec.rest.openapi.maxFiles)", ""},
		{"bytes past maxBytes", "{file: library/openapi.yaml, maxBytes: 2000}", "spec.rest.openapi.maxBytes: OpenAPI document of upstream api:", ""},
		{"a negative limit", "{file: library/openapi.yaml, maxFiles: -1}", "spec.rest.openapi.maxFiles: -1: must not be negative", ""},
		{"schemas past maxDepth", "{file: limits/deep.yaml, maxDepth: 3}", "", "  c: JSON\n"},
		{"no operation", "{file: nothing/webhooks.yaml}", "spec.rest.openapi.file: OpenAPI document of upstream api: " + testdata + "/nothing/webhooks.yaml: nothing to import", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			docs, err := resource.LoadBytes("upstream.yaml", []byte("apiVersion: weft.dev/v1\nkind: Upstream\nmetadata: {name: api}\nspec:\n  rest:\n    baseURL: http://127.0.0.1:9\n    openapi: "+tt.openapi+"\n"), resource.Options{})
			if err != nil {
				t.Fatal(err)
			}
			up, info, err := rest.Build(context.Background(), &upstreams.Source{
				Doc:       docs[0],
				Log:       zerolog.Nop(),
				LocalPath: func(name string) (string, error) { return filepath.Join(testdata, name), nil },
			})
			if tt.want != "" {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("error %v, want one with %q", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer up.Close()
			if info.Fields == nil || !strings.Contains(info.Fields.Input, tt.fields) {
				t.Errorf("fields lack %q", tt.fields)
			}
		})
	}
}
