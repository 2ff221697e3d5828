package grpc_test

import (
	"context"
	"encoding/base64"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/weft-gateway/weft/internal/grpctest"
	"github.com/weft-gateway/weft/upstreams"
)

// TestMessageSizeLimit: an answer larger than maxMessageBytes is a bad
// response that says why; one within it is read whole.
func TestMessageSizeLimit(t *testing.T) {
	s := startKitchen(t, grpctest.Options{})
	u, info := buildKitchen(t, s, "    maxMessageBytes: 4096")
	sch := bindGenerated(t, info)
	got := do(t, u, prepare(t, u, sch, "Query", "big", map[string]any{"size": 3000}))
	if want := `{"data":"` + base64.StdEncoding.EncodeToString(bigData(3000)) + `"}`; got != want {
		t.Errorf("answer of 3000 bytes is %d bytes of JSON, want %d", len(got), len(want))
	}
	_, err := u.Do(context.Background(), prepare(t, u, sch, "Query", "big", map[string]any{"size": 5000}))
	e := upstreamError(t, err, upstreams.CodeBadResponse)
	if e.Msg != "answer is larger than the message size limit" || e.Extensions["grpcCode"] != "RESOURCE_EXHAUSTED" {
		t.Errorf("error %q %v", e.Msg, e.Extensions)
	}
	// The limit bounds requests too: one past it is not sent, and the
	// error says it is the request.
	calls := s.Calls("Echo")
	_, err = u.Do(context.Background(), prepare(t, u, sch, "Query", "echo", map[string]any{"stringVal": strings.Repeat("x", 5000)}))
	e = upstreamError(t, err, upstreams.CodeBadRequest)
	if e.Msg != "request is larger than the message size limit" || e.Extensions["grpcCode"] != "RESOURCE_EXHAUSTED" {
		t.Errorf("error %q %v", e.Msg, e.Extensions)
	}
	if s.Calls("Echo") != calls {
		t.Error("a request past the limit reached the server")
	}
}

// bigData is what Big answers for size.
func bigData(size int) []byte {
	b := make([]byte, size)
	for i := range b {
		b[i] = byte(i % 251)
	}
	return b
}

// TestCompression: with compression: gzip, calls reach the server
// compressed and answers are read; without it, they are not compressed.
func TestCompression(t *testing.T) {
	for _, tt := range []struct{ spec, want string }{{"    compression: gzip", "gzip"}, {"", ""}} {
		t.Run("compression="+tt.want, func(t *testing.T) {
			s := startKitchen(t, grpctest.Options{})
			u, info := buildKitchen(t, s, tt.spec)
			sch := bindGenerated(t, info)
			got := do(t, u, prepare(t, u, sch, "Query", "big", map[string]any{"size": 100000}))
			if want := `{"data":"` + base64.StdEncoding.EncodeToString(bigData(100000)) + `"}`; got != want {
				t.Errorf("answer differs from the data sent (%d bytes, want %d)", len(got), len(want))
			}
			if enc := s.Encoding("Big"); enc != tt.want {
				t.Errorf("call arrived with grpc-encoding %q, want %q", enc, tt.want)
			}
		})
	}
}

// TestTLS: a server with a self-signed certificate is reached with
// tls.caFile naming it, reflection included; plaintext to it fails as an
// unavailable upstream, and so does TLS without trusting the certificate.
func TestTLS(t *testing.T) {
	s := startKitchen(t, grpctest.Options{TLS: true})
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "ca.pem"), s.CertPEM(), 0o644); err != nil {
		t.Fatal(err)
	}
	u, info, err := buildIn(t, dir, upstreamYAML("  tls: {caFile: ca.pem}\n  grpc:\n    target: "+s.Addr()+"\n    reflection: true\n"))
	if err != nil {
		t.Fatalf("upstream over TLS does not build: %v", err)
	}
	sch := bindGenerated(t, info)
	if got := do(t, u, prepare(t, u, sch, "Query", "getItem", map[string]any{"id": "t"})); got != `{"id":"t","name":"Item t","price":"100"}` {
		t.Errorf("answer %s", got)
	}

	// The same upstream from the .proto file, so that it builds without
	// reaching the server, then calls it in plaintext or without the CA.
	for _, tt := range []struct{ name, spec string }{
		{"plaintext", ""},
		{"untrusted", "  tls: {}"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			u, info := buildKitchen(t, s, tt.spec+"\n  timeout: 5s")
			sch := bindGenerated(t, info)
			_, err := u.Do(context.Background(), prepare(t, u, sch, "Query", "getItem", map[string]any{"id": "t"}))
			e := upstreamError(t, err, upstreams.CodeUnavailable)
			if e.Extensions["grpcCode"] != "UNAVAILABLE" {
				t.Errorf("error %v: grpcCode %v", e, e.Extensions["grpcCode"])
			}
			t.Logf("%v", e)
		})
	}
	if n := s.Calls("GetItem"); n != 1 {
		t.Errorf("server got %d calls, want 1 (the one over TLS)", n)
	}
}

