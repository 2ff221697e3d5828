package schema

import (
	"fmt"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// methodField returns the generated root field that stands for a method.
func (b *builder) methodField(info UpstreamInfo, m Method) *ast.FieldDefinition {
	if info.Schema == nil {
		return nil
	}
	var root *ast.Definition
	switch m.Operation {
	case ast.Mutation:
		root = info.Schema.Mutation
	case ast.Subscription:
		root = info.Schema.Subscription
	default:
		root = info.Schema.Query
	}
	if root == nil {
		return nil
	}
	return root.Fields.ForName(m.Field)
}

// checkShape checks that a value of upstream type up can be served as
// gateway type gw: the same list depth, and for objects, every field
// without a binding of its own present in the upstream's message (by its
// source name) with a shape that fits. Type names may differ: a gateway
// schema names its types as it likes.
func (b *builder) checkShape(gw, up *ast.Type, upName string, us *ast.Schema, p *ast.Position, where string, seen map[[2]string]bool) {
	if msg := listShape(gw, up); msg != "" {
		b.errorf(p, where, "type %s cannot hold upstream %q's %s: %s", gw, upName, up, msg)
		return
	}
	gwDef, upDef := b.ast.Types[gw.Name()], us.Types[up.Name()]
	if gwDef == nil || upDef == nil {
		return
	}
	key := [2]string{gwDef.Name, upDef.Name}
	if seen[key] {
		return
	}
	seen[key] = true
	switch gwDef.Kind {
	case ast.Scalar:
		if !scalarFits(gwDef.Name, upDef) {
			b.errorf(p, where, "type %s cannot hold upstream %q's %s", gw, upName, up)
		}
	case ast.Enum:
		if upDef.Kind != ast.Enum {
			if !scalarFits("String", upDef) {
				b.errorf(p, where, "enum %s cannot hold upstream %q's %s", gwDef.Name, upName, up)
			}
			return
		}
		for _, v := range upDef.EnumValues {
			if gwDef.EnumValues.ForName(v.Name) == nil {
				b.errorf(gwDef.Position, gwDef.Name, "enum %s lacks value %s, which upstream %q can return", gwDef.Name, v.Name, upName)
			}
		}
	case ast.Object:
		if upDef.Kind != ast.Object {
			b.errorf(p, where, "type %s is an object, but upstream %q's %s is %s", gwDef.Name, upName, upDef.Name, strings.ToLower(string(upDef.Kind)))
			return
		}
		for _, f := range gwDef.Fields {
			if strings.HasPrefix(f.Name, "__") || b.bindings[FieldRef{gwDef.Name, f.Name}] != nil || b.hasBinding(f) {
				continue
			}
			if fed := b.opts.Federation; fed != nil && fed.FromSubgraph(gwDef.Name, f.Name) {
				continue // a subgraph resolves it, by the object's key
			}
			src := b.sourceName(gwDef.Name, f.Name)
			uf := upDef.Fields.ForName(src)
			fwhere := gwDef.Name + "." + f.Name
			if uf == nil {
				names := make([]string, 0, len(upDef.Fields))
				for _, x := range upDef.Fields {
					names = append(names, x.Name)
				}
				why := ""
				if fed := b.opts.Federation; fed != nil && fed.keyField(gwDef.Name, f.Name) {
					// A key field: subgraphs fetch the object's other
					// fields by it.
					why = fmt.Sprintf("; it is read from the upstream's answer, as a key subgraphs fetch %s by (%s)", gwDef.Name, fed.KeysText(gwDef.Name, f.Name))
				}
				b.errorf(f.Position, fwhere, "has no binding, and upstream %q's %s has no field %q%s%s", upName, upDef.Name, src, suggest(src, names), why)
				continue
			}
			b.checkShape(f.Type, uf.Type, upName, us, f.Position, fwhere, seen)
		}
	}
}

func (b *builder) hasBinding(f *ast.FieldDefinition) bool {
	for _, d := range f.Directives {
		if b.binders[d.Name] != nil {
			return true
		}
	}
	return false
}

// listShape explains why the list structures of gw and up differ, or "".
func listShape(gw, up *ast.Type) string {
	for {
		if (gw.Elem == nil) != (up.Elem == nil) {
			if gw.Elem != nil {
				return "the gateway type is a list and the upstream type is not"
			}
			return "the upstream type is a list and the gateway type is not"
		}
		if gw.Elem == nil {
			return ""
		}
		gw, up = gw.Elem, up.Elem
	}
}

// scalarFits reports whether a gateway scalar can hold the upstream's type:
// the same scalar, an ID or String for any string-like scalar, String for
// an enum, or a custom scalar of the same name.
func scalarFits(gw string, up *ast.Definition) bool {
	if up.Name == gw {
		return true
	}
	stringy := up.Kind == ast.Enum || up.Kind == ast.Scalar && up.Name != "Int" && up.Name != "Float" && up.Name != "Boolean"
	switch gw {
	case "ID", "String":
		return stringy || up.Name == "Int"
	case "Float":
		return up.Name == "Int"
	}
	return false
}
