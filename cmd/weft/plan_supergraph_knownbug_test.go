package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestPlanSupergraphErrorLocated expects an error in the file given to
// --supergraph to be reported as FILE:LINE:COL, like every other error
// in a file the user wrote, and not to name the resources weft generates
// to serve it (weft-supergraph.yaml, which is on no disk).
func TestPlanSupergraphErrorLocated(t *testing.T) {
	t.Skip(`known bug: weft plan --supergraph bad.graphql reports "…/weft-supergraph.yaml:5:15: spec.supergraph: …/bad.graphql:39:22: @join__type names graph …": the position of a resource file weft generates, which is on no disk, comes first`)
	bad := strings.Replace(accountsSupergraph, `@join__type(graph: BILLING, key: "id")`, `@join__type(graph: BILING, key: "id")`, 1)
	dir := writeFiles(t, map[string]string{"bad.graphql": bad})
	file := filepath.Join(dir, "bad.graphql")
	r := weft(t, "plan", "--supergraph", file, "--query", "{ me { name } }")
	if r.code != 1 {
		t.Errorf("exit code %d", r.code)
	}
	if want := file + ":39:22: @join__type names graph BILING, which join__Graph does not list"; !strings.Contains(r.stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
	}
	if strings.Contains(r.stderr, "weft-supergraph.yaml") {
		t.Errorf("stderr names a generated file:\n%s", r.stderr)
	}
}
