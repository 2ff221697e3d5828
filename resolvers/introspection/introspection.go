// Package introspection executes the introspection root fields, __schema and
// __type, against a gateway schema and writes their JSON values.
//
// The gateway answers operations without gqlgen-generated resolvers, so the
// introspection types of the spec (https://spec.graphql.org/September2025/#sec-Introspection)
// are resolved here, straight from the *ast.Schema, and written into the
// response buffer without building values in between.
//
// Where the spec leaves room, the answer follows graphql-js, which is what
// most clients are tested against:
//   - fields that do not apply to a type's kind are null, not empty lists
//     (fields on a scalar, isOneOf on an object, ...);
//   - an interface's possibleTypes lists object types only, in declaration
//     order; a union's lists its members as declared;
//   - a bare @deprecated reports the directive's default reason, "No longer
//     supported";
//   - defaultValue is printed as graphql-js prints literals: `[1, 2]`,
//     `{a: 1}`, strings quoted even when the schema used a block string.
//
// The schema's types and directives are sorted by name, since gqlparser keeps
// them in maps and the answer must not change between requests.
//
// The caller handles the operation's root selection set: @skip and @include
// on the root field, __typename, and merging root fields that share a
// response key (see WriteMerged). Write only reads the schema, so concurrent
// calls may share one.
package introspection

