package wsdl

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"
)

// Namespaces the loader and the importer read.
const (
	nsXML      = "http://www.w3.org/XML/1998/namespace"
	nsXMLNS    = "http://www.w3.org/2000/xmlns/"
	nsWSDL     = "http://schemas.xmlsoap.org/wsdl/"
	nsWSDL20   = "http://www.w3.org/ns/wsdl"
	nsSOAP11   = "http://schemas.xmlsoap.org/wsdl/soap/"
	nsSOAP12   = "http://schemas.xmlsoap.org/wsdl/soap12/"
	nsXSD      = "http://www.w3.org/2001/XMLSchema"
	nsXSD1999  = "http://www.w3.org/1999/XMLSchema"
	nsXSD2000  = "http://www.w3.org/2000/10/XMLSchema"
	nsEnc11    = "http://schemas.xmlsoap.org/soap/encoding/"
	nsEnc12    = "http://www.w3.org/2003/05/soap-encoding"
	maxXMLTree = 256 // nesting the loader accepts in a WSDL or XSD file
)

// node is one element of a parsed WSDL or XSD file, with its namespace
// resolved and the namespace declarations in scope, which QName-valued
// attributes (type="tns:Stock") need.
type node struct {
	space, local string
	attrs        []attr
	kids         []*node
	// text is the character data directly inside the element, for
	// documentation.
	text   string
	line   int
	scope  *scope
	file   *file
	parent *node
}

type attr struct{ space, local, value string }

// scope is a namespace declaration and the ones around it.
type scope struct {
	parent      *scope
	prefix, uri string
}

func (s *scope) lookup(prefix string) (string, bool) {
	for ; s != nil; s = s.parent {
		if s.prefix == prefix {
			return s.uri, s.uri != "" || prefix == ""
		}
	}
	if prefix == "" {
		return "", true
	}
	return "", false
}

// attr returns the value of the unqualified attribute name.
func (n *node) attr(name string) (string, bool) {
	for _, a := range n.attrs {
		if a.space == "" && a.local == name {
			return a.value, true
		}
	}
	return "", false
}

func (n *node) get(name string) string {
	v, _ := n.attr(name)
	return v
}

// attrNS returns the value of the attribute {space}local.
func (n *node) attrNS(space, local string) (string, bool) {
	for _, a := range n.attrs {
		if a.space == space && a.local == local {
			return a.value, true
		}
	}
	return "", false
}

func (n *node) is(space, local string) bool { return n.space == space && n.local == local }

// children returns the child elements in namespace space named local (any
// name when local is empty).
func (n *node) children(space, local string) []*node {
	var out []*node
	for _, k := range n.kids {
		if k.space == space && (local == "" || k.local == local) {
			out = append(out, k)
		}
	}
	return out
}

func (n *node) child(space, local string) *node {
	for _, k := range n.kids {
		if k.space == space && k.local == local {
			return k
		}
	}
	return nil
}

// qname resolves a QName-valued attribute's value in the element's scope.
func (n *node) qname(v string) (QName, error) {
	v = strings.TrimSpace(v)
	prefix, local, ok := strings.Cut(v, ":")
	if !ok {
		prefix, local = "", v
	}
	if local == "" || strings.ContainsAny(local, ": \t\n") {
		return QName{}, fmt.Errorf("%q is not a QName", v)
	}
	uri, found := n.scope.lookup(prefix)
	if !found {
		return QName{}, fmt.Errorf("%q uses the prefix %s, which is not declared", v, prefix)
	}
	return QName{Space: uri, Local: local}, nil
}

// file is one WSDL or XSD file read by the loader.
type file struct {
	// name is the file's display name: its path as given, relative to the
	// source's directory, or its URL.
	name string
	// loc is where it was read from: an absolute path, an FS path or a URL.
	loc   string
	root  *node
	lines []int // offsets of the line starts
}

func (f *file) lineAt(off int64) int {
	return sort.Search(len(f.lines), func(i int) bool { return int64(f.lines[i]) > off })
}

