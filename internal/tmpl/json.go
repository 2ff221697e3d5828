package tmpl

import (
	"fmt"

	"github.com/valyala/fastjson"

	"github.com/weft-gateway/weft/internal/jsonwrite"
)

// JSON is a JSON document whose string leaves may be templates, used for
// request bodies (REST bodies, GraphQL argument templates, gRPC requests):
// {"upc": "{parent.upc}", "qty": "{args.qty}"}. A leaf that is exactly one
// placeholder keeps the value's type.
//
// An object entry whose value is exactly one placeholder is left out when
// that value is absent (an argument the client did not give, a parent
// field its source did not return), so that the receiver applies its own
// default rather than a null the client never sent: in a merge-patch body
// a null deletes a member, and a schema whose properties are not nullable
// refuses it. A value the client gave as null is still written as null.
// Anywhere else (an array item, the whole document, text around the
// placeholder) an absent value is written as null, as Template.AppendJSON
// does: the position of an array item carries meaning, and a document has
// to be something.
type JSON struct {
	kind   jsonKind
	raw    []byte    // jsonLiteral: pre-encoded JSON
	tmpl   *Template // jsonTemplate
	keys   []string  // jsonObject
	values []*JSON   // jsonObject, jsonArray
}

type jsonKind uint8

const (
	jsonLiteral jsonKind = iota
	jsonTemplate
	jsonObject
	jsonArray
)

// JSONLiteral is a leaf holding already encoded JSON (a number, true, null...).
func JSONLiteral(raw []byte) *JSON { return &JSON{kind: jsonLiteral, raw: raw} }

// JSONString is a string leaf: literal text, or a template when it has
// placeholders.
func JSONString(t *Template) *JSON {
	if lit, ok := t.Literal(); ok {
		return &JSON{kind: jsonLiteral, raw: jsonwrite.String(nil, lit)}
	}
	return &JSON{kind: jsonTemplate, tmpl: t}
}

// JSONObject builds an object from parallel key and value slices, in order.
func JSONObject(keys []string, values []*JSON) *JSON {
	return &JSON{kind: jsonObject, keys: keys, values: values}
}

// JSONArray builds an array.
func JSONArray(values []*JSON) *JSON { return &JSON{kind: jsonArray, values: values} }

// Refs returns every placeholder in the document.
func (j *JSON) Refs() []Ref {
	var out []Ref
	j.walk(func(t *Template) { out = append(out, t.Refs()...) })
	return out
}

// EachRef calls f with a pointer to each placeholder of the document.
func (j *JSON) EachRef(f func(*Ref)) {
	j.walk(func(t *Template) { t.EachRef(f) })
}

// ParseJSON parses JSON text whose string values may be templates:
// {"pet-type": "{args.input.petType}"}. Keys keep their order; numbers,
// booleans and null are literals.
func ParseJSON(src string) (*JSON, error) {
	var p fastjson.Parser
	v, err := p.Parse(src)
	if err != nil {
		return nil, fmt.Errorf("body is not JSON: %w", err)
	}
	return jsonOf(v)
}

func jsonOf(v *fastjson.Value) (*JSON, error) {
	switch v.Type() {
	case fastjson.TypeObject:
		var keys []string
		var vals []*JSON
		var err error
		o, _ := v.Object()
		o.Visit(func(k []byte, e *fastjson.Value) {
			if err != nil {
				return
			}
			var c *JSON
			if c, err = jsonOf(e); err == nil {
				keys = append(keys, string(k))
				vals = append(vals, c)
			}
		})
		return JSONObject(keys, vals), err
	case fastjson.TypeArray:
		var vals []*JSON
		for _, e := range v.GetArray() {
			c, err := jsonOf(e)
			if err != nil {
				return nil, err
			}
			vals = append(vals, c)
		}
		return JSONArray(vals), nil
	case fastjson.TypeString:
		t, err := Parse(string(v.GetStringBytes()))
		if err != nil {
			return nil, err
		}
		return JSONString(t), nil
	default:
		return JSONLiteral(jsonwrite.Value(nil, v)), nil
	}
}

// walk calls f for each template leaf.
func (j *JSON) walk(f func(*Template)) {
	switch j.kind {
	case jsonTemplate:
		f(j.tmpl)
	case jsonObject, jsonArray:
		for _, v := range j.values {
			v.walk(f)
		}
	}
}

// Single reports whether the whole document is exactly one placeholder
// ("{args.input}"), and which: a caller may leave out a document whose
// value is absent (a REST request sends no body at all).
func (j *JSON) Single() (Ref, bool) {
	if j.kind != jsonTemplate {
		return Ref{}, false
	}
	return j.tmpl.Single()
}

// Object returns the entries of a document that is an object, keys and
// values in order, and whether it is one. Callers must not change them.
func (j *JSON) Object() (keys []string, values []*JSON, ok bool) {
	if j.kind != jsonObject {
		return nil, nil, false
	}
	return j.keys, j.values, true
}

// AppendJSON appends the document with its placeholders evaluated in s,
// leaving out object entries whose single placeholder is absent (see JSON).
func (j *JSON) AppendJSON(dst []byte, s *Scope) ([]byte, error) {
	var err error
	switch j.kind {
	case jsonLiteral:
		return append(dst, j.raw...), nil
	case jsonTemplate:
		return j.tmpl.AppendJSON(dst, s)
	case jsonObject:
		dst = append(dst, '{')
		first := true
		for i, k := range j.keys {
			// A single placeholder is looked up once: for presence, then
			// for its value.
			r, single := j.values[i].Single()
			var v any
			if single {
				var present bool
				if v, present = s.Find(r); !present {
					continue
				}
			}
			if !first {
				dst = append(dst, ',')
			}
			first = false
			dst = jsonwrite.String(dst, k)
			dst = append(dst, ':')
			if single {
				dst = appendJSONKeys(dst, v, r.Keys)
				continue
			}
			if dst, err = j.values[i].AppendJSON(dst, s); err != nil {
				return dst, err
			}
		}
		return append(dst, '}'), nil
	default:
		dst = append(dst, '[')
		for i, v := range j.values {
			if i > 0 {
				dst = append(dst, ',')
			}
			if dst, err = v.AppendJSON(dst, s); err != nil {
				return dst, err
			}
		}
		return append(dst, ']'), nil
	}
}

// String writes the document with its templates unevaluated, for plans.
func (j *JSON) String() string {
	switch j.kind {
	case jsonLiteral:
		return string(j.raw)
	case jsonTemplate:
		return string(jsonwrite.String(nil, j.tmpl.String()))
	case jsonObject:
		b := []byte{'{'}
		for i, k := range j.keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsonwrite.String(b, k)
			b = append(b, ':')
			b = append(b, j.values[i].String()...)
		}
		return string(append(b, '}'))
	default:
		b := []byte{'['}
		for i, v := range j.values {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, v.String()...)
		}
		return string(append(b, ']'))
	}
}
