package wsdl

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/weft-gateway/weft/internal/gqlname"
)

// builtinScalars maps the XSD built-in types to the scalars that hold
// their values in JSON without loss.
var builtinScalars = map[string]string{
	"string": ScalarString, "normalizedString": ScalarString, "token": ScalarString,
	"language": ScalarString, "Name": ScalarString, "NCName": ScalarString, "NMTOKEN": ScalarString,
	"NMTOKENS": ScalarString, "ID": ScalarString, "IDREF": ScalarString, "IDREFS": ScalarString,
	"ENTITY": ScalarString, "ENTITIES": ScalarString, "anyURI": ScalarString, "QName": ScalarString,
	"NOTATION": ScalarString, "gYear": ScalarString, "gYearMonth": ScalarString, "gMonth": ScalarString,
	"gMonthDay": ScalarString, "gDay": ScalarString, "base64Binary": ScalarString,
	"hexBinary": ScalarString, "anySimpleType": ScalarString,
	"int": ScalarInt, "short": ScalarInt, "byte": ScalarInt, "unsignedShort": ScalarInt,
	"unsignedByte": ScalarInt,
	"unsignedInt":  ScalarUInt32,
	"long":         ScalarInt64,
	"unsignedLong": ScalarUInt64,
	"integer":      ScalarBigInt, "nonNegativeInteger": ScalarBigInt, "positiveInteger": ScalarBigInt,
	"nonPositiveInteger": ScalarBigInt, "negativeInteger": ScalarBigInt,
	"decimal": ScalarDecimal,
	"float":   ScalarFloat, "double": ScalarFloat,
	"boolean":  ScalarBoolean,
	"dateTime": ScalarDateTime, "dateTimeStamp": ScalarDateTime,
	"date":     ScalarDate,
	"time":     ScalarTime,
	"duration": ScalarDuration, "dayTimeDuration": ScalarDuration, "yearMonthDuration": ScalarDuration,
}

// oldBuiltins are the names the 1999 and 2000 drafts of XML Schema (and
// SOAP encoding) give types that the 2001 recommendation renamed.
var oldBuiltins = map[string]string{
	"timeInstant": "dateTime", "timeDuration": "duration", "binary": "base64Binary",
	"base64": "base64Binary", "uriReference": "anyURI", "recurringDuration": "string",
	"timePeriod": "string", "recurringDate": "string", "recurringDay": "string",
}

const maxSchemaDepth = 400 // nesting of types the importer follows

// typeInfo is what the importer knows about a Type beyond the exported
// fields: where it was declared and how to name it.
type typeInfo struct {
	// hint is the base of an anonymous type's name: its element's name,
	// after its parent type's.
	hint string
	ns   string
	n    *node
	// key orders name requests: the type's QName, or its file and line.
	key  string
	desc string
	// in and out are set when the type is reached as input and as output.
	in, out bool
	// choices are the groups of members of each choice, for descriptions.
	choices [][]*Element
	// numericEnum lists the values of an enumeration typed as its base.
	numericEnum []string
}

// fieldList collects a complex type's fields while it is read.
type fieldList struct {
	names   *gqlname.Set
	content *Type
	// contentField is the name a base type gave its text, which a
	// derived type keeps.
	contentField string
	elems        []*Element
	attrs        []*Attribute
	wildcard     bool
	hint         string
	choices      [][]*Element
	// repeatedGroup notes a repeated group of several members.
	repeatedGroup bool
}

func (im *importer) builtin(q QName, local string) *Type {
	key := QName{nsXSD, local}
	if t, ok := im.builtins[key]; ok {
		return t
	}
	t := &Type{Name: key, Kind: Simple, Builtin: local, Scalar: builtinScalars[local]}
	if local == "anyType" {
		t = &Type{Name: key, Kind: Any, Scalar: ScalarJSON}
	}
	im.builtins[key] = t
	return t
}

