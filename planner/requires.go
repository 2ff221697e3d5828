package planner

import (
	"github.com/vektah/gqlparser/v2/ast"
)

// What representations need: the key's fields and those a field
// @requires, made to be in the parent objects before an entity fetch.

// maxNeed bounds how deep what representations need may chain (a
// @requires needing a field that requires another, ...): a supergraph
// whose requirements loop fails to plan rather than recursing forever.
const maxNeed = 16

// need makes the objects of owner o hold the fields of set under their own
// names (with their arguments), for a representation: from o's subgraph
// what it returns, from entity fetches what it does not, and likewise for
// the fields below. It returns those entity fetches, which must run
// first. not is the fetch that needs the fields: none of them comes from
// it, or from a fetch that runs after it. up is the trail to o's objects.
func (p *planner) need(o *owner, parent *ast.Definition, set ast.SelectionSet, up *trail, abstract bool, not *Fetch, depth int) ([]*Fetch, bool) {
	if depth > maxNeed {
		p.needLoop = true
		return nil, false
	}
	sg := p.s.Federation.Supergraph
	var deps []*Fetch
	for _, sel := range set {
		field, ok := sel.(*ast.Field)
		if !ok {
			if frag, ok := sel.(*ast.InlineFragment); ok {
				inner, in := parent, o
				if c := frag.TypeCondition; c != "" && c != parent.Name {
					// The type may be @inaccessible: the supergraph knows it.
					if inner = sg.Schema.Types[c]; inner == nil {
						return nil, false
					}
					o.doc.typename = true
					in = &owner{kind: ownerGraphQL, fetch: o.fetch, doc: o.doc.fragment(c), fed: o.fed}
				}
				more, ok := p.need(in, inner, frag.SelectionSet, up, abstract, not, depth+1)
				if !ok {
					return nil, false
				}
				for _, d := range more {
					deps = appendFetch(deps, d)
				}
			}
			continue
		}
		if field.Name == "__typename" {
			o.doc.typename = true
			continue
		}
		var src *owner
		key := field.Name
		if p.resolvesHere(o, parent.Name, field.Name) {
			if o.fed.foreign {
				key = p.s.SourceName(parent.Name, field.Name)
			}
			df := o.doc.requireField(p, key, field.Arguments)
			src = &owner{kind: o.kind, fetch: o.fetch, doc: df.sel, fed: &fedOwner{graph: o.fed.graph, foreign: o.fed.foreign}}
			if len(field.SelectionSet) > 0 && df.sel == nil {
				df.sel = &docSel{}
				src.doc = df.sel
			}
		} else {
			from := p.needFrom(o, parent, field.Name, up, abstract, not)
			if from == nil {
				return nil, false
			}
			if fin := sg.Field(parent.Name, field.Name, from.Subgraph); fin != nil && len(fin.Requires) > 0 {
				more, ok := p.need(o, parent, fin.Requires, up, abstract, from, depth+1)
				if !ok {
					return nil, false
				}
				for _, d := range more {
					from.After = appendFetch(from.After, d)
				}
				p.addRequires(from, parent.Name, fin.Requires)
			}
			df := p.entitySel(from, parent.Name).requireField(p, field.Name, field.Arguments)
			if len(field.SelectionSet) > 0 && df.sel == nil {
				df.sel = &docSel{}
			}
			src = &owner{kind: ownerGraphQL, fetch: from, doc: df.sel, fed: &fedOwner{graph: from.Subgraph}}
			deps = appendFetch(deps, from)
		}
		if len(field.SelectionSet) == 0 {
			continue
		}
		fd := sg.Schema.Types[parent.Name].Fields.ForName(field.Name)
		inner := p.s.AST.Types[fd.Type.Name()]
		if inner == nil {
			inner = sg.Schema.Types[fd.Type.Name()]
		}
		internal := &Field{ResponseKey: field.Name, Key: key, Name: field.Name, Type: fd.Type, Def: fd}
		more, ok := p.need(src, inner, field.SelectionSet, &trail{field: internal, up: up}, inner.Kind != ast.Object, not, depth+1)
		if !ok {
			return nil, false
		}
		for _, d := range more {
			deps = appendFetch(deps, d)
		}
	}
	return deps, true
}

