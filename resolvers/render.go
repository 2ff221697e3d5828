package resolvers

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/valyala/fastjson"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/weft-gateway/weft/internal/jsonwrite"
	"github.com/weft-gateway/weft/planner"
	"github.com/weft-gateway/weft/resolvers/introspection"
	"github.com/weft-gateway/weft/upstreams"
)

// renderer writes an operation's response from the tree and the plan's
// selection, once: aliases, __typename, result coercion, null propagation
// (a null in a non-null position truncates what was written of the parent
// and writes null there, the spec's propagation without a second pass),
// errors with their paths, and the notes of the fallbacks that served. A
// fetched value that does not fit its type is replaced by what the
// fallback policy offers, its output and errors rewound.
type renderer struct {
	e      *Executable
	plan   *planner.Plan
	vars   map[string]any
	t      *tree
	policy *fallbacks
	errs   *errorSet
	stats  *Stats

	// notes are the fallbacks render reached, for extensions.fallbacks.
	notes []FallbackNote
	// misfits are the slots whose values did not fit their type; bad
	// counts such findings below the fetched field being rendered.
	misfits map[slot]bool
	bad     int
	path    responsePath
	// introspected counts the bytes introspection answers wrote, which
	// the Executable bounds per request.
	introspected int
}

// render writes the response's data into buf.
func (r *renderer) render(buf []byte) []byte {
	r.path = make(responsePath, 0, r.plan.MaxDepth*2+2)
	out, ok := r.object(buf, r.plan.Root, r.t.root, r.plan.Root.Type.Name, "")
	if !ok {
		return append(out[:0], "null"...)
	}
	return out
}

// object writes the fields of one object of concrete type typeName; it
// returns false when a non-null field was null, so the caller writes null
// in its place.
func (r *renderer) object(dst []byte, sel *planner.Selection, obj *fastjson.Value, typeName, up string) ([]byte, bool) {
	dst = append(dst, '{')
	first := true
	for _, f := range sel.FieldsFor(typeName) {
		if f.Conds != nil && !f.Conds.Holds(r.vars) {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, f.KeyJSON...)
		r.path = append(r.path, pathSeg{name: f.ResponseKey})
		var ok bool
		dst, ok = r.field(dst, f, obj, typeName, up)
		r.path = r.path[:len(r.path)-1]
		if !ok {
			return dst, false
		}
	}
	return append(dst, '}'), true
}

// field writes one field's value.
func (r *renderer) field(dst []byte, f *planner.Field, obj *fastjson.Value, typeName, up string) ([]byte, bool) {
	switch f.Kind {
	case planner.KindTypename:
		return jsonwrite.String(dst, typeName), true
	case planner.KindSchema, planner.KindType:
		return r.introspect(dst, f), true
	}
	if f.Fetch != nil {
		return r.fetched(dst, f, slot{obj, f.Key})
	}
	return r.value(dst, f, f.Type, obj.Get(f.Key), up)
}

// introspect writes the value of __schema or __type, within the bound on
// the request's introspection answers.
func (r *renderer) introspect(dst []byte, f *planner.Field) []byte {
	limit := r.e.introspectionLimit()
	out, err := introspection.WriteLimited(dst, r.e.schema.AST, f.Occurrences, r.vars, limit-r.introspected)
	if err != nil {
		code := "INTROSPECTION_FAILED"
		var tooLarge *introspection.TooLargeError
		if errors.As(err, &tooLarge) {
			code = "QUERY_TOO_LARGE"
			err = fmt.Errorf("the operation's introspection answers are larger than %d bytes, twice the schema's full introspection", limit)
		}
		r.errs.field(f, r.path.ast(), err.Error(), code, "")
		return append(dst, "null"...)
	}
	r.introspected += len(out) - len(dst)
	return out
}

