package envelope

import (
	"bytes"
	"encoding/xml"

	"github.com/weft-gateway/weft/internal/jsonwrite"
)

// gnode is an element of open content, read whole so that children of one
// name can be grouped into an array.
type gnode struct {
	name  string
	attrs []xml.Attr
	text  []byte
	kids  []*gnode
	null  bool
}

// generic reads the element just started as open content.
func (d *decoder) generic(start xml.StartElement, depth int) (*gnode, error) {
	if d.depth+depth > d.maxDepth {
		return nil, d.fail("elements nested deeper than %d", d.maxDepth)
	}
	n := &gnode{name: start.Name.Local, null: nilAttr(start)}
	for _, a := range start.Attr {
		if a.Name.Space == "xmlns" || a.Name.Space == "" && a.Name.Local == "xmlns" || a.Name.Space == nsXSI {
			continue
		}
		n.attrs = append(n.attrs, a)
	}
	for {
		tok, err := d.token()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.CharData:
			n.text = append(n.text, t...)
		case xml.StartElement:
			k, err := d.generic(t, depth+1)
			if err != nil {
				return nil, err
			}
			n.kids = append(n.kids, k)
		case xml.EndElement:
			return n, nil
		}
	}
}

// appendJSON writes open content as JSON: an element with only text is
// its text (null when nil); another is an object of "@name" attributes,
// children by name (those of one name as an array) and "#text" for text
// beside them.
func (n *gnode) appendJSON(dst []byte) []byte {
	if n.null {
		return append(dst, "null"...)
	}
	if len(n.attrs) == 0 && len(n.kids) == 0 {
		return jsonwrite.Bytes(dst, n.text)
	}
	dst = append(dst, '{')
	first := true
	key := func(k string) {
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = jsonwrite.String(dst, k)
		dst = append(dst, ':')
	}
	for _, a := range n.attrs {
		key("@" + a.Name.Local)
		dst = jsonwrite.String(dst, a.Value)
	}
	done := map[string]bool{}
	for _, k := range n.kids {
		if done[k.name] {
			continue
		}
		done[k.name] = true
		key(k.name)
		count := 0
		for _, o := range n.kids {
			if o.name == k.name {
				count++
			}
		}
		if count == 1 {
			dst = k.appendJSON(dst)
			continue
		}
		dst = append(dst, '[')
		i := 0
		for _, o := range n.kids {
			if o.name == k.name {
				if i > 0 {
					dst = append(dst, ',')
				}
				dst = o.appendJSON(dst)
				i++
			}
		}
		dst = append(dst, ']')
	}
	if t := bytes.TrimSpace(n.text); len(t) > 0 {
		key("#text")
		dst = jsonwrite.Bytes(dst, t)
	}
	return append(dst, '}')
}

// text is an element's text with the white space around it trimmed.
func (n *gnode) textValue() string {
	return string(bytes.TrimSpace(n.text))
}

func (n *gnode) child(name string) *gnode {
	for _, k := range n.kids {
		if k.name == name {
			return k
		}
	}
	return nil
}
