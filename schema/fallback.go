package schema

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vektah/gqlparser/v2/ast"
)

// Fallback says what serves a field when its call fails, tried in order:
// the same binding against another upstream, the last good value of the
// same call within a maximum age, a static value, and else null with the
// error.
type Fallback struct {
	// On are the failures (extensions codes) that trigger it; by default
	// every upstream failure but UPSTREAM_REQUEST_INVALID, which is the
	// request's own fault.
	On []string
	// Upstream replays the binding against this upstream (a replica, of
	// the same kind), or, with Binding set, is Binding's upstream.
	Upstream string
	// Binding, when set, is the field's second binding, to another
	// upstream of another kind, called in place of a replica.
	Binding *Binding
	// Stale serves the last good value of the same call at most this old.
	Stale time.Duration
	// Value is a static value of the field's type, as JSON; nil for none.
	Value []byte
	// Pos is where the fallback is declared.
	Pos Pos
}

// fallbackCodes are the failures a fallback may name: the extensions
// codes of failed calls, and UPSTREAM_GRAPHQL_ERROR for a GraphQL
// upstream's answer that holds errors and no value for the field.
var fallbackCodes = []string{
	"UPSTREAM_TIMEOUT", "UPSTREAM_UNAVAILABLE", "UPSTREAM_CIRCUIT_OPEN", "UPSTREAM_OVERLOADED",
	"UPSTREAM_ERROR", "UPSTREAM_GRAPHQL_ERROR", "UPSTREAM_BAD_RESPONSE",
}

// unavailability are the refusals a fallback on UPSTREAM_UNAVAILABLE
// serves too: the upstream is as unavailable to the field whether its
// connection failed or its breaker or concurrency limit refused the call.
var unavailability = []string{"UPSTREAM_CIRCUIT_OPEN", "UPSTREAM_OVERLOADED"}

// FallbackCode reports whether code is a failure a fallback may name.
func FallbackCode(code string) bool { return slices.Contains(fallbackCodes, code) }

// Triggers reports whether a failure with the code (an extensions code)
// falls back.
func (f *Fallback) Triggers(code string) bool {
	if len(f.On) == 0 {
		return slices.Contains(fallbackCodes, code)
	}
	return slices.Contains(f.On, code) ||
		slices.Contains(unavailability, code) && slices.Contains(f.On, "UPSTREAM_UNAVAILABLE")
}

// fallbacks reads @fallback on bound fields, and on object types as the
// default of every bound field of that type that declares none. It runs
// after every binding is known.
func (b *builder) fallbacks() {
	byType := map[string]*Fallback{}
	for _, def := range b.sortedTypes() {
		d := def.Directives.ForName("fallback")
		if d == nil {
			continue
		}
		if def.Kind != ast.Object {
			b.errorf(d.Position, def.Name, "@fallback goes on object types and fields")
			continue
		}
		t := &ast.Type{NamedType: def.Name, Position: def.Position}
		if fb := b.readFallback(d, t, nil, def.Name+" @fallback"); fb != nil {
			byType[def.Name] = fb
		}
	}
	for _, def := range b.sortedTypes() {
		if def.Kind != ast.Object {
			continue
		}
		for _, f := range def.Fields {
			ref := FieldRef{def.Name, f.Name}
			bd := b.bindings[ref]
			d := f.Directives.ForName("fallback")
			if d == nil {
				// A type's default serves fields holding one value of it;
				// else the upstream's default serves every field bound
				// to it.
				switch {
				case bd == nil:
				case f.Type.Elem == nil && byType[f.Type.Name()] != nil:
					bd.Fallback = byType[f.Type.Name()]
				default:
					bd.Fallback = b.upstreamFallback(bd)
				}
				continue
			}
			where := ref.String() + " @fallback"
			if bd == nil {
				if !b.hasBinding(f) {
					b.errorf(d.Position, where, "a fallback serves a field whose binding fails; this field has no binding")
				}
				continue
			}
			bd.Fallback = b.readFallback(d, f.Type, bd, where)
		}
	}
	b.attachAlternates()
	b.federatedFallbacks(byType)
}

// alternateOf reports whether bd's field has a second binding to upstream.
func (b *builder) alternateOf(bd *Binding, upstream string) bool {
	alt := b.alternates[bd.FieldRef]
	return alt != nil && alt.bd.Upstream == upstream
}

