package resolvers

import (
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// codeBadUserInput is the extensions.code of an argument value a field's
// call cannot be made with.
const codeBadUserInput = "BAD_USER_INPUT"

// argError is an argument value the field's call cannot be made with: a
// client error, reported at the field's path instead of calling upstream.
type argError struct {
	// path is where in the argument the value is: the argument's name,
	// then input field names (string) and list indexes (int).
	path []any
	msg  string
	// whole says msg is the whole message, naming the argument itself.
	whole bool
	// pos, when set, is where the value is in the document: the error's
	// location, rather than the field's.
	pos *ast.Position
}

// at puts seg in front of the error's path, as the error travels up.
func (e *argError) at(seg any) *argError {
	e.path = append([]any{seg}, e.path...)
	return e
}

func (e *argError) Error() string {
	if e.whole {
		return e.msg
	}
	var b strings.Builder
	b.WriteString("argument ")
	for i, seg := range e.path {
		switch seg := seg.(type) {
		case string:
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(seg)
		case int:
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(seg))
			b.WriteByte(']')
		}
	}
	b.WriteString(": ")
	b.WriteString(e.msg)
	return b.String()
}

// arguments evaluates field f's arguments for a call: literals, variables
// and defaults, with the Go types gqlparser's Field.ArgumentMap gives
// (int64, float64, string, bool, []any, map[string]any, and variables'
// values as the transport decoded them), absent arguments left out of the
// map. Unlike ArgumentMap, which panics on a literal strconv cannot parse
// (an integer beyond int64 given to a custom scalar passes validation,
// since custom scalars are not checked), it never panics:
//
//   - an integer literal that does not fit int64, or a float literal that
//     does not fit float64, is kept as its exact text, a json.Number, for
//     the upstream to judge (a JSON scalar's value, say);
//   - a value of a scalar whose range the gateway knows is checked against
//     it, literal or variable, at any depth of lists and input objects:
//     Int is 32-bit by the spec (gqlparser lets 64-bit literals and
//     variables through), and the importers declare Int64, UInt64 and
//     UInt32. A value out of range, or a Float literal out of float64's,
//     is an *argError, and the call is not made.
//
// A field without arguments gets a nil map.
func arguments(s *ast.Schema, f *ast.Field, vars map[string]any) (map[string]any, *argError) {
	if f.Definition == nil || len(f.Definition.Arguments) == 0 {
		return nil, nil
	}
	out := make(map[string]any, len(f.Arguments))
	for _, def := range f.Definition.Arguments {
		var v any
		var has bool
		var err *argError
		if a := f.Arguments.ForName(def.Name); a != nil {
			if a.Value.Kind == ast.Variable {
				// As in ArgumentMap: the coerced variables hold any
				// default of the variable's own; a variable without a
				// value leaves the argument to its default.
				if v, has = vars[a.Value.Raw]; has {
					if v == nil && def.Type.NonNull {
						// Validation lets a nullable variable with a
						// default through; its value may still be null.
						return nil, &argError{whole: true, pos: a.Value.Position,
							msg: `Argument "` + def.Name + `" of non-null type "` + def.Type.String() + `" must not be null.`}
					}
					err = checkValue(s, def.Type, v)
				}
			} else {
				v, err = literal(s, def.Type, a.Value, vars)
				has = true
			}
		}
		if !has && def.DefaultValue != nil {
			v, err = literal(s, def.Type, def.DefaultValue, vars)
			has = true
		}
		if err != nil {
			return nil, err.at(def.Name)
		}
		if has {
			out[def.Name] = v
		}
	}
	return out, nil
}

