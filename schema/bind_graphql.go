package schema

import (
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/weft-gateway/weft/internal/tmpl"
)

func (b *builder) bindGraphQL(bd *Binding, parent *ast.Definition, args *directiveArgs, info UpstreamInfo, known bool, op ast.Operation, isRoot bool, where string) {
	g := &GraphQLBinding{Field: args.string("field", false), Operation: ast.Query}
	bd.GraphQL = g
	if g.Field == "" {
		g.Field = bd.Def.Name
	}
	if isRoot && op == ast.Mutation {
		g.Operation = ast.Mutation
	}
	argsValue := args.value("args")
	if argsValue != nil && argsValue.Kind != ast.ObjectValue {
		b.errorf(argsValue.Position, where, "argument \"args\" must be an object such as {upc: \"{parent.upc}\"}, got %s", argsValue.String())
		argsValue = nil
	}
	if !known || info.Schema == nil {
		return
	}
	root := info.Schema.Query
	if g.Operation == ast.Mutation {
		root = info.Schema.Mutation
	}
	if root == nil {
		b.errorf(bd.Def.Position, where, "upstream %q has no %s type", bd.Upstream, g.Operation)
		return
	}
	up := root.Fields.ForName(g.Field)
	if up == nil {
		names := make([]string, 0, len(root.Fields))
		for _, f := range root.Fields {
			names = append(names, f.Name)
		}
		b.errorf(args.pos("field"), where, "upstream %q has no field %s.%s%s", bd.Upstream, root.Name, g.Field, suggest(g.Field, names))
		return
	}
	g.UpstreamDef = up
	if msg := fits(bd.Def.Type, up.Type); msg != "" {
		b.errorf(bd.Def.Position, where, "type %s cannot hold upstream %q %s.%s of type %s: %s", bd.Def.Type, bd.Upstream, root.Name, up.Name, up.Type, msg)
	}
	if argsValue != nil {
		b.templatedGraphQLArgs(bd, parent, argsValue, up, isRoot, where)
		return
	}
	b.forwardedGraphQLArgs(bd, up, where)
}

// templatedGraphQLArgs builds the upstream arguments from an args: {...} map.
func (b *builder) templatedGraphQLArgs(bd *Binding, parent *ast.Definition, v *ast.Value, up *ast.FieldDefinition, isRoot bool, where string) {
	given := map[string]bool{}
	for _, c := range v.Children {
		given[c.Name] = true
		ua := up.Arguments.ForName(c.Name)
		if ua == nil {
			b.errorf(c.Position, where, "upstream field %s has no argument %q", up.Name, c.Name)
			continue
		}
		val := b.jsonTemplate(c.Value, where)
		b.checkRefs(val, bd, parent, isRoot, c.Value.Position, where)
		bd.GraphQL.Args = append(bd.GraphQL.Args, Arg{Name: c.Name, Type: ua.Type, Value: val})
	}
	for _, ua := range up.Arguments {
		if ua.Type.NonNull && ua.DefaultValue == nil && !given[ua.Name] {
			b.errorf(v.Position, where, "required argument %q of upstream field %s is not set in args", ua.Name, up.Name)
		}
	}
	if bd.GraphQL.Args == nil {
		bd.GraphQL.Args = []Arg{} // an explicit empty map: send no argument
	}
}

// forwardedGraphQLArgs checks that the client's arguments can be forwarded
// to the upstream field by name.
func (b *builder) forwardedGraphQLArgs(bd *Binding, up *ast.FieldDefinition, where string) {
	for _, ga := range bd.Def.Arguments {
		ua := up.Arguments.ForName(ga.Name)
		if ua == nil {
			b.errorf(ga.Position, where, "argument %q is not an argument of upstream field %s; map arguments with args: {...}", ga.Name, up.Name)
			continue
		}
		if msg := argFits(ga.Type, ua.Type); msg != "" {
			b.errorf(ga.Position, where, "argument %q of type %s cannot be passed as upstream argument of type %s: %s", ga.Name, ga.Type, ua.Type, msg)
		}
		bd.forwardedInputs = append(bd.forwardedInputs, ga.Type.Name())
	}
	for _, ua := range up.Arguments {
		if ua.Type.NonNull && ua.DefaultValue == nil && bd.Def.Arguments.ForName(ua.Name) == nil {
			b.errorf(bd.Def.Position, where, "upstream field %s requires argument %q, which this field does not declare; declare it or map it with args: {...}", up.Name, ua.Name)
		}
	}
}

