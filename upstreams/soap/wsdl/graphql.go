package wsdl

import (
	"fmt"
	"sort"
	"strings"

	"github.com/weft-gateway/weft/internal/sdlwrite"

	"github.com/weft-gateway/weft/internal/gqlname"
)

type gqlField struct {
	name, typ, desc string
	// input is the input object type a single-valued input field holds,
	// and elem its element, for breaking cycles of required fields.
	input *Type
	elem  *Element
}

type gqlType struct {
	kind   string // type, input or enum
	name   string
	desc   string
	fields []*gqlField
	values []*gqlField
	t      *Type
}

// hasFields reports whether a complex type has anything a GraphQL object
// can hold (a type without fields is the JSON scalar: GraphQL types may
// not be empty).
func hasFields(t *Type) bool {
	return t.Content != nil || len(t.Elements) > 0 || len(t.Attributes) > 0 || t.Wildcard != ""
}

func (im *importer) useScalar(name string) {
	switch name {
	case ScalarString, ScalarInt, ScalarFloat, ScalarBoolean, "":
		return
	}
	im.scalars[name] = true
}

// walkOperation finds the types an operation's field needs: its result's
// as output, its arguments' as input.
func (im *importer) walkOperation(o *operation) {
	if o.op.Result != nil {
		im.walk(o.op.Result.Type, false)
	}
	if r := o.op.Request; r != nil {
		if o.op.Arg != "" {
			im.walk(r.Type, true)
			return
		}
		im.walkFields(r.Type, true)
	}
}

func (im *importer) walkFields(t *Type, input bool) {
	if t.Content != nil {
		im.walk(t.Content, input)
	}
	for _, e := range t.Elements {
		im.walk(e.Type, input)
	}
	for _, a := range t.Attributes {
		im.walk(a.Type, input)
	}
	if t.Wildcard != "" {
		im.useScalar(ScalarJSON)
	}
}

func (im *importer) walk(t *Type, input bool) {
	seen, order := im.seenOut, &im.outOrder
	if input {
		seen, order = im.seenIn, &im.inOrder
	}
	if seen[t] {
		return
	}
	seen[t] = true
	switch t.Kind {
	case Simple:
		if t.Enum != nil {
			if !im.seenEnum[t] {
				im.seenEnum[t] = true
				im.enumOrder = append(im.enumOrder, t)
			}
			return
		}
		im.useScalar(t.Scalar)
		t.Output, t.Input = t.Scalar, t.Scalar
	case Array:
		im.walk(t.Item.Type, input)
	case Complex:
		if !hasFields(t) {
			im.useScalar(ScalarJSON)
			t.Output, t.Input = ScalarJSON, ScalarJSON
			return
		}
		*order = append(*order, t)
		im.walkFields(t, input)
	default:
		im.useScalar(ScalarJSON)
		t.Output, t.Input = ScalarJSON, ScalarJSON
	}
}

// nameTypes names every object, input and enum type: after its XSD type
// (or, for an anonymous one, its element), with Input for input types;
// when two want the same name, each gets a prefix made from its
// namespace, then a number.
func (im *importer) nameTypes() {
	var reqs []*gqlname.Request
	type target struct {
		t    *Type
		kind string
	}
	targets := map[*gqlname.Request]target{}
	add := func(t *Type, kind, suffix string) {
		base := im.hintOf(t)
		info := im.info[t]
		key, ns := t.Name.String(), t.Name.Space
		if info != nil {
			key, ns = info.key, info.ns
		}
		r := &gqlname.Request{Key: kind + " " + key, Cands: []string{im.opts.Prefix + base + suffix}}
		if nw := namespaceWords(ns); len(nw) > 0 {
			r.Cands = append(r.Cands, im.opts.Prefix+gqlname.Pascal(nw...)+base+suffix)
		}
		targets[r] = target{t, kind}
		reqs = append(reqs, r)
	}
	for _, t := range im.outOrder {
		add(t, "o", "")
	}
	for _, t := range im.inOrder {
		add(t, "i", "Input")
	}
	for _, t := range im.enumOrder {
		add(t, "e", "")
	}
	gqlname.Assign(reqs, gqlname.NewSet(reservedTypeNames()...))
	for _, r := range reqs {
		tg := targets[r]
		switch tg.kind {
		case "o":
			tg.t.Output = r.Name
		case "i":
			tg.t.Input = r.Name
		default:
			tg.t.Output, tg.t.Input = r.Name, r.Name
		}
	}
}

