package protoschema

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/weft-gateway/weft/internal/sdlwrite"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"

	"github.com/weft-gateway/weft/internal/gqlname"
)

// wellKnown maps the well-known types to the scalars that hold their JSON
// forms; nullable marks google.protobuf.Value, whose JSON form may be null
// even inside a list.
var wellKnown = map[protoreflect.FullName]struct {
	scalar   string
	nullable bool
}{
	"google.protobuf.Timestamp":   {scalarDateTime, false},
	"google.protobuf.Duration":    {scalarDuration, false},
	"google.protobuf.DoubleValue": {"Float", false},
	"google.protobuf.FloatValue":  {"Float", false},
	"google.protobuf.Int64Value":  {scalarInt64, false},
	"google.protobuf.UInt64Value": {scalarUInt64, false},
	"google.protobuf.Int32Value":  {"Int", false},
	"google.protobuf.UInt32Value": {scalarUInt32, false},
	"google.protobuf.BoolValue":   {"Boolean", false},
	"google.protobuf.StringValue": {"String", false},
	"google.protobuf.BytesValue":  {"String", false},
	"google.protobuf.Struct":      {scalarJSON, false},
	"google.protobuf.Value":       {scalarJSON, true},
	"google.protobuf.ListValue":   {scalarJSON, false},
	"google.protobuf.Any":         {scalarJSON, false},
	"google.protobuf.Empty":       {scalarJSON, false},
	"google.protobuf.FieldMask":   {"String", false},
}

const (
	emptyName     protoreflect.FullName = "google.protobuf.Empty"
	nullValueName protoreflect.FullName = "google.protobuf.NullValue"
)

// The google.api.field_behavior extension of FieldOptions and the values
// the importer reads; they are matched by number so that the annotations
// need not be linked in.
const (
	fieldBehaviorNumber     = 1052
	fieldBehaviorRequired   = 2
	fieldBehaviorOutputOnly = 3
)

// messageScalar says whether a message is typed as a scalar rather than an
// object type: the well-known types, and a message without fields (no
// GraphQL object or input type may be empty), which is JSON.
func (im *importer) messageScalar(md protoreflect.MessageDescriptor, input bool) (name string, nullable, ok bool) {
	if w, ok := wellKnown[md.FullName()]; ok {
		return w.scalar, w.nullable, true
	}
	if input && len(inputFields(md)) == 0 || !input && md.Fields().Len() == 0 {
		return scalarJSON, false, true
	}
	return "", false, false
}

// inputFields are the fields of md a request may set: all but those
// marked OUTPUT_ONLY, which the server ignores.
func inputFields(md protoreflect.MessageDescriptor) []protoreflect.FieldDescriptor {
	var out []protoreflect.FieldDescriptor
	for i := 0; i < md.Fields().Len(); i++ {
		fd := md.Fields().Get(i)
		if _, outputOnly := fieldBehavior(fd); !outputOnly {
			out = append(out, fd)
		}
	}
	return out
}

// fieldBehavior reads google.api.field_behavior: REQUIRED and OUTPUT_ONLY.
func fieldBehavior(fd protoreflect.FieldDescriptor) (required, outputOnly bool) {
	opts, ok := fd.Options().(*descriptorpb.FieldOptions)
	if !ok || opts == nil {
		return false, false
	}
	note := func(v uint64) {
		switch v {
		case fieldBehaviorRequired:
			required = true
		case fieldBehaviorOutputOnly:
			outputOnly = true
		}
	}
	m := opts.ProtoReflect()
	// Where the annotations are linked in, the option is a known extension.
	m.Range(func(xd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if xd.IsExtension() && xd.Number() == fieldBehaviorNumber && xd.IsList() && xd.Kind() == protoreflect.EnumKind {
			for i := 0; i < v.List().Len(); i++ {
				note(uint64(v.List().Get(i).Enum()))
			}
		}
		return true
	})
	b := m.GetUnknown()
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return
		}
		b = b[n:]
		if num == fieldBehaviorNumber && typ == protowire.VarintType {
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return
			}
			note(v)
			b = b[n:]
			continue
		}
		if num == fieldBehaviorNumber && typ == protowire.BytesType {
			packed, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return
			}
			for len(packed) > 0 {
				v, k := protowire.ConsumeVarint(packed)
				if k < 0 {
					break
				}
				note(v)
				packed = packed[k:]
			}
			b = b[n:]
			continue
		}
		n = protowire.ConsumeFieldValue(num, typ, b)
		if n < 0 {
			return
		}
		b = b[n:]
	}
	return required, outputOnly
}

