package introspection

import (
	"fmt"
	"github.com/weft-gateway/weft/internal/jsonwrite"

	"github.com/vektah/gqlparser/v2/ast"
)

// maxDepth bounds how deep selections nest. A validated document cannot
// recurse through fragments, but Write may be handed one that was not; the
// standard introspection query nests 13 levels.
const maxDepth = 100

// object is one of the introspection object types.
type object uint8

const (
	leaf object = iota // a scalar or enum value: no selection below it
	schemaObject
	typeObject
	fieldObject
	inputValueObject
	enumValueObject
	directiveObject
)

func (o object) String() string {
	switch o {
	case schemaObject:
		return "__Schema"
	case typeObject:
		return "__Type"
	case fieldObject:
		return "__Field"
	case inputValueObject:
		return "__InputValue"
	case enumValueObject:
		return "__EnumValue"
	case directiveObject:
		return "__Directive"
	}
	return "leaf"
}

// fieldID names a field of an introspection type. Fields that several types
// share (name, description, ...) share an id.
type fieldID uint8

const (
	fUnknown fieldID = iota
	fTypename
	fDescription
	fTypes
	fQueryType
	fMutationType
	fSubscriptionType
	fDirectives
	fKind
	fName
	fSpecifiedByURL
	fIsOneOf
	fFields
	fInterfaces
	fPossibleTypes
	fEnumValues
	fInputFields
	fOfType
	fArgs
	fType
	fIsDeprecated
	fDeprecationReason
	fDefaultValue
	fIsRepeatable
	fLocations
)

// lookup resolves a field of object o: its id, the object type of its value
// (leaf for scalars and enums), and whether it takes includeDeprecated.
func lookup(o object, name string) (id fieldID, child object, deprecatedArg bool) {
	if name == "__typename" {
		return fTypename, leaf, false
	}
	switch o {
	case schemaObject:
		switch name {
		case "description":
			return fDescription, leaf, false
		case "types":
			return fTypes, typeObject, false
		case "queryType":
			return fQueryType, typeObject, false
		case "mutationType":
			return fMutationType, typeObject, false
		case "subscriptionType":
			return fSubscriptionType, typeObject, false
		case "directives":
			return fDirectives, directiveObject, false
		}
	case typeObject:
		switch name {
		case "kind":
			return fKind, leaf, false
		case "name":
			return fName, leaf, false
		case "description":
			return fDescription, leaf, false
		case "specifiedByURL":
			return fSpecifiedByURL, leaf, false
		case "isOneOf":
			return fIsOneOf, leaf, false
		case "fields":
			return fFields, fieldObject, true
		case "interfaces":
			return fInterfaces, typeObject, false
		case "possibleTypes":
			return fPossibleTypes, typeObject, false
		case "enumValues":
			return fEnumValues, enumValueObject, true
		case "inputFields":
			return fInputFields, inputValueObject, true
		case "ofType":
			return fOfType, typeObject, false
		}
	case fieldObject:
		switch name {
		case "name":
			return fName, leaf, false
		case "description":
			return fDescription, leaf, false
		case "args":
			return fArgs, inputValueObject, true
		case "type":
			return fType, typeObject, false
		case "isDeprecated":
			return fIsDeprecated, leaf, false
		case "deprecationReason":
			return fDeprecationReason, leaf, false
		}
	case inputValueObject:
		switch name {
		case "name":
			return fName, leaf, false
		case "description":
			return fDescription, leaf, false
		case "type":
			return fType, typeObject, false
		case "defaultValue":
			return fDefaultValue, leaf, false
		case "isDeprecated":
			return fIsDeprecated, leaf, false
		case "deprecationReason":
			return fDeprecationReason, leaf, false
		}
	case enumValueObject:
		switch name {
		case "name":
			return fName, leaf, false
		case "description":
			return fDescription, leaf, false
		case "isDeprecated":
			return fIsDeprecated, leaf, false
		case "deprecationReason":
			return fDeprecationReason, leaf, false
		}
	case directiveObject:
		switch name {
		case "name":
			return fName, leaf, false
		case "description":
			return fDescription, leaf, false
		case "isRepeatable":
			return fIsRepeatable, leaf, false
		case "locations":
			return fLocations, leaf, false
		case "args":
			return fArgs, inputValueObject, true
		}
	}
	return fUnknown, leaf, false
}

