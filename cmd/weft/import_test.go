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

// TestImportProtoLoads imports the demo's .proto, writes the files, and
// serves them from a config that only adds a VirtualService: what a team
// does with the output must load as it is.
func TestImportProtoLoads(t *testing.T) {
	protos, err := filepath.Abs("../../internal/demo/config/protos")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	out, errs, code := run(t, "import", "proto", "-I", protos, "--name", "inventory", "--target", "127.0.0.1:1", "--out", dir, "inventory/v1/inventory.proto")
	if code != 0 {
		t.Fatalf("import proto: code %d\n%s%s", code, out, errs)
	}
	if !strings.Contains(errs, "1 services, 3 methods imported, 0 skipped, 0 warnings") {
		t.Errorf("summary on stderr:\n%s", errs)
	}
	vs := `apiVersion: weft.dev/v1
kind: VirtualService
metadata: {name: api}
spec:
  virtualHost:
    domains: ["*"]
    routes:
      - matchers: [{prefix: /graphql}]
        graphql:
          schema: {file: inventory.graphql}
`
	if err := os.WriteFile(filepath.Join(dir, "vs.yaml"), []byte(vs), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errs, code = run(t, "validate", "--config", dir)
	if code != 0 {
		up, _ := os.ReadFile(filepath.Join(dir, "inventory.upstream.yaml"))
		t.Fatalf("validate the imported config: code %d\n%s%s\nupstream:\n%s", code, out, errs, up)
	}
}

func TestImportProtoErrors(t *testing.T) {
	dir := t.TempDir()
	bad := "syntax = \"proto3\";\npackage x;\nmessage M {\n  strin name = 1;\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "bad.proto"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown type", []string{"-I", dir, "bad.proto"}, "bad.proto:4:3"},
		{"missing file", []string{"-I", dir, "nope.proto"}, "nope.proto"},
		{"no files", nil, "name at least one .proto file"},
		{"both sources", []string{"--descriptor-set", "x.binpb", "bad.proto"}, "not both"},
		{"bad method kind", []string{"-I", dir, "--method", "x.S/M=Query2", "bad.proto"}, "--method"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errs, code := run(t, append([]string{"import", "proto"}, tt.args...)...)
			if code == 0 || !strings.Contains(errs, tt.want) {
				t.Fatalf("code %d, stderr %q, want it to contain %q\n%s", code, errs, tt.want, out)
			}
		})
	}
}

func TestImportGRPCReflection(t *testing.T) {
	inv, err := demo.StartInventory(context.Background(), zerolog.Nop(), "127.0.0.1:0", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer inv.Close()
	out, errs, code := run(t, "import", "grpc", "--name", "inventory", inv.Addr())
	if code != 0 {
		t.Fatalf("import grpc: code %d\n%s%s", code, out, errs)
	}
	for _, want := range []string{"reflection: true", `target: "` + inv.Addr() + `"`, "getStock(", "watchStock(", `method: "inventory.v1.Inventory/GetStocks"`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "ServerReflection") {
		t.Errorf("the reflection service is imported without --internal:\n%s", out)
	}

	// A server that is not there: an error naming the upstream and address.
	addr := inv.Addr()
	if err := inv.Close(); err != nil {
		t.Fatal(err)
	}
	_, errs, code = run(t, "import", "grpc", "--name", "inventory", "--timeout", "2s", addr)
	if code == 0 || !strings.Contains(errs, "server reflection of upstream inventory ("+addr+")") {
		t.Fatalf("unreachable server: code %d, stderr %q", code, errs)
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
	out, errs, code := run(t, "import", "wsdl", "--name", "shipping", "--out", dir, src)
	if code != 0 {
		t.Fatalf("import wsdl: code %d\n%s%s", code, out, errs)
	}
	if !strings.Contains(errs, "1 operations imported, 0 skipped, 0 warnings") {
		t.Errorf("summary on stderr:\n%s", errs)
	}
	sdl, err := os.ReadFile(filepath.Join(dir, "shipping.graphql"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(sdl), `@soap(upstream: "shipping", operation: "ShippingPort/GetQuote"`) {
		t.Errorf("SDL lacks the GetQuote binding:\n%s", sdl)
	}
	vs := `apiVersion: weft.dev/v1
kind: VirtualService
metadata: {name: api}
spec:
  virtualHost:
    domains: ["*"]
    routes:
      - matchers: [{prefix: /graphql}]
        graphql:
          schema: {file: shipping.graphql}
`
	if err := os.WriteFile(filepath.Join(dir, "vs.yaml"), []byte(vs), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errs, code = run(t, "validate", "--config", dir)
	if code != 0 {
		up, _ := os.ReadFile(filepath.Join(dir, "shipping.upstream.yaml"))
		t.Fatalf("validate the imported config: code %d\n%s%s\nupstream:\n%s", code, out, errs, up)
	}
}

func TestImportWSDLErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.wsdl")
	if err := os.WriteFile(bad, []byte("<?xml version=\"1.0\"?>\n<definitions xmlns=\"http://schemas.xmlsoap.org/wsdl/\">\n  <types>\n</definitions>\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"malformed", []string{bad}, "bad.wsdl:4"},
		{"missing", []string{filepath.Join(dir, "nope.wsdl")}, "nope.wsdl"},
		{"bad kind", []string{"--operation", "GetQuote=Read", bad}, "--operation"},
		{"bad version", []string{"--soap-version", "2", bad}, "--soap-version"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errs, code := run(t, append([]string{"import", "wsdl"}, tt.args...)...)
			if code == 0 || !strings.Contains(errs, tt.want) {
				t.Fatalf("code %d, stderr %q, want it to contain %q\n%s", code, errs, tt.want, out)
			}
		})
	}
}

func TestDemoFaultsFlag(t *testing.T) {
	for _, tt := range []struct{ args, want string }{
		{"reviews=broken", `"broken" is not a fault`},
		{"billing=down", `no demo upstream "billing"`},
		{"reviews", "want UPSTREAM=FAULT"},
	} {
		_, errs, code := run(t, "serve", "--listen", "127.0.0.1:0", "--demo-faults", tt.args)
		if code == 0 || !strings.Contains(errs, tt.want) {
			t.Errorf("--demo-faults %s: code %d, stderr %q, want %q", tt.args, code, errs, tt.want)
		}
	}
	dir := t.TempDir()
	_, errs, code := run(t, "serve", "--listen", "127.0.0.1:0", "--config", dir, "--demo-faults", "reviews=down")
	if code == 0 || !strings.Contains(errs, "needs the demo's upstreams") {
		t.Errorf("--demo-faults with --config: code %d, stderr %q", code, errs)
	}
}
