package resource

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestGoldenConfig loads a config directory with a mistake of each kind and
// compares every message, from loading and from decoding the specs, with
// testdata/config.golden. Run with -update after an intended change.
func TestGoldenConfig(t *testing.T) {
	opts := Options{
		Env:   mapEnv(map[string]string{"USERS_URL": "http://users"}),
		Kinds: []string{"Upstream", "VirtualService"},
	}
	docs, err := LoadDir(os.DirFS("testdata"), "config", opts)
	var b strings.Builder
	b.WriteString("# LoadDir\n")
	if err != nil {
		b.WriteString(err.Error())
		b.WriteByte('\n')
	}
	for _, d := range docs {
		b.WriteString("# DecodeSpec " + d.File + ": " + d.Ref() + "\n")
		var spec testSpec
		if err := d.DecodeSpec(&spec); err != nil {
			b.WriteString(err.Error())
			b.WriteByte('\n')
		}
	}
	got := b.String()

	golden := filepath.Join("testdata", "config.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (run with -update if the change is intended):\n--- got\n%s--- want\n%s", golden, got, want)
	}
}
