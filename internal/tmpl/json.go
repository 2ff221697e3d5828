package tmpl

import "github.com/weft-gateway/weft/internal/jsonwrite"

// JSON is a JSON document whose string leaves may be templates, used for
// request bodies: {"upc": "{parent.upc}", "qty": "{args.qty}"}. A leaf that
// is exactly one placeholder keeps the value's type.
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

// Templates calls f for each template leaf, for load-time checks.
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

// AppendJSON appends the document with its placeholders evaluated in s.
func (j *JSON) AppendJSON(dst []byte, s *Scope) ([]byte, error) {
	var err error
	switch j.kind {
	case jsonLiteral:
		return append(dst, j.raw...), nil
	case jsonTemplate:
		return j.tmpl.AppendJSON(dst, s)
	case jsonObject:
		dst = append(dst, '{')
		for i, k := range j.keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = jsonwrite.String(dst, k)
			dst = append(dst, ':')
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
