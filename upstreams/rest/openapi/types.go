package openapi

import (
	"net/url"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/pb33f/go-yaml"
	"github.com/pb33f/libopenapi/datamodel/high/base"
	"github.com/weft-gateway/weft/internal/gqlname"
	"github.com/weft-gateway/weft/internal/sdlwrite"
)

// The custom scalars the SDL may declare.
const (
	scalarJSON     = "JSON"
	scalarInt64    = "Int64"
	scalarDateTime = "DateTime"
	scalarDate     = "Date"
)

// tref is a GraphQL type reference.
type tref struct {
	name    string
	elem    *tref
	nonNull bool
}

func named(name string) tref { return tref{name: name} }

func (t tref) String() string {
	s := t.name
	if t.elem != nil {
		s = "[" + t.elem.String() + "]"
	}
	if t.nonNull {
		s += "!"
	}
	return s
}

// namedType returns the named type under t's list wrappers.
func (t tref) namedType() string {
	for t.elem != nil {
		t = *t.elem
	}
	return t.name
}

func (t tref) listDepth() int {
	n := 0
	for t.elem != nil {
		n++
		t = *t.elem
	}
	return n
}

// gqlType is a generated object, input object or enum type.
type gqlType struct {
	name        string
	kind        string // "type", "input" or "enum"
	description string
	fields      []*gqlField
	values      []enumValue
	// members are a union's member types, and typeBy its @typeBy.
	members []string
	typeBy  string
	// required are an object type's required properties, by JSON key.
	required []string
	// oneOf marks an input type each of whose fields is one member of a
	// oneOf body, sent unwrapped.
	oneOf bool
}

// enumValue is one value of a generated enum: its GraphQL name, and when
// the upstream writes it otherwise, that value as an SDL literal (a string
// or an integer) for @from(value:).
type enumValue struct {
	name, wire  string
	description string
}

type gqlField struct {
	name        string
	key         string // the JSON property name
	typ         tref
	description string
	deprecated  bool
	// binary says the property is raw bytes (format binary, or a list of
	// them): in a multipart body, a file part.
	binary bool
	// tags are the strings a property's value may be, when its schema
	// lists them (an enum or a const): what tells the members of a union
	// apart without a discriminator.
	tags []string
}

// typeKey identifies a schema in one direction: output types and input
// types are separate GraphQL types.
type typeKey struct {
	schema any
	input  bool
}

type mapped struct {
	t        tref
	nullable bool
	obj      *gqlType
	// early marks an object type registered before its fields were
	// mapped, so that fields can refer to it.
	early bool
}

// mctx is the context a schema is mapped in.
type mctx struct {
	input bool
	// base names an anonymous type: the operation, property or parameter
	// it belongs to, without the prefix or the Input suffix.
	base  string
	loc   loc
	op    string
	depth int
	// multipart marks the object of a multipart body, whose binary
	// properties are file parts, and file one of those properties; they
	// hold for one level only.
	multipart, file bool
}

func (c mctx) child(base string, l loc) mctx {
	c.base, c.loc, c.depth = base, l, c.depth+1
	c.multipart, c.file = false, false
	return c
}

func (im *importer) scalar(name string) tref {
	im.scalars[name] = true
	return named(name)
}

func (im *importer) jsonType() (tref, bool, *gqlType) { return im.scalar(scalarJSON), true, nil }

// schemaKey identifies the schema behind a proxy: its node in the file
// that holds it, so every $ref to one schema, from any file, finds the same
// type. Schemas built in memory (Swagger 2.0 parameters) have no node and
// are their own key.
func schemaKey(s *base.Schema) any {
	if lo := s.GoLow(); lo != nil && lo.RootNode != nil {
		return lo.RootNode
	}
	return s
}

// refKey identifies the target of a $ref by the file that holds it and
// its place there (line and column, else the pointer): the parser may load
// one file twice when it is reached by two spellings of its URL, and both
// copies are one schema.
func refKey(file, ref string, node *yaml.Node) string {
	if file == "" {
		return ""
	}
	if u, err := url.Parse(file); err == nil && u.Scheme != "" && u.Host != "" {
		u.Path = path.Clean(u.Path)
		file = u.String()
	} else {
		file = filepath.Clean(file)
	}
	if node != nil {
		return file + ":" + strconv.Itoa(node.Line) + ":" + strconv.Itoa(node.Column)
	}
	_, frag, _ := strings.Cut(ref, "#")
	return file + "#" + frag
}