// builtinType returns the type a name in the XSD or SOAP-encoding
// namespaces stands for, if it is one.
func (im *importer) builtinType(q QName) (*Type, bool) {
	if !isXSD(q.Space) && q.Space != nsEnc11 && q.Space != nsEnc12 {
		return nil, false
	}
	local := q.Local
	if n, ok := oldBuiltins[local]; ok {
		local = n
	}
	if _, ok := builtinScalars[local]; ok {
		return im.builtin(q, local), true
	}
	switch local {
	case "anyType", "Struct", "Array":
		if local == "Array" {
			key := QName{q.Space, "Array"}
			if t, ok := im.builtins[key]; ok {
				return t, true
			}
			t := &Type{Name: key, Kind: Array, Item: &Element{Name: "item", Field: "item", Type: im.builtin(q, "anyType"), Max: Unbounded}}
			im.builtins[key] = t
			return t, true
		}
		return im.builtin(q, "anyType"), true
	}
	return nil, false
}

// anyType is the type of content of any shape.
func (im *importer) anyType() *Type { return im.builtin(QName{nsXSD, "anyType"}, "anyType") }

func (im *importer) stringType() *Type { return im.builtin(QName{nsXSD, "string"}, "string") }

// typeByName resolves a type reference made at ref.
func (im *importer) typeByName(q QName, ref *node, element string) *Type {
	if t, ok := im.builtinType(q); ok {
		return t
	}
	if t, ok := im.named[q]; ok {
		return t
	}
	d, ok := im.defs.types[q]
	if !ok && q.Space == "" {
		// A chameleon schema's unprefixed references name its includer's
		// namespace.
		if s := im.schemaOf(ref); s != nil && s.chameleon {
			q2 := QName{s.tns, q.Local}
			if t, ok := im.named[q2]; ok {
				return t
			}
			d, ok = im.defs.types[q2]
			q = q2
		}
	}
	if !ok {
		im.warnAt(ref, element, "the type %s is not declared%s: typed JSON", q, im.missingNote(q.Space))
		t := &Type{Name: q, Kind: Any, Scalar: ScalarJSON}
		im.named[q] = t
		return t
	}
	t := &Type{Name: q}
	im.named[q] = t
	im.info[t] = &typeInfo{ns: q.Space, n: d.n, key: q.Space + " " + q.Local, desc: documentation(d.n)}
	im.filling[t] = true
	defer delete(im.filling, t)
	if d.n.local == "simpleType" {
		im.fillSimple(t, d.n, d.s, typeName(q.Local))
	} else {
		im.fillComplex(t, d.n, d.s, typeName(q.Local))
	}
	return t
}

// schemaOf finds the schema a node is declared in.
func (im *importer) schemaOf(n *node) *schemaDoc {
	for p := n; p != nil; p = p.parent {
		if isXSD(p.space) && p.local == "schema" {
			for _, s := range im.defs.schemas {
				if s.node == p {
					return s
				}
			}
		}
	}
	return nil
}

// qnameAttr resolves a QName-valued attribute, warning when it does not
// resolve.
func (im *importer) qnameAttr(n *node, name, element string) (QName, bool) {
	v, ok := n.attr(name)
	if !ok {
		return QName{}, false
	}
	q, err := n.qname(v)
	if err != nil {
		im.warnAt(n, element, "%s: %v", name, err)
		return QName{}, false
	}
	if q.Space == "" {
		if s := im.schemaOf(n); s != nil && s.chameleon {
			q.Space = s.tns
		}
	}
	return q, true
}

// anonType builds the type declared inside an element or attribute.
func (im *importer) anonType(n *node, s *schemaDoc, hint, ns string) *Type {
	if t, ok := im.anon[n]; ok {
		return t
	}
	t := &Type{}
	im.anon[n] = t
	im.info[t] = &typeInfo{hint: hint, ns: ns, n: n, key: fmt.Sprintf("~%s:%08d", n.file.name, n.line), desc: documentation(n)}
	im.filling[t] = true
	defer delete(im.filling, t)
	if n.local == "simpleType" {
		im.fillSimple(t, n, s, hint)
	} else {
		im.fillComplex(t, n, s, hint)
	}
	return t
}

