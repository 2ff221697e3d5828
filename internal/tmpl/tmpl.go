// Package tmpl is the template language of bindings: text with placeholders
// such as "/products/{parent.upc}/reviews?limit={args.first}".
//
// A placeholder names a root and a dotted path:
//
//	{args.x.y}     an argument of the field being resolved (input objects by path)
//	{parent.x.y}   a field of the parent object, as the parent's source returned it
//	{headers.x}    a header of the client request (case-insensitive)
//	{vars.x}       a variable of the VirtualService
//
// A query parameter whose value is one placeholder may end it in "*", the
// explode modifier of RFC 6570: "?tag={args.tag*}" sends one tag=... per
// item of the list (tag=a&tag=b), where "?tag={args.tag}" sends tag=a,b.
// ParseQueryValue accepts it; anywhere else it is a syntax error.
//
// "{{" and "}}" stand for literal braces. Templates are parsed and checked once,
// at config load; evaluation appends to a caller's buffer and does not allocate
// for scalar values.
//
// A value is absent when the client did not give it (an argument left out, an
// input field not set), the parent's source did not return it, or the header
// or variable does not exist; a null is present. Text templates treat both
// alike (a *NullError, or a query parameter left out by its caller). JSON
// documents (REST bodies, GraphQL argument templates, gRPC requests) tell
// them apart: an object entry whose value is a single absent placeholder is
// left out, so the receiver applies its default, while a null the client gave
// is sent as null. Scope.Find reports presence.
package tmpl

import (
	"fmt"
	"strings"
)

// Root is the namespace a placeholder reads from.
type Root uint8

// The roots a placeholder can name.
const (
	Args Root = iota + 1
	Parent
	Headers
	Vars
)

var rootNames = [...]string{Args: "args", Parent: "parent", Headers: "headers", Vars: "vars"}

// String returns the root's name as written in templates.
func (r Root) String() string {
	if int(r) < len(rootNames) && rootNames[r] != "" {
		return rootNames[r]
	}
	return fmt.Sprintf("Root(%d)", r)
}

// Ref is one placeholder: a root and a path below it.
type Ref struct {
	Root Root
	Path []string
	// Offset is the byte offset of the placeholder's "{" in the template
	// source, so load errors can point at it.
	Offset int
	// Explode marks a placeholder written with the explode modifier
	// ({args.tag*}): a list is sent as one query parameter per item.
	Explode bool
	// Keys, set at load for an argument whose input type renames fields,
	// renames the keys of input objects where the value is written as
	// JSON (a body, or an object in text). Nil renames nothing.
	Keys *Keys
}

// String returns the placeholder as written, without braces.
func (r Ref) String() string {
	s := r.Root.String() + "." + strings.Join(r.Path, ".")
	if r.Explode {
		s += "*"
	}
	return s
}

// part is either literal text or a placeholder.
type part struct {
	lit string
	ref *Ref
}

// Template is a parsed template. It is immutable and safe for concurrent use.
type Template struct {
	src   string
	parts []part
	refs  []Ref
}

// SyntaxError reports a malformed template.
type SyntaxError struct {
	Src    string
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("template %q: at offset %d: %s", e.Src, e.Offset, e.Msg)
}

// Parse parses a template. The error, if any, is a *SyntaxError.
func Parse(src string) (*Template, error) {
	return parse(src, false)
}

// ParseQueryValue parses the value of a query parameter, which may be one
// placeholder with the explode modifier ("{args.tag*}"). The error, if
// any, is a *SyntaxError.
func ParseQueryValue(src string) (*Template, error) {
	return parse(src, true)
}

