package openapi

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
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

// render writes the SDL; a fragment extends the root types and leaves the
// custom scalars to whoever merges it.
func (im *importer) render(fragment bool) string {
	var b strings.Builder
	title := strings.TrimSpace(im.res.Title)
	if title == "" {
		title = "an API"
	}
	fmt.Fprintf(&b, "# %s %s, imported from an OpenAPI %s document.\n", oneLine(title), oneLine(im.res.Version), oneLine(im.doc.Version))
	for _, root := range []struct {
		name   string
		fields []*rootField
	}{{"Query", im.query}, {"Mutation", im.mutation}} {
		if len(root.fields) == 0 {
			continue
		}
		if fragment {
			fmt.Fprintf(&b, "\nextend type %s {\n", root.name)
		} else {
			fmt.Fprintf(&b, "\ntype %s {\n", root.name)
		}
		for _, f := range root.fields {
			writeDescription(&b, "  ", f.description)
			b.WriteString("  " + f.name)
			if len(f.args) > 0 {
				b.WriteString("(\n")
				for _, a := range f.args {
					writeDescription(&b, "    ", a.description)
					fmt.Fprintf(&b, "    %s: %s\n", a.name, a.typ)
				}
				b.WriteString("  )")
			}
			fmt.Fprintf(&b, ": %s", f.typ)
			if f.deprecated {
				b.WriteString(" @deprecated")
			}
			b.WriteString(" " + f.binding + "\n")
		}
		b.WriteString("}\n")
	}
	types := make([]*gqlType, 0, len(im.types))
	for _, t := range im.types {
		types = append(types, t)
	}
	order := map[string]int{"type": 0, "input": 1, "enum": 2}
	sort.Slice(types, func(i, j int) bool {
		if order[types[i].kind] != order[types[j].kind] {
			return order[types[i].kind] < order[types[j].kind]
		}
		return types[i].name < types[j].name
	})
	for _, t := range types {
		b.WriteString("\n")
		writeDescription(&b, "", t.description)
		fmt.Fprintf(&b, "%s %s {\n", t.kind, t.name)
		for _, v := range t.values {
			fmt.Fprintf(&b, "  %s\n", v)
		}
		for _, f := range t.fields {
			writeDescription(&b, "  ", f.description)
			fmt.Fprintf(&b, "  %s: %s", f.name, f.typ)
			if f.name != f.key {
				// Output fields are read from, input fields sent under,
				// their JSON key.
				fmt.Fprintf(&b, " @from(key: %s)", gqlString(f.key))
			}
			if f.deprecated && t.kind == "type" {
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

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
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
		b.WriteString(indent + strings.ReplaceAll(line, `"""`, `\"""`) + "\n")
	}
	b.WriteString(indent + `"""` + "\n")
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

func gqlStringList(list []string) string {
	parts := make([]string, len(list))
	for i, s := range list {
		parts[i] = gqlString(s)
	}
	return "[" + strings.Join(parts, ", ") + "]"
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