// needFrom returns the entity fetch of owner o's objects that gives field
// of parent for a representation that fetch not needs: one fields of the
// selection already use, or a new one (which fields of the client's
// selection join only when its subgraph is not not's).
func (p *planner) needFrom(o *owner, parent *ast.Definition, field string, up *trail, abstract bool, not *Fetch) *Fetch {
	sg := p.s.Federation.Supergraph
	gs := sg.Resolvers(parent.Name, field)
	// A fetch that joins waits for the fetch that learns the objects'
	// types, which must then not wait for not.
	tf := o.fed.typeFetch
	joinable := tf == nil || tf != not && !dependsOn(tf, not)
	for _, g := range gs {
		e := p.entities[entityGroup{o.doc.level(), g.Name}]
		if e == nil || e == not || dependsOn(e, not) || !joinable {
			continue
		}
		requires := sg.Field(parent.Name, field, g.Name).Requires
		if p.joinEntity(e, o, parent.Name, parent.Name, abstract, requires) {
			return e
		}
	}
	for _, g := range gs {
		var prev *Fetch
		key := entityGroup{o.doc.level(), g.Name}
		if not != nil && g.Name == not.Subgraph {
			prev = p.entities[key]
		}
		f := p.newEntityFetch(o, parent.Name, parent.Name, g.Name, up, abstract, false)
		if not != nil && g.Name == not.Subgraph {
			// A fetch from the subgraph that needs the field, before it:
			// the client's fields of that subgraph keep joining not.
			p.entities[key] = prev
			if prev == nil {
				delete(p.entities, key)
			}
		}
		if f != nil {
			return f
		}
	}
	return nil
}

// dependsOn reports whether fetch a runs after b.
func dependsOn(a, b *Fetch) bool {
	if a == nil || b == nil {
		return false
	}
	for _, d := range a.After {
		if d == b || dependsOn(d, b) {
			return true
		}
	}
	return false
}

// requireSet makes a selection return the fields of set under their own
// names, with their sub-selections, and __typename where set has
// fragments.
func requireSet(p *planner, ds *docSel, set ast.SelectionSet) {
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			if sel.Name == "__typename" {
				ds.typename = true
				continue
			}
			df := ds.requireField(p, sel.Name, sel.Arguments)
			if len(sel.SelectionSet) > 0 {
				if df.sel == nil {
					df.sel = &docSel{}
				}
				requireSet(p, df.sel, sel.SelectionSet)
			}
		case *ast.InlineFragment:
			ds.typename = true
			if sel.TypeCondition == "" {
				requireSet(p, ds, sel.SelectionSet)
			} else {
				requireSet(p, ds.fragment(sel.TypeCondition), sel.SelectionSet)
			}
		}
	}
}

// repOf is the representation shape of a field set.
func repOf(set ast.SelectionSet) []*RepField {
	var out []*RepField
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			if sel.Name == "__typename" {
				continue
			}
			rf := &RepField{Name: sel.Name, Sub: repOf(sel.SelectionSet)}
			rf.Typename = hasFragment(sel.SelectionSet)
			out = mergeRep(out, []*RepField{rf})
		case *ast.InlineFragment:
			out = mergeRep(out, repOf(sel.SelectionSet))
		}
	}
	return out
}

func hasFragment(set ast.SelectionSet) bool {
	for _, sel := range set {
		if _, ok := sel.(*ast.InlineFragment); ok {
			return true
		}
	}
	return false
}

// mergeRep merges representation shapes by field name.
func mergeRep(a, b []*RepField) []*RepField {
	for _, rf := range b {
		var ex *RepField
		for _, x := range a {
			if x.Name == rf.Name {
				ex = x
				break
			}
		}
		if ex == nil {
			a = append(a, rf)
			continue
		}
		ex.Sub = mergeRep(ex.Sub, rf.Sub)
		ex.Typename = ex.Typename || rf.Typename
	}
	return a
}

// requireField makes the selection return field name, with args, under
// its own name (as representations carry it), moving a client field that
// uses that key for something else; it returns the field.
func (s *docSel) requireField(p *planner, name string, args ast.ArgumentList) *docField {
	df := s.byAlias(name)
	if df != nil && (df.name != name || !sameArgs(df.args, args)) {
		df.rekey(p)
		df = nil
	}
	if df == nil {
		df = &docField{alias: name, name: name, args: args, required: true}
		s.fields = append(s.fields, df)
	}
	return df
}

// sameArgs reports whether two argument lists say the same.
func sameArgs(a, b ast.ArgumentList) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		y := b.ForName(x.Name)
		if y == nil || y.Value.String() != x.Value.String() {
			return false
		}
	}
	return true
}
