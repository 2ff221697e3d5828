package envelope

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/weft-gateway/weft/internal/jsonscan"
	"github.com/weft-gateway/weft/upstreams/soap/wsdl"
)

// Header is one SOAP header block to send: an element (one of the
// operation's Headers, or any other) and its value as JSON, in the shape
// the element's type gives (an object of its fields for a complex type).
type Header struct {
	Element *wsdl.Element
	Value   []byte
}

// WSSecurity is a WS-Security UsernameToken with the password in clear
// text (the PasswordText profile), for services that authenticate each
// message; send it over HTTPS only.
type WSSecurity struct {
	Username, Password string
}

// EncodeOptions steer Encode.
type EncodeOptions struct {
	// SOAPVersion, "1.1" or "1.2", overrides the operation's.
	SOAPVersion string
	// WSSecurity, when set, adds a wsse:Security header.
	WSSecurity *WSSecurity
	// MaxDepth bounds the nesting of the request (default DefaultMaxDepth).
	MaxDepth int
}

// DefaultMaxDepth bounds the nesting of values the codec writes and
// reads.
const DefaultMaxDepth = 128

// Encode appends to dst the SOAP envelope of a request to op. request is
// a JSON object whose keys are the field's arguments, as the importer
// named them: the fields of op.Request's type, or op.Arg alone. Values go
// in schema order, qualified or not as the schema says, lists as repeated
// elements; a key that is absent is left out, and null is xsi:nil="true"
// for a nillable element (and left out for an optional one). A value of
// the wrong type, a character XML cannot hold, an unknown key, or a
// required value missing is an *Error with Code BadRequest.
func Encode(dst []byte, op *wsdl.Operation, request []byte, headers []Header, opts EncodeOptions) ([]byte, error) {
	if op == nil {
		return dst, &Error{Code: BadRequest, Msg: "no operation"}
	}
	version := op.SOAPVersion
	if opts.SOAPVersion != "" {
		version = opts.SOAPVersion
	}
	ns := envNS(version)
	if ns == "" {
		return dst, &Error{Code: BadRequest, Msg: fmt.Sprintf("SOAP version %q: want 1.1 or 1.2", version)}
	}
	e := &encoder{buf: dst, req: request, version: version, encoded: op.Use == "encoded", maxDepth: opts.MaxDepth}
	if e.maxDepth <= 0 {
		e.maxDepth = DefaultMaxDepth
	}
	e.buf = append(e.buf, `<?xml version="1.0" encoding="utf-8"?>`...)
	e.buf = append(e.buf, `<soap:Envelope xmlns:soap="`...)
	e.buf = append(e.buf, ns...)
	e.buf = append(e.buf, `" xmlns:xsi="`+nsXSI+`"`...)
	e.scopes = append(e.scopes, nsDecl{ns, "soap"}, nsDecl{nsXSI, "xsi"})
	if e.encoded {
		e.buf = append(e.buf, ` xmlns:xsd="`+nsXSD+`" xmlns:soapenc="`...)
		e.buf = append(e.buf, e.encNS()...)
		e.buf = append(e.buf, '"')
		e.scopes = append(e.scopes, nsDecl{nsXSD, "xsd"}, nsDecl{e.encNS(), "soapenc"})
	}
	e.buf = append(e.buf, '>')
	if len(headers) > 0 || opts.WSSecurity != nil {
		e.buf = append(e.buf, "<soap:Header>"...)
		if s := opts.WSSecurity; s != nil {
			if err := e.wsSecurity(s); err != nil {
				return dst, err
			}
		}
		for i, h := range headers {
			if h.Element == nil {
				return dst, &Error{Code: BadRequest, Path: fmt.Sprintf("headers[%d]", i), Msg: "a header without an element"}
			}
			e.path = append(e.path[:0], h.Element.Field)
			if err := e.element(h.Element, h.Value, 0, true); err != nil {
				return dst, err
			}
		}
		e.buf = append(e.buf, "</soap:Header>"...)
	}
	e.buf = append(e.buf, "<soap:Body>"...)
	if err := e.body(op); err != nil {
		return dst, err
	}
	e.buf = append(e.buf, "</soap:Body></soap:Envelope>"...)
	return e.buf, nil
}

type nsDecl struct{ uri, prefix string }

