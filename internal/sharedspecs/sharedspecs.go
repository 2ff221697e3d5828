// Package sharedspecs reads the index of the shared collection of public API
// descriptions (OpenAPI documents, WSDLs, .proto trees) that the importers'
// tests run on. The collection sits beside the repository, at
// ../shared/specs, on the project's machines; a clone elsewhere has none,
// and the tests that need it skip, saying so.
package sharedspecs

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Entry is one row of the collection's index.tsv.
type Entry struct {
	// Kind is openapi, wsdl or proto.
	Kind string
	// Path is the entry's file, relative to the collection:
	// KIND/OWNER__NAME/PATH.
	Path string
	// Import is, for proto, the name to compile the entry by.
	Import string
	// Roots are, for proto, the import roots relative to the collection,
	// in search order.
	Roots []string
}

// Tree is the entry's repository folder, relative to the collection
// (KIND/OWNER__NAME), and Rel the entry's path inside it.
func (e Entry) Tree() (tree, rel string) {
	parts := strings.SplitN(e.Path, "/", 3)
	if len(parts) < 3 {
		return e.Path, ""
	}
	return parts[0] + "/" + parts[1], parts[2]
}

// RepoRoot finds the module's root above the test's directory.
func RepoRoot(t testing.TB) string {
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

// Find returns the collection's directory and its entries of kind (every
// kind when kind is ""), and ok false when there is no collection.
func Find(t testing.TB, kind string) (dir string, entries []Entry, ok bool) {
	t.Helper()
	dir = filepath.Join(RepoRoot(t), "..", "shared", "specs")
	f, err := os.Open(filepath.Join(dir, "index.tsv"))
	if err != nil {
		return dir, nil, false
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
			for _, c := range []string{"kind", "entry", "entry_import", "roots"} {
				if _, ok := cols[c]; !ok {
					t.Fatalf("%s has no column %s", f.Name(), c)
				}
			}
			continue
		}
		if len(row) <= cols["roots"] || kind != "" && row[cols["kind"]] != kind {
			continue
		}
		e := Entry{Kind: row[cols["kind"]], Path: row[cols["entry"]], Import: row[cols["entry_import"]]}
		if r := row[cols["roots"]]; r != "" {
			e.Roots = strings.Split(r, ";")
		}
		entries = append(entries, e)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(entries) == 0 {
		t.Fatalf("%s lists no %s entries", f.Name(), kind)
	}
	return dir, entries, true
}

// Load is Find for a test that needs the collection: it skips t, saying
// where it looked, when there is none.
func Load(t testing.TB, kind string) (dir string, entries []Entry) {
	t.Helper()
	dir, entries, ok := Find(t, kind)
	if !ok {
		t.Skipf("no shared spec collection at %s", dir)
	}
	return dir, entries
}
