package wsdl

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// repoRoot finds the module's root from the package directory.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			t.Fatalf("no go.mod above %s", dir)
		}
	}
}

// sharedSpecs lists the WSDL entries of the shared spec collection, which
// sits beside the repository on the project's machines; a clone elsewhere
// has none, and the test is skipped.
func sharedSpecs(t *testing.T) (dir string, entries []string) {
	t.Helper()
	dir = filepath.Join(repoRoot(t), "..", "shared", "specs")
	f, err := os.Open(filepath.Join(dir, "index.tsv"))
	if err != nil {
		t.Skipf("no shared spec collection at %s: %v", dir, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	var cols map[string]int
	for sc.Scan() {
		row := strings.Split(sc.Text(), "\t")
		if cols == nil {
			cols = map[string]int{}
			for i, c := range row {
				cols[c] = i
			}
			for _, c := range []string{"kind", "entry"} {
				if _, ok := cols[c]; !ok {
					t.Fatalf("%s has no column %s", f.Name(), c)
				}
			}
			continue
		}
		if len(row) <= cols["entry"] || row[cols["kind"]] != "wsdl" {
			continue
		}
		entries = append(entries, row[cols["entry"]])
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(entries) == 0 {
		t.Fatalf("%s lists no wsdl entries", f.Name())
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