type encoder struct {
	buf      []byte
	req      []byte
	version  string
	encoded  bool
	scopes   []nsDecl
	next     int
	path     []string
	depth    int
	maxDepth int
	// offs holds the members' offsets of the objects being written, a
	// stack shared by the nesting levels.
	offs []int
	// style is the soap:encodingStyle the next start tag (the body
	// element's) carries.
	style string
}

func (e *encoder) encNS() string {
	if e.version == Version12 {
		return nsEnc12
	}
	return nsEnc11
}

func (e *encoder) fail(format string, args ...any) error {
	return &Error{Code: BadRequest, Path: pathString(e.path), Msg: fmt.Sprintf(format, args...)}
}

func pathString(p []string) string {
	var b strings.Builder
	for i, s := range p {
		if i > 0 && !strings.HasPrefix(s, "[") {
			b.WriteByte('.')
		}
		b.WriteString(s)
	}
	return b.String()
}

// prefix returns the prefix bound to uri, declaring one on the start tag
// being written (as an attribute, where the buffer is) when none is in
// scope.
func (e *encoder) prefix(uri string) string {
	p, fresh := e.lookup(uri)
	if fresh {
		e.declare(uri, p)
	}
	return p
}

// lookup finds the prefix bound to uri, or binds a new one (fresh), whose
// declaration the caller writes.
func (e *encoder) lookup(uri string) (prefix string, fresh bool) {
	for i := len(e.scopes) - 1; i >= 0; i-- {
		if e.scopes[i].uri == uri {
			return e.scopes[i].prefix, false
		}
	}
	e.next++
	p := "ns" + strconv.Itoa(e.next)
	e.scopes = append(e.scopes, nsDecl{uri, p})
	return p, true
}

func (e *encoder) declare(uri, p string) {
	e.buf = append(e.buf, " xmlns:"...)
	e.buf = append(e.buf, p...)
	e.buf = append(e.buf, `="`...)
	e.buf, _ = appendEscaped(e.buf, uri, true)
	e.buf = append(e.buf, '"')
}

// tag is an open element: the scope to return to, and where its name is
// in the buffer, for the end tag.
type tag struct{ mark, name, size int }

// open writes a start tag's name, and the declaration of its prefix when
// it needs a new one; the caller writes attributes, then '>'.
func (e *encoder) open(ns, local string) tag {
	tg := tag{mark: len(e.scopes)}
	e.buf = append(e.buf, '<')
	tg.name = len(e.buf)
	if ns == "" {
		e.buf = append(e.buf, local...)
		tg.size = len(local)
		e.writeStyle()
		return tg
	}
	p, fresh := e.lookup(ns)
	e.buf = append(e.buf, p...)
	e.buf = append(e.buf, ':')
	e.buf = append(e.buf, local...)
	tg.size = len(e.buf) - tg.name
	if fresh {
		e.declare(ns, p)
	}
	e.writeStyle()
	return tg
}

// writeStyle writes the encodingStyle attribute an encoded body element
// carries.
func (e *encoder) writeStyle() {
	if e.style == "" {
		return
	}
	e.buf = append(e.buf, ` soap:encodingStyle="`...)
	e.buf, _ = appendEscaped(e.buf, e.style, true)
	e.buf = append(e.buf, '"')
	e.style = ""
}

func (e *encoder) attr(ns, local, value string) error {
	p := ""
	if ns != "" {
		// The declaration, when one is needed, is an attribute before
		// this one.
		p = e.prefix(ns)
	}
	e.buf = append(e.buf, ' ')
	if p != "" {
		e.buf = append(e.buf, p...)
		e.buf = append(e.buf, ':')
	}
	e.buf = append(e.buf, local...)
	e.buf = append(e.buf, `="`...)
	var err error
	e.buf, err = appendEscaped(e.buf, value, true)
	e.buf = append(e.buf, '"')
	return err
}

func (e *encoder) close(tg tag) {
	e.buf = append(e.buf, "</"...)
	e.buf = append(e.buf, e.buf[tg.name:tg.name+tg.size]...)
	e.buf = append(e.buf, '>')
	e.scopes = e.scopes[:tg.mark]
}

