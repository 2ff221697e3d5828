package compose

import (
	"fmt"
	"math"
	"strconv"

	"github.com/vektah/gqlparser/v2/ast"
)

// checkDefaults checks that each default value of an argument or input
// field is a value of its type, which gqlparser's schema check leaves out.
func (sg *subgraph) checkDefaults() {
	for _, t := range sg.order {
		for _, f := range t.fields {
			if f.defaultValue != nil && !sg.fits(f.typ, f.defaultValue, 0) {
				sg.errorAt(CodeInvalidGraphQL, f.coordinate(), f.defaultValue.Position, fmt.Sprintf(
					"the default value %s of input field %s is not of type %s", printValue(f.defaultValue), f.coordinate(), f.typ.String()))
			}
			for _, a := range f.args {
				if a.defaultValue != nil && !sg.fits(a.typ, a.defaultValue, 0) {
					coord := fmt.Sprintf("%s(%s:)", f.coordinate(), a.name)
					sg.errorAt(CodeInvalidGraphQL, coord, a.defaultValue.Position, fmt.Sprintf(
						"the default value %s of argument %s is not of type %s", printValue(a.defaultValue), coord, a.typ.String()))
				}
			}
		}
	}
}

// fits says a literal is a value of an input type, as input coercion reads
// it: a single value stands for a list of one.
func (sg *subgraph) fits(t *ast.Type, v *ast.Value, depth int) bool {
	if v == nil || depth > maxFieldSetDepth {
		return false
	}
	switch v.Kind {
	case ast.Variable:
		return false
	case ast.NullValue:
		return !t.NonNull
	}
	if t.Elem != nil {
		if v.Kind != ast.ListValue {
			return sg.fits(t.Elem, v, depth+1)
		}
		for _, c := range v.Children {
			if !sg.fits(t.Elem, c.Value, depth+1) {
				return false
			}
		}
		return true
	}
	switch t.NamedType {
	case "Int":
		n, err := strconv.ParseInt(v.Raw, 10, 64)
		return v.Kind == ast.IntValue && err == nil && n >= math.MinInt32 && n <= math.MaxInt32
	case "Float":
		return v.Kind == ast.IntValue || v.Kind == ast.FloatValue
	case "String":
		return v.Kind == ast.StringValue || v.Kind == ast.BlockValue
	case "Boolean":
		return v.Kind == ast.BooleanValue
	case "ID":
		return v.Kind == ast.StringValue || v.Kind == ast.BlockValue || v.Kind == ast.IntValue
	}
	def := sg.types[t.NamedType]
	if def == nil {
		return true
	}
	switch def.kind {
	case ast.Enum:
		if v.Kind != ast.EnumValue {
			return false
		}
		for _, ev := range def.values {
			if ev.name == v.Raw {
				return true
			}
		}
		return false
	case ast.InputObject:
		if v.Kind != ast.ObjectValue {
			return false
		}
		given := map[string]bool{}
		for _, c := range v.Children {
			f := def.field(c.Name)
			if f == nil || !sg.fits(f.typ, c.Value, depth+1) {
				return false
			}
			given[c.Name] = true
		}
		for _, f := range def.fields {
			if required(f.typ, f.defaultValue) && !given[f.name] {
				return false
			}
		}
	}
	return true
}