// realOneof is the oneof fd belongs to, leaving out the synthetic ones
// that proto3 optional fields get.
func realOneof(fd protoreflect.FieldDescriptor) protoreflect.OneofDescriptor {
	if od := fd.ContainingOneof(); od != nil && !od.IsSynthetic() {
		return od
	}
	return nil
}

// walkMethod finds the messages and enums a method's field needs: its
// response as output types, its request's fields as input types.
func (im *importer) walkMethod(m *method) {
	im.walkMessage(m.desc.Output(), false)
	in := m.desc.Input()
	if _, _, ok := im.messageScalar(in, true); ok {
		return
	}
	im.useOneofs(in)
	for _, fd := range inputFields(in) {
		im.walkField(fd, true)
	}
}

// useOneofs records the oneofs of an input message: each becomes an
// @oneOf input type.
func (im *importer) useOneofs(md protoreflect.MessageDescriptor) {
	for i := 0; i < md.Oneofs().Len(); i++ {
		od := md.Oneofs().Get(i)
		if od.IsSynthetic() || im.oneofSeen[od.FullName()] {
			continue
		}
		members := 0
		for _, fd := range inputFields(md) {
			if realOneof(fd) == od {
				members++
			}
		}
		if members == 0 {
			continue
		}
		im.oneofSeen[od.FullName()] = true
		im.oneofOrder = append(im.oneofOrder, od)
	}
}

func (im *importer) walkMessage(md protoreflect.MessageDescriptor, input bool) {
	if _, _, ok := im.messageScalar(md, input); ok {
		return
	}
	seen := im.outMsgs
	if input {
		seen = im.inMsgs
	}
	if _, ok := seen[md.FullName()]; ok {
		return
	}
	seen[md.FullName()] = md
	if input {
		im.inOrder = append(im.inOrder, md)
	} else {
		im.outOrder = append(im.outOrder, md)
	}
	if input {
		im.useOneofs(md)
		for _, fd := range inputFields(md) {
			im.walkField(fd, true)
		}
		return
	}
	for i := 0; i < md.Fields().Len(); i++ {
		im.walkField(md.Fields().Get(i), false)
	}
}

func (im *importer) walkField(fd protoreflect.FieldDescriptor, input bool) {
	if fd.IsMap() {
		return
	}
	switch fd.Kind() {
	case protoreflect.EnumKind:
		im.useEnum(fd.Enum())
	case protoreflect.MessageKind, protoreflect.GroupKind:
		im.walkMessage(fd.Message(), input)
	}
}

// useEnum records an enum; one whose value names GraphQL cannot hold is
// typed String.
func (im *importer) useEnum(ed protoreflect.EnumDescriptor) {
	if ed.FullName() == nullValueName {
		return
	}
	if _, ok := im.enums[ed.FullName()]; ok || im.enumStr[ed.FullName()] {
		return
	}
	for i := 0; i < ed.Values().Len(); i++ {
		if v := ed.Values().Get(i); !gqlname.ValidEnumValue(string(v.Name())) {
			im.enumStr[ed.FullName()] = true
			im.warn(v, "", "%q cannot be a GraphQL enum value: the enum is typed String", v.Name())
			return
		}
	}
	im.enums[ed.FullName()] = ed
	im.enumOrder = append(im.enumOrder, ed)
}

// baseName is a message's or enum's type name: its name and those of the
// messages it is nested in, joined (Stock.Location: StockLocation).
func baseName(d protoreflect.Descriptor) string {
	rel := string(d.FullName())
	if pkg := string(d.ParentFile().Package()); pkg != "" {
		rel = strings.TrimPrefix(rel, pkg+".")
	}
	parts := strings.Split(rel, ".")
	for i, p := range parts {
		parts[i] = gqlname.UpperFirst(p)
	}
	if n := strings.Join(parts, ""); gqlname.Valid(n) {
		return n
	}
	return gqlname.Pascal(gqlname.Words(rel)...)
}