// fetched writes the value of a field a fetch resolved, stored in slot s:
// the value, the failure that stands instead, or what a fallback served.
func (r *renderer) fetched(dst []byte, f *planner.Field, s slot) ([]byte, bool) {
	up := fetchUpstream(f.Fetch)
	if err := r.t.argErrs[s]; err != nil {
		r.errs.argument(f, r.path.ast(), err)
		return r.null(dst, f.Type, f, true)
	}
	if err := r.t.failures[s]; err != nil {
		if err.NullIfNullable && !f.Type.NonNull {
			return append(dst, "null"...), true
		}
		r.errs.upstream(f, r.path.ast(), err)
		return r.null(dst, f.Type, f, true)
	}
	// Values that do not fit are counted per fetched field: a field below
	// with its own fetch counts its own.
	outer := r.bad
	r.bad = 0
	at := r.mark(dst)
	if n := r.t.served[s]; n != nil {
		r.note(n)
	}
	if errs := r.t.upErrs[s]; errs != nil {
		r.errs.graphQL(f, r.path.ast(), errs)
	}
	var out []byte
	var ok bool
	if b, isRaw := r.rawOf(f, s); isRaw {
		out, ok = r.rawField(dst, f, b, 0, up)
	} else {
		out, ok = r.value(dst, f, f.Type, s.obj.Get(f.Key), up)
	}
	if r.bad > 0 {
		if r.misfits == nil {
			r.misfits = map[slot]bool{}
		}
		r.misfits[s] = true
		out, ok = r.refit(out, ok, f, s, up, at)
	}
	r.bad = outer
	return out, ok
}

// mark is where render stands: the output's length, the errors and the
// notes reported so far. refit rewinds to it.
type mark struct{ out, errs, notes int }

func (r *renderer) mark(dst []byte) mark {
	return mark{len(dst), r.errs.mark(), len(r.notes)}
}

// refit serves, in place of a fetched field's value that did not fit its
// type, what the fallback policy offers for the slot, in order, until one
// fits: the output, errors and notes written for the value since at are
// replaced. With nothing to serve, or nothing that fits either, the last
// output and its errors stand.
func (r *renderer) refit(out []byte, ok bool, f *planner.Field, s slot, up string, at mark) ([]byte, bool) {
	served := r.t.served[s]
	counted := served != nil // a slot a fallback served is counted already
	for _, c := range r.policy.misfit(f, s, served) {
		v := r.t.parse(c.value)
		if v == nil {
			continue
		}
		r.errs.rewind(at.errs)
		r.notes = r.notes[:at.notes]
		c.note.reason, c.note.upstream = string(upstreams.CodeBadResponse), up
		r.note(c.note)
		if r.stats != nil && !counted {
			r.stats.Fallbacks.Add(1)
			counted = true
		}
		r.bad = 0
		out, ok = r.value(out[:at.out], f, f.Type, v, up)
		if r.bad == 0 {
			return out, ok
		}
	}
	return out, ok
}

// note adds the note of a fallback that served the field at the current
// path to the response's extensions.
func (r *renderer) note(n *note) {
	fn := FallbackNote{Path: r.path.ast(), Reason: n.reason, Upstream: n.upstream, Fallback: n.fallback, Via: n.via}
	if n.fallback == fallbackStale {
		fn.Age = n.age.Round(time.Millisecond).String()
	}
	r.notes = append(r.notes, fn)
}

