package resolvers

import (
	"math"
	"strconv"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/weft-gateway/weft/internal/jsonscan"
	"github.com/weft-gateway/weft/internal/jsonwrite"
	"github.com/weft-gateway/weft/planner"
)

// This file writes a field's value straight from an upstream's answer
// bytes, for fetches the planner marked Raw: nothing below them is fetched,
// so no tree is needed. It follows value, object and leaf exactly (the
// same coercions, null propagation and errors) in one pass over the input,
// copying strings and numbers as they are once validated.

// rawField writes field f's value found at b[i]. Nothing follows a field's
// value that render must read, so a value that became null where the
// answer is cut short (its end cannot be found) stays null, in place: only
// inside a value does that end the parent.
//
// A Verbatim field's value is copied as it is: the planner found it is the
// response's value byte for byte, from an upstream trusted to keep its
// schema's promises. Only its end is looked for, following the structure;
// an answer whose structure does not hold together goes the checked way.
func (r *renderer) rawField(dst []byte, f *planner.Field, b []byte, i int, up string) ([]byte, bool) {
	i = jsonscan.SkipSpace(b, i)
	if f.Verbatim && jsonscan.KindAt(b, i) != jsonscan.Null {
		if end, err := jsonscan.SkipFast(b, i); err == nil {
			return append(dst, b[i:end]...), true
		}
	}
	out, _, ok := r.rawValueAt(dst, f, f.Type, b, i, up)
	return out, ok
}

// rawValue writes the value at b[i] as type t. It returns the index past the
// value in b, and false when a null must propagate to the parent.
func (r *renderer) rawValue(dst []byte, f *planner.Field, t *ast.Type, b []byte, i int, up string) ([]byte, int, bool) {
	out, end, ok := r.rawValueAt(dst, f, t, b, jsonscan.SkipSpace(b, i), up)
	if ok && end < 0 {
		// The value failed and became null; find where it ends to go on.
		var err error
		if end, err = jsonscan.Skip(b, i); err != nil {
			return out, -1, false
		}
	}
	return out, end, ok
}

func (r *renderer) rawValueAt(dst []byte, f *planner.Field, t *ast.Type, b []byte, i int, up string) ([]byte, int, bool) {
	kind := jsonscan.KindAt(b, i)
	if kind == jsonscan.Null {
		out, ok := r.null(dst, t, f, false)
		return out, i + 4, ok
	}
	if kind == jsonscan.Invalid {
		r.badValue(f, up, "answer is not valid JSON")
		out, ok := r.null(dst, t, f, true)
		return out, -1, ok
	}
	if t.Elem != nil {
		if kind != jsonscan.Array {
			r.badValue(f, up, "expected a list, got "+kindName(kind))
			out, ok := r.null(dst, t, f, true)
			return out, -1, ok
		}
		mark := len(dst)
		dst = append(dst, '[')
		j := jsonscan.SkipSpace(b, i+1)
		if j < len(b) && b[j] == ']' {
			return append(dst, ']'), j + 1, true
		}
		for n := 0; ; n++ {
			if n > 0 {
				dst = append(dst, ',')
			}
			r.path = append(r.path, pathSeg{index: n})
			var next int
			var ok bool
			dst, next, ok = r.rawValue(dst, f, t.Elem, b, j, up)
			r.path = r.path[:len(r.path)-1]
			if !ok {
				out, ok := r.null(dst[:mark], t, f, true)
				return out, -1, ok
			}
			j = jsonscan.SkipSpace(b, next)
			if j < len(b) && b[j] == ',' {
				j = jsonscan.SkipSpace(b, j+1)
				continue
			}
			if j < len(b) && b[j] == ']' {
				return append(dst, ']'), j + 1, true
			}
			r.badValue(f, up, "answer is not valid JSON")
			out, ok := r.null(dst[:mark], t, f, true)
			return out, -1, ok
		}
	}
	if f.Sel != nil {
		if kind != jsonscan.Object {
			r.badValue(f, up, "expected an object, got "+kindName(kind))
			out, ok := r.null(dst, t, f, true)
			return out, -1, ok
		}
		mark := len(dst)
		out, end, ok := r.rawObject(dst, f.Sel, b, i, up)
		if !ok {
			out, ok = r.null(out[:mark], t, f, true)
			return out, -1, ok
		}
		return out, end, true
	}
	out, end, msg := rawLeaf(dst, f, b, i, kind)
	if msg != "" {
		r.badValue(f, up, msg)
		out, ok := r.null(dst, t, f, true)
		return out, -1, ok
	}
	return out, end, true
}

