package compose

import (
	"fmt"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// checkInterfaceImplementations checks that each object type has, in the
// supergraph, every field of the interfaces it implements.
func (c *composer) checkInterfaceImplementations(t *mType) {
	if t.kind != ast.Object && t.kind != ast.Interface {
		return
	}
	for _, iname := range t.interfaces {
		it := c.types[iname]
		if it == nil {
			continue
		}
		for _, f := range it.fields {
			if t.fieldMap[f.name] != nil {
				continue
			}
			var declaredIn *sType
			for _, d := range it.defs {
				if d != nil && d.field(f.name) != nil {
					declaredIn = d
					break
				}
			}
			var impl []string
			var blame *sType
			for _, d := range t.defs {
				if d != nil && d.implements(iname) {
					impl = append(impl, fmt.Sprintf("%q", d.sg.name))
					if blame == nil {
						blame = d
					}
				}
			}
			if declaredIn == nil || blame == nil {
				continue
			}
			c.errorf(CodeInterfaceFieldNoImplem, blame.sg, t.name, blame.pos,
				"interface field %s.%s is declared in subgraph %q, but type %s, which implements %s in subgraph(s) %s, has no field %s in any subgraph",
				iname, f.name, declaredIn.sg.name, t.name, iname, strings.Join(impl, ", "), f.name)
		}
	}
}

// checkInterfaceKeyImplementations checks that a subgraph giving an
// interface a resolvable @key defines every implementation of it: it is
// the one asked to resolve any of them by that key.
func (c *composer) checkInterfaceKeyImplementations(t *mType) {
	if t.kind != ast.Interface {
		return
	}
	var impls []string
	for _, ot := range c.implementations(t.name) {
		impls = append(impls, ot.name)
	}
	for _, d := range t.defs {
		if d == nil || d.interfaceObject {
			continue
		}
		resolvable := false
		for _, k := range d.keys {
			resolvable = resolvable || k.resolvable
		}
		if !resolvable {
			continue
		}
		for _, impl := range impls {
			if it := d.sg.types[impl]; it == nil || !it.implements(t.name) {
				c.errorf(CodeInterfaceKeyMissingImplementationType, d.sg, t.name, d.pos,
					"interface %s has a resolvable @key here, so this subgraph must define its implementation %s (and have it implement %s)",
					t.name, impl, t.name)
			}
		}
	}
}

// checkOnlyInaccessible refuses a type clients can see whose every field,
// value or member they cannot: the API schema would have an empty type.
func (c *composer) checkOnlyInaccessible(t *mType) {
	if t.inaccessible || strings.HasPrefix(t.name, "__") {
		return
	}
	total, hidden := 0, 0
	what := "fields"
	switch t.kind {
	case ast.Object, ast.Interface, ast.InputObject:
		for _, f := range t.fields {
			total++
			if f.inaccessible {
				hidden++
			}
		}
	case ast.Enum:
		what = "values"
		for _, v := range t.values {
			total++
			if v.inaccessible {
				hidden++
			}
		}
	case ast.Union:
		what = "members"
		for _, m := range t.members {
			total++
			if mt := c.types[m]; mt != nil && mt.inaccessible {
				hidden++
			}
		}
	}
	if total > 0 && hidden == total {
		first := c.firstDef(t)
		c.errorf(CodeOnlyInaccessibleChildren, first.sg, t.name, first.pos,
			"type %s is visible to clients but all its %s are @inaccessible", t.name, what)
	}
}

// checkInaccessibleReferences refuses what would leave the API schema
// broken once @inaccessible elements are removed from it: a visible field
// or argument of a hidden type, and a hidden argument or input field that
// must be given.
func (c *composer) checkInaccessibleReferences(t *mType) {
	if t.inaccessible || (t.kind != ast.Object && t.kind != ast.Interface && t.kind != ast.InputObject) {
		return
	}
	hidden := func(typ *ast.Type) bool {
		mt := c.types[typ.Name()]
		return mt != nil && mt.inaccessible
	}
	for _, f := range t.fields {
		coord := t.name + "." + f.name
		sg, pos := c.placeOf(f)
		if f.inaccessible {
			if t.kind == ast.InputObject && required(f.typ, f.defaultValue) {
				c.errorf(CodeRequiredInaccessible, sg, coord, pos,
					"input field %s must be given but is @inaccessible, so clients could not give it", coord)
			}
			continue
		}
		if f.typ != nil && hidden(f.typ) {
			c.errorf(CodeReferencedInaccessible, sg, coord, pos,
				"type %s is @inaccessible but %s, which clients can see, is of that type", f.typ.Name(), coord)
		}
		for _, a := range f.args {
			acoord := fmt.Sprintf("%s(%s:)", coord, a.name)
			switch {
			case a.inaccessible && required(a.typ, a.defaultValue):
				c.errorf(CodeRequiredInaccessible, a.sg, acoord, a.pos,
					"argument %s must be given but is @inaccessible, so clients could not give it", acoord)
			case !a.inaccessible && hidden(a.typ):
				c.errorf(CodeReferencedInaccessible, a.sg, acoord, a.pos,
					"type %s is @inaccessible but argument %s, which clients can see, is of that type", a.typ.Name(), acoord)
			}
		}
	}
}

// checkInaccessibleImplementations refuses an @inaccessible field that
// implements a field of an interface clients can see: the API schema's
// type would not implement its interface.
func (c *composer) checkInaccessibleImplementations(t *mType) {
	if t.inaccessible || (t.kind != ast.Object && t.kind != ast.Interface) {
		return
	}
	for _, iname := range t.interfaces {
		it := c.types[iname]
		if it == nil || it.inaccessible {
			continue
		}
		for _, f := range t.fields {
			if itf := it.fieldMap[f.name]; f.inaccessible && itf != nil && !itf.inaccessible {
				sg, pos := c.placeOf(f)
				c.errorf(CodeImplementedByInaccessible, sg, t.name+"."+f.name, pos,
					"field %s.%s is @inaccessible but implements %s.%s, which clients can see", t.name, f.name, iname, f.name)
			}
		}
	}
}

// placeOf is the first subgraph definition of a field, to point an error
// at.
func (c *composer) placeOf(f *mField) (*subgraph, *ast.Position) {
	for _, d := range f.defs {
		if d != nil {
			return d.parent.sg, d.pos
		}
	}
	for _, d := range f.iobj {
		if d != nil {
			return d.parent.sg, d.pos
		}
	}
	return nil, nil
}
