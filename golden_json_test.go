package weft_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/weft-gateway/weft/internal/recorded"
)

// object is a JSON object that keeps its members' order, so a golden file
// shows a response's keys in the order the gateway wrote them.
type object []member

type member struct {
	key   string
	value any
}

func (o object) get(key string) (any, bool) {
	for _, m := range o {
		if m.key == key {
			return m.value, true
		}
	}
	return nil, false
}

func (o object) set(key string, v any) {
	for i := range o {
		if o[i].key == key {
			o[i].value = v
		}
	}
}

// MarshalJSON writes the members in order.
func (o object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := marshal(m.key)
		b.Write(k)
		b.WriteByte(':')
		v, err := marshal(m.value)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// decodeOrdered reads one JSON document: objects as object, numbers as
// json.Number.
func decodeOrdered(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := decodeValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("more than one JSON document")
	}
	return v, nil
}

func decodeValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			o := object{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				v, err := decodeValue(dec)
				if err != nil {
					return nil, err
				}
				o = append(o, member{key: kt.(string), value: v})
			}
			_, err := dec.Token()
			return o, err
		case '[':
			l := []any{}
			for dec.More() {
				v, err := decodeValue(dec)
				if err != nil {
					return nil, err
				}
				l = append(l, v)
			}
			_, err := dec.Token()
			return l, err
		}
		return nil, fmt.Errorf("unexpected %v", t)
	}
	return tok, nil
}

// plain turns an ordered value into what recorded.EqualJSON compares.
func plain(v any) any {
	switch v := v.(type) {
	case object:
		m := make(map[string]any, len(v))
		for _, x := range v {
			m[x.key] = plain(x.value)
		}
		return m
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = plain(x)
		}
		return out
	}
	return v
}

// marshal writes JSON without escaping <, > and &, which SOAP bodies and
// error messages are full of.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// indent writes a value as a golden file holds it: two-space indents and
// a final newline.
func indent(v any) []byte {
	b, err := marshal(v)
	if err != nil {
		panic(err) // values come from decodeOrdered
	}
	var out bytes.Buffer
	_ = json.Indent(&out, b, "", "  ")
	out.WriteByte('\n')
	return out.Bytes()
}

// normalizeResponse puts the parts of a GraphQL response whose order or
// value is not the gateway's to choose into one form: errors sorted by
// path then message (GraphQL leaves their order open, and fetches finish
// in any order), extensions.fallbacks sorted by path, and a stale
// fallback's age (a clock reading) written "<age>".
func normalizeResponse(v any) any {
	o, ok := v.(object)
	if !ok {
		return v
	}
	if errs, ok := o.get("errors"); ok {
		if l, ok := errs.([]any); ok {
			sortBy(l, func(e any) string { return sortKey(e, "path") + "\x00" + sortKey(e, "message") })
		}
	}
	if ext, ok := o.get("extensions"); ok {
		if eo, ok := ext.(object); ok {
			if fb, ok := eo.get("fallbacks"); ok {
				if l, ok := fb.([]any); ok {
					sortBy(l, func(e any) string { return sortKey(e, "path") })
					for _, e := range l {
						if fo, ok := e.(object); ok {
							if _, ok := fo.get("age"); ok {
								fo.set("age", "<age>")
							}
						}
					}
				}
			}
		}
	}
	return o
}

func sortBy(l []any, key func(any) string) {
	sort.SliceStable(l, func(i, j int) bool { return key(l[i]) < key(l[j]) })
}

// sortKey is a member of an object, as JSON text, for sorting.
func sortKey(v any, key string) string {
	o, ok := v.(object)
	if !ok {
		return ""
	}
	x, ok := o.get(key)
	if !ok {
		return ""
	}
	if l, ok := x.([]any); ok {
		// Paths sort by their elements, numbers by value.
		parts := make([]string, len(l))
		for i, p := range l {
			if n, ok := p.(json.Number); ok {
				parts[i] = fmt.Sprintf("%012s", n)
			} else {
				parts[i] = fmt.Sprint(p)
			}
		}
		return strings.Join(parts, "\x01")
	}
	b, _ := json.Marshal(x)
	return string(b)
}

// equalGolden compares a golden file's JSON with a value.
func equalGolden(want []byte, got any) (bool, error) {
	w, err := decodeOrdered(want)
	if err != nil {
		return false, err
	}
	return recorded.EqualJSON(plain(normalizeResponse(w)), plain(got)), nil
}

// withoutErrorExtensions drops the extensions of a response's errors.
func withoutErrorExtensions(v any) any {
	o, ok := v.(object)
	if !ok {
		return v
	}
	if errs, ok := o.get("errors"); ok {
		if l, ok := errs.([]any); ok {
			for i, e := range l {
				if eo, ok := e.(object); ok {
					kept := object{}
					for _, m := range eo {
						if m.key != "extensions" {
							kept = append(kept, m)
						}
					}
					l[i] = kept
				}
			}
		}
	}
	return o
}