// literal evaluates value v of type t, as input coercion does (spec
// 3.10, 3.11): a single value where a list is expected stands for a list
// of one, an input object's fields left out take their defaults. A custom
// scalar takes any literal, so below one the type stays that scalar.
func literal(s *ast.Schema, t *ast.Type, v *ast.Value, vars map[string]any) (any, *argError) {
	if v == nil {
		return nil, nil
	}
	if t.Elem != nil && v.Kind != ast.ListValue && v.Kind != ast.NullValue && v.Kind != ast.Variable {
		x, err := literal(s, t.Elem, v, vars)
		if err != nil {
			return nil, err
		}
		return []any{x}, nil
	}
	switch v.Kind {
	case ast.Variable:
		if x, ok := vars[v.Raw]; ok {
			if x == nil && t.NonNull {
				return nil, &argError{msg: `Expected non-nullable type "` + t.String() + `" not to be null.`}
			}
			return x, checkValue(s, t, x)
		}
		if v.VariableDefinition != nil && v.VariableDefinition.DefaultValue != nil {
			return literal(s, t, v.VariableDefinition.DefaultValue, vars)
		}
		return nil, nil
	case ast.IntValue:
		return intLiteral(t.Name(), v.Raw)
	case ast.FloatValue:
		if x, err := strconv.ParseFloat(v.Raw, 64); err == nil {
			return x, nil
		}
		if t.Name() == "Float" {
			return nil, &argError{msg: "Float cannot represent value: " + v.Raw}
		}
		return json.Number(v.Raw), nil
	case ast.StringValue, ast.BlockValue, ast.EnumValue:
		return v.Raw, nil
	case ast.BooleanValue:
		return v.Raw == "true", nil
	case ast.NullValue:
		return nil, nil
	case ast.ListValue:
		elem := t.Elem
		if elem == nil {
			elem = t
		}
		out := make([]any, len(v.Children))
		for i, c := range v.Children {
			x, err := literal(s, elem, c.Value, vars)
			if err != nil {
				return nil, err.at(i)
			}
			out[i] = x
		}
		return out, nil
	case ast.ObjectValue:
		def := s.Types[t.Name()]
		out := make(map[string]any, len(v.Children))
		for _, c := range v.Children {
			if c.Value.Kind == ast.Variable && unset(c.Value, vars) {
				continue // an input field given an unset variable is absent
			}
			ft := t
			if def != nil && def.Kind == ast.InputObject {
				fd := def.Fields.ForName(c.Name)
				if fd == nil {
					return nil, (&argError{msg: "unknown input field " + c.Name}).at(c.Name)
				}
				ft = fd.Type
			}
			x, err := literal(s, ft, c.Value, vars)
			if err != nil {
				return nil, err.at(c.Name)
			}
			out[c.Name] = x
		}
		if def != nil && def.Kind == ast.InputObject {
			for _, fd := range def.Fields {
				if _, given := out[fd.Name]; given || fd.DefaultValue == nil {
					continue
				}
				x, err := literal(s, fd.Type, fd.DefaultValue, vars)
				if err != nil {
					return nil, err.at(fd.Name)
				}
				out[fd.Name] = x
			}
		}
		return out, nil
	}
	return nil, &argError{msg: "unsupported value " + v.String()}
}

func unset(v *ast.Value, vars map[string]any) bool {
	if _, ok := vars[v.Raw]; ok {
		return false
	}
	return v.VariableDefinition == nil || v.VariableDefinition.DefaultValue == nil
}

// intBounds are the ranges of the integer scalars the gateway knows: Int,
// 32-bit by the spec, and the scalars the OpenAPI and gRPC importers
// declare. lo and hi are inclusive.
type intBounds struct {
	lo   int64
	hi   uint64
	kind string // for messages: "32-bit signed", ...
}

func boundsOf(scalar string) (intBounds, bool) {
	switch scalar {
	case "Int":
		return intBounds{math.MinInt32, math.MaxInt32, "32-bit signed"}, true
	case "Int64":
		return intBounds{math.MinInt64, math.MaxInt64, "64-bit signed"}, true
	case "UInt64":
		return intBounds{0, math.MaxUint64, "64-bit unsigned"}, true
	case "UInt32":
		return intBounds{0, math.MaxUint32, "32-bit unsigned"}, true
	}
	return intBounds{}, false
}