// rawObject writes the object at b[i] with the fields of sel. Fields come in
// the order the selection lists them; when the answer has them in that
// order (a GraphQL upstream answering our operation does), one pass
// suffices; otherwise the values are located first, then written.
func (r *renderer) rawObject(dst []byte, sel *planner.Selection, b []byte, i int, up string) ([]byte, int, bool) {
	fields := sel.Fields
	start := len(dst)
	dst = append(dst, '{')
	next := 0 // the next selected field to write
	j := jsonscan.SkipSpace(b, i+1)
	for {
		// Fields that take no input: __typename, and those whose
		// conditions exclude them.
		for next < len(fields) {
			f := fields[next]
			if f.Conds != nil && !f.Conds.Holds(r.vars) {
				next++
				continue
			}
			if f.Kind != planner.KindTypename {
				break
			}
			dst = r.writeKey(dst, f, start)
			dst = jsonwrite.String(dst, sel.Type.Name)
			next++
		}
		if j < len(b) && b[j] == '}' {
			if next == len(fields) {
				return append(dst, '}'), j + 1, true
			}
			break // fields missing from the answer
		}
		if next == len(fields) || jsonscan.KindAt(b, j) != jsonscan.String {
			break // an extra key, or not a key
		}
		ke, matched := keyAt(b, j, fields[next].Key)
		if !matched {
			break // out of order
		}
		j = jsonscan.SkipSpace(b, ke)
		if j >= len(b) || b[j] != ':' {
			break
		}
		f := fields[next]
		dst = r.writeKey(dst, f, start)
		r.path = append(r.path, pathSeg{name: f.ResponseKey})
		var end int
		var ok bool
		dst, end, ok = r.rawValue(dst, f, f.Type, b, jsonscan.SkipSpace(b, j+1), up)
		r.path = r.path[:len(r.path)-1]
		if !ok {
			return dst, -1, false
		}
		next++
		j = jsonscan.SkipSpace(b, end)
		if j < len(b) && b[j] == ',' {
			j = jsonscan.SkipSpace(b, j+1)
		} else if j >= len(b) || b[j] != '}' {
			break
		}
	}
	// Out of order, extra or missing fields, or a syntax error: locate
	// every value, then write.
	return r.rawObjectAnyOrder(dst[:start], sel, b, i, up)
}

// keyAt reports whether the string at b[j] is exactly key and returns the
// index past it. Keys from the plan hold no character JSON escapes, so the
// bytes compare directly; a key written with escapes is not matched here
// and goes the long way.
func keyAt(b []byte, j int, key string) (int, bool) {
	end := j + 1 + len(key)
	if end >= len(b) || b[end] != '"' || string(b[j+1:end]) != key {
		if k, e, esc, err := jsonscan.ReadString(b, j); err == nil && esc && jsonscan.KeyEquals(b[k:e-1], esc, key) {
			return e, true
		}
		return 0, false
	}
	return end + 1, true
}

func (r *renderer) writeKey(dst []byte, f *planner.Field, start int) []byte {
	if len(dst) > start+1 {
		dst = append(dst, ',')
	}
	return append(dst, f.KeyJSON...)
}