// documentation is the text of a component's xs:annotation/xs:documentation
// (or wsdl:documentation).
func documentation(n *node) string {
	var parts []string
	for _, k := range n.kids {
		switch {
		case isXSD(k.space) && k.local == "annotation":
			for _, d := range k.kids {
				if isXSD(d.space) && d.local == "documentation" {
					if t := strings.TrimSpace(d.text); t != "" {
						parts = append(parts, t)
					}
				}
			}
		case k.space == nsWSDL && k.local == "documentation":
			if t := strings.TrimSpace(k.text); t != "" {
				parts = append(parts, t)
			}
		}
	}
	return strings.Join(parts, "\n\n")
}

func (im *importer) enter() bool {
	im.depth++
	return im.depth <= maxSchemaDepth
}

func (im *importer) leave() { im.depth-- }

func xsdKid(n *node, local string) *node {
	for _, k := range n.kids {
		if isXSD(k.space) && k.local == local {
			return k
		}
	}
	return nil
}

// fillSimple reads a simpleType: a restriction (an enumeration or a
// narrowed base), a list or a union.
func (im *importer) fillSimple(t *Type, n *node, s *schemaDoc, hint string) {
	t.Kind, t.Builtin, t.Scalar = Simple, "string", ScalarString
	if !im.enter() {
		im.warnAt(n, "simpleType "+hint, "types nested deeper than %d: typed String", maxSchemaDepth)
		im.leave()
		return
	}
	defer im.leave()
	element := "simpleType " + hint
	if r := xsdKid(n, "restriction"); r != nil {
		var base *Type
		if q, ok := im.qnameAttr(r, "base", element); ok {
			base = im.typeByName(q, r, element)
		} else if st := xsdKid(r, "simpleType"); st != nil {
			base = im.anonType(st, s, hint+"Base", s.tns)
		}
		if base == nil || base.Kind != Simple {
			if base != nil && base.Kind != Any {
				im.warnAt(r, element, "restricts a type without simple content: typed String")
			}
			base = im.stringType()
		}
		im.restrict(t, base, enumFacets(r), r, element)
		return
	}
	if xsdKid(n, "list") != nil {
		im.warnAt(n, element, "a list type: its space-separated items are one String")
		return
	}
	if xsdKid(n, "union") != nil {
		im.warnAt(n, element, "a union type: typed String")
		return
	}
	im.warnAt(n, element, "a simple type without restriction, list or union: typed String")
}

// enumFacets lists a restriction's enumeration values, once each.
func enumFacets(r *node) []string {
	var values []string
	seen := map[string]bool{}
	for _, k := range r.kids {
		if isXSD(k.space) && k.local == "enumeration" {
			v, _ := k.attr("value")
			if !seen[v] {
				seen[v] = true
				values = append(values, v)
			}
		}
	}
	return values
}

// restrict makes t a restriction of the simple type base: an enumeration
// when values are given and base's values are strings in JSON, else base's
// scalar.
func (im *importer) restrict(t, base *Type, values []string, r *node, element string) {
	t.Kind, t.Builtin, t.Scalar = Simple, base.Builtin, base.Scalar
	if len(values) == 0 {
		if base.Enum != nil {
			t.Enum = append([]EnumValue(nil), base.Enum...)
		}
		return
	}
	switch t.Scalar {
	case ScalarString, ScalarDate, ScalarDateTime, ScalarTime, ScalarDuration:
	default:
		if info := im.info[t]; info != nil {
			info.numericEnum = values
		}
		im.warnAt(r, element, "an enumeration of %s values is typed %s: GraphQL enum values are names", base.Builtin, t.Scalar)
		return
	}
	t.Enum = im.enumValues(values, r, element)
}