// plan is a selection set with fragments expanded, @skip/@include applied and
// repeated response keys merged: the members of one output object, in order.
// A list of objects shares one plan, so that the selection is worked out once
// per position in the query, not once per type in the schema.
type plan struct {
	sels []selection
}

// selection is one member of an output object.
type selection struct {
	quotedKey         []byte // `"key":`
	name              string // field name, for errors
	field             fieldID
	includeDeprecated bool
	sub               *plan // selection of an object value; nil for leaves
}

func (s *selection) unknown(typeName string) error {
	return fmt.Errorf("%s has no field %q", typeName, s.name)
}

// compiler turns the fields of one response key into a plan.
type compiler struct {
	vars map[string]any
}

// group is the fields that share one response key.
type group struct {
	key    string
	fields []*ast.Field
}

// collector gathers groups in first-seen order. Selections are few, so a
// linear search beats a map until a query piles up aliases.
type collector struct {
	groups  []group
	index   map[string]int
	visited []string // fragment names spread already, as the spec's CollectFields keeps
}

const indexAbove = 16

func (c *collector) add(key string, f *ast.Field) {
	if c.index != nil {
		if i, ok := c.index[key]; ok {
			c.groups[i].fields = append(c.groups[i].fields, f)
			return
		}
	} else {
		for i := range c.groups {
			if c.groups[i].key == key {
				c.groups[i].fields = append(c.groups[i].fields, f)
				return
			}
		}
	}
	c.groups = append(c.groups, group{key: key, fields: []*ast.Field{f}})
	if c.index != nil {
		c.index[key] = len(c.groups) - 1
	} else if len(c.groups) > indexAbove {
		c.index = make(map[string]int, 2*len(c.groups))
		for i := range c.groups {
			c.index[c.groups[i].key] = i
		}
	}
}

func (c *compiler) compile(o object, fields []*ast.Field, depth int) (*plan, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("selections nest deeper than %d levels", maxDepth)
	}
	var col collector
	for _, f := range fields {
		if err := c.collect(o, f.SelectionSet, &col); err != nil {
			return nil, err
		}
	}
	p := &plan{sels: make([]selection, 0, len(col.groups))}
	for _, g := range col.groups {
		first := g.fields[0]
		id, child, deprecatedArg := lookup(o, first.Name)
		if id == fUnknown {
			return nil, fmt.Errorf("%s has no field %q", o, first.Name)
		}
		sel := selection{
			quotedKey: append(jsonwrite.String(nil, g.key), ':'),
			name:      first.Name,
			field:     id,
		}
		if deprecatedArg {
			v, _, err := boolValue(argValue(first.Arguments, "includeDeprecated"), c.vars)
			if err != nil {
				return nil, fmt.Errorf("%s.%s: argument includeDeprecated: %w", o, first.Name, err)
			}
			sel.includeDeprecated = v
		}
		if child != leaf {
			sub, err := c.compile(child, g.fields, depth+1)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", g.key, err)
			}
			sel.sub = sub
		} else if len(first.SelectionSet) > 0 {
			return nil, fmt.Errorf("%s.%s is a leaf and takes no selection", o, first.Name)
		}
		p.sels = append(p.sels, sel)
	}
	return p, nil
}

