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