// attachAlternates makes each field's second binding its fallback's: the
// fallback must name its upstream. The binding kinds whose values come as
// they are (REST, gRPC, SOAP) can stand in for one another; a GraphQL
// binding's selection is planned into its upstream's operation, so it can
// be neither.
func (b *builder) attachAlternates() {
	refs := make([]FieldRef, 0, len(b.alternates))
	for ref := range b.alternates {
		refs = append(refs, ref)
	}
	slices.SortFunc(refs, func(x, y FieldRef) int { return strings.Compare(x.String(), y.String()) })
	for _, ref := range refs {
		alt := b.alternates[ref]
		where := ref.String() + " @" + alt.d.Name
		bd := b.bindings[ref]
		if bd == nil {
			continue // the first binding's errors say why
		}
		fb := bd.Fallback
		own := bd.Def.Directives.ForName("fallback")
		switch {
		case alt.bd.Upstream == bd.Upstream:
			b.errorf(alt.d.Position, where, "both bindings name upstream %q; a second binding serves as the fallback, on another upstream", bd.Upstream)
			continue
		case own != nil && fb == nil:
			continue // the fallback's errors say why
		case own == nil || fb.Upstream == "":
			b.errorf(alt.d.Position, where, "a field has one binding; a second serves only as its fallback: add @fallback(upstream: %q)", alt.bd.Upstream)
			continue
		case fb.Upstream != alt.bd.Upstream:
			b.errorf(alt.d.Position, where, "a second binding serves only as the fallback's upstream, but @fallback names %q: name %q", fb.Upstream, alt.bd.Upstream)
			continue
		case bd.GraphQL != nil || alt.bd.GraphQL != nil:
			b.errorf(alt.d.Position, where, "a fallback binding cannot stand in for @graphql or be one: a GraphQL binding's selection is planned into its upstream's operation")
			continue
		case bd.Batch != nil && alt.bd.Batch == nil:
			b.errorf(alt.d.Position, where, "the field's binding resolves parents in batches, so its fallback binding needs a batch form too")
			continue
		}
		fb.Binding = alt.bd
		// The call to the fallback's upstream reads the arguments its
		// templates name.
		bd.ReadsArgs = bd.ReadsArgs || alt.bd.ReadsArgs
		// The parent's source returns what either binding reads.
		for _, r := range alt.bd.ParentRefs {
			if !slices.ContainsFunc(bd.ParentRefs, func(x []string) bool { return slices.Equal(x, r) }) {
				bd.ParentRefs = append(bd.ParentRefs, r)
			}
		}
	}
}

// readFallback reads @fallback(on, upstream, stale, value) for values of
// type t; bd is the binding it backs (nil for a type's default).
func (b *builder) readFallback(d *ast.Directive, t *ast.Type, bd *Binding, where string) *Fallback {
	args := newDirectiveArgs(b, d, where)
	fb := &Fallback{Pos: b.pos(d.Position)}
	n := len(b.errs)
	for _, code := range args.strings("on") {
		if !slices.Contains(fallbackCodes, code) {
			b.errorf(args.pos("on"), where, "on: %q is not a failure a fallback serves (one of %s)", code, strings.Join(fallbackCodes, ", "))
			continue
		}
		fb.On = append(fb.On, code)
	}
	fb.Upstream = args.string("upstream", false)
	if fb.Upstream != "" {
		switch info, ok := b.opts.Upstreams[fb.Upstream]; {
		case !ok:
			b.errorf(args.pos("upstream"), where, "unknown upstream %q%s", fb.Upstream, suggest(fb.Upstream, keys(b.opts.Upstreams)))
		case bd == nil:
			b.errorf(args.pos("upstream"), where, "a type's default fallback cannot name an upstream: the fields of the type have different bindings")
		case fb.Upstream == bd.Upstream:
			b.errorf(args.pos("upstream"), where, "upstream %q is the one that failed; name a replica", fb.Upstream)
		case b.alternateOf(bd, fb.Upstream):
			// The field's second binding says how to call it.
		case !info.Failed && info.Kind != bd.Kind:
			b.errorf(args.pos("upstream"), where, "upstream %q is a %s upstream; the binding is replayed on it, so it must be a %s upstream", fb.Upstream, info.Kind, bd.Kind)
		}
	}
	if s, ok := args.duration("stale"); ok {
		fb.Stale = s
	}
	if v := args.value("value"); v != nil {
		if msg := b.literalFits(t, v); msg != "" {
			b.errorf(v.Position, where, "value does not fit type %s: %s", t, msg)
		} else {
			fb.Value = literalJSON(nil, v)
		}
	} else if a := d.Arguments.ForName("value"); a != nil && a.Value != nil && a.Value.Kind == ast.NullValue {
		if t.NonNull {
			b.errorf(a.Position, where, "value null does not fit type %s", t)
		} else {
			fb.Value = []byte("null")
		}
	}
	args.rejectUnknown()
	if fb.Upstream == "" && fb.Stale == 0 && fb.Value == nil && len(b.errs) == n {
		b.errorf(d.Position, where, "say what serves the field: upstream, stale or value")
	}
	if len(b.errs) != n {
		return nil
	}
	return fb
}