// enumValues names the values of an enumeration: values that are valid
// enum values keep their spelling, the others take a name made from them
// (gqlname.EnumValue: in-stock is in_stock, "" EMPTY, "+" PLUS), with a
// suffix 2, 3, ... when it is taken; the codec maps the names to the XML
// values and back.
func (im *importer) enumValues(values []string, n *node, element string) []EnumValue {
	names := gqlname.NewSet()
	out := make([]EnumValue, len(values))
	for i, v := range values {
		out[i].Value = v
		if gqlname.ValidEnumValue(v) && names.Reserve(v) {
			out[i].Name = v
		}
	}
	var renamed []string
	for i, v := range values {
		if out[i].Name != "" {
			continue
		}
		out[i].Name = names.Take(gqlname.EnumValue(v))
		renamed = append(renamed, fmt.Sprintf("%q is %s", v, out[i].Name))
	}
	if len(renamed) > 0 {
		im.warnAt(n, element, "values renamed to be GraphQL enum values: %s", strings.Join(renamed, ", "))
	}
	return out
}

// fillComplex reads a complexType.
func (im *importer) fillComplex(t *Type, n *node, s *schemaDoc, hint string) {
	t.Kind = Complex
	element := "complexType " + hint
	if !im.enter() {
		im.warnAt(n, element, "types nested deeper than %d: typed JSON", maxSchemaDepth)
		im.leave()
		t.Kind, t.Scalar = Any, ScalarJSON
		return
	}
	defer im.leave()
	fl := &fieldList{names: gqlname.NewSet(), hint: hint}
	if n.get("mixed") == "true" {
		im.warnAt(n, element, "mixed content: the text between child elements is not read")
	}
	for _, k := range n.kids {
		if !isXSD(k.space) {
			continue
		}
		switch k.local {
		case "sequence", "all", "choice", "group":
			im.particle(k, s, fl, false, 1, false, element)
		case "attribute", "attributeGroup":
			im.attribute(k, s, fl, element)
		case "simpleContent":
			im.simpleContent(k, s, fl, element)
		case "complexContent":
			if im.complexContent(t, k, s, fl, element) {
				return
			}
		}
	}
	im.finishComplex(t, fl, n, element)
}

// finishComplex names the fields collected and settles the type's kind.
func (im *importer) finishComplex(t *Type, fl *fieldList, n *node, element string) {
	if fl.content == nil && len(fl.elems) == 0 && len(fl.attrs) == 0 && fl.wildcard {
		// Only a wildcard: any children, the JSON scalar.
		t.Kind, t.Scalar = Any, ScalarJSON
		return
	}
	t.Kind = Complex
	t.Content = fl.content
	if fl.content != nil {
		t.ContentField = fl.contentField
		if t.ContentField == "" {
			t.ContentField = fl.names.Take("value")
		}
	}
	// Fields inherited from a base type keep their names; they were
	// reserved when the base's fields were copied.
	for _, e := range fl.elems {
		if e.Field == "" {
			want := fieldName(e.Name)
			e.Field = fl.names.Take(want)
			if e.Field != want {
				im.warnAt(n, element, "another field is also named %s: the element %s is %s", want, e.Name, e.Field)
			}
		}
	}
	for _, a := range fl.attrs {
		if a.Field == "" {
			want := fieldName(a.Name)
			a.Field = fl.names.Take(want)
			if a.Field != want {
				im.warnAt(n, element, "another field is also named %s: the attribute %s is %s", want, a.Name, a.Field)
			}
		}
	}
	t.Elements, t.Attributes = fl.elems, fl.attrs
	if fl.wildcard {
		t.Wildcard = fl.names.Take("any")
	}
	if info := im.info[t]; info != nil {
		info.choices = fl.choices
	}
	if fl.repeatedGroup {
		im.warnAt(n, element, "a repeated group of several elements: each becomes a list, and which items went together is lost")
	}
}

// inherit copies a base type's fields into a derived one, reserving their
// names.
func (fl *fieldList) inherit(base *Type, attrsOnly bool) {
	if base.ContentField != "" {
		fl.names.Reserve(base.ContentField)
		fl.contentField = base.ContentField
	}
	if !attrsOnly {
		for _, e := range base.Elements {
			fl.names.Reserve(e.Field)
			fl.elems = append(fl.elems, e)
		}
		fl.wildcard = fl.wildcard || base.Wildcard != ""
	}
	for _, a := range base.Attributes {
		fl.names.Reserve(a.Field)
		fl.attrs = append(fl.attrs, a)
	}
}

