package soaptest

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// Namespaces the server reads and writes.
const (
	NS11   = "http://schemas.xmlsoap.org/soap/envelope/"
	NS12   = "http://www.w3.org/2003/05/soap-envelope"
	NSXSI  = "http://www.w3.org/2001/XMLSchema-instance"
	NSXSD  = "http://www.w3.org/2001/XMLSchema"
	NSEnc  = "http://schemas.xmlsoap.org/soap/encoding/"
	NSWSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
	nsXML  = "http://www.w3.org/XML/1998/namespace"
)

// Node is an XML element read from a request or written into an answer:
// its name with the namespace resolved, its attributes (namespace
// declarations left out), the text directly inside it and its child
// elements.
type Node struct {
	Name     xml.Name
	Attrs    []xml.Attr
	Text     string
	Children []*Node
	// scope holds the prefixes declared where the element was read, to
	// resolve QName values (xsi:type="xsd:int").
	scope *scope
}

// E builds an element. Each item of content is a child (*Node or
// []*Node), an attribute (xml.Attr, see A) or text (string).
func E(space, local string, content ...any) *Node {
	n := &Node{Name: xml.Name{Space: space, Local: local}}
	for _, c := range content {
		switch v := c.(type) {
		case *Node:
			if v != nil {
				n.Children = append(n.Children, v)
			}
		case []*Node:
			n.Children = append(n.Children, v...)
		case xml.Attr:
			n.Attrs = append(n.Attrs, v)
		case string:
			n.Text += v
		default:
			panic(fmt.Sprintf("soaptest.E: content of type %T", c))
		}
	}
	return n
}

// A builds an attribute.
func A(space, local, value string) xml.Attr {
	return xml.Attr{Name: xml.Name{Space: space, Local: local}, Value: value}
}

// Child returns the first child element of this local name, whatever its
// namespace, or nil.
func (n *Node) Child(local string) *Node {
	if n == nil {
		return nil
	}
	for _, c := range n.Children {
		if c.Name.Local == local {
			return c
		}
	}
	return nil
}

// All returns the child elements of this local name.
func (n *Node) All(local string) []*Node {
	if n == nil {
		return nil
	}
	var out []*Node
	for _, c := range n.Children {
		if c.Name.Local == local {
			out = append(out, c)
		}
	}
	return out
}

// Find follows a path of local names separated by slashes, each maybe with
// an index among its namesakes ("Parcel[1]/Dimensions"); nil when a step
// is missing.
func (n *Node) Find(path string) *Node {
	cur := n
	for _, step := range strings.Split(path, "/") {
		if cur == nil || step == "" {
			return cur
		}
		name, index := step, 0
		if i := strings.IndexByte(step, '['); i >= 0 && strings.HasSuffix(step, "]") {
			k, err := strconv.Atoi(step[i+1 : len(step)-1])
			if err != nil {
				return nil
			}
			name, index = step[:i], k
		}
		all := cur.All(name)
		if index >= len(all) {
			return nil
		}
		cur = all[index]
	}
	return cur
}

// Get is the text at a path (see Find), or an attribute's value when its
// last step is "@name"; "" when missing.
func (n *Node) Get(path string) string {
	attr := ""
	if i := strings.LastIndex(path, "@"); i >= 0 {
		path, attr = strings.TrimSuffix(path[:i], "/"), path[i+1:]
	}
	f := n.Find(path)
	if f == nil {
		return ""
	}
	if attr != "" {
		v, _ := f.Attr(attr)
		return v
	}
	return f.Text
}

// Attr returns the value of the attribute of this local name, whatever its
// namespace.
func (n *Node) Attr(local string) (string, bool) {
	if n == nil {
		return "", false
	}
	for _, a := range n.Attrs {
		if a.Name.Local == local {
			return a.Value, true
		}
	}
	return "", false
}

// AttrNS returns the value of the attribute of this exact name.
func (n *Node) AttrNS(space, local string) (string, bool) {
	if n == nil {
		return "", false
	}
	for _, a := range n.Attrs {
		if a.Name.Space == space && a.Name.Local == local {
			return a.Value, true
		}
	}
	return "", false
}

// Nil reports whether the element is xsi:nil="true".
func (n *Node) Nil() bool {
	v, _ := n.AttrNS(NSXSI, "nil")
	return v == "true" || v == "1"
}

