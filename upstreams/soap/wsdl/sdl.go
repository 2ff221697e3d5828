package wsdl

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
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

// render writes the SDL; a fragment extends the root types and leaves the
// custom scalars to whoever merges it.
func (im *importer) render(fragment bool) string {
	var b strings.Builder
	if len(im.res.Services) > 0 {
		fmt.Fprintf(&b, "# SOAP services %s, imported from their WSDL.\n", strings.Join(im.res.Services, ", "))
	} else if im.res.Fields > 0 {
		b.WriteString("# SOAP bindings imported from their WSDL.\n")
	} else {
		b.WriteString("# No SOAP operation imported.\n")
	}
	for _, root := range []string{"Query", "Mutation"} {
		ops := im.roots[root]
		if len(ops) == 0 {
			continue
		}
		if fragment {
			fmt.Fprintf(&b, "\nextend type %s {\n", root)
		} else {
			fmt.Fprintf(&b, "\ntype %s {\n", root)
		}
		for _, o := range ops {
			writeDescription(&b, "  ", o.doc)
			b.WriteString("  " + o.op.Field)
			if len(o.args) > 0 {
				b.WriteString("(\n")
				for _, a := range o.args {
					writeDescription(&b, "    ", a.desc)
					fmt.Fprintf(&b, "    %s: %s\n", a.name, a.typ)
				}
				b.WriteString("  )")
			}
			fmt.Fprintf(&b, ": %s %s\n", o.typ, o.soap)
		}
		b.WriteString("}\n")
	}
	types := append([]*gqlType(nil), im.gqlTypes...)
	order := map[string]int{"type": 0, "input": 1, "enum": 2}
	sort.SliceStable(types, func(i, j int) bool {
		if order[types[i].kind] != order[types[j].kind] {
			return order[types[i].kind] < order[types[j].kind]
		}
		return types[i].name < types[j].name
	})
	for _, t := range types {
		b.WriteString("\n")
		writeDescription(&b, "", t.desc)
		fmt.Fprintf(&b, "%s %s {\n", t.kind, t.name)
		for _, v := range t.values {
			writeDescription(&b, "  ", v.desc)
			b.WriteString("  " + v.name + "\n")
		}
		for _, f := range t.fields {
			writeDescription(&b, "  ", f.desc)
			fmt.Fprintf(&b, "  %s: %s\n", f.name, f.typ)
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
	s = cleanText(s)
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

// cleanText keeps the characters a GraphQL block string may hold, and
// removes the indentation documentation's lines share.
func cleanText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
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
	lines := strings.Split(s, "\n")
	indent := -1
	for i, l := range lines {
		if strings.TrimSpace(l) == "" {
			lines[i] = ""
			continue
		}
		if i == 0 {
			continue
		}
		n := len(l) - len(strings.TrimLeft(l, " \t"))
		if indent < 0 || n < indent {
			indent = n
		}
	}
	for i, l := range lines {
		if i > 0 && indent > 0 && len(l) >= indent {
			l = l[indent:]
		}
		lines[i] = strings.TrimRight(l, " \t")
	}
	lines[0] = strings.TrimSpace(lines[0])
	return strings.Trim(strings.Join(lines, "\n"), "\n")
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

// jsonString writes s as a JSON string (and a YAML double-quoted one).
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
