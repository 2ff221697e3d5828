package schema

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// EnumWire maps the values of an enum to the values upstreams use for
// them, where @from(value:) says they differ from the GraphQL names: an
// upstream's "in-progress" or 2 is the GraphQL IN_PROGRESS or TWO. Values
// without @from are their names on the wire too.
type EnumWire struct {
	// strings and numbers give the GraphQL name of a wire value: a JSON
	// string's content, or a number in its canonical text (Canonical).
	strings, numbers map[string]string
	// wire is the JSON of each renamed value's wire form, by name.
	wire map[string][]byte
}

// FromString returns the GraphQL name of the wire string s.
func (e *EnumWire) FromString(s string) (string, bool) {
	n, ok := e.strings[s]
	return n, ok
}

// FromNumber returns the GraphQL name of the wire number whose JSON text
// is num.
func (e *EnumWire) FromNumber(num string) (string, bool) {
	if len(e.numbers) == 0 {
		return "", false
	}
	n, ok := e.numbers[CanonicalNumber(num)]
	return n, ok
}

// Wire returns the JSON of name's wire value, when @from renames it.
func (e *EnumWire) Wire(name string) ([]byte, bool) {
	w, ok := e.wire[name]
	return w, ok
}

// CanonicalNumber is the text two JSON numbers of the same value share:
// an integer in decimal, any other number as strconv writes its float64.
// Text that is not a number is returned as it is.
func CanonicalNumber(num string) string {
	if i, err := strconv.ParseInt(num, 10, 64); err == nil {
		return strconv.FormatInt(i, 10)
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return num
	}
	if f == float64(int64(f)) && f > -1e18 && f < 1e18 {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// EnumWire returns the wire values of enum typeName, nil when none of its
// values is renamed.
func (s *Schema) EnumWire(typeName string) *EnumWire { return s.enums[typeName] }

// TypeRule tells the concrete type of a value of a union or interface
// whose source does not say it with __typename (a REST answer): by the
// value of one of its keys (a discriminator), else by the keys it has
// (@typeBy).
type TypeRule struct {
	// Abstract is the union or interface.
	Abstract string
	// Key is the key whose string value names the type; "" when the type
	// is told by the keys present only.
	Key string
	// Values maps the values of Key to types; a possible type without
	// values is named by its own name.
	Values map[string]string
	// Shapes are the possible types with the keys a value of each must
	// have, in the order the directive lists them. A value is of the type
	// with the most keys that are all present; on a tie, of the first.
	Shapes []Shape
}

// Shape is a possible type of a TypeRule and the keys its values have.
type Shape struct {
	Type string
	Keys []string
}

// TypeRule returns the rule that tells the concrete type of values of the
// union or interface typeName, nil when its values carry __typename.
func (s *Schema) TypeRule(typeName string) *TypeRule { return s.typeRules[typeName] }

// enumWires reads the @from(value:) of enum values: the values upstreams
// use for them, distinct within each enum.
func (b *builder) enumWires() {
	for _, def := range b.sortedTypes() {
		if def.Kind != ast.Enum {
			continue
		}
		var wire *EnumWire
		byWire := map[string]string{}
		for _, v := range def.EnumValues {
			where := def.Name + "." + v.Name
			key, text := "s:"+v.Name, strconv.Quote(v.Name)
			var raw []byte
			if d := v.Directives.ForName("from"); d != nil {
				args := newDirectiveArgs(b, d, where+" @from")
				val := args.value("value")
				args.rejectUnknown()
				switch {
				case val == nil:
					b.errorf(d.Position, where, "@from on an enum value takes value: the value upstreams use, such as @from(value: \"in-progress\") or @from(value: 2)")
					continue
				case val.Kind == ast.StringValue || val.Kind == ast.BlockValue:
					key, text = "s:"+val.Raw, strconv.Quote(val.Raw)
					raw, _ = json.Marshal(val.Raw)
				case val.Kind == ast.IntValue || val.Kind == ast.FloatValue:
					if _, err := strconv.ParseFloat(val.Raw, 64); err != nil {
						b.errorf(val.Position, where, "@from(value:) %s is not a number JSON can hold", val.Raw)
						continue
					}
					key, text = "n:"+CanonicalNumber(val.Raw), val.Raw
					raw = []byte(val.Raw)
				default:
					b.errorf(val.Position, where, "@from(value:) must be a string or a number, got %s", val.String())
					continue
				}
				if wire == nil {
					wire = &EnumWire{strings: map[string]string{}, numbers: map[string]string{}, wire: map[string][]byte{}}
				}
				wire.wire[v.Name] = raw
			}
			if other, ok := byWire[key]; ok {
				b.errorf(v.Position, where, "upstreams use %s for both %s and %s; an enum's values need distinct wire values", text, other, v.Name)
				continue
			}
			byWire[key] = v.Name
		}
		if wire == nil {
			continue
		}
		for key, name := range byWire {
			if s, ok := strings.CutPrefix(key, "s:"); ok {
				wire.strings[s] = name
			} else {
				wire.numbers[key[2:]] = name
			}
		}
		b.enums[def.Name] = wire
	}
}

// typeRules reads the @typeBy of unions and interfaces, and checks the
// @unwrap of input objects.
func (b *builder) typeRules() {
	for _, def := range b.sortedTypes() {
		if d := def.Directives.ForName("unwrap"); d != nil && def.Directives.ForName("oneOf") == nil {
			b.errorf(d.Position, def.Name, "@unwrap sends a one-of input object as its one field's value; declare %s @oneOf", def.Name)
		}
		d := def.Directives.ForName("typeBy")
		if d == nil {
			continue
		}
		where := def.Name + " @typeBy"
		possible := map[string]bool{}
		var order []string
		for _, t := range b.ast.GetPossibleTypes(def) {
			if t.Kind == ast.Object {
				possible[t.Name] = true
				order = append(order, t.Name)
			}
		}
		args := newDirectiveArgs(b, d, where)
		r := &TypeRule{Abstract: def.Name, Key: args.string("key", false)}
		member := func(name string, p *ast.Position) bool {
			if !possible[name] {
				b.errorf(p, where, "%s is not a possible type of %s (they are %s)%s", name, def.Name, strings.Join(order, ", "), suggest(name, order))
				return false
			}
			return true
		}
		if v := args.value("values"); v != nil {
			if r.Key == "" {
				b.errorf(v.Position, where, "values name the types by the values of key; give key")
			}
			r.Values = map[string]string{}
			named := map[string]bool{}
			for _, c := range b.typeLists(v, where, "values") {
				if !member(c.name, c.pos) {
					continue
				}
				named[c.name] = true
				for _, s := range c.list {
					if other, ok := r.Values[s]; ok && other != c.name {
						b.errorf(c.pos, where, "the value %q names both %s and %s", s, other, c.name)
						continue
					}
					r.Values[s] = c.name
				}
			}
			// A possible type the directive does not list is named by its
			// own name, unless a listed value takes it.
			for _, t := range order {
				if _, taken := r.Values[t]; !named[t] && !taken {
					r.Values[t] = t
				}
			}
		}
		if v := args.value("required"); v != nil {
			for _, c := range b.typeLists(v, where, "required") {
				if member(c.name, c.pos) {
					r.Shapes = append(r.Shapes, Shape{Type: c.name, Keys: c.list})
				}
			}
		}
		args.rejectUnknown()
		if r.Key == "" && r.Shapes == nil {
			b.errorf(d.Position, where, "say how to tell the type: key (with values), required, or both")
			continue
		}
		if r.Key != "" && r.Values == nil {
			r.Values = map[string]string{}
			for _, t := range order {
				r.Values[t] = t
			}
		}
		b.rules[def.Name] = r
	}
}

// typeList is one entry of a @typeBy object argument: a type and strings.
type typeList struct {
	name string
	list []string
	pos  *ast.Position
}

// typeLists reads an object whose fields are type names and whose values
// are strings or lists of strings.
func (b *builder) typeLists(v *ast.Value, where, arg string) []typeList {
	if v.Kind != ast.ObjectValue {
		b.errorf(v.Position, where, "%s must be an object such as {Cat: [\"cat\"], Dog: [\"dog\"]}", arg)
		return nil
	}
	var out []typeList
	for _, c := range v.Children {
		tl := typeList{name: c.Name, pos: c.Position}
		switch c.Value.Kind {
		case ast.StringValue, ast.BlockValue:
			tl.list = []string{c.Value.Raw}
		case ast.ListValue:
			tl.list = []string{}
			for _, e := range c.Value.Children {
				if e.Value.Kind != ast.StringValue && e.Value.Kind != ast.BlockValue {
					b.errorf(e.Value.Position, where, "%s.%s must be a list of strings, got %s", arg, c.Name, e.Value.String())
					continue
				}
				tl.list = append(tl.list, e.Value.Raw)
			}
		default:
			b.errorf(c.Value.Position, where, "%s.%s must be a string or a list of strings, got %s", arg, c.Name, c.Value.String())
			continue
		}
		out = append(out, tl)
	}
	return out
}
