package planner

import (
	"fmt"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// Objects no subgraph answered. A field bound to a REST, gRPC, SOAP or
// plain GraphQL upstream may return objects of a type the supergraph has
// entities of; a field of theirs that no binding resolves, that the
// supergraph does and that the objects do not carry is fetched from a
// subgraph by an entity fetch, exactly as for an object another subgraph
// answered: its representation is built from the object's key fields
// (read at the upstream's own names, where @from renames them; for a
// GraphQL upstream, added to its selection), fields of one selection that
// one subgraph resolves share one fetch, batched over every parent, and
// the fetched value's own fields go on as a subgraph's answer.
//
// In the planner such objects have an owner with a fedOwner marked
// foreign and no subgraph: resolvesHere asks carries, so the keys, the
// groups and what representations need are found by the code that plans
// federated owners.

// foreignFetch is an entity fetch of a foreign owner's objects.
type foreignFetch struct {
	fetch *Fetch
	o     *owner
}

// extends reports whether field def of parent, on the objects of owner o
// which no subgraph answered, is fetched from a subgraph: the supergraph
// resolves it and the objects do not carry it.
func (p *planner) extends(o *owner, parent *ast.Definition, def *ast.FieldDefinition) bool {
	if o.fed != nil || o.fetch == nil {
		return false
	}
	return len(p.s.Federation.Supergraph.Resolvers(parent.Name, def.Name)) > 0 && !p.carries(o, parent.Name, def.Name)
}

// carries reports whether the objects of owner o, which an upstream that is
// no subgraph answered, hold field of typeName. A GraphQL upstream's do
// when its type of that name has the field (under the name @from gives);
// a REST, gRPC or SOAP upstream's, whose answers the planner knows no
// schema of, hold every field but those schema.Federation.FromSubgraph
// says a subgraph resolves.
func (p *planner) carries(o *owner, typeName, field string) bool {
	if o.kind == ownerGraphQL {
		if info, ok := p.s.Upstream(o.fetch.Upstream); ok && info.Schema != nil {
			t := info.Schema.Types[typeName]
			return t != nil && t.Fields.ForName(p.s.SourceName(typeName, field)) != nil
		}
	}
	return !p.s.Federation.FromSubgraph(typeName, field)
}

// foreignOwner returns the owner entity fetches of o's objects are
// planned for: o, marked foreign. A GraphQL upstream's selection of the
// objects identifies their selection in entity groups; nothing is
// selected from a REST, gRPC or SOAP answer, so a selection of its own,
// one per parent field, stands for it there.
func (p *planner) foreignOwner(o *owner, up *trail) *owner {
	fo := &owner{kind: o.kind, fetch: o.fetch, doc: o.doc, fed: &fedOwner{foreign: true}}
	if o.kind == ownerValue {
		if p.valueSels == nil {
			p.valueSels = map[*trail]*docSel{}
		}
		d := p.valueSels[up]
		if d == nil {
			d = &docSel{}
			p.valueSels[up] = d
		}
		fo.doc = d
	}
	return fo
}

// requireOn makes owner o's objects hold the fields of set (a key, or
// what a fetched field requires) for their representations: a subgraph
// is asked for them under their names, a foreign owner's upstream as
// requireCarried says.
func (p *planner) requireOn(o *owner, typeName string, set ast.SelectionSet) {
	if o.fed != nil && o.fed.foreign {
		p.requireCarried(o, typeName, set)
		return
	}
	requireSet(p, o.doc, set)
}

// requireCarried makes a foreign owner's objects hold the fields of set
// (a key), which they carry: a GraphQL upstream is asked for them under
// their names there; a REST, gRPC or SOAP answer holds what it holds.
func (p *planner) requireCarried(o *owner, typeName string, set ast.SelectionSet) {
	if o.kind == ownerGraphQL {
		requireSource(p, o.doc, typeName, set)
	}
}

// requireSource is requireSet with each field under its name in the
// upstream's schema (@from's key).
func requireSource(p *planner, ds *docSel, typeName string, set ast.SelectionSet) {
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			if sel.Name == "__typename" {
				ds.typename = true
				continue
			}
			df := ds.requireField(p, p.s.SourceName(typeName, sel.Name), sel.Arguments)
			if len(sel.SelectionSet) > 0 && sel.Definition != nil {
				if df.sel == nil {
					df.sel = &docSel{}
				}
				requireSource(p, df.sel, sel.Definition.Type.Name(), sel.SelectionSet)
			}
		case *ast.InlineFragment:
			ds.typename = true
			if sel.TypeCondition == "" {
				requireSource(p, ds, typeName, sel.SelectionSet)
			} else {
				requireSource(p, ds.fragment(sel.TypeCondition), sel.TypeCondition, sel.SelectionSet)
			}
		}
	}
}

// sourceReps makes the representations of foreign objects read each field
// they carry at the upstream's name for it (RepField.From); a field an
// entity fetch gave them is merged under its own name.
func (p *planner) sourceReps() {
	for _, ff := range p.foreignFetches {
		// A fetch's parents are the objects of one level of one
		// upstream's answer: every type it sends is read alike.
		for _, et := range ff.fetch.Entity.Types {
			for _, rf := range et.Rep {
				if p.carries(ff.o, et.TypeName, rf.Name) {
					p.repSource(et.TypeName, rf)
				}
			}
		}
	}
}

// repSource sets the From of rf, a field of typeName read from an
// upstream's answer, and of the fields below it.
func (p *planner) repSource(typeName string, rf *RepField) {
	if src := p.s.SourceName(typeName, rf.Name); src != rf.Name {
		rf.From = src
	}
	if len(rf.Sub) == 0 {
		return
	}
	def := p.s.Federation.Supergraph.Schema.Types[typeName]
	if def == nil {
		return
	}
	fd := def.Fields.ForName(rf.Name)
	if fd == nil {
		return
	}
	for _, sub := range rf.Sub {
		p.repSource(fd.Type.Name(), sub)
	}
}

// foreignFail says why no entity fetch reaches field def of parent from
// the objects of foreign owner o: they lack every key of the subgraphs
// that resolve it, or what it @requires cannot be had.
func (p *planner) foreignFail(f *Field, parent *ast.Definition, def *ast.FieldDefinition, o *owner) {
	fed := p.s.Federation
	upstream := o.fetch.Upstream
	has := func(k string) bool { return p.carries(o, parent.Name, k) }
	if fed.KeyWithin(parent.Name, has) == nil {
		p.fail(f.AST, "no subgraph can resolve %s.%s for the objects upstream %s returned: they lack the fields of every key of %s it could be fetched by (%s)", parent.Name, def.Name, upstream, parent.Name, fed.KeysText(parent.Name, def.Name))
		return
	}
	var reqs []string
	for _, g := range fed.Supergraph.Resolvers(parent.Name, def.Name) {
		if fin := fed.Supergraph.Field(parent.Name, def.Name, g.Name); fin != nil && fin.RequiresText != "" {
			reqs = append(reqs, fmt.Sprintf("subgraph %s requires %q", g.Name, fin.RequiresText))
		}
	}
	if len(reqs) > 0 {
		p.fail(f.AST, "no subgraph can resolve %s.%s for the objects upstream %s returned: neither they nor a subgraph reached by their keys give what it requires (%s)", parent.Name, def.Name, upstream, strings.Join(reqs, "; "))
		return
	}
	p.fail(f.AST, "no subgraph can resolve %s.%s for the objects upstream %s returned: no key of %s they hold leads to a subgraph that resolves it (%s)", parent.Name, def.Name, upstream, parent.Name, fed.KeysText(parent.Name, def.Name))
}
