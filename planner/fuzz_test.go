package planner

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// FuzzPlanWork plans operations written from the fuzzer's bytes (fields,
// aliases, inline fragments, fragments spreading fragments, @skip and
// @include) and checks that planning's work stays linear in the size of
// the expanded operation, measured by a reference expansion written
// independently of the planner: the planner's own count and its
// allocations (a measure of its time that does not depend on the machine)
// are both bounded by a constant times that size. An operation whose
// expansion fits the budget is never refused for size.
func FuzzPlanWork(f *testing.F) {
	s := testSchema(f)
	seeds := [][]byte{
		{0, 0, 0, 0},
		{5, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
		[]byte("fragments spreading fragments spreading fragments"),
		{7, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3},
		{200, 17, 99, 4, 4, 4, 8, 15, 16, 23, 42, 255, 0, 128, 64, 32, 1, 2, 3},
	}
	for _, seed := range seeds {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		q := (&opWriter{src: data}).write()
		doc, errs := gqlparser.LoadQuery(s.AST, q)
		if errs != nil {
			return // the writer may pick fields that cannot merge
		}
		size := expandedSize(s.AST, doc)
		if size < 0 {
			return // the reference gave up: too large to compare
		}
		const budget = 20000
		var (
			p   *Plan
			err error
		)
		allocs := testing.AllocsPerRun(1, func() {
			p, err = Build(context.Background(), s, doc, "", Options{MaxSelections: budget})
		})
		// Conditions count in the planner's work: a spread under $v costs
		// its comparisons with earlier spreads of the fragment.
		work := 12*size + 64
		var tooLarge *TooLargeError
		if errors.As(err, &tooLarge) {
			if work < budget {
				t.Fatalf("refused at %d selections, yet it expands to %d\n%s", budget, size, q)
			}
			return
		}
		if err != nil {
			t.Fatalf("Build: %v\n%s", err, q)
		}
		if p.Selections > work {
			t.Fatalf("planning counted %d selections for an expansion of %d (limit %d)\n%s", p.Selections, size, work, q)
		}
		if limit := float64(24*size + 400); allocs > limit {
			t.Fatalf("planning made %.0f allocations for an expansion of %d (limit %.0f)\n%s", allocs, size, limit, q)
		}
	})
}

// expandedSize counts the selections of doc's operation once fragments are
// expanded as the spec's CollectFields expands them (each fragment once per
// selection set, @skip and @include taken as passing), recursing into each
// merged field for each concrete type it can hold. It returns -1 past a
// million.
func expandedSize(s *ast.Schema, doc *ast.QueryDocument) int {
	const most = 1_000_000
	n := 0
	var object func(def *ast.Definition, sets []ast.SelectionSet) bool
	object = func(def *ast.Definition, sets []ast.SelectionSet) bool {
		type group struct{ fields []*ast.Field }
		var order []string
		groups := map[string]*group{}
		visited := map[string]bool{}
		var collect func(set ast.SelectionSet)
		applies := func(cond string) bool {
			if cond == "" || cond == def.Name {
				return true
			}
			for _, t := range s.GetPossibleTypes(s.Types[cond]) {
				if t.Name == def.Name {
					return true
				}
			}
			return false
		}
		collect = func(set ast.SelectionSet) {
			for _, sel := range set {
				n++
				switch sel := sel.(type) {
				case *ast.Field:
					key := sel.Alias
					if key == "" {
						key = sel.Name
					}
					g := groups[key]
					if g == nil {
						g = &group{}
						groups[key] = g
						order = append(order, key)
					}
					g.fields = append(g.fields, sel)
				case *ast.InlineFragment:
					if applies(sel.TypeCondition) {
						collect(sel.SelectionSet)
					}
				case *ast.FragmentSpread:
					if visited[sel.Name] {
						continue
					}
					visited[sel.Name] = true
					def := doc.Fragments.ForName(sel.Name)
					if applies(def.TypeCondition) {
						collect(def.SelectionSet)
					}
				}
			}
		}
		for _, set := range sets {
			collect(set)
		}
		if n > most {
			return false
		}
		for _, key := range order {
			g := groups[key]
			first := g.fields[0]
			if first.Name == "__typename" {
				continue
			}
			fd := def.Fields.ForName(first.Name)
			named := s.Types[fd.Type.Name()]
			if named.IsLeafType() {
				continue
			}
			var sub []ast.SelectionSet
			for _, f := range g.fields {
				sub = append(sub, f.SelectionSet)
			}
			for _, t := range s.GetPossibleTypes(named) {
				if !object(t, sub) {
					return false
				}
			}
		}
		return true
	}
	op := doc.Operations[0]
	if !object(s.Query, []ast.SelectionSet{op.SelectionSet}) {
		return -1
	}
	return n
}