func occurs(n *node) (int, int) {
	lo, hi := 1, 1
	if v, ok := n.attr("minOccurs"); ok {
		if i, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && i >= 0 {
			lo = i
		}
	}
	if v, ok := n.attr("maxOccurs"); ok {
		v = strings.TrimSpace(v)
		if v == "unbounded" {
			hi = Unbounded
		} else if i, err := strconv.Atoi(v); err == nil && i >= 0 {
			hi = i
		}
	}
	return lo, hi
}

func mulMax(a, b int) int {
	if a == Unbounded || b == Unbounded {
		if a == 0 || b == 0 {
			return 0
		}
		return Unbounded
	}
	if a > 1<<20 || b > 1<<20 {
		return Unbounded
	}
	return a * b
}

// particle reads a sequence, all, choice, group reference, element or
// wildcard. opt is set inside an optional group or a choice, max is the
// product of the maxOccurs of the groups around it.
func (im *importer) particle(n *node, s *schemaDoc, fl *fieldList, opt bool, max int, choice bool, element string) {
	if !im.enter() {
		im.warnAt(n, element, "groups nested deeper than %d: left out", maxSchemaDepth)
		im.leave()
		return
	}
	defer im.leave()
	lo, hi := occurs(n)
	if hi == 0 {
		return
	}
	opt, max = opt || lo == 0, mulMax(max, hi)
	switch n.local {
	case "sequence", "all":
		if hi == Unbounded || hi > 1 {
			count := 0
			for _, k := range n.kids {
				if isXSD(k.space) && (k.local == "element" || k.local == "sequence" || k.local == "choice" || k.local == "group") {
					count++
				}
			}
			if count > 1 {
				fl.repeatedGroup = true
			}
		}
		for _, k := range n.kids {
			if isXSD(k.space) {
				im.particle(k, s, fl, opt, max, choice, element)
			}
		}
	case "choice":
		before := len(fl.elems)
		for _, k := range n.kids {
			if isXSD(k.space) {
				im.particle(k, s, fl, true, max, true, element)
			}
		}
		if members := fl.elems[before:]; len(members) > 1 {
			fl.choices = append(fl.choices, append([]*Element(nil), members...))
		}
	case "group":
		q, ok := im.qnameAttr(n, "ref", element)
		if !ok {
			im.warnAt(n, element, "a group without ref: left out")
			return
		}
		d, found := im.defs.groups[q]
		if !found {
			im.warnAt(n, element, "the group %s is not declared%s: left out", q, im.missingNote(q.Space))
			return
		}
		if im.inGroup[d.n] {
			im.warnAt(n, element, "the group %s contains itself: left out", q)
			return
		}
		im.inGroup[d.n] = true
		defer delete(im.inGroup, d.n)
		for _, k := range d.n.kids {
			if isXSD(k.space) && (k.local == "sequence" || k.local == "choice" || k.local == "all") {
				im.particle(k, d.s, fl, opt, max, choice, element)
			}
		}
	case "element":
		e := im.localElement(n, s, fl.hint, element)
		if e == nil {
			return
		}
		e.Min, e.Max, e.Choice = lo, max, choice
		if opt {
			e.Min = 0
		}
		for _, prev := range fl.elems {
			if prev.Name == e.Name && prev.Namespace == e.Namespace {
				im.warnAt(n, element, "the element %s appears twice in the content: read as one list", e.Name)
				prev.Max = Unbounded
				return
			}
		}
		fl.elems = append(fl.elems, e)
	case "any":
		fl.wildcard = true
	}
}

// elementName checks an element's or attribute's name: an XML name, or
// one with spaces around it, which are dropped with a warning.
func (im *importer) elementName(n *node, raw, element string) (string, bool) {
	name := strings.TrimSpace(raw)
	if name == "" || strings.ContainsAny(name, " \t\r\n<>&\"'/=:") {
		im.warnAt(n, element, "%q is not an XML name: the declaration is left out", raw)
		return "", false
	}
	if name != raw {
		im.warnAt(n, element, "%q is not an XML name: read as %q", raw, name)
	}
	return name, true
}

