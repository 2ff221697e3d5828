package openapi

import (
	"fmt"
	"strings"

	"github.com/weft-gateway/weft/internal/sdlwrite"
)

// ScalarDef returns the declaration of a custom scalar the importer uses.
func ScalarDef(name string) string {
	switch name {
	case scalarJSON:
		return `"""
Any JSON value, passed through as the upstream sent it.
"""
scalar JSON`
	case scalarInt64:
		return `"""
A 64-bit integer, passed through as the upstream's JSON number.
"""
scalar Int64`
	case scalarDateTime:
		return `"""
A date and time with its offset (RFC 3339), passed through as the upstream sent it.
"""
scalar DateTime @specifiedBy(url: "https://scalars.graphql.org/andimarek/date-time")`
	case scalarDate:
		return `"""
A calendar date such as 2024-05-31 (RFC 3339 full-date), passed through as the upstream sent it.
"""
scalar Date`
	}
	return "scalar " + name
}

// document gathers the SDL to write.
func (im *importer) document() *sdlwrite.Document {
	title := strings.TrimSpace(im.res.Title)
	if title == "" {
		title = "an API"
	}
	d := &sdlwrite.Document{
		Header:    fmt.Sprintf("%s %s, imported from an OpenAPI %s document.", oneLine(title), oneLine(im.res.Version), oneLine(im.doc.Version)),
		Roots:     []sdlwrite.Root{{Name: "Query", Fields: rootFields(im.query)}, {Name: "Mutation", Fields: rootFields(im.mutation)}},
		ScalarDef: ScalarDef,
	}
	for _, t := range im.types {
		st := sdlwrite.Type{Description: t.description, Kind: t.kind, Name: t.name, Members: t.members}
		if t.typeBy != "" {
			st.Directives = append(st.Directives, t.typeBy)
		}
		if t.oneOf {
			// One member at a time, sent as the member's own value.
			st.Directives = append(st.Directives, "@oneOf", "@unwrap")
		}
		for _, v := range t.values {
			sv := sdlwrite.Field{Name: v.name, Description: v.description}
			if v.wire != "" {
				// The upstream writes, and is sent, the value itself.
				sv.Directives = append(sv.Directives, sdlwrite.Directive("from", sdlwrite.Arg{Name: "value", Value: v.wire}))
			}
			st.Values = append(st.Values, sv)
		}
		for _, f := range t.fields {
			sf := sdlwrite.Field{Description: f.description, Name: f.name, Type: f.typ.String()}
			if f.name != f.key {
				// Output fields are read from, input fields sent under,
				// their JSON key.
				sf.Directives = append(sf.Directives, sdlwrite.Directive("from", sdlwrite.Arg{Name: "key", Value: sdlwrite.String(f.key)}))
			}
			if f.deprecated && t.kind == "type" {
				sf.Directives = append(sf.Directives, "@deprecated")
			}
			st.Fields = append(st.Fields, sf)
		}
		d.Types = append(d.Types, st)
	}
	for s := range im.scalars {
		d.Scalars = append(d.Scalars, s)
	}
	return d
}

func rootFields(fields []*rootField) []sdlwrite.Field {
	out := make([]sdlwrite.Field, 0, len(fields))
	for _, f := range fields {
		sf := sdlwrite.Field{Description: f.description, Name: f.name, Type: f.typ.String()}
		for _, a := range f.args {
			sf.Args = append(sf.Args, sdlwrite.Field{Description: a.description, Name: a.name, Type: a.typ.String()})
		}
		if f.deprecated {
			sf.Directives = append(sf.Directives, "@deprecated")
		}
		sf.Directives = append(sf.Directives, f.binding)
		out = append(out, sf)
	}
	return out
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
