package compose

import (
	"fmt"
	"sort"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// composer holds one composition: the subgraphs, the supergraph being
// merged from them, and what went wrong.
type composer struct {
	sgs    []*subgraph
	byName map[string]*subgraph
	types  map[string]*mType
	errs   Errors
	hints  []Hint
	// directives are the subgraphs' executable directives that every
	// subgraph defines; the supergraph keeps them.
	directives []*ast.DirectiveDefinition
	// sorted and impls cache sortedTypes and implementations, once the
	// types and their interfaces are merged.
	sorted []*mType
	impls  map[string][]*mType
}

// mType is a supergraph type and, per subgraph, its definition there.
type mType struct {
	name string
	kind ast.DefinitionKind
	desc string
	// defs holds each subgraph's definition, by subgraph index; nil where
	// the subgraph does not define the type.
	defs         []*sType
	fields       []*mField
	fieldMap     map[string]*mField
	interfaces   []string
	members      []string
	values       []*mValue
	inaccessible bool
	tags         []string
	specifiedBy  *ast.Directive
}

// mField is a supergraph field (or input field) and, per subgraph, its
// definition there.
type mField struct {
	parent       *mType
	name         string
	typ          *ast.Type
	desc         string
	args         []*mArg
	defaultValue *ast.Value
	// defs holds each subgraph's definition, by subgraph index.
	defs []*sField
	// iobj holds, on an object type, the field of an @interfaceObject
	// standing for one of the type's interfaces, by subgraph index: that
	// subgraph resolves the field for every implementation.
	iobj []*sField
	// dropped marks a subgraph whose definition an @override took over and
	// that nothing else uses: the supergraph leaves it out.
	dropped []bool
	// usedOverridden marks a subgraph whose definition an @override took
	// over but that its own field sets still use.
	usedOverridden []bool
	// overrideLabel holds, for the subgraph a progressive @override takes
	// the field from, the override's label.
	overrideLabel []string
	// ignoreOverride marks an @override that names no subgraph.
	ignoreOverride []bool
	// typeDiffers says the subgraphs give the field different types, so
	// each @join__field says which.
	typeDiffers  bool
	inaccessible bool
	tags         []string
	deprecated   *ast.Directive
}

// mArg is a supergraph field argument.
type mArg struct {
	// sg and pos are the first definition's, for errors to point at.
	sg           *subgraph
	pos          *ast.Position
	name         string
	typ          *ast.Type
	desc         string
	defaultValue *ast.Value
	inaccessible bool
	tags         []string
	deprecated   *ast.Directive
}

// mValue is a supergraph enum value.
type mValue struct {
	name         string
	desc         string
	in           []bool
	inaccessible bool
	tags         []string
	deprecated   *ast.Directive
}

func (c *composer) errorf(code string, sg *subgraph, coord string, pos *ast.Position, format string, a ...any) {
	e := &Error{Code: code, Coordinate: coord, Message: fmt.Sprintf(format, a...)}
	if sg != nil {
		e.Subgraph = sg.name
	}
	if pos != nil && sg != nil {
		e.Line, e.Column = pos.Line, pos.Column
	}
	c.errs = append(c.errs, e)
}

func (c *composer) hint(code string, sg *subgraph, coord, format string, a ...any) {
	h := Hint{Code: code, Coordinate: coord, Message: fmt.Sprintf(format, a...)}
	if sg != nil {
		h.Subgraph = sg.name
	}
	c.hints = append(c.hints, h)
}

// sortedTypes are the supergraph types in name order. The set of types
// is fixed once collected, so the list is made once.
func (c *composer) sortedTypes() []*mType {
	if len(c.sorted) == len(c.types) {
		return c.sorted
	}
	out := make([]*mType, 0, len(c.types))
	for _, t := range c.types {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	c.sorted = out
	return out
}

// implementations are the object types that implement interface name in
// the supergraph, by name.
func (c *composer) implementations(name string) []*mType {
	if impls, ok := c.impls[name]; ok {
		return impls
	}
	var out []*mType
	for _, ot := range c.sortedTypes() {
		if ot.kind != ast.Object {
			continue
		}
		for _, i := range ot.interfaces {
			if i == name {
				out = append(out, ot)
				break
			}
		}
	}
	if c.impls == nil {
		c.impls = map[string][]*mType{}
	}
	c.impls[name] = out
	return out
}

// graphsOf are the subgraphs the supergraph says define t (its
// @join__type graphs): those that define it, and for Query every
// subgraph, since each serves the query root's federation fields.
func (c *composer) graphsOf(t *mType) []int {
	var out []int
	for i := range c.sgs {
		if t.defs[i] != nil || t.name == "Query" {
			out = append(out, i)
		}
	}
	return out
}

// merge builds the supergraph types from the subgraphs.
func (c *composer) merge() {
	// A type whose kind differs between subgraphs keeps the kind it has
	// first; the merge goes on without the other definitions, to report
	// what else is wrong.
	c.collectTypes()
	// A Federation 1 subgraph's extension with no base anywhere stops
	// composition before the merge; a Federation 2 one is reported with
	// the merge's errors.
	before := len(c.errs)
	c.checkExtensions(false)
	if len(c.errs) > before {
		return
	}
	c.checkExtensions(true)
	if c.types["Query"] == nil {
		c.errorf(CodeNoQueries, nil, "", nil, "no subgraph defines a query root type, which a supergraph needs")
		return
	}
	types := c.sortedTypes()
	for _, t := range types {
		c.mergeTypeLevel(t)
	}
	for _, t := range types {
		switch t.kind {
		case ast.Object, ast.Interface:
			c.mergeOutputFields(t)
		case ast.InputObject:
			c.mergeInputObject(t)
		case ast.Enum:
			c.mergeEnum(t)
		}
	}
	for _, t := range types {
		c.checkInterfaceImplementations(t)
		c.checkInterfaceKeyImplementations(t)
		c.checkOnlyInaccessible(t)
		c.checkInaccessibleReferences(t)
		c.checkInaccessibleImplementations(t)
	}
	c.mergeDirectives()
}

// collectTypes puts each subgraph's types under their supergraph type and
// checks that every subgraph gives a type the same kind.
func (c *composer) collectTypes() {
	c.types = map[string]*mType{}
	for _, sg := range c.sgs {
		for _, t := range sg.order {
			kind := t.compositeKind()
			mt := c.types[t.name]
			if mt == nil {
				mt = &mType{name: t.name, kind: kind, defs: make([]*sType, len(c.sgs)), fieldMap: map[string]*mField{}}
				c.types[t.name] = mt
			} else if mt.kind != kind {
				first := c.firstDef(mt)
				c.errorf(CodeTypeKindMismatch, sg, t.name, t.pos,
					"type %s is %s here but %s in subgraph %q", t.name, kindName(t), kindName(first), first.sg.name)
				continue
			}
			mt.defs[sg.idx] = t
		}
	}
}

// checkExtensions refuses a type only ever extended: no subgraph says
// what it is. It reports the extensions of the Federation 2 subgraphs, or
// of the Federation 1 ones.
func (c *composer) checkExtensions(fed2 bool) {
	for _, t := range c.sortedTypes() {
		if isRootName(t.name) {
			continue
		}
		// A definition counts whatever its kind: a kind that differs is
		// an error of its own.
		defined := false
		for _, sg := range c.sgs {
			if d := sg.types[t.name]; d != nil && !d.extensionOnly() {
				defined = true
			}
		}
		if defined {
			continue
		}
		for _, d := range t.defs {
			// A Federation 1 `extend type` with a @key is how Federation
			// 1 entities were often written; Apollo's upgrade takes it as
			// is, and so does this check.
			if d != nil && !d.sg.links.fed2 && !d.hasExtends && len(d.keys) > 0 {
				continue
			}
			if d != nil && d.sg.links.fed2 == fed2 {
				c.errorf(CodeExtensionWithNoBase, d.sg, t.name, d.pos,
					"type %s is only ever extended (extend type or @extends), never defined, in any subgraph", t.name)
			}
		}
	}
}

func (c *composer) firstDef(t *mType) *sType {
	for _, d := range t.defs {
		if d != nil {
			return d
		}
	}
	return nil
}

func kindName(t *sType) string {
	if t.interfaceObject {
		return "an interface (an @interfaceObject)"
	}
	switch t.kind {
	case ast.Object:
		return "an object type"
	case ast.Interface:
		return "an interface"
	case ast.Union:
		return "a union"
	case ast.Enum:
		return "an enum"
	case ast.InputObject:
		return "an input object type"
	}
	return "a scalar"
}

// mergeTypeLevel merges what belongs to the type as a whole: description,
// @inaccessible, @tag, interfaces and union members.
func (c *composer) mergeTypeLevel(t *mType) {
	var descs []described
	allIobj := true
	for _, d := range t.defs {
		if d == nil {
			continue
		}
		descs = append(descs, described{d.sg, d.desc})
		if !d.interfaceObject {
			allIobj = false
		}
		t.inaccessible = t.inaccessible || d.inaccessible
		for _, tag := range d.tags {
			t.tags = appendUnique(t.tags, tag)
		}
		if t.specifiedBy == nil {
			t.specifiedBy = d.specifiedBy
		}
		if !d.interfaceObject {
			for _, i := range d.interfaces {
				t.interfaces = appendUnique(t.interfaces, i)
			}
		}
		for _, m := range d.members {
			t.members = appendUnique(t.members, m)
		}
	}
	first := c.firstDef(t)
	for _, sg := range c.sgs {
		if d := sg.types[t.name]; d != nil && !d.interfaceObject {
			allIobj = false
		}
	}
	if t.kind == ast.Interface && allIobj {
		c.errorf(CodeInterfaceObjectUsageError, first.sg, t.name, first.pos,
			"type %s is an @interfaceObject in every subgraph that defines it: some subgraph must define the interface itself", t.name)
	}
	t.desc = c.pickDescription(t.name, descs)
}

// described is a description and the subgraph it comes from.
type described struct {
	sg   *subgraph
	desc string
}

// pickDescription chooses the description most subgraphs give (the
// earliest subgraph's on a tie), with a hint when they differ.
func (c *composer) pickDescription(coord string, ds []described) string {
	count := map[string]int{}
	var order []string
	for _, d := range ds {
		if d.desc == "" {
			continue
		}
		if count[d.desc] == 0 {
			order = append(order, d.desc)
		}
		count[d.desc]++
	}
	if len(order) == 0 {
		return ""
	}
	best := order[0]
	for _, d := range order[1:] {
		if count[d] > count[best] {
			best = d
		}
	}
	if len(order) > 1 {
		var others []string
		for _, d := range ds {
			if d.desc != "" && d.desc != best {
				others = append(others, fmt.Sprintf("%q", d.sg.name))
			}
		}
		c.hint(HintInconsistentDescription, nil, coord,
			"the subgraphs describe %s differently; the supergraph uses the description most of them give, not that of subgraph(s) %s",
			coord, strings.Join(others, ", "))
	}
	return best
}

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

// mergeInputObject merges an input object type: the supergraph keeps the
// fields every subgraph defines.
func (c *composer) mergeInputObject(t *mType) {
	var defs []*sType
	for _, d := range t.defs {
		if d != nil {
			defs = append(defs, d)
		}
	}
	var names []string
	for _, d := range defs {
		for _, f := range d.fields {
			names = appendUnique(names, f.name)
		}
	}
	for _, name := range names {
		coord := t.name + "." + name
		var have []*sField
		var lacking *sType
		for _, d := range defs {
			if f := d.field(name); f != nil {
				have = append(have, f)
			} else if lacking == nil {
				lacking = d
			}
		}
		if lacking != nil {
			reported := false
			for _, f := range have {
				if required(f.typ, f.defaultValue) {
					c.errorf(CodeRequiredInputFieldMissingInSomeSubgraph, f.parent.sg, coord, f.pos,
						"input field %s is required here but subgraph %q does not define it", coord, lacking.sg.name)
					reported = true
					break
				}
			}
			if !reported {
				c.hint(HintInconsistentInputObjectField, lacking.sg, coord,
					"input field %s is left out of the supergraph: this subgraph does not define it", coord)
			}
			continue
		}
		mf := t.field(name)
		mf.defs = make([]*sField, len(c.sgs))
		mf.initOverrides(len(c.sgs))
		typ := have[0].typ
		var descs []described
		for i, f := range have {
			mf.defs[f.parent.sg.idx] = f
			descs = append(descs, described{f.parent.sg, f.desc})
			c.mergeFieldDirectives(mf, f)
			if i == 0 {
				continue
			}
			if f.typ.String() != have[0].typ.String() {
				mf.typeDiffers = true
			}
			merged, ok := inputSubtype(typ, f.typ)
			if !ok {
				c.errorf(CodeFieldTypeMismatch, f.parent.sg, coord, f.pos,
					"input field %s has type %s here but %s in subgraph %q", coord, f.typ.String(), have[0].typ.String(), have[0].parent.sg.name)
				break
			}
			typ = merged
		}
		mf.typ = typ
		mf.desc = c.pickDescription(coord, descs)
		mf.defaultValue = c.mergeDefault(coord, CodeInputFieldDefaultMismatch, func(i int) (*subgraph, *ast.Value, *ast.Position) {
			return have[i].parent.sg, have[i].defaultValue, have[i].pos
		}, len(have))
		if mf.typeDiffers {
			c.hint(HintInconsistentButCompatibleFieldType, nil, coord,
				"the subgraphs give %s different but compatible types; the supergraph uses %s", coord, typ.String())
		}
	}
	if len(t.fields) == 0 && len(names) > 0 {
		first := c.firstDef(t)
		c.errorf(CodeEmptyMergedInputType, first.sg, t.name, first.pos,
			"no field of input type %s is defined in every subgraph that defines the type, so the merged type would be empty", t.name)
	}
}

// enumUse says where the subgraphs use an enum: as an input (an argument
// or input field type), as an output (a field type), or both.
func (c *composer) enumUse(name string) (input, output bool, inExample, outExample string) {
	for _, sg := range c.sgs {
		for _, t := range sg.order {
			for _, f := range t.fields {
				if t.kind == ast.InputObject {
					if f.typ.Name() == name && !input {
						input, inExample = true, f.coordinate()
					}
					continue
				}
				if f.typ.Name() == name && !output {
					output, outExample = true, f.coordinate()
				}
				for _, a := range f.args {
					if a.typ.Name() == name && !input {
						input, inExample = true, fmt.Sprintf("%s(%s:)", f.coordinate(), a.name)
					}
				}
			}
		}
	}
	return input, output, inExample, outExample
}

// mergeEnum merges an enum's values by how the enum is used: every value
// of any subgraph for an output enum, the values every subgraph has for
// an input enum, and for an enum used both ways the subgraphs must agree
// (a value marked @inaccessible aside).
func (c *composer) mergeEnum(t *mType) {
	n := len(c.sgs)
	byName := map[string]*mValue{}
	var all []*mValue
	var defs []*sType
	for i, d := range t.defs {
		if d == nil {
			continue
		}
		defs = append(defs, d)
		for _, v := range d.values {
			mv := byName[v.name]
			if mv == nil {
				mv = &mValue{name: v.name, in: make([]bool, n)}
				byName[v.name] = mv
				all = append(all, mv)
			}
			mv.in[i] = true
			mv.inaccessible = mv.inaccessible || v.inaccessible
			for _, tag := range v.tags {
				mv.tags = appendUnique(mv.tags, tag)
			}
			if mv.deprecated == nil {
				mv.deprecated = v.deprecated
			}
		}
	}
	for _, mv := range all {
		var descs []described
		for _, d := range defs {
			for _, v := range d.values {
				if v.name == mv.name {
					descs = append(descs, described{d.sg, v.desc})
				}
			}
		}
		mv.desc = c.pickDescription(t.name+"."+mv.name, descs)
	}
	input, output, inEx, outEx := c.enumUse(t.name)
	missingIn := func(mv *mValue) *sType {
		for _, d := range defs {
			if !mv.in[d.sg.idx] {
				return d
			}
		}
		return nil
	}
	switch {
	case input && output:
		for _, mv := range all {
			lack := missingIn(mv)
			if lack == nil || mv.inaccessible {
				t.values = append(t.values, mv)
				continue
			}
			c.errorf(CodeEnumValueMismatch, lack.sg, t.name+"."+mv.name, lack.pos,
				"enum %s is used as an input (%s) and an output (%s), so every subgraph must define its values, but value %s is missing here (or mark it @inaccessible)",
				t.name, inEx, outEx, mv.name)
		}
	case input:
		for _, mv := range all {
			if lack := missingIn(mv); lack != nil {
				c.hint(HintInconsistentEnumValueForInputEnum, lack.sg, t.name+"."+mv.name,
					"value %s of input enum %s is left out of the supergraph: this subgraph does not define it", mv.name, t.name)
				continue
			}
			t.values = append(t.values, mv)
		}
		if len(t.values) == 0 {
			first := c.firstDef(t)
			c.errorf(CodeEmptyMergedEnumType, first.sg, t.name, first.pos,
				"no value of enum %s, used as an input, is defined in every subgraph that defines it, so the merged enum would be empty", t.name)
		}
	default:
		if !output {
			c.hint(HintUnusedEnumType, nil, t.name, "enum %s is used by no field or argument; it is merged as an output enum, with every value", t.name)
		}
		for _, mv := range all {
			if lack := missingIn(mv); lack != nil {
				c.hint(HintInconsistentEnumValueForOutputEnum, lack.sg, t.name+"."+mv.name,
					"value %s of enum %s is in the supergraph though this subgraph does not define it", mv.name, t.name)
			}
		}
		t.values = all
	}
}

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

// executableLocations are the directive locations in operations.
var executableLocations = map[ast.DirectiveLocation]bool{
	ast.LocationQuery: true, ast.LocationMutation: true, ast.LocationSubscription: true,
	ast.LocationField: true, ast.LocationFragmentDefinition: true, ast.LocationFragmentSpread: true,
	ast.LocationInlineFragment: true, ast.LocationVariableDefinition: true,
}

// mergeDirectives keeps the executable directives every subgraph defines,
// at the executable locations they all allow; the subgraphs' own
// type-system directives are not part of the supergraph.
func (c *composer) mergeDirectives() {
	type seen struct {
		def   *ast.DirectiveDefinition
		count int
		locs  map[ast.DirectiveLocation]int
		sg    *subgraph
		// defs are every subgraph's definition, for the arguments.
		defs []*ast.DirectiveDefinition
		sgs  []*subgraph
	}
	byName := map[string]*seen{}
	var order []string
	for _, sg := range c.sgs {
		for _, d := range sg.directives {
			s := byName[d.Name]
			if s == nil {
				s = &seen{def: d, locs: map[ast.DirectiveLocation]int{}, sg: sg}
				byName[d.Name] = s
				order = append(order, d.Name)
			}
			s.count++
			s.defs = append(s.defs, d)
			s.sgs = append(s.sgs, sg)
			for _, l := range d.Locations {
				s.locs[l]++
			}
		}
	}
	sort.Strings(order)
	for _, name := range order {
		s := byName[name]
		var locs []ast.DirectiveLocation
		for _, l := range s.def.Locations {
			if executableLocations[l] && s.locs[l] == len(c.sgs) {
				locs = append(locs, l)
			}
		}
		if len(locs) == 0 || s.count < len(c.sgs) {
			c.hint(HintDirectiveDropped, s.sg, "@"+name,
				"directive @%s is not in the supergraph: only executable directives that every subgraph defines are", name)
			continue
		}
		def := *s.def
		def.Locations = locs
		def.Directives = nil
		def.Arguments = c.mergeDirectiveArgs(name, s.defs, s.sgs)
		c.directives = append(c.directives, &def)
	}
}

// mergeDirectiveArgs merges the arguments of an executable directive the
// way a field's merge: those every subgraph defines, of the stricter
// type, a required one some lack an error.
func (c *composer) mergeDirectiveArgs(name string, defs []*ast.DirectiveDefinition, sgs []*subgraph) ast.ArgumentDefinitionList {
	var out ast.ArgumentDefinitionList
	for _, a := range defs[0].Arguments {
		coord := fmt.Sprintf("@%s(%s:)", name, a.Name)
		merged := *a
		keep := true
		for i, d := range defs[1:] {
			other := d.Arguments.ForName(a.Name)
			if other == nil {
				keep = false
				break
			}
			t, ok := inputSubtype(merged.Type, other.Type)
			if !ok {
				c.errorf(CodeFieldArgumentTypeMismatch, sgs[i+1], coord, other.Position,
					"argument %s has type %s here but %s in subgraph %q", coord, other.Type.String(), a.Type.String(), sgs[0].name)
				keep = false
				break
			}
			merged.Type = t
		}
		if keep {
			merged.Directives = nil
			out = append(out, &merged)
		}
	}
	for i, d := range defs {
		for _, a := range d.Arguments {
			if out.ForName(a.Name) != nil || !required(a.Type, a.DefaultValue) {
				continue
			}
			for _, other := range defs {
				if other.Arguments.ForName(a.Name) == nil {
					coord := fmt.Sprintf("@%s(%s:)", name, a.Name)
					c.errorf(CodeRequiredArgumentMissingInSomeSubgraph, sgs[i], coord, a.Position,
						"argument %s is required here but not every subgraph defines it", coord)
					break
				}
			}
		}
	}
	return out
}