// nameTypes names every type: after the message or enum, with Input for
// input types; when two want the same name, each gets its package's name
// in front (InventoryV1Stock), then a number.
func (im *importer) nameTypes() {
	var reqs []*gqlname.Request
	keys := map[*gqlname.Request]nameKey{}
	add := func(d protoreflect.Descriptor, kind typeKind, suffix string) {
		base := baseName(d)
		r := &gqlname.Request{
			Key: string(d.FullName()) + "\x00" + strconv.Itoa(int(kind)),
			Cands: []string{
				im.opts.Prefix + base + suffix,
				im.opts.Prefix + gqlname.Pascal(gqlname.Words(string(d.ParentFile().Package()))...) + base + suffix,
			},
		}
		if d.ParentFile().Package() == "" {
			r.Cands = r.Cands[:1]
		}
		keys[r] = nameKey{d.FullName(), kind}
		reqs = append(reqs, r)
	}
	for _, md := range im.outOrder {
		add(md, kindOutput, "")
	}
	for _, md := range im.inOrder {
		add(md, kindInput, "Input")
	}
	for _, ed := range im.enumOrder {
		add(ed, kindEnum, "")
	}
	for _, od := range im.oneofOrder {
		// A oneof's type is named after its message and itself:
		// PaymentRequest's oneof method is PaymentRequestMethodInput.
		msg := od.Parent()
		base := baseName(msg) + gqlname.Pascal(gqlname.Words(string(od.Name()))...)
		r := &gqlname.Request{
			Key: string(od.FullName()) + "\x00" + strconv.Itoa(int(kindOneof)),
			Cands: []string{
				im.opts.Prefix + base + "Input",
				im.opts.Prefix + gqlname.Pascal(gqlname.Words(string(od.ParentFile().Package()))...) + base + "Input",
			},
		}
		if od.ParentFile().Package() == "" {
			r.Cands = r.Cands[:1]
		}
		keys[r] = nameKey{od.FullName(), kindOneof}
		reqs = append(reqs, r)
	}
	gqlname.Assign(reqs, gqlname.NewSet(reservedTypeNames()...))
	for _, r := range reqs {
		im.names[keys[r]] = r.Name
	}
}

func (im *importer) useScalar(name string) {
	switch name {
	case scalarJSON, scalarInt64, scalarUInt64, scalarUInt32, scalarDateTime, scalarDuration:
		im.scalars[name] = true
	}
}

// elem is the GraphQL type of one value of fd, and whether that value may
// be null in the JSON form.
func (im *importer) elem(fd protoreflect.FieldDescriptor, input bool) (string, bool) {
	name, nullable := "", false
	switch fd.Kind() {
	case protoreflect.BoolKind:
		name = "Boolean"
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		name = "Int"
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		name = scalarUInt32
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		name = scalarInt64
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		name = scalarUInt64
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		name = "Float"
	case protoreflect.StringKind, protoreflect.BytesKind:
		name = "String"
	case protoreflect.EnumKind:
		ed := fd.Enum()
		switch {
		case ed.FullName() == nullValueName:
			// Its only JSON form is null.
			name, nullable = scalarJSON, true
		case im.enumStr[ed.FullName()]:
			name = "String"
		default:
			name = im.names[nameKey{ed.FullName(), kindEnum}]
		}
	case protoreflect.MessageKind, protoreflect.GroupKind:
		md := fd.Message()
		if s, n, ok := im.messageScalar(md, input); ok {
			name, nullable = s, n
		} else if input {
			name = im.names[nameKey{md.FullName(), kindInput}]
		} else {
			name = im.names[nameKey{md.FullName(), kindOutput}]
		}
	}
	if name == "" {
		// Unreachable for descriptors that link; a placeholder type keeps
		// the SDL whole.
		name = scalarJSON
	}
	im.useScalar(name)
	return name, nullable
}

// outputType is the GraphQL type of fd in an object type. protojson with
// EmitUnpopulated writes every field without presence, so those are
// non-null; fields with presence (messages, optional, oneof members) may be
// null or absent.
func (im *importer) outputType(fd protoreflect.FieldDescriptor) string {
	if fd.IsMap() {
		im.useScalar(scalarJSON)
		return scalarJSON + "!"
	}
	name, nullable := im.elem(fd, false)
	if fd.IsList() {
		if nullable {
			return "[" + name + "]!"
		}
		return "[" + name + "!]!"
	}
	if nullable || fd.HasPresence() && fd.Cardinality() != protoreflect.Required {
		return name
	}
	return name + "!"
}