// refName is the name a $ref gives its target: the last token of the
// fragment, else the file's name without extension.
func refName(ref string) string {
	file, frag, _ := strings.Cut(ref, "#")
	if frag = strings.Trim(frag, "/"); frag != "" {
		if i := strings.LastIndex(frag, "/"); i >= 0 {
			frag = frag[i+1:]
		}
		return unescapePointerToken(frag)
	}
	file = file[strings.LastIndexAny(file, `/\`)+1:]
	if i := strings.LastIndex(file, "."); i > 0 {
		file = file[:i]
	}
	return file
}

// refLoc is where a referenced schema lives.
func refLoc(sp *base.SchemaProxy, ref string) loc {
	l := loc{pointer: "#"}
	if _, frag, ok := strings.Cut(ref, "#"); ok {
		l.pointer = "#" + frag
	}
	if lo := sp.GoLow(); lo != nil {
		l.node = lo.GetValueNode()
		if idx := lo.GetIndex(); idx != nil {
			l.file = idx.GetSpecAbsolutePath()
		}
	}
	return l
}

// schemaType maps a schema to a GraphQL type. It returns the type with
// its top level nullable, whether the schema allows null, and the
// generated input type under the lists, if any.
func (im *importer) schemaType(sp *base.SchemaProxy, c mctx) (tref, bool, *gqlType) {
	if sp == nil {
		return im.jsonType()
	}
	if c.depth > im.maxDepth {
		im.warn(c.loc, c.op, "schema nested more than %d levels deep: typed JSON", im.maxDepth)
		return im.jsonType()
	}
	s := sp.Schema()
	if s == nil {
		im.warn(c.loc, c.op, "schema cannot be read (%v): typed JSON", sp.GetBuildError())
		return im.jsonType()
	}
	if u := unresolvedIn(s.Extensions); u != nil {
		// Warned about once, where it is first used.
		key := typeKey{schemaKey(s), false}
		if _, ok := im.mapped[key]; !ok {
			im.warn(c.loc, c.op, "%s: typed JSON", im.describe(u))
			im.mapped[key] = mapped{t: named(scalarJSON), nullable: true}
		}
		return im.jsonType()
	}
	id := schemaKey(s)
	if sp.IsReference() {
		ref := sp.GetReference()
		c.loc = refLoc(sp, ref)
		if n := refName(ref); n != "" {
			c.base = n
		}
		if k := refKey(c.loc.file, ref, c.loc.node); k != "" {
			id = k
		}
	} else if lo := sp.GoLow(); lo != nil && lo.GetValueNode() != nil {
		c.loc.node = lo.GetValueNode()
	} else if l, ok := im.synthLoc[s]; ok {
		c.loc = l
	}
	key := typeKey{id, c.input}
	if im.inProgress(key) {
		im.warn(c.loc, c.op, "schema refers to itself without an object in between: typed JSON")
		return im.jsonType()
	}
	if m, ok := im.mapped[key]; ok {
		return m.t, m.nullable, m.obj
	}
	im.mapped[key] = mapped{t: named(""), nullable: true} // in progress
	t, nullable, obj := im.mapSchema(s, c, key)
	if cur := im.mapped[key]; cur.early {
		return cur.t, cur.nullable, cur.obj
	}
	im.mapped[key] = mapped{t: t, nullable: nullable, obj: obj}
	return t, nullable, obj
}

func (im *importer) inProgress(key typeKey) bool {
	m, ok := im.mapped[key]
	return ok && m.t.name == "" && m.t.elem == nil
}

// schemaNullable reads the three ways a document says null is allowed.
func schemaNullable(s *base.Schema) bool {
	if s.Nullable != nil && *s.Nullable {
		return true
	}
	for _, t := range s.Type {
		if t == "null" {
			return true
		}
	}
	if s.Extensions != nil {
		if n, ok := s.Extensions.Get("x-nullable"); ok && n != nil && n.Value == "true" {
			return true
		}
	}
	return false
}

func nonNullTypes(s *base.Schema) []string {
	var out []string
	for _, t := range s.Type {
		if t != "null" {
			out = append(out, t)
		}
	}
	return out
}

// onlyNull reports whether s allows nothing but null ({type: "null"}).
func onlyNull(s *base.Schema) bool {
	return len(s.Type) == 1 && s.Type[0] == "null" && s.Properties == nil && len(s.OneOf) == 0 && len(s.AnyOf) == 0 && len(s.AllOf) == 0
}

func (im *importer) mapSchema(s *base.Schema, c mctx, key typeKey) (tref, bool, *gqlType) {
	nullable := schemaNullable(s)
	if s.BooleanSchema != nil {
		return im.jsonType()
	}
	if s.Const != nil {
		return im.literalType(s.Const), nullable, nil
	}
	hasProps := s.Properties != nil && s.Properties.Len() > 0
	if len(s.OneOf)+len(s.AnyOf) > 0 && !hasProps {
		t, n, obj := im.composition(s, c)
		return t, n || nullable, obj
	}
	if len(s.AllOf) > 0 && !hasProps && len(s.AllOf) == 1 && len(s.OneOf)+len(s.AnyOf) == 0 {
		// allOf with one member adds words (a description, an example)
		// to a schema; the member gives the type.
		m := s.AllOf[0]
		t, n, obj := im.schemaType(m, c.child(c.base, c.loc.child("allOf", nil).child("0", nil)))
		return t, n || nullable, obj
	}
	if len(s.Enum) > 0 {
		return im.enumType(s, c, key.schema), nullable || enumHasNull(s), nil
	}
	types := nonNullTypes(s)
	typ := ""
	switch len(types) {
	case 0:
	case 1:
		typ = types[0]
	default:
		im.warn(c.loc, c.op, "schema allows several types (%s): typed JSON", strings.Join(types, ", "))
		return im.jsonType()
	}
	if typ == "" {
		switch {
		case hasProps || len(s.AllOf) > 0:
			typ = "object"
		case s.Items != nil:
			typ = "array"
		}
	}
	switch typ {
	case "object":
		t, obj, ok := im.objectType(s, c, key, nullable)
		if !ok {
			return im.jsonType()
		}
		return t, nullable, obj
	case "array":
		return im.listType(s, c, nullable)
	case "string":
		return im.stringType(s, c), nullable, nil
	case "integer":
		switch s.Format {
		case "int64", "uint32", "uint64":
			return im.scalar(scalarInt64), nullable, nil
		}
		return named("Int"), nullable, nil
	case "number":
		return named("Float"), nullable, nil
	case "boolean":
		return named("Boolean"), nullable, nil
	case "null":
		return im.jsonType()
	case "":
		// No type: any JSON value.
		return im.jsonType()
	}
	im.warn(c.loc, c.op, "unknown type %q: typed JSON", typ)
	return im.jsonType()
}

func (im *importer) literalType(n *yaml.Node) tref {
	switch n.Tag {
	case "!!int":
		return named("Int")
	case "!!float":
		return named("Float")
	case "!!bool":
		return named("Boolean")
	case "!!str":
		return named("String")
	}
	return im.scalar(scalarJSON)
}

func (im *importer) stringType(s *base.Schema, c mctx) tref {
	switch s.Format {
	case "date-time":
		return im.scalar(scalarDateTime)
	case "date":
		return im.scalar(scalarDate)
	case "uuid":
		return named("ID")
	case "binary":
		if !c.file {
			im.warn(c.loc, c.op, "format binary: raw bytes cannot be carried in JSON; typed String")
		}
	}
	return named("String")
}

func (im *importer) listType(s *base.Schema, c mctx, nullable bool) (tref, bool, *gqlType) {
	if len(s.PrefixItems) > 0 {
		im.warn(c.loc, c.op, "prefixItems (a tuple) has no GraphQL list type: typed JSON")
		return im.jsonType()
	}
	var items *base.SchemaProxy
	if s.Items != nil && s.Items.IsA() {
		items = s.Items.A
	}
	var et tref
	var enull bool
	var obj *gqlType
	if items == nil {
		et, enull, obj = im.jsonType()
	} else {
		ic := c.child(c.base+"Item", c.loc.child("items", nil))
		ic.file = c.file
		et, enull, obj = im.schemaType(items, ic)
	}
	et.nonNull = !enull
	return tref{elem: &et}, nullable, obj
}

func enumHasNull(s *base.Schema) bool {
	for _, v := range s.Enum {
		if v != nil && v.Tag == "!!null" {
			return true
		}
	}
	return false
}

// enumType maps an enum: string values, and integer values, become an
// enum type shared by inputs and outputs, whose values keep their
// spelling when they are GraphQL names and are named otherwise (see
// gqlname.EnumValue; integers NUMBER_1, or the names x-enum-varnames
// gives them), with @from(value:) saying what the upstream writes. Other
// numbers are a Float, booleans a Boolean; values of several types or of
// none are JSON.
func (im *importer) enumType(s *base.Schema, c mctx, id any) tref {
	// One type serves both directions, and a schema is warned about once.
	key := typeKey{id, false}
	if m, ok := im.mapped[key]; ok && m.t.name != "" {
		return m.t
	}
	t := im.enumOf(s, c, id)
	im.mapped[key] = mapped{t: t, nullable: true}
	return t
}

// enumOf is enumType's type, the first time.
func (im *importer) enumOf(s *base.Schema, c mctx, id any) tref {
	var values []string
	seen := map[string]bool{}
	kind := ""
	for _, v := range s.Enum {
		if v == nil || v.Tag == "!!null" {
			continue
		}
		k := v.Tag
		if k != "!!str" && v.Kind == yaml.ScalarNode && !strings.HasPrefix(v.Tag, "!!") {
			k = "!!str"
		}
		if kind == "" {
			kind = k
		} else if kind != k {
			im.warn(c.loc, c.op, "enum mixes values of several types: typed JSON")
			return im.scalar(scalarJSON)
		}
		if !seen[v.Value] {
			seen[v.Value] = true
			values = append(values, v.Value)
		}
	}
	switch kind {
	case "!!int":
		for _, v := range values {
			if _, err := strconv.ParseInt(v, 10, 64); err != nil {
				// An integer JSON cannot hold as such (0x1F, 1_000):
				// the plain type.
				if s.Format == "int64" {
					return im.scalar(scalarInt64)
				}
				return named("Int")
			}
		}
	case "!!float":
		return named("Float")
	case "!!bool":
		return named("Boolean")
	case "!!str":
	case "":
		return im.scalar(scalarJSON)
	default:
		im.warn(c.loc, c.op, "enum of non-scalar values: typed JSON")
		return im.scalar(scalarJSON)
	}
	name := im.typeNames.Take(im.opts.Prefix + pascal(baseOr(c.base, "Enum")))
	t := &gqlType{name: name, kind: "enum", description: s.Description, values: enumValues(s, values, kind == "!!int")}
	im.types[typeKey{id, false}] = t
	return named(name)
}

// enumValues names an enum's values, uniquely: values that are enum
// values as they are keep their names, then the others take theirs in
// order, with a suffix 2, 3, ... on a clash.
func enumValues(s *base.Schema, values []string, integers bool) []enumValue {
	varNames := extensionList(s, "x-enum-varnames", "x-enumNames")
	descs := extensionList(s, "x-enum-descriptions", "x-enumDescriptions")
	if len(varNames) != len(values) {
		varNames = nil
	}
	if len(descs) != len(values) {
		descs = nil
	}
	set := gqlname.NewSet()
	out := make([]enumValue, len(values))
	for i, v := range values {
		if descs != nil {
			out[i].description = descs[i]
		}
		if !integers && varNames == nil && gqlname.ValidEnumValue(v) && set.Reserve(v) {
			out[i].name = v
		}
	}
	for i, v := range values {
		if out[i].name != "" {
			continue
		}
		want := ""
		switch {
		case varNames != nil:
			want = gqlname.EnumValue(varNames[i])
		case integers:
			want = gqlname.NumberEnumValue(v)
		default:
			want = gqlname.EnumValue(v)
		}
		out[i].name = set.Take(want)
		if integers {
			out[i].wire = v
		} else if out[i].name != v {
			out[i].wire = sdlwrite.String(v)
		}
	}
	return out
}

// extensionList reads the first of the named extensions that is a list of
// scalars.
func extensionList(s *base.Schema, names ...string) []string {
	if s.Extensions == nil {
		return nil
	}
	for _, n := range names {
		node, ok := s.Extensions.Get(n)
		if !ok || node == nil || node.Kind != yaml.SequenceNode {
			continue
		}
		out := make([]string, 0, len(node.Content))
		for _, item := range node.Content {
			if item.Kind != yaml.ScalarNode {
				return nil
			}
			out = append(out, item.Value)
		}
		return out
	}
	return nil
}

func baseOr(base, def string) string {
	if base == "" {
		return def
	}
	return base
}

// composition maps oneOf/anyOf without properties of its own.
func (im *importer) composition(s *base.Schema, c mctx) (tref, bool, *gqlType) {
	word := "oneOf"
	list := s.OneOf
	if len(list) == 0 {
		word, list = "anyOf", s.AnyOf
	}
	var members []*base.SchemaProxy
	var idx []int
	nullable := false
	for i, m := range list {
		ms := m.Schema()
		if ms != nil && onlyNull(ms) {
			nullable = true
			continue
		}
		members = append(members, m)
		idx = append(idx, i)
	}
	if len(members) == 1 && len(s.OneOf)+len(s.AnyOf) == len(list) {
		t, n, obj := im.schemaType(members[0], c.child(c.base, c.loc.child(word, nil).child(itoa(idx[0]), nil)))
		return t, n || nullable, obj
	}
	// Members that are all the same scalar are that scalar.
	same := ""
	objects := 0
	var names []string
	for _, m := range members {
		ms := m.Schema()
		if ms == nil {
			same = "-"
			continue
		}
		if m.IsReference() {
			names = append(names, refName(m.GetReference()))
		}
		sc := plainScalar(ms)
		if sc == "" {
			same = "-"
		} else if same == "" {
			same = sc
		} else if same != sc {
			same = "-"
		}
		if isObjectSchema(ms) {
			objects++
		}
	}
	if same != "" && same != "-" {
		return named(same), nullable, nil
	}
	what := ""
	if len(names) > 0 {
		what = " (" + strings.Join(names, ", ") + ")"
	}
	if objects == len(members) {
		if t, obj, ok := im.union(s, c, word, list, members, idx); ok {
			return t, nullable, obj
		}
		return im.scalar(scalarJSON), true, nil
	}
	im.warn(c.loc, c.op, "%s of %d schemas of different kinds%s: typed JSON", word, len(members), what)
	return im.scalar(scalarJSON), true, nil
}

// unionMember is one object member of a oneOf or anyOf.
type unionMember struct {
	t    *gqlType
	ref  string // the member's $ref, "" for an inline schema
	base string
}

// union maps a oneOf or anyOf whose members are all objects. As output, it
// is a union of their object types, whose @typeBy tells the member of a
// value: by the discriminator's property when the schema has one (its
// mapping, else each member's schema name), else by the required
// properties each member's values have. As input, where GraphQL has no
// unions, it is a @oneOf input object with one field per member, sent as
// that field's value (@unwrap). ok is false, with a warning, when a member
// does not map to an object type.
func (im *importer) union(s *base.Schema, c mctx, word string, list, members []*base.SchemaProxy, idx []int) (tref, *gqlType, bool) {
	var ms []unionMember
	seen := map[*gqlType]bool{}
	for i, m := range members {
		mb := c.base + "Option" + itoa(idx[i]+1)
		if m.IsReference() {
			mb = refName(m.GetReference())
		}
		mt, _, obj := im.schemaType(m, c.child(mb, c.loc.child(word, nil).child(itoa(idx[i]), nil)))
		t := obj
		if !c.input {
			t = im.objectNamed(mt)
		}
		if t == nil || mt.elem != nil {
			im.warn(c.loc, c.op, "%s member %d (%s) is not an object type: typed JSON", word, idx[i], mb)
			return tref{}, nil, false
		}
		if seen[t] {
			continue // one type, reached twice
		}
		seen[t] = true
		um := unionMember{t: t, base: mb}
		if m.IsReference() {
			um.ref = m.GetReference()
		}
		ms = append(ms, um)
	}
	name := im.opts.Prefix + pascal(baseOr(c.base, "Union"))
	if c.input {
		name += "Input"
	}
	u := &gqlType{name: im.typeNames.Take(name), description: s.Description}
	if c.input {
		u.kind, u.oneOf = "input", true
		fields := gqlname.NewSet()
		for _, m := range ms {
			f := fields.Take(camel(m.base))
			u.fields = append(u.fields, &gqlField{name: f, key: f, typ: named(m.t.name)})
		}
		im.types[typeKey{u, true}] = u
		return named(u.name), u, true
	}
	u.kind = "union"
	for _, m := range ms {
		u.members = append(u.members, m.t.name)
	}
	u.typeBy = im.typeBy(s, c, word, ms)
	im.types[typeKey{u, false}] = u
	return named(u.name), nil, true
}

// objectNamed returns the generated object type named by t (no lists),
// nil when t names another kind of type.
func (im *importer) objectNamed(t tref) *gqlType {
	if t.elem != nil {
		return nil
	}
	for _, g := range im.types {
		if g.name == t.name && g.kind == "type" {
			return g
		}
	}
	return nil
}

// typeBy writes the @typeBy of a union: the discriminator's property and
// the values that name each member. Without a discriminator, a property
// every member requires whose values each member lists apart (an enum or
// a const: type: "await" in one, type: "redirect" in another) serves as
// one. Else, or when a discriminator leaves a member without a value of
// its mapping, the required properties of each member tell them apart,
// with a warning when some members require the same ones.
func (im *importer) typeBy(s *base.Schema, c mctx, word string, ms []unionMember) string {
	var args []sdlwrite.Arg
	structural, implicit := true, false
	key := ""
	values := make([][]string, len(ms))
	if d := s.Discriminator; d != nil && d.PropertyName != "" {
		key = d.PropertyName
		if d.Mapping != nil {
			for p := d.Mapping.First(); p != nil; p = p.Next() {
				target := refName(p.Value())
				for i, m := range ms {
					if m.ref != "" && (p.Value() == m.ref || refName(m.ref) == target) {
						values[i] = append(values[i], p.Key())
						break
					}
				}
			}
		}
		for i, m := range ms {
			if len(values[i]) == 0 && m.ref != "" {
				// A member the mapping leaves out is named by its
				// schema's name, as OpenAPI says; since many documents
				// write other values without a mapping, the members'
				// properties tell the type when the value does not.
				values[i] = []string{refName(m.ref)}
				implicit = true
			}
		}
	} else if k, tags := tagProperty(ms); k != "" {
		key, values = k, tags
	}
	if key != "" {
		structural = implicit
		var entries []string
		for i, m := range ms {
			if len(values[i]) == 0 {
				structural = true
				continue
			}
			entries = append(entries, m.t.name+": "+sdlwrite.StringList(values[i]))
		}
		args = append(args, sdlwrite.Arg{Name: "key", Value: sdlwrite.String(key)},
			sdlwrite.Arg{Name: "values", Value: "{" + strings.Join(entries, ", ") + "}"})
	}
	if structural {
		var entries []string
		var groups [][]string
		byKeys := map[string]int{}
		for _, m := range ms {
			keys := append([]string(nil), m.t.required...)
			sort.Strings(keys)
			id := strings.Join(keys, "\x00")
			if g, ok := byKeys[id]; ok {
				groups[g] = append(groups[g], m.t.name)
			} else {
				byKeys[id] = len(groups)
				groups = append(groups, []string{m.t.name})
			}
			entries = append(entries, m.t.name+": "+sdlwrite.StringList(m.t.required))
		}
		for _, g := range groups {
			if len(g) > 1 {
				t := im.objectNamed(named(g[0]))
				req := "no properties"
				if len(t.required) > 0 {
					req = "the same properties (" + strings.Join(t.required, ", ") + ")"
				}
				im.warn(c.loc, c.op, "%s members %s require %s and no discriminator tells them apart: a value that has them is read as %s", word, strings.Join(g, ", "), req, g[0])
			}
		}
		args = append(args, sdlwrite.Arg{Name: "required", Value: "{" + strings.Join(entries, ", ") + "}"})
	}
	return sdlwrite.Directive("typeBy", args...)
}

// tagProperty finds a property that tells the members of a union apart:
// every member requires it and lists the strings it may be, and no two
// members share one. It returns the property's key and each member's
// strings, or "".
func tagProperty(ms []unionMember) (string, [][]string) {
	if len(ms) == 0 {
		return "", nil
	}
	field := func(t *gqlType, key string) *gqlField {
		if !slices.Contains(t.required, key) {
			return nil
		}
		for _, f := range t.fields {
			if f.key == key && len(f.tags) > 0 {
				return f
			}
		}
		return nil
	}
next:
	for _, k := range ms[0].t.required {
		values := make([][]string, len(ms))
		seen := map[string]bool{}
		for i, m := range ms {
			f := field(m.t, k)
			if f == nil {
				continue next
			}
			for _, tag := range f.tags {
				if seen[tag] {
					continue next
				}
				seen[tag] = true
			}
			values[i] = f.tags
		}
		return k, values
	}
	return "", nil
}

func itoa(i int) string { return strconv.Itoa(i) }

// plainScalar is the built-in scalar a simple schema maps to, or "".
func plainScalar(s *base.Schema) string {
	if len(s.Enum) > 0 || s.Properties != nil && s.Properties.Len() > 0 || len(s.AllOf)+len(s.OneOf)+len(s.AnyOf) > 0 {
		return ""
	}
	t := nonNullTypes(s)
	if len(t) != 1 {
		return ""
	}
	switch t[0] {
	case "string":
		if s.Format == "" || s.Format == "byte" || s.Format == "email" || s.Format == "uri" {
			return "String"
		}
	case "boolean":
		return "Boolean"
	case "number":
		return "Float"
	case "integer":
		if s.Format == "" || s.Format == "int32" {
			return "Int"
		}
	}
	return ""
}

func isObjectSchema(s *base.Schema) bool {
	if s.Properties != nil && s.Properties.Len() > 0 || len(s.AllOf) > 0 {
		return true
	}
	for _, t := range s.Type {
		if t == "object" {
			return true
		}
	}
	return false
}

// prop is one property of an object after allOf is merged.
type prop struct {
	key      string
	schema   *base.SchemaProxy
	required bool
	loc      loc
}

// collectProps gathers s's properties, merging allOf members in order
// before s's own. It returns false when a member is not an object.
func (im *importer) collectProps(s *base.Schema, c mctx, props *[]*prop, seen map[any]bool, required map[string]bool) bool {
	for i, m := range s.AllOf {
		ms := m.Schema()
		ml := c.loc.child("allOf", nil).child(itoa(i), nil)
		if ms == nil {
			im.warn(ml, c.op, "allOf member cannot be read (%v): left out", m.GetBuildError())
			continue
		}
		if u := unresolvedIn(ms.Extensions); u != nil {
			im.warn(ml, c.op, "allOf member %s: left out", im.describe(u))
			continue
		}
		if m.IsReference() {
			ml = refLoc(m, m.GetReference())
		}
		k := schemaKey(ms)
		if seen[k] {
			continue
		}
		seen[k] = true
		if isObjectSchema(ms) {
			if !im.collectProps(ms, mctx{input: c.input, loc: ml, op: c.op}, props, seen, required) {
				return false
			}
			continue
		}
		if len(ms.Type) == 0 && len(ms.OneOf)+len(ms.AnyOf) == 0 {
			// Words or constraints only (required, description).
			for _, r := range ms.Required {
				required[r] = true
			}
			continue
		}
		im.warn(ml, c.op, "allOf member is not an object: the schema is typed JSON")
		return false
	}
	if len(s.OneOf)+len(s.AnyOf) > 0 {
		for _, m := range append(append([]*base.SchemaProxy{}, s.OneOf...), s.AnyOf...) {
			if ms := m.Schema(); ms != nil && ms.Properties != nil && ms.Properties.Len() > 0 {
				im.warn(c.loc, c.op, "oneOf/anyOf beside properties: only the properties outside them are mapped")
				break
			}
		}
	}
	for _, r := range s.Required {
		required[r] = true
	}
	if s.Properties == nil {
		return true
	}
	// Schemas made from Swagger 2.0 form parameters have no node; their
	// properties are the parameters, located already.
	pl := c.loc
	if s.GoLow() != nil {
		pl = c.loc.child("properties", nil)
	}
	for pair := s.Properties.First(); pair != nil; pair = pair.Next() {
		k := pair.Key()
		var node *yaml.Node
		if lo := pair.Value().GoLow(); lo != nil {
			node = lo.GetKeyNode()
		}
		p := &prop{key: k, schema: pair.Value(), loc: pl.child(k, node)}
		replaced := false
		for i, old := range *props {
			if old.key == k {
				(*props)[i] = p
				replaced = true
			}
		}
		if !replaced {
			*props = append(*props, p)
		}
	}
	return true
}

// objectType maps an object schema with properties to an object or input
// type. A schema without properties (free-form, or a map through
// additionalProperties) is not one: ok is false and the caller types it
// JSON.
func (im *importer) objectType(s *base.Schema, c mctx, key typeKey, nullable bool) (tref, *gqlType, bool) {
	var props []*prop
	required := map[string]bool{}
	if !im.collectProps(s, c, &props, map[any]bool{key.schema: true}, required) {
		return tref{}, nil, false
	}
	var kept []*prop
	for _, p := range props {
		if why := unkeyable(p.key); why != "" {
			im.warnOnce(p.loc, c.op, "property %q %s: left out", p.key, why)
			continue
		}
		ps := p.schema.Schema()
		if ps != nil && c.input && ps.ReadOnly != nil && *ps.ReadOnly {
			continue
		}
		if ps != nil && !c.input && ps.WriteOnly != nil && *ps.WriteOnly {
			continue
		}
		p.required = required[p.key]
		kept = append(kept, p)
	}
	if len(kept) == 0 {
		return tref{}, nil, false
	}
	name := im.opts.Prefix + pascal(baseOr(c.base, "Object"))
	kind := "type"
	if c.input {
		name += "Input"
		kind = "input"
	}
	t := &gqlType{name: im.typeNames.Take(name), kind: kind, description: s.Description}
	for _, p := range kept {
		if p.required {
			// What a value of the type has, to tell it in a union.
			t.required = append(t.required, p.key)
		}
	}
	im.types[key] = t
	var obj *gqlType
	if c.input {
		obj = t
	}
	im.mapped[key] = mapped{t: named(t.name), nullable: nullable, obj: obj, early: true}

	// Valid property names keep their names; the others get names derived
	// from them that no valid one already has.
	fieldNames := gqlname.NewSet()
	names := make([]string, len(kept))
	for i, p := range kept {
		if gqlname.Valid(p.key) && fieldNames.Reserve(p.key) {
			names[i] = p.key
		}
	}
	for i, p := range kept {
		if names[i] == "" {
			names[i] = fieldNames.Take(fieldName(p.key))
		}
	}
	base := baseOr(c.base, "Object")
	for i, p := range kept {
		binary := isBinary(p.schema.Schema())
		pc := c.child(base+pascal(p.key), p.loc)
		pc.file = c.multipart && binary
		ft, fnull, _ := im.schemaType(p.schema, pc)
		ft.nonNull = p.required && !fnull
		f := &gqlField{name: names[i], key: p.key, typ: ft, binary: binary}
		if ps := p.schema.Schema(); ps != nil {
			f.tags = stringTags(ps)
			if !p.schema.IsReference() {
				f.description = ps.Description
			}
			f.deprecated = ps.Deprecated != nil && *ps.Deprecated
			if c.input && ft.nonNull && ps.Default != nil {
				f.typ.nonNull = false
			}
		}
		t.fields = append(t.fields, f)
	}
	return named(t.name), obj, true
}

// stringTags are the strings a schema allows, when it lists them: a
// const, or an enum of strings only.
func stringTags(s *base.Schema) []string {
	if s.Const != nil {
		if s.Const.Tag == "!!str" {
			return []string{s.Const.Value}
		}
		return nil
	}
	var out []string
	for _, v := range s.Enum {
		if v == nil || v.Tag != "!!str" {
			return nil
		}
		out = append(out, v.Value)
	}
	return out
}

// unkeyable says why a property name cannot be a field's JSON key, "" when
// it can. The field's @from(key:) would carry it, and the loader refuses
// an empty key. A NUL starts the keys the gateway gives the values it
// adds to an answer, which no key read from an upstream may take.
func unkeyable(key string) string {
	switch {
	case key == "":
		return "is empty, and @from(key:) cannot name an empty key"
	case !utf8.ValidString(key):
		return "is not UTF-8 text"
	case strings.ContainsRune(key, 0):
		return "holds a NUL character"
	}
	return ""
}

// isBinary reports whether s is raw bytes (a string of format binary,
// which a Swagger 2.0 file parameter becomes), or a list of them.
func isBinary(s *base.Schema) bool {
	if s == nil {
		return false
	}
	if slices.Contains(s.Type, "array") && s.Items != nil && s.Items.IsA() {
		return isBinary(s.Items.A.Schema())
	}
	return s.Format == "binary" && slices.Contains(s.Type, "string")
}
