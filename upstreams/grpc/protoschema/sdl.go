package protoschema

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

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

// render writes the SDL; a fragment extends the root types and leaves the
// custom scalars to whoever merges it.
func (im *importer) render(fragment bool) string {
	var b strings.Builder
	if len(im.res.Services) > 0 {
		fmt.Fprintf(&b, "# gRPC services %s, imported from their protobuf descriptors.\n", strings.Join(im.res.Services, ", "))
	} else {
		b.WriteString("# No gRPC service imported.\n")
	}
	for _, root := range []string{"Query", "Mutation", "Subscription"} {
		ms := im.roots[root]
		if len(ms) == 0 {
			continue
		}
		if fragment {
			fmt.Fprintf(&b, "\nextend type %s {\n", root)
		} else {
			fmt.Fprintf(&b, "\ntype %s {\n", root)
		}
		for _, m := range ms {
			writeDescription(&b, "  ", description(m.desc))
			b.WriteString("  " + m.field)
			if len(m.args) > 0 {
				b.WriteString("(\n")
				for _, a := range m.args {
					writeDescription(&b, "    ", a.desc)
					fmt.Fprintf(&b, "    %s: %s", a.name, a.typ)
					if a.def != "" {
						b.WriteString(" = " + a.def)
					}
					b.WriteString("\n")
				}
				b.WriteString("  )")
			}
			fmt.Fprintf(&b, ": %s", m.typ)
			if methodDeprecated(m) {
				b.WriteString(" @deprecated")
			}
			b.WriteString(" " + m.binding + "\n")
		}
		b.WriteString("}\n")
	}
	types := append([]*gqlType(nil), im.types...)
	order := map[string]int{"type": 0, "input": 1, "enum": 2}
	sort.Slice(types, func(i, j int) bool {
		if order[types[i].kind] != order[types[j].kind] {
			return order[types[i].kind] < order[types[j].kind]
		}
		return types[i].name < types[j].name
	})
	for _, t := range types {
		b.WriteString("\n")
		writeDescription(&b, "", t.desc)
		if t.directive != "" {
			fmt.Fprintf(&b, "%s %s %s {\n", t.kind, t.name, t.directive)
		} else {
			fmt.Fprintf(&b, "%s %s {\n", t.kind, t.name)
		}
		for _, v := range t.values {
			writeDescription(&b, "  ", v.desc)
			b.WriteString("  " + v.name)
			if v.deprecated {
				b.WriteString(" @deprecated")
			}
			b.WriteString("\n")
		}
		for _, f := range t.fields {
			writeDescription(&b, "  ", f.desc)
			fmt.Fprintf(&b, "  %s: %s", f.name, f.typ)
			if f.def != "" {
				b.WriteString(" = " + f.def)
			}
			if t.kind == "type" && f.name != f.key {
				fmt.Fprintf(&b, " @from(key: %s)", gqlString(f.key))
			}
			if f.deprecated {
				b.WriteString(" @deprecated")
			}
			b.WriteString("\n")
		}
		b.WriteString("}\n")
	}
	if fragment {
		return b.String()
	}
	scalars := make([]string, 0, len(im.scalars))
	for s := range im.scalars {
		scalars = append(scalars, s)
	}
	sort.Strings(scalars)
	for _, s := range scalars {
		b.WriteString("\n" + ScalarDef(s) + "\n")
	}
	return b.String()
}

// writeDescription writes a description as a GraphQL block string.
func writeDescription(b *strings.Builder, indent, s string) {
	s = cleanText(strings.TrimSpace(s))
	if s == "" {
		return
	}
	b.WriteString(indent + `"""` + "\n")
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimRight(line, " \t")
		if line == "" {
			b.WriteString("\n")
			continue
		}
		b.WriteString(indent + escapeBlock(line) + "\n")
	}
	b.WriteString(indent + `"""` + "\n")
}

// escapeBlock escapes """ in block string text, its one escape.
func escapeBlock(s string) string {
	return strings.ReplaceAll(s, `"""`, `\"""`)
}

// cleanText keeps the characters a GraphQL block string may hold.
func cleanText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case r == '\r':
			return '\n'
		case r < ' ' || r == 0x7f:
			return -1
		}
		return r
	}, s)
}

// gqlString writes s as a GraphQL string literal.
func gqlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < ' ' || r == 0x7f {
				fmt.Fprintf(&b, `\u%04x`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// blockString writes one line of text as a GraphQL block string. A quote
// or backslash at its end would join the closing """, so a space keeps
// them apart.
func blockString(s string) string {
	s = escapeBlock(s)
	if strings.HasSuffix(s, `"`) || strings.HasSuffix(s, `\`) {
		s += " "
	}
	return `"""` + s + `"""`
}

func methodDeprecated(m *method) bool {
	opts, ok := m.desc.Options().(*descriptorpb.MethodOptions)
	return ok && opts.GetDeprecated()
}

// jsonString writes s as a JSON string.
func jsonString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r < ' ' || r == 0x7f:
			fmt.Fprintf(&b, `\u%04x`, r)
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\ufffd`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
