package openapi

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/weft-gateway/weft/internal/sharedspecs"
)

// sharedSpecs lists the OpenAPI entries of the shared spec collection;
// the test is skipped where there is none.
func sharedSpecs(t *testing.T) (dir string, entries []string) {
	t.Helper()
	dir, all := sharedspecs.Load(t, "openapi")
	for _, e := range all {
		entries = append(entries, e.Path)
	}
	return dir, entries
}

// TestSharedSpecs imports every OpenAPI document of the shared collection:
// none may fail, each SDL must parse, and the warnings are golden (and
// printed, to be read).
func TestSharedSpecs(t *testing.T) {
	dir, entries := sharedSpecs(t)
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for _, entry := range entries {
		name := strings.NewReplacer("/", "__").Replace(strings.TrimPrefix(entry, "openapi/"))
		t.Run(name, func(t *testing.T) {
			// Relative to the package, so that warnings name the same
			// files on every machine.
			source, err := filepath.Rel(wd, filepath.Join(dir, entry))
			if err != nil {
				t.Fatal(err)
			}
			doc, err := Load(context.Background(), source, LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			res, err := Import(doc, Options{Upstream: "api"})
			var none *NoOperationsError
			if errors.As(err, &none) {
				// Nothing to import is an error that says why, with the
				// warnings of the parts left out.
				golden(t, "testdata/specs/"+name+".txt", "nothing imported\n\n"+warningsText(none.Warnings))
				if len(none.Reasons) == 0 {
					t.Errorf("no reasons: %v", err)
				}
				checkPrecise(t, none.Warnings)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range res.Warnings {
				t.Log(w)
			}
			summary := fmt.Sprintf("operations %d, skipped %d, base URL %q\nsecurity %s\nSDL %d bytes, sha256 %x\n",
				res.Operations, res.Skipped, res.BaseURL, schemeKinds(res.Security), len(res.SDL), sha256.Sum256([]byte(res.SDL)))
			golden(t, "testdata/specs/"+name+".txt", summary+"\n"+warningsText(res.Warnings))
			checkTemplates(t, parseSDL(t, name+".graphql", res.SDL))
			again := importFile(t, source, Options{Upstream: "api"})
			if again.SDL != res.SDL {
				t.Errorf("a second import differs:\n%s", diff(res.SDL, again.SDL))
			}
			checkPrecise(t, res.Warnings)
			checkBuild(t, name+".graphql", res.SDL, "api", res.AuthSchemes...)
		})
	}
}

// checkPrecise fails for a warning that does not say where it is: a file
// that exists, a line and a pointer.
func checkPrecise(t *testing.T, ws []Warning) {
	t.Helper()
	for _, w := range ws {
		if w.File == "" || w.Pointer == "" || w.Line == 0 {
			t.Errorf("imprecise warning: %+v", w)
		}
		if _, err := os.Stat(w.File); err != nil {
			t.Errorf("warning names a file that is not there: %v", err)
		}
	}
}

func schemeKinds(ss []Scheme) string {
	if len(ss) == 0 {
		return "none"
	}
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = s.Name + " (" + s.Kind() + ")"
	}
	return strings.Join(parts, ", ")
}
