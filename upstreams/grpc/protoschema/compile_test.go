package protoschema

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  []Diagnostic // File, Line, Column and a part of Msg
	}{
		{"syntax", map[string]string{"a.proto": "syntax = \"proto3\";\nmessage A {\n  string x = ;\n}\n"},
			[]Diagnostic{{File: "protos/a.proto", Line: 3, Column: 14, Msg: "syntax error"}}},
		{"missing import", map[string]string{"a.proto": "syntax = \"proto3\";\nimport \"b/missing.proto\";\nmessage A {}\n"},
			[]Diagnostic{{File: "protos/a.proto", Line: 2, Column: 8, Msg: "b/missing.proto"}}},
		{"unknown type", map[string]string{"a.proto": "syntax = \"proto3\";\npackage p;\nmessage A {\n  Nope x = 1;\n}\n"},
			[]Diagnostic{{File: "protos/a.proto", Line: 4, Column: 3, Msg: "Nope"}}},
		{"error in an import", map[string]string{
			"a.proto": "syntax = \"proto3\";\nimport \"b.proto\";\nmessage A { B b = 1; }\n",
			"b.proto": "syntax = \"proto3\";\nmessage B { int32 x = 1; int32 y = 1; }\n"},
			[]Diagnostic{{File: "protos/b.proto", Line: 2, Column: 36, Msg: "same tag"}}},
		{"two errors", map[string]string{"a.proto": "syntax = \"proto3\";\nmessage A { Nope x = 1; }\nmessage B { Nada y = 1; }\n"},
			[]Diagnostic{{File: "protos/a.proto", Line: 2, Column: 13, Msg: "Nope"}, {File: "protos/a.proto", Line: 3, Column: 13, Msg: "Nada"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for name, src := range tt.files {
				fsys["protos/"+name] = &fstest.MapFile{Data: []byte(src)}
			}
			_, err := Compile(context.Background(), []string{"a.proto"}, CompileOptions{FS: fsys, ImportPaths: []string{"protos"}})
			var ce *CompileError
			if !errors.As(err, &ce) {
				t.Fatalf("error %v (%T), want a *CompileError", err, err)
			}
			if len(ce.Diagnostics) != len(tt.want) {
				t.Fatalf("diagnostics %v, want %d", ce.Diagnostics, len(tt.want))
			}
			for i, w := range tt.want {
				d := ce.Diagnostics[i]
				if d.File != w.File || d.Line != w.Line || d.Column != w.Column || !strings.Contains(d.Msg, w.Msg) {
					t.Errorf("diagnostic %q, want %s:%d:%d with %q", d, w.File, w.Line, w.Column, w.Msg)
				}
			}
			if !strings.Contains(err.Error(), tt.want[0].File+":") {
				t.Errorf("the error text %q does not start at the file", err)
			}
		})
	}
}

func TestCompileFromDisk(t *testing.T) {
	// A file may be named by its path inside an import path.
	files, err := Compile(context.Background(), []string{"testdata/proto/warehouse/v1/warehouse.proto"}, CompileOptions{ImportPaths: []string{"testdata/proto"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(files.Origin.Files, ","); got != "warehouse/v1/warehouse.proto" {
		t.Errorf("origin files %q", got)
	}
	if got := files.Path("warehouse/v1/warehouse.proto"); got != "testdata/proto/warehouse/v1/warehouse.proto" {
		t.Errorf("path %q", got)
	}
	if len(files.Services) != 1 || files.Services[0] != "warehouse.v1.Warehouse" {
		t.Errorf("services %v", files.Services)
	}
	// Its import is found, and so the dependency's path too.
	if got := files.Path("common/v1/money.proto"); got != "testdata/proto/common/v1/money.proto" {
		t.Errorf("dependency path %q", got)
	}

	if _, err := Compile(context.Background(), []string{"nope.proto"}, CompileOptions{ImportPaths: []string{"testdata/proto"}}); err == nil || !strings.Contains(err.Error(), "nope.proto") {
		t.Errorf("a missing file: %v", err)
	}
	if _, err := Compile(context.Background(), nil, CompileOptions{}); err == nil {
		t.Error("no file: no error")
	}
	// Imports never climb out of the import paths.
	fsys := fstest.MapFS{
		"protos/a.proto": {Data: []byte("syntax = \"proto3\";\nimport \"../secret.proto\";\n")},
		"secret.proto":   {Data: []byte("syntax = \"proto3\";\n")},
	}
	if _, err := Compile(context.Background(), []string{"a.proto"}, CompileOptions{FS: fsys, ImportPaths: []string{"protos"}}); err == nil {
		t.Error("an import of ../secret.proto compiled")
	}
}

// TestWellKnownTypes compiles a file that imports every well-known type
// from an FS that holds none of them.
func TestWellKnownTypes(t *testing.T) {
	var imports strings.Builder
	for name := range standardFiles {
		imports.WriteString("import \"" + name + "\";\n")
	}
	src := "syntax = \"proto3\";\npackage p;\n" + imports.String() +
		"service S { rpc Get(google.protobuf.Empty) returns (google.protobuf.Timestamp); }\n"
	files, err := Compile(context.Background(), []string{"a.proto"}, CompileOptions{FS: fstest.MapFS{"a.proto": {Data: []byte(src)}}})
	if err != nil {
		t.Fatal(err)
	}
	res := mustImport(t, files, Options{Upstream: "u"})
	if !strings.Contains(res.SDL, `get: DateTime @grpc(upstream: "u", method: "p.S/Get")`) {
		t.Errorf("SDL:\n%s", res.SDL)
	}
}

func TestCompileLimits(t *testing.T) {
	fsys := fstest.MapFS{
		"a.proto": {Data: []byte("syntax = \"proto3\";\nimport \"b.proto\";\nmessage A { B b = 1; }\n")},
		"b.proto": {Data: []byte("syntax = \"proto3\";\nmessage B { string s = 1; }\n")},
	}
	tests := []struct {
		name string
		opts CompileOptions
		want string
	}{
		{"files", CompileOptions{FS: fsys, MaxFiles: 1}, "more than 1 files"},
		{"bytes", CompileOptions{FS: fsys, MaxBytes: 60}, "more than 60 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compile(context.Background(), []string{"a.proto"}, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one with %q", err, tt.want)
			}
		})
	}
	if _, err := Compile(context.Background(), []string{"a.proto"}, CompileOptions{FS: fsys}); err != nil {
		t.Errorf("within the default limits: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Nanosecond)
	defer cancel()
	<-ctx.Done()
	if _, err := Compile(ctx, []string{"a.proto"}, CompileOptions{FS: fsys}); err == nil {
		t.Error("a cancelled context: no error")
	}
}
