package protoschema

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

func TestParseImportPath(t *testing.T) {
	tests := []struct {
		in, virtual, dir, err string
	}{
		{in: "protos", dir: "protos"},
		{in: "/abs/protos", dir: "/abs/protos"},
		{in: "google/api=third_party/googleapis/google/api", virtual: "google/api", dir: "third_party/googleapis/google/api"},
		{in: "acme/=vendor/acme/", virtual: "acme", dir: "vendor/acme/"},
		{in: "./x=y", virtual: "x", dir: "y"},
		{in: ".=protos", dir: "protos"},
		{in: "=odd=name", dir: "odd=name"},
		{in: "/tmp/run=1/protos", dir: "/tmp/run=1/protos"},
		{in: "a.proto=vendor/b.proto", virtual: "a.proto", dir: "vendor/b.proto"},
		{in: "", err: "an empty import path"},
		{in: "v=", err: "no directory after ="},
		{in: "../v=dir", err: `the name before = (../v) must be a relative path without ".."`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			v, d, err := ParseImportPath(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Errorf("error %v, want one with %q", err, tt.err)
				}
				return
			}
			if err != nil || v != tt.virtual || d != tt.dir {
				t.Errorf("(%q, %q, %v), want (%q, %q)", v, d, err, tt.virtual, tt.dir)
			}
		})
	}
}

// TestVirtualRoots compiles a tree whose import is found only under a
// virtual root (VIRTUAL=DIR), with the file given by its name or by its
// path, from the disk and from an fs.FS.
func TestVirtualRoots(t *testing.T) {
	geo := "acme/geo=testdata/virtual/geo-src"
	tests := []struct {
		name  string
		file  string
		paths []string
		fsys  bool
		// want is the file's name; path is where its import was read.
		want, path string
	}{
		{"by name", "weather/v1/weather.proto", []string{"testdata/virtual/api", geo}, false, "weather/v1/weather.proto", "testdata/virtual/geo-src/v1/geo.proto"},
		{"by path", "testdata/virtual/api/weather/v1/weather.proto", []string{"testdata/virtual/api", geo}, false, "weather/v1/weather.proto", "testdata/virtual/geo-src/v1/geo.proto"},
		{"the file under a virtual root", "testdata/virtual/api/weather/v1/weather.proto", []string{geo, "acme/weather=testdata/virtual/api/weather"}, false, "acme/weather/v1/weather.proto", "testdata/virtual/geo-src/v1/geo.proto"},
		{"virtual name", "acme/weather/v1/weather.proto", []string{geo, "acme/weather=testdata/virtual/api/weather"}, false, "acme/weather/v1/weather.proto", "testdata/virtual/geo-src/v1/geo.proto"},
		{"a file mapped to a file", "weather/v1/weather.proto", []string{"testdata/virtual/api", "acme/geo/v1/geo.proto=testdata/virtual/geo-src/v1/geo.proto"}, false, "weather/v1/weather.proto", "testdata/virtual/geo-src/v1/geo.proto"},
		{"fs by name", "weather/v1/weather.proto", []string{"testdata/virtual/api", geo}, true, "weather/v1/weather.proto", "testdata/virtual/geo-src/v1/geo.proto"},
		{"fs by path", "testdata/virtual/api/weather/v1/weather.proto", []string{"acme/weather=testdata/virtual/api/weather", geo}, true, "acme/weather/v1/weather.proto", "testdata/virtual/geo-src/v1/geo.proto"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := CompileOptions{ImportPaths: tt.paths}
			if tt.fsys {
				opts.FS = os.DirFS(".")
			}
			files, err := Compile(context.Background(), []string{tt.file}, opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(files.Origin.Files, ","); got != tt.want {
				t.Errorf("named %q, want %q", got, tt.want)
			}
			if got := files.Path("acme/geo/v1/geo.proto"); got != tt.path {
				t.Errorf("the import was read from %q, want %q", got, tt.path)
			}
			if strings.Join(files.Origin.ImportPaths, ",") != strings.Join(tt.paths, ",") {
				t.Errorf("origin import paths %q", files.Origin.ImportPaths)
			}
			res := mustImport(t, files, Options{Upstream: "weather"})
			if res.Fields != 1 || !strings.Contains(res.SDL, `getForecast(`) {
				t.Errorf("%d fields:\n%s", res.Fields, res.SDL)
			}
		})
	}
}

