package diff

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// report prints changes as the golden files hold them: a line per change,
// then the coordinates it affects.
func report(changes []Change) string {
	var b strings.Builder
	for _, c := range changes {
		b.WriteString(c.String() + "\n")
		if len(c.Affects) > 0 {
			b.WriteString("    affects: " + strings.Join(c.Affects, ", ") + "\n")
		}
	}
	return b.String()
}

// TestGolden compares realistic schema pairs: testdata/NAME.old.graphql
// and NAME.new.graphql against NAME.golden (go test -run TestGolden
// -update ./schema/diff rewrites it).
func TestGolden(t *testing.T) {
	olds, err := filepath.Glob(filepath.Join("testdata", "*.old.graphql"))
	if err != nil || len(olds) == 0 {
		t.Fatalf("no golden pairs in testdata: %v", err)
	}
	for _, oldPath := range olds {
		name := strings.TrimSuffix(filepath.Base(oldPath), ".old.graphql")
		t.Run(name, func(t *testing.T) {
			old := load(t, readTestdata(t, oldPath))
			new := load(t, readTestdata(t, filepath.Join("testdata", name+".new.graphql")))
			got := report(Compare(old, new))
			golden := filepath.Join("testdata", name+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want := readTestdata(t, golden)
			if got != want {
				t.Errorf("changes differ from %s (rerun with -update to accept):\n%s", golden, got)
			}
			if again := report(Compare(old, new)); again != got {
				t.Errorf("a second comparison gives another report:\n%s", again)
			}
		})
	}
}

func readTestdata(t testing.TB, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
