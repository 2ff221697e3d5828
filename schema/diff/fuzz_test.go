package diff

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// FuzzCompare compares any two schemas gqlparser accepts: Compare never
// panics, a schema never differs from itself, the order is the documented
// one, every change's severity is its class's, and comparing twice gives
// the same changes.
func FuzzCompare(f *testing.F) {
	for _, tt := range classCases {
		f.Add(tt.old, tt.new)
	}
	olds, _ := filepath.Glob(filepath.Join("testdata", "*.old.graphql"))
	for _, p := range olds {
		f.Add(readTestdata(f, p), readTestdata(f, strings.TrimSuffix(p, ".old.graphql")+".new.graphql"))
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		sa, err := gqlparser.LoadSchema(&ast.Source{Name: "a", Input: a})
		if err != nil {
			return
		}
		sb, err := gqlparser.LoadSchema(&ast.Source{Name: "b", Input: b})
		if err != nil {
			return
		}
		for _, s := range []*ast.Schema{sa, sb} {
			if same := Compare(s, s); len(same) != 0 {
				t.Fatalf("a schema differs from itself: %v", same)
			}
		}
		got := Compare(sa, sb)
		for i, c := range got {
			if c.Severity != c.Class.Severity() || c.Coordinate == "" || c.Message == "" {
				t.Fatalf("malformed change %#v", c)
			}
			if i > 0 && less(c, got[i-1]) {
				t.Fatalf("changes out of order: %v before %v", got[i-1], c)
			}
		}
		if again := Compare(sa, sb); !reflect.DeepEqual(again, got) {
			t.Fatalf("a second comparison differs:\n%v\n%v", got, again)
		}
	})
}
