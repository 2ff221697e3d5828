package resolvers

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"

	"github.com/valyala/fastjson"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// VariableValue returns the value a request gave the variable name, as
// parsed JSON that stays valid until the next call; ok is false when the
// request gave the variable no value.
type VariableValue func(name string) (v *fastjson.Value, ok bool, err error)

// CoerceOptions tune CoerceVariables.
type CoerceOptions struct {
	// Suggest lets messages suggest enum values and input field names of
	// the schema ("Did you mean ...?"); an API that hides its schema
	// (introspection off) leaves it false.
	Suggest bool
	// MaxErrors caps the errors reported; one more then says the
	// coercion stopped. Zero means DefaultMaxErrors.
	MaxErrors int
}

// CoerceVariables coerces the values a request gave the variables of op,
// as the spec's CoerceVariableValues does (input coercion, spec 3.10 and
// 3.11): defaults of the variables and of input object fields filled in, a
// single value where a list is expected taken as a list of one, each value
// checked against its type. It decodes only the variables op declares.
//
// The result holds Go values: string, bool, int64 (Int), json.Number (Float,
// and an ID or custom scalar given as a number), []any, map[string]any, nil
// for null; a variable without value or default is absent. Otherwise it
// returns every error, worded and located as graphql-js words and locates
// them (at the variable's definition, without a path: the request fails
// as a whole), and no values.
func CoerceVariables(s *ast.Schema, op *ast.OperationDefinition, value VariableValue, opts CoerceOptions) (map[string]any, gqlerror.List) {
	if len(op.VariableDefinitions) == 0 {
		return nil, nil
	}
	c := coercer{s: s, suggest: opts.Suggest, max: opts.MaxErrors}
	if c.max <= 0 {
		c.max = DefaultMaxErrors
	}
	out := make(map[string]any, len(op.VariableDefinitions))
	for _, vd := range op.VariableDefinitions {
		if c.stopped {
			break
		}
		c.def = vd
		v, ok, err := value(vd.Variable)
		switch {
		case err != nil:
			c.add(`Variable "$` + vd.Variable + `" is not valid JSON: ` + err.Error())
		case !ok:
			if vd.DefaultValue != nil {
				// Validation checked the default against the type.
				out[vd.Variable], _ = literal(s, vd.Type, vd.DefaultValue, nil)
			} else if vd.Type.NonNull {
				c.add(`Variable "$` + vd.Variable + `" of required type "` + vd.Type.String() + `" was not provided.`)
			}
		case v.Type() == fastjson.TypeNull && vd.Type.NonNull:
			c.add(`Variable "$` + vd.Variable + `" of non-null type "` + vd.Type.String() + `" must not be null.`)
		default:
			out[vd.Variable] = c.value(v, vd.Type)
		}
	}
	if len(c.errs) > 0 {
		return nil, c.errs
	}
	return out, nil
}

// coercer coerces one request's variables, collecting errors.
type coercer struct {
	s       *ast.Schema
	suggest bool
	max     int

	// def is the variable being coerced, path where in its value.
	def  *ast.VariableDefinition
	path []any

	errs    gqlerror.List
	stopped bool
}

// add reports an error of the variable being coerced, at its definition;
// past the cap, it stops the coercion.
func (c *coercer) add(msg string) {
	if c.stopped {
		return
	}
	if len(c.errs) >= c.max {
		msg = "Too many errors processing variables, error limit reached. Execution aborted."
		c.stopped = true
	}
	e := &gqlerror.Error{Message: msg}
	if p := c.def.Position; p != nil {
		e.Locations = []gqlerror.Location{{Line: p.Line, Column: p.Column}}
	}
	c.errs = append(c.errs, e)
}

// invalid reports that the value bad (nil: null), at the current path, is
// not valid:
// 'Variable "$x" got invalid value V at "x.path"; REASON'.
func (c *coercer) invalid(bad *fastjson.Value, reason string) {
	var b strings.Builder
	b.WriteString(`Variable "$`)
	b.WriteString(c.def.Variable)
	b.WriteString(`" got invalid value `)
	inspect(&b, bad, 0)
	if len(c.path) > 0 {
		b.WriteString(` at "`)
		b.WriteString(c.def.Variable)
		for _, seg := range c.path {
			switch seg := seg.(type) {
			case string:
				b.WriteByte('.')
				b.WriteString(seg)
			case int:
				b.WriteByte('[')
				b.WriteString(strconv.Itoa(seg))
				b.WriteByte(']')
			}
		}
		b.WriteByte('"')
	}
	b.WriteString("; ")
	b.WriteString(reason)
	c.add(b.String())
}

