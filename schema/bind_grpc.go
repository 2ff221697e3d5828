package schema

import (
	"sort"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/weft-gateway/weft/internal/tmpl"
)

// bindGRPC reads @grpc(upstream, method, request, result, timeout, batch)
// and checks it against the method as the upstream's generated schema
// describes it: its request fields and its response message.
func (b *builder) bindGRPC(bd *Binding, parent *ast.Definition, args *directiveArgs, info UpstreamInfo, known, subscription, isRoot bool, where string) {
	g := &GRPCBinding{Method: args.string("method", true)}
	bd.GRPC = g
	if v := args.value("request"); v != nil {
		g.Request = b.bodyTemplate(v, where)
		b.checkRefs(g.Request, bd, parent, isRoot, v.Position, where)
	}
	if s := args.string("result", false); s != "" {
		bd.Result = b.resultPath(s, bd.Def.Type, args.pos("result"), where)
	}
	if v := args.value("batch"); v != nil {
		b.grpcBatch(bd, parent, v, isRoot, where)
	}
	if !known || g.Method == "" {
		return
	}
	if g.BatchMethod != "" {
		if bm, ok := info.Methods[g.BatchMethod]; !ok {
			b.errorf(args.pos("batch"), where+" batch", "upstream %q has no method %q", bd.Upstream, g.BatchMethod)
		} else if bm.ServerStreaming {
			b.errorf(args.pos("batch"), where+" batch", "%s is server-streaming; a batch form calls a method that answers once", g.BatchMethod)
		}
	}
	m, ok := info.Methods[g.Method]
	if !ok {
		names := make([]string, 0, len(info.Methods))
		for n := range info.Methods {
			names = append(names, n)
		}
		sort.Strings(names)
		b.errorf(args.pos("method"), where, "upstream %q has no method %q%s", bd.Upstream, g.Method, suggest(g.Method, names))
		return
	}
	g.ServerStreaming = m.ServerStreaming
	switch {
	case subscription && !m.ServerStreaming:
		b.errorf(args.pos("method"), where, "%s answers once; a Subscription field binds to a server-streaming method", g.Method)
		return
	case !subscription && m.ServerStreaming:
		b.errorf(args.pos("method"), where, "%s is server-streaming; it serves a Subscription field, not a %s", g.Method, fieldKind(parent, isRoot))
		return
	}
	if subscription && bd.Batch != nil {
		b.errorf(args.pos("batch"), where, "a Subscription field has no parents to batch")
	}
	up := b.methodField(info, m)
	if up == nil {
		return
	}
	if g.Request != nil {
		if v := args.value("request"); v != nil && v.Kind == ast.ObjectValue {
			for _, c := range v.Children {
				if up.Arguments.ForName(c.Name) == nil {
					b.errorf(c.Position, where, "the request of %s has no field %q", g.Method, c.Name)
				}
			}
		}
	}
	if len(bd.Result) == 0 {
		b.checkShape(bd.Def.Type, up.Type, bd.Upstream, info.Schema, bd.Def.Position, where, b.shapesOf(bd.Upstream))
	}
}

// fieldKind names the kind of field a binding is on, for errors.
func fieldKind(parent *ast.Definition, isRoot bool) string {
	if isRoot {
		return parent.Name + " field"
	}
	return "field of " + parent.Name
}

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
			src := b.sourceName(gwDef.Name, f.Name)
			uf := upDef.Fields.ForName(src)
			fwhere := gwDef.Name + "." + f.Name
			if uf == nil {
				names := make([]string, 0, len(upDef.Fields))
				for _, x := range upDef.Fields {
					names = append(names, x.Name)
				}
				b.errorf(f.Position, fwhere, "has no binding, and upstream %q's %s has no field %q%s", upName, upDef.Name, src, suggest(src, names))
				continue
			}
			b.checkShape(f.Type, uf.Type, upName, us, f.Position, fwhere, seen)
		}
	}
}

func (b *builder) hasBinding(f *ast.FieldDefinition) bool {
	for _, d := range f.Directives {
		if bindingDirectives[d.Name] {
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

// grpcBatch reads batch: {method, request, result, key, maxSize}.
func (b *builder) grpcBatch(bd *Binding, parent *ast.Definition, v *ast.Value, isRoot bool, where string) {
	where += " batch"
	if v.Kind != ast.ObjectValue || isRoot {
		if isRoot {
			b.errorf(v.Position, where, "root fields have no parents to batch")
		} else {
			b.errorf(v.Position, where, "batch must be an object such as {method: \"pkg.Svc/GetMany\", request: {ids: \"{parent.id}\"}, result: \"items\", key: \"id\"}")
		}
		return
	}
	batch := &Batch{MaxSize: defaultBatchSize}
	for _, c := range v.Children {
		switch c.Name {
		case "method":
			bd.GRPC.BatchMethod = c.Value.Raw
		case "request":
			bd.GRPC.BatchRequest = b.bodyTemplate(c.Value, where)
			b.checkRefs(bd.GRPC.BatchRequest, bd, parent, false, c.Value.Position, where)
		case "result", "key", "maxSize":
			b.batchCommon(batch, c, where)
		default:
			b.errorf(c.Position, where, "unknown batch field %q (allowed: key, maxSize, method, request, result)", c.Name)
		}
	}
	if bd.GRPC.BatchMethod == "" || bd.GRPC.BatchRequest == nil || len(batch.Key) == 0 {
		b.errorf(v.Position, where, "a gRPC batch needs method, request and key")
		return
	}
	keys := map[string][]string{}
	bd.GRPC.BatchRequest.EachRef(func(r *tmpl.Ref) {
		if r.Root == tmpl.Parent {
			keys[joinPath(r.Path)] = r.Path
		}
	})
	b.batchKey(batch, keys, v.Position, where)
	bd.Batch = batch
}