// localElement reads an element declaration or reference inside a type.
func (im *importer) localElement(n *node, s *schemaDoc, hint, element string) *Element {
	if _, ok := n.attr("ref"); ok {
		q, ok := im.qnameAttr(n, "ref", element)
		if !ok {
			return nil
		}
		g := im.globalElement(q, n, element)
		if g == nil {
			return nil
		}
		e := *g
		return &e
	}
	name, ok := im.elementName(n, n.get("name"), element)
	if !ok {
		return nil
	}
	e := &Element{Name: name, Min: 1, Max: 1, Nillable: n.get("nillable") == "true"}
	qualified := s.qualElems
	if f, ok := n.attr("form"); ok {
		qualified = f == "qualified"
	}
	if qualified {
		e.Namespace = s.tns
	}
	e.Type = im.elementType(n, s, hint+gqlname.UpperFirst(typeName(name)), element+"."+name)
	im.elemDesc[e] = documentation(n)
	return e
}

// elementType is the type of an element declaration: named, anonymous, or
// xs:anyType when it has none.
func (im *importer) elementType(n *node, s *schemaDoc, hint, element string) *Type {
	if q, ok := im.qnameAttr(n, "type", element); ok {
		return im.typeByName(q, n, element)
	}
	if _, ok := n.attr("type"); ok {
		return im.anyType()
	}
	for _, k := range n.kids {
		if isXSD(k.space) && (k.local == "complexType" || k.local == "simpleType") {
			return im.anonType(k, s, hint, s.tns)
		}
	}
	if isXSD(n.space) {
		for _, k := range n.kids {
			if isXSD(k.space) && (k.local == "sequence" || k.local == "all" || k.local == "choice") {
				im.warnAt(n, element, "a content model directly in an element, without complexType: typed JSON")
				break
			}
		}
	}
	return im.anyType()
}

// globalElement resolves a reference to a global element.
func (im *importer) globalElement(q QName, ref *node, element string) *Element {
	if e, ok := im.globals[q]; ok {
		return e
	}
	d, ok := im.defs.elements[q]
	if !ok {
		im.warnAt(ref, element, "the element %s is not declared%s: left out", q, im.missingNote(q.Space))
		im.globals[q] = nil
		return nil
	}
	// The type first: an element that contains itself (through a
	// reference in its anonymous type) meets its type already
	// registered, and is registered only once it has its type.
	typ := im.elementType(d.n, d.s, typeName(q.Local), "element "+q.Local)
	if e, ok := im.globals[q]; ok {
		return e
	}
	e := &Element{Name: q.Local, Namespace: q.Space, Min: 1, Max: 1, Nillable: d.n.get("nillable") == "true", Type: typ}
	im.globals[q] = e
	im.elemDesc[e] = documentation(d.n)
	return e
}

