package tmpl

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/valyala/fastjson"

	"github.com/weft-gateway/weft/internal/jsonwrite"
)

// Scope holds the values placeholders read at run time.
type Scope struct {
	// Args are the field's coerced arguments, as gqlparser computes them.
	Args map[string]any
	// Parent is the parent object as its source returned it.
	Parent *fastjson.Value
	// Parents, when set, makes {parent.x} evaluate to the list of x over
	// every parent: the batch form of a binding.
	Parents []*fastjson.Value
	// Headers are the client request's headers.
	Headers http.Header
	// Vars are the VirtualService's variables.
	Vars map[string]string
}

// NullError reports a placeholder whose value is missing or null where text
// is required (a path segment, say).
type NullError struct{ Ref Ref }

func (e *NullError) Error() string {
	return fmt.Sprintf("{%s} is null or missing", e.Ref)
}

// Lookup returns the value a placeholder names: nil when missing or null,
// otherwise one of string, bool, int64, float64, json.Number, []any,
// map[string]any, *fastjson.Value or []*fastjson.Value (batch parents).
func (s *Scope) Lookup(r Ref) any {
	v, _ := s.Find(r)
	return v
}

// Find is Lookup that also reports whether the value is present: an
// argument the client gave (null included), a parent field its source
// returned (null included), a header the client sent, a variable the
// VirtualService defines. The difference matters where an absent value
// is left out but an explicit null is sent as null (object entries of a
// JSON template). A null value is returned as nil, as Lookup does.
func (s *Scope) Find(r Ref) (v any, present bool) {
	switch r.Root {
	case Args:
		v = s.Args
		for _, seg := range r.Path {
			m, ok := v.(map[string]any)
			if !ok {
				// Below a null or a scalar nothing is given.
				return nil, false
			}
			if v, ok = m[seg]; !ok {
				return nil, false
			}
		}
		return v, true
	case Parent:
		if s.Parents != nil {
			out := make([]*fastjson.Value, 0, len(s.Parents))
			for _, p := range s.Parents {
				if v := p.Get(r.Path...); v != nil && v.Type() != fastjson.TypeNull {
					out = append(out, v)
				}
			}
			return out, true
		}
		if s.Parent == nil {
			return nil, false
		}
		pv := s.Parent.Get(r.Path...)
		if pv == nil {
			return nil, false
		}
		if pv.Type() == fastjson.TypeNull {
			return nil, true
		}
		return pv, true
	case Headers:
		if vs := s.Headers.Values(r.Path[0]); len(vs) > 0 {
			return vs[0], true
		}
		return nil, false
	case Vars:
		if v, ok := s.Vars[r.Path[0]]; ok {
			return v, true
		}
		return nil, false
	}
	return nil, false
}

// Escaper escapes a placeholder's text for its context (a URL path segment,
// a query value, a header).
type Escaper func(dst []byte, s string) []byte

// Raw is the identity Escaper.
func Raw(dst []byte, s string) []byte { return append(dst, s...) }

// AppendText appends the template's text with each placeholder's value
// escaped by esc. Lists are joined with commas, objects written as JSON. A
// null or missing placeholder yields a *NullError.
func (t *Template) AppendText(dst []byte, s *Scope, esc Escaper) ([]byte, error) {
	for _, p := range t.parts {
		if p.ref == nil {
			dst = append(dst, p.lit...)
			continue
		}
		v := s.Lookup(*p.ref)
		if v == nil {
			return dst, &NullError{*p.ref}
		}
		dst = appendText(dst, v, esc, p.ref.Keys)
	}
	return dst, nil
}

