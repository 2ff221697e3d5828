package schema

import (
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/weft-gateway/weft/internal/tmpl"
)

// checkRefs checks each placeholder against what exists where the binding
// is, and rewrites parent paths to the names the parent's source uses.
func (b *builder) checkRefs(h RefHolder, bd *Binding, parent *ast.Definition, isRoot bool, p *ast.Position, where string) {
	h.EachRef(func(r *tmpl.Ref) {
		switch r.Root {
		case tmpl.Args:
			bd.ReadsArgs = true
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
			if b.binders[d.Name] != nil {
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