// QName resolves a QName value (an xsi:type, a fault code) with the
// prefixes in scope where the element was read.
func (n *Node) QName(value string) (xml.Name, error) {
	prefix, local := "", value
	if i := strings.IndexByte(value, ':'); i >= 0 {
		prefix, local = value[:i], value[i+1:]
	}
	if n == nil || n.scope == nil {
		return xml.Name{}, fmt.Errorf("QName %q: no namespaces in scope", value)
	}
	ns, ok := n.scope.lookup(prefix)
	if !ok {
		return xml.Name{}, fmt.Errorf("QName %q: prefix %q is not declared", value, prefix)
	}
	return xml.Name{Space: ns, Local: local}, nil
}

// Clone copies the element and everything in it.
func (n *Node) Clone() *Node {
	if n == nil {
		return nil
	}
	c := &Node{Name: n.Name, Attrs: append([]xml.Attr(nil), n.Attrs...), Text: n.Text, scope: n.scope}
	for _, k := range n.Children {
		c.Children = append(c.Children, k.Clone())
	}
	return c
}

// Renamed returns a copy of the element under another name.
func (n *Node) Renamed(space, local string) *Node {
	c := n.Clone()
	c.Name = xml.Name{Space: space, Local: local}
	return c
}

// String writes the element as XML, declaring its namespaces on itself.
func (n *Node) String() string {
	if n == nil {
		return "<nil>"
	}
	w := newWriter([]*Node{n})
	var b bytes.Buffer
	w.element(&b, n, true)
	return b.String()
}

// scope is the namespace prefixes declared on one element, over its
// parent's.
type scope struct {
	parent *scope
	ns     map[string]string
}

func (s *scope) lookup(prefix string) (string, bool) {
	if prefix == "xml" {
		return nsXML, true
	}
	for ; s != nil; s = s.parent {
		if v, ok := s.ns[prefix]; ok {
			return v, true
		}
	}
	// No default namespace declared: unprefixed names are in none.
	return "", prefix == ""
}

// maxDepth bounds the elements a request may nest; requests are small.
const maxDepth = 64

// parse reads one XML document into its root element with encoding/xml's
// raw tokens, resolving namespaces itself so that an undeclared prefix is
// an error rather than a namespace named after it. A DTD is refused, as
// SOAP forbids one.
func parse(r io.Reader) (*Node, error) {
	d := xml.NewDecoder(r)
	d.Strict = true
	var root *Node
	var stack []*Node
	var raw []xml.Name // the names as written, to match end tags
	var text []*strings.Builder
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			if len(stack) > 0 {
				return nil, errors.New("truncated: the document ends inside an element")
			}
			if root == nil {
				return nil, errors.New("no XML element")
			}
			return root, nil
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if root != nil && len(stack) == 0 {
				return nil, fmt.Errorf("a second root element <%s>", t.Name.Local)
			}
			if len(stack) >= maxDepth {
				return nil, fmt.Errorf("elements nested deeper than %d", maxDepth)
			}
			var parent *scope
			if len(stack) > 0 {
				parent = stack[len(stack)-1].scope
			}
			sc := &scope{parent: parent}
			for _, a := range t.Attr {
				switch {
				case a.Name.Space == "" && a.Name.Local == "xmlns":
					if sc.ns == nil {
						sc.ns = map[string]string{}
					}
					sc.ns[""] = a.Value
				case a.Name.Space == "xmlns":
					if a.Value == "" {
						return nil, fmt.Errorf("line %d: prefix %s undeclared (XML 1.0 forbids it)", line(d), a.Name.Local)
					}
					if sc.ns == nil {
						sc.ns = map[string]string{}
					}
					sc.ns[a.Name.Local] = a.Value
				}
			}
			n := &Node{scope: sc}
			ns, ok := sc.lookup(t.Name.Space)
			if !ok {
				return nil, fmt.Errorf("line %d: element <%s:%s> uses an undeclared prefix", line(d), t.Name.Space, t.Name.Local)
			}
			n.Name = xml.Name{Space: ns, Local: t.Name.Local}
			for _, a := range t.Attr {
				if (a.Name.Space == "" && a.Name.Local == "xmlns") || a.Name.Space == "xmlns" {
					continue
				}
				name := xml.Name{Local: a.Name.Local}
				if a.Name.Space != "" {
					ans, ok := sc.lookup(a.Name.Space)
					if !ok {
						return nil, fmt.Errorf("line %d: attribute %s:%s uses an undeclared prefix", line(d), a.Name.Space, a.Name.Local)
					}
					name.Space = ans
				}
				n.Attrs = append(n.Attrs, xml.Attr{Name: name, Value: a.Value})
			}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.Children = append(p.Children, n)
			} else {
				root = n
			}
			stack = append(stack, n)
			raw = append(raw, t.Name)
			text = append(text, &strings.Builder{})
		case xml.EndElement:
			// Raw tokens leave the matching of end tags to the reader.
			if len(stack) == 0 || raw[len(raw)-1] != t.Name {
				return nil, fmt.Errorf("line %d: end tag </%s> does not close the element open", line(d), rawName(t.Name))
			}
			n := stack[len(stack)-1]
			n.Text = text[len(text)-1].String()
			stack, raw, text = stack[:len(stack)-1], raw[:len(raw)-1], text[:len(text)-1]
		case xml.CharData:
			if len(stack) == 0 {
				if len(bytes.TrimSpace(t)) > 0 {
					return nil, errors.New("text outside the root element")
				}
				continue
			}
			text[len(text)-1].Write(t)
		case xml.Directive:
			return nil, fmt.Errorf("line %d: a declaration <!%s...>, which SOAP forbids", line(d), firstWord(string(t)))
		}
	}
}