// TestOutsideRoots gives files by paths outside the current directory
// and outside the import paths.
func TestOutsideRoots(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	// A copy outside the package, given by an absolute path and by a
	// path climbing out of the current directory.
	dir := t.TempDir()
	for _, f := range []string{"weather.proto", "units.proto"} {
		data, err := os.ReadFile(filepath.Join("testdata", "outside", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	abs := filepath.Join(dir, "weather.proto")
	rel, err := filepath.Rel(wd, abs)
	if err != nil || !strings.HasPrefix(rel, "..") {
		t.Fatalf("no relative path from %s to %s: %q %v", wd, abs, rel, err)
	}
	tests := []struct {
		name  string
		file  string
		paths []string
		// want is the file's name and roots the import paths the origin
		// lists; err, when set, is what the error says.
		want  string
		roots []string
		err   []string
	}{
		// The current directory, the default, gave no file: it is not
		// an import path of the origin.
		{"absolute, no -I", abs, nil, "weather.proto", []string{dir}, nil},
		{"climbing, no -I", rel, nil, "weather.proto", []string{filepath.Dir(rel)}, nil},
		{"absolute, inside -I", abs, []string{dir}, "weather.proto", []string{dir}, nil},
		// Its import names units.proto, found under the second path.
		{"absolute, inside a virtual -I", abs, []string{"w=" + dir, dir}, "w/weather.proto", []string{"w=" + dir, dir}, nil},
		{"its import under no root", abs, []string{"w=" + dir}, "", nil, []string{"weather.proto:8:8: units.proto: file does not exist in w=" + dir}},
		{"outside every -I", abs, []string{"testdata/proto", "v=testdata/virtual/api"}, "", nil,
			[]string{abs + " is outside every import path (testdata/proto, v=testdata/virtual/api)"}},
		{"not there", filepath.Join(dir, "nope.proto"), nil, "", nil, []string{filepath.Join(dir, "nope.proto") + ": file does not exist"}},
		{"a name not found", "nope/nope.proto", []string{"testdata/proto", "v=testdata/virtual/api"}, "", nil,
			[]string{"nope/nope.proto: file does not exist in testdata/proto, v=testdata/virtual/api"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files, err := Compile(context.Background(), []string{tt.file}, CompileOptions{ImportPaths: tt.paths})
			if tt.err != nil {
				if err == nil {
					t.Fatal("compiled; want an error")
				}
				for _, w := range tt.err {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not say %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(files.Origin.Files, ","); got != tt.want {
				t.Errorf("named %q, want %q", got, tt.want)
			}
			if got := strings.Join(files.Origin.ImportPaths, ","); got != strings.Join(tt.roots, ",") {
				t.Errorf("origin import paths %q, want %q", got, tt.roots)
			}
			res := mustImport(t, files, Options{Upstream: "weather"})
			if res.Fields != 1 || !strings.Contains(res.SDL, "enum Unit") {
				t.Errorf("%d fields:\n%s", res.Fields, res.SDL)
			}
		})
	}
}

// TestShadowedFile refuses, as protoc does, a file whose name an earlier
// import path gives to another file.
func TestShadowedFile(t *testing.T) {
	fsys := fstest.MapFS{
		"a/x.proto": {Data: []byte("syntax = \"proto3\";\npackage a;\n")},
		"b/x.proto": {Data: []byte("syntax = \"proto3\";\npackage b;\n")},
	}
	_, err := Compile(context.Background(), []string{"b/x.proto"}, CompileOptions{FS: fsys, ImportPaths: []string{"a", "b"}})
	if err == nil || !strings.Contains(err.Error(), "b/x.proto is named x.proto under import path b, but that name is the file a/x.proto, under a, which comes first") {
		t.Errorf("error %v", err)
	}
	files, err := Compile(context.Background(), []string{"b/x.proto"}, CompileOptions{FS: fsys, ImportPaths: []string{"b", "a"}})
	if err != nil || files.Path("x.proto") != "b/x.proto" {
		t.Errorf("with b first: %v", err)
	}
}

// TestNothingToImport: descriptors that give no method are a NothingError
// that says why.
func TestNothingToImport(t *testing.T) {
	fsys := fstest.MapFS{
		"streams.proto": {Data: []byte("syntax = \"proto3\";\npackage s;\nmessage M {}\nservice S {\n  rpc Up(stream M) returns (M);\n  rpc Both(stream M) returns (stream M);\n}\n")},
		"types.proto":   {Data: []byte("syntax = \"proto3\";\npackage t;\nmessage M {}\n")},
	}
	tests := []struct {
		name    string
		files   func(t *testing.T) *Files
		opts    Options
		want    string
		warning string
	}{
		{"no method", func(t *testing.T) *Files {
			return compileOrFail(t, "nomethod/nomethod.proto", CompileOptions{ImportPaths: []string{"testdata"}})
		}, Options{}, "nothing to import: the services nomethod.v1.Placeholder declare no method", ""},
		{"no service", func(t *testing.T) *Files {
			return compileOrFail(t, "types.proto", CompileOptions{FS: fsys})
		}, Options{}, "nothing to import: the files compiled declare no service", ""},
		{"no service asked for", func(t *testing.T) *Files {
			return compileOrFail(t, "nomethod/nomethod.proto", CompileOptions{ImportPaths: []string{"testdata"}})
		}, Options{Services: []string{"nomethod.v1.Nope"}}, "nothing to import: no service of the descriptors is one of the services asked for (nomethod.v1.Nope)",
			"nomethod.v1.Nope: Services names this, which is not a service of the descriptors"},
		{"every method skipped", func(t *testing.T) *Files {
			return compileOrFail(t, "streams.proto", CompileOptions{FS: fsys})
		}, Options{}, "nothing to import: every method was skipped (s.S/Up: a client-streaming method has no GraphQL form; s.S/Both: a bidirectional streaming method has no GraphQL form)",
			"streams.proto:5:3: s.S/Up: a client-streaming method has no GraphQL form: not imported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Upstream = "u"
			res, err := Import(tt.files(t), tt.opts)
			var nothing *NothingError
			if !errors.As(err, &nothing) {
				t.Fatalf("result %v, error %v; want a NothingError", res, err)
			}
			if err.Error() != tt.want {
				t.Errorf("error\n%s\nwant\n%s", err, tt.want)
			}
			if tt.warning == "" {
				return
			}
			found := false
			for _, w := range nothing.Result.Warnings {
				found = found || w.String() == tt.warning
			}
			if !found {
				t.Errorf("no warning %q in %v", tt.warning, nothing.Result.Warnings)
			}
		})
	}
}

func compileOrFail(t *testing.T, file string, opts CompileOptions) *Files {
	t.Helper()
	files, err := Compile(context.Background(), []string{file}, opts)
	if err != nil {
		t.Fatal(err)
	}
	return files
}
