package planner

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"

	"github.com/vektah/gqlparser/v2/ast"
)

// coordinates returns the schema coordinates operation op of doc touches,
// sorted and each once: every type it reads or names (`Product`), every
// field it selects on the type it is selected on (`Product.price`), every
// argument it gives (`Query.product(upc:)`), and the enum values
// (`Status.ACTIVE`) and input fields (`ReviewInput.body`) written in it.
// The types of its variables count as named, and each directive it uses
// (`@include`, `@include(if:)`); what a variable's value holds is not
// known before a request, so its input fields are not counted.
//
// A schema registry's check compares them with the coordinates a change
// touches to say which recorded operations it breaks. Each fragment is
// walked once, so the work is the document's size, not its expansion.
func coordinates(doc *ast.QueryDocument, op *ast.OperationDefinition) []string {
	c := coordWalk{set: map[string]struct{}{}, frags: map[string]bool{}, doc: doc}
	for _, v := range op.VariableDefinitions {
		if v.Type != nil {
			c.add(v.Type.Name())
		}
	}
	c.directives(op.Directives)
	c.selections(op.SelectionSet)
	out := make([]string, 0, len(c.set))
	for k := range c.set {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// coordWalk gathers coordinates.
type coordWalk struct {
	set   map[string]struct{}
	frags map[string]bool
	doc   *ast.QueryDocument
}

func (c *coordWalk) add(s string) { c.set[s] = struct{}{} }

func (c *coordWalk) selections(set ast.SelectionSet) {
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			c.field(sel)
		case *ast.InlineFragment:
			if sel.TypeCondition != "" {
				c.add(sel.TypeCondition)
			}
			c.directives(sel.Directives)
			c.selections(sel.SelectionSet)
		case *ast.FragmentSpread:
			c.directives(sel.Directives)
			if c.frags[sel.Name] {
				continue
			}
			c.frags[sel.Name] = true
			if f := c.doc.Fragments.ForName(sel.Name); f != nil {
				c.add(f.TypeCondition)
				c.directives(f.Directives)
				c.selections(f.SelectionSet)
			}
		}
	}
}

// directives adds the directives used and the arguments given to them.
func (c *coordWalk) directives(list ast.DirectiveList) {
	for _, d := range list {
		c.add("@" + d.Name)
		for _, a := range d.Arguments {
			c.add("@" + d.Name + "(" + a.Name + ":)")
			c.value(a.Value)
		}
	}
}

func (c *coordWalk) field(f *ast.Field) {
	c.directives(f.Directives)
	if f.Definition == nil || f.ObjectDefinition == nil {
		// __typename and fields validation did not resolve.
		c.selections(f.SelectionSet)
		return
	}
	if len(f.Name) > 1 && f.Name[0] == '_' && f.Name[1] == '_' {
		// Introspection reads the schema, not its coordinates.
		return
	}
	parent := f.ObjectDefinition.Name
	field := parent + "." + f.Name
	c.add(parent)
	c.add(field)
	c.add(f.Definition.Type.Name())
	for _, a := range f.Arguments {
		c.add(field + "(" + a.Name + ":)")
		c.value(a.Value)
	}
	c.selections(f.SelectionSet)
}

// value adds the enum values and input fields a literal names.
func (c *coordWalk) value(v *ast.Value) {
	if v == nil {
		return
	}
	switch v.Kind {
	case ast.EnumValue:
		if v.Definition != nil {
			c.add(v.Definition.Name + "." + v.Raw)
		}
	case ast.ObjectValue:
		if v.Definition != nil {
			c.add(v.Definition.Name)
		}
		for _, ch := range v.Children {
			if v.Definition != nil {
				c.add(v.Definition.Name + "." + ch.Name)
			}
			c.value(ch.Value)
		}
	case ast.ListValue:
		for _, ch := range v.Children {
			c.value(ch.Value)
		}
	}
}

// signature names an operation alike on every replica, for every layout
// of its text and whatever the string and number literals in it: the
// hex-encoded first 16 bytes of the SHA-256 of its key (OperationKey)
// with those literals blanked, and its name. `product(upc: "1")` and
// `product(upc: "2")` are one operation to usage reports, as they are to
// a schema change; enum literals are names and stay, since a change can
// remove one.
func signature(key, operation string) string {
	h := sha256.New()
	_, _ = h.Write(blankLiterals(nil, key))
	_, _ = h.Write([]byte{0})
	_, _ = h.Write([]byte(operation))
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// blankLiterals appends key to dst with each string literal written "" and
// each number 0.
func blankLiterals(dst []byte, key string) []byte {
	prev := tokNone
	for i := skipIgnored(key, 0); i < len(key); i = skipIgnored(key, i) {
		end, kind := scanToken(key, i)
		if kind == tokInvalid {
			return append(dst, key[i:]...)
		}
		tok := key[i:end]
		switch kind {
		case tokString:
			tok = `""`
		case tokNumber:
			tok = "0"
		}
		if needSpace(prev, tok[0]) {
			dst = append(dst, ' ')
		}
		dst = append(dst, tok...)
		prev, i = kind, end
	}
	return dst
}