func (b intBounds) err(scalar, text string) *argError {
	return &argError{msg: scalar + " cannot represent non " + b.kind + " integer value: " + text}
}

// intLiteral evaluates an integer literal given to a value of type scalar:
// an int64 where it fits, otherwise its text as a json.Number; out of a
// known scalar's range, an error.
func intLiteral(scalar, raw string) (any, *argError) {
	b, bounded := boundsOf(scalar)
	if n, err := strconv.ParseInt(raw, 10, 64); err == nil {
		if bounded && (n < b.lo || n > 0 && uint64(n) > b.hi) {
			return nil, b.err(scalar, raw)
		}
		return n, nil
	}
	// Beyond int64: an unsigned 64-bit value, or out of every range.
	if bounded {
		if u, err := strconv.ParseUint(raw, 10, 64); err != nil || u > b.hi {
			return nil, b.err(scalar, raw)
		}
	}
	return json.Number(raw), nil
}

// checkValue checks a variable's value, as the transport decoded it and
// gqlparser coerced it, against the ranges of the integer scalars in type
// t. Everything else in it was validated already.
func checkValue(s *ast.Schema, t *ast.Type, v any) *argError {
	if v == nil {
		return nil
	}
	if t.Elem != nil {
		switch x := v.(type) {
		case []any:
			for i, e := range x {
				if err := checkValue(s, t.Elem, e); err != nil {
					return err.at(i)
				}
			}
			return nil
		case map[string]any, string, json.Number, bool, int64, float64:
			// One value where a list is expected stands for a list of it.
			return checkValue(s, t.Elem, v)
		}
		// gqlparser coerces a single value to a typed slice of it.
		if rv := reflect.ValueOf(v); rv.Kind() == reflect.Slice {
			for i := range rv.Len() {
				if err := checkValue(s, t.Elem, rv.Index(i).Interface()); err != nil {
					return err.at(i)
				}
			}
			return nil
		}
		return checkValue(s, t.Elem, v)
	}
	name := t.NamedType
	if b, ok := boundsOf(name); ok {
		return checkInt(name, b, v)
	}
	def := s.Types[name]
	if def == nil || def.Kind != ast.InputObject {
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	for _, fd := range def.Fields {
		if x, ok := m[fd.Name]; ok {
			if err := checkValue(s, fd.Type, x); err != nil {
				return err.at(fd.Name)
			}
		}
	}
	return nil
}

// checkInt checks a number against b. Text that is not an integer is left
// to whoever reads it: gqlparser checked Int's, and a custom scalar's is
// the upstream's to judge.
func checkInt(scalar string, b intBounds, v any) *argError {
	switch x := v.(type) {
	case int64:
		return b.checkInt64(scalar, x)
	case int:
		return b.checkInt64(scalar, int64(x))
	case int32:
		return b.checkInt64(scalar, int64(x))
	case float64:
		if x != math.Trunc(x) || math.IsInf(x, 0) {
			return nil
		}
		// float64(hi) of a 64-bit bound rounds up to a power of two,
		// which is then out of range itself.
		hi := float64(b.hi)
		if x < float64(b.lo) || x > hi || b.hi > 1<<53 && x == hi {
			return b.err(scalar, strconv.FormatFloat(x, 'f', 0, 64))
		}
	case json.Number:
		return b.checkText(scalar, string(x))
	case string:
		return b.checkText(scalar, x)
	}
	return nil
}

func (b intBounds) checkInt64(scalar string, n int64) *argError {
	if n < b.lo || n > 0 && uint64(n) > b.hi {
		return b.err(scalar, strconv.FormatInt(n, 10))
	}
	return nil
}

func (b intBounds) checkText(scalar, text string) *argError {
	if n, err := strconv.ParseInt(text, 10, 64); err == nil {
		return b.checkInt64(scalar, n)
	} else if !isRange(err) {
		return nil
	}
	if u, err := strconv.ParseUint(text, 10, 64); err == nil && u <= b.hi {
		return nil
	}
	return b.err(scalar, text)
}

func isRange(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}