func (e *encoder) wsSecurity(s *WSSecurity) error {
	e.buf = append(e.buf, `<wsse:Security xmlns:wsse="`+nsWSSE+`" soap:mustUnderstand="`...)
	if e.version == Version12 {
		e.buf = append(e.buf, "true"...)
	} else {
		e.buf = append(e.buf, '1')
	}
	e.buf = append(e.buf, `"><wsse:UsernameToken><wsse:Username>`...)
	var err error
	if e.buf, err = appendEscaped(e.buf, s.Username, false); err != nil {
		return &Error{Code: BadRequest, Path: "wsSecurity.username", Msg: err.Error()}
	}
	e.buf = append(e.buf, `</wsse:Username><wsse:Password Type="`+passText+`">`...)
	if e.buf, err = appendEscaped(e.buf, s.Password, false); err != nil {
		return &Error{Code: BadRequest, Path: "wsSecurity.password", Msg: err.Error()}
	}
	e.buf = append(e.buf, `</wsse:Password></wsse:UsernameToken></wsse:Security>`...)
	return nil
}

// body writes the request element from the request object.
func (e *encoder) body(op *wsdl.Operation) error {
	r := op.Request
	req := e.req
	if len(strings.TrimSpace(string(req))) == 0 {
		req = []byte("{}")
		e.req = req
	}
	i := jsonscan.SkipSpace(req, 0)
	if jsonscan.KindAt(req, i) != jsonscan.Object {
		return &Error{Code: BadRequest, Msg: "the request is not a JSON object"}
	}
	if r == nil {
		// An empty body: the request has no argument to send.
		end, err := jsonscan.Members(req, i, func(key []byte, esc bool, v int) (int, bool) {
			return -1, true
		})
		if err != nil {
			return &Error{Code: BadRequest, Msg: "the request is not valid JSON", Err: err}
		}
		if end-i > 2 && strings.TrimSpace(string(req[i+1:end-1])) != "" {
			return &Error{Code: BadRequest, Msg: "the operation takes no argument"}
		}
		return nil
	}
	if e.encoded {
		e.style = op.EncodingStyle
		if e.style == "" {
			e.style = e.encNS()
		}
	}
	if op.Arg == "" {
		e.path = e.path[:0]
		return e.element(r, req, i, true)
	}
	v, err := jsonscan.Lookup(req, i, op.Arg)
	e.path = append(e.path[:0], op.Arg)
	if errors.Is(err, jsonscan.ErrNotFound) {
		if r.Nillable {
			return e.nilElement(r)
		}
		return e.fail("the argument is required")
	}
	if err != nil {
		return &Error{Code: BadRequest, Msg: "the request is not valid JSON", Err: err}
	}
	return e.element(r, req, v, true)
}

// element writes the element el whose value is the JSON at src[i]; top
// is set for body and header elements, which are written even when null.
func (e *encoder) element(el *wsdl.Element, src []byte, i int, top bool) error {
	i = jsonscan.SkipSpace(src, i)
	if jsonscan.KindAt(src, i) == jsonscan.Null {
		if el.Nillable || top {
			return e.nilElement(el)
		}
		return nil
	}
	e.depth++
	defer func() { e.depth-- }()
	if e.depth > e.maxDepth {
		return e.fail("nested deeper than %d", e.maxDepth)
	}
	t := el.Type
	switch t.Kind {
	case wsdl.Simple:
		text, err := e.scalar(t, src, i)
		if err != nil {
			return err
		}
		tg := e.open(el.Namespace, el.Name)
		if e.encoded {
			e.xsiType(t)
		}
		e.buf = append(e.buf, '>')
		if e.buf, err = appendEscaped(e.buf, text, false); err != nil {
			return e.fail("%v", err)
		}
		e.close(tg)
		return nil
	case wsdl.Complex:
		return e.complex(el, src, i)
	case wsdl.Array:
		return e.array(el, src, i)
	}
	return e.generic(el.Namespace, el.Name, src, i)
}

func (e *encoder) nilElement(el *wsdl.Element) error {
	tg := e.open(el.Namespace, el.Name)
	p := e.prefix(nsXSI)
	e.buf = append(e.buf, ' ')
	e.buf = append(e.buf, p...)
	e.buf = append(e.buf, `:nil="true"/>`...)
	e.scopes = e.scopes[:tg.mark]
	return nil
}

