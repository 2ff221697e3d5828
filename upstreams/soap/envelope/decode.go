package envelope

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/weft-gateway/weft/internal/jsonwrite"
	"github.com/weft-gateway/weft/upstreams/soap/wsdl"
)

// DefaultMaxBytes bounds the answers Decode reads.
const DefaultMaxBytes = 16 << 20

// DecodeOptions steer Decode.
type DecodeOptions struct {
	// MaxBytes caps the answer's size (default DefaultMaxBytes).
	MaxBytes int64
	// MaxDepth caps the nesting of its elements (default DefaultMaxDepth).
	MaxDepth int
	// SOAPVersion, "1.1" or "1.2", overrides the operation's.
	SOAPVersion string
}

// Decode reads a SOAP answer to op from r and appends the JSON value of
// the operation's field to dst: op.Result's value, in the shape of the
// GraphQL types the importer wrote (keys are the field names). It streams
// the XML, bounded in bytes and depth.
//
// Values: numbers stay JSON numbers (Int, UInt32, Float), 64-bit and
// unbounded integers and decimals are JSON strings (their digits exact),
// booleans true or false, enum values their GraphQL names, lists always
// arrays (even of one item, or none: an absent list is []), an absent
// element or attribute null (the key is always written; an attribute with
// a default reads as its default), xsi:nil null, nested elements objects,
// attributes fields of their element's object. Unknown elements and
// attributes are skipped. A one-way operation's answer (or an empty body)
// is true.
//
// A SOAP Fault, in either version and whatever the HTTP status, is
// returned as a *Fault. An answer that is not a SOAP envelope of the
// operation's version, malformed or truncated XML, a DTD, a value of the
// wrong type (named by its element path), or an answer larger than
// MaxBytes is an *Error with Code BadResponse.
func Decode(dst []byte, r io.Reader, op *wsdl.Operation, opts DecodeOptions) ([]byte, error) {
	if op == nil {
		return dst, &Error{Code: BadResponse, Msg: "no operation"}
	}
	version := op.SOAPVersion
	if opts.SOAPVersion != "" {
		version = opts.SOAPVersion
	}
	ns := envNS(version)
	if ns == "" {
		return dst, &Error{Code: BadResponse, Msg: fmt.Sprintf("SOAP version %q: want 1.1 or 1.2", version)}
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	if opts.MaxDepth <= 0 {
		opts.MaxDepth = DefaultMaxDepth
	}
	lr := &limitReader{r: r, n: opts.MaxBytes}
	xd := xml.NewDecoder(lr)
	xd.Strict = true
	xd.CharsetReader = charsetReader
	d := &decoder{xd: xd, lr: lr, env: ns, version: version, op: op, max: opts.MaxBytes, maxDepth: opts.MaxDepth}
	out, err := d.envelope(dst)
	if err != nil {
		return dst, err
	}
	return out, nil
}

// errTooLarge is what limitReader returns past its limit.
var errTooLarge = errors.New("too large")

// limitReader reads up to n bytes, then fails with errTooLarge if more
// follow.
type limitReader struct {
	r io.Reader
	n int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		var one [1]byte
		if n, _ := io.ReadFull(l.r, one[:]); n > 0 {
			return 0, errTooLarge
		}
		return 0, io.EOF
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

type decoder struct {
	xd       *xml.Decoder
	lr       *limitReader
	env      string
	version  string
	op       *wsdl.Operation
	max      int64
	maxDepth int
	depth    int
	// path locates the element being read, for errors; it is turned into
	// text only when one happens.
	path   []step
	levels []*level
	// text collects character data.
	text []byte
}

// level is one complex element being read: its fields' values, as JSON
// in buf, indexed by ents.
type level struct {
	buf  []byte
	ents []entry
	text []byte
}

type entry struct {
	field      int
	start, end int
	// name is a wildcard child's name.
	name string
}

// step is one element of a path: its name and, in a list, its index.
type step struct {
	name  string
	index int // -1 outside lists
}

func (d *decoder) pathString() string {
	var b strings.Builder
	for i, s := range d.path {
		if i > 0 {
			b.WriteByte('/')
		}
		b.WriteString(s.name)
		if s.index >= 0 {
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(s.index))
			b.WriteByte(']')
		}
	}
	return b.String()
}

func (d *decoder) push(name string, index int) { d.path = append(d.path, step{name, index}) }

func (d *decoder) pop() { d.path = d.path[:len(d.path)-1] }

func (d *decoder) fail(format string, args ...any) error {
	return &Error{Code: BadResponse, Path: d.pathString(), Msg: fmt.Sprintf(format, args...)}
}

// token reads the next token, turning reader and syntax errors into
// BadResponse errors.
func (d *decoder) token() (xml.Token, error) {
	tok, err := d.xd.Token()
	if err == nil {
		if dir, ok := tok.(xml.Directive); ok {
			if bytes.HasPrefix(bytes.TrimSpace(dir), []byte("DOCTYPE")) {
				return nil, d.fail("the answer declares a DTD, which is refused (entity declarations can expand without bound)")
			}
			return nil, d.fail("the answer holds a declaration <!%s>, which is refused", firstWord(string(dir)))
		}
		return tok, nil
	}
	switch {
	case errors.Is(err, errTooLarge):
		return nil, d.fail("the answer is larger than the limit of %d bytes", d.max)
	case err == io.EOF:
		return nil, d.fail("truncated XML: the answer ends before the envelope does")
	}
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		if strings.Contains(se.Msg, "unexpected EOF") {
			return nil, d.fail("truncated XML: the answer ends at line %d, inside an element", se.Line)
		}
		return nil, d.fail("malformed XML at line %d: %s", se.Line, se.Msg)
	}
	return nil, &Error{Code: BadResponse, Path: d.pathString(), Msg: "reading the answer", Err: err}
}

