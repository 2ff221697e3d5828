package openapi

import (
	"net/url"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/pb33f/go-yaml"
	"github.com/pb33f/libopenapi/datamodel/high/base"
	"github.com/weft-gateway/weft/internal/gqlname"
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
