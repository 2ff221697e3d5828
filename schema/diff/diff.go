// Package diff compares two GraphQL schemas and classifies every
// difference by what it does to the operations clients already send:
// breaking, dangerous or safe. It is what a schema registry's check
// reports, for a VirtualService's unified schema before and after a change
// to one of its sources.
//
// The judgement follows graphql-js's findSchemaChanges and GraphQL
// Inspector where they agree, and says why where it departs from them (see
// docs/registry.md, "Breaking changes"). In short, for a type that changed
// in place:
//
//   - an output (a field of an object or interface) may only gain non-null
//     markers: A to A! and [A] to [A!]! are safe, A! to A and [A!] to [A]
//     break clients that rely on a value;
//   - an input (an argument or an input field) may only lose them: A! to A
//     is safe, A to A! breaks operations that pass null or leave it out;
//   - a list becoming a single value or the reverse, or another named
//     type, breaks either way.
//
// Each Change names the schema coordinate it concerns and, in Affects,
// the coordinates an operation must touch to be concerned by it, so a
// registry can tell which recorded operations a change breaks. The
// package reads schemas only: it knows no network and no upstream.
package diff

import (
	"fmt"
	"sort"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// Change is one difference between two schemas.
type Change struct {
	// Coordinate is the GraphQL schema coordinate of what changed: Type,
	// Type.field, Type.field(arg:), Enum.VALUE, Input.field, @directive or
	// @directive(arg:). A union's member, an implemented interface or a
	// directive location is a change to its Type or @directive; Old or New
	// names the member.
	Coordinate string
	Class      Class
	Severity   Severity
	// Message says what changed, for people.
	Message string
	// Old and New are what changed, printed: type references (String!),
	// default values, members, locations, descriptions, kinds. Empty when
	// there was or is none.
	Old, New string
	// Affects are the coordinates of the old schema an operation uses
	// when the change concerns it, sorted: an operation that touches none
	// of them is not concerned. What an operation touches is each field it
	// selects (Type.field), each argument it passes (Type.field(arg:)),
	// each input field it writes in a literal (Input.field), each enum
	// value it writes (Enum.VALUE), each type it names in a type condition
	// or a variable's type (Type, the named type inside lists and non-null)
	// and each directive and directive argument it uses (@dir,
	// @dir(arg:)). Empty for changes that concern no operation already
	// written (an addition, a new description).
	Affects []string
}

// String prints the change on one line, as `weft check` does.
func (c Change) String() string {
	return fmt.Sprintf("%s %s %s: %s", c.Severity, c.Class, c.Coordinate, c.Message)
}

// HasBreaking reports whether any change is breaking.
func HasBreaking(changes []Change) bool {
	for _, c := range changes {
		if c.Severity == Breaking {
			return true
		}
	}
	return false
}

// Compare returns the changes from old to new, sorted by coordinate, then
// class, then the values that changed, so the same pair of schemas always
// gives the same list. Introspection types, the built-in scalars and the
// built-in directives are not compared. A nil schema is an empty one.
func Compare(old, new *ast.Schema) []Change {
	if old == nil {
		old = &ast.Schema{}
	}
	if new == nil {
		new = &ast.Schema{}
	}
	d := &differ{old: old, new: new, uses: indexUses(old)}
	d.roots()
	d.types()
	d.directives()
	sort.Slice(d.out, func(i, j int) bool { return less(d.out[i], d.out[j]) })
	return d.out
}

func less(a, b Change) bool {
	if a.Coordinate != b.Coordinate {
		return a.Coordinate < b.Coordinate
	}
	if a.Class != b.Class {
		return a.Class < b.Class
	}
	if a.Old != b.Old {
		return a.Old < b.Old
	}
	if a.New != b.New {
		return a.New < b.New
	}
	return a.Message < b.Message
}

func sortClasses(cs []Class) {
	sort.Slice(cs, func(i, j int) bool { return cs[i] < cs[j] })
}

// differ collects the changes between two schemas.
type differ struct {
	old, new *ast.Schema
	out      []Change
	uses     uses
}

// add records a change; affects are deduplicated and sorted.
func (d *differ) add(coord string, class Class, old, new string, affects []string, format string, args ...any) {
	d.out = append(d.out, Change{
		Coordinate: coord,
		Class:      class,
		Severity:   class.Severity(),
		Message:    fmt.Sprintf(format, args...),
		Old:        old,
		New:        new,
		Affects:    normalize(affects),
	})
}

// builtInDirectives are the directives every schema has; they are part of
// GraphQL, not of the schema being compared.
var builtInDirectives = map[string]bool{
	"include": true, "skip": true, "deprecated": true, "specifiedBy": true,
	"oneOf": true, "defer": true, "stream": true,
}

// builtInScalars are GraphQL's own scalars.
var builtInScalars = map[string]bool{"Int": true, "Float": true, "String": true, "Boolean": true, "ID": true}

// ignoredType reports whether a type is GraphQL's own rather than the
// schema's.
func ignoredType(name string) bool {
	return strings.HasPrefix(name, "__") || builtInScalars[name]
}

func (d *differ) roots() {
	for _, r := range []struct {
		op       string
		old, new *ast.Definition
	}{
		{"query", d.old.Query, d.new.Query},
		{"mutation", d.old.Mutation, d.new.Mutation},
		{"subscription", d.old.Subscription, d.new.Subscription},
	} {
		if r.old == nil || r.new != nil && r.new.Name == r.old.Name {
			continue
		}
		// A root type that is gone is a removed type; only one that
		// stays but no longer roots the operation is a root change.
		if still := d.new.Types[r.old.Name]; still == nil || still.Kind != r.old.Kind {
			continue
		}
		affects := []string{r.old.Name}
		for _, f := range r.old.Fields {
			if !strings.HasPrefix(f.Name, "__") {
				affects = append(affects, r.old.Name+"."+f.Name)
			}
		}
		if r.new == nil {
			d.add(r.old.Name, RootTypeChanged, r.old.Name, "", affects, "The schema no longer has a %s root type (it was %s).", r.op, r.old.Name)
		} else {
			d.add(r.old.Name, RootTypeChanged, r.old.Name, r.new.Name, affects, "The %s root type changed from %s to %s.", r.op, r.old.Name, r.new.Name)
		}
	}
}

func (d *differ) types() {
	for _, name := range sortedKeys(d.old.Types) {
		o := d.old.Types[name]
		if o == nil || ignoredType(name) {
			continue
		}
		switch n := d.new.Types[name]; {
		case n == nil:
			d.add(name, TypeRemoved, kindName(o.Kind), "", d.typeAffects(o), "Type %s was removed.", name)
		case n.Kind != o.Kind:
			d.add(name, TypeKindChanged, kindName(o.Kind), kindName(n.Kind), d.typeAffects(o), "%s changed from %s to %s.", name, article(kindName(o.Kind)), article(kindName(n.Kind)))
		default:
			d.typeChanges(o, n)
		}
	}
	for _, name := range sortedKeys(d.new.Types) {
		if ignoredType(name) || d.old.Types[name] != nil || d.new.Types[name] == nil {
			continue
		}
		d.add(name, TypeAdded, "", kindName(d.new.Types[name].Kind), nil, "Type %s was added.", name)
	}
}

// typeAffects are what an operation touches that depends on a type
// existing as it is: its name, its members, and every place it is used.
func (d *differ) typeAffects(t *ast.Definition) []string {
	out := []string{t.Name}
	for _, f := range t.Fields {
		out = append(out, t.Name+"."+f.Name)
	}
	for _, v := range t.EnumValues {
		out = append(out, t.Name+"."+v.Name)
	}
	out = append(out, d.uses.all(t.Name)...)
	if t.Kind == ast.InputObject || t.Kind == ast.Enum || t.Kind == ast.Scalar {
		out = append(out, d.uses.inputHolders(t.Name)...)
	}
	return out
}

func (d *differ) typeChanges(o, n *ast.Definition) {
	d.description(o.Name, o.Description, n.Description)
	switch o.Kind {
	case ast.Scalar:
		ou, nu := specifiedBy(o), specifiedBy(n)
		if ou != nu {
			d.add(o.Name, SpecifiedByChanged, ou, nu, nil, "The specification URL of scalar %s changed from %s to %s.", o.Name, orNone(ou), orNone(nu))
		}
	case ast.Object, ast.Interface:
		d.interfaces(o, n)
		d.fields(o, n)
	case ast.Union:
		d.members(o, n)
	case ast.Enum:
		d.enumValues(o, n)
	case ast.InputObject:
		d.inputFields(o, n)
	}
}

func (d *differ) interfaces(o, n *ast.Definition) {
	removed, added := setDiff(o.Interfaces, n.Interfaces)
	for _, i := range removed {
		// A type condition on either, inside a selection of the other,
		// no longer fits.
		d.add(o.Name, InterfaceRemovedFromObject, i, "", []string{o.Name, i}, "%s no longer implements interface %s.", o.Name, i)
	}
	for _, i := range added {
		d.add(o.Name, InterfaceAddedToObject, "", i, d.uses.outputs(i), "%s now implements interface %s: fields of type %s may return it.", o.Name, i, i)
	}
}

func (d *differ) members(o, n *ast.Definition) {
	removed, added := setDiff(o.Types, n.Types)
	for _, m := range removed {
		d.add(o.Name, UnionMemberRemoved, m, "", []string{o.Name, m}, "%s was removed from union %s.", m, o.Name)
	}
	for _, m := range added {
		d.add(o.Name, UnionMemberAdded, "", m, d.uses.outputs(o.Name), "%s was added to union %s: fields of type %s may return it.", m, o.Name, o.Name)
	}
}

func (d *differ) enumValues(o, n *ast.Definition) {
	for _, v := range o.EnumValues {
		coord := o.Name + "." + v.Name
		nv := n.EnumValues.ForName(v.Name)
		if nv == nil {
			affects := append([]string{coord}, d.uses.all(o.Name)...)
			affects = append(affects, d.uses.inputHolders(o.Name)...)
			d.add(coord, EnumValueRemoved, v.Name, "", affects, "Enum value %s was removed.", coord)
			continue
		}
		d.description(coord, v.Description, nv.Description)
		d.deprecation(coord, v.Directives, nv.Directives)
	}
	for _, v := range n.EnumValues {
		if o.EnumValues.ForName(v.Name) == nil {
			d.add(o.Name+"."+v.Name, EnumValueAdded, "", v.Name, d.uses.outputs(o.Name), "Enum value %s.%s was added: fields of type %s may return it.", o.Name, v.Name, o.Name)
		}
	}
}

func (d *differ) fields(o, n *ast.Definition) {
	for _, f := range o.Fields {
		if strings.HasPrefix(f.Name, "__") {
			continue
		}
		coord := o.Name + "." + f.Name
		nf := n.Fields.ForName(f.Name)
		if nf == nil {
			d.add(coord, FieldRemoved, typeString(f.Type), "", []string{coord}, "Field %s was removed.", coord)
			continue
		}
		switch class := outputTypeChange(f.Type, nf.Type); class {
		case "":
		case OutputNullabilityTightened:
			d.add(coord, class, typeString(f.Type), typeString(nf.Type), nil, "Field %s changed type from %s to %s.", coord, f.Type, nf.Type)
		case OutputNullabilityLoosened:
			d.add(coord, class, typeString(f.Type), typeString(nf.Type), []string{coord}, "Field %s changed type from %s to %s: it may now return null where it did not.", coord, f.Type, nf.Type)
		default:
			d.add(coord, class, typeString(f.Type), typeString(nf.Type), []string{coord}, "Field %s changed type from %s to %s.", coord, f.Type, nf.Type)
		}
		d.args(coord, f.Arguments, nf.Arguments)
		d.description(coord, f.Description, nf.Description)
		d.deprecation(coord, f.Directives, nf.Directives)
	}
	for _, f := range n.Fields {
		if !strings.HasPrefix(f.Name, "__") && o.Fields.ForName(f.Name) == nil {
			d.add(o.Name+"."+f.Name, FieldAdded, "", typeString(f.Type), nil, "Field %s.%s was added.", o.Name, f.Name)
		}
	}
}

// args compares the arguments of a field or a directive; owner is its
// coordinate (Type.field or @directive).
func (d *differ) args(owner string, o, n ast.ArgumentDefinitionList) {
	for _, a := range o {
		coord := owner + "(" + a.Name + ":)"
		na := n.ForName(a.Name)
		if na == nil {
			d.add(coord, ArgRemoved, typeString(a.Type), "", []string{coord}, "Argument %s was removed.", coord)
			continue
		}
		d.inputType(coord, ArgTypeChanged, "Argument", a.Type, na.Type)
		d.defaultValue(coord, owner, ArgDefaultAdded, ArgDefaultChanged, ArgBecameRequired, "argument", a.DefaultValue, na.DefaultValue, na.Type, []string{owner})
		d.description(coord, a.Description, na.Description)
		d.deprecation(coord, a.Directives, na.Directives)
	}
	for _, a := range n {
		if o.ForName(a.Name) != nil {
			continue
		}
		coord := owner + "(" + a.Name + ":)"
		if required(a.Type, a.DefaultValue) {
			d.add(coord, RequiredArgAdded, "", typeString(a.Type), []string{owner}, "Required argument %s was added: operations using %s without it are invalid.", coord, owner)
		} else {
			d.add(coord, OptionalArgAdded, "", typeString(a.Type), []string{owner}, "Optional argument %s was added.", coord)
		}
	}
}

// inputType classifies a change of an input value's type; typeChanged is
// the class for a change of more than nullability.
func (d *differ) inputType(coord string, typeChanged Class, what string, o, n *ast.Type) {
	affects := []string{coord}
	switch class := inputTypeChange(o, n, typeChanged); class {
	case "":
	case InputNullabilityLoosened:
		d.add(coord, class, typeString(o), typeString(n), nil, "%s %s changed type from %s to %s.", what, coord, o, n)
	case InputNullabilityTightened:
		d.add(coord, class, typeString(o), typeString(n), affects, "%s %s changed type from %s to %s: a null or missing value is now refused.", what, coord, o, n)
	default:
		d.add(coord, class, typeString(o), typeString(n), affects, "%s %s changed type from %s to %s.", what, coord, o, n)
	}
}

// defaultValue compares the default values of an argument or an input
// field; owner is what an operation touches when it leaves the value out.
func (d *differ) defaultValue(coord, owner string, added, changed, becameRequired Class, what string, o, n *ast.Value, newType *ast.Type, affects []string) {
	os, ns := printValue(o), printValue(n)
	switch {
	case os == ns:
	case os == "":
		d.add(coord, added, "", ns, nil, "The %s %s now defaults to %s.", what, coord, ns)
	case ns == "" && newType != nil && newType.NonNull:
		d.add(coord, becameRequired, os, "", affects, "The %s %s lost its default %s and is non-null: operations using %s without it are invalid.", what, coord, os, owner)
	case ns == "":
		d.add(coord, changed, os, "", affects, "The %s %s no longer defaults to %s: left out, it is null.", what, coord, os)
	default:
		d.add(coord, changed, os, ns, affects, "The default of %s %s changed from %s to %s.", what, coord, os, ns)
	}
}

func (d *differ) inputFields(o, n *ast.Definition) {
	// An operation meets an input type by writing it in a literal (at an
	// argument or input field of its type) or by a variable of it or of
	// an input type holding it.
	users := append(d.uses.all(o.Name), d.uses.inputHolders(o.Name)...)
	holders := d.uses.inputHolders(o.Name)
	for _, f := range o.Fields {
		coord := o.Name + "." + f.Name
		nf := n.Fields.ForName(f.Name)
		if nf == nil {
			d.add(coord, InputFieldRemoved, typeString(f.Type), "", append([]string{coord}, holders...), "Input field %s was removed.", coord)
			continue
		}
		if class := inputTypeChange(f.Type, nf.Type, InputFieldTypeChanged); class != "" {
			affects := append([]string{coord}, holders...)
			switch class {
			case InputNullabilityLoosened:
				d.add(coord, class, typeString(f.Type), typeString(nf.Type), nil, "Input field %s changed type from %s to %s.", coord, f.Type, nf.Type)
			case InputNullabilityTightened:
				d.add(coord, class, typeString(f.Type), typeString(nf.Type), affects, "Input field %s changed type from %s to %s: a null or missing value is now refused.", coord, f.Type, nf.Type)
			default:
				d.add(coord, class, typeString(f.Type), typeString(nf.Type), affects, "Input field %s changed type from %s to %s.", coord, f.Type, nf.Type)
			}
		}
		d.defaultValue(coord, o.Name, InputFieldDefaultAdded, InputFieldDefaultChanged, InputFieldBecameRequired, "input field", f.DefaultValue, nf.DefaultValue, nf.Type, users)
		d.description(coord, f.Description, nf.Description)
		d.deprecation(coord, f.Directives, nf.Directives)
	}
	for _, f := range n.Fields {
		if o.Fields.ForName(f.Name) != nil {
			continue
		}
		coord := o.Name + "." + f.Name
		if required(f.Type, f.DefaultValue) {
			d.add(coord, RequiredInputFieldAdded, "", typeString(f.Type), users, "Required input field %s was added: values of %s without it are refused.", coord, o.Name)
		} else {
			d.add(coord, OptionalInputFieldAdded, "", typeString(f.Type), users, "Optional input field %s was added.", coord)
		}
	}
	oo, no := o.Directives.ForName("oneOf") != nil, n.Directives.ForName("oneOf") != nil
	switch {
	case no && !oo:
		d.add(o.Name, OneOfAdded, "", "@oneOf", users, "Input type %s is now @oneOf: values must set exactly one field.", o.Name)
	case oo && !no:
		d.add(o.Name, OneOfRemoved, "@oneOf", "", users, "Input type %s is no longer @oneOf: values may set several fields.", o.Name)
	}
}

func (d *differ) directives() {
	for _, name := range sortedKeys(d.old.Directives) {
		if builtInDirectives[name] {
			continue
		}
		o, n := d.old.Directives[name], d.new.Directives[name]
		coord := "@" + name
		if o == nil {
			continue
		}
		if n == nil {
			affects := []string{coord}
			for _, a := range o.Arguments {
				affects = append(affects, coord+"("+a.Name+":)")
			}
			d.add(coord, DirectiveRemoved, coord, "", affects, "Directive %s was removed.", coord)
			continue
		}
		d.description(coord, o.Description, n.Description)
		d.args(coord, o.Arguments, n.Arguments)
		removed, added := setDiff(locations(o.Locations), locations(n.Locations))
		for _, l := range removed {
			d.add(coord, DirectiveLocationRemoved, l, "", []string{coord}, "Directive %s can no longer be used on %s.", coord, l)
		}
		for _, l := range added {
			d.add(coord, DirectiveLocationAdded, "", l, nil, "Directive %s can now be used on %s.", coord, l)
		}
		switch {
		case o.IsRepeatable && !n.IsRepeatable:
			d.add(coord, DirectiveRepeatableRemoved, "repeatable", "", []string{coord}, "Directive %s is no longer repeatable.", coord)
		case n.IsRepeatable && !o.IsRepeatable:
			d.add(coord, DirectiveRepeatableAdded, "", "repeatable", nil, "Directive %s is now repeatable.", coord)
		}
	}
	for _, name := range sortedKeys(d.new.Directives) {
		if builtInDirectives[name] || d.old.Directives[name] != nil {
			continue
		}
		d.add("@"+name, DirectiveAdded, "", "@"+name, nil, "Directive @%s was added.", name)
	}
}

func (d *differ) description(coord, o, n string) {
	if o == n {
		return
	}
	switch {
	case o == "":
		d.add(coord, DescriptionChanged, o, n, nil, "%s has a description now.", coord)
	case n == "":
		d.add(coord, DescriptionChanged, o, n, nil, "%s no longer has a description.", coord)
	default:
		d.add(coord, DescriptionChanged, o, n, nil, "The description of %s changed.", coord)
	}
}

// defaultDeprecation is @deprecated's reason when it gives none.
const defaultDeprecation = "No longer supported"

// deprecationOf returns whether the directives deprecate their element,
// and why.
func deprecationOf(ds ast.DirectiveList) (bool, string) {
	dep := ds.ForName("deprecated")
	if dep == nil {
		return false, ""
	}
	if a := dep.Arguments.ForName("reason"); a != nil && a.Value != nil && a.Value.Kind != ast.NullValue {
		return true, a.Value.Raw
	}
	return true, defaultDeprecation
}

func (d *differ) deprecation(coord string, o, n ast.DirectiveList) {
	od, or := deprecationOf(o)
	nd, nr := deprecationOf(n)
	switch {
	case !od && nd:
		d.add(coord, DeprecationAdded, "", nr, []string{coord}, "%s is deprecated: %s", coord, nr)
	case od && !nd:
		d.add(coord, DeprecationRemoved, or, "", nil, "%s is no longer deprecated.", coord)
	case od && or != nr:
		d.add(coord, DeprecationReasonChanged, or, nr, nil, "The deprecation reason of %s changed from %q to %q.", coord, or, nr)
	}
}

func specifiedBy(def *ast.Definition) string {
	if s := def.Directives.ForName("specifiedBy"); s != nil {
		if a := s.Arguments.ForName("url"); a != nil && a.Value != nil {
			return a.Value.Raw
		}
	}
	return ""
}

// typeString prints a type reference; "" for none.
func typeString(t *ast.Type) string {
	if t == nil {
		return ""
	}
	return t.String()
}

// required reports whether an input value must be given.
func required(t *ast.Type, def *ast.Value) bool {
	return t != nil && t.NonNull && def == nil
}

func locations(ls []ast.DirectiveLocation) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = string(l)
	}
	return out
}

