package main

import (
	"os"
	"path/filepath"
	"testing"
)

// A config without a VirtualService is valid, and validate says what it
// will do: answer every request with 404.
func TestValidateWarnsWithoutVirtualService(t *testing.T) {
	upstream := "apiVersion: weft.dev/v1\nkind: Upstream\nmetadata: {name: reviews}\nspec:\n  rest: {baseURL: \"http://127.0.0.1:1\"}\n"
	for _, files := range []map[string]string{nil, {"upstreams.yaml": upstream}} {
		dir := t.TempDir()
		for name, content := range files {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		r := weft(t, "validate", "--config", dir)
		out, errs, code := r.stdout, r.stderr, r.code
		if code != 0 || out != "config is valid: virtual services []\n" {
			t.Errorf("%d files: code %d, stdout %q", len(files), code, out)
		}
		if want := "warning: no VirtualService in " + dir + ": every request will get 404\n"; errs != want {
			t.Errorf("%d files: stderr %q, want %q", len(files), errs, want)
		}
	}
	// The demo has VirtualServices: no warning.
	if r := weft(t, "validate"); r.code != 0 || r.stderr != "" {
		t.Errorf("demo: code %d, stderr %q", r.code, r.stderr)
	}
}