// opWriter writes a GraphQL operation over the test schema from bytes.
type opWriter struct {
	src  []byte
	at   int
	frag []fragDef
	b    strings.Builder
}

type fragDef struct{ name, on string }

// next returns a number below n read from the bytes, 0 once they run out.
func (w *opWriter) next(n int) int {
	if w.at >= len(w.src) || n <= 1 {
		return 0
	}
	v := int(w.src[w.at]) % n
	w.at++
	return v
}

// fieldsOf lists each type's fields the writer picks from; composite ones
// name their type.
var fieldsOf = map[string][][2]string{
	"Product": {{"upc", ""}, {"name", ""}, {"price", ""}, {"reviews", "Review"}, {"summary", "Summary"}, {"weight", ""}},
	"Review":  {{"id", ""}, {"rating", ""}, {"body", ""}, {"product", "Product"}},
	"Book":    {{"upc", ""}, {"title", ""}, {"pages", ""}, {"reviews", "Review"}},
	"Movie":   {{"upc", ""}, {"title", ""}, {"minutes", ""}},
	"Summary": {{"count", ""}, {"average", ""}},
	"Titled":  {{"upc", ""}, {"title", ""}},
	"Media":   {},
}

// within lists the types a fragment on each type may be spread in.
var within = map[string][]string{
	"Product": {"Product"}, "Review": {"Review"}, "Summary": {"Summary"},
	"Book": {"Book", "Media", "Titled"}, "Movie": {"Movie", "Media", "Titled"},
	"Media": {"Media", "Book", "Movie", "Titled"}, "Titled": {"Titled", "Book", "Movie", "Media"},
}

var fragTypes = []string{"Product", "Review", "Book", "Media", "Titled", "Movie"}

func (w *opWriter) write() string {
	nfrag := w.next(13)
	for i := range nfrag {
		on := fragTypes[w.next(len(fragTypes))]
		if i > 0 && w.next(3) != 0 {
			// Chains of fragments on one type are where expansion
			// multiplies.
			on = w.frag[i-1].on
		}
		w.frag = append(w.frag, fragDef{name: fmt.Sprintf("F%d", i), on: on})
	}
	roots := [][2]string{{"products", "Product"}, {"media", "Media"}, {"titled", "Titled"}}
	w.b.WriteString("query Q($v: Boolean!) {")
	for range 1 + w.next(3) {
		r := roots[w.next(len(roots))]
		w.b.WriteString(" " + r[0])
		w.set(r[1], 4, -1)
	}
	// Every operation reads $v, so that none fails validation for it.
	w.b.WriteString(" __typename @skip(if: $v) }\n")
	for i, fd := range w.frag {
		fmt.Fprintf(&w.b, "fragment %s on %s", fd.name, fd.on)
		w.set(fd.on, 3, i)
		w.b.WriteString("\n")
	}
	return w.b.String()
}

// set writes a selection set on type typeName; spreads name fragments
// after fragment from, so that no fragment spreads itself.
func (w *opWriter) set(typeName string, depth, from int) {
	w.b.WriteString(" {")
	wrote := false
	for range 1 + w.next(4) {
		switch w.next(4) {
		case 0, 1:
			fields := fieldsOf[typeName]
			if len(fields) == 0 {
				continue
			}
			fd := fields[w.next(len(fields))]
			if fd[1] != "" && depth == 0 {
				continue
			}
			w.b.WriteString(" " + [...]string{"", "a: ", "b: ", ""}[w.next(4)] + fd[0])
			w.directive()
			if fd[1] != "" {
				w.set(fd[1], depth-1, from)
			}
			wrote = true
		case 2:
			for i := from + 1; i < len(w.frag); i++ {
				if !spreadable(w.frag[i].on, typeName) {
					continue
				}
				for range w.next(3) {
					w.b.WriteString(" ..." + w.frag[i].name)
					w.directive()
					wrote = true
				}
			}
		case 3:
			if depth == 0 {
				continue
			}
			on := within[typeName][w.next(len(within[typeName]))]
			if len(fieldsOf[on]) == 0 {
				continue
			}
			w.b.WriteString(" ... on " + on)
			w.directive()
			w.set(on, depth-1, from)
			wrote = true
		}
	}
	if !wrote {
		w.b.WriteString(" __typename")
	}
	w.b.WriteString(" }")
}

func (w *opWriter) directive() {
	w.b.WriteString([...]string{"", "", "", " @include(if: $v)", " @skip(if: $v)", " @include(if: true)", " @skip(if: false)"}[w.next(7)])
}

func spreadable(fragOn, in string) bool {
	for _, t := range within[fragOn] {
		if t == in {
			return true
		}
	}
	return false
}
