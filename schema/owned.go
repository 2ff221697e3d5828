package schema

import (
	"github.com/vektah/gqlparser/v2/ast"
)

// checkOwnedTypes checks, for every GraphQL binding, that the upstream can
// return every field the gateway type declares without a binding of its own:
// those fields are forwarded in the upstream query, so they must exist there
// with a type that fits.
func (b *builder) checkOwnedTypes() {
	seen := map[[3]string]bool{}
	for _, bd := range b.sortedBindings() {
		if bd.GraphQL == nil || bd.GraphQL.UpstreamDef == nil {
			continue
		}
		up := b.opts.Upstreams[bd.Upstream].Schema
		b.checkOwned(bd.Def.Type.Name(), bd.Upstream, up, seen, false)
		for _, in := range bd.forwardedInputs {
			b.checkOwned(in, bd.Upstream, up, seen, true)
		}
	}
}

func (b *builder) sortedBindings() []*Binding {
	s := &Schema{bindings: b.bindings}
	return s.Bindings()
}

// checkOwned checks the type name as the upstream's: as an output (what
// the upstream returns, so each of its enum values must be the gateway's)
// or, with input set, as an input (what clients send on, so each of the
// gateway's enum values must be the upstream's).
func (b *builder) checkOwned(name, upName string, up *ast.Schema, seen map[[3]string]bool, input bool) {
	dir := "out"
	if input {
		dir = "in"
	}
	key := [3]string{upName, name, dir}
	if seen[key] {
		return
	}
	seen[key] = true
	gw := b.ast.Types[name]
	if gw == nil || gw.BuiltIn {
		return
	}
	ut := up.Types[name]
	if ut == nil {
		b.errorf(gw.Position, name, "type %s is returned by upstream %q, which has no type of that name", name, upName)
		return
	}
	if ut.Kind != gw.Kind {
		b.errorf(gw.Position, name, "type %s is %s here but %s in upstream %q", name, gw.Kind, ut.Kind, upName)
		return
	}
	switch gw.Kind {
	case ast.Enum:
		if input {
			for _, v := range gw.EnumValues {
				if ut.EnumValues.ForName(v.Name) == nil {
					b.errorf(v.Position, name+"."+v.Name, "enum %s has value %s, which clients may send but upstream %q does not accept", name, v.Name, upName)
				}
			}
			return
		}
		for _, v := range ut.EnumValues {
			if gw.EnumValues.ForName(v.Name) == nil {
				b.errorf(gw.Position, name, "enum %s lacks value %s, which upstream %q can return", name, v.Name, upName)
			}
		}
	case ast.InputObject:
		for _, f := range gw.Fields {
			uf := ut.Fields.ForName(f.Name)
			if uf == nil {
				b.errorf(f.Position, name+"."+f.Name, "input field is not in upstream %q's input %s", upName, name)
			} else if msg := argFits(f.Type, uf.Type); msg != "" {
				b.errorf(f.Position, name+"."+f.Name, "type %s cannot be passed as upstream %q input field of type %s: %s", f.Type, upName, uf.Type, msg)
			} else {
				b.checkOwned(f.Type.Name(), upName, up, seen, true)
			}
		}
		for _, uf := range ut.Fields {
			if uf.Type.NonNull && uf.DefaultValue == nil && gw.Fields.ForName(uf.Name) == nil {
				b.errorf(gw.Position, name, "upstream %q's input %s requires field %q, which is missing here", upName, name, uf.Name)
			}
		}
	case ast.Union:
		for _, t := range gw.Types {
			b.checkOwned(t, upName, up, seen, false)
		}
	case ast.Object, ast.Interface:
		keyless := false
		for _, f := range gw.Fields {
			// A field with a binding directive is resolved by it, even when
			// the binding has errors of its own, reported where it is.
			if len(f.Name) > 1 && f.Name[:2] == "__" || b.bindings[FieldRef{name, f.Name}] != nil || b.hasBinding(f) {
				continue
			}
			where := name + "." + f.Name
			srcName := b.sourceName(name, f.Name)
			uf := ut.Fields.ForName(srcName)
			if uf == nil {
				if fed := b.opts.Federation; fed != nil && b.federated(name, f.Name) {
					// A subgraph resolves it, by the key of the objects the
					// upstream returns: the planner fetches it from there.
					// Said once per type: every such field fails alike.
					if !keyless && fed.KeyWithin(name, func(k string) bool { return ut.Fields.ForName(b.sourceName(name, k)) != nil }) == nil {
						keyless = true
						b.errorf(f.Position, where, "has no binding, and upstream %q's type %s has no field %q to forward it to; the supergraph resolves it, but the upstream's %s lacks the fields of every key a subgraph could fetch it by (%s)", upName, name, srcName, name, fed.KeysText(name, f.Name))
					}
					continue
				}
				b.errorf(f.Position, where, "has no binding, and upstream %q's type %s has no field %q to forward it to", upName, name, srcName)
				continue
			}
			if msg := fits(f.Type, uf.Type); msg != "" {
				b.errorf(f.Position, where, "type %s cannot hold upstream %q %s.%s of type %s: %s", f.Type, upName, name, f.Name, uf.Type, msg)
				continue
			}
			for _, a := range f.Arguments {
				ua := uf.Arguments.ForName(a.Name)
				if ua == nil {
					b.errorf(a.Position, where, "argument %q is not an argument of upstream %q's %s.%s", a.Name, upName, name, f.Name)
				} else if msg := argFits(a.Type, ua.Type); msg != "" {
					b.errorf(a.Position, where, "argument %q of type %s cannot be passed as upstream argument of type %s: %s", a.Name, a.Type, ua.Type, msg)
				} else {
					b.checkOwned(a.Type.Name(), upName, up, seen, true)
				}
			}
			b.checkOwned(f.Type.Name(), upName, up, seen, false)
		}
		if gw.Kind == ast.Interface {
			for _, impl := range b.ast.PossibleTypes[name] {
				b.checkOwned(impl.Name, upName, up, seen, false)
			}
		}
	}
}
