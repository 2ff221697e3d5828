package introspection

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestFullQueryGolden runs the full introspection query over every test
// schema and compares the output with testdata/golden. Run with -update to
// rewrite the files after a deliberate change, then review the diff.
func TestFullQueryGolden(t *testing.T) {
	query := FullQuery
	for _, name := range schemaFiles(t) {
		t.Run(name, func(t *testing.T) {
			s := loadSchemaFile(t, name)
			field, vars := rootField(t, s, query, nil)
			out, err := Write(nil, s, field, vars)
			if err != nil {
				t.Fatal(err)
			}
			if !json.Valid(out) {
				t.Fatalf("output is not valid JSON:\n%s", out)
			}
			got := indent(t, out)
			path := filepath.Join("testdata", "golden", name+".json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want := readFile(t, path)
			if string(got) != want {
				t.Errorf("%s differs from the golden file (rerun with -update if the change is intended)\n%s",
					name, diffLines(string(got), want))
			}
		})
	}
}
