package tmpl

import (
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
// Keys are built at config load, may refer to themselves (recursive input
// types), and are not changed afterwards.
type Keys struct {
	fields map[string]keyField
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
	case map[string]any:
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