// xsiType writes the xsi:type attribute SOAP encoding wants on values.
// The prefixes come first: their declarations are attributes of their own.
func (e *encoder) xsiType(t *wsdl.Type) {
	q := t.Name
	if q.Local == "" {
		if t.Builtin == "" {
			return
		}
		q = wsdl.QName{Space: nsXSD, Local: t.Builtin}
	}
	xp := e.prefix(nsXSI)
	tp := ""
	if q.Space != "" {
		tp = e.prefix(q.Space)
	}
	e.buf = append(e.buf, ' ')
	e.buf = append(e.buf, xp...)
	e.buf = append(e.buf, `:type="`...)
	if tp != "" {
		e.buf = append(e.buf, tp...)
		e.buf = append(e.buf, ':')
	}
	e.buf = append(e.buf, q.Local...)
	e.buf = append(e.buf, '"')
}

// scalar turns the JSON value at src[i] into the XML text of a simple
// value of type t.
func (e *encoder) scalar(t *wsdl.Type, src []byte, i int) (string, error) {
	kind := jsonscan.KindAt(src, i)
	var str string
	isStr := false
	var num string
	switch kind {
	case jsonscan.String:
		s, end, esc, err := jsonscan.ReadString(src, i)
		if err != nil {
			return "", &Error{Code: BadRequest, Path: pathString(e.path), Msg: "invalid JSON", Err: err}
		}
		if esc {
			str = string(jsonscan.Unescape(nil, src[s:end-1]))
		} else {
			str = string(src[s : end-1])
		}
		isStr = true
	case jsonscan.Number:
		end, _, err := jsonscan.ReadNumber(src, i)
		if err != nil {
			return "", &Error{Code: BadRequest, Path: pathString(e.path), Msg: "invalid JSON", Err: err}
		}
		num = string(src[i:end])
	case jsonscan.True, jsonscan.False:
	default:
		return "", e.fail("want a %s value, got a JSON %s", scalarKind(t), kind)
	}
	if t.Enum != nil {
		if !isStr {
			return "", e.fail("want an enum value (a string), got a JSON %s", kind)
		}
		for _, v := range t.Enum {
			if v.Name == str {
				return v.Value, nil
			}
		}
		return "", e.fail("%q is not a value of the enumeration", truncate(str))
	}
	switch t.Scalar {
	case wsdl.ScalarBoolean:
		switch {
		case kind == jsonscan.True, isStr && (str == "true" || str == "1"):
			return "true", nil
		case kind == jsonscan.False, isStr && (str == "false" || str == "0"):
			return "false", nil
		}
		return "", e.fail("want a boolean, got %s", describe(kind, str, num))
	case wsdl.ScalarInt, wsdl.ScalarUInt32, wsdl.ScalarInt64, wsdl.ScalarUInt64, wsdl.ScalarBigInt:
		text := num
		if isStr {
			text = strings.TrimSpace(str)
		} else if kind != jsonscan.Number {
			return "", e.fail("want an integer, got a JSON %s", kind)
		}
		c, err := canonInt(text, rangeOf(t))
		if err != nil {
			return "", e.fail("%s: %v", describe(kind, str, num), err)
		}
		return c, nil
	case wsdl.ScalarDecimal:
		text := num
		if isStr {
			text = strings.TrimSpace(str)
		} else if kind != jsonscan.Number {
			return "", e.fail("want a decimal, got a JSON %s", kind)
		}
		if !validDecimal(text) {
			return "", e.fail("%s is not an xs:decimal (digits and a point, no exponent)", describe(kind, str, num))
		}
		return text, nil
	case wsdl.ScalarFloat:
		text := num
		if isStr {
			text = strings.TrimSpace(str)
		} else if kind != jsonscan.Number {
			return "", e.fail("want a number, got a JSON %s", kind)
		}
		bits := 64
		if t.Builtin == "float" {
			bits = 32
		}
		if _, err := parseFloat(text, bits); err != nil {
			return "", e.fail("%s: %v", describe(kind, str, num), err)
		}
		return text, nil
	}
	if !isStr {
		return "", e.fail("want a string, got a JSON %s", kind)
	}
	return str, nil
}

