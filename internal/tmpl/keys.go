package tmpl

import (
	"encoding/json"
	"sort"

	"github.com/weft-gateway/weft/internal/jsonwrite"
)

// Keys renames the keys of input objects written as JSON: an argument's
// value carries its fields under their GraphQL names, and the receiver may
// know some of them by other names (a JSON key that is not a GraphQL name,
// such as "keeper-id"). Keys says, for each field that is renamed or holds
// renamed fields below it, the key to write and the renames of its value,
// at any depth; lists of input objects take their item type's renames. A
// nil *Keys renames nothing, and costs nothing.
//
// Keys also carry the two other ways a value's GraphQL form differs from
// the one its receiver knows: the values of an enum that are sent as other
// values (@from(value:): the GraphQL IN_PROGRESS is "in-progress", or 2),
// and a one-of input object sent as the value of its one field (@unwrap).
//
// Keys are built at config load, may refer to themselves (recursive input
// types), and are not changed afterwards.
type Keys struct {
	fields map[string]keyField
	// values are an enum's values sent as other values, by GraphQL name.
	values map[string]wireValue
	// unwrap says the object is sent as the value of its one field.
	unwrap bool
}

// wireValue is an enum value as its receiver knows it: JSON (a string or a
// number), and its text in a URL or a header.
type wireValue struct {
	json []byte
	text string
}

type keyField struct {
	key string
	sub *Keys
}

// NewKeys returns a set of renames with none in it, for Set to fill.
func NewKeys() *Keys { return &Keys{fields: map[string]keyField{}} }

// Set makes field name go out as key, with sub renaming the keys of its
// value (nil for none). A key equal to the name, or empty, keeps the name.
func (k *Keys) Set(name, key string, sub *Keys) {
	if key == "" {
		key = name
	}
	k.fields[name] = keyField{key: key, sub: sub}
}

// SetValue makes the enum value name go out as wire, given as JSON: a
// string or a number.
func (k *Keys) SetValue(name string, wire []byte) {
	if k.values == nil {
		k.values = map[string]wireValue{}
	}
	text := string(wire)
	var s string
	if json.Unmarshal(wire, &s) == nil {
		text = s
	}
	k.values[name] = wireValue{json: wire, text: text}
}

// SetUnwrap makes an object (a one-of input object) go out as the value of
// its one field.
func (k *Keys) SetUnwrap() { k.unwrap = true }

// value returns the wire form of the enum value v, if it has one.
func (k *Keys) value(v string) (wireValue, bool) {
	if k == nil || k.values == nil {
		return wireValue{}, false
	}
	w, ok := k.values[v]
	return w, ok
}

// Rename returns the key field name goes out as, and the renames of its
// value. It is safe on a nil *Keys.
func (k *Keys) Rename(name string) (string, *Keys) {
	if k == nil {
		return name, nil
	}
	if f, ok := k.fields[name]; ok {
		return f.key, f.sub
	}
	return name, nil
}

// appendJSONKeys appends v as JSON with the keys of its input objects
// renamed by k. Objects are written with their fields sorted by GraphQL
// name, as without renames.
func appendJSONKeys(dst []byte, v any, k *Keys) []byte {
	if k == nil {
		return appendJSON(dst, v)
	}
	switch v := v.(type) {
	case string:
		if w, ok := k.value(v); ok {
			return append(dst, w.json...)
		}
	case map[string]any:
		if k.unwrap {
			// A one-of input object holds one field that is not null;
			// the receiver knows only that field's value.
			for name, fv := range v {
				if fv != nil {
					_, sub := k.Rename(name)
					return appendJSONKeys(dst, fv, sub)
				}
			}
			return append(dst, "null"...)
		}
		names := make([]string, 0, len(v))
		for name := range v {
			names = append(names, name)
		}
		sort.Strings(names)
		dst = append(dst, '{')
		for i, name := range names {
			if i > 0 {
				dst = append(dst, ',')
			}
			key, sub := k.Rename(name)
			dst = jsonwrite.String(dst, key)
			dst = append(dst, ':')
			dst = appendJSONKeys(dst, v[name], sub)
		}
		return append(dst, '}')
	case []any:
		dst = append(dst, '[')
		for i, e := range v {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONKeys(dst, e, k)
		}
		return append(dst, ']')
	}
	return appendJSON(dst, v)
}