// refHolder is a template or a JSON template: something with placeholders.
type refHolder interface{ EachRef(func(*tmpl.Ref)) }

// checkRefs checks each placeholder against what exists where the binding
// is, and rewrites parent paths to the names the parent's source uses.
func (b *builder) checkRefs(h refHolder, bd *Binding, parent *ast.Definition, isRoot bool, p *ast.Position, where string) {
	h.EachRef(func(r *tmpl.Ref) {
		switch r.Root {
		case tmpl.Args:
			b.checkArgRef(*r, bd.Def, p, where)
		case tmpl.Parent:
			if isRoot {
				b.errorf(p, where, "{%s}: root fields have no parent", r)
				return
			}
			if src, ok := b.checkParentRef(*r, parent, p, where); ok {
				r.Path = src
				bd.addParentRef(src)
			}
		case tmpl.Vars:
			if _, ok := b.opts.Vars[r.Path[0]]; !ok {
				b.errorf(p, where, "{%s}: no variable %q is defined in the VirtualService's vars%s", r, r.Path[0], suggest(r.Path[0], keys(b.opts.Vars)))
			}
		}
	})
}

func (bd *Binding) addParentRef(path []string) {
	for _, p := range bd.ParentRefs {
		if equalPath(p, path) {
			return
		}
	}
	bd.ParentRefs = append(bd.ParentRefs, path)
}

func equalPath(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func (b *builder) checkArgRef(r tmpl.Ref, f *ast.FieldDefinition, p *ast.Position, where string) {
	arg := f.Arguments.ForName(r.Path[0])
	if arg == nil {
		names := make([]string, 0, len(f.Arguments))
		for _, a := range f.Arguments {
			names = append(names, a.Name)
		}
		b.errorf(p, where, "{%s}: field %s has no argument %q%s", r, f.Name, r.Path[0], suggest(r.Path[0], names))
		return
	}
	t := arg.Type
	for i, seg := range r.Path[1:] {
		def := b.ast.Types[t.Name()]
		if def == nil || def.Kind != ast.InputObject || t.Elem != nil {
			b.errorf(p, where, "{%s}: %s is of type %s, which has no field %q", r, joinPath(r.Path[:i+1]), t, seg)
			return
		}
		fd := def.Fields.ForName(seg)
		if fd == nil {
			b.errorf(p, where, "{%s}: input %s has no field %q", r, def.Name, seg)
			return
		}
		t = fd.Type
	}
}

// checkParentRef reports whether parent.path names fields the parent's
// source returns (fields with no binding of their own), and returns the
// path in the source's names.
func (b *builder) checkParentRef(r tmpl.Ref, parent *ast.Definition, p *ast.Position, where string) ([]string, bool) {
	def := parent
	src := make([]string, 0, len(r.Path))
	for i, seg := range r.Path {
		if def == nil || (def.Kind != ast.Object && def.Kind != ast.Interface) {
			b.errorf(p, where, "{%s}: %s is not an object, so it has no field %q", r, joinPath(r.Path[:i]), seg)
			return nil, false
		}
		fd := def.Fields.ForName(seg)
		if fd == nil {
			names := make([]string, 0, len(def.Fields))
			for _, f := range def.Fields {
				names = append(names, f.Name)
			}
			b.errorf(p, where, "{%s}: type %s has no field %q%s", r, def.Name, seg, suggest(seg, names))
			return nil, false
		}
		for _, d := range fd.Directives {
			if bindingDirectives[d.Name] {
				b.errorf(p, where, "{%s}: %s.%s is resolved by its own binding; templates can read only fields the parent's source returns", r, def.Name, seg)
				return nil, false
			}
		}
		src = append(src, b.sourceName(def.Name, seg))
		def = b.ast.Types[fd.Type.Name()]
	}
	return src, true
}

func joinPath(p []string) string {
	out := ""
	for i, s := range p {
		if i > 0 {
			out += "."
		}
		out += s
	}
	return out
}