// TestUpstreamTimeout: the upstream's timeout cuts a slow call, whether
// it shares its flight (a read) or not.
func TestUpstreamTimeout(t *testing.T) {
	for _, merge := range []string{"true", "false"} {
		t.Run("mergeInFlight="+merge, func(t *testing.T) {
			s := startKitchen(t, grpctest.Options{})
			u, info := buildKitchen(t, s, "  timeout: 100ms\n  mergeInFlight: "+merge)
			sch := bindGenerated(t, info)
			start := time.Now()
			_, err := u.Do(context.Background(), prepare(t, u, sch, "Query", "slow", map[string]any{"millis": 60000}))
			e := upstreamError(t, err, upstreams.CodeTimeout)
			if e.Extensions["grpcCode"] != "DEADLINE_EXCEEDED" {
				t.Errorf("grpcCode %v", e.Extensions["grpcCode"])
			}
			if d := time.Since(start); d < 100*time.Millisecond || d > 30*time.Second {
				t.Errorf("call ended after %s, want about 100ms", d)
			}
			// The caller's own deadline (a binding's timeout) cuts it too.
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			_, err = u.Do(ctx, prepare(t, u, sch, "Query", "slow", map[string]any{"millis": 60000}))
			if e := upstreamError(t, err, upstreams.CodeTimeout); e.Extensions["grpcCode"] != "DEADLINE_EXCEEDED" {
				t.Errorf("caller's deadline: grpcCode %v", e.Extensions["grpcCode"])
			}
		})
	}
}