func bang(b bool) string {
	if b {
		return "!"
	}
	return ""
}

// baseType is the GraphQL type of one value of t.
func (im *importer) baseType(t *Type, input bool) string {
	switch t.Kind {
	case Simple:
		if t.Enum != nil {
			return t.Output
		}
		im.useScalar(t.Scalar)
		return t.Scalar
	case Array:
		return "[" + im.baseType(t.Item.Type, input) + bang(!t.Item.Nillable) + "]"
	case Complex:
		if hasFields(t) {
			if input {
				return t.Input
			}
			return t.Output
		}
	}
	im.useScalar(ScalarJSON)
	return ScalarJSON
}

// elemType is the GraphQL type of an element: a list when it repeats (its
// items nullable when nillable, the list nullable when it may be absent),
// nullable when it may be absent or nil.
func (im *importer) elemType(e *Element, input bool) string {
	base := im.baseType(e.Type, input)
	if e.List() {
		return "[" + base + bang(!e.Nillable) + "]" + bang(!e.Optional())
	}
	return base + bang(!e.Optional() && !e.Nillable)
}

func (im *importer) attrType(a *Attribute, input bool) string {
	return im.baseType(a.Type, input) + bang(a.Required)
}

// fields maps a complex type's content, elements, attributes and wildcard.
func (im *importer) fields(t *Type, input bool) []*gqlField {
	var out []*gqlField
	if t.Content != nil {
		out = append(out, &gqlField{name: t.ContentField, typ: im.baseType(t.Content, input) + "!", desc: "The element's text."})
	}
	choiceOf := map[*Element][]*Element{}
	if info := im.info[t]; info != nil {
		for _, group := range info.choices {
			for _, e := range group {
				choiceOf[e] = group
			}
		}
	}
	for _, e := range t.Elements {
		f := &gqlField{name: e.Field, typ: im.elemType(e, input), desc: im.elemDesc[e]}
		if input && !e.List() && e.Type.Kind == Complex && hasFields(e.Type) {
			f.input, f.elem = e.Type, e
		}
		if info := im.info[e.Type]; info != nil && f.desc == "" && e.Type.Name.Local == "" {
			f.desc = info.desc
		}
		if info := im.info[e.Type]; info != nil && len(info.numericEnum) > 0 {
			f.desc = joinText(f.desc, "One of "+strings.Join(info.numericEnum, ", ")+".")
		}
		if group := choiceOf[e]; group != nil {
			names := make([]string, len(group))
			for i, m := range group {
				names[i] = m.Field
			}
			if input {
				f.desc = joinText(f.desc, fmt.Sprintf("Part of a choice: set at most one of %s.", strings.Join(names, ", ")))
			} else {
				f.desc = joinText(f.desc, fmt.Sprintf("Part of a choice: at most one of %s is set.", strings.Join(names, ", ")))
			}
		}
		out = append(out, f)
	}
	for _, a := range t.Attributes {
		desc := im.attrDesc[a]
		if a.HasDefault {
			desc = joinText(desc, fmt.Sprintf("An XML attribute; %q when absent.", a.Default))
		} else {
			desc = joinText(desc, "An XML attribute.")
		}
		out = append(out, &gqlField{name: a.Field, typ: im.attrType(a, input), desc: desc})
	}
	if t.Wildcard != "" {
		im.useScalar(ScalarJSON)
		out = append(out, &gqlField{name: t.Wildcard, typ: ScalarJSON, desc: "Child elements the schema leaves open (xs:any), as an object keyed by their names."})
	}
	return out
}

