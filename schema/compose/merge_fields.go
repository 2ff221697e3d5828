package compose

import (
	"fmt"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// field is t's field name, made (after the fields t has) if new.
func (t *mType) field(name string) *mField {
	f := t.fieldMap[name]
	if f == nil {
		f = &mField{parent: t, name: name}
		t.fieldMap[name] = f
		t.fields = append(t.fields, f)
	}
	return f
}

// mergeOutputFields merges the fields of an object or interface type.
func (c *composer) mergeOutputFields(t *mType) {
	n := len(c.sgs)
	for i, d := range t.defs {
		if d != nil {
			for _, f := range d.fields {
				mf := t.field(f.name)
				if mf.defs == nil {
					mf.defs = make([]*sField, n)
				}
				mf.defs[i] = f
			}
		}
		if t.kind != ast.Object {
			continue
		}
		// An @interfaceObject standing for one of t's interfaces resolves
		// its fields for t too.
		for _, iname := range t.interfaces {
			it := c.types[iname]
			if it == nil || it.defs[i] == nil || !it.defs[i].interfaceObject {
				continue
			}
			for _, f := range it.defs[i].fields {
				mf := t.field(f.name)
				if mf.iobj == nil {
					mf.iobj = make([]*sField, n)
				}
				if mf.iobj[i] == nil {
					mf.iobj[i] = f
				}
			}
		}
	}
	for _, mf := range t.fields {
		if mf.defs == nil {
			mf.defs = make([]*sField, n)
		}
		if t.kind == ast.Interface {
			for _, d := range mf.defs {
				switch {
				case d == nil || d.overridePos == nil:
				case d.parent.interfaceObject:
					c.errorf(CodeOverrideCollisionWithAnotherDirective, d.parent.sg, d.coordinate(), d.overridePos,
						"@override is not supported on the fields of an @interfaceObject")
				default:
					c.errorf(CodeOverrideOnInterface, d.parent.sg, d.coordinate(), d.overridePos,
						"@override is for fields of object types, not interfaces")
				}
			}
		}
		mf.initOverrides(n)
		c.applyOverrides(mf)
		c.mergeOutputField(t, mf)
	}
	if t.kind == ast.Object {
		for _, mf := range t.fields {
			c.checkSharing(t, mf)
		}
	}
}

// initOverrides makes the per-subgraph override slices for n subgraphs.
func (mf *mField) initOverrides(n int) {
	mf.dropped = make([]bool, n)
	mf.usedOverridden = make([]bool, n)
	mf.overrideLabel = make([]string, n)
	mf.ignoreOverride = make([]bool, n)
}

// live are a field's definitions the supergraph keeps: those no @override
// dropped.
func (mf *mField) live() []*sField {
	var out []*sField
	for i, d := range mf.defs {
		if d != nil && !mf.dropped[i] {
			out = append(out, d)
		}
	}
	return out
}

// applyOverrides reads the field's @override directives: the subgraph
// overridden loses the field, keeps it where its own field sets use it,
// or shares it with a label while a progressive override migrates it.
func (c *composer) applyOverrides(mf *mField) {
	for i, d := range mf.defs {
		if d == nil || d.override == "" || d.override == d.parent.sg.name {
			continue
		}
		sg := c.sgs[i]
		from := c.byName[d.override]
		if from == nil {
			mf.ignoreOverride[i] = true
			c.hint(HintFromSubgraphDoesNotExist, sg, d.coordinate(),
				"@override(from: %q) names no subgraph of this composition; it has no effect", d.override)
			continue
		}
		src := mf.defs[from.idx]
		switch {
		case src == nil:
			c.hint(HintOverrideDirectiveCanBeRemoved, sg, d.coordinate(),
				"subgraph %q does not define %s any more; the @override can be removed", from.name, d.coordinate())
		case src.override != "":
			c.errorf(CodeOverrideSourceHasOverride, sg, d.coordinate(), d.overridePos,
				"field %s overrides subgraph %q, which overrides it too (from %q): only one subgraph may take it over", d.coordinate(), from.name, src.override)
		case src.external:
			// An @external definition resolves nothing: there is nothing
			// to take over.
		case d.overrideLabel != "":
			mf.overrideLabel[from.idx] = d.overrideLabel
			c.hint(HintOverrideMigrationInProgress, sg, d.coordinate(),
				"%s is moving from subgraph %q by progressive @override (label %q); once done, remove it from %q", d.coordinate(), from.name, d.overrideLabel, from.name)
		case src.usedInFieldSet || from.satisfiesInterface(src.parent, src.name):
			mf.usedOverridden[from.idx] = true
			c.hint(HintOverriddenFieldCanBeRemoved, from, src.coordinate(),
				"%s is overridden by subgraph %q but still used by this subgraph's field sets or interfaces; consider marking it @external", src.coordinate(), sg.name)
		default:
			mf.dropped[from.idx] = true
			c.hint(HintOverriddenFieldCanBeRemoved, from, src.coordinate(),
				"%s is overridden by subgraph %q; consider removing it", src.coordinate(), sg.name)
		}
	}
}

// mergeOutputField merges one field of an object or interface type: its
// type, arguments, description and kept directives.
func (c *composer) mergeOutputField(t *mType, mf *mField) {
	live := mf.live()
	if len(live) == 0 {
		// Only @interfaceObject definitions give the field.
		var descs []described
		for _, f := range mf.iobj {
			if f == nil {
				continue
			}
			if mf.typ == nil {
				mf.typ = f.typ
				mf.args = c.mergeArgs(mf, []*sField{f})
			}
			descs = append(descs, described{f.parent.sg, f.desc})
			c.mergeFieldDirectives(mf, f)
		}
		mf.desc = c.pickDescription(t.name+"."+mf.name, descs)
		return
	}
	var resolving []*sField
	var descs []described
	for _, f := range live {
		if !f.external {
			resolving = append(resolving, f)
		}
		descs = append(descs, described{f.parent.sg, f.desc})
		c.mergeFieldDirectives(mf, f)
	}
	for _, f := range mf.iobj {
		if f != nil {
			c.mergeFieldDirectives(mf, f)
		}
	}
	coord := t.name + "." + mf.name
	mf.desc = c.pickDescription(coord, descs)
	if len(resolving) == 0 {
		var names []string
		for _, f := range live {
			names = append(names, fmt.Sprintf("%q", f.parent.sg.name))
		}
		f := live[0]
		c.errorf(CodeExternalMissingOnBase, f.parent.sg, coord, f.pos,
			"field %s is @external in every subgraph that defines it (%s): some subgraph must resolve it", coord, strings.Join(names, ", "))
		mf.typ = f.typ
		return
	}
	// The types merge over every definition that resolves the field,
	// those an @override takes over too: the subgraphs must agree on it.
	var typed []*sField
	for _, f := range mf.defs {
		if f != nil && !f.external {
			typed = append(typed, f)
		}
	}
	typ := typed[0].typ
	for _, f := range typed[1:] {
		merged, ok := c.outputSupertype(typ, f.typ)
		if !ok {
			c.errorf(CodeFieldTypeMismatch, f.parent.sg, coord, f.pos,
				"field %s has type %s here but %s in subgraph %q; the types must be the same, up to nullability and subtypes",
				coord, f.typ.String(), typed[0].typ.String(), typed[0].parent.sg.name)
			// The arguments are still worth checking.
			mf.typ = typed[0].typ
			mf.args = c.mergeArgs(mf, resolving)
			return
		}
		typ = merged
	}
	mf.typ = typ
	for _, f := range mf.defs {
		if f != nil && f.typ.String() != live[0].typ.String() {
			mf.typeDiffers = true
		}
	}
	if mf.typeDiffers {
		c.hint(HintInconsistentButCompatibleFieldType, nil, coord,
			"the subgraphs give %s different but compatible types; the supergraph uses %s", coord, typ.String())
	}
	for _, f := range live {
		if !f.external {
			continue
		}
		match := false
		for _, r := range resolving {
			if r.typ.String() == f.typ.String() {
				match = true
			}
		}
		if !match {
			c.errorf(CodeExternalTypeMismatch, f.parent.sg, coord, f.pos,
				"the @external field %s has type %s here, but the subgraphs that resolve it give it %s", coord, f.typ.String(), typ.String())
		}
	}
	mf.args = c.mergeArgs(mf, resolving)
	c.checkExternalArgs(coord, mf, live)
}

// checkExternalArgs checks that each @external definition of a field
// declares the arguments the supergraph gives it, with their types: it
// stands for the field the other subgraphs resolve.
func (c *composer) checkExternalArgs(coord string, mf *mField, live []*sField) {
	for _, f := range live {
		if !f.external {
			continue
		}
		for _, a := range mf.args {
			acoord := fmt.Sprintf("%s(%s:)", coord, a.name)
			ea := f.arg(a.name)
			switch {
			case ea == nil:
				c.errorf(CodeExternalArgumentMissing, f.parent.sg, acoord, f.pos,
					"the @external field %s lacks argument %s, which the subgraphs resolving it declare", coord, acoord)
			case ea.typ.String() != a.typ.String():
				if _, ok := inputSubtype(ea.typ, a.typ); !ok {
					c.errorf(CodeExternalArgumentTypeMismatch, f.parent.sg, acoord, ea.pos,
						"argument %s of the @external field %s has type %s here, but %s where the field is resolved", acoord, coord, ea.typ.String(), a.typ.String())
				}
			}
		}
	}
}

// mergeFieldDirectives merges what a field keeps from one definition:
// @inaccessible, @tag and @deprecated.
func (c *composer) mergeFieldDirectives(mf *mField, f *sField) {
	mf.inaccessible = mf.inaccessible || f.inaccessible
	for _, tag := range f.tags {
		mf.tags = appendUnique(mf.tags, tag)
	}
	if mf.deprecated == nil {
		mf.deprecated = f.deprecated
	}
}

// checkSharing refuses a field of an object type that several subgraphs
// resolve unless each of them marks it shareable.
func (c *composer) checkSharing(t *mType, mf *mField) {
	type resolver struct {
		sg        *subgraph
		shareable bool
	}
	var rs []resolver
	for i, f := range mf.defs {
		if f == nil || mf.dropped[i] || mf.usedOverridden[i] || mf.overrideLabel[i] != "" {
			continue
		}
		if f.external && !f.provided {
			continue
		}
		// A provided @external field counts as resolved here, so the
		// subgraphs defining it must share it; it cannot say so itself.
		rs = append(rs, resolver{f.parent.sg, f.external || f.shareable || f.keyField || !f.parent.sg.links.fed2})
	}
	for i, f := range mf.iobj {
		if f == nil || mf.defs[i] != nil || f.external {
			continue
		}
		rs = append(rs, resolver{f.parent.sg, f.shareable || f.keyField})
	}
	if len(rs) < 2 {
		return
	}
	var all, not []string
	var blame *subgraph
	for _, r := range rs {
		all = append(all, fmt.Sprintf("%q", r.sg.name))
		if !r.shareable {
			not = append(not, fmt.Sprintf("%q", r.sg.name))
			if blame == nil {
				blame = r.sg
			}
		}
	}
	if len(not) == 0 {
		return
	}
	coord := t.name + "." + mf.name
	var pos *ast.Position
	if f := mf.defs[blame.idx]; f != nil {
		pos = f.pos
	}
	where := "in subgraph(s) " + strings.Join(not, ", ")
	if len(not) == len(all) {
		where = "in all of them"
	}
	c.errorf(CodeInvalidFieldSharing, blame, coord, pos,
		"field %s is resolved by several subgraphs (%s) but is not @shareable %s", coord, strings.Join(all, ", "), where)
}

// isSubtype says a value of type sub is always a value of type super in
// the supergraph: the same type, an implementation of the interface, or
// a member of the union.
func (c *composer) isSubtype(sub, super string) bool {
	if sub == super {
		return true
	}
	st := c.types[super]
	if st == nil {
		return false
	}
	switch st.kind {
	case ast.Union:
		for _, m := range st.members {
			if m == sub {
				return true
			}
		}
	case ast.Interface:
		if t := c.types[sub]; t != nil {
			for _, i := range t.interfaces {
				if i == super {
					return true
				}
			}
		}
	}
	return false
}

// subtypeOf says a value of type sub is always a value of type super:
// non-null where super is, lists where super is, and at the bottom the
// same named type or an implementation or member of it.
func (c *composer) subtypeOf(sub, super *ast.Type) bool {
	if super.NonNull && !sub.NonNull {
		return false
	}
	if (sub.Elem == nil) != (super.Elem == nil) {
		return false
	}
	if sub.Elem != nil {
		return c.subtypeOf(sub.Elem, super.Elem)
	}
	return c.isSubtype(sub.NamedType, super.NamedType)
}

// outputSupertype is the type of a field that returns a in one subgraph
// and b in another: whichever of the two the other is a subtype of.
func (c *composer) outputSupertype(a, b *ast.Type) (*ast.Type, bool) {
	switch {
	case c.subtypeOf(a, b):
		return b, true
	case c.subtypeOf(b, a):
		return a, true
	}
	return nil, false
}

// inputSubtype is the type of an argument or input field declared a in
// one subgraph and b in another: whichever of the two is the stricter
// (non-null where the other is nullable), so that every subgraph accepts
// what the supergraph lets through. Input types have no subtypes: the
// named types must be the same.
func inputSubtype(a, b *ast.Type) (*ast.Type, bool) {
	if a.Name() != b.Name() {
		return nil, false
	}
	switch {
	case nullableOf(a, b):
		return a, true
	case nullableOf(b, a):
		return b, true
	}
	return nil, false
}

// nullableOf says strict and loose are the same type but where loose may
// be nullable and strict not.
func nullableOf(strict, loose *ast.Type) bool {
	if loose.NonNull && !strict.NonNull {
		return false
	}
	if (strict.Elem == nil) != (loose.Elem == nil) {
		return false
	}
	if strict.Elem != nil {
		return nullableOf(strict.Elem, loose.Elem)
	}
	return strict.NamedType == loose.NamedType
}

// required says an argument or input field must be given.
func required(t *ast.Type, def *ast.Value) bool { return t.NonNull && def == nil }

// mergeArgs merges a field's arguments over the definitions that resolve
// it: an argument some of them lack is left out, unless one requires it.
func (c *composer) mergeArgs(mf *mField, defs []*sField) []*mArg {
	coord := mf.parent.name + "." + mf.name
	var names []string
	for _, f := range defs {
		for _, a := range f.args {
			names = appendUnique(names, a.name)
		}
	}
	type defined struct {
		f *sField
		a *sArg
	}
	var out []*mArg
	for _, name := range names {
		acoord := fmt.Sprintf("%s(%s:)", coord, name)
		var have []defined
		var lacking *sField
		for _, f := range defs {
			if a := f.arg(name); a != nil {
				have = append(have, defined{f, a})
			} else if lacking == nil {
				lacking = f
			}
		}
		if lacking != nil {
			reported := false
			for _, h := range have {
				if required(h.a.typ, h.a.defaultValue) {
					c.errorf(CodeRequiredArgumentMissingInSomeSubgraph, h.f.parent.sg, acoord, h.a.pos,
						"argument %s is required here but subgraph %q does not define it", acoord, lacking.parent.sg.name)
					reported = true
					break
				}
			}
			if !reported {
				c.hint(HintInconsistentArgumentPresence, lacking.parent.sg, acoord,
					"optional argument %s is left out of the supergraph: this subgraph does not define it", acoord)
			}
			continue
		}
		first := have[0]
		ma := &mArg{name: name, sg: first.f.parent.sg, pos: first.a.pos}
		out = append(out, ma)
		typ := first.a.typ
		var descs []described
		differs := false
		for i, h := range have {
			descs = append(descs, described{h.f.parent.sg, h.a.desc})
			ma.inaccessible = ma.inaccessible || h.a.inaccessible
			for _, tag := range h.a.tags {
				ma.tags = appendUnique(ma.tags, tag)
			}
			if ma.deprecated == nil {
				ma.deprecated = h.a.deprecated
			}
			if i == 0 {
				continue
			}
			if h.a.typ.String() != first.a.typ.String() {
				differs = true
			}
			merged, ok := inputSubtype(typ, h.a.typ)
			if !ok {
				c.errorf(CodeFieldArgumentTypeMismatch, h.f.parent.sg, acoord, h.a.pos,
					"argument %s has type %s here but %s in subgraph %q", acoord, h.a.typ.String(), first.a.typ.String(), first.f.parent.sg.name)
				typ = first.a.typ
				break
			}
			typ = merged
		}
		if differs {
			c.hint(HintInconsistentButCompatibleArgType, nil, acoord,
				"the subgraphs give %s different but compatible types; the supergraph uses %s", acoord, typ.String())
		}
		ma.typ = typ
		ma.desc = c.pickDescription(acoord, descs)
		ma.defaultValue = c.mergeDefault(acoord, CodeFieldArgumentDefaultMismatch, func(i int) (*subgraph, *ast.Value, *ast.Position) {
			return have[i].f.parent.sg, have[i].a.defaultValue, have[i].a.pos
		}, len(have))
	}
	return out
}

// mergeDefault merges the default values of an argument or input field:
// they must agree where given, and one some subgraphs lack is left out.
func (c *composer) mergeDefault(coord, code string, at func(int) (*subgraph, *ast.Value, *ast.Position), n int) *ast.Value {
	var first *ast.Value
	var firstSG *subgraph
	missing := false
	for i := 0; i < n; i++ {
		sg, v, pos := at(i)
		if v == nil {
			missing = true
			continue
		}
		if first == nil {
			first, firstSG = v, sg
			continue
		}
		if printValue(v) != printValue(first) {
			c.errorf(code, sg, coord, pos, "%s has default value %s here but %s in subgraph %q",
				coord, printValue(v), printValue(first), firstSG.name)
			return first
		}
	}
	if first != nil && missing {
		c.hint(HintInconsistentDefaultValuePresence, nil, coord,
			"%s has a default value in only some subgraphs; the supergraph gives it none", coord)
		return nil
	}
	return first
}