func firstWord(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, " \t\r\n"); i >= 0 {
		return s[:i]
	}
	return s
}

// envelope reads the whole answer: the envelope, its header (skipped), its
// body and what the body holds.
func (d *decoder) envelope(dst []byte) ([]byte, error) {
	var start xml.StartElement
	for {
		tok, err := d.xd.Token()
		if err == io.EOF {
			if d.op.Response == nil {
				// A one-way operation's answer is often empty (HTTP 202).
				return append(dst, "true"...), nil
			}
			return dst, d.fail("not a SOAP envelope: the answer holds no XML element")
		}
		if err != nil {
			if errors.Is(err, errTooLarge) {
				return dst, d.fail("the answer is larger than the limit of %d bytes", d.max)
			}
			return dst, d.fail("not a SOAP envelope: the answer is not XML (%v)", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			start = t
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return dst, d.fail("not a SOAP envelope: the answer starts with text, not XML")
			}
			continue
		case xml.Directive:
			if _, err := d.tokenFrom(t); err != nil {
				return dst, err
			}
			continue
		default:
			continue
		}
		break
	}
	if start.Name.Local != "Envelope" {
		return dst, d.fail("not a SOAP envelope: the answer's root element is <%s>", start.Name.Local)
	}
	if start.Name.Space != d.env {
		switch start.Name.Space {
		case NS11, NS12:
			other := Version11
			if start.Name.Space == NS12 {
				other = Version12
			}
			return dst, d.fail("a SOAP %s envelope, but the operation speaks SOAP %s", other, d.version)
		}
		return dst, d.fail("the envelope's namespace is %q, not SOAP %s's %q", start.Name.Space, d.version, d.env)
	}
	d.path = append(d.path[:0], step{"Envelope", -1})
	var out []byte
	found := false
	for {
		tok, err := d.token()
		if err != nil {
			return dst, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Space == d.env && t.Name.Local == "Body" && !found {
				found = true
				d.push("Body", -1)
				if out, err = d.body(dst); err != nil {
					return dst, err
				}
				d.pop()
				continue
			}
			if err := d.skip(); err != nil {
				return dst, err
			}
		case xml.EndElement:
			if !found {
				return dst, d.fail("the envelope has no Body")
			}
			return out, d.finish()
		}
	}
}

// tokenFrom turns a directive read before the envelope into its error.
func (d *decoder) tokenFrom(dir xml.Directive) (xml.Token, error) {
	if f := strings.Fields(strings.ToLower(string(dir))); len(f) >= 2 && f[0] == "doctype" && f[1] == "html" {
		return nil, d.fail("not a SOAP envelope: the answer is an HTML page")
	}
	if bytes.HasPrefix(bytes.TrimSpace(dir), []byte("DOCTYPE")) {
		return nil, d.fail("the answer declares a DTD, which is refused (entity declarations can expand without bound)")
	}
	return nil, d.fail("the answer holds a declaration <!%s>, which is refused", firstWord(string(dir)))
}