// AppendPairs appends the template's exploded placeholder as query
// parameters, RFC 6570 style: for each item of the list it names, sep
// before the first and '&' before the others, then name (escaped already),
// '=' and the item's text escaped by esc. A value that is not a list is one
// item; nulls in a list, and an absent or null value, give none. It
// returns the number of parameters written. On a template that is not one
// exploded placeholder it writes nothing.
func (t *Template) AppendPairs(dst []byte, s *Scope, name string, sep byte, esc Escaper) ([]byte, int) {
	r, ok := t.Single()
	if !ok || !r.Explode {
		return dst, 0
	}
	n := 0
	pair := func(dst []byte, v any) []byte {
		if n > 0 {
			sep = '&'
		}
		n++
		dst = append(dst, sep)
		dst = append(dst, name...)
		dst = append(dst, '=')
		return appendText(dst, v, esc, r.Keys)
	}
	switch v := s.Lookup(r).(type) {
	case nil:
	case []any:
		for _, e := range v {
			if e != nil {
				dst = pair(dst, e)
			}
		}
	case []*fastjson.Value:
		for _, e := range v {
			dst = pair(dst, e)
		}
	case *fastjson.Value:
		if v.Type() != fastjson.TypeArray {
			dst = pair(dst, v)
			break
		}
		for _, e := range v.GetArray() {
			if e.Type() != fastjson.TypeNull {
				dst = pair(dst, e)
			}
		}
	default:
		dst = pair(dst, v)
	}
	return dst, n
}

// Text evaluates the template to a string (control path and tests).
func (t *Template) Text(s *Scope) (string, error) {
	b, err := t.AppendText(nil, s, Raw)
	return string(b), err
}

var scratchPool = newBytePool()

func appendText(dst []byte, v any, esc Escaper, keys *Keys) []byte {
	switch v := v.(type) {
	case string:
		if w, ok := keys.value(v); ok {
			return esc(dst, w.text)
		}
		return esc(dst, v)
	case bool:
		return esc(dst, strconv.FormatBool(v))
	case int64:
		return esc(dst, strconv.FormatInt(v, 10))
	case int:
		return esc(dst, strconv.Itoa(v))
	case float64:
		return esc(dst, string(jsonwrite.Float(nil, v)))
	case json.Number:
		return esc(dst, string(v))
	case *fastjson.Value:
		switch v.Type() {
		case fastjson.TypeString:
			return esc(dst, string(v.GetStringBytes()))
		case fastjson.TypeNumber, fastjson.TypeTrue, fastjson.TypeFalse:
			return esc(dst, v.String())
		case fastjson.TypeArray:
			for i, e := range v.GetArray() {
				if i > 0 {
					dst = append(dst, ',')
				}
				dst = appendText(dst, e, esc, nil)
			}
			return dst
		}
		b := scratchPool.get()
		b = jsonwrite.Value(b, v)
		dst = esc(dst, string(b))
		scratchPool.put(b)
		return dst
	case []*fastjson.Value:
		for i, e := range v {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendText(dst, e, esc, nil)
		}
		return dst
	case []any:
		for i, e := range v {
			if i > 0 {
				dst = append(dst, ',')
			}
			if e != nil {
				dst = appendText(dst, e, esc, keys)
			}
		}
		return dst
	default:
		b := scratchPool.get()
		b = appendJSONKeys(b, v, keys)
		dst = esc(dst, string(b))
		scratchPool.put(b)
		return dst
	}
}

// AppendJSON appends the template's value as JSON: for a single placeholder
// the referenced value with its type (null when missing), otherwise the
// interpolated text as a JSON string.
func (t *Template) AppendJSON(dst []byte, s *Scope) ([]byte, error) {
	if r, ok := t.Single(); ok {
		return appendJSONKeys(dst, s.Lookup(r), r.Keys), nil
	}
	if lit, ok := t.Literal(); ok {
		return jsonwrite.String(dst, lit), nil
	}
	b := scratchPool.get()
	b, err := t.AppendText(b, s, Raw)
	if err == nil {
		dst = jsonwrite.Bytes(dst, b)
	}
	scratchPool.put(b)
	return dst, err
}

func appendJSON(dst []byte, v any) []byte {
	if ps, ok := v.([]*fastjson.Value); ok {
		dst = append(dst, '[')
		for i, p := range ps {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = jsonwrite.Value(dst, p)
		}
		return append(dst, ']')
	}
	return jsonwrite.Any(dst, v)
}
