package protoschema

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/weft-gateway/weft/internal/sharedspecs"
)

// nothingSpecs are the entries that declare no service, and the error
// their import gives.
var nothingSpecs = map[string]string{
	"proto/protocolbuffers__protobuf/src/google/protobuf/test_messages_proto2.proto": "nothing to import: the files compiled declare no service",
}

type protoSpec struct {
	entry, file string   // the index's entry, and the file to compile
	roots       []string // import paths, relative to the collection
}

// sharedSpecs lists the .proto entries of the shared spec collection; the
// test is skipped where there is none.
func sharedSpecs(t *testing.T) (dir string, specs []protoSpec) {
	t.Helper()
	dir, all := sharedspecs.Load(t, "proto")
	for _, e := range all {
		specs = append(specs, protoSpec{entry: e.Path, file: e.Import, roots: e.Roots})
	}
	return dir, specs
}

// TestSharedSpecs compiles and imports every .proto entry of the shared
// collection: each compiles, its SDL parses, its bindings' templates read
// arguments that exist, a second import gives the same SDL, and the SDL
// and the warnings are golden.
func TestSharedSpecs(t *testing.T) {
	dir, specs := sharedSpecs(t)
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for _, spec := range specs {
		name := strings.NewReplacer("/", "__").Replace(strings.TrimSuffix(strings.TrimPrefix(spec.entry, "proto/"), ".proto"))
		t.Run(name, func(t *testing.T) {
			// Relative to the package, so that warnings name the same
			// files on every machine.
			var roots []string
			for _, r := range spec.roots {
				rel, err := filepath.Rel(wd, filepath.Join(dir, r))
				if err != nil {
					t.Fatal(err)
				}
				roots = append(roots, rel)
			}
			compile := func() (*Result, error) {
				files, err := Compile(context.Background(), []string{spec.file}, CompileOptions{ImportPaths: roots})
				if err != nil {
					t.Fatal(err)
				}
				return Import(files, Options{Upstream: "api"})
			}
			res, err := compile()
			if want, ok := nothingSpecs[spec.entry]; ok {
				var nothing *NothingError
				if !errors.As(err, &nothing) || err.Error() != want {
					t.Fatalf("error %v, want a NothingError %q", err, want)
				}
				golden(t, "testdata/specs/"+name+".txt", err.Error()+"\n\n"+report(nothing.Result))
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range res.Warnings {
				t.Log(w)
			}
			golden(t, "testdata/specs/"+name+".graphql", res.SDL)
			golden(t, "testdata/specs/"+name+".txt", report(res))
			s := parseSDL(t, name+".graphql", res.SDL)
			checkBindings(t, s, res)
			checkFragment(t, res)
			if again, err := compile(); err != nil || again.SDL != res.SDL {
				t.Errorf("a second import differs:\n%s", diff(res.SDL, again.SDL))
			}
			for _, w := range res.Warnings {
				if w.File != "" && (w.Element == "" || w.Line == 0) {
					t.Errorf("imprecise warning: %+v", w)
				}
				if w.File != "" {
					if _, err := os.Stat(w.File); err != nil {
						t.Errorf("warning names a file that is not there: %v", err)
					}
				}
			}
		})
	}
}