// value coerces v to type t; after an error, what it returns is not used.
func (c *coercer) value(v *fastjson.Value, t *ast.Type) any {
	if v.Type() == fastjson.TypeNull {
		if t.NonNull {
			c.invalid(v, `Expected non-nullable type "`+t.String()+`" not to be null.`)
		}
		return nil
	}
	if t.Elem != nil {
		if v.Type() != fastjson.TypeArray {
			// A single value stands for a list of one.
			return []any{c.value(v, t.Elem)}
		}
		items := v.GetArray()
		out := make([]any, len(items))
		for i, item := range items {
			if c.stopped {
				break
			}
			c.path = append(c.path, i)
			out[i] = c.value(item, t.Elem)
			c.path = c.path[:len(c.path)-1]
		}
		return out
	}
	def := c.s.Types[t.NamedType]
	if def == nil {
		// Validation refuses a variable of an unknown type.
		c.invalid(v, `Unknown type "`+t.NamedType+`".`)
		return nil
	}
	switch def.Kind {
	case ast.InputObject:
		return c.object(v, def)
	case ast.Enum:
		return c.enum(v, def)
	}
	return c.scalar(v, def)
}

// object coerces an input object: its fields in the order the type
// declares them, defaults for those left out, then the fields the type
// does not have, in the order the request gave them.
func (c *coercer) object(v *fastjson.Value, def *ast.Definition) any {
	o, err := v.Object()
	if err != nil {
		c.invalid(v, `Expected type "`+def.Name+`" to be an object.`)
		return nil
	}
	out := make(map[string]any, len(def.Fields))
	for _, fd := range def.Fields {
		if c.stopped {
			return nil
		}
		fv := o.Get(fd.Name)
		if fv == nil {
			if fd.DefaultValue != nil {
				// The schema's defaults were checked when it was built.
				out[fd.Name], _ = literal(c.s, fd.Type, fd.DefaultValue, nil)
			} else if fd.Type.NonNull {
				c.invalid(v, `Field "`+fd.Name+`" of required type "`+fd.Type.String()+`" was not provided.`)
			}
			continue
		}
		c.path = append(c.path, fd.Name)
		out[fd.Name] = c.value(fv, fd.Type)
		c.path = c.path[:len(c.path)-1]
	}
	o.Visit(func(k []byte, _ *fastjson.Value) {
		if def.Fields.ForName(string(k)) != nil {
			return
		}
		msg := `Field "` + string(k) + `" is not defined by type "` + def.Name + `".`
		if c.suggest {
			names := make([]string, len(def.Fields))
			for i, fd := range def.Fields {
				names[i] = fd.Name
			}
			msg += didYouMean("", suggestionList(string(k), names))
		}
		c.invalid(v, msg)
	})
	if def.Directives.ForName("oneOf") != nil {
		c.oneOf(v, def, out)
	}
	return out
}

// oneOf checks a OneOf input object: exactly one field, not null.
func (c *coercer) oneOf(v *fastjson.Value, def *ast.Definition, out map[string]any) {
	if len(out) != 1 {
		c.invalid(v, `Exactly one key must be specified for OneOf type "`+def.Name+`".`)
		return
	}
	for k, x := range out {
		if x == nil {
			c.path = append(c.path, k)
			c.invalid(nil, `Field "`+k+`" must be non-null.`)
			c.path = c.path[:len(c.path)-1]
		}
	}
}

// enum coerces an enum value: one of the enum's names, exactly.
func (c *coercer) enum(v *fastjson.Value, def *ast.Definition) any {
	if v.Type() != fastjson.TypeString {
		var b strings.Builder
		inspect(&b, v, 0)
		c.invalid(v, `Enum "`+def.Name+`" cannot represent non-string value: `+b.String()+`.`+c.enumSuggestion(def, b.String()))
		return nil
	}
	name := string(v.GetStringBytes())
	if def.EnumValues.ForName(name) == nil {
		c.invalid(v, `Value "`+name+`" does not exist in "`+def.Name+`" enum.`+c.enumSuggestion(def, name))
		return nil
	}
	return name
}

func (c *coercer) enumSuggestion(def *ast.Definition, typed string) string {
	if !c.suggest {
		return ""
	}
	names := make([]string, len(def.EnumValues))
	for i, ev := range def.EnumValues {
		names[i] = ev.Name
	}
	return didYouMean("the enum value", suggestionList(typed, names))
}

