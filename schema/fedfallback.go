package schema

import (
	"fmt"
	"slices"

	"github.com/vektah/gqlparser/v2/ast"
)

// Fallbacks of federated fields. A supergraph's fields have no binding to
// carry a @fallback, so a route's own SDL restates the field, with the
// same type (and the same arguments, or none), in an extension of the
// supergraph's type, to give it one:
//
//	extend type Product {
//	  shippingEstimate: Int @fallback(stale: "5m", value: 0)
//	}
//
// The restatement adds no field: it is taken out of the SDL before the
// schema is assembled, and checked against the supergraph's field. A
// field with none takes its type's @fallback (for a field holding one
// value of it), else its subgraph's fallback block, else the supergraph
// Upstream's. A replica (upstream:) serves a whole subgraph call, so only
// a subgraph's fallback block, or the Upstream's, names one.

// restate takes the route's restatements of supergraph fields out of sd,
// before it is assembled: they must not define the field twice.
func (b *builder) restate(sd *ast.SchemaDocument) {
	api := b.opts.Federation.Supergraph.APIName
	defs := map[string]*ast.Definition{}
	for _, d := range sd.Definitions {
		if d.Position != nil && d.Position.Src != nil && d.Position.Src.Name == api {
			defs[d.Name] = d
		}
	}
	for _, ext := range sd.Extensions {
		if ext.Kind != ast.Object || ext.Position == nil || ext.Position.Src == nil || ext.Position.Src.Name != b.src.File {
			continue
		}
		def := defs[ext.Name]
		if def == nil {
			continue
		}
		kept := ext.Fields[:0:0]
		for _, f := range ext.Fields {
			if def.Fields.ForName(f.Name) == nil {
				kept = append(kept, f)
				continue
			}
			ref := FieldRef{ext.Name, f.Name}
			if first := b.restated[ref]; first != nil {
				b.errorf(f.Position, ref.String(), "is restated twice (first at line %d)", b.pos(first.Position).Line)
				continue
			}
			if b.restated == nil {
				b.restated = map[FieldRef]*ast.FieldDefinition{}
			}
			b.restated[ref] = f
		}
		ext.Fields = kept
	}
}

// federatedFallbacks reads the fallbacks of the supergraph's fields: their
// restatements' @fallback, else their type's (byType, for a field holding
// one value of it). It also checks each subgraph's replica. It runs after
// the schema is assembled and the bindings are known.
func (b *builder) federatedFallbacks(byType map[string]*Fallback) {
	fed := b.opts.Federation
	if fed == nil {
		return
	}
	restated := make([]FieldRef, 0, len(b.restated))
	for ref := range b.restated {
		restated = append(restated, ref)
	}
	slices.SortFunc(restated, func(x, y FieldRef) int {
		return b.restated[x].Position.Line - b.restated[y].Position.Line
	})
	own := map[FieldRef]*Fallback{}
	for _, ref := range restated {
		if fb, ok := b.readRestated(ref); ok && fb != nil {
			own[ref] = fb
		}
	}
	for _, def := range b.sortedTypes() {
		if def.Kind != ast.Object {
			continue
		}
		for _, f := range def.Fields {
			ref := FieldRef{def.Name, f.Name}
			if b.bindings[ref] != nil || !b.federated(def.Name, f.Name) {
				continue
			}
			fb := own[ref]
			if fb == nil && f.Type.Elem == nil {
				fb = byType[f.Type.Name()]
			}
			if fb != nil {
				if b.fedFallbacks == nil {
					b.fedFallbacks = map[FieldRef]*Fallback{}
				}
				b.fedFallbacks[ref] = fb
			}
		}
	}
	b.checkReplicas()
}

