package envelope

import (
	"encoding/xml"
	"strings"
)

// fault reads the Fault just started.
func (d *decoder) fault() (*Fault, error) {
	d.push("Fault", -1)
	n, err := d.generic(xml.StartElement{Name: xml.Name{Local: "Fault"}}, 0)
	if err != nil {
		return nil, err
	}
	f := &Fault{Version: d.version}
	var detail *gnode
	if d.version == Version12 {
		if c := n.child("Code"); c != nil {
			f.Code = localPart(valueOf(c))
			if sc := c.child("Subcode"); sc != nil {
				f.Subcode = localPart(valueOf(sc))
			}
		}
		if r := n.child("Reason"); r != nil {
			for _, t := range r.kids {
				if t.name != "Text" {
					continue
				}
				if f.String == "" || langOf(t) == "en" || strings.HasPrefix(langOf(t), "en-") {
					f.String = t.textValue()
					if strings.HasPrefix(langOf(t), "en") {
						break
					}
				}
			}
		}
		if c := n.child("Node"); c != nil {
			f.Node = c.textValue()
		}
		if c := n.child("Role"); c != nil {
			f.Actor = c.textValue()
		}
		detail = n.child("Detail")
	} else {
		if c := n.child("faultcode"); c != nil {
			f.Code = localPart(c.textValue())
		}
		if c := n.child("faultstring"); c != nil {
			f.String = c.textValue()
		}
		if c := n.child("faultactor"); c != nil {
			f.Actor = c.textValue()
		}
		detail = n.child("detail")
	}
	if detail != nil && (len(detail.kids) > 0 || len(detail.attrs) > 0 || len(strings.TrimSpace(string(detail.text))) > 0) {
		detail.null = false
		if len(detail.kids) > 0 || len(detail.attrs) > 0 {
			// The detail element's own text between its children is
			// indentation.
			detail.text = nil
		}
		f.Detail = string(detail.appendJSON(nil))
	}
	// The rest of the body and envelope must still be well-formed.
	d.pop()
	if err := d.rest(); err != nil {
		return nil, err
	}
	return f, nil
}

// rest reads the answer to its end once the body's content is known.
func (d *decoder) rest() error {
	depth := 2 // inside Envelope and Body
	for depth > 0 {
		tok, err := d.token()
		if err != nil {
			return err
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
			if depth > d.maxDepth {
				return d.fail("elements nested deeper than %d", d.maxDepth)
			}
		case xml.EndElement:
			depth--
		}
	}
	return d.finish()
}

// valueOf is the text of a SOAP 1.2 Code's or Subcode's Value.
func valueOf(n *gnode) string {
	if v := n.child("Value"); v != nil {
		return v.textValue()
	}
	return n.textValue()
}

func langOf(n *gnode) string {
	for _, a := range n.attrs {
		if a.Name.Local == "lang" && (a.Name.Space == nsXML || a.Name.Space == "xml") {
			return strings.ToLower(a.Value)
		}
	}
	return ""
}

// localPart drops a QName's prefix (soap:Server: Server).
func localPart(s string) string {
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		return s[i+1:]
	}
	return s
}
