// Package sdlwrite writes GraphQL SDL for the importers that turn API
// descriptions (OpenAPI, protobuf, WSDL) into schemas: string literals,
// block-string descriptions, directive applications and the layout of a
// whole document, so that every importer's output reads alike and escapes
// alike. What an importer declares stays its own; how it is written is here.
package sdlwrite

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// Document is the SDL an importer writes: a header comment, the root
// types, the other types and the custom scalars.
type Document struct {
	// Header is the comment the SDL opens with, without its "# ".
	Header string
	// Roots are the root types in the order they are written; one
	// without fields is left out.
	Roots []Root
	// Types are the object, input and enum types, written after the
	// roots: objects, then inputs, then enums, each kind by name.
	Types []Type
	// Scalars names the custom scalars the SDL declares, and ScalarDef
	// gives each one's declaration; they come last, by name.
	Scalars   []string
	ScalarDef func(name string) string
	// Doc prepares a description's text before it is cleaned and
	// written; nil trims the white space around it.
	Doc func(string) string
}

// Root is a root type (Query, Mutation, Subscription).
type Root struct {
	Name   string
	Fields []Field
}

// Type is an object ("type"), union ("union"), input object ("input") or
// enum ("enum") type.
type Type struct {
	Description string
	Kind        string
	Name        string
	// Directives are applied after the name, such as "@oneOf".
	Directives []string
	// Values are an enum's values, Fields an object's fields.
	Values []Field
	Fields []Field
	// Members are a union's ("union") member types.
	Members []string
}

// Field is a field, an argument, an input field or an enum value (which
// has no Type).
type Field struct {
	Description string
	Name        string
	// Args are a field's arguments, written one a line.
	Args []Field
	Type string
	// Default is the default value's SDL literal, if any.
	Default string
	// Directives are applied after the type and default, in order.
	Directives []string
}

// kindOrder orders the types of a document by kind: objects, unions,
// inputs, enums.
func kindOrder(kind string) int {
	switch kind {
	case "union":
		return 1
	case "input":
		return 2
	case "enum":
		return 3
	}
	return 0
}

// String writes the whole document.
func (d *Document) String() string { return d.write(false) }

// Fragment writes the document as a fragment for whoever merges it: the
// root types are extensions ("extend type Query") and the custom scalars
// are left out, for the merged schema to declare once.
func (d *Document) Fragment() string { return d.write(true) }

func (d *Document) write(fragment bool) string {
	w := writer{doc: d.Doc}
	if w.doc == nil {
		w.doc = strings.TrimSpace
	}
	for _, line := range strings.Split(d.Header, "\n") {
		w.b.WriteString("# " + line + "\n")
	}
	for _, r := range d.Roots {
		if len(r.Fields) == 0 {
			continue
		}
		if fragment {
			w.b.WriteString("\nextend type " + r.Name + " {\n")
		} else {
			w.b.WriteString("\ntype " + r.Name + " {\n")
		}
		for _, f := range r.Fields {
			w.field("  ", f)
		}
		w.b.WriteString("}\n")
	}
	types := append([]Type(nil), d.Types...)
	sort.SliceStable(types, func(i, j int) bool {
		if ki, kj := kindOrder(types[i].Kind), kindOrder(types[j].Kind); ki != kj {
			return ki < kj
		}
		return types[i].Name < types[j].Name
	})
	for _, t := range types {
		w.b.WriteString("\n")
		w.description("", t.Description)
		w.b.WriteString(t.Kind + " " + t.Name)
		for _, dir := range t.Directives {
			w.b.WriteString(" " + dir)
		}
		if t.Kind == "union" {
			w.b.WriteString(" = " + strings.Join(t.Members, " | ") + "\n")
			continue
		}
		w.b.WriteString(" {\n")
		for _, v := range t.Values {
			w.field("  ", v)
		}
		for _, f := range t.Fields {
			w.field("  ", f)
		}
		w.b.WriteString("}\n")
	}
	if fragment {
		return w.b.String()
	}
	scalars := append([]string(nil), d.Scalars...)
	sort.Strings(scalars)
	for _, s := range scalars {
		def := "scalar " + s
		if d.ScalarDef != nil {
			def = d.ScalarDef(s)
		}
		w.b.WriteString("\n" + def + "\n")
	}
	return w.b.String()
}

type writer struct {
	b   strings.Builder
	doc func(string) string
}

// field writes a field definition at indent, its arguments one a line
// below it.
func (w *writer) field(indent string, f Field) {
	w.description(indent, f.Description)
	w.b.WriteString(indent + f.Name)
	if len(f.Args) > 0 {
		w.b.WriteString("(\n")
		for _, a := range f.Args {
			w.field(indent+"  ", a)
		}
		w.b.WriteString(indent + ")")
	}
	if f.Type != "" {
		w.b.WriteString(": " + f.Type)
	}
	if f.Default != "" {
		w.b.WriteString(" = " + f.Default)
	}
	for _, dir := range f.Directives {
		w.b.WriteString(" " + dir)
	}
	w.b.WriteString("\n")
}

func (w *writer) description(indent, s string) {
	Description(&w.b, indent, w.doc(s))
}

// Description writes s, cleaned (see Clean), as a block string at
// indent, each line's trailing white space dropped; an empty s writes
// nothing.
func Description(b *strings.Builder, indent, s string) {
	s = Clean(s)
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

// Clean keeps the characters a GraphQL block string may hold: line ends
// become "\n", invalid UTF-8 becomes U+FFFD, and control characters other
// than newline and tab are dropped.
func Clean(s string) string {
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

// Dedent cleans s (see Clean) and removes the indentation that its lines
// after the first share, as GraphQL's block string value does, for
// documentation written indented inside its source (an XML element's
// text): the first line and every line's end are trimmed, lines of white
// space become empty, and blank lines at either end go.
func Dedent(s string) string {
	lines := strings.Split(Clean(s), "\n")
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

// String writes s as a GraphQL string literal; invalid UTF-8 becomes
// U+FFFD.
func String(s string) string {
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

// StringList writes a GraphQL list literal of string literals.
func StringList(list []string) string {
	parts := make([]string, len(list))
	for i, s := range list {
		parts[i] = String(s)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// BlockString writes one line of text as a GraphQL block string. A quote
// or backslash at its end would join the closing """, so a space keeps
// them apart.
func BlockString(s string) string {
	s = escapeBlock(s)
	if strings.HasSuffix(s, `"`) || strings.HasSuffix(s, `\`) {
		s += " "
	}
	return `"""` + s + `"""`
}

// JSONString writes s as a JSON string, which is also a YAML
// double-quoted one; invalid UTF-8 becomes U+FFFD.
func JSONString(s string) string {
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

// Arg is one argument of a directive application or one field of an
// object literal: a name and a value already written as SDL.
type Arg struct {
	Name, Value string
}

// Directive writes a directive application: @name, with its arguments in
// parentheses when there are any.
func Directive(name string, args ...Arg) string {
	if len(args) == 0 {
		return "@" + name
	}
	return "@" + name + "(" + joinArgs(args) + ")"
}

// Object writes a GraphQL object literal of the fields given.
func Object(fields ...Arg) string {
	return "{" + joinArgs(fields) + "}"
}

func joinArgs(args []Arg) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = a.Name + ": " + a.Value
	}
	return strings.Join(parts, ", ")
}