// inputType is the GraphQL type of fd as an argument or input field, and
// its default value: a field without presence is non-null with its zero
// value as default (a client may leave it out, the upstream reads the same
// zero); a required one (proto2 required, google.api.field_behavior
// REQUIRED) is non-null without default; one with presence is nullable.
func (im *importer) inputType(fd protoreflect.FieldDescriptor) (typ, def string) {
	if fd.IsMap() {
		im.useScalar(scalarJSON)
		return scalarJSON, ""
	}
	name, nullable := im.elem(fd, true)
	if fd.IsList() {
		if nullable {
			return "[" + name + "]!", "[]"
		}
		return "[" + name + "!]!", "[]"
	}
	required, _ := fieldBehavior(fd)
	if fd.Cardinality() == protoreflect.Required || required && !nullable {
		return name + "!", ""
	}
	if nullable || fd.HasPresence() {
		return name, ""
	}
	def = im.zeroLiteral(fd)
	if def == "" {
		return name, ""
	}
	return name + "!", def
}

// zeroLiteral is the GraphQL literal of a field's zero value.
func (im *importer) zeroLiteral(fd protoreflect.FieldDescriptor) string {
	switch fd.Kind() {
	case protoreflect.BoolKind:
		return "false"
	case protoreflect.StringKind, protoreflect.BytesKind:
		return `""`
	case protoreflect.EnumKind:
		v := fd.Enum().Values().ByNumber(0)
		if v == nil {
			return ""
		}
		if im.enumStr[fd.Enum().FullName()] {
			return sdlwrite.String(string(v.Name()))
		}
		return string(v.Name())
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return ""
	}
	return "0"
}

type gqlField struct {
	name, typ, def, desc string
	// key is the field's JSON name, which protojson writes; output fields
	// named otherwise read it with @from.
	key string
	// sendKey is the name a request template sends the value under.
	sendKey    string
	deprecated bool
}

type gqlType struct {
	kind string // type, input or enum
	name string
	// directive follows the name (@oneOf).
	directive string
	desc      string
	fields    []*gqlField
	values    []*gqlField
}

// fieldName is a field's GraphQL name: its JSON name, else its proto name
// (which protojson reads too), else a name made from the JSON name.
func fieldName(fd protoreflect.FieldDescriptor) string {
	if json := fd.JSONName(); gqlname.Valid(json) {
		return json
	}
	if name := string(fd.Name()); gqlname.Valid(name) {
		return name
	}
	return gqlname.LowerCamel(gqlname.Words(fd.JSONName())...)
}

