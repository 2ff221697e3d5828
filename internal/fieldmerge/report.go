package fieldmerge

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator/core"
)

// conflict is one pair of fields in an error: either the pair conflicts
// itself (reason), or some of their subfields do (children). The pair at
// the top of an error is the pair nearest to the root whose fields come
// from one selection set, which is where graphql-js reports it.
type conflict struct {
	a, b     int32 // elements
	reason   string
	children []*conflict
	index    map[[2]int32]*conflict
}

// report turns the pairs found in one root into errors, one per pair of
// fields at the top, nesting their subfield conflicts, and hands them to
// gqlparser in document order.
func (c *checker) report() {
	if len(c.found) == 0 {
		return
	}
	tops := map[[2]int32]*conflict{}
	var order []*conflict
	for _, l := range c.found {
		a, b := c.chain(l.a), c.chain(l.b)
		if len(a) != len(b) {
			// Both sides of a pair are in one merged set, so their chains
			// have the same length; align them at the pair if not.
			n := min(len(a), len(b))
			a, b = a[:n], b[:n]
		}
		// The pair is reported within the nearest set that selects both
		// sides' ancestors, from the same field (or the root).
		top := len(a) - 1
		for i := 1; i < len(a); i++ {
			if c.elems[a[i]].node == c.elems[b[i]].node {
				top = i - 1
				break
			}
		}
		if c.elems[a[top]].order > c.elems[b[top]].order {
			a, b = b, a
		}
		index, created := tops, false
		var parent *conflict
		exclusive := false
		for i := top; i >= 0; i-- {
			ea, eb := a[i], b[i]
			na, nb := c.elems[ea].node, c.elems[eb].node
			key := [2]int32{min(na, nb), max(na, nb)}
			node, ok := index[key]
			if !ok {
				node = &conflict{a: ea, b: eb}
				index[key] = node
				if parent == nil {
					created = true
				} else {
					parent.children = append(parent.children, node)
				}
			} else if c.elems[node.a].node != na {
				// Met before from the other side: keep that orientation.
				a, b = b, a
				na, nb = nb, na
			}
			if node.reason != "" {
				break
			}
			exclusive = exclusive || c.exclusive(na, nb)
			if r := c.reason(na, nb, exclusive); r != "" {
				// graphql-js stops at the first pair that conflicts itself:
				// what its subfields do is not part of the error.
				node.reason = r
				node.children, node.index = nil, nil
				break
			}
			if node.index == nil {
				node.index = map[[2]int32]*conflict{}
			}
			parent, index = node, node.index
		}
		if created {
			order = append(order, tops[[2]int32{min(c.elems[a[top]].node, c.elems[b[top]].node), max(c.elems[a[top]].node, c.elems[b[top]].node)}])
		}
	}
	var errs []reported
	for _, t := range order {
		if !t.holds() {
			continue
		}
		t.sortChildren(c)
		var msg strings.Builder
		t.writeReason(c, &msg)
		var locs []*ast.Position
		locs = t.positions(c, locs, true)
		locs = t.positions(c, locs, false)
		errs = append(errs, reported{
			message:   fmt.Sprintf(`Fields "%s" conflict because %s. Use different aliases on the fields to fetch both if this was intentional.`, c.responseName(t.a), msg.String()),
			locations: locs,
		})
	}
	slices.SortStableFunc(errs, func(x, y reported) int {
		return comparePositions(x.locations, y.locations)
	})
	for _, e := range errs {
		opts := []core.ErrorOption{core.Message("%s", e.message)}
		for _, p := range e.locations {
			opts = append(opts, core.At(p))
		}
		c.addError(opts...)
	}
}

type reported struct {
	message   string
	locations []*ast.Position
}

func comparePositions(x, y []*ast.Position) int {
	for i := range min(len(x), len(y)) {
		if x[i] == nil || y[i] == nil {
			continue
		}
		if r := cmp.Or(cmp.Compare(x[i].Line, y[i].Line), cmp.Compare(x[i].Column, y[i].Column)); r != 0 {
			return r
		}
	}
	return cmp.Compare(len(x), len(y))
}

// chain lists an element and its ancestors, up to its root set.
func (c *checker) chain(e int32) []int32 {
	var out []int32
	for ; e >= 0; e = c.elems[e].origin {
		out = append(out, e)
	}
	return out
}

func (c *checker) responseName(e int32) string {
	f := c.nodes[c.elems[e].node].field
	if f.Alias != "" {
		return f.Alias
	}
	return f.Name
}

// exclusive says two fields can never apply to the same object, as
// gqlparser decides it: both are defined on object types, and different
// ones.
func (c *checker) exclusive(a, b int32) bool {
	na, nb := &c.nodes[a], &c.nodes[b]
	return na.concrete && nb.concrete && na.field.ObjectDefinition.Name != nb.field.ObjectDefinition.Name
}

// reason says why two fields conflict by themselves, in graphql-js's words,
// or "" if they do not: fields that can apply to the same object must have
// the same name and arguments, and all must have the same response shape.
func (c *checker) reason(a, b int32, exclusive bool) string {
	fa, fb := c.nodes[a].field, c.nodes[b].field
	if !exclusive {
		if fa.Name != fb.Name {
			return fmt.Sprintf(`"%s" and "%s" are different fields`, fa.Name, fb.Name)
		}
		if c.argsKey(a) != c.argsKey(b) {
			return "they have differing arguments"
		}
	}
	sa, okA := c.shapeKey(a)
	sb, okB := c.shapeKey(b)
	if okA && okB && sa != sb {
		return fmt.Sprintf(`they return conflicting types "%s" and "%s"`, fa.Definition.Type.String(), fb.Definition.Type.String())
	}
	return ""
}

// holds says the pair conflicts, itself or through a subfield.
func (t *conflict) holds() bool {
	if t.reason != "" {
		return true
	}
	return slices.ContainsFunc(t.children, (*conflict).holds)
}

// sortChildren orders subfield conflicts as their fields appear in their
// merged set, so that an error reads in document order.
func (t *conflict) sortChildren(c *checker) {
	slices.SortStableFunc(t.children, func(x, y *conflict) int {
		return cmp.Or(
			cmp.Compare(c.elems[x.a].order, c.elems[y.a].order),
			cmp.Compare(c.elems[x.b].order, c.elems[y.b].order),
		)
	})
	for _, ch := range t.children {
		ch.sortChildren(c)
	}
}

func (t *conflict) writeReason(c *checker, b *strings.Builder) {
	if t.reason != "" {
		b.WriteString(t.reason)
		return
	}
	first := true
	for _, ch := range t.children {
		if !ch.holds() {
			continue
		}
		if !first {
			b.WriteString(" and ")
		}
		first = false
		b.WriteString(`subfields "`)
		b.WriteString(c.responseName(ch.a))
		b.WriteString(`" conflict because `)
		ch.writeReason(c, b)
	}
}

// positions appends the positions of one side of the pair and of its
// subfields, as graphql-js lists them: the first side's fields, then the
// second's.
func (t *conflict) positions(c *checker, out []*ast.Position, first bool) []*ast.Position {
	e := t.b
	if first {
		e = t.a
	}
	out = append(out, c.nodes[c.elems[e].node].field.Position)
	for _, ch := range t.children {
		if ch.holds() {
			out = ch.positions(c, out, first)
		}
	}
	return out
}
