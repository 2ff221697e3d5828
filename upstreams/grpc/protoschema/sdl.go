package protoschema

import (
	"fmt"
	"strings"

	"github.com/weft-gateway/weft/internal/sdlwrite"

	"google.golang.org/protobuf/types/descriptorpb"
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
A signed 64-bit integer. gRPC upstreams write it as a JSON string (protobuf's JSON form,
which loses no precision); as input, a string or a number.
"""
scalar Int64`
	case scalarUInt64:
		return `"""
An unsigned 64-bit integer. gRPC upstreams write it as a JSON string (protobuf's JSON form,
which loses no precision); as input, a string or a number.
"""
scalar UInt64`
	case scalarUInt32:
		return `"""
An unsigned 32-bit integer (0 to 4294967295), written as a JSON number.
"""
scalar UInt32`
	case scalarDateTime:
		return `"""
A date and time with its offset (RFC 3339), passed through as the upstream sent it.
"""
scalar DateTime @specifiedBy(url: "https://scalars.graphql.org/andimarek/date-time")`
	case scalarDuration:
		return `"""
A duration in seconds with up to nine fractional digits and the suffix s, such as "1.5s" or
"-0.000001s" (protobuf's JSON form of google.protobuf.Duration).
"""
scalar Duration`
	}
	return "scalar " + name
}

// document gathers the SDL to write.
func (im *importer) document() *sdlwrite.Document {
	d := &sdlwrite.Document{Header: "No gRPC service imported.", ScalarDef: ScalarDef}
	if len(im.res.Services) > 0 {
		d.Header = fmt.Sprintf("gRPC services %s, imported from their protobuf descriptors.", strings.Join(im.res.Services, ", "))
	}
	for _, root := range []string{"Query", "Mutation", "Subscription"} {
		r := sdlwrite.Root{Name: root}
		for _, m := range im.roots[root] {
			f := sdlwrite.Field{Description: description(m.desc), Name: m.field, Type: m.typ}
			for _, a := range m.args {
				f.Args = append(f.Args, sdlwrite.Field{Description: a.desc, Name: a.name, Type: a.typ, Default: a.def})
			}
			if methodDeprecated(m) {
				f.Directives = append(f.Directives, "@deprecated")
			}
			f.Directives = append(f.Directives, m.binding)
			r.Fields = append(r.Fields, f)
		}
		d.Roots = append(d.Roots, r)
	}
	for _, t := range im.types {
		st := sdlwrite.Type{Description: t.desc, Kind: t.kind, Name: t.name}
		if t.directive != "" {
			st.Directives = []string{t.directive}
		}
		for _, v := range t.values {
			sv := sdlwrite.Field{Description: v.desc, Name: v.name}
			if v.deprecated {
				sv.Directives = []string{"@deprecated"}
			}
			st.Values = append(st.Values, sv)
		}
		for _, f := range t.fields {
			sf := sdlwrite.Field{Description: f.desc, Name: f.name, Type: f.typ, Default: f.def}
			if t.kind == "type" && f.name != f.key {
				sf.Directives = append(sf.Directives, sdlwrite.Directive("from", sdlwrite.Arg{Name: "key", Value: sdlwrite.String(f.key)}))
			}
			if f.deprecated {
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

func methodDeprecated(m *method) bool {
	opts, ok := m.desc.Options().(*descriptorpb.MethodOptions)
	return ok && opts.GetDeprecated()
}
