package compose

import (
	"fmt"
	"sort"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// joinSpec is the version of the join spec a supergraph links and the
// definitions that version brings. Composition picks it from the newest
// federation version among the subgraphs, as Apollo's composition does.
type joinSpec struct {
	version string
	// defs are the spec's directive and type definitions, as printed
	// blocks keyed by the name they sort under.
	defs map[string]string
}

const (
	joinEnumValue  = "directive @join__enumValue(graph: join__Graph!) repeatable on ENUM_VALUE"
	joinGraph      = "directive @join__graph(name: String!, url: String!) on ENUM_VALUE"
	joinImplements = "directive @join__implements(graph: join__Graph!, interface: String!) repeatable on OBJECT | INTERFACE"
	joinType       = "directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false, resolvable: Boolean! = true, isInterfaceObject: Boolean! = false) repeatable on OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR"
	joinUnion      = "directive @join__unionMember(graph: join__Graph!, member: String!) repeatable on UNION"
	joinDirective  = "directive @join__directive(graphs: [join__Graph!], name: String!, args: join__DirectiveArguments) repeatable on SCHEMA | OBJECT | INTERFACE | FIELD_DEFINITION"
	joinFieldV03   = "directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, type: String, external: Boolean, override: String, usedOverridden: Boolean) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION"
	joinFieldV04   = "directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, type: String, external: Boolean, override: String, usedOverridden: Boolean, overrideLabel: String) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION"
	joinFieldV05   = "directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, type: String, external: Boolean, override: String, usedOverridden: Boolean, overrideLabel: String, contextArguments: [join__ContextArgument!]) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION"
	linkDirective  = "directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA"
	linkPurpose    = "enum link__Purpose {\n  \"\"\"\n  `SECURITY` features provide metadata necessary to securely resolve fields.\n  \"\"\"\n  SECURITY\n\n  \"\"\"\n  `EXECUTION` features provide metadata necessary for operation execution.\n  \"\"\"\n  EXECUTION\n}"
	contextArg     = "input join__ContextArgument {\n  name: String!\n  type: String!\n  context: String!\n  selection: join__FieldValue!\n}"

	inaccessibleDirective = "directive @inaccessible on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION"
	tagDirective          = "directive @tag(name: String!) repeatable on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION | SCHEMA"
)

// joinFor picks the join spec for the newest federation version among
// the subgraphs: v0.3 up to federation 2.6, v0.4 (progressive override)
// for 2.7, v0.5 from 2.8.
func joinFor(v fedVersion) joinSpec {
	base := map[string]string{
		"join__enumValue":   joinEnumValue,
		"join__graph":       joinGraph,
		"join__implements":  joinImplements,
		"join__type":        joinType,
		"join__unionMember": joinUnion,
		"join__FieldSet":    "scalar join__FieldSet",
		"link":              linkDirective,
		"link__Import":      "scalar link__Import",
		"link__Purpose":     linkPurpose,
	}
	switch {
	case v.less(fedVersion{2, 7}):
		base["join__field"] = joinFieldV03
		return joinSpec{"v0.3", base}
	case v.less(fedVersion{2, 8}):
		base["join__field"] = joinFieldV04
		base["join__directive"] = joinDirective
		base["join__DirectiveArguments"] = "scalar join__DirectiveArguments"
		return joinSpec{"v0.4", base}
	default:
		base["join__field"] = joinFieldV05
		base["join__directive"] = joinDirective
		base["join__DirectiveArguments"] = "scalar join__DirectiveArguments"
		base["join__ContextArgument"] = contextArg
		base["join__FieldValue"] = "scalar join__FieldValue"
		return joinSpec{"v0.5", base}
	}
}

// block is one top-level definition of the printed supergraph.
type block struct {
	name string
	// directive says the block defines a directive; those come first.
	directive bool
	text      string
}

// print writes the supergraph SDL: the schema definition, then directive
// definitions by name, then types by name ignoring case, as Apollo's
// composition orders them.
func (c *composer) print() string {
	newest := fedVersion{2, 0}
	for _, sg := range c.sgs {
		if newest.less(sg.links.version) {
			newest = sg.links.version
		}
	}
	spec := joinFor(newest)
	types := c.sortedTypes()
	usesTag, usesInaccessible := c.uses(types)

	var blocks []block
	for name, text := range spec.defs {
		blocks = append(blocks, block{name: name, directive: strings.HasPrefix(text, "directive "), text: text})
	}
	if usesTag {
		blocks = append(blocks, block{"tag", true, tagDirective})
	}
	if usesInaccessible {
		blocks = append(blocks, block{"inaccessible", true, inaccessibleDirective})
	}
	for _, d := range c.directives {
		blocks = append(blocks, block{d.Name, true, printDirectiveDefinition(d)})
	}
	blocks = append(blocks, block{name: "join__Graph", text: c.printGraphs()})
	for _, t := range types {
		blocks = append(blocks, block{name: t.name, text: c.printType(t)})
	}
	sort.SliceStable(blocks, func(i, j int) bool {
		a, b := blocks[i], blocks[j]
		if a.directive != b.directive {
			return a.directive
		}
		la, lb := strings.ToLower(a.name), strings.ToLower(b.name)
		if la != lb {
			return la < lb
		}
		return a.name < b.name
	})

	var b strings.Builder
	b.WriteString("schema\n  @link(url: \"https://specs.apollo.dev/link/v1.0\")\n")
	fmt.Fprintf(&b, "  @link(url: \"https://specs.apollo.dev/join/%s\", for: EXECUTION)\n", spec.version)
	if usesTag {
		b.WriteString("  @link(url: \"https://specs.apollo.dev/tag/v0.3\")\n")
	}
	if usesInaccessible {
		b.WriteString("  @link(url: \"https://specs.apollo.dev/inaccessible/v0.2\", for: SECURITY)\n")
	}
	b.WriteString("{\n  query: Query\n")
	if c.types["Mutation"] != nil {
		b.WriteString("  mutation: Mutation\n")
	}
	if c.types["Subscription"] != nil {
		b.WriteString("  subscription: Subscription\n")
	}
	b.WriteString("}\n")
	for _, bl := range blocks {
		b.WriteString("\n")
		b.WriteString(bl.text)
		b.WriteString("\n")
	}
	return b.String()
}

// uses says whether any element of the supergraph is @tag-ged or
// @inaccessible.
func (c *composer) uses(types []*mType) (tag, inaccessible bool) {
	for _, t := range types {
		tag = tag || len(t.tags) > 0
		inaccessible = inaccessible || t.inaccessible
		for _, f := range t.fields {
			tag = tag || len(f.tags) > 0
			inaccessible = inaccessible || f.inaccessible
			for _, a := range f.args {
				tag = tag || len(a.tags) > 0
				inaccessible = inaccessible || a.inaccessible
			}
		}
		for _, v := range t.values {
			tag = tag || len(v.tags) > 0
			inaccessible = inaccessible || v.inaccessible
		}
	}
	return tag, inaccessible
}

func (c *composer) printGraphs() string {
	var b strings.Builder
	b.WriteString("enum join__Graph {\n")
	for _, sg := range c.sgs {
		fmt.Fprintf(&b, "  %s @join__graph(name: %s, url: %s)\n", sg.enum, quote(sg.name), quote(sg.url))
	}
	b.WriteString("}")
	return b.String()
}

func (c *composer) printType(t *mType) string {
	var b strings.Builder
	writeDescription(&b, t.desc, "")
	var dirs []string
	switch t.kind {
	case ast.Object, ast.Interface:
		dirs = append(dirs, c.implementsDirectives(t)...)
	}
	dirs = append(dirs, c.typeDirectives(t)...)
	if t.kind == ast.Union {
		for _, m := range t.members {
			for _, sg := range c.sgs {
				if d := t.defs[sg.idx]; d != nil && d.hasMember(m) {
					dirs = append(dirs, fmt.Sprintf("@join__unionMember(graph: %s, member: %s)", sg.enum, quote(m)))
				}
			}
		}
	}
	if t.inaccessible {
		dirs = append(dirs, "@inaccessible")
	}
	for _, tag := range t.tags {
		dirs = append(dirs, "@tag(name: "+quote(tag)+")")
	}
	if t.specifiedBy != nil {
		dirs = append(dirs, printDirective(t.specifiedBy))
	}

	keyword := map[ast.DefinitionKind]string{
		ast.Object: "type", ast.Interface: "interface", ast.Union: "union",
		ast.Enum: "enum", ast.InputObject: "input", ast.Scalar: "scalar",
	}[t.kind]
	b.WriteString(keyword + " " + t.name)
	if len(t.interfaces) > 0 {
		b.WriteString(" implements " + strings.Join(t.interfaces, " & "))
	}
	for _, d := range dirs {
		b.WriteString("\n  " + d)
	}
	switch t.kind {
	case ast.Scalar:
		return b.String()
	case ast.Union:
		if len(dirs) > 0 {
			b.WriteString("\n")
		}
		b.WriteString(" = " + strings.Join(t.members, " | "))
		return b.String()
	}
	if len(dirs) > 0 {
		b.WriteString("\n{\n")
	} else {
		b.WriteString(" {\n")
	}
	switch t.kind {
	case ast.Enum:
		for i, v := range t.values {
			if v.desc != "" && i > 0 {
				b.WriteString("\n")
			}
			writeDescription(&b, v.desc, "  ")
			b.WriteString("  " + v.name)
			var vd []string
			if v.inaccessible {
				vd = append(vd, "@inaccessible")
			}
			for _, sg := range c.sgs {
				if v.in[sg.idx] {
					vd = append(vd, fmt.Sprintf("@join__enumValue(graph: %s)", sg.enum))
				}
			}
			vd = append(vd, tagsAndDeprecated(v.tags, v.deprecated)...)
			if len(vd) > 0 {
				b.WriteString(" " + strings.Join(vd, " "))
			}
			b.WriteString("\n")
		}
	default:
		for i, f := range t.fields {
			if f.desc != "" && i > 0 {
				b.WriteString("\n")
			}
			writeDescription(&b, f.desc, "  ")
			b.WriteString("  " + f.name)
			writeArgs(&b, f.args)
			b.WriteString(": " + f.typ.String())
			if f.defaultValue != nil {
				b.WriteString(" = " + printValue(f.defaultValue))
			}
			var fd []string
			if f.inaccessible {
				fd = append(fd, "@inaccessible")
			}
			fd = append(fd, c.fieldJoins(t, f)...)
			fd = append(fd, tagsAndDeprecated(f.tags, f.deprecated)...)
			if len(fd) > 0 {
				b.WriteString(" " + strings.Join(fd, " "))
			}
			b.WriteString("\n")
		}
	}
	b.WriteString("}")
	return b.String()
}

func tagsAndDeprecated(tags []string, deprecated *ast.Directive) []string {
	var out []string
	for _, tag := range tags {
		out = append(out, "@tag(name: "+quote(tag)+")")
	}
	if deprecated != nil {
		out = append(out, printDirective(deprecated))
	}
	return out
}

// implementsDirectives are a type's @join__implements: which subgraph
// has it implement which interface.
func (c *composer) implementsDirectives(t *mType) []string {
	var out []string
	for _, sg := range c.sgs {
		d := t.defs[sg.idx]
		if d == nil || d.interfaceObject {
			continue
		}
		for _, i := range d.interfaces {
			out = append(out, fmt.Sprintf("@join__implements(graph: %s, interface: %s)", sg.enum, quote(i)))
		}
	}
	return out
}

// typeDirectives are a type's @join__type: one per subgraph defining it,
// or one per @key where it has keys.
func (c *composer) typeDirectives(t *mType) []string {
	var out []string
	for _, i := range c.graphsOf(t) {
		sg := c.sgs[i]
		d := t.defs[i]
		if d == nil || len(d.keys) == 0 {
			out = append(out, fmt.Sprintf("@join__type(graph: %s)", sg.enum))
			continue
		}
		for _, k := range d.keys {
			args := []string{"graph: " + sg.enum, "key: " + quote(k.fs.raw)}
			if d.joinExtension() {
				args = append(args, "extension: true")
			}
			if k.resolvableGiven || !k.resolvable {
				args = append(args, fmt.Sprintf("resolvable: %t", k.resolvable))
			}
			if d.interfaceObject {
				args = append(args, "isInterfaceObject: true")
			}
			out = append(out, "@join__type("+strings.Join(args, ", ")+")")
		}
	}
	return out
}

// fieldJoins are a field's @join__field directives. A field that every
// subgraph of its type resolves alike needs none; otherwise each
// subgraph that defines it gets one saying how. A field an implementation
// has only through an @interfaceObject gets a bare @join__field: no
// subgraph resolves it on the type itself.
func (c *composer) fieldJoins(t *mType, f *mField) []string {
	graphs := c.graphsOf(t)
	var defined []int
	special := f.typeDiffers
	for i, d := range f.defs {
		if d == nil || f.dropped[i] {
			continue
		}
		defined = append(defined, i)
		if d.external || d.requires != nil || d.provides != nil || f.usedOverridden[i] || f.overrideLabel[i] != "" ||
			(d.override != "" && !f.ignoreOverride[i]) {
			special = true
		}
	}
	if len(defined) == 0 {
		for _, d := range f.iobj {
			if d != nil {
				return []string{"@join__field"}
			}
		}
		return nil
	}
	if !special && len(defined) == len(graphs) {
		return nil
	}
	var out []string
	for _, i := range defined {
		d := f.defs[i]
		args := []string{"graph: " + c.sgs[i].enum}
		if d.requires != nil {
			args = append(args, "requires: "+quote(d.requires.raw))
		}
		if d.provides != nil {
			args = append(args, "provides: "+quote(d.provides.raw))
		}
		if f.typeDiffers {
			args = append(args, "type: "+quote(d.typ.String()))
		}
		if d.external {
			args = append(args, "external: true")
		}
		// An @override naming no subgraph does not call for a
		// @join__field, but one written anyway repeats it.
		if d.override != "" {
			args = append(args, "override: "+quote(d.override))
		}
		if f.usedOverridden[i] {
			args = append(args, "usedOverridden: true")
		}
		label := f.overrideLabel[i]
		// A progressive override's label shows only while the subgraph it
		// takes the field from still has it.
		if d.override != "" && !f.ignoreOverride[i] && d.overrideLabel != "" {
			if from := c.byName[d.override]; from != nil && f.defs[from.idx] != nil {
				label = d.overrideLabel
			}
		}
		if label != "" {
			args = append(args, "overrideLabel: "+quote(label))
		}
		out = append(out, "@join__field("+strings.Join(args, ", ")+")")
	}
	return out
}

func writeArgs(b *strings.Builder, args []*mArg) {
	if len(args) == 0 {
		return
	}
	multiline := false
	for _, a := range args {
		if a.desc != "" {
			multiline = true
		}
	}
	parts := make([]string, len(args))
	for i, a := range args {
		s := a.name + ": " + a.typ.String()
		if a.defaultValue != nil {
			s += " = " + printValue(a.defaultValue)
		}
		var ds []string
		if a.inaccessible {
			ds = append(ds, "@inaccessible")
		}
		ds = append(ds, tagsAndDeprecated(a.tags, a.deprecated)...)
		if len(ds) > 0 {
			s += " " + strings.Join(ds, " ")
		}
		parts[i] = s
	}
	if !multiline {
		b.WriteString("(" + strings.Join(parts, ", ") + ")")
		return
	}
	b.WriteString("(\n")
	for i, a := range args {
		writeDescription(b, a.desc, "    ")
		b.WriteString("    " + parts[i] + "\n")
	}
	b.WriteString("  )")
}

// writeDescription writes a description as a block string at the given
// indentation: on one line when it is one short line, as graphql-js
// prints them.
func writeDescription(b *strings.Builder, desc, indent string) {
	if desc == "" {
		return
	}
	escaped := strings.ReplaceAll(desc, `"""`, `\"""`)
	lines := strings.Split(strings.ReplaceAll(escaped, "\r\n", "\n"), "\n")
	oneLine := len(lines) == 1 && len(desc) <= 70 && !strings.HasSuffix(desc, `"`) && !strings.HasSuffix(desc, `\`)
	if oneLine {
		b.WriteString(indent + `"""` + escaped + `"""` + "\n")
		return
	}
	b.WriteString(indent + `"""` + "\n")
	for _, l := range lines {
		if l == "" {
			b.WriteString("\n")
			continue
		}
		b.WriteString(indent + l + "\n")
	}
	b.WriteString(indent + `"""` + "\n")
}

// printDirective prints a directive application.
func printDirective(d *ast.Directive) string {
	if len(d.Arguments) == 0 {
		return "@" + d.Name
	}
	parts := make([]string, len(d.Arguments))
	for i, a := range d.Arguments {
		parts[i] = a.Name + ": " + printValue(a.Value)
	}
	return "@" + d.Name + "(" + strings.Join(parts, ", ") + ")"
}

func printDirectiveDefinition(d *ast.DirectiveDefinition) string {
	var b strings.Builder
	writeDescription(&b, d.Description, "")
	b.WriteString("directive @" + d.Name)
	if len(d.Arguments) > 0 {
		parts := make([]string, len(d.Arguments))
		for i, a := range d.Arguments {
			parts[i] = a.Name + ": " + a.Type.String()
			if a.DefaultValue != nil {
				parts[i] += " = " + printValue(a.DefaultValue)
			}
		}
		b.WriteString("(" + strings.Join(parts, ", ") + ")")
	}
	if d.IsRepeatable {
		b.WriteString(" repeatable")
	}
	locs := make([]string, len(d.Locations))
	for i, l := range d.Locations {
		locs[i] = string(l)
	}
	b.WriteString(" on " + strings.Join(locs, " | "))
	return b.String()
}

// printValue prints a GraphQL value literal.
func printValue(v *ast.Value) string {
	if v == nil {
		return "null"
	}
	switch v.Kind {
	case ast.StringValue, ast.BlockValue:
		return quote(v.Raw)
	case ast.Variable:
		return "$" + v.Raw
	case ast.ListValue:
		parts := make([]string, len(v.Children))
		for i, c := range v.Children {
			parts[i] = printValue(c.Value)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case ast.ObjectValue:
		parts := make([]string, len(v.Children))
		for i, c := range v.Children {
			parts[i] = c.Name + ": " + printValue(c.Value)
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return v.Raw
}

// quote writes s as a GraphQL string literal, escaped as graphql-js
// escapes.
func quote(s string) string {
	return (&ast.Value{Kind: ast.StringValue, Raw: s}).String()
}
