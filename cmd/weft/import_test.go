package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/weft-gateway/weft/internal/demo"
)

// vsFor is a VirtualService serving one SDL file.
func vsFor(sdl string) string {
	return `apiVersion: weft.dev/v1
kind: VirtualService
metadata: {name: api}
spec:
  virtualHost:
    domains: ["*"]
    routes:
      - matchers: [{prefix: /graphql}]
        graphql:
          schema: {file: ` + sdl + `}
`
}

// TestImportProtoLoads imports the demo's .proto, writes the files, and
// serves them from a config that only adds a VirtualService: what a team
// does with the output must load as it is.
func TestImportProtoLoads(t *testing.T) {
	protos, err := filepath.Abs("../../internal/demo/config/protos")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	r := weft(t, "import", "proto", "-I", protos, "--name", "inventory", "--target", "127.0.0.1:1", "--out", dir, "inventory/v1/inventory.proto")
	if r.code != 0 {
		t.Fatalf("import proto: %+v", r)
	}
	if !strings.Contains(r.stderr, "1 services, 3 methods imported, 0 skipped, 0 warnings") {
		t.Errorf("summary on stderr:\n%s", r.stderr)
	}
	if err := os.WriteFile(filepath.Join(dir, "vs.yaml"), []byte(vsFor("inventory.graphql")), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := weft(t, "validate", "--config", dir); r.code != 0 {
		up, _ := os.ReadFile(filepath.Join(dir, "inventory.upstream.yaml"))
		t.Fatalf("validate the imported config: %+v\nupstream:\n%s", r, up)
	}
}

func TestImportGRPCReflection(t *testing.T) {
	inv, err := demo.StartInventory(context.Background(), zerolog.Nop(), "127.0.0.1:0", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer inv.Close()
	r := weft(t, "import", "grpc", "--name", "inventory", inv.Addr())
	if r.code != 0 {
		t.Fatalf("import grpc: %+v", r)
	}
	for _, want := range []string{"reflection: true", `target: "` + inv.Addr() + `"`, "getStock(", "watchStock(", `method: "inventory.v1.Inventory/GetStocks"`} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "ServerReflection") {
		t.Errorf("the reflection service is imported without --internal:\n%s", r.stdout)
	}
}

// TestImportWSDLLoads imports the demo's WSDL and serves the result from a
// config that only adds a VirtualService.
func TestImportWSDLLoads(t *testing.T) {
	src, err := filepath.Abs("../../internal/demo/config/shipping.wsdl")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	r := weft(t, "import", "wsdl", "--name", "shipping", "--out", dir, src)
	if r.code != 0 {
		t.Fatalf("import wsdl: %+v", r)
	}
	if !strings.Contains(r.stderr, "1 operations imported, 0 skipped, 0 warnings") {
		t.Errorf("summary on stderr:\n%s", r.stderr)
	}
	sdl, err := os.ReadFile(filepath.Join(dir, "shipping.graphql"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(sdl), `@soap(upstream: "shipping", operation: "ShippingPort/GetQuote"`) {
		t.Errorf("SDL lacks the GetQuote binding:\n%s", sdl)
	}
	if err := os.WriteFile(filepath.Join(dir, "vs.yaml"), []byte(vsFor("shipping.graphql")), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := weft(t, "validate", "--config", dir); r.code != 0 {
		up, _ := os.ReadFile(filepath.Join(dir, "shipping.upstream.yaml"))
		t.Fatalf("validate the imported config: %+v\nupstream:\n%s", r, up)
	}
}

// openAPITestdata is the OpenAPI importer's test documents.
func openAPITestdata(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("../../upstreams/rest/openapi/testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestImportOpenAPILoads imports the documents written for the ways real
// documents go wrong, and serves each result from a config that only
// adds a VirtualService: what can be imported is, each part left out is a
// warning on stderr, and what is written loads.
func TestImportOpenAPILoads(t *testing.T) {
	tests := []struct {
		source string
		// summary is the last line on stderr; warnings parts of the
		// warnings before it.
		summary  string
		warnings []string
	}{
		{"names/openapi.json", "2 operations imported, 0 skipped, 3 warnings", []string{`property "" is empty`}},
		{"refs/openapi.yaml", "3 operations imported, 1 skipped, 4 warnings", []string{"parts/missing.yaml#/Gadget cannot be followed (the file does not exist): typed JSON"}},
		{"names/swagger.json", "1 operations imported, 0 skipped, 2 warnings", []string{`query parameter "" has a name a binding cannot write`}},
		{"refs/parts.yaml", "2 operations imported, 2 skipped, 5 warnings", []string{"path item $ref"}},
		{"wildcard/swagger.json", "4 operations imported, 1 skipped, 2 warnings", []string{"request body media type */* names no one type"}},
		{"wildcard/openapi.yaml", "2 operations imported, 1 skipped, 4 warnings", []string{"the 200 response is */*, which names no one type"}},
		{"bodies/openapi.yaml", "6 operations imported, 2 skipped, 4 warnings", []string{"(POST /orders) operation skipped"}},
	}
	for _, tt := range tests {
		t.Run(tt.source, func(t *testing.T) {
			dir := t.TempDir()
			r := weft(t, "import", "openapi", "--name", "api", "--out", dir, openAPITestdata(t, tt.source))
			if r.code != 0 {
				t.Fatalf("import openapi: %+v", r)
			}
			lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
			if last := lines[len(lines)-1]; last != tt.summary {
				t.Errorf("summary %q, want %q", last, tt.summary)
			}
			for _, w := range tt.warnings {
				if !strings.Contains(r.stderr, "warning: ") || !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks a warning with %q:\n%s", w, r.stderr)
				}
			}
			if err := os.WriteFile(filepath.Join(dir, "vs.yaml"), []byte(vsFor("api.graphql")), 0o644); err != nil {
				t.Fatal(err)
			}
			if r := weft(t, "validate", "--config", dir); r.code != 0 {
				sdl, _ := os.ReadFile(filepath.Join(dir, "api.graphql"))
				t.Fatalf("validate the imported config: %+v\nSDL:\n%s", r, sdl)
			}
		})
	}
}

// TestImportOpenAPINothing imports documents of which no operation can be
// imported: the command prints why and exits 1, writing nothing.
func TestImportOpenAPINothing(t *testing.T) {
	tests := []struct {
		source string
		why    []string
	}{
		{"nothing/webhooks.yaml", []string{"warning: ", "1 webhook is a call the API makes", "the document has no operations"}},
		{"nothing/skipped.yaml", []string{"(HEAD /status) operation skipped", "(GET /exports/{id}) operation skipped", "(POST /imports) operation skipped", "0 operations imported, 3 skipped, 3 warnings"}},
	}
	for _, tt := range tests {
		t.Run(tt.source, func(t *testing.T) {
			dir := t.TempDir()
			src := openAPITestdata(t, tt.source)
			r := weft(t, "import", "openapi", "--out", dir, src)
			if r.code != 1 {
				t.Fatalf("exit %d, want 1: %+v", r.code, r)
			}
			if want := "Error: " + src + ": nothing to import: no operation of the document can be called through a @rest binding (the warnings above say why)"; !strings.Contains(r.stderr, want) {
				t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
			}
			for _, w := range tt.why {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
				}
			}
			if files, _ := os.ReadDir(dir); len(files) != 0 || r.stdout != "" {
				t.Errorf("wrote %d files and stdout %q", len(files), r.stdout)
			}
		})
	}
}

// TestImportOpenAPILimits checks the limit flags: past one, the command
// says which flag raises it; within, it imports.
func TestImportOpenAPILimits(t *testing.T) {
	src := openAPITestdata(t, "library/openapi.yaml")
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--max-files", "3"}, 1, "Error: " + src + ": the document spans more than 3 files (raise the limit with --max-files)"},
		{[]string{"--max-files", "7"}, 0, "operations imported"},
		{[]string{"--max-bytes", "2000"}, 1, "the document's files are larger than the limit of 2000 bytes (raise the limit with --max-bytes)"},
		{[]string{"--max-depth", "1"}, 0, "levels deep: typed JSON"},
		{[]string{"--max-files", "0"}, 1, "--max-files, --max-bytes and --max-depth must be positive"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := weft(t, append([]string{"import", "openapi", src}, tt.args...)...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.want) {
				t.Fatalf("exit %d, want %d, with %q on stderr:\n%s", r.code, tt.code, tt.want, r.stderr)
			}
		})
	}
}