func scalarKind(t *wsdl.Type) string {
	if t.Enum != nil {
		return "enum"
	}
	return t.Scalar
}

func describe(kind jsonscan.Kind, str, num string) string {
	switch kind {
	case jsonscan.String:
		return strconv.Quote(truncate(str))
	case jsonscan.Number:
		return num
	}
	return "a JSON " + kind.String()
}

// complex writes an element of complex type from a JSON object: the
// attributes on its start tag, then its text, child elements in schema
// order, and the wildcard's elements.
func (e *encoder) complex(el *wsdl.Element, src []byte, i int) error {
	t := el.Type
	if jsonscan.KindAt(src, i) != jsonscan.Object {
		return e.fail("want an object, got a JSON %s", jsonscan.KindAt(src, i))
	}
	nE, nA := len(t.Elements), len(t.Attributes)
	n := nE + nA + 2
	base := len(e.offs)
	for k := 0; k < n; k++ {
		e.offs = append(e.offs, -1)
	}
	defer func() { e.offs = e.offs[:base] }()
	var bad string
	_, err := jsonscan.Members(src, i, func(key []byte, esc bool, v int) (int, bool) {
		k := string(key)
		if esc {
			k = string(jsonscan.Unescape(nil, key))
		}
		idx := -1
		switch {
		case t.Content != nil && k == t.ContentField:
			idx = nE + nA
		case t.Wildcard != "" && k == t.Wildcard:
			idx = nE + nA + 1
		default:
			for j, c := range t.Elements {
				if c.Field == k {
					idx = j
					break
				}
			}
			if idx < 0 {
				for j, a := range t.Attributes {
					if a.Field == k {
						idx = nE + j
						break
					}
				}
			}
		}
		if idx < 0 {
			bad = k
			return -1, false
		}
		e.offs[base+idx] = v
		return -1, true
	})
	if err != nil {
		return &Error{Code: BadRequest, Path: pathString(e.path), Msg: "invalid JSON", Err: err}
	}
	if bad != "" {
		return e.fail("%q is not a field of this value", truncate(bad))
	}
	tg := e.open(el.Namespace, el.Name)
	if e.encoded && t.Name.Local != "" {
		e.xsiType(t)
	}
	for j, a := range t.Attributes {
		v := e.offs[base+nE+j]
		if v < 0 || jsonscan.KindAt(src, v) == jsonscan.Null {
			if a.Required {
				e.path = append(e.path, a.Field)
				err := e.fail("the attribute is required")
				e.path = e.path[:len(e.path)-1]
				return err
			}
			continue
		}
		e.path = append(e.path, a.Field)
		text, err := e.scalar(a.Type, src, v)
		if err == nil {
			err = e.attr(a.Namespace, a.Name, text)
			if err != nil {
				err = e.fail("%v", err)
			}
		}
		e.path = e.path[:len(e.path)-1]
		if err != nil {
			return err
		}
	}
	e.buf = append(e.buf, '>')
	if t.Content != nil {
		v := e.offs[base+nE+nA]
		e.path = append(e.path, t.ContentField)
		if v >= 0 && jsonscan.KindAt(src, v) != jsonscan.Null {
			text, err := e.scalar(t.Content, src, v)
			if err != nil {
				return err
			}
			if e.buf, err = appendEscaped(e.buf, text, false); err != nil {
				return e.fail("%v", err)
			}
		}
		e.path = e.path[:len(e.path)-1]
	}
	for j, c := range t.Elements {
		v := e.offs[base+j]
		e.path = append(e.path, c.Field)
		if err := e.child(c, src, v); err != nil {
			return err
		}
		e.path = e.path[:len(e.path)-1]
	}
	if v := e.offs[base+nE+nA+1]; t.Wildcard != "" && v >= 0 {
		e.path = append(e.path, t.Wildcard)
		if err := e.wildcard(src, v); err != nil {
			return err
		}
		e.path = e.path[:len(e.path)-1]
	}
	e.close(tg)
	return nil
}

