package compose

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// FuzzCompose composes two subgraphs of arbitrary SDL. Composition must
// never panic; it either fails with composition errors that each carry a
// code, or yields a supergraph that loads, whose Schema is that
// supergraph.
func FuzzCompose(f *testing.F) {
	dirs, err := filepath.Glob(filepath.Join("testdata", "*", "*"))
	if err != nil {
		f.Fatal(err)
	}
	for _, dir := range dirs {
		files, _ := filepath.Glob(filepath.Join(dir, "*.graphql"))
		sort.Strings(files)
		var sdl [2]string
		for i, file := range files {
			if i == 2 {
				break
			}
			b, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			sdl[i] = string(b)
		}
		f.Add(sdl[0], sdl[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		res, err := Compose([]Subgraph{
			{Name: "a", URL: "http://a.example/graphql", SDL: a},
			{Name: "b", URL: "http://b.example/graphql", SDL: b},
		})
		if err != nil {
			var errs Errors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("the error is not a list of composition errors: %v", err)
			}
			for _, e := range errs {
				if e.Code == "" || e.Message == "" {
					t.Fatalf("an error without a code or message: %#v", e)
				}
			}
			return
		}
		if res.Schema == nil || res.Schema.Query == nil {
			t.Fatalf("a composed supergraph without a query root:\n%s", res.Supergraph)
		}
		if _, err := gqlparser.LoadSchema(&ast.Source{Name: "supergraph", Input: res.Supergraph}); err != nil {
			t.Fatalf("the supergraph does not load: %v\n%s", err, res.Supergraph)
		}
	})
}