// parseXML reads a file into a tree. It checks what encoding/xml's raw
// tokens leave to the caller (matching end tags, declared prefixes), and
// refuses DTDs: the formats never need one, and an entity declaration is
// the way to an XML bomb.
func parseXML(f *file, data []byte) (err error) {
	f.lines = []int{0}
	for i, c := range data {
		if c == '\n' {
			f.lines = append(f.lines, i+1)
		}
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	d.CharsetReader = charsetReader
	base := &scope{prefix: "xml", uri: nsXML}
	var stack []*node
	type raw struct{ prefix, local string }
	var names []raw
	for {
		off := d.InputOffset()
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				return fmt.Errorf("%s:%d: malformed XML: %s", f.name, se.Line, se.Msg)
			}
			return fmt.Errorf("%s:%d: %w", f.name, f.lineAt(off), err)
		}
		line := f.lineAt(off)
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) >= maxXMLTree {
				return fmt.Errorf("%s:%d: elements nested deeper than %d", f.name, line, maxXMLTree)
			}
			if len(stack) == 0 && f.root != nil {
				return fmt.Errorf("%s:%d: malformed XML: a second root element <%s>", f.name, line, rawName(t.Name))
			}
			sc := base
			if len(stack) > 0 {
				sc = stack[len(stack)-1].scope
			}
			for _, a := range t.Attr {
				switch {
				case a.Name.Space == "xmlns":
					if a.Name.Local == "xml" || a.Name.Local == "xmlns" {
						continue
					}
					sc = &scope{parent: sc, prefix: a.Name.Local, uri: a.Value}
				case a.Name.Space == "" && a.Name.Local == "xmlns":
					sc = &scope{parent: sc, prefix: "", uri: a.Value}
				}
			}
			n := &node{local: t.Name.Local, line: line, scope: sc, file: f}
			uri, ok := sc.lookup(t.Name.Space)
			if !ok {
				return fmt.Errorf("%s:%d: element <%s> uses the prefix %s, which is not declared", f.name, line, rawName(t.Name), t.Name.Space)
			}
			n.space = uri
			for _, a := range t.Attr {
				if a.Name.Space == "xmlns" || a.Name.Space == "" && a.Name.Local == "xmlns" {
					continue
				}
				at := attr{local: a.Name.Local, value: a.Value}
				if a.Name.Space != "" {
					uri, ok := sc.lookup(a.Name.Space)
					if !ok {
						return fmt.Errorf("%s:%d: attribute %s of <%s> uses the prefix %s, which is not declared", f.name, line, rawName(a.Name), rawName(t.Name), a.Name.Space)
					}
					at.space = uri
				}
				n.attrs = append(n.attrs, at)
			}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				n.parent = p
				p.kids = append(p.kids, n)
			} else {
				f.root = n
			}
			stack = append(stack, n)
			names = append(names, raw{t.Name.Space, t.Name.Local})
		case xml.EndElement:
			if len(stack) == 0 {
				return fmt.Errorf("%s:%d: malformed XML: </%s> closes no element", f.name, line, rawName(t.Name))
			}
			if top := names[len(names)-1]; top.prefix != t.Name.Space || top.local != t.Name.Local {
				return fmt.Errorf("%s:%d: malformed XML: <%s> closed by </%s>", f.name, line, rawName(xml.Name{Space: top.prefix, Local: top.local}), rawName(t.Name))
			}
			stack, names = stack[:len(stack)-1], names[:len(names)-1]
		case xml.CharData:
			if len(stack) == 0 {
				if len(bytes.TrimSpace(t)) > 0 {
					return fmt.Errorf("%s:%d: malformed XML: text outside the root element", f.name, line)
				}
				continue
			}
			if top := stack[len(stack)-1]; len(bytes.TrimSpace(t)) > 0 || top.text != "" {
				top.text += string(t)
			}
		case xml.Directive:
			if bytes.HasPrefix(bytes.TrimSpace(t), []byte("DOCTYPE")) {
				return fmt.Errorf("%s:%d: the file declares a DTD, which is refused (entity declarations can expand without bound)", f.name, line)
			}
			return fmt.Errorf("%s:%d: the declaration <!%s> is refused", f.name, line, firstWord(string(t)))
		}
	}
	if len(stack) > 0 {
		top := names[len(names)-1]
		return fmt.Errorf("%s:%d: malformed XML: unexpected end of file, <%s> is not closed", f.name, len(f.lines), rawName(xml.Name{Space: top.prefix, Local: top.local}))
	}
	if f.root == nil {
		return fmt.Errorf("%s:1: no XML element", f.name)
	}
	return nil
}

func firstWord(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, " \t\r\n"); i >= 0 {
		return s[:i]
	}
	return s
}

func rawName(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}

// charsetReader reads the encodings besides UTF-8 that WSDL files use in
// practice: ISO-8859-1 (and its US-ASCII subset). Others are refused.
func charsetReader(label string, in io.Reader) (io.Reader, error) {
	switch strings.ToLower(strings.TrimSpace(label)) {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return in, nil
	case "iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1":
		return &latin1Reader{r: in}, nil
	}
	return nil, fmt.Errorf("the encoding %q is not supported (UTF-8 and ISO-8859-1 are)", label)
}

// latin1Reader turns ISO-8859-1 bytes into UTF-8.
type latin1Reader struct {
	r   io.Reader
	buf []byte
	out []byte
}

func (l *latin1Reader) Read(p []byte) (int, error) {
	if len(l.out) == 0 {
		if cap(l.buf) == 0 {
			l.buf = make([]byte, 2048)
		}
		n, err := l.r.Read(l.buf[:cap(l.buf)])
		l.out = l.out[:0]
		for _, c := range l.buf[:n] {
			l.out = utf8.AppendRune(l.out, rune(c))
		}
		if n == 0 {
			return 0, err
		}
	}
	n := copy(p, l.out)
	l.out = l.out[n:]
	return n, nil
}