// value writes v as type t.
func (r *renderer) value(dst []byte, f *planner.Field, t *ast.Type, v *fastjson.Value, up string) ([]byte, bool) {
	if v == nil || v.Type() == fastjson.TypeNull {
		return r.null(dst, t, f, false)
	}
	if t.Elem != nil {
		items, err := v.Array()
		if err != nil {
			r.badValue(f, up, "expected a list, got "+v.Type().String())
			return r.null(dst, t, f, true)
		}
		mark := len(dst)
		dst = append(dst, '[')
		for i, item := range items {
			if i > 0 {
				dst = append(dst, ',')
			}
			r.path = append(r.path, pathSeg{index: i})
			var ok bool
			dst, ok = r.value(dst, f, t.Elem, item, up)
			r.path = r.path[:len(r.path)-1]
			if !ok {
				dst = dst[:mark]
				return r.null(dst, t, f, true)
			}
		}
		return append(dst, ']'), true
	}
	if f.Sel != nil {
		if v.Type() != fastjson.TypeObject {
			r.badValue(f, up, "expected an object, got "+v.Type().String())
			return r.null(dst, t, f, true)
		}
		typeName := f.Sel.Type.Name
		if f.Sel.Abstract() {
			var why string
			typeName, why = concreteType(f.Sel.TypeRule, v, func(n string) bool { _, ok := f.Sel.ByType[n]; return ok })
			if typeName == "" {
				r.badValue(f, up, "cannot tell which type implements "+f.Sel.Type.Name+" ("+why+")")
				return r.null(dst, t, f, true)
			}
		}
		mark := len(dst)
		out, ok := r.object(dst, f.Sel, v, typeName, up)
		if !ok {
			return r.null(out[:mark], t, f, true)
		}
		return out, true
	}
	out, msg := leaf(dst, f, v)
	if msg != "" {
		r.badValue(f, up, msg)
		return r.null(dst, t, f, true)
	}
	return out, true
}

// null writes null for a value of type t, or reports false when t is
// non-null so the parent becomes null. explained says an error for this
// position was already reported.
func (r *renderer) null(dst []byte, t *ast.Type, f *planner.Field, explained bool) ([]byte, bool) {
	if !t.NonNull {
		return append(dst, "null"...), true
	}
	if path := r.path.ast(); !explained && !r.errs.at(path) {
		r.errs.field(f, path, "Cannot return null for non-nullable field "+f.ParentType+"."+f.Name+".", "", "")
	}
	return dst, false
}

// leaf writes a scalar or enum value, coercing as the spec's result
// coercion allows; it returns a message when v cannot be represented.
func leaf(dst []byte, f *planner.Field, v *fastjson.Value) ([]byte, string) {
	switch f.Leaf {
	case planner.LeafString:
		switch v.Type() {
		case fastjson.TypeString:
			return jsonwrite.Bytes(dst, v.GetStringBytes()), ""
		case fastjson.TypeNumber:
			return jsonwrite.String(dst, v.String()), ""
		case fastjson.TypeTrue, fastjson.TypeFalse:
			return jsonwrite.String(dst, v.String()), ""
		}
		return dst, "String cannot represent a " + v.Type().String()
	case planner.LeafID:
		switch v.Type() {
		case fastjson.TypeString:
			return jsonwrite.Bytes(dst, v.GetStringBytes()), ""
		case fastjson.TypeNumber:
			if _, err := strconv.ParseInt(v.String(), 10, 64); err == nil {
				return jsonwrite.String(dst, v.String()), ""
			}
		}
		return dst, "ID cannot represent " + describe(v)
	case planner.LeafInt:
		var n int64
		var err error
		switch v.Type() {
		case fastjson.TypeNumber:
			n, err = v.Int64()
			if err != nil {
				f, ferr := v.Float64()
				if ferr != nil || f != math.Trunc(f) || math.IsInf(f, 0) {
					return dst, "Int cannot represent non-integer value " + v.String()
				}
				n, err = int64(f), nil
			}
		case fastjson.TypeString:
			n, err = strconv.ParseInt(string(v.GetStringBytes()), 10, 64)
			if err != nil {
				return dst, "Int cannot represent " + describe(v)
			}
		case fastjson.TypeTrue:
			n = 1
		case fastjson.TypeFalse:
			n = 0
		default:
			return dst, "Int cannot represent " + describe(v)
		}
		if n > math.MaxInt32 || n < math.MinInt32 {
			return dst, "Int cannot represent non 32-bit signed integer value " + strconv.FormatInt(n, 10)
		}
		return strconv.AppendInt(dst, n, 10), ""
	case planner.LeafFloat:
		switch v.Type() {
		case fastjson.TypeNumber:
			x, err := v.Float64()
			if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
				return dst, "Float cannot represent " + describe(v)
			}
			return jsonwrite.Value(dst, v), ""
		case fastjson.TypeString:
			x, err := strconv.ParseFloat(string(v.GetStringBytes()), 64)
			if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
				return dst, "Float cannot represent " + describe(v)
			}
			return jsonwrite.Float(dst, x), ""
		}
		return dst, "Float cannot represent " + describe(v)
	case planner.LeafBoolean:
		switch v.Type() {
		case fastjson.TypeTrue:
			return append(dst, "true"...), ""
		case fastjson.TypeFalse:
			return append(dst, "false"...), ""
		}
		return dst, "Boolean cannot represent " + describe(v)
	case planner.LeafEnum:
		switch v.Type() {
		case fastjson.TypeString:
			s := v.GetStringBytes()
			if name, ok := enumName(f, s); ok {
				return jsonwrite.String(dst, name), ""
			}
		case fastjson.TypeNumber:
			if f.EnumWire != nil {
				if name, ok := f.EnumWire.FromNumber(v.String()); ok {
					return jsonwrite.String(dst, name), ""
				}
			}
		}
		return dst, "Enum " + f.Enum.Name + " cannot represent " + describe(v)
	default:
		if v.Type() == fastjson.TypeNumber {
			if x, err := v.Float64(); err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
				return dst, f.Type.Name() + " cannot represent " + describe(v)
			}
		}
		return jsonwrite.Value(dst, v), ""
	}
}