// collect adds the fields of set that apply to an object of type o, following
// the spec's CollectFields.
func (c *compiler) collect(o object, set ast.SelectionSet, col *collector) error {
	for _, s := range set {
		switch s := s.(type) {
		case *ast.Field:
			ok, err := c.included(s.Directives)
			if err != nil {
				return fmt.Errorf("field %s: %w", s.Name, err)
			}
			if !ok {
				continue
			}
			key := s.Alias
			if key == "" {
				key = s.Name
			}
			col.add(key, s)
		case *ast.InlineFragment:
			ok, err := c.included(s.Directives)
			if err != nil {
				return fmt.Errorf("inline fragment: %w", err)
			}
			if !ok || (s.TypeCondition != "" && s.TypeCondition != o.String()) {
				continue
			}
			if err := c.collect(o, s.SelectionSet, col); err != nil {
				return err
			}
		case *ast.FragmentSpread:
			ok, err := c.included(s.Directives)
			if err != nil {
				return fmt.Errorf("fragment %s: %w", s.Name, err)
			}
			if !ok || containsString(col.visited, s.Name) {
				continue
			}
			col.visited = append(col.visited, s.Name)
			def := s.Definition
			if def == nil {
				return fmt.Errorf("fragment %s is not resolved: the document was not validated", s.Name)
			}
			// Introspection types implement no interfaces and belong to no
			// union, so a condition applies only when it names the type.
			if def.TypeCondition != o.String() {
				continue
			}
			if err := c.collect(o, def.SelectionSet, col); err != nil {
				return err
			}
		default:
			return fmt.Errorf("unexpected selection %T", s)
		}
	}
	return nil
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// included applies @skip and @include.
func (c *compiler) included(dirs ast.DirectiveList) (bool, error) {
	for _, d := range dirs {
		if d.Name != "skip" && d.Name != "include" {
			continue
		}
		v, set, err := boolValue(argValue(d.Arguments, "if"), c.vars)
		if err != nil {
			return false, fmt.Errorf("@%s(if:): %w", d.Name, err)
		}
		if !set {
			return false, fmt.Errorf("@%s(if:) has no value", d.Name)
		}
		if (d.Name == "skip") == v {
			return false, nil
		}
	}
	return true, nil
}

func argValue(args ast.ArgumentList, name string) *ast.Value {
	if a := args.ForName(name); a != nil {
		return a.Value
	}
	return nil
}

// resolve follows a variable to its value, or its definition's default. set
// is false when there is neither; literal values are returned as they are.
func resolve(v *ast.Value, vars map[string]any) (val any, literal *ast.Value, set bool) {
	if v == nil {
		return nil, nil, false
	}
	if v.Kind != ast.Variable {
		return nil, v, true
	}
	if x, ok := vars[v.Raw]; ok {
		return x, nil, true
	}
	if v.VariableDefinition != nil && v.VariableDefinition.DefaultValue != nil {
		return resolve(v.VariableDefinition.DefaultValue, vars)
	}
	return nil, nil, false
}

// boolValue reads a Boolean argument. A missing or null value is false with
// set reporting whether there was a value at all.
func boolValue(v *ast.Value, vars map[string]any) (b, set bool, err error) {
	x, lit, set := resolve(v, vars)
	if !set {
		return false, false, nil
	}
	if lit != nil {
		switch lit.Kind {
		case ast.BooleanValue:
			return lit.Raw == "true", true, nil
		case ast.NullValue:
			return false, true, nil
		}
		return false, true, fmt.Errorf("%s is not a Boolean", lit.String())
	}
	switch x := x.(type) {
	case bool:
		return x, true, nil
	case nil:
		return false, true, nil
	}
	return false, true, fmt.Errorf("variable $%s is %T, not a Boolean", v.Raw, x)
}

// stringArg reads a String! argument.
func stringArg(a *ast.Argument, vars map[string]any) (string, error) {
	if a == nil {
		return "", fmt.Errorf("missing")
	}
	x, lit, set := resolve(a.Value, vars)
	if !set {
		return "", fmt.Errorf("variable $%s has no value", a.Value.Raw)
	}
	if lit != nil {
		if lit.Kind != ast.StringValue && lit.Kind != ast.BlockValue {
			return "", fmt.Errorf("%s is not a String", lit.String())
		}
		return lit.Raw, nil
	}
	s, ok := x.(string)
	if !ok {
		return "", fmt.Errorf("variable $%s is %T, not a String", a.Value.Raw, x)
	}
	return s, nil
}
