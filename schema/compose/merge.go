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

// errorf records a composition error, at pos in sg when both are known.
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

// hint records a hint.
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