func joinText(a, b string) string {
	if a == "" {
		return b
	}
	if b == "" {
		return a
	}
	return a + "\n\n" + b
}

// buildRootFields writes each operation's arguments, type and binding.
func (im *importer) buildRootFields() {
	for _, o := range im.ops {
		if o.op.Skipped != "" {
			continue
		}
		if r := o.op.Request; r != nil {
			if o.op.Arg != "" {
				o.args = []*gqlField{{name: o.op.Arg, typ: im.elemType(r, true), desc: im.elemDesc[r]}}
			} else {
				o.args = im.fields(r.Type, true)
			}
		}
		switch r := o.op.Result; {
		case r == nil:
			o.typ = "Boolean"
		default:
			o.typ = strings.TrimSuffix(im.elemType(r, false), "!")
		}
		args := []sdlwrite.Arg{{Name: "upstream", Value: sdlwrite.String(im.opts.Upstream)}, {Name: "operation", Value: sdlwrite.String(o.op.Name)}}
		if len(o.args) > 0 {
			request := make([]sdlwrite.Arg, len(o.args))
			for i, a := range o.args {
				request[i] = sdlwrite.Arg{Name: a.name, Value: sdlwrite.String("{args." + a.name + "}")}
			}
			args = append(args, sdlwrite.Arg{Name: "request", Value: sdlwrite.Object(request...)})
		}
		o.soap = sdlwrite.Directive("soap", args...)
	}
}

// buildTypes writes the object, input and enum types.
func (im *importer) buildTypes() {
	for _, t := range im.outOrder {
		im.gqlTypes = append(im.gqlTypes, &gqlType{kind: "type", name: t.Output, desc: im.typeDesc(t), fields: im.fields(t, false), t: t})
	}
	var inputs []*gqlType
	for _, t := range im.inOrder {
		g := &gqlType{kind: "input", name: t.Input, desc: im.typeDesc(t), fields: im.fields(t, true), t: t}
		inputs = append(inputs, g)
	}
	im.breakInputCycles(inputs)
	im.gqlTypes = append(im.gqlTypes, inputs...)
	for _, t := range im.enumOrder {
		g := &gqlType{kind: "enum", name: t.Output, desc: im.typeDesc(t), t: t}
		for _, v := range t.Enum {
			f := &gqlField{name: v.Name}
			if v.Name != v.Value {
				f.desc = fmt.Sprintf("The value %s in the XML.", sdlwrite.String(v.Value))
			}
			g.values = append(g.values, f)
		}
		im.gqlTypes = append(im.gqlTypes, g)
	}
}

func (im *importer) typeDesc(t *Type) string {
	if info := im.info[t]; info != nil {
		return info.desc
	}
	return ""
}

// breakInputCycles makes nullable the input fields that close a cycle of
// non-null input objects, which no client could ever fill (GraphQL
// forbids such cycles).
func (im *importer) breakInputCycles(inputs []*gqlType) {
	byType := map[*Type]*gqlType{}
	for _, g := range inputs {
		byType[g.t] = g
	}
	sorted := append([]*gqlType(nil), inputs...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].name < sorted[j].name })
	const (
		white = iota
		grey
		black
	)
	color := map[*gqlType]int{}
	var visit func(g *gqlType)
	visit = func(g *gqlType) {
		color[g] = grey
		for _, f := range g.fields {
			if f.input == nil || !strings.HasSuffix(f.typ, "!") {
				continue
			}
			next := byType[f.input]
			if next == nil {
				continue
			}
			switch color[next] {
			case grey:
				f.typ = strings.TrimSuffix(f.typ, "!")
				// The codec must agree, or the nullable field still
				// fails every call.
				f.elem.InputOptional = true
				if info := im.info[g.t]; info != nil && info.n != nil {
					im.warnAt(info.n, "input "+g.name, "the required field %s leads back to %s: made nullable, or no client could fill it", f.name, next.name)
				}
			case white:
				visit(next)
			}
		}
		color[g] = black
	}
	for _, g := range sorted {
		if color[g] == white {
			visit(g)
		}
	}
}