func parse(src string, explode bool) (*Template, error) {
	t := &Template{src: src}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			t.parts = append(t.parts, part{lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == '{' && i+1 < len(src) && src[i+1] == '{':
			lit.WriteByte('{')
			i += 2
		case c == '}' && i+1 < len(src) && src[i+1] == '}':
			lit.WriteByte('}')
			i += 2
		case c == '}':
			return nil, &SyntaxError{src, i, `unmatched "}" (write "}}" for a literal brace)`}
		case c == '{':
			end := strings.IndexByte(src[i:], '}')
			if end < 0 {
				return nil, &SyntaxError{src, i, `unclosed "{" (write "{{" for a literal brace)`}
			}
			ref, err := parseRef(src[i+1:i+end], i)
			if err != nil {
				return nil, &SyntaxError{src, i, err.Error()}
			}
			flush()
			t.refs = append(t.refs, ref)
			t.parts = append(t.parts, part{ref: &t.refs[len(t.refs)-1]})
			i += end + 1
		default:
			lit.WriteByte(c)
			i++
		}
	}
	flush()
	for _, r := range t.refs {
		if r.Explode && (!explode || len(t.parts) != 1) {
			return nil, &SyntaxError{src, r.Offset, fmt.Sprintf("{%s}: the explode modifier * is allowed only on a query parameter whose value is that one placeholder, as in ?tag={args.tag*}", r)}
		}
	}
	// t.refs may have been reallocated while parsing; point parts at the final slice.
	n := 0
	for i := range t.parts {
		if t.parts[i].ref != nil {
			t.parts[i].ref = &t.refs[n]
			n++
		}
	}
	return t, nil
}

// MustParse is Parse for templates known to be valid (tests, built-in config).
func MustParse(src string) *Template {
	t, err := Parse(src)
	if err != nil {
		panic(err)
	}
	return t
}

func parseRef(s string, offset int) (Ref, error) {
	s = strings.TrimSpace(s)
	s, explode := strings.CutSuffix(s, "*")
	segs := strings.Split(s, ".")
	if len(segs) < 2 {
		return Ref{}, fmt.Errorf("placeholder {%s} must be root.path, with root one of args, parent, headers, vars", s)
	}
	var root Root
	switch segs[0] {
	case "args":
		root = Args
	case "parent":
		root = Parent
	case "headers":
		root = Headers
	case "vars":
		root = Vars
	default:
		return Ref{}, fmt.Errorf("placeholder {%s}: unknown root %q (want args, parent, headers or vars)", s, segs[0])
	}
	for _, seg := range segs[1:] {
		if !validSegment(seg, root == Headers) {
			return Ref{}, fmt.Errorf("placeholder {%s}: %q is not a valid name", s, seg)
		}
	}
	if root == Headers || root == Vars {
		if len(segs) != 2 {
			return Ref{}, fmt.Errorf("placeholder {%s}: %s takes exactly one name", s, segs[0])
		}
	}
	path := segs[1:]
	if root == Headers {
		path = []string{strings.ToLower(path[0])}
	}
	return Ref{Root: root, Path: path, Offset: offset, Explode: explode}, nil
}

func validSegment(s string, header bool) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		case c >= '0' && c <= '9' && i > 0:
		case c == '-' && header:
		default:
			return false
		}
	}
	return true
}

// String returns the template's source.
func (t *Template) String() string { return t.src }

// Refs returns the template's placeholders in order of appearance.
func (t *Template) Refs() []Ref { return t.refs }

// Single reports whether the whole template is exactly one placeholder. Such
// a template evaluates to the referenced value itself, keeping its type (a
// number stays a number, an object an object) rather than its text.
func (t *Template) Single() (Ref, bool) {
	if len(t.parts) == 1 && t.parts[0].ref != nil {
		return *t.parts[0].ref, true
	}
	return Ref{}, false
}

// Literal reports whether the template has no placeholder, and its text.
func (t *Template) Literal() (string, bool) {
	switch len(t.parts) {
	case 0:
		return "", true
	case 1:
		if t.parts[0].ref == nil {
			return t.parts[0].lit, true
		}
	}
	return "", false
}

// EachRef calls f with a pointer to each placeholder, in order. The config
// loader uses it to check references and to rewrite parent paths to the
// names the parent's source uses; templates are not changed after load.
func (t *Template) EachRef(f func(*Ref)) {
	for i := range t.refs {
		f(&t.refs[i])
	}
}
