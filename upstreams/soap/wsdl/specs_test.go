package wsdl

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/weft-gateway/weft/internal/sharedspecs"
)

// sharedSpecs lists the WSDL entries of the shared spec collection; the
// test is skipped where there is none.
func sharedSpecs(t *testing.T) (dir string, entries []string) {
	t.Helper()
	dir, all := sharedspecs.Load(t, "wsdl")
	for _, e := range all {
		entries = append(entries, e.Path)
	}
	return dir, entries
}

// failingSpecs are the entries that must not load, and what the error
// says: the file and line, and the cause.
var failingSpecs = map[string][]string{
	"wsdl/vpulim__node-soap/test/wsdl/default_namespace_soap12.wsdl": {"default_namespace_soap12.wsdl:30:", "prefix soap, which is not declared"},
}

// TestSharedSpecs loads and imports every WSDL entry of the shared
// collection: each loads (but the ones meant to fail, which fail with
// file and line), its SDL parses, its bindings read arguments that exist,
// a second import gives the same SDL, and the SDL and the report are
// golden.
func TestSharedSpecs(t *testing.T) {
	dir, entries := sharedSpecs(t)
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for _, entry := range entries {
		name := strings.NewReplacer("/", "__").Replace(strings.TrimSuffix(strings.TrimPrefix(entry, "wsdl/"), ".wsdl"))
		t.Run(name, func(t *testing.T) {
			// Relative to the package, so that warnings name the same
			// files on every machine.
			source, err := filepath.Rel(wd, filepath.Join(dir, entry))
			if err != nil {
				t.Fatal(err)
			}
			defs, err := Load(context.Background(), source, LoadOptions{})
			if want, ok := failingSpecs[entry]; ok {
				if err == nil {
					t.Fatal("loaded; want an error")
				}
				for _, w := range want {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not say %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			res := mustImport(t, defs, Options{Upstream: "api"})
			golden(t, "testdata/specs/"+name+".graphql", res.SDL)
			golden(t, "testdata/specs/"+name+".txt", report(res))
			s := parseSDL(t, name+".graphql", res.SDL)
			checkBindings(t, s, res, "api")
			checkFragment(t, res)
			again := mustImport(t, load(t, source), Options{Upstream: "api"})
			if again.SDL != res.SDL || report(again) != report(res) {
				t.Errorf("a second import differs:\n%s", diff(res.SDL, again.SDL))
			}
			for _, w := range res.Warnings {
				if w.File == "" || w.Line == 0 {
					continue
				}
				if _, err := os.Stat(w.File); err != nil {
					t.Errorf("warning names a file that is not there: %v", err)
				}
			}
		})
	}
}