// attribute reads an attribute declaration, reference or group reference.
func (im *importer) attribute(n *node, s *schemaDoc, fl *fieldList, element string) {
	if n.local == "attributeGroup" {
		q, ok := im.qnameAttr(n, "ref", element)
		if !ok {
			return
		}
		d, found := im.defs.attrGroups[q]
		if !found {
			im.warnAt(n, element, "the attribute group %s is not declared%s: left out", q, im.missingNote(q.Space))
			return
		}
		if im.inGroup[d.n] {
			im.warnAt(n, element, "the attribute group %s contains itself: left out", q)
			return
		}
		im.inGroup[d.n] = true
		defer delete(im.inGroup, d.n)
		for _, k := range d.n.kids {
			if isXSD(k.space) && (k.local == "attribute" || k.local == "attributeGroup") {
				im.attribute(k, d.s, fl, element)
			}
		}
		return
	}
	a := &Attribute{Required: n.get("use") == "required"}
	decl, declSchema := n, s
	if _, ok := n.attr("ref"); ok {
		q, ok := im.qnameAttr(n, "ref", element)
		if !ok {
			return
		}
		a.Name, a.Namespace = q.Local, q.Space
		if q.Space == nsEnc11 || q.Space == nsEnc12 {
			// soapenc:arrayType and the like belong to the encoding, which
			// the codec writes itself.
			return
		}
		if q.Space == nsXML {
			a.Type = im.stringType()
		} else if d, found := im.defs.attributes[q]; found {
			decl, declSchema = d.n, d.s
		} else {
			im.warnAt(n, element, "the attribute %s is not declared%s: typed String", q, im.missingNote(q.Space))
			a.Type = im.stringType()
		}
	} else {
		name, ok := im.elementName(n, n.get("name"), element)
		if !ok {
			return
		}
		a.Name = name
		qualified := s.qualAttrs
		if f, ok := n.attr("form"); ok {
			qualified = f == "qualified"
		}
		if qualified {
			a.Namespace = s.tns
		}
	}
	if n.get("use") == "prohibited" {
		kept := fl.attrs[:0]
		for _, b := range fl.attrs {
			if b.Name != a.Name || b.Namespace != a.Namespace {
				kept = append(kept, b)
			}
		}
		fl.attrs = kept
		return
	}
	if a.Type == nil {
		where := element + "@" + a.Name
		if q, ok := im.qnameAttr(decl, "type", where); ok {
			a.Type = im.typeByName(q, decl, where)
		} else if st := xsdKid(decl, "simpleType"); st != nil {
			a.Type = im.anonType(st, declSchema, fl.hint+gqlname.UpperFirst(typeName(a.Name)), declSchema.tns)
		} else {
			a.Type = im.builtin(QName{nsXSD, "anySimpleType"}, "anySimpleType")
		}
		if a.Type.Kind != Simple {
			if a.Type.Kind != Any {
				im.warnAt(n, where, "an attribute of a type without simple content: typed String")
			}
			a.Type = im.stringType()
		}
	}
	for _, src := range []*node{n, decl} {
		if v, ok := src.attr("fixed"); ok {
			a.Default, a.HasDefault = v, true
			break
		}
		if v, ok := src.attr("default"); ok {
			a.Default, a.HasDefault = v, true
			break
		}
	}
	im.attrDesc[a] = documentation(decl)
	for i, b := range fl.attrs {
		if b.Name == a.Name && b.Namespace == a.Namespace {
			// A restriction redeclares an inherited attribute.
			a.Field = b.Field
			fl.attrs[i] = a
			return
		}
	}
	fl.attrs = append(fl.attrs, a)
}

// simpleContent reads a complex type with simple content: text and
// attributes.
func (im *importer) simpleContent(n *node, s *schemaDoc, fl *fieldList, element string) {
	d := xsdKid(n, "extension")
	if d == nil {
		d = xsdKid(n, "restriction")
	}
	if d == nil {
		im.warnAt(n, element, "simpleContent without extension or restriction: its text is a String")
		fl.content = im.stringType()
		return
	}
	var base *Type
	if q, ok := im.qnameAttr(d, "base", element); ok {
		base = im.typeByName(q, d, element)
	}
	switch {
	case base == nil:
		fl.content = im.stringType()
	case base.Kind == Simple:
		fl.content = base
	case base.Kind == Complex && base.Content != nil:
		fl.content = base.Content
		fl.inherit(base, true)
	default:
		im.warnAt(d, element, "simple content based on a type without simple content: its text is a String")
		fl.content = im.stringType()
	}
	if d.local == "restriction" {
		if st := xsdKid(d, "simpleType"); st != nil {
			fl.content = im.anonType(st, s, fl.hint+"Value", s.tns)
		} else if values := enumFacets(d); len(values) > 0 {
			et := &Type{}
			im.info[et] = &typeInfo{hint: fl.hint + "Value", ns: s.tns, n: d, key: fmt.Sprintf("~%s:%08d:value", d.file.name, d.line)}
			im.restrict(et, fl.content, values, d, element)
			fl.content = et
		}
	}
	for _, k := range d.kids {
		if isXSD(k.space) && (k.local == "attribute" || k.local == "attributeGroup") {
			im.attribute(k, s, fl, element)
		}
	}
}