// enumName returns the enum value an upstream's string s stands for: the
// value whose wire form it is (@from(value:)), else the value of that
// name, so that a name given where a wire value was expected (a static
// fallback is written in names) reads too.
func enumName(f *planner.Field, s []byte) (string, bool) {
	if f.EnumWire != nil {
		if name, ok := f.EnumWire.FromString(string(s)); ok {
			return name, true
		}
	}
	for _, ev := range f.Enum.EnumValues {
		if ev.Name == string(s) {
			return ev.Name, true
		}
	}
	return "", false
}

func describe(v *fastjson.Value) string {
	s := v.String()
	if len(s) > 40 {
		s = s[:37] + "..."
	}
	return "value " + s
}

// pathSeg is one step of the response path being written: a response key,
// or a list index when name is empty. A struct, not an interface, so that
// keeping the path costs no allocation per field.
type pathSeg struct {
	name  string
	index int
}

// responsePath is the path of the value being written.
type responsePath []pathSeg

// ast returns the path as errors and notes carry it.
func (p responsePath) ast() ast.Path {
	out := make(ast.Path, len(p))
	for i, seg := range p {
		if seg.name != "" {
			out[i] = ast.PathName(seg.name)
		} else {
			out[i] = ast.PathIndex(seg.index)
		}
	}
	return out
}

func pathString(p ast.Path) string {
	var b strings.Builder
	for _, e := range p {
		switch e := e.(type) {
		case ast.PathName:
			b.WriteString("." + string(e))
		case ast.PathIndex:
			b.WriteString("." + strconv.Itoa(int(e)))
		}
	}
	return b.String()
}

func locations(f *planner.Field) []gqlerror.Location {
	if f.AST == nil || f.AST.Position == nil {
		return nil
	}
	return []gqlerror.Location{{Line: f.AST.Position.Line, Column: f.AST.Position.Column}}
}

// badValue reports a value that does not fit its field's type.
func (r *renderer) badValue(f *planner.Field, up, msg string) {
	r.bad++
	r.errs.field(f, r.path.ast(), msg, string(upstreams.CodeBadResponse), up)
}

// rawOf returns a Raw fetch's answer bytes for a slot.
func (r *renderer) rawOf(f *planner.Field, s slot) ([]byte, bool) {
	if !f.Fetch.Raw {
		return nil, false
	}
	b, ok := r.t.raws[s]
	return b, ok
}