// scalar coerces a scalar's value: the built-in scalars as graphql-js
// parses them (an integer given for an ID stays a number, as an integer
// literal does), any value for a custom scalar, whose upstream judges it.
func (c *coercer) scalar(v *fastjson.Value, def *ast.Definition) any {
	t := v.Type()
	switch def.Name {
	case "Int":
		if t == fastjson.TypeNumber {
			// As JavaScript reads it: a double, whole or not.
			f, err := v.Float64()
			if err == nil && f == math.Trunc(f) && !math.IsInf(f, 0) {
				if f < math.MinInt32 || f > math.MaxInt32 {
					c.invalid(v, "Int cannot represent non 32-bit signed integer value: "+jsNumber(f))
					return nil
				}
				return int64(f)
			}
		}
		var b strings.Builder
		inspect(&b, v, 0)
		c.invalid(v, "Int cannot represent non-integer value: "+b.String())
	case "Float":
		if t == fastjson.TypeNumber {
			text := v.MarshalTo(nil)
			if f, err := strconv.ParseFloat(string(text), 64); err == nil && !math.IsInf(f, 0) {
				return json.Number(text)
			}
		}
		var b strings.Builder
		inspect(&b, v, 0)
		c.invalid(v, "Float cannot represent non numeric value: "+b.String())
	case "String":
		if t == fastjson.TypeString {
			return string(v.GetStringBytes())
		}
		var b strings.Builder
		inspect(&b, v, 0)
		c.invalid(v, "String cannot represent a non string value: "+b.String())
	case "Boolean":
		switch t {
		case fastjson.TypeTrue:
			return true
		case fastjson.TypeFalse:
			return false
		}
		var b strings.Builder
		inspect(&b, v, 0)
		c.invalid(v, "Boolean cannot represent a non boolean value: "+b.String())
	case "ID":
		switch t {
		case fastjson.TypeString:
			return string(v.GetStringBytes())
		case fastjson.TypeNumber:
			text := string(v.MarshalTo(nil))
			if _, err := strconv.ParseInt(text, 10, 64); err == nil {
				return json.Number(text)
			}
			if f, err := strconv.ParseFloat(text, 64); err == nil && f == math.Trunc(f) && math.Abs(f) <= 1<<53 {
				return json.Number(jsNumber(f))
			}
		}
		var b strings.Builder
		inspect(&b, v, 0)
		c.invalid(v, "ID cannot represent value: "+b.String())
	default:
		return plainValue(v)
	}
	return nil
}

// plainValue converts a JSON value to Go values: numbers as json.Number,
// so that no digit is lost on the way to the upstream.
func plainValue(v *fastjson.Value) any {
	switch v.Type() {
	case fastjson.TypeObject:
		o, _ := v.Object()
		m := make(map[string]any, o.Len())
		o.Visit(func(k []byte, e *fastjson.Value) { m[string(k)] = plainValue(e) })
		return m
	case fastjson.TypeArray:
		items := v.GetArray()
		out := make([]any, len(items))
		for i, e := range items {
			out[i] = plainValue(e)
		}
		return out
	case fastjson.TypeString:
		return string(v.GetStringBytes())
	case fastjson.TypeNumber:
		return json.Number(v.MarshalTo(nil))
	case fastjson.TypeTrue:
		return true
	case fastjson.TypeFalse:
		return false
	}
	return nil
}

// Bounds of graphql-js's inspect, which messages print values with.
const (
	inspectMaxItems = 10
	inspectMaxDepth = 2
)

// inspect writes v as graphql-js's inspect prints a value in messages:
// strings as JSON, numbers as JavaScript prints them, { key: value } for
// objects, [a, b] for arrays, at most ten items each, nesting below two
// levels as [Array] or [Object]. A nil v is null.
func inspect(b *strings.Builder, v *fastjson.Value, depth int) {
	if v == nil {
		b.WriteString("null")
		return
	}
	switch v.Type() {
	case fastjson.TypeString:
		jsString(b, v.GetStringBytes())
	case fastjson.TypeNumber:
		text := string(v.MarshalTo(nil))
		if f, err := strconv.ParseFloat(text, 64); err == nil || isRange(err) {
			text = jsNumber(f)
		}
		b.WriteString(text)
	case fastjson.TypeArray:
		items := v.GetArray()
		switch {
		case len(items) == 0:
			b.WriteString("[]")
		case depth >= inspectMaxDepth:
			b.WriteString("[Array]")
		default:
			b.WriteByte('[')
			for i, item := range items[:min(len(items), inspectMaxItems)] {
				if i > 0 {
					b.WriteString(", ")
				}
				inspect(b, item, depth+1)
			}
			switch rest := len(items) - inspectMaxItems; {
			case rest == 1:
				b.WriteString(", ... 1 more item")
			case rest > 1:
				b.WriteString(", ... " + strconv.Itoa(rest) + " more items")
			}
			b.WriteByte(']')
		}
	case fastjson.TypeObject:
		o, _ := v.Object()
		switch {
		case o.Len() == 0:
			b.WriteString("{}")
		case depth >= inspectMaxDepth:
			b.WriteString("[Object]")
		default:
			b.WriteString("{ ")
			first := true
			o.Visit(func(k []byte, e *fastjson.Value) {
				if !first {
					b.WriteString(", ")
				}
				first = false
				b.Write(k)
				b.WriteString(": ")
				inspect(b, e, depth+1)
			})
			b.WriteString(" }")
		}
	default:
		b.WriteString(v.Type().String()) // true, false, null
	}
}