// complexContent reads a complex type derived from another: an extension
// (the base's fields, then its own), a restriction (its own content, the
// base's attributes), or a SOAP-encoded array. It reports whether it
// settled the type by itself.
func (im *importer) complexContent(t *Type, n *node, s *schemaDoc, fl *fieldList, element string) bool {
	if n.get("mixed") == "true" {
		im.warnAt(n, element, "mixed content: the text between child elements is not read")
	}
	d := xsdKid(n, "extension")
	if d == nil {
		d = xsdKid(n, "restriction")
	}
	if d == nil {
		im.warnAt(n, element, "complexContent without extension or restriction: left empty")
		return false
	}
	q, ok := im.qnameAttr(d, "base", element)
	if ok && (q.Space == nsEnc11 || q.Space == nsEnc12) && q.Local == "Array" {
		im.encodedArray(t, d, s, element)
		return true
	}
	var base *Type
	if ok {
		base = im.typeByName(q, d, element)
		if im.filling[base] {
			im.warnAt(d, element, "derives from %s, which derives from it: the base is left out", q)
			base = nil
		}
	}
	if base != nil {
		switch {
		case base.Kind == Complex && d.local == "extension":
			if base.Content != nil {
				fl.content = base.Content
			}
			fl.inherit(base, false)
		case base.Kind == Complex:
			fl.inherit(base, true)
		case base.Kind == Simple:
			fl.content = base
		case base.Kind == Array && d.local == "extension":
			im.warnAt(d, element, "extends an encoded array: read as the array")
			*t = *base
			t.Name = QName{}
			return true
		}
	}
	for _, k := range d.kids {
		if !isXSD(k.space) {
			continue
		}
		switch k.local {
		case "sequence", "all", "choice", "group":
			im.particle(k, s, fl, false, 1, false, element)
		case "attribute", "attributeGroup":
			im.attribute(k, s, fl, element)
		}
	}
	return false
}

// encodedArray reads a restriction of soapenc:Array: its item type is the
// one wsdl:arrayType names ("xsd:string[]"), or the type of the one element
// its content declares.
func (im *importer) encodedArray(t *Type, d *node, s *schemaDoc, element string) {
	t.Kind = Array
	item := &Element{Name: "item", Field: "item", Max: Unbounded}
	for _, a := range d.kids {
		if !isXSD(a.space) || a.local != "attribute" {
			continue
		}
		v, ok := a.attrNS(nsWSDL, "arrayType")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		i := strings.IndexByte(v, '[')
		if i < 0 {
			break
		}
		dims := v[i:]
		if strings.Count(dims, "[") > 1 || strings.Contains(dims, ",") {
			im.warnAt(a, element, "an array of arrays (%s): its items are JSON", v)
			item.Type = im.anyType()
			break
		}
		q, err := a.qname(v[:i])
		if err != nil {
			im.warnAt(a, element, "wsdl:arrayType: %v", err)
			break
		}
		item.Type = im.typeByName(q, a, element)
		break
	}
	if item.Type == nil {
		var elems []*node
		var walk func(n *node)
		walk = func(n *node) {
			for _, k := range n.kids {
				if !isXSD(k.space) {
					continue
				}
				switch k.local {
				case "sequence", "all", "choice":
					walk(k)
				case "element":
					elems = append(elems, k)
				}
			}
		}
		walk(d)
		if len(elems) == 1 {
			if e := im.localElement(elems[0], s, im.hintOf(t), element); e != nil {
				item.Type, item.Name = e.Type, e.Name
			}
		}
	}
	if item.Type == nil {
		im.warnAt(d, element, "an encoded array without an item type: its items are JSON")
		item.Type = im.anyType()
	}
	t.Item = item
}

// hintOf is the base of a type's GraphQL name.
func (im *importer) hintOf(t *Type) string {
	if info := im.info[t]; info != nil && info.hint != "" {
		return info.hint
	}
	if t.Name.Local != "" {
		return typeName(t.Name.Local)
	}
	return "Type"
}