// child writes the occurrences of a child element from its value at
// src[v] (-1 when absent).
func (e *encoder) child(c *wsdl.Element, src []byte, v int) error {
	if v < 0 || jsonscan.KindAt(src, v) == jsonscan.Null {
		switch {
		case c.Nillable && (v >= 0 || !c.Optional()):
			return e.nilElement(c)
		case c.Optional() || c.InputOptional:
			return nil
		}
		return e.fail("a value is required")
	}
	if !c.List() || jsonscan.KindAt(src, v) != jsonscan.Array {
		return e.element(c, src, v, false)
	}
	var err error
	_, jerr := jsonscan.Elements(src, v, func(n, item int) int {
		if err != nil {
			return -1
		}
		e.path = append(e.path, "["+strconv.Itoa(n)+"]")
		if jsonscan.KindAt(src, item) == jsonscan.Null && !c.Nillable {
			err = e.fail("a list item may not be null")
		} else {
			err = e.element(c, src, item, false)
		}
		e.path = e.path[:len(e.path)-1]
		return -1
	})
	if err != nil {
		return err
	}
	if jerr != nil {
		return &Error{Code: BadRequest, Path: pathString(e.path), Msg: "invalid JSON", Err: jerr}
	}
	return nil
}

// array writes a SOAP-encoded array: the items as repeated elements, with
// the array's type and size.
func (e *encoder) array(el *wsdl.Element, src []byte, i int) error {
	if jsonscan.KindAt(src, i) != jsonscan.Array {
		return e.fail("want a list, got a JSON %s", jsonscan.KindAt(src, i))
	}
	count := 0
	if _, err := jsonscan.Elements(src, i, func(n, v int) int { count++; return -1 }); err != nil {
		return &Error{Code: BadRequest, Path: pathString(e.path), Msg: "invalid JSON", Err: err}
	}
	item := el.Type.Item
	tg := e.open(el.Namespace, el.Name)
	q := item.Type.Name
	if q.Local == "" {
		q = wsdl.QName{Space: nsXSD, Local: "anyType"}
		if item.Type.Builtin != "" {
			q.Local = item.Type.Builtin
		}
	}
	typeName := q.Local
	if q.Space != "" {
		typeName = e.prefix(q.Space) + ":" + q.Local
	}
	enc := e.prefix(e.encNS())
	if e.version == Version12 {
		e.buf = append(e.buf, " "+enc+":itemType=\""...)
		e.buf = append(e.buf, typeName...)
		e.buf = append(e.buf, "\" "+enc+":arraySize=\""...)
		e.buf = strconv.AppendInt(e.buf, int64(count), 10)
		e.buf = append(e.buf, '"')
	} else {
		e.buf = append(e.buf, " "+enc+":arrayType=\""...)
		e.buf = append(e.buf, typeName...)
		e.buf = append(e.buf, '[')
		e.buf = strconv.AppendInt(e.buf, int64(count), 10)
		e.buf = append(e.buf, "]\""...)
	}
	e.buf = append(e.buf, '>')
	itemEl := *item
	itemEl.Nillable = true
	var err error
	_, _ = jsonscan.Elements(src, i, func(n, v int) int {
		if err == nil {
			e.path = append(e.path, "["+strconv.Itoa(n)+"]")
			err = e.element(&itemEl, src, v, false)
			e.path = e.path[:len(e.path)-1]
		}
		return -1
	})
	if err != nil {
		return err
	}
	e.close(tg)
	return nil
}

// wildcard writes the members of a JSON object as elements of the
// generic form.
func (e *encoder) wildcard(src []byte, i int) error {
	if jsonscan.KindAt(src, i) == jsonscan.Null {
		return nil
	}
	if jsonscan.KindAt(src, i) != jsonscan.Object {
		return e.fail("want an object of elements by name, got a JSON %s", jsonscan.KindAt(src, i))
	}
	return e.genericMembers(src, i, false)
}