// fields maps the fields of a message (for a type, an input type, or a
// method's arguments).
func (im *importer) fields(md protoreflect.MessageDescriptor, input bool, method string) []*gqlField {
	var fds []protoreflect.FieldDescriptor
	if input {
		fds = inputFields(md)
	} else {
		for i := 0; i < md.Fields().Len(); i++ {
			fds = append(fds, md.Fields().Get(i))
		}
	}
	ns := gqlname.NewSet()
	names := map[protoreflect.FieldDescriptor]string{}
	// On input, a oneof's members are one @oneOf field, named after the
	// oneof where its first member is.
	oneofNames := map[protoreflect.OneofDescriptor]string{}
	for _, fd := range fds {
		if od := realOneof(fd); input && od != nil && im.oneofSeen[od.FullName()] {
			if _, ok := oneofNames[od]; !ok {
				want := gqlname.LowerCamel(gqlname.Words(string(od.Name()))...)
				name := ns.Take(want)
				if name != want {
					im.warn(od, method, "another field of %s is also named %s: the oneof is %s", md.Name(), want, name)
				}
				oneofNames[od] = name
			}
			continue
		}
		want := fieldName(fd)
		name := ns.Take(want)
		names[fd] = name
		switch {
		case name != want:
			im.warn(fd, method, "another field of %s is also named %s: this one is %s", md.Name(), want, name)
		case want != fd.JSONName():
			im.warn(fd, method, "its JSON name %q is not a GraphQL name: the field is named %s", fd.JSONName(), want)
		}
	}
	out := make([]*gqlField, 0, len(fds))
	sent := map[string]bool{}
	for _, name := range oneofNames {
		sent[name] = true
	}
	done := map[protoreflect.OneofDescriptor]bool{}
	for _, fd := range fds {
		if od := realOneof(fd); od != nil && oneofNames[od] != "" {
			if done[od] {
				continue
			}
			done[od] = true
			name := oneofNames[od]
			keys := im.res.Oneofs[string(md.FullName())]
			if keys == nil {
				keys = map[string]string{}
				im.res.Oneofs[string(md.FullName())] = keys
			}
			keys[name] = string(od.Name())
			out = append(out, &gqlField{name: name, key: name, sendKey: name, typ: im.names[nameKey{od.FullName(), kindOneof}],
				desc: joinText(description(od), fmt.Sprintf("Oneof %s: set one of its members, or leave it out.", od.Name()))})
			continue
		}
		f := &gqlField{name: names[fd], key: fd.JSONName(), desc: description(fd)}
		// protojson reads a field under its JSON name or its proto name;
		// a request sends it under the first of those still free.
		cands := []string{fd.JSONName(), string(fd.Name())}
		if f.name == string(fd.Name()) {
			cands = []string{f.name, fd.JSONName()}
		}
		for _, k := range cands {
			if !sent[k] {
				f.sendKey = k
				sent[k] = true
				break
			}
		}
		if input && f.name != fd.JSONName() && f.name != string(fd.Name()) {
			if method == "" {
				im.warn(fd, method, "sent as part of a whole input object, this field goes under its GraphQL name %s, which the upstream does not read", f.name)
			} else if f.sendKey == "" {
				im.warn(fd, method, "both names the upstream reads this field under are taken by other fields: it has no argument (%s)", f.name)
				continue
			}
		}
		if od := realOneof(fd); od != nil {
			var members []string
			for i := 0; i < od.Fields().Len(); i++ {
				if n, ok := names[od.Fields().Get(i)]; ok {
					members = append(members, n)
				}
			}
			if input {
				f.desc = joinText(f.desc, fmt.Sprintf("Part of oneof %s: set at most one of %s.", od.Name(), strings.Join(members, ", ")))
			} else {
				f.desc = joinText(f.desc, fmt.Sprintf("Part of oneof %s: at most one of %s is set.", od.Name(), strings.Join(members, ", ")))
			}
		}
		if input {
			f.typ, f.def = im.inputType(fd)
		} else {
			f.typ = im.outputType(fd)
			if opts, ok := fd.Options().(*descriptorpb.FieldOptions); ok {
				f.deprecated = opts.GetDeprecated()
			}
		}
		out = append(out, f)
	}
	return out
}

func joinText(a, b string) string {
	if a == "" {
		return b
	}
	return a + "\n\n" + b
}

// buildTypes makes the object, input and enum types.
func (im *importer) buildTypes() {
	for _, md := range im.outOrder {
		im.types = append(im.types, &gqlType{kind: "type", name: im.names[nameKey{md.FullName(), kindOutput}],
			desc: description(md), fields: im.fields(md, false, "")})
	}
	for _, md := range im.inOrder {
		im.types = append(im.types, &gqlType{kind: "input", name: im.names[nameKey{md.FullName(), kindInput}],
			desc: description(md), fields: im.fields(md, true, "")})
	}
	for _, od := range im.oneofOrder {
		t := &gqlType{kind: "input", name: im.names[nameKey{od.FullName(), kindOneof}], directive: "@oneOf",
			desc: joinText(description(od), fmt.Sprintf("The oneof %s of %s: exactly one member is given.", od.Name(), od.Parent().FullName()))}
		t.fields = im.oneofMembers(od)
		im.types = append(im.types, t)
	}
	for _, ed := range im.enumOrder {
		t := &gqlType{kind: "enum", name: im.names[nameKey{ed.FullName(), kindEnum}], desc: description(ed)}
		for i := 0; i < ed.Values().Len(); i++ {
			v := ed.Values().Get(i)
			f := &gqlField{name: string(v.Name()), desc: description(v)}
			if opts, ok := v.Options().(*descriptorpb.EnumValueOptions); ok {
				f.deprecated = opts.GetDeprecated()
			}
			t.values = append(t.values, f)
		}
		im.types = append(im.types, t)
	}
}

