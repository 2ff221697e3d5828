package wsdl

import (
	"fmt"
	"strings"

	"github.com/weft-gateway/weft/internal/sdlwrite"
)

// ScalarDef returns the declaration of a custom scalar the importer uses,
// saying what JSON form its values take.
func ScalarDef(name string) string {
	switch name {
	case ScalarJSON:
		return `"""
Any JSON value. SOAP upstreams give the XML of an element whose content is
open (xs:anyType, xs:any) converted generically: an element with only text is
its text, another an object of its children by name (repeated ones as
arrays), "@name" for its attributes and "#text" for its text.
"""
scalar JSON`
	case ScalarInt64:
		return `"""
A signed 64-bit integer (xs:long), written as a JSON string so that no
precision is lost; as input, a string or a number.
"""
scalar Int64`
	case ScalarUInt64:
		return `"""
An unsigned 64-bit integer (xs:unsignedLong), written as a JSON string so that
no precision is lost; as input, a string or a number.
"""
scalar UInt64`
	case ScalarUInt32:
		return `"""
An unsigned 32-bit integer (xs:unsignedInt, 0 to 4294967295), written as a
JSON number.
"""
scalar UInt32`
	case ScalarBigInt:
		return `"""
An integer of any size (xs:integer and its unbounded kin), written as a JSON
string of decimal digits; as input, a string or a number.
"""
scalar BigInt`
	case ScalarDecimal:
		return `"""
A decimal number (xs:decimal), written as a JSON string holding its digits as
the upstream sent them, so that no precision is lost; as input, a string or a
number without exponent.
"""
scalar Decimal`
	case ScalarDateTime:
		return `"""
A date and time in xs:dateTime's form (ISO 8601, "2024-05-01T12:00:00Z"; the
offset may be absent), passed through as the upstream sent it.
"""
scalar DateTime`
	case ScalarDate:
		return `"""
A date in xs:date's form ("2024-05-01", maybe with an offset), passed through
as the upstream sent it.
"""
scalar Date`
	case ScalarTime:
		return `"""
A time of day in xs:time's form ("12:00:00", maybe with an offset), passed
through as the upstream sent it.
"""
scalar Time`
	case ScalarDuration:
		return `"""
A duration in xs:duration's form (ISO 8601, "P1DT2H30M"), passed through as
the upstream sent it.
"""
scalar Duration`
	}
	return "scalar " + name
}

// document gathers the SDL to write. WSDL documentation is XML text,
// often indented as the element that holds it: descriptions lose the
// indentation their lines share.
func (im *importer) document() *sdlwrite.Document {
	d := &sdlwrite.Document{Header: "No SOAP operation imported.", ScalarDef: ScalarDef, Doc: sdlwrite.Dedent}
	if len(im.res.Services) > 0 {
		d.Header = fmt.Sprintf("SOAP services %s, imported from their WSDL.", strings.Join(im.res.Services, ", "))
	} else if im.res.Fields > 0 {
		d.Header = "SOAP bindings imported from their WSDL."
	}
	for _, root := range []string{"Query", "Mutation"} {
		r := sdlwrite.Root{Name: root}
		for _, o := range im.roots[root] {
			r.Fields = append(r.Fields, sdlwrite.Field{Description: o.doc, Name: o.op.Field, Args: sdlFields(o.args), Type: o.typ, Directives: []string{o.soap}})
		}
		d.Roots = append(d.Roots, r)
	}
	for _, t := range im.gqlTypes {
		d.Types = append(d.Types, sdlwrite.Type{Description: t.desc, Kind: t.kind, Name: t.name, Values: sdlFields(t.values), Fields: sdlFields(t.fields)})
	}
	for s := range im.scalars {
		d.Scalars = append(d.Scalars, s)
	}
	return d
}

// sdlFields are the SDL of fields, arguments or enum values.
func sdlFields(fs []*gqlField) []sdlwrite.Field {
	out := make([]sdlwrite.Field, len(fs))
	for i, f := range fs {
		out[i] = sdlwrite.Field{Description: f.desc, Name: f.name, Type: f.typ}
	}
	return out
}