// finish reads what follows the envelope: nothing but white space,
// comments and processing instructions.
func (d *decoder) finish() error {
	for {
		tok, err := d.xd.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if errors.Is(err, errTooLarge) {
				return d.fail("the answer is larger than the limit of %d bytes", d.max)
			}
			return d.fail("malformed XML after the envelope: %v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return d.fail("an element <%s> after the envelope", t.Name.Local)
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return d.fail("text after the envelope")
			}
		}
	}
}

// skip skips the element just started, bounded in depth like the rest.
func (d *decoder) skip() error {
	depth := 1
	for depth > 0 {
		tok, err := d.token()
		if err != nil {
			return err
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
			if d.depth+depth > d.maxDepth {
				return d.fail("elements nested deeper than %d", d.maxDepth)
			}
		case xml.EndElement:
			depth--
		}
	}
	return nil
}

// body reads the Body: a Fault, or the response element.
func (d *decoder) body(dst []byte) ([]byte, error) {
	op := d.op
	var out []byte
	seen := false
	for {
		tok, err := d.token()
		if err != nil {
			return dst, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Space == d.env && t.Name.Local == "Fault" {
				f, err := d.fault()
				if err != nil {
					return dst, err
				}
				return dst, f
			}
			if seen || op.Response == nil {
				// Later body elements (rpc/encoded's multi-reference
				// values among them) and a one-way operation's answer
				// are not read.
				if err := d.skip(); err != nil {
					return dst, err
				}
				continue
			}
			seen = true
			if op.Style != "rpc" && t.Name.Local != op.Response.Name {
				return dst, d.fail("the body holds <%s>, not the <%s> the operation answers with", t.Name.Local, op.Response.Name)
			}
			d.push(t.Name.Local, -1)
			if op.Result == nil || op.Result == op.Response {
				out, err = d.value(dst, op.Response, t)
			} else {
				out, err = d.unwrap(dst, t)
			}
			if err != nil {
				return dst, err
			}
			d.pop()
		case xml.EndElement:
			if op.Response == nil {
				return append(dst, "true"...), nil
			}
			if !seen {
				return dst, d.fail("the body is empty; the operation answers with <%s>", op.Response.Name)
			}
			return out, nil
		}
	}
}

// unwrap reads the response element and writes the value of its child
// op.Result: its occurrences, as a list when it repeats.
func (d *decoder) unwrap(dst []byte, start xml.StartElement) ([]byte, error) {
	res := d.op.Result
	if nilAttr(start) {
		if err := d.skip(); err != nil {
			return dst, err
		}
		return append(dst, "null"...), nil
	}
	list := res.List()
	out := dst
	if list {
		out = append(out, '[')
	}
	n := 0
	for {
		tok, err := d.token()
		if err != nil {
			return dst, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			match := t.Name.Local == res.Name || d.op.Style == "rpc" && n == 0 && !list
			if !match || n > 0 && !list {
				if err := d.skip(); err != nil {
					return dst, err
				}
				continue
			}
			if n > 0 {
				out = append(out, ',')
			}
			d.push(t.Name.Local, index(n, list))
			if out, err = d.value(out, res, t); err != nil {
				return dst, err
			}
			d.pop()
			n++
		case xml.EndElement:
			switch {
			case list:
				out = append(out, ']')
			case n == 0:
				out = append(out, "null"...)
			}
			return out, nil
		}
	}
}

func index(i int, list bool) int {
	if !list {
		return -1
	}
	return i
}

func nilAttr(start xml.StartElement) bool {
	for _, a := range start.Attr {
		if a.Name.Space == nsXSI && a.Name.Local == "nil" {
			v := strings.TrimSpace(a.Value)
			return v == "true" || v == "1"
		}
	}
	return false
}

