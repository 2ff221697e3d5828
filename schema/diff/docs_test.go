package diff

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// TestDocsListEveryClass holds docs/registry.md's table of classes to the
// code: every class once, with its severity, and no class the code lacks.
func TestDocsListEveryClass(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "registry.md"))
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `([A-Z_]+)` \\| (BREAKING|DANGEROUS|SAFE) \\|")
	listed := map[Class]Severity{}
	for _, m := range row.FindAllStringSubmatch(string(doc), -1) {
		c := Class(m[1])
		if _, dup := listed[c]; dup {
			t.Errorf("docs/registry.md lists %s twice", c)
		}
		listed[c] = Severity(m[2])
		if _, known := severities[c]; !known {
			t.Errorf("docs/registry.md lists %s, which is no class", c)
		}
	}
	for _, c := range Classes() {
		switch s, ok := listed[c]; {
		case !ok:
			t.Errorf("docs/registry.md does not list %s", c)
		case s != c.Severity():
			t.Errorf("docs/registry.md says %s is %s; it is %s", c, s, c.Severity())
		}
	}
}