import (
	"fmt"
	"github.com/weft-gateway/weft/internal/jsonwrite"
	"slices"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// Write appends to dst the JSON value of one occurrence of the root field
// __schema or __type(name:), as selected by field.SelectionSet, and returns the
// extended buffer. The field must come from a query document validated against
// s, so that fragment spreads carry their definitions. vars are the operation's
// coerced variable values; they drive @skip, @include, includeDeprecated and
// __type's name.
//
// Only the value is written, not the response key: the caller owns the
// surrounding object. On error dst is returned unchanged in length.
func Write(dst []byte, s *ast.Schema, field *ast.Field, vars map[string]any) ([]byte, error) {
	return WriteMerged(dst, s, []*ast.Field{field}, vars)
}

// WriteMerged is Write for a response key that the operation selects more than
// once (`__schema { a } __schema { b }`): the spec merges the occurrences into
// one value whose selection is the union of theirs, in order. The first field
// supplies the name and arguments; validation has made sure they agree.
func WriteMerged(dst []byte, s *ast.Schema, fields []*ast.Field, vars map[string]any) ([]byte, error) {
	return writeMerged(dst, s, fields, vars, 0)
}

func writeMerged(dst []byte, s *ast.Schema, fields []*ast.Field, vars map[string]any, maxBytes int) ([]byte, error) {
	if len(fields) == 0 {
		return dst, fmt.Errorf("introspection: no field to write")
	}
	if s == nil {
		return dst, fmt.Errorf("introspection: %s: no schema", fields[0].Name)
	}
	c := compiler{vars: vars}
	w := writer{s: s, buf: dst, start: len(dst), max: maxBytes}
	root := fields[0]
	switch root.Name {
	case "__schema":
		p, err := c.compile(schemaObject, fields, 0)
		if err != nil {
			return dst, fmt.Errorf("introspection: __schema: %w", err)
		}
		if err := w.schema(p); err != nil {
			return dst, fmt.Errorf("introspection: __schema: %w", err)
		}
	case "__type":
		name, err := stringArg(root.Arguments.ForName("name"), vars)
		if err != nil {
			return dst, fmt.Errorf("introspection: __type: argument name: %w", err)
		}
		p, err := c.compile(typeObject, fields, 0)
		if err != nil {
			return dst, fmt.Errorf("introspection: __type: %w", err)
		}
		def := s.Types[name]
		if def == nil {
			w.buf = append(w.buf, "null"...)
			break
		}
		if err := w.typ(p, typeRef{def: def}); err != nil {
			return dst, fmt.Errorf("introspection: __type(name: %q): %w", name, err)
		}
	default:
		return dst, fmt.Errorf("introspection: %q is not an introspection root field", root.Name)
	}
	return w.buf, nil
}

// writer appends the values of introspection objects to buf.
type writer struct {
	s   *ast.Schema
	buf []byte
	// start is where the answer begins in buf; max bounds its length
	// (none when zero).
	start, max int
}

func (w *writer) null() { w.buf = append(w.buf, "null"...) }

func (w *writer) bool(b bool) {
	if b {
		w.buf = append(w.buf, "true"...)
	} else {
		w.buf = append(w.buf, "false"...)
	}
}

func (w *writer) str(s string) { w.buf = jsonwrite.String(w.buf, s) }

// optStr writes s, or null when s is empty: gqlparser keeps an absent
// description as "", and the spec reports an absent one as null.
func (w *writer) optStr(s string) {
	if s == "" {
		w.null()
		return
	}
	w.str(s)
}

// each writes a JSON list of n items, item(i) writing the i-th.
func (w *writer) each(n int, item func(i int) error) error {
	w.buf = append(w.buf, '[')
	for i := range n {
		// Every repetition goes through a list, so checking between
		// items bounds the answer to max plus one item's worth.
		if w.max > 0 && len(w.buf)-w.start > w.max {
			return &TooLargeError{Limit: w.max}
		}
		if i > 0 {
			w.buf = append(w.buf, ',')
		}
		if err := item(i); err != nil {
			return err
		}
	}
	w.buf = append(w.buf, ']')
	return nil
}

func (w *writer) schema(p *plan) error {
	w.buf = append(w.buf, '{')
	for i := range p.sels {
		sel := &p.sels[i]
		w.key(i, sel)
		switch sel.field {
		case fTypename:
			w.str("__Schema")
		case fDescription:
			w.optStr(w.s.Description)
		case fTypes:
			defs := make([]*ast.Definition, 0, len(w.s.Types))
			for _, d := range w.s.Types {
				defs = append(defs, d)
			}
			// The schema's types are a map; sorting by name keeps the answer
			// stable from one request to the next.
			slices.SortFunc(defs, func(a, b *ast.Definition) int { return strings.Compare(a.Name, b.Name) })
			if err := w.each(len(defs), func(i int) error { return w.typ(sel.sub, typeRef{def: defs[i]}) }); err != nil {
				return err
			}
		case fQueryType:
			if w.s.Query == nil {
				return fmt.Errorf("schema has no query type")
			}
			if err := w.typ(sel.sub, typeRef{def: w.s.Query}); err != nil {
				return err
			}
		case fMutationType:
			if err := w.optDef(sel.sub, w.s.Mutation); err != nil {
				return err
			}
		case fSubscriptionType:
			if err := w.optDef(sel.sub, w.s.Subscription); err != nil {
				return err
			}
		case fDirectives:
			dirs := make([]*ast.DirectiveDefinition, 0, len(w.s.Directives))
			for _, d := range w.s.Directives {
				dirs = append(dirs, d)
			}
			slices.SortFunc(dirs, func(a, b *ast.DirectiveDefinition) int { return strings.Compare(a.Name, b.Name) })
			if err := w.each(len(dirs), func(i int) error { return w.directive(sel.sub, dirs[i]) }); err != nil {
				return err
			}
		default:
			return sel.unknown("__Schema")
		}
	}
	w.buf = append(w.buf, '}')
	return nil
}

func (w *writer) optDef(p *plan, def *ast.Definition) error {
	if def == nil {
		w.null()
		return nil
	}
	return w.typ(p, typeRef{def: def})
}

// key writes the i-th member's key, with the comma that separates it from the
// previous member.
func (w *writer) key(i int, sel *selection) {
	if i > 0 {
		w.buf = append(w.buf, ',')
	}
	w.buf = append(w.buf, sel.quotedKey...)
}

// typeRef is a __Type: either a named type, or a NON_NULL or LIST wrapper
// around an *ast.Type. gqlparser folds non-null into the wrapped type, so the
// NON_NULL's ofType is the same *ast.Type with its NonNull flag ignored.
type typeRef struct {
	def      *ast.Definition // named type; nil for a wrapper
	wrapped  *ast.Type       // wrapper; nil for a named type
	nullable bool            // wrapped.NonNull has been unwrapped already
}

func (t typeRef) kind() string {
	switch {
	case t.def != nil:
		return string(t.def.Kind)
	case t.wrapped.NonNull && !t.nullable:
		return "NON_NULL"
	default:
		return "LIST"
	}
}

// refOf returns the __Type for a type reference of the schema.
func (w *writer) refOf(t *ast.Type) (typeRef, error) {
	if t == nil {
		return typeRef{}, fmt.Errorf("missing type reference")
	}
	if t.NonNull || t.Elem != nil {
		return typeRef{wrapped: t}, nil
	}
	return w.named(t.NamedType)
}

func (w *writer) named(name string) (typeRef, error) {
	def := w.s.Types[name]
	if def == nil {
		return typeRef{}, fmt.Errorf("type %q is referenced but not defined", name)
	}
	return typeRef{def: def}, nil
}

// ofType returns the type a wrapper wraps; ok is false for a named type.
func (w *writer) ofType(t typeRef) (inner typeRef, ok bool, err error) {
	if t.def != nil {
		return typeRef{}, false, nil
	}
	if t.wrapped.NonNull && !t.nullable {
		if t.wrapped.Elem != nil {
			return typeRef{wrapped: t.wrapped, nullable: true}, true, nil
		}
		inner, err = w.named(t.wrapped.NamedType)
		return inner, err == nil, err
	}
	inner, err = w.refOf(t.wrapped.Elem)
	return inner, err == nil, err
}

func (w *writer) typ(p *plan, t typeRef) error {
	w.buf = append(w.buf, '{')
	def := t.def
	var kind ast.DefinitionKind
	if def != nil {
		kind = def.Kind
	}
	for i := range p.sels {
		sel := &p.sels[i]
		w.key(i, sel)
		switch sel.field {
		case fTypename:
			w.str("__Type")
		case fKind:
			w.str(t.kind())
		case fName:
			if def == nil {
				w.null()
			} else {
				w.str(def.Name)
			}
		case fDescription:
			if def == nil {
				w.null()
			} else {
				w.optStr(def.Description)
			}
		case fSpecifiedByURL:
			w.specifiedByURL(def)
		case fIsOneOf:
			if kind != ast.InputObject {
				w.null()
			} else {
				w.bool(def.Directives.ForName("oneOf") != nil)
			}
		case fFields:
			if kind != ast.Object && kind != ast.Interface {
				w.null()
				break
			}
			if err := w.fields(sel, def); err != nil {
				return err
			}
		case fInterfaces:
			if kind != ast.Object && kind != ast.Interface {
				w.null()
				break
			}
			if err := w.each(len(def.Interfaces), func(i int) error {
				ref, err := w.named(def.Interfaces[i])
				if err != nil {
					return fmt.Errorf("%s: interfaces: %w", def.Name, err)
				}
				return w.typ(sel.sub, ref)
			}); err != nil {
				return err
			}
		case fPossibleTypes:
			if err := w.possibleTypes(sel, def); err != nil {
				return err
			}
		case fEnumValues:
			if kind != ast.Enum {
				w.null()
				break
			}
			if err := w.enumValues(sel, def); err != nil {
				return err
			}
		case fInputFields:
			if kind != ast.InputObject {
				w.null()
				break
			}
			if err := w.inputValues(sel, fieldInputs(def.Fields)); err != nil {
				return fmt.Errorf("%s: %w", def.Name, err)
			}
		case fOfType:
			inner, ok, err := w.ofType(t)
			if err != nil {
				return err
			}
			if !ok {
				w.null()
				break
			}
			if err := w.typ(sel.sub, inner); err != nil {
				return err
			}
		default:
			return sel.unknown("__Type")
		}
	}
	w.buf = append(w.buf, '}')
	return nil
}

func (w *writer) specifiedByURL(def *ast.Definition) {
	if def == nil || def.Kind != ast.Scalar {
		w.null()
		return
	}
	d := def.Directives.ForName("specifiedBy")
	if d == nil {
		w.null()
		return
	}
	arg := d.Arguments.ForName("url")
	if arg == nil || arg.Value == nil || arg.Value.Kind == ast.NullValue {
		w.null()
		return
	}
	w.str(arg.Value.Raw)
}

func (w *writer) possibleTypes(sel *selection, def *ast.Definition) error {
	if def == nil {
		w.null()
		return nil
	}
	switch def.Kind {
	case ast.Union:
		// Member order as declared, which is what a client shows.
		return w.each(len(def.Types), func(i int) error {
			ref, err := w.named(def.Types[i])
			if err != nil {
				return fmt.Errorf("%s: possibleTypes: %w", def.Name, err)
			}
			return w.typ(sel.sub, ref)
		})
	case ast.Interface:
		// gqlparser also records interfaces that implement an interface as its
		// possible types; the spec wants the object types only.
		var objects []*ast.Definition
		for _, d := range w.s.GetPossibleTypes(def) {
			if d.Kind == ast.Object {
				objects = append(objects, d)
			}
		}
		return w.each(len(objects), func(i int) error { return w.typ(sel.sub, typeRef{def: objects[i]}) })
	default:
		w.null()
		return nil
	}
}

func (w *writer) fields(sel *selection, def *ast.Definition) error {
	w.buf = append(w.buf, '[')
	n := 0
	for _, f := range def.Fields {
		// __schema and __type are added to the query type by gqlparser; they
		// are meta-fields, never listed.
		if strings.HasPrefix(f.Name, "__") {
			continue
		}
		if !sel.includeDeprecated && f.Directives.ForName("deprecated") != nil {
			continue
		}
		if n > 0 {
			w.buf = append(w.buf, ',')
		}
		n++
		if err := w.field(sel.sub, f); err != nil {
			return fmt.Errorf("%s.%s: %w", def.Name, f.Name, err)
		}
	}
	w.buf = append(w.buf, ']')
	return nil
}

func (w *writer) field(p *plan, f *ast.FieldDefinition) error {
	w.buf = append(w.buf, '{')
	for i := range p.sels {
		sel := &p.sels[i]
		w.key(i, sel)
		switch sel.field {
		case fTypename:
			w.str("__Field")
		case fName:
			w.str(f.Name)
		case fDescription:
			w.optStr(f.Description)
		case fArgs:
			if err := w.inputValues(sel, argInputs(f.Arguments)); err != nil {
				return err
			}
		case fType:
			ref, err := w.refOf(f.Type)
			if err != nil {
				return err
			}
			if err := w.typ(sel.sub, ref); err != nil {
				return err
			}
		case fIsDeprecated:
			w.bool(f.Directives.ForName("deprecated") != nil)
		case fDeprecationReason:
			w.deprecationReason(f.Directives)
		default:
			return sel.unknown("__Field")
		}
	}
	w.buf = append(w.buf, '}')
	return nil
}

// deprecationReason writes the reason of dirs' @deprecated: null when there is
// none or the reason is an explicit null, and the directive's default reason
// when the argument is left out.
func (w *writer) deprecationReason(dirs ast.DirectiveList) {
	d := dirs.ForName("deprecated")
	if d == nil {
		w.null()
		return
	}
	if arg := d.Arguments.ForName("reason"); arg != nil && arg.Value != nil {
		if arg.Value.Kind == ast.NullValue {
			w.null()
		} else {
			w.str(arg.Value.Raw)
		}
		return
	}
	w.optStr(w.defaultDeprecationReason())
}

// defaultDeprecationReason reads the default from the schema's @deprecated,
// which the prelude declares as "No longer supported".
func (w *writer) defaultDeprecationReason() string {
	dd := w.s.Directives["deprecated"]
	if dd == nil {
		return "No longer supported"
	}
	arg := dd.Arguments.ForName("reason")
	if arg == nil || arg.DefaultValue == nil || arg.DefaultValue.Kind == ast.NullValue {
		return ""
	}
	return arg.DefaultValue.Raw
}

// inputValue is an argument or an input field: gqlparser keeps them in two
// types that share these parts.
type inputValue struct {
	name, description string
	typ               *ast.Type
	defaultValue      *ast.Value
	directives        ast.DirectiveList
}

// inputList gives indexed access to arguments or input fields without copying
// them into a new slice.
type inputList interface {
	len() int
	at(i int) inputValue
}

type argInputs ast.ArgumentDefinitionList

func (a argInputs) len() int { return len(a) }
func (a argInputs) at(i int) inputValue {
	d := a[i]
	return inputValue{d.Name, d.Description, d.Type, d.DefaultValue, d.Directives}
}

type fieldInputs ast.FieldList

func (a fieldInputs) len() int { return len(a) }
func (a fieldInputs) at(i int) inputValue {
	d := a[i]
	return inputValue{d.Name, d.Description, d.Type, d.DefaultValue, d.Directives}
}

func (w *writer) inputValues(sel *selection, list inputList) error {
	w.buf = append(w.buf, '[')
	n := 0
	for i := range list.len() {
		v := list.at(i)
		if !sel.includeDeprecated && v.directives.ForName("deprecated") != nil {
			continue
		}
		if n > 0 {
			w.buf = append(w.buf, ',')
		}
		n++
		if err := w.inputValue(sel.sub, v); err != nil {
			return fmt.Errorf("%s: %w", v.name, err)
		}
	}
	w.buf = append(w.buf, ']')
	return nil
}

func (w *writer) inputValue(p *plan, v inputValue) error {
	w.buf = append(w.buf, '{')
	for i := range p.sels {
		sel := &p.sels[i]
		w.key(i, sel)
		switch sel.field {
		case fTypename:
			w.str("__InputValue")
		case fName:
			w.str(v.name)
		case fDescription:
			w.optStr(v.description)
		case fType:
			ref, err := w.refOf(v.typ)
			if err != nil {
				return err
			}
			if err := w.typ(sel.sub, ref); err != nil {
				return err
			}
		case fDefaultValue:
			if v.defaultValue == nil {
				w.null()
			} else {
				w.str(string(appendLiteral(nil, v.defaultValue)))
			}
		case fIsDeprecated:
			w.bool(v.directives.ForName("deprecated") != nil)
		case fDeprecationReason:
			w.deprecationReason(v.directives)
		default:
			return sel.unknown("__InputValue")
		}
	}
	w.buf = append(w.buf, '}')
	return nil
}

func (w *writer) enumValues(sel *selection, def *ast.Definition) error {
	w.buf = append(w.buf, '[')
	n := 0
	for _, v := range def.EnumValues {
		if !sel.includeDeprecated && v.Directives.ForName("deprecated") != nil {
			continue
		}
		if n > 0 {
			w.buf = append(w.buf, ',')
		}
		n++
		w.buf = append(w.buf, '{')
		for i := range sel.sub.sels {
			s := &sel.sub.sels[i]
			w.key(i, s)
			switch s.field {
			case fTypename:
				w.str("__EnumValue")
			case fName:
				w.str(v.Name)
			case fDescription:
				w.optStr(v.Description)
			case fIsDeprecated:
				w.bool(v.Directives.ForName("deprecated") != nil)
			case fDeprecationReason:
				w.deprecationReason(v.Directives)
			default:
				return s.unknown("__EnumValue")
			}
		}
		w.buf = append(w.buf, '}')
	}
	w.buf = append(w.buf, ']')
	return nil
}

func (w *writer) directive(p *plan, d *ast.DirectiveDefinition) error {
	w.buf = append(w.buf, '{')
	for i := range p.sels {
		sel := &p.sels[i]
		w.key(i, sel)
		switch sel.field {
		case fTypename:
			w.str("__Directive")
		case fName:
			w.str(d.Name)
		case fDescription:
			w.optStr(d.Description)
		case fIsRepeatable:
			w.bool(d.IsRepeatable)
		case fLocations:
			_ = w.each(len(d.Locations), func(i int) error {
				w.str(string(d.Locations[i]))
				return nil
			})
		case fArgs:
			if err := w.inputValues(sel, argInputs(d.Arguments)); err != nil {
				return fmt.Errorf("@%s: %w", d.Name, err)
			}
		default:
			return sel.unknown("__Directive")
		}
	}
	w.buf = append(w.buf, '}')
	return nil
}
