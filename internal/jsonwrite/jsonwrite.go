// Package jsonwrite appends JSON to byte slices without reflection. The data
// path writes every response and upstream request through it, so it avoids
// encoding/json's reflection and intermediate allocations.
package jsonwrite

import (
	"encoding/json"
	"math"
	"sort"
	"strconv"
	"unicode/utf8"

	"github.com/valyala/fastjson"
)

const hex = "0123456789abcdef"

// safe[c] is true for ASCII bytes that need no escaping inside a JSON string.
// Responses are JSON, never HTML, so <, > and & are written as they are,
// as encoding/json does with SetEscapeHTML(false).
var safe = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = true
	}
	t['"'], t['\\'] = false, false
	return t
}()

// String appends s as a quoted JSON string, byte for byte as encoding/json
// writes it with HTML escaping off: the short escapes \" \\ \b \f \n \r \t,
// \u00XX for other control bytes, \u2028 and \u2029 (which end lines in
// JavaScript), and U+FFFD for bytes that are not valid UTF-8, so the output
// is always valid JSON whatever an upstream sent.
func String(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if safe[c] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		// U+2028 and U+2029 are valid JSON but end lines in JavaScript.
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// Bytes is String for a byte slice.
func Bytes(dst []byte, b []byte) []byte {
	return String(dst, unsafeString(b))
}

// Any appends the JSON encoding of a decoded JSON-like value: nil, bool,
// string, the integer and float kinds, json.Number, []any, map[string]any
// (keys sorted, for deterministic output) and *fastjson.Value. Other types
// fall back to encoding/json.
func Any(dst []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(dst, "null"...)
	case bool:
		return strconv.AppendBool(dst, v)
	case string:
		return String(dst, v)
	case int:
		return strconv.AppendInt(dst, int64(v), 10)
	case int32:
		return strconv.AppendInt(dst, int64(v), 10)
	case int64:
		return strconv.AppendInt(dst, v, 10)
	case uint64:
		return strconv.AppendUint(dst, v, 10)
	case float64:
		return Float(dst, v)
	case float32:
		return Float(dst, float64(v))
	case json.Number:
		if v == "" {
			return append(dst, '0')
		}
		return append(dst, v...)
	case []any:
		dst = append(dst, '[')
		for i, e := range v {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = Any(dst, e)
		}
		return append(dst, ']')
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		dst = append(dst, '{')
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = String(dst, k)
			dst = append(dst, ':')
			dst = Any(dst, v[k])
		}
		return append(dst, '}')
	case *fastjson.Value:
		return Value(dst, v)
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return append(dst, "null"...)
		}
		return append(dst, b...)
	}
}

// Float appends f the way JavaScript prints numbers; NaN and infinities,
// which JSON cannot carry, become null.
func Float(dst []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(dst, "null"...)
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e21 {
		return strconv.AppendFloat(dst, f, 'f', -1, 64)
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs < 1e-6 || abs >= 1e21 {
		format = 'e'
	}
	return strconv.AppendFloat(dst, f, format, -1, 64)
}

// Value appends a parsed JSON value. Strings and keys are escaped here
// rather than with fastjson's MarshalTo, which quotes with strconv and can
// write escapes JSON does not have (\x01, \U0001F600). Numbers JSON cannot
// carry (NaN, infinities, which fastjson accepts) become null.
func Value(dst []byte, v *fastjson.Value) []byte {
	if v == nil {
		return append(dst, "null"...)
	}
	switch v.Type() {
	case fastjson.TypeString:
		return Bytes(dst, v.GetStringBytes())
	case fastjson.TypeNumber:
		n := v.String()
		if !validNumber(n) {
			return append(dst, "null"...)
		}
		return append(dst, n...)
	case fastjson.TypeTrue:
		return append(dst, "true"...)
	case fastjson.TypeFalse:
		return append(dst, "false"...)
	case fastjson.TypeArray:
		dst = append(dst, '[')
		for i, e := range v.GetArray() {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = Value(dst, e)
		}
		return append(dst, ']')
	case fastjson.TypeObject:
		dst = append(dst, '{')
		first := true
		o, _ := v.Object()
		o.Visit(func(k []byte, e *fastjson.Value) {
			if !first {
				dst = append(dst, ',')
			}
			first = false
			dst = Bytes(dst, k)
			dst = append(dst, ':')
			dst = Value(dst, e)
		})
		return append(dst, '}')
	}
	return append(dst, "null"...)
}

// validNumber reports whether s is a JSON number (fastjson also accepts
// NaN and Inf, and some forms JSON forbids).
func validNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	if i == len(s) {
		return false
	}
	if s[i] == '0' {
		i++
	} else {
		if s[i] < '1' || s[i] > '9' {
			return false
		}
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	}
	if i < len(s) && s[i] == '.' {
		i++
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == start {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == start {
			return false
		}
	}
	return i == len(s)
}