// value reads the element just started as el, and appends its JSON value.
func (d *decoder) value(dst []byte, el *wsdl.Element, start xml.StartElement) ([]byte, error) {
	d.depth++
	defer func() { d.depth-- }()
	if d.depth > d.maxDepth {
		return dst, d.fail("elements nested deeper than %d", d.maxDepth)
	}
	for _, a := range start.Attr {
		if a.Name.Local == "href" && a.Name.Space == "" {
			return dst, d.fail("a multi-reference value (href=%q), which is not read", truncate(a.Value))
		}
	}
	if nilAttr(start) {
		if err := d.skip(); err != nil {
			return dst, err
		}
		return append(dst, "null"...), nil
	}
	t := el.Type
	switch t.Kind {
	case wsdl.Simple:
		text, err := d.simpleText()
		if err != nil {
			return dst, err
		}
		out, err := appendScalar(dst, t, text)
		if err != nil {
			return dst, d.fail("%v", err)
		}
		return out, nil
	case wsdl.Complex:
		return d.complex(dst, t, start)
	case wsdl.Array:
		return d.array(dst, t)
	}
	g, err := d.generic(start, 0)
	if err != nil {
		return dst, err
	}
	return g.appendJSON(dst), nil
}

// simpleText reads the text of an element of simple type, up to its end
// tag. Child elements have no place in simple content.
func (d *decoder) simpleText() (string, error) {
	d.text = d.text[:0]
	for {
		tok, err := d.token()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.CharData:
			d.text = append(d.text, t...)
		case xml.StartElement:
			return "", d.fail("a child element <%s> where text is expected", t.Name.Local)
		case xml.EndElement:
			return string(d.text), nil
		}
	}
}

func (d *decoder) level() *level {
	i := d.depth
	for len(d.levels) <= i {
		d.levels = append(d.levels, &level{})
	}
	lv := d.levels[i]
	lv.buf, lv.ents, lv.text = lv.buf[:0], lv.ents[:0], lv.text[:0]
	return lv
}

// complex reads an element of complex type into an object of its fields:
// text (simple content), child elements, attributes, wildcard children.
func (d *decoder) complex(dst []byte, t *wsdl.Type, start xml.StartElement) ([]byte, error) {
	lv := d.level()
	nE, nA := len(t.Elements), len(t.Attributes)
	for _, a := range start.Attr {
		for j, at := range t.Attributes {
			if at.Name != a.Name.Local || at.Namespace != "" && a.Name.Space != "" && at.Namespace != a.Name.Space {
				continue
			}
			s := len(lv.buf)
			var err error
			lv.buf, err = appendScalar(lv.buf, at.Type, a.Value)
			if err != nil {
				d.push("@"+at.Name, -1)
				return dst, d.fail("%v", err)
			}
			lv.ents = append(lv.ents, entry{field: nE + j, start: s, end: len(lv.buf)})
			break
		}
	}
	for {
		tok, err := d.token()
		if err != nil {
			return dst, err
		}
		switch tk := tok.(type) {
		case xml.CharData:
			if t.Content != nil {
				lv.text = append(lv.text, tk...)
			}
		case xml.StartElement:
			j := matchElement(t.Elements, tk.Name)
			if j < 0 {
				if t.Wildcard == "" {
					if err := d.skip(); err != nil {
						return dst, err
					}
					continue
				}
				g, err := d.generic(tk, 0)
				if err != nil {
					return dst, err
				}
				s := len(lv.buf)
				lv.buf = g.appendJSON(lv.buf)
				lv.ents = append(lv.ents, entry{field: nE + nA + 1, start: s, end: len(lv.buf), name: tk.Name.Local})
				continue
			}
			c := t.Elements[j]
			i := -1
			if c.List() {
				i = countOf(lv.ents, j)
			}
			d.push(tk.Name.Local, i)
			s := len(lv.buf)
			lv.buf, err = d.value(lv.buf, c, tk)
			if err != nil {
				return dst, err
			}
			d.pop()
			lv.ents = append(lv.ents, entry{field: j, start: s, end: len(lv.buf)})
		case xml.EndElement:
			if t.Content != nil {
				s := len(lv.buf)
				lv.buf, err = appendScalar(lv.buf, t.Content, string(lv.text))
				if err != nil {
					return dst, d.fail("%v", err)
				}
				lv.ents = append(lv.ents, entry{field: nE + nA, start: s, end: len(lv.buf)})
			}
			return d.object(dst, t, lv)
		}
	}
}

// matchElement finds the child element a name stands for: by namespace
// and local name, else by local name alone (servers that qualify
// otherwise than their schema says are common).
func matchElement(els []*wsdl.Element, name xml.Name) int {
	loose := -1
	for j, c := range els {
		if c.Name != name.Local {
			continue
		}
		if c.Namespace == name.Space {
			return j
		}
		if loose < 0 {
			loose = j
		}
	}
	return loose
}

