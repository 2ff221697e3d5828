package compose

import (
	"fmt"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// subgraph is one subgraph's schema as composition sees it: federation
// directives read into flags and field sets, federation's own definitions
// dropped, root types under their default names.
type subgraph struct {
	idx       int
	name, url string
	// enum is the subgraph's value in the supergraph's join__Graph enum.
	enum  string
	src   *ast.Source
	links *linkNames
	types map[string]*sType
	order []*sType
	// renamed maps a root type's name in the subgraph to its default name
	// (RootQuery to Query).
	renamed map[string]string
	// directives are the subgraph's own directive definitions.
	directives []*ast.DirectiveDefinition
	errs       Errors
	hints      []Hint
}

// sType is one type as one subgraph defines it, its definition and
// extensions together.
type sType struct {
	sg   *subgraph
	name string
	kind ast.DefinitionKind
	desc string
	pos  *ast.Position
	// defined says some part of the type is a definition, not an
	// extension (`extend type`) or an @extends.
	defined    bool
	hasExtends bool
	keys       []*sKey
	// interfaceObject: an object type standing for an interface that
	// other subgraphs define (@interfaceObject).
	interfaceObject bool
	inaccessible    bool
	tags            []string
	specifiedBy     *ast.Directive
	interfaces      []string
	members         []string
	values          []*sValue
	fields          []*sField
	fieldMap        map[string]*sField
}

// extensionOnly says every part of the type is an extension.
func (t *sType) extensionOnly() bool { return !t.defined || t.hasExtends }

// joinExtension is what the supergraph's @join__type(extension:) says. A
// Federation 1 subgraph's `extend type` composes as a definition; only its
// @extends marks an extension.
func (t *sType) joinExtension() bool {
	if t.sg.links.fed2 {
		return t.extensionOnly()
	}
	return t.hasExtends
}

// compositeKind is the type's kind in the supergraph: an @interfaceObject
// is an interface there.
func (t *sType) compositeKind() ast.DefinitionKind {
	if t.interfaceObject {
		return ast.Interface
	}
	return t.kind
}

func (t *sType) field(name string) *sField {
	if t == nil {
		return nil
	}
	return t.fieldMap[name]
}

func (t *sType) implements(iface string) bool {
	for _, i := range t.interfaces {
		if i == iface {
			return true
		}
	}
	return false
}

func (t *sType) hasMember(name string) bool {
	for _, m := range t.members {
		if m == name {
			return true
		}
	}
	return false
}

// sKey is one @key.
type sKey struct {
	fs         *fieldSet
	resolvable bool
	// resolvableGiven says the subgraph wrote resolvable: explicitly, which
	// the supergraph repeats.
	resolvableGiven bool
}

// sField is a field (or an input field) as one subgraph defines it.
type sField struct {
	parent *sType
	name   string
	typ    *ast.Type
	desc   string
	pos    *ast.Position
	args   []*sArg
	// defaultValue is an input field's default.
	defaultValue *ast.Value
	external     bool
	shareable    bool
	requires     *fieldSet
	provides     *fieldSet
	// override is @override(from:); overridePos locates it.
	override      string
	overrideLabel string
	overridePos   *ast.Position
	inaccessible  bool
	tags          []string
	deprecated    *ast.Directive
	// Found by reading the subgraph's field sets:
	// usedInFieldSet: some @key, @requires or @provides of this subgraph
	// selects the field.
	usedInFieldSet bool
	// keyField: some @key selects it, which makes it shareable.
	keyField bool
	// provided: it is @external but some @provides returns it.
	provided bool
}

func (f *sField) coordinate() string { return f.parent.name + "." + f.name }

func (f *sField) arg(name string) *sArg {
	for _, a := range f.args {
		if a.name == name {
			return a
		}
	}
	return nil
}

// sArg is a field argument in one subgraph.
type sArg struct {
	name         string
	typ          *ast.Type
	desc         string
	defaultValue *ast.Value
	inaccessible bool
	tags         []string
	deprecated   *ast.Directive
	pos          *ast.Position
}

// sValue is an enum value in one subgraph.
type sValue struct {
	name         string
	desc         string
	inaccessible bool
	tags         []string
	deprecated   *ast.Directive
	pos          *ast.Position
}

// rootOps are the root operations in the order a schema lists them.
var rootOps = []struct {
	op   ast.Operation
	name string
	code string
}{
	{ast.Query, "Query", CodeRootQueryUsed},
	{ast.Mutation, "Mutation", CodeRootMutationUsed},
	{ast.Subscription, "Subscription", CodeRootSubscriptionUsed},
}

// isRootName says a name is a default root type name.
func isRootName(name string) bool {
	return name == "Query" || name == "Mutation" || name == "Subscription"
}

func (sg *subgraph) errorAt(code, coord string, pos *ast.Position, msg string) {
	e := &Error{Code: code, Subgraph: sg.name, Coordinate: coord, Message: msg}
	if pos != nil {
		e.Line, e.Column = pos.Line, pos.Column
	}
	sg.errs = append(sg.errs, e)
}

func (sg *subgraph) hint(code, coord, msg string) {
	sg.hints = append(sg.hints, Hint{Code: code, Subgraph: sg.name, Coordinate: coord, Message: msg})
}

// load parses and reads the subgraph. It returns false when the subgraph
// has errors; they are in sg.errs.
func (sg *subgraph) load() bool {
	doc, err := parser.ParseSchema(sg.src)
	if err != nil {
		sg.gqlError(err)
		return false
	}
	sg.links = sg.resolveLinks(doc)
	if len(sg.errs) > 0 {
		return false
	}
	if !sg.checkGraphQL(sg.links) {
		return false
	}
	for _, list := range []ast.SchemaDefinitionList{doc.Schema, doc.SchemaExtension} {
		for _, s := range list {
			for _, dir := range s.Directives {
				sg.unsupported(dir, "")
			}
		}
	}
	sg.readRoots(doc)
	if len(sg.errs) > 0 {
		return false
	}
	sg.types = map[string]*sType{}
	for _, d := range doc.Definitions {
		sg.readType(d, false)
	}
	for _, d := range doc.Extensions {
		sg.readType(d, true)
	}
	for _, d := range doc.Directives {
		if _, fed := sg.links.canon[d.Name]; fed || d.Name == "link" {
			continue
		}
		sg.directives = append(sg.directives, d)
	}
	// A misplaced directive leaves the model whole, and the checks below
	// may find more. A subgraph that is not valid GraphQL (a field or a
	// directive twice) is reported as that alone.
	var invalid Errors
	for _, e := range sg.errs {
		if e.Code == CodeInvalidGraphQL {
			invalid = append(invalid, e)
		}
	}
	if len(invalid) > 0 {
		sg.errs = invalid
		return false
	}
	sg.checkDefaults()
	sg.readFieldSets()
	sg.checkExternals()
	sg.checkOverrides()
	sg.checkInterfaceKeys()
	return len(sg.errs) == 0
}

// readRoots finds the root types and, where the subgraph names them
// otherwise, renames them to Query, Mutation and Subscription, as the
// supergraph names them.
func (sg *subgraph) readRoots(doc *ast.SchemaDocument) {
	sg.renamed = map[string]string{}
	roots := map[ast.Operation]*ast.OperationTypeDefinition{}
	for _, list := range []ast.SchemaDefinitionList{doc.Schema, doc.SchemaExtension} {
		for _, s := range list {
			for _, ot := range s.OperationTypes {
				roots[ot.Operation] = ot
			}
		}
	}
	for _, r := range rootOps {
		ot := roots[r.op]
		if ot == nil || ot.Type == r.name {
			continue
		}
		for _, list := range []ast.DefinitionList{doc.Definitions, doc.Extensions} {
			for _, d := range list {
				if d.Name == r.name {
					sg.errorAt(r.code, r.name, d.Position, fmt.Sprintf(
						"the schema's %s root is %s, so no other type may be named %s: the supergraph names the %s root %s",
						r.op, ot.Type, r.name, r.op, r.name))
					return
				}
			}
		}
		sg.renamed[ot.Type] = r.name
	}
}

// typeName is a type's name in the supergraph.
func (sg *subgraph) typeName(name string) string {
	if n, ok := sg.renamed[name]; ok {
		return n
	}
	return name
}

// renameType copies t with its named type renamed.
func (sg *subgraph) renameType(t *ast.Type) *ast.Type {
	if t == nil {
		return nil
	}
	out := &ast.Type{NamedType: t.NamedType, NonNull: t.NonNull, Position: t.Position}
	if t.Elem != nil {
		out.Elem = sg.renameType(t.Elem)
	} else {
		out.NamedType = sg.typeName(t.NamedType)
	}
	return out
}

// isFederationType says a type is one of federation's own, which the
// supergraph leaves out.
func (sg *subgraph) isFederationType(d *ast.Definition) bool {
	switch d.Name {
	case "_Any", "_Entity", "_Service", "_FieldSet", "link__Import", "link__Purpose":
		return true
	}
	if d.Name == sg.links.fieldSet && d.Kind == ast.Scalar {
		return true
	}
	return strings.HasPrefix(d.Name, "federation__") ||
		(sg.links.namespace != "" && strings.HasPrefix(d.Name, sg.links.namespace)) ||
		strings.HasPrefix(d.Name, "link__") || strings.HasPrefix(d.Name, "join__")
}

// readType reads one definition or extension of a type into the model.
func (sg *subgraph) readType(d *ast.Definition, extension bool) {
	if sg.isFederationType(d) {
		return
	}
	name := sg.typeName(d.Name)
	t := sg.types[name]
	if t == nil {
		t = &sType{sg: sg, name: name, kind: d.Kind, pos: d.Position, fieldMap: map[string]*sField{}}
		sg.types[name] = t
		sg.order = append(sg.order, t)
	}
	if !extension {
		t.defined = true
		t.pos = d.Position
	}
	if t.desc == "" {
		t.desc = d.Description
	}
	partShareable, partExternal := false, false
	sg.checkRepeated(d.Directives, name)
	for _, dir := range d.Directives {
		switch sg.links.canon[dir.Name] {
		case dirKey:
			raw, ok := fieldsArg(dir)
			if !ok {
				sg.errorAt(CodeKeyInvalidFields, name, dir.Position, "@key(fields:) must be a string")
				continue
			}
			res, given := argBool(dir, "resolvable")
			if !given {
				res = true
			}
			t.keys = append(t.keys, &sKey{fs: &fieldSet{raw: raw, pos: dir.Position, directive: dirKey}, resolvable: res, resolvableGiven: given})
		case dirExtends:
			t.hasExtends = true
		case dirShareable:
			partShareable = true
		case dirExternal:
			partExternal = true
		case dirInterfaceObject:
			t.interfaceObject = true
		case dirInaccessible:
			t.inaccessible = true
		case dirTag:
			t.tags = appendTag(t.tags, argString(dir, "name"))
		case "":
			if dir.Name == "specifiedBy" {
				t.specifiedBy = dir
			}
		default:
			sg.unsupported(dir, name)
		}
	}
	for _, i := range d.Interfaces {
		t.interfaces = appendUnique(t.interfaces, sg.typeName(i))
	}
	for _, m := range d.Types {
		t.members = appendUnique(t.members, sg.typeName(m))
	}
	for _, v := range d.EnumValues {
		sv := &sValue{name: v.Name, desc: v.Description, pos: v.Position}
		sg.readElementDirectives(v.Directives, name+"."+v.Name, &sv.inaccessible, &sv.tags, &sv.deprecated)
		t.values = append(t.values, sv)
	}
	isQuery := name == "Query"
	for _, fd := range d.Fields {
		if isQuery && (fd.Name == "_service" || fd.Name == "_entities") {
			continue
		}
		if t.fieldMap[fd.Name] != nil {
			sg.errorAt(CodeInvalidGraphQL, name+"."+fd.Name, fd.Position, fmt.Sprintf("field %s.%s is defined twice", name, fd.Name))
			continue
		}
		f := sg.readField(t, fd, partShareable, partExternal)
		t.fields = append(t.fields, f)
		t.fieldMap[f.name] = f
	}
}

// readField reads one field definition.
func (sg *subgraph) readField(t *sType, fd *ast.FieldDefinition, shareable, external bool) *sField {
	f := &sField{
		parent: t, name: fd.Name, typ: sg.renameType(fd.Type), desc: fd.Description, pos: fd.Position,
		defaultValue: fd.DefaultValue, shareable: shareable, external: external,
	}
	coord := f.coordinate()
	sg.checkRepeated(fd.Directives, coord)
	if t.compositeKind() == ast.Interface && !t.interfaceObject {
		for _, dir := range fd.Directives {
			switch sg.links.canon[dir.Name] {
			case dirShareable:
				sg.errorAt(CodeInvalidShareableUsage, coord, dir.Position, "@shareable is for fields of object types; an interface's field is not resolved by the interface")
			case dirExternal:
				sg.errorAt(CodeExternalOnInterface, coord, dir.Position, "@external is for fields of object types; an interface's field is not resolved by the interface")
			}
		}
	}
	for _, dir := range fd.Directives {
		switch sg.links.canon[dir.Name] {
		case dirExternal:
			f.external = true
		case dirShareable:
			f.shareable = true
		case dirRequires:
			raw, ok := fieldsArg(dir)
			if !ok {
				sg.errorAt(CodeRequiresInvalidFields, coord, dir.Position, "@requires(fields:) must be a string")
				continue
			}
			f.requires = &fieldSet{raw: raw, pos: dir.Position, directive: dirRequires}
		case dirProvides:
			raw, ok := fieldsArg(dir)
			if !ok {
				sg.errorAt(CodeProvidesInvalidFields, coord, dir.Position, "@provides(fields:) must be a string")
				continue
			}
			f.provides = &fieldSet{raw: raw, pos: dir.Position, directive: dirProvides}
		case dirOverride:
			f.override = argString(dir, "from")
			f.overrideLabel = argString(dir, "label")
			f.overridePos = dir.Position
		case dirInaccessible:
			f.inaccessible = true
		case dirTag:
			f.tags = appendTag(f.tags, argString(dir, "name"))
		case "":
			if dir.Name == "deprecated" {
				f.deprecated = dir
			}
		default:
			sg.unsupported(dir, coord)
		}
	}
	for _, ad := range fd.Arguments {
		a := &sArg{name: ad.Name, typ: sg.renameType(ad.Type), desc: ad.Description, defaultValue: ad.DefaultValue, pos: ad.Position}
		sg.readElementDirectives(ad.Directives, fmt.Sprintf("%s(%s:)", coord, ad.Name), &a.inaccessible, &a.tags, &a.deprecated)
		f.args = append(f.args, a)
	}
	return f
}

// repeatable are the federation directives one element may carry more
// than once.
var repeatable = map[string]bool{dirKey: true, dirTag: true, dirComposeDirective: true, dirContext: true}

// checkRepeated refuses a directive written twice on one definition,
// extension or field where it may appear once. GraphQL validation lets a
// type's definition and extensions each have it, and so does this check;
// @shareable, which repeats only across them, has a code of its own.
func (sg *subgraph) checkRepeated(dirs ast.DirectiveList, coord string) {
	seen := map[string]bool{}
	for _, dir := range dirs {
		canon := sg.links.canon[dir.Name]
		if canon == "" || repeatable[canon] {
			continue
		}
		if seen[dir.Name] {
			if canon == dirShareable {
				sg.errorAt(CodeInvalidShareableUsage, coord, dir.Position, "@shareable is written twice here: it repeats only across a type's definition and its extensions")
			} else {
				sg.errorAt(CodeInvalidGraphQL, coord, dir.Position, fmt.Sprintf("the directive @%s can only be used once here", dir.Name))
			}
		}
		seen[dir.Name] = true
	}
}

// readElementDirectives reads the directives composition keeps on an
// argument or an enum value.
func (sg *subgraph) readElementDirectives(dirs ast.DirectiveList, coord string, inaccessible *bool, tags *[]string, deprecated **ast.Directive) {
	for _, dir := range dirs {
		switch sg.links.canon[dir.Name] {
		case dirInaccessible:
			*inaccessible = true
		case dirTag:
			*tags = appendTag(*tags, argString(dir, "name"))
		case "":
			if dir.Name == "deprecated" {
				*deprecated = dir
			}
		default:
			sg.unsupported(dir, coord)
		}
	}
}

// unsupported reports a federation directive this composition does not
// implement.
func (sg *subgraph) unsupported(dir *ast.Directive, coord string) {
	canon := sg.links.canon[dir.Name]
	if !unsupported[canon] {
		return
	}
	sg.errorAt(CodeUnsupportedFeature, coord, dir.Position, fmt.Sprintf(
		"@%s is not supported by this composition; remove it or compose with Apollo's tools", canon))
}

// fieldsArg is a field set directive's fields: string.
func fieldsArg(d *ast.Directive) (string, bool) {
	a := d.Arguments.ForName("fields")
	if a == nil || a.Value == nil || (a.Value.Kind != ast.StringValue && a.Value.Kind != ast.BlockValue) {
		return "", false
	}
	return a.Value.Raw, true
}

func appendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

func appendTag(tags []string, name string) []string {
	if name == "" {
		return tags
	}
	return appendUnique(tags, name)
}