// jsString writes s as JavaScript's JSON.stringify does: only quotes,
// backslashes and control characters escaped.
func jsString(b *strings.Builder, s []byte) {
	const hex = "0123456789abcdef"
	b.WriteByte('"')
	for _, ch := range s {
		switch {
		case ch == '"' || ch == '\\':
			b.WriteByte('\\')
			b.WriteByte(ch)
		case ch == '\b':
			b.WriteString(`\b`)
		case ch == '\f':
			b.WriteString(`\f`)
		case ch == '\n':
			b.WriteString(`\n`)
		case ch == '\r':
			b.WriteString(`\r`)
		case ch == '\t':
			b.WriteString(`\t`)
		case ch < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte(hex[ch>>4])
			b.WriteByte(hex[ch&0xf])
		default:
			b.WriteByte(ch)
		}
	}
	b.WriteByte('"')
}

// jsNumber formats f as JavaScript's String(f) does: integers below 1e21
// in full, 1e+21 and 1e-7 style beyond, Infinity for what JSON.parse
// makes of a number too large for a double.
func jsNumber(f float64) string {
	switch a := math.Abs(f); {
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		return "0"
	case a >= 1e21 || a < 1e-6:
		s := strconv.FormatFloat(f, 'e', -1, 64)
		// Go writes at least two exponent digits: 1e-07.
		i := strings.IndexByte(s, 'e')
		mant, exp := s[:i], s[i+2:]
		exp = strings.TrimLeft(exp, "0")
		return mant + "e" + s[i+1:i+2] + exp
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// suggestionList returns the options close to input, closest first, as
// graphql-js's suggestionList picks them: within an edit distance of 40%
// of the input's length (a change of case alone counting one edit).
func suggestionList(input string, options []string) []string {
	threshold := len(input)*2/5 + 1
	lower := strings.ToLower(input)
	type scored struct {
		name string
		d    int
	}
	var found []scored
	for _, o := range options {
		d := 0
		switch {
		case o == input:
		case strings.ToLower(o) == lower:
			d = 1
		default:
			d = editDistance(lower, strings.ToLower(o))
		}
		if d <= threshold {
			found = append(found, scored{o, d})
		}
	}
	// Few options: insertion sort by distance, then name.
	for i := 1; i < len(found); i++ {
		for j := i; j > 0 && (found[j].d < found[j-1].d || found[j].d == found[j-1].d && found[j].name < found[j-1].name); j-- {
			found[j], found[j-1] = found[j-1], found[j]
		}
	}
	out := make([]string, len(found))
	for i, s := range found {
		out[i] = s.name
	}
	return out
}

// editDistance is the optimal string alignment distance of a and b:
// insertions, deletions, substitutions and swaps of adjacent bytes.
func editDistance(a, b string) int {
	rows := [3][]int{make([]int, len(b)+1), make([]int, len(b)+1), make([]int, len(b)+1)}
	for j := range rows[0] {
		rows[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		up, cur := rows[(i-1)%3], rows[i%3]
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(up[j]+1, cur[j-1]+1, up[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], rows[(i-2)%3][j-2]+1)
			}
		}
	}
	return rows[len(a)%3][len(b)]
}

// didYouMean is graphql-js's suggestion suffix: ' Did you mean "a", "b",
// or "c"?', at most five, with what (such as "the enum value") before
// them; "" without suggestions.
func didYouMean(what string, suggestions []string) string {
	if len(suggestions) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(" Did you mean ")
	if what != "" {
		b.WriteString(what)
		b.WriteByte(' ')
	}
	s := suggestions[:min(len(suggestions), 5)]
	for i, name := range s {
		switch {
		case i == 0:
		case len(s) == 2:
			b.WriteString(" or ")
		case i == len(s)-1:
			b.WriteString(", or ")
		default:
			b.WriteString(", ")
		}
		b.WriteByte('"')
		b.WriteString(name)
		b.WriteByte('"')
	}
	b.WriteByte('?')
	return b.String()
}