// readRestated checks a restatement against the supergraph's field and
// reads its @fallback; false when it is wrong.
func (b *builder) readRestated(ref FieldRef) (*Fallback, bool) {
	rf := b.restated[ref]
	where := ref.String()
	def := b.ast.Types[ref.Type].Fields.ForName(ref.Field)
	n := len(b.errs)
	if rf.Type.String() != def.Type.String() {
		b.errorf(rf.Type.Position, where, "restates the supergraph's field with type %s; the supergraph's is %s", rf.Type, def.Type)
	}
	if len(rf.Arguments) > 0 {
		for _, a := range rf.Arguments {
			sa := def.Arguments.ForName(a.Name)
			switch {
			case sa == nil:
				b.errorf(a.Position, where, "the supergraph's field has no argument %q", a.Name)
			case sa.Type.String() != a.Type.String():
				b.errorf(a.Position, where, "argument %q restated with type %s; the supergraph's is %s", a.Name, a.Type, sa.Type)
			}
		}
		for _, sa := range def.Arguments {
			if rf.Arguments.ForName(sa.Name) == nil {
				b.errorf(rf.Position, where, "restated without argument %q: restate every argument, or none", sa.Name)
			}
		}
	}
	var d *ast.Directive
	for _, x := range rf.Directives {
		if x.Name != "fallback" {
			b.errorf(x.Position, where, "a restated supergraph field takes only @fallback; @%s belongs on a field of the route's own", x.Name)
			continue
		}
		if d != nil {
			b.errorf(x.Position, where, "@fallback is given twice")
			continue
		}
		d = x
	}
	if d == nil {
		if len(b.errs) == n {
			b.errorf(rf.Position, where, "restates a supergraph field without a @fallback: a restatement only gives a field its fallback")
		}
		return nil, false
	}
	where += " @fallback"
	if a := d.Arguments.ForName("upstream"); a != nil {
		b.errorf(a.Position, where, "a replica serves a whole subgraph call, not one field: name it in the supergraph Upstream's fallback block, or its subgraph's (spec.supergraph.subgraphs.NAME.fallback.upstream)")
		return nil, false
	}
	fb := b.readFallback(d, def.Type, nil, where)
	return fb, len(b.errs) == n
}

// checkReplicas checks the replica each subgraph's fallback names: another
// supergraph upstream with a subgraph of the same name, which the failed
// call is replayed on.
func (b *builder) checkReplicas() {
	fed := b.opts.Federation
	for _, g := range fed.Supergraph.Graphs {
		fb := b.subgraphFallback(g.Name)
		if fb == nil || fb.Upstream == "" {
			continue
		}
		where := fmt.Sprintf("upstream %s, subgraph %s, fallback", fed.Upstream, g.Name)
		info, ok := b.opts.Upstreams[fb.Upstream]
		switch {
		case !ok:
			b.errs = append(b.errs, &Error{Pos: fb.Pos, Where: where, Msg: fmt.Sprintf("unknown upstream %q%s", fb.Upstream, suggest(fb.Upstream, keys(b.opts.Upstreams)))})
		case info.Failed:
		case info.Federation == nil:
			b.errs = append(b.errs, &Error{Pos: fb.Pos, Where: where, Msg: fmt.Sprintf("upstream %q is a %s upstream; a subgraph's call is replayed on a supergraph upstream with a subgraph %q", fb.Upstream, info.Kind, g.Name)})
		case info.Federation.Supergraph.Graph(g.Name) == nil:
			b.errs = append(b.errs, &Error{Pos: fb.Pos, Where: where, Msg: fmt.Sprintf("supergraph upstream %q has no subgraph %q to replay the call on", fb.Upstream, g.Name)})
		}
	}
}

// subgraphFallback is the default fallback of the fields subgraph name
// resolves: its own fallback block, else the supergraph Upstream's.
func (b *builder) subgraphFallback(name string) *Fallback {
	fed := b.opts.Federation
	if fb := fed.Fallbacks[name]; fb != nil {
		return fb
	}
	return b.opts.Upstreams[fed.Upstream].Fallback
}

// FederatedFallback returns the fallback of a field a subgraph resolves,
// typeName.field: its restatement's @fallback, or its type's; nil for
// none (its subgraph's then serves, see SubgraphFallback).
func (s *Schema) FederatedFallback(typeName, field string) *Fallback {
	return s.fedFallbacks[FieldRef{typeName, field}]
}

// SubgraphFallback returns the default fallback of the fields subgraph
// name resolves: its fallback block in the supergraph Upstream's spec,
// else the Upstream's own; nil for none.
func (s *Schema) SubgraphFallback(name string) *Fallback {
	if s.Federation == nil {
		return nil
	}
	if fb := s.Federation.Fallbacks[name]; fb != nil {
		return fb
	}
	return s.upstreams[s.Federation.Upstream].Fallback
}

// hasFederatedStale reports whether a fallback of the supergraph's fields
// serves stale values.
func (s *Schema) hasFederatedStale() bool {
	for _, fb := range s.fedFallbacks {
		if fb.Stale > 0 {
			return true
		}
	}
	if s.Federation == nil {
		return false
	}
	if fb := s.upstreams[s.Federation.Upstream].Fallback; fb != nil && fb.Stale > 0 {
		return true
	}
	for _, fb := range s.Federation.Fallbacks {
		if fb.Stale > 0 {
			return true
		}
	}
	return false
}