// literalFits explains why a value literal cannot be a value of output
// type t, or returns "". Every non-null field of an object must be given
// (the client may select it); custom scalars take any value.
func (b *builder) literalFits(t *ast.Type, v *ast.Value) string {
	if v.Kind == ast.Variable {
		return "a fallback value cannot use variables"
	}
	if v.Kind == ast.NullValue {
		if t.NonNull {
			return fmt.Sprintf("null for non-null %s", t)
		}
		return ""
	}
	if t.Elem != nil {
		if v.Kind != ast.ListValue {
			return fmt.Sprintf("%s is not a list", v)
		}
		for i, c := range v.Children {
			if msg := b.literalFits(t.Elem, c.Value); msg != "" {
				return fmt.Sprintf("[%d]: %s", i, msg)
			}
		}
		return ""
	}
	def := b.ast.Types[t.NamedType]
	if def == nil {
		return ""
	}
	switch def.Kind {
	case ast.Scalar:
		switch def.Name {
		case "Int":
			if v.Kind != ast.IntValue {
				return fmt.Sprintf("%s is not an Int", v)
			}
			if _, err := strconv.ParseInt(v.Raw, 10, 32); err != nil {
				return fmt.Sprintf("%s is not a 32-bit Int", v.Raw)
			}
		case "Float":
			if v.Kind != ast.IntValue && v.Kind != ast.FloatValue {
				return fmt.Sprintf("%s is not a Float", v)
			}
		case "String":
			if v.Kind != ast.StringValue && v.Kind != ast.BlockValue {
				return fmt.Sprintf("%s is not a String", v)
			}
		case "ID":
			if v.Kind != ast.StringValue && v.Kind != ast.IntValue {
				return fmt.Sprintf("%s is not an ID", v)
			}
		case "Boolean":
			if v.Kind != ast.BooleanValue {
				return fmt.Sprintf("%s is not a Boolean", v)
			}
		}
	case ast.Enum:
		if v.Kind != ast.EnumValue || def.EnumValues.ForName(v.Raw) == nil {
			return fmt.Sprintf("%s is not a value of enum %s", v, def.Name)
		}
	case ast.Object:
		if v.Kind != ast.ObjectValue {
			return fmt.Sprintf("%s is not an object of type %s", v, def.Name)
		}
		for _, c := range v.Children {
			f := def.Fields.ForName(c.Name)
			if f == nil {
				return fmt.Sprintf("type %s has no field %q", def.Name, c.Name)
			}
			if msg := b.literalFits(f.Type, c.Value); msg != "" {
				return c.Name + ": " + msg
			}
		}
		for _, f := range def.Fields {
			if f.Type.NonNull && v.Children.ForName(f.Name) == nil && !strings.HasPrefix(f.Name, "__") && b.bindings[FieldRef{def.Name, f.Name}] == nil {
				return fmt.Sprintf("non-null field %s.%s is missing", def.Name, f.Name)
			}
		}
	default:
		return fmt.Sprintf("a %s type cannot hold a fallback value", strings.ToLower(string(def.Kind)))
	}
	return ""
}

// literalJSON appends a value literal as JSON.
func literalJSON(dst []byte, v *ast.Value) []byte {
	switch v.Kind {
	case ast.IntValue, ast.FloatValue, ast.BooleanValue:
		return append(dst, v.Raw...)
	case ast.StringValue, ast.BlockValue, ast.EnumValue:
		b, _ := json.Marshal(v.Raw)
		return append(dst, b...)
	case ast.ListValue:
		dst = append(dst, '[')
		for i, c := range v.Children {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = literalJSON(dst, c.Value)
		}
		return append(dst, ']')
	case ast.ObjectValue:
		dst = append(dst, '{')
		for i, c := range v.Children {
			if i > 0 {
				dst = append(dst, ',')
			}
			k, _ := json.Marshal(c.Name)
			dst = append(dst, k...)
			dst = append(dst, ':')
			dst = literalJSON(dst, c.Value)
		}
		return append(dst, '}')
	}
	return append(dst, "null"...)
}

// HasStaleFallbacks reports whether a fallback serves stale values, so the
// executor keeps the last good ones.
func (s *Schema) HasStaleFallbacks() bool {
	for _, b := range s.bindings {
		if b.Fallback != nil && b.Fallback.Stale > 0 {
			return true
		}
	}
	return s.hasFederatedStale()
}

// upstreamFallback is the default fallback of a binding's upstream, once
// its replica is checked against the binding.
func (b *builder) upstreamFallback(bd *Binding) *Fallback {
	fb := b.opts.Upstreams[bd.Upstream].Fallback
	if fb == nil || fb.Upstream == "" {
		return fb
	}
	where := fmt.Sprintf("upstream %s's fallback (%s:%d)", bd.Upstream, fb.Pos.File, fb.Pos.Line)
	switch info, ok := b.opts.Upstreams[fb.Upstream]; {
	case !ok:
		b.errorf(bd.Def.Position, bd.FieldRef.String(), "%s names unknown upstream %q%s", where, fb.Upstream, suggest(fb.Upstream, keys(b.opts.Upstreams)))
		return nil
	case !info.Failed && info.Kind != bd.Kind:
		b.errorf(bd.Def.Position, bd.FieldRef.String(), "%s names %q, a %s upstream; the binding is replayed on it, so it must be a %s upstream", where, fb.Upstream, info.Kind, bd.Kind)
		return nil
	}
	return fb
}