// buildRootFields makes each imported method's field: its arguments, type
// and binding.
func (im *importer) buildRootFields() {
	for _, m := range im.methods {
		if m.skip != "" {
			continue
		}
		out := m.desc.Output()
		if s, _, ok := im.messageScalar(out, false); ok {
			m.typ = s
			im.useScalar(s)
		} else {
			m.typ = im.names[nameKey{out.FullName(), kindOutput}]
		}
		in := m.desc.Input()
		var request string
		if w, ok := wellKnown[in.FullName()]; ok && in.FullName() != emptyName {
			// The request's JSON form is a bare value, not an object.
			im.useScalar(w.scalar)
			m.args = []*gqlField{{name: "input", typ: w.scalar + "!", desc: fmt.Sprintf("The request, a %s.", in.FullName())}}
			request = sdlwrite.String("{args.input}")
		} else if _, _, ok := im.messageScalar(in, true); !ok {
			m.args = im.fields(in, true, m.name)
			request = requestTemplate(m.args)
		}
		args := []sdlwrite.Arg{{Name: "upstream", Value: sdlwrite.String(im.opts.Upstream)}, {Name: "method", Value: sdlwrite.String(m.name)}}
		if request != "" {
			args = append(args, sdlwrite.Arg{Name: "request", Value: request})
		}
		m.binding = sdlwrite.Directive("grpc", args...)
	}
}

// requestTemplate writes the request message from the arguments: a
// GraphQL object when every key is a GraphQL name, else a string holding
// the JSON text.
func requestTemplate(args []*gqlField) string {
	names := true
	for _, a := range args {
		names = names && gqlname.Valid(a.sendKey)
	}
	if names {
		fields := make([]sdlwrite.Arg, len(args))
		for i, a := range args {
			fields[i] = sdlwrite.Arg{Name: a.sendKey, Value: sdlwrite.String("{args." + a.name + "}")}
		}
		return sdlwrite.Object(fields...)
	}
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = sdlwrite.JSONString(a.sendKey) + ": " + sdlwrite.JSONString("{args."+a.name+"}")
	}
	return sdlwrite.BlockString("{" + strings.Join(parts, ", ") + "}")
}

// description is the comment before a declaration (else the one after it
// on the same line), as the descriptors' source info keeps it.
func description(d protoreflect.Descriptor) string {
	fd := d.ParentFile()
	if fd == nil || fd.SourceLocations().Len() == 0 {
		return ""
	}
	loc := fd.SourceLocations().ByDescriptor(d)
	c := loc.LeadingComments
	if strings.TrimSpace(c) == "" {
		c = loc.TrailingComments
	}
	return cleanComment(c)
}

// cleanComment removes the indentation the comment's lines share and the
// blank lines around them.
func cleanComment(c string) string {
	lines := strings.Split(strings.ReplaceAll(c, "\r\n", "\n"), "\n")
	indent := -1
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		n := len(l) - len(strings.TrimLeft(l, " \t"))
		if indent < 0 || n < indent {
			indent = n
		}
	}
	for i, l := range lines {
		if len(l) >= indent && indent > 0 {
			l = l[indent:]
		}
		lines[i] = strings.TrimRight(l, " \t")
	}
	return strings.Trim(strings.Join(lines, "\n"), "\n")
}

// oneofMembers are the fields of a oneof's @oneOf input type: its members,
// each nullable (exactly one is given), under the names protojson reads.
func (im *importer) oneofMembers(od protoreflect.OneofDescriptor) []*gqlField {
	ns := gqlname.NewSet()
	var out []*gqlField
	for i := 0; i < od.Fields().Len(); i++ {
		fd := od.Fields().Get(i)
		if _, outputOnly := fieldBehavior(fd); outputOnly {
			continue
		}
		want := fieldName(fd)
		name := ns.Take(want)
		typ, _ := im.inputType(fd)
		typ = strings.TrimSuffix(typ, "!")
		out = append(out, &gqlField{name: name, key: fd.JSONName(), sendKey: name, typ: typ, desc: description(fd)})
	}
	return out
}
