package schema

import (
	"sort"

	"github.com/vektah/gqlparser/v2/ast"
)

// bindSOAP reads @soap(upstream, operation, request, result, timeout) and
// checks it against the operation as the upstream's generated schema
// describes it: the root field that stands for it, whose arguments are the
// request's keys and whose type is the answer's.
func (b *builder) bindSOAP(bd *Binding, parent *ast.Definition, args *directiveArgs, info UpstreamInfo, known, isRoot bool, where string) {
	s := &SOAPBinding{Operation: args.string("operation", true)}
	bd.SOAP = s
	if v := args.value("request"); v != nil {
		s.Request = b.bodyTemplate(v, where)
		b.checkRefs(s.Request, bd, parent, isRoot, v.Position, where)
	}
	if r := args.string("result", false); r != "" {
		bd.Result = b.resultPath(r, bd.Def.Type, args.pos("result"), where)
	}
	if !known || s.Operation == "" {
		return
	}
	m, ok := info.Methods[s.Operation]
	if !ok {
		names := make([]string, 0, len(info.Methods))
		for n := range info.Methods {
			names = append(names, n)
		}
		sort.Strings(names)
		b.errorf(args.pos("operation"), where, "upstream %q has no operation %q%s", bd.Upstream, s.Operation, suggest(s.Operation, names))
		return
	}
	up := b.methodField(info, m)
	if up == nil {
		return
	}
	if v := args.value("request"); v != nil && v.Kind == ast.ObjectValue {
		for _, c := range v.Children {
			if up.Arguments.ForName(c.Name) == nil {
				b.errorf(c.Position, where, "the request of %s has no part %q", s.Operation, c.Name)
			}
		}
	}
	if len(bd.Result) == 0 {
		b.checkShape(bd.Def.Type, up.Type, bd.Upstream, info.Schema, bd.Def.Position, where, b.shapesOf(bd.Upstream))
	}
}