// setDiff returns what is in o and not in n, and what is in n and not in
// o, each sorted.
func setDiff(o, n []string) (removed, added []string) {
	in := func(list []string, s string) bool {
		for _, x := range list {
			if x == s {
				return true
			}
		}
		return false
	}
	for _, s := range o {
		if !in(n, s) && !in(removed, s) {
			removed = append(removed, s)
		}
	}
	for _, s := range n {
		if !in(o, s) && !in(added, s) {
			added = append(added, s)
		}
	}
	sort.Strings(removed)
	sort.Strings(added)
	return removed, added
}

func kindName(k ast.DefinitionKind) string {
	switch k {
	case ast.Scalar:
		return "scalar"
	case ast.Object:
		return "object"
	case ast.Interface:
		return "interface"
	case ast.Union:
		return "union"
	case ast.Enum:
		return "enum"
	case ast.InputObject:
		return "input object"
	}
	return strings.ToLower(string(k))
}

func article(s string) string {
	if s != "" && strings.ContainsRune("aeiou", rune(s[0])) {
		return "an " + s
	}
	return "a " + s
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// normalize sorts and deduplicates coordinates.
func normalize(cs []string) []string {
	if len(cs) == 0 {
		return nil
	}
	out := append([]string(nil), cs...)
	sort.Strings(out)
	n := 1
	for i := 1; i < len(out); i++ {
		if out[i] != out[n-1] {
			out[n] = out[i]
			n++
		}
	}
	return out[:n]
}