// generic writes an element of open content from any JSON value: an
// object's members are child elements ("@name" attributes, "#text"
// text), an array repeats the element, a scalar is its text.
func (e *encoder) generic(ns, local string, src []byte, i int) error {
	e.depth++
	defer func() { e.depth-- }()
	if e.depth > e.maxDepth {
		return e.fail("nested deeper than %d", e.maxDepth)
	}
	switch jsonscan.KindAt(src, i) {
	case jsonscan.Null:
		return nil
	case jsonscan.Array:
		var err error
		_, jerr := jsonscan.Elements(src, i, func(n, v int) int {
			if err == nil {
				if jsonscan.KindAt(src, v) == jsonscan.Array {
					err = e.fail("a list inside a list has no XML form")
				} else {
					err = e.generic(ns, local, src, v)
				}
			}
			return -1
		})
		if err != nil {
			return err
		}
		if jerr != nil {
			return &Error{Code: BadRequest, Path: pathString(e.path), Msg: "invalid JSON", Err: jerr}
		}
		return nil
	case jsonscan.Object:
		tg := e.open(ns, local)
		var err error
		_, jerr := jsonscan.Members(src, i, func(key []byte, esc bool, v int) (int, bool) {
			k := string(key)
			if esc {
				k = string(jsonscan.Unescape(nil, key))
			}
			if !strings.HasPrefix(k, "@") || jsonscan.KindAt(src, v) == jsonscan.Null {
				return -1, true
			}
			if !validNCName(k[1:]) {
				err = e.fail("%q cannot name an XML attribute", truncate(k[1:]))
				return -1, false
			}
			text, serr := e.genericText(src, v)
			if serr != nil {
				err = serr
				return -1, false
			}
			err = e.attr("", k[1:], text)
			if err != nil {
				err = e.fail("%v", err)
			}
			return -1, err == nil
		})
		if err != nil {
			return err
		}
		if jerr != nil {
			return &Error{Code: BadRequest, Path: pathString(e.path), Msg: "invalid JSON", Err: jerr}
		}
		e.buf = append(e.buf, '>')
		if err := e.genericMembers(src, i, true); err != nil {
			return err
		}
		e.close(tg)
		return nil
	}
	text, err := e.genericText(src, i)
	if err != nil {
		return err
	}
	tg := e.open(ns, local)
	e.buf = append(e.buf, '>')
	if e.buf, err = appendEscaped(e.buf, text, false); err != nil {
		return e.fail("%v", err)
	}
	e.close(tg)
	return nil
}

// genericMembers writes an object's members as child elements; inside is
// set for an element's own object, whose "@" and "#text" members are its
// attributes and text.
func (e *encoder) genericMembers(src []byte, i int, inside bool) error {
	var err error
	_, jerr := jsonscan.Members(src, i, func(key []byte, esc bool, v int) (int, bool) {
		k := string(key)
		if esc {
			k = string(jsonscan.Unescape(nil, key))
		}
		e.path = append(e.path, k)
		defer func() { e.path = e.path[:len(e.path)-1] }()
		switch {
		case inside && strings.HasPrefix(k, "@"):
			return -1, true
		case inside && k == "#text":
			if jsonscan.KindAt(src, v) == jsonscan.Null {
				return -1, true
			}
			text, serr := e.genericText(src, v)
			if serr == nil {
				e.buf, serr = appendEscaped(e.buf, text, false)
				if serr != nil {
					serr = e.fail("%v", serr)
				}
			}
			err = serr
			return -1, err == nil
		case !validNCName(k):
			err = e.fail("%q cannot name an XML element", truncate(k))
			return -1, false
		}
		err = e.generic("", k, src, v)
		return -1, err == nil
	})
	if err != nil {
		return err
	}
	if jerr != nil {
		return &Error{Code: BadRequest, Path: pathString(e.path), Msg: "invalid JSON", Err: jerr}
	}
	return nil
}

// genericText is the text of a JSON scalar.
func (e *encoder) genericText(src []byte, i int) (string, error) {
	switch k := jsonscan.KindAt(src, i); k {
	case jsonscan.String:
		s, end, esc, err := jsonscan.ReadString(src, i)
		if err != nil {
			return "", &Error{Code: BadRequest, Path: pathString(e.path), Msg: "invalid JSON", Err: err}
		}
		if esc {
			return string(jsonscan.Unescape(nil, src[s:end-1])), nil
		}
		return string(src[s : end-1]), nil
	case jsonscan.Number:
		end, _, err := jsonscan.ReadNumber(src, i)
		if err != nil {
			return "", &Error{Code: BadRequest, Path: pathString(e.path), Msg: "invalid JSON", Err: err}
		}
		return string(src[i:end]), nil
	case jsonscan.True:
		return "true", nil
	case jsonscan.False:
		return "false", nil
	default:
		return "", e.fail("want text, got a JSON %s", k)
	}
}