func (r *renderer) rawObjectAnyOrder(dst []byte, sel *planner.Selection, b []byte, i int, up string) ([]byte, int, bool) {
	fields := sel.Fields
	offs := make([]int, len(fields))
	for k := range offs {
		offs[k] = -1
	}
	end, err := jsonscan.Members(b, i, func(key []byte, esc bool, v int) (int, bool) {
		for k, f := range fields {
			if offs[k] < 0 && f.Kind == planner.KindValue && jsonscan.KeyEquals(key, esc, f.Key) {
				offs[k] = v
			}
		}
		return -1, true
	})
	if err != nil {
		if len(fields) > 0 {
			r.badValue(fields[0], up, "answer is not valid JSON")
		}
		return dst, -1, false
	}
	start := len(dst)
	dst = append(dst, '{')
	for k, f := range fields {
		if f.Conds != nil && !f.Conds.Holds(r.vars) {
			continue
		}
		dst = r.writeKey(dst, f, start)
		if f.Kind == planner.KindTypename {
			dst = jsonwrite.String(dst, sel.Type.Name)
			continue
		}
		r.path = append(r.path, pathSeg{name: f.ResponseKey})
		var ok bool
		if offs[k] < 0 {
			dst, ok = r.null(dst, f.Type, f, false)
		} else {
			dst, _, ok = r.rawValue(dst, f, f.Type, b, offs[k], up)
		}
		r.path = r.path[:len(r.path)-1]
		if !ok {
			return dst, -1, false
		}
	}
	return append(dst, '}'), end, true
}

func kindName(k jsonscan.Kind) string {
	switch k {
	case jsonscan.True, jsonscan.False:
		return "boolean"
	}
	return k.String()
}

// rawLeaf writes a scalar or enum from b[i], coercing as leaf does.
func rawLeaf(dst []byte, f *planner.Field, b []byte, i int, kind jsonscan.Kind) ([]byte, int, string) {
	switch kind {
	case jsonscan.String:
		start, end, esc, err := jsonscan.ReadString(b, i)
		if err != nil {
			return dst, -1, "answer is not valid JSON"
		}
		return rawStringLeaf(dst, f, b, i, start, end, esc)
	case jsonscan.Number:
		end, integer, err := jsonscan.ReadNumber(b, i)
		if err != nil {
			return dst, -1, "answer is not valid JSON"
		}
		return rawNumberLeaf(dst, f, b[i:end], integer, end)
	case jsonscan.True, jsonscan.False:
		end := i + 4
		if kind == jsonscan.False {
			end = i + 5
		}
		if end > len(b) {
			return dst, -1, "answer is not valid JSON"
		}
		lit := b[i:end]
		switch f.Leaf {
		case planner.LeafBoolean, planner.LeafCustom:
			return append(dst, lit...), end, ""
		case planner.LeafString:
			return jsonwrite.Bytes(dst, lit), end, ""
		case planner.LeafInt:
			if kind == jsonscan.True {
				return append(dst, '1'), end, ""
			}
			return append(dst, '0'), end, ""
		}
		return dst, -1, leafName(f) + " cannot represent value " + string(lit)
	default: // object, array
		end, err := jsonscan.Skip(b, i)
		if err != nil {
			return dst, -1, "answer is not valid JSON"
		}
		if f.Leaf == planner.LeafCustom {
			return append(dst, b[i:end]...), end, ""
		}
		if f.Leaf == planner.LeafString {
			return dst, -1, "String cannot represent a " + kind.String()
		}
		return dst, -1, leafName(f) + " cannot represent value " + short(b[i:end])
	}
}