func countOf(ents []entry, field int) int {
	n := 0
	for _, e := range ents {
		if e.field == field {
			n++
		}
	}
	return n
}

// object writes a complex element's fields in the type's order: text,
// child elements, attributes, wildcard. A list is always an array; an
// absent value is null (an attribute's default when it has one).
func (d *decoder) object(dst []byte, t *wsdl.Type, lv *level) ([]byte, error) {
	nE, nA := len(t.Elements), len(t.Attributes)
	dst = append(dst, '{')
	first := true
	key := func(name string) {
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = jsonwrite.String(dst, name)
		dst = append(dst, ':')
	}
	single := func(field int) bool {
		for _, e := range lv.ents {
			if e.field == field {
				dst = append(dst, lv.buf[e.start:e.end]...)
				return true
			}
		}
		return false
	}
	if t.Content != nil {
		key(t.ContentField)
		if !single(nE + nA) {
			dst = append(dst, "null"...)
		}
	}
	for j, c := range t.Elements {
		key(c.Field)
		if c.List() {
			dst = append(dst, '[')
			n := 0
			for _, e := range lv.ents {
				if e.field == j {
					if n > 0 {
						dst = append(dst, ',')
					}
					dst = append(dst, lv.buf[e.start:e.end]...)
					n++
				}
			}
			dst = append(dst, ']')
			continue
		}
		if !single(j) {
			dst = append(dst, "null"...)
		}
	}
	for j, a := range t.Attributes {
		key(a.Field)
		if single(nE + j) {
			continue
		}
		if a.HasDefault {
			var err error
			if dst, err = appendScalar(dst, a.Type, a.Default); err == nil {
				continue
			}
		}
		dst = append(dst, "null"...)
	}
	if t.Wildcard != "" {
		key(t.Wildcard)
		dst = appendWildcard(dst, nE+nA+1, lv)
	}
	return append(dst, '}'), nil
}

// appendWildcard writes the wildcard children as an object by name, the
// names that repeat as arrays, in the order the names first appear.
func appendWildcard(dst []byte, field int, lv *level) []byte {
	var names []string
	count := map[string]int{}
	for _, e := range lv.ents {
		if e.field == field {
			if count[e.name] == 0 {
				names = append(names, e.name)
			}
			count[e.name]++
		}
	}
	if len(names) == 0 {
		return append(dst, "null"...)
	}
	dst = append(dst, '{')
	for i, name := range names {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = jsonwrite.String(dst, name)
		dst = append(dst, ':')
		if count[name] > 1 {
			dst = append(dst, '[')
		}
		n := 0
		for _, e := range lv.ents {
			if e.field == field && e.name == name {
				if n > 0 {
					dst = append(dst, ',')
				}
				dst = append(dst, lv.buf[e.start:e.end]...)
				n++
			}
		}
		if count[name] > 1 {
			dst = append(dst, ']')
		}
	}
	return append(dst, '}')
}

// array reads a SOAP-encoded array: every child element is an item,
// whatever its name.
func (d *decoder) array(dst []byte, t *wsdl.Type) ([]byte, error) {
	item := *t.Item
	item.Nillable = true
	dst = append(dst, '[')
	n := 0
	for {
		tok, err := d.token()
		if err != nil {
			return dst, err
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			if n > 0 {
				dst = append(dst, ',')
			}
			d.push(tk.Name.Local, n)
			if dst, err = d.value(dst, &item, tk); err != nil {
				return dst, err
			}
			d.pop()
			n++
		case xml.EndElement:
			return append(dst, ']'), nil
		}
	}
}

// charsetReader reads the encodings besides UTF-8 that SOAP services use:
// ISO-8859-1 (and its US-ASCII subset).
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
	buf [1024]byte
	out []byte
}

func (l *latin1Reader) Read(p []byte) (int, error) {
	if len(l.out) == 0 {
		n, err := l.r.Read(l.buf[:])
		l.out = l.out[:0]
		for _, c := range l.buf[:n] {
			if c < 0x80 {
				l.out = append(l.out, c)
			} else {
				l.out = append(l.out, 0xC0|c>>6, 0x80|c&0x3F)
			}
		}
		if n == 0 {
			return 0, err
		}
	}
	n := copy(p, l.out)
	l.out = l.out[n:]
	return n, nil
}