// TestConfigErrors builds broken Upstream resources: each error names the
// resource's file and line and the spec field to fix.
func TestConfigErrors(t *testing.T) {
	s := startKitchen(t, grpctest.Options{Reflection: grpctest.ReflectionNone})
	target := "    target: " + s.Addr() + "\n"
	proto := "    proto: {files: [" + grpctest.ProtoFile + "]}\n"
	// A port just freed, where nothing listens.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close()
	tests := []struct {
		name, spec string
		broken     string // replaces kitchen.proto when set
		want       []string
	}{
		{"no descriptor source", "  grpc:\n" + target, "", []string{"up.yaml:5:3: spec.grpc: set exactly one descriptor source: proto, descriptorSet or reflection"}},
		{"two descriptor sources", "  grpc:\n" + target + proto + "    reflection: true\n", "", []string{"up.yaml:5:3: spec.grpc: set exactly one descriptor source"}},
		{"malformed proto", "  grpc:\n" + target + proto, "syntax = \"proto3\";\npackage weft.test.v1;\nmessage A {\n  string a = 1\n}\n",
			[]string{"up.yaml:7:12: spec.grpc.proto: weft/test/v1/kitchen.proto:5:1: syntax error: expecting ';'"}},
		{"unknown import", "  grpc:\n" + target + proto, "syntax = \"proto3\";\nimport \"nope/v1/nope.proto\";\n",
			[]string{"up.yaml:7:12: spec.grpc.proto: weft/test/v1/kitchen.proto:2:8: nope/v1/nope.proto: file does not exist"}},
		{"reflection unreachable", "  grpc:\n    target: " + dead + "\n    reflection: true\n", "",
			[]string{"up.yaml:7:17: spec.grpc.reflection: server reflection of upstream kitchen (" + dead + "):", "connection refused"}},
		{"no reflection service", "  grpc:\n" + target + "    reflection: true\n", "",
			[]string{"up.yaml:7:17: spec.grpc.reflection: server reflection of upstream kitchen (" + s.Addr() + "): the server does not offer reflection"}},
		{"unknown method", "  grpc:\n" + target + proto + "    methods: {weft.test.v1.Kitchen/Nope: Query}\n", "",
			[]string{"up.yaml:8:14: spec.grpc.methods.weft.test.v1.Kitchen/Nope: the services imported have no method weft.test.v1.Kitchen/Nope"}},
		{"bad method kind", "  grpc:\n" + target + proto + "    methods: {weft.test.v1.Kitchen/Echo: Sometimes}\n", "",
			[]string{"up.yaml:8:", `spec.grpc.methods.weft.test.v1.Kitchen/Echo: "Sometimes": want Query, Mutation or Subscription`}},
		{"bad compression", "  grpc:\n" + target + proto + "    compression: brotli\n", "",
			[]string{"up.yaml:8:18: spec.grpc.compression: \"brotli\": want gzip or identity"}},
		{"missing descriptor set", "  grpc:\n" + target + "    descriptorSet: nope.binpb\n", "",
			[]string{"up.yaml:7:20: spec.grpc.descriptorSet:", "nope.binpb"}},
		{"not a descriptor set", "  grpc:\n" + target + "    descriptorSet: " + grpctest.ProtoFile + "\n", "",
			[]string{"up.yaml:7:20: spec.grpc.descriptorSet:", "kitchen.proto: ", "FileDescriptorSet"}},
		{"missing caFile", "  tls: {caFile: nope.pem}\n  grpc:\n" + target + proto, "", []string{"up.yaml:5:8: spec.tls: caFile:", "nope.pem"}},
		{"no method", "  grpc:\n" + target + proto, "syntax = \"proto3\";\npackage weft.test.v1;\nservice Kitchen {}\n",
			[]string{"up.yaml:7:12: spec.grpc.proto: nothing to import: the services weft.test.v1.Kitchen declare no method"}},
		{"no service of those asked for", "  grpc:\n" + target + proto + "    services: [weft.test.v1.Nope]\n", "",
			[]string{"up.yaml:8:15: spec.grpc.services: nothing to import: no service of the descriptors is one of the services asked for (weft.test.v1.Nope)"}},
		{"virtual import path climbing", "  grpc:\n" + target + "    proto: {files: [" + grpctest.ProtoFile + "], importPaths: [../weft=.]}\n", "",
			[]string{"up.yaml:7:", "spec.grpc.proto.importPaths[0]: import path \"../weft=.\": the name before = (../weft) must be a relative path"}},
		{"too many bytes", "  grpc:\n" + target + "    proto: {files: [" + grpctest.ProtoFile + "], maxBytes: 10}\n", "",
			[]string{"up.yaml:7:", "spec.grpc.proto.maxBytes: ", "more than 10 bytes of .proto files to read (raise spec.grpc.proto.maxBytes)"}},
		{"negative limit", "  grpc:\n" + target + "    proto: {files: [" + grpctest.ProtoFile + "], maxFiles: -1}\n", "",
			[]string{"up.yaml:7:", "spec.grpc.proto.maxFiles: -1: must not be negative (0 means the default)"}},
		{"file under no import path", "  grpc:\n" + target + "    proto: {files: [" + grpctest.ProtoFile + "], importPaths: [other=weft]}\n", "",
			[]string{"up.yaml:7:12: spec.grpc.proto: " + grpctest.ProtoFile + ": file does not exist in other="}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := protoDir(t)
			if tt.broken != "" {
				if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(grpctest.ProtoFile)), []byte(tt.broken), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			_, _, err := buildIn(t, dir, upstreamYAML(tt.spec))
			if err == nil {
				t.Fatal("upstream built; want an error")
			}
			msg := strings.ReplaceAll(err.Error(), dir+string(filepath.Separator), "")
			for _, want := range tt.want {
				if !strings.Contains(msg, want) {
					t.Errorf("error:\n%s\nwant it to contain %q", msg, want)
				}
			}
		})
	}
}
