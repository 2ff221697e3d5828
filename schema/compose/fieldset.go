package compose

import (
	"fmt"
	"sort"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// fieldSet is the fields: argument of a @key, @requires or @provides.
type fieldSet struct {
	// raw is the string as the subgraph wrote it; the supergraph repeats
	// it.
	raw string
	sel ast.SelectionSet
	// pos is the directive's place.
	pos       *ast.Position
	directive string
	// ok says the set parsed and selects what it may.
	ok bool
}

// parseSelection parses a field set's text as a selection set.
func parseSelection(raw string) (ast.SelectionSet, error) {
	doc, err := parser.ParseQuery(&ast.Source{Name: "fields", Input: "{" + raw + "}"})
	if err != nil {
		return nil, err
	}
	if len(doc.Operations) != 1 || len(doc.Fragments) > 0 {
		return nil, fmt.Errorf("a field set is a selection, not a document")
	}
	return doc.Operations[0].SelectionSet, nil
}

// fsCodes are the error codes of one field set directive.
type fsCodes struct {
	invalid, hasArgs, directive, missingExternal string
}

var fieldSetCodes = map[string]fsCodes{
	dirKey:      {CodeKeyInvalidFields, CodeKeyFieldsHasArgs, CodeKeyDirectiveInFieldsArg, ""},
	dirRequires: {CodeRequiresInvalidFields, "", CodeRequiresDirectiveInFieldsArg, CodeRequiresFieldsMissingExternal},
	dirProvides: {CodeProvidesInvalidFields, CodeProvidesFieldsHasArgs, CodeProvidesDirectiveInFieldsArg, CodeProvidesFieldsMissingExternal},
}

// fsCheck checks one field set against the subgraph's types and records
// what it selects on the fields.
type fsCheck struct {
	sg    *subgraph
	fs    *fieldSet
	codes fsCodes
	// coord is the element carrying the directive.
	coord string
	// what prints the directive in messages: @key(fields: "id").
	what string
	ok   bool
	// broken says the set is wrong in itself (it does not parse, names
	// an unknown field, ...), not only in naming a field the subgraph
	// resolves.
	broken bool
	// aborted says the walk met a field that does not exist and stopped.
	aborted bool
	// errs are the set's errors and marks what it selects, recorded once
	// the whole set is checked.
	errs  Errors
	marks []func()
}

// readFieldSets parses and checks every @key, @requires and @provides of
// the subgraph.
func (sg *subgraph) readFieldSets() {
	for _, t := range sg.order {
		if t.kind == ast.Interface && len(t.keys) > 0 && !sg.links.fed2 {
			// Federation 1 had no keys on interfaces; Apollo's upgrade of
			// such a subgraph drops them.
			sg.hint(HintFieldSetRemoved, t.name, "a @key on an interface does not exist in Federation 1 and is left out")
			t.keys = nil
		}
		if t.kind == ast.Interface && len(t.keys) > 0 && sg.links.version.less(fedVersion{2, 3}) {
			sg.errorAt(CodeKeyUnsupportedOnInterface, t.name, t.keys[0].fs.pos, fmt.Sprintf(
				"a @key on an interface needs federation v2.3 or later; this subgraph links %s", sg.links.version))
		}
		if t.kind == ast.Interface && !sg.links.fed2 {
			// Federation 1 had none of these; Apollo's upgrade drops them.
			for _, f := range t.fields {
				if f.requires != nil {
					sg.dropFieldSet(f.coordinate(), f.requires)
					f.requires = nil
				}
				if f.provides != nil {
					sg.dropFieldSet(f.coordinate(), f.provides)
					f.provides = nil
				}
			}
		}
		if t.kind == ast.Interface {
			// The field sets are still checked below: what they select
			// is in use.
			for _, f := range t.fields {
				if f.requires != nil {
					sg.errorAt(CodeRequiresUnsupportedOnInterface, f.coordinate(), f.requires.pos, "@requires is for fields of object types, not interfaces")
				}
				if f.provides != nil {
					sg.errorAt(CodeProvidesUnsupportedOnInterface, f.coordinate(), f.provides.pos, "@provides is for fields of object types, not interfaces")
				}
			}
		}
		for _, k := range t.keys {
			sg.checkFieldSet(k.fs, t.name, t)
		}
		if t.interfaceObject && len(t.keys) == 0 {
			sg.errorAt(CodeInterfaceObjectUsageError, t.name, t.pos, fmt.Sprintf(
				"type %s is an @interfaceObject, which needs a @key: its entities are fetched by key", t.name))
		}
		if len(t.keys) > 0 && t.kind != ast.Object && t.kind != ast.Interface {
			sg.errorAt(CodeKeyInvalidFields, t.name, t.keys[0].fs.pos, "only object and interface types can have a @key")
		}
	}
	// The @external key fields of an extension are resolvable here, as
	// federation has them: a type extended with a key comes with it.
	for _, t := range sg.order {
		if !t.extensionOnly() {
			continue
		}
		for _, k := range t.keys {
			for _, s := range k.fs.sel {
				if f, ok := s.(*ast.Field); ok {
					if sf := t.field(f.Name); sf != nil {
						sf.external = false
					}
				}
			}
		}
	}
	for _, t := range sg.order {
		for _, f := range t.fields {
			if f.requires != nil && !sg.checkFieldSet(f.requires, f.coordinate(), t) {
				f.requires = nil
			}
			if f.provides == nil {
				continue
			}
			target := sg.types[f.typ.Name()]
			if target == nil || (target.kind != ast.Object && target.kind != ast.Interface && target.kind != ast.Union) {
				if !sg.links.fed2 {
					sg.dropFieldSet(f.coordinate(), f.provides)
					f.provides = nil
					continue
				}
				sg.errorAt(CodeProvidesOnNonObjectField, f.coordinate(), f.provides.pos, fmt.Sprintf(
					"@provides is on field %s, whose type %s is not an object, interface or union type", f.coordinate(), f.typ.String()))
				continue
			}
			if !sg.checkFieldSet(f.provides, f.coordinate(), target) {
				f.provides = nil
			}
		}
	}
}

// checkFieldSet checks a field set and records what it selects. It
// returns false for a Federation 1 @requires or @provides naming fields
// the subgraph resolves itself, which composes as if absent (with a
// hint), as Apollo upgrades such subgraphs; everywhere else an invalid
// set is an error.
func (sg *subgraph) checkFieldSet(fs *fieldSet, coord string, on *sType) bool {
	c := &fsCheck{sg: sg, fs: fs, codes: fieldSetCodes[fs.directive], coord: coord, ok: true,
		what: fmt.Sprintf("@%s(fields: %q)", fs.directive, fs.raw)}
	sel, err := parseSelection(fs.raw)
	switch {
	case err != nil:
		c.fail(c.codes.invalid, fmt.Sprintf("the field set does not parse: %s", strings.TrimPrefix(err.Error(), "fields:")))
	case len(sel) == 0:
		c.fail(c.codes.invalid, "the field set selects nothing")
	default:
		fs.sel = sel
		c.selection(on, sel, false, 0)
	}
	fs.ok = c.ok
	if !c.ok && !c.broken && !sg.links.fed2 && fs.directive != dirKey {
		sg.dropFieldSet(coord, fs)
		return false
	}
	sg.errs = append(sg.errs, c.errs...)
	// What a set selects is in use even when the set has errors (up to a
	// field it names that does not exist): one error is enough to report.
	for _, mark := range c.marks {
		mark()
	}
	return true
}

// dropFieldSet leaves out a Federation 1 @requires or @provides that does
// not hold.
func (sg *subgraph) dropFieldSet(coord string, fs *fieldSet) {
	sg.hint(HintFieldSetRemoved, coord, fmt.Sprintf(
		"@%s(fields: %q) does not hold in this Federation 1 subgraph and is left out", fs.directive, fs.raw))
}

// fail records an error of the set; the first says what is wrong with it.
func (c *fsCheck) fail(code, msg string) {
	if code != c.codes.missingExternal {
		c.broken = true
	}
	if !c.ok {
		return
	}
	c.ok = false
	e := &Error{Code: code, Subgraph: c.sg.name, Coordinate: c.coord, Message: c.what + ": " + msg}
	if c.fs.pos != nil {
		e.Line, e.Column = c.fs.pos.Line, c.fs.pos.Column
	}
	c.errs = append(c.errs, e)
}

// maxFieldSetDepth bounds how deep a field set may nest, so that a hostile
// subgraph cannot make the walk recurse without end.
const maxFieldSetDepth = 64

// selection checks sel on type t. underExternal says an enclosing field
// of the selection is @external, whose own fields come with it.
func (c *fsCheck) selection(t *sType, sel ast.SelectionSet, underExternal bool, depth int) {
	if depth > maxFieldSetDepth {
		c.fail(c.codes.invalid, "the field set nests too deep")
		return
	}
	for _, s := range sel {
		if c.aborted {
			return
		}
		switch s := s.(type) {
		case *ast.Field:
			c.field(t, s, underExternal, depth)
		case *ast.InlineFragment:
			if c.fs.directive == dirKey {
				c.fail(c.codes.invalid, "a @key cannot hold fragments")
				continue
			}
			if len(s.Directives) > 0 {
				c.fail(c.codes.directive, "a field set cannot hold directives")
				continue
			}
			target := t
			if s.TypeCondition != "" {
				target = c.sg.types[c.sg.typeName(s.TypeCondition)]
				if target == nil {
					c.fail(c.codes.invalid, fmt.Sprintf("unknown type %s in a type condition", s.TypeCondition))
					c.aborted = true
					continue
				}
				if !c.sg.canBe(t, target) {
					c.fail(c.codes.invalid, fmt.Sprintf("a value of type %s cannot be of type %s", t.name, target.name))
					continue
				}
			}
			c.selection(target, s.SelectionSet, underExternal, depth+1)
		default:
			c.fail(c.codes.invalid, "a field set cannot use named fragments")
		}
	}
}

func (c *fsCheck) field(t *sType, s *ast.Field, underExternal bool, depth int) {
	if s.Alias != "" && s.Alias != s.Name {
		c.fail(c.codes.invalid, fmt.Sprintf("a field set cannot alias fields (%s: %s)", s.Alias, s.Name))
		return
	}
	if len(s.Directives) > 0 {
		c.fail(c.codes.directive, "a field set cannot hold directives")
		return
	}
	if s.Name == "__typename" {
		if c.fs.directive == dirKey || len(s.SelectionSet) > 0 || len(s.Arguments) > 0 {
			c.fail(c.codes.invalid, "__typename cannot be selected here")
		}
		return
	}
	f := t.field(s.Name)
	if f == nil || t.kind == ast.Union {
		hint := "add it to this subgraph, with @external if another subgraph resolves it"
		c.fail(c.codes.invalid, fmt.Sprintf("type %s has no field %q in this subgraph (%s)", t.name, s.Name, hint))
		// The set cannot be read past a field that does not exist: what
		// it selects after it is not in use.
		c.aborted = true
		return
	}
	c.marks = append(c.marks, func() { f.usedInFieldSet = true })
	coord := f.coordinate()
	// The checks below report the set's first error but go on walking
	// it, so that every field it selects counts as used.
	for _, a := range f.args {
		if required(a.typ, a.defaultValue) && s.Arguments.ForName(a.name) == nil {
			c.fail(c.codes.invalid, fmt.Sprintf("field %s needs a value for its argument %q", coord, a.name))
		}
	}
	switch c.fs.directive {
	case dirKey:
		c.marks = append(c.marks, func() { f.keyField = true })
		if len(f.args) > 0 || len(s.Arguments) > 0 {
			c.fail(c.codes.hasArgs, fmt.Sprintf("field %s has arguments, which a @key cannot select", coord))
		}
	case dirProvides:
		if len(f.args) > 0 || len(s.Arguments) > 0 {
			c.fail(c.codes.hasArgs, fmt.Sprintf("field %s has arguments, which a @provides cannot select", coord))
		}
		if f.external {
			c.marks = append(c.marks, func() { f.provided = true })
		}
	case dirRequires:
		for _, a := range s.Arguments {
			if f.arg(a.Name) == nil {
				c.fail(c.codes.invalid, fmt.Sprintf("field %s has no argument %q", coord, a.Name))
			}
		}
	}
	target := c.sg.types[f.typ.Name()]
	leaf := target == nil || target.kind == ast.Scalar || target.kind == ast.Enum
	if c.fs.directive == dirKey && target != nil && (target.compositeKind() == ast.Interface || target.kind == ast.Union) {
		c.fail(CodeKeyFieldsSelectInvalidType, fmt.Sprintf("field %s has type %s, an %s type, which a @key cannot select",
			coord, f.typ.String(), strings.ToLower(string(target.compositeKind()))))
	}
	switch {
	case leaf && len(s.SelectionSet) > 0:
		c.fail(c.codes.invalid, fmt.Sprintf("field %s has type %s, which has no fields to select", coord, f.typ.String()))
		return
	case !leaf && len(s.SelectionSet) == 0:
		c.fail(c.codes.invalid, fmt.Sprintf("field %s has type %s: select some of its fields", coord, f.typ.String()))
		return
	}
	if c.codes.missingExternal != "" && !f.external && !underExternal && leaf {
		c.fail(c.codes.missingExternal, fmt.Sprintf(
			"field %s is resolved by this subgraph (it is not @external), so a @%s of it has no use", coord, c.fs.directive))
		return
	}
	if !leaf {
		c.selection(target, s.SelectionSet, underExternal || f.external, depth+1)
	}
}

// canBe says a value of type t can be of type u in this subgraph (u is t,
// implements it, or is one of its members).
func (sg *subgraph) canBe(t, u *sType) bool {
	if t.name == u.name {
		return true
	}
	switch {
	case t.kind == ast.Union:
		return t.hasMember(u.name)
	case t.compositeKind() == ast.Interface:
		return u.implements(t.name)
	case u.kind == ast.Union:
		return u.hasMember(t.name)
	case u.compositeKind() == ast.Interface:
		return t.implements(u.name)
	}
	return false
}

// checkExternals refuses (Federation 2) or drops (Federation 1) an
// @external field nothing uses.
func (sg *subgraph) checkExternals() {
	for _, t := range sg.order {
		var kept []*sField
		for _, f := range t.fields {
			if !f.external || f.usedInFieldSet || sg.satisfiesInterface(t, f.name) || f.override != "" {
				kept = append(kept, f)
				continue
			}
			if sg.links.fed2 {
				sg.errorAt(CodeExternalUnused, f.coordinate(), f.pos, fmt.Sprintf(
					"field %s is @external but no @key, @requires or @provides of this subgraph selects it, nor does an interface need it: remove it, or drop @external", f.coordinate()))
				kept = append(kept, f)
				continue
			}
			sg.hint(HintUnusedExternalRemoved, f.coordinate(), "this Federation 1 subgraph's @external field is used by no field set; it is left out")
			delete(t.fieldMap, f.name)
		}
		t.fields = kept
	}
}

// satisfiesInterface says t is an object type one of whose interfaces in
// this subgraph has the field.
func (sg *subgraph) satisfiesInterface(t *sType, field string) bool {
	if t.kind != ast.Object {
		return false
	}
	for _, i := range t.interfaces {
		if it := sg.types[i]; it != nil && it.field(field) != nil {
			return true
		}
	}
	return false
}

// checkOverrides checks each @override against the rest of its own
// subgraph; the checks against the subgraph it names come at merge.
func (sg *subgraph) checkOverrides() {
	for _, t := range sg.order {
		for _, f := range t.fields {
			if f.overridePos == nil {
				continue
			}
			switch {
			case t.compositeKind() == ast.Interface:
				// Reported at merge, with the type's kind known.
			case f.override == sg.name:
				sg.errorAt(CodeOverrideFromSelfError, f.coordinate(), f.overridePos, fmt.Sprintf(
					"@override(from: %q) names this subgraph itself", f.override))
			case f.external:
				sg.errorAt(CodeOverrideCollisionWithAnotherDirective, f.coordinate(), f.overridePos,
					"an @external field cannot @override: it is not resolved here")
			}
		}
	}
}

// checkInterfaceKeys checks that each object type implementing an
// interface that has a @key in this subgraph has that key too.
func (sg *subgraph) checkInterfaceKeys() {
	for _, it := range sg.order {
		if it.kind != ast.Interface || len(it.keys) == 0 {
			continue
		}
		for _, t := range sg.order {
			if t.kind != ast.Object || !t.implements(it.name) {
				continue
			}
			// A key of the implementation, by field set: resolvable says
			// some such key is.
			have := map[string]bool{}
			for _, k := range t.keys {
				n := normalizeFieldSet(k.fs.raw)
				have[n] = have[n] || k.resolvable
			}
			for _, k := range it.keys {
				resolvable, ok := have[normalizeFieldSet(k.fs.raw)]
				switch {
				case !ok:
					sg.errorAt(CodeInterfaceKeyNotOnImplementation, t.name, t.pos, fmt.Sprintf(
						"type %s implements %s, whose @key(fields: %q) it lacks", t.name, it.name, k.fs.raw))
				case k.resolvable && !resolvable:
					sg.errorAt(CodeInterfaceKeyNotOnImplementation, t.name, t.pos, fmt.Sprintf(
						"type %s implements %s, whose @key(fields: %q) is resolvable, but has that key with resolvable: false", t.name, it.name, k.fs.raw))
				}
			}
		}
	}
}

// normalizeFieldSet prints a field set in one canonical form, so that
// "id  sku" and "id sku" compare equal; text that does not parse is
// returned as it is.
func normalizeFieldSet(raw string) string {
	sel, err := parseSelection(raw)
	if err != nil {
		return raw
	}
	var b strings.Builder
	printSelection(&b, sel)
	return b.String()
}

// printSelection writes a selection set on one line: `a b { c }`.
func printSelection(b *strings.Builder, sel ast.SelectionSet) {
	for i, s := range sel {
		if i > 0 {
			b.WriteByte(' ')
		}
		switch s := s.(type) {
		case *ast.Field:
			if s.Alias != "" && s.Alias != s.Name {
				b.WriteString(s.Alias + ": ")
			}
			b.WriteString(s.Name)
			if len(s.Arguments) > 0 {
				args := append(ast.ArgumentList(nil), s.Arguments...)
				sort.Slice(args, func(i, j int) bool { return args[i].Name < args[j].Name })
				b.WriteByte('(')
				for j, a := range args {
					if j > 0 {
						b.WriteString(", ")
					}
					b.WriteString(a.Name + ": " + printValue(a.Value))
				}
				b.WriteByte(')')
			}
			if len(s.SelectionSet) > 0 {
				b.WriteString(" { ")
				printSelection(b, s.SelectionSet)
				b.WriteString(" }")
			}
		case *ast.InlineFragment:
			b.WriteString("...")
			if s.TypeCondition != "" {
				b.WriteString(" on " + s.TypeCondition)
			}
			b.WriteString(" { ")
			printSelection(b, s.SelectionSet)
			b.WriteString(" }")
		case *ast.FragmentSpread:
			b.WriteString("..." + s.Name)
		}
	}
}