func rawStringLeaf(dst []byte, f *planner.Field, b []byte, i, start, end int, esc bool) ([]byte, int, string) {
	raw := b[i:end]
	switch f.Leaf {
	case planner.LeafString, planner.LeafID, planner.LeafCustom:
		return append(dst, raw...), end, ""
	case planner.LeafEnum:
		content := b[start : end-1]
		if f.EnumWire != nil {
			if esc {
				content = jsonscan.Unescape(nil, content)
			}
			if name, ok := enumName(f, content); ok {
				return jsonwrite.String(dst, name), end, ""
			}
			return dst, -1, "Enum " + f.Enum.Name + " cannot represent value " + short(raw)
		}
		for _, ev := range f.Enum.EnumValues {
			if jsonscan.KeyEquals(content, esc, ev.Name) {
				return jsonwrite.String(dst, ev.Name), end, ""
			}
		}
		return dst, -1, "Enum " + f.Enum.Name + " cannot represent value " + short(raw)
	case planner.LeafInt:
		s := string(jsonscan.Unescape(nil, b[start:end-1]))
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return dst, -1, "Int cannot represent value " + short(raw)
		}
		if n > math.MaxInt32 || n < math.MinInt32 {
			return dst, -1, "Int cannot represent non 32-bit signed integer value " + strconv.FormatInt(n, 10)
		}
		return strconv.AppendInt(dst, n, 10), end, ""
	case planner.LeafFloat:
		x, err := strconv.ParseFloat(string(jsonscan.Unescape(nil, b[start:end-1])), 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return dst, -1, "Float cannot represent value " + short(raw)
		}
		return jsonwrite.Float(dst, x), end, ""
	}
	return dst, -1, leafName(f) + " cannot represent value " + short(raw)
}

func rawNumberLeaf(dst []byte, f *planner.Field, num []byte, integer bool, end int) ([]byte, int, string) {
	switch f.Leaf {
	case planner.LeafInt:
		digits := len(num)
		if digits > 0 && num[0] == '-' {
			digits--
		}
		if integer && digits <= 9 {
			return append(dst, num...), end, "" // fits in 32 bits
		}
		if integer && digits <= 11 {
			n, err := strconv.ParseInt(string(num), 10, 64)
			if err == nil && n <= math.MaxInt32 && n >= math.MinInt32 {
				return append(dst, num...), end, ""
			}
		}
		x, err := strconv.ParseFloat(string(num), 64)
		if err != nil || x != math.Trunc(x) || math.IsInf(x, 0) {
			return dst, -1, "Int cannot represent non-integer value " + string(num)
		}
		if x > math.MaxInt32 || x < math.MinInt32 {
			return dst, -1, "Int cannot represent non 32-bit signed integer value " + strconv.FormatFloat(x, 'f', -1, 64)
		}
		return strconv.AppendInt(dst, int64(x), 10), end, ""
	case planner.LeafFloat, planner.LeafCustom:
		x, err := strconv.ParseFloat(string(num), 64)
		if err != nil || math.IsInf(x, 0) {
			return dst, -1, leafName(f) + " cannot represent value " + short(num)
		}
		return append(dst, num...), end, ""
	case planner.LeafString:
		return jsonwrite.Bytes(dst, num), end, ""
	case planner.LeafID:
		if integer {
			return jsonwrite.Bytes(dst, num), end, ""
		}
	case planner.LeafEnum:
		if f.EnumWire != nil {
			if name, ok := f.EnumWire.FromNumber(string(num)); ok {
				return jsonwrite.String(dst, name), end, ""
			}
		}
	}
	return dst, -1, leafName(f) + " cannot represent value " + short(num)
}

func leafName(f *planner.Field) string {
	switch f.Leaf {
	case planner.LeafString:
		return "String"
	case planner.LeafID:
		return "ID"
	case planner.LeafInt:
		return "Int"
	case planner.LeafFloat:
		return "Float"
	case planner.LeafBoolean:
		return "Boolean"
	case planner.LeafEnum:
		return "Enum " + f.Enum.Name
	}
	return f.Type.Name()
}

func short(b []byte) string {
	s := string(b)
	if len(s) > 40 {
		s = s[:37] + "..."
	}
	return s
}
