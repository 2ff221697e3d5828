package grpc_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/weft-gateway/weft/internal/grpctest"
)

// TestDescriptorSources builds the upstream from each descriptor source:
// the .proto file compiled at load, a binary FileDescriptorSet, and server
// reflection (v1, and v1alpha alone as older servers have it). Each gives
// the same generated fields, and calls made with them work.
func TestDescriptorSources(t *testing.T) {
	set, err := grpctest.DescriptorSet(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		reflection grpctest.Reflection
		grpc       string // spec.grpc lines after target
		files      map[string][]byte
	}{
		{"proto", grpctest.ReflectionNone, "    proto: {files: [" + grpctest.ProtoFile + "], importPaths: [protos]}\n",
			map[string][]byte{"protos/" + grpctest.ProtoFile: []byte(grpctest.ProtoSource())}},
		// As protoc's -I weft/test=vendor/kitchen: the file's name keeps
		// its weft/test/ prefix, which is not a directory.
		{"proto under a virtual import path", grpctest.ReflectionNone, "    proto: {files: [" + grpctest.ProtoFile + "], importPaths: [weft/test=vendor/kitchen]}\n",
			map[string][]byte{"vendor/kitchen/" + strings.TrimPrefix(grpctest.ProtoFile, "weft/test/"): []byte(grpctest.ProtoSource())}},
		{"descriptor set", grpctest.ReflectionNone, "    descriptorSet: specs/kitchen.binpb\n",
			map[string][]byte{"specs/kitchen.binpb": set}},
		{"reflection v1", grpctest.ReflectionBoth, "    reflection: true\n", nil},
		{"reflection v1alpha", grpctest.ReflectionV1Alpha, "    reflection: true\n", nil},
	}
	var want string
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startKitchen(t, grpctest.Options{Reflection: tt.reflection})
			dir := t.TempDir()
			for name, data := range tt.files {
				p := filepath.Join(dir, filepath.FromSlash(name))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			u, info, err := buildIn(t, dir, upstreamYAML("  grpc:\n    target: "+s.Addr()+"\n"+tt.grpc))
			if err != nil {
				t.Fatalf("upstream does not build: %v", err)
			}
			got := info.Fields.Input
			// Source info (comments) is only in .proto files and sets built
			// with it; reflection serves descriptors without it.
			if tt.reflection != grpctest.ReflectionNone {
				got = withoutDescriptions(got)
			}
			if want == "" {
				want = got
			} else if tt.reflection != grpctest.ReflectionNone && withoutDescriptions(want) != got || tt.reflection == grpctest.ReflectionNone && want != got {
				t.Errorf("the generated fields differ from the .proto file's:\n%s", got)
			}
			sch := bindGenerated(t, info)
			c := prepare(t, u, sch, "Query", "getItem", map[string]any{"id": "a1"})
			if got, want := do(t, u, c), `{"id":"a1","name":"Item a1","price":"200"}`; got != want {
				t.Errorf("getItem answered %s, want %s", got, want)
			}
			if n := s.Calls("GetItem"); n != 1 {
				t.Errorf("server got %d GetItem calls, want 1", n)
			}
		})
	}
}

// withoutDescriptions drops the block strings (descriptions) of SDL.
func withoutDescriptions(sdl string) string {
	var out []string
	in := false
	for _, l := range strings.Split(sdl, "\n") {
		if strings.TrimSpace(l) == `"""` {
			in = !in
			continue
		}
		if !in {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