func rawName(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}

func line(d *xml.Decoder) int {
	l, _ := d.InputPos()
	return l
}

func firstWord(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return ""
}

// writer writes elements with a prefix for each namespace, declared once
// on the outermost element written; it never declares a default
// namespace, so that an unqualified element is in no namespace wherever it
// stands.
type writer struct {
	prefixes map[string]string
	order    []string
}

// fixedPrefix is the prefix of a well-known namespace, which QName values
// in answers (xsi:type="xsd:long") rely on; "" for others.
func fixedPrefix(ns string) string {
	switch ns {
	case NSXSI:
		return "xsi"
	case NSXSD:
		return "xsd"
	case NSEnc:
		return "soapenc"
	case NS11, NS12:
		return "soap"
	}
	return ""
}

func newWriter(roots []*Node, always ...string) *writer {
	w := &writer{prefixes: map[string]string{}}
	add := func(ns string) {
		if ns == "" || ns == nsXML || w.prefixes[ns] != "" {
			return
		}
		p := fixedPrefix(ns)
		if p == "" {
			p = "n" + strconv.Itoa(len(w.order)+1)
		}
		w.prefixes[ns] = p
		w.order = append(w.order, ns)
	}
	for _, ns := range always {
		add(ns)
	}
	var walk func(n *Node)
	walk = func(n *Node) {
		add(n.Name.Space)
		for _, a := range n.Attrs {
			add(a.Name.Space)
		}
		for _, c := range n.Children {
			walk(c)
		}
	}
	for _, r := range roots {
		if r != nil {
			walk(r)
		}
	}
	return w
}

// declarations writes the xmlns attributes of every namespace, in a
// stable order.
func (w *writer) declarations(b *bytes.Buffer) {
	order := append([]string(nil), w.order...)
	sort.SliceStable(order, func(i, j int) bool { return w.prefixes[order[i]] < w.prefixes[order[j]] })
	for _, ns := range order {
		b.WriteString(` xmlns:` + w.prefixes[ns] + `="`)
		_ = xml.EscapeText(b, []byte(ns))
		b.WriteByte('"')
	}
}

func (w *writer) name(n xml.Name) string {
	switch n.Space {
	case "":
		return n.Local
	case nsXML:
		return "xml:" + n.Local
	}
	return w.prefixes[n.Space] + ":" + n.Local
}

func (w *writer) element(b *bytes.Buffer, n *Node, declare bool) {
	name := w.name(n.Name)
	b.WriteString("<" + name)
	if declare {
		w.declarations(b)
	}
	for _, a := range n.Attrs {
		b.WriteString(" " + w.name(a.Name) + `="`)
		_ = xml.EscapeText(b, []byte(a.Value))
		b.WriteByte('"')
	}
	if n.Text == "" && len(n.Children) == 0 {
		b.WriteString("/>")
		return
	}
	b.WriteByte('>')
	_ = xml.EscapeText(b, []byte(n.Text))
	for _, c := range n.Children {
		w.element(b, c, false)
	}
	b.WriteString("</" + name + ">")
}
