package planner

import (
	"slices"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/weft-gateway/weft/schema"
	"github.com/weft-gateway/weft/schema/supergraph"
)

// Federated planning. A field that no binding resolves and that the
// schema's supergraph does is fetched from a subgraph:
//
//   - a root field from a subgraph that resolves it (root query fields of
//     one subgraph share one operation; consecutive mutation fields too);
//   - a field of an object in a subgraph's answer from that same subgraph
//     when it resolves the field (or a @provides on the way down says it
//     returns it), in the same operation;
//   - otherwise from another subgraph, by an entity fetch: one
//     _entities(representations:) call per subgraph and parent
//     selection, whose representations (the key's fields and what the
//     fetched fields @require, per type) are built from the parent
//     objects and whose answers are merged back into them. What a
//     representation needs that the parent's subgraph does not resolve is
//     fetched first, by entity fetches of its own (Fetch.After).
//
// Fields of one parent selection that one subgraph resolves go in one
// entity fetch, whatever the parents' concrete types (each type's fields
// in a fragment on it), so that a subgraph is called once per level, with
// every parent in the batch. Only what must wait for the fetch, or what
// would give parents of one representation type different shapes, goes
// in a fetch of its own.

// entityGroup identifies an entity fetch that fields may join: the
// subgraph and the parent selection it reads objects from (the level's,
// not a fragment's: every type of the objects at one path).
type entityGroup struct {
	parent *docSel
	graph  string
}

// fedOwner is the federated part of an owner: the subgraph whose answer
// holds the objects, and what a @provides on the way down says it returns
// of them although it does not resolve it.
type fedOwner struct {
	graph    string
	provided ast.SelectionSet
	// iface, when the subgraph answered objects of an interface it sees
	// as an @interfaceObject, is that interface: the subgraph resolves
	// the interface's fields, and typeFetch learns each object's concrete
	// type from a subgraph that knows it (every entity fetch below runs
	// after it).
	iface     string
	typeFetch *Fetch
	// above is the owner of the parent objects when these objects are
	// the value of a field (via, of type viaType) in the same operation:
	// a field no entity fetch can reach here may be fetched with via,
	// from a subgraph that resolves both.
	above   *owner
	via     *Field
	viaType string
	// candidates are the subgraphs that could have answered these
	// objects by the path from the last entity (or the root): a
	// @shareable path is one several may serve. An abstract selection
	// asks only for the types all of them know.
	candidates []string
	// foreign says no subgraph answered the objects (graph is empty): a
	// REST, gRPC, SOAP or plain GraphQL upstream did, and what it returns
	// of them is what carries says (see foreign.go).
	foreign bool
}

// candidatesBelow returns the candidates of the objects of field of
// parent, given the candidates of parent's objects: every subgraph that
// resolves the field when parent is an entity (any of them can be reached
// by its key), else those of cands that do.
func (p *planner) candidatesBelow(cands []string, parent, field, graph string) []string {
	sg := p.s.Federation.Supergraph
	entity := false
	if t := sg.Types[parent]; t != nil {
		for _, in := range t.In {
			for _, k := range in.Keys {
				entity = entity || k.Resolvable
			}
		}
	}
	var out []string
	for _, g := range sg.Resolvers(parent, field) {
		if entity || slices.Contains(cands, g.Name) {
			out = append(out, g.Name)
		}
	}
	if !slices.Contains(out, graph) {
		out = append(out, graph)
	}
	return out
}

// federated reports whether field def of parent is planned as a
// federated field for owner o.
func (p *planner) federated(o *owner, parent *ast.Definition, def *ast.FieldDefinition) bool {
	fed := p.s.Federation
	if fed == nil {
		return false
	}
	switch o.kind {
	case ownerRoot:
		return len(fed.Supergraph.Resolvers(parent.Name, def.Name)) > 0
	case ownerGraphQL:
		return o.fed != nil || p.extends(o, parent, def)
	case ownerValue:
		return p.extends(o, parent, def)
	}
	return false
}

// fedField plans field f (definition def, on concrete type parent) in a
// federated owner, and returns the owner of its value's fields.
func (p *planner) fedField(f *Field, parent *ast.Definition, def *ast.FieldDefinition, o *owner, up *trail, abstract bool) *owner {
	sg := p.s.Federation.Supergraph
	named := p.s.AST.Types[def.Type.Name()]
	leaf := named.IsLeafType()
	if o.kind == ownerRoot {
		g := p.rootGraph(parent.Name, def.Name, named, f.Occurrences)
		f.Key = p.newKey()
		fetch := p.fedRootFetch(f, parent.Name, g)
		f.Fetch = fetch
		var cands []string
		for _, rg := range sg.Resolvers(parent.Name, def.Name) {
			cands = append(cands, rg.Name)
		}
		return &owner{kind: ownerGraphQL, fetch: fetch, doc: p.docs[fetch].fieldSel(f), fed: &fedOwner{graph: g, provided: provides(sg.Field(parent.Name, def.Name, g)), candidates: cands}}
	}
	if o.fed == nil {
		o = p.foreignOwner(o, up)
	}
	if p.resolvesHere(o, parent.Name, def.Name) {
		if o.fed.iface != "" && leaf && len(f.AST.Arguments) == 0 {
			// Each concrete type of the interface selects the field from
			// the same object of the subgraph's answer.
			if ex := o.doc.byAlias(f.ResponseKey); ex != nil && ex.name == def.Name && len(ex.args) == 0 {
				f.Key = ex.alias
				ex.shared = append(ex.shared, f)
				return o
			}
		}
		var sub *docSel
		if fin := sg.Field(parent.Name, def.Name, o.fed.graph); fin != nil && fin.Type != "" && fin.Type != def.Type.String() {
			// The subgraph types the field otherwise than the supergraph
			// (ID! for ID): beside the same key under another type
			// condition its validation would refuse the selection.
			sub = o.doc.addAliased(p, f, def.Name, leaf)
		} else {
			sub = o.doc.addClient(p, f, def.Name, leaf)
		}
		return &owner{kind: ownerGraphQL, fetch: o.fetch, doc: sub, fed: &fedOwner{graph: o.fed.graph,
			provided: mergeSets(providedWithin(o.fed.provided, def.Name, named), provides(sg.Field(parent.Name, def.Name, o.fed.graph))),
			above:    o, via: f, viaType: parent.Name,
			candidates: p.candidatesBelow(o.fed.candidates, parent.Name, def.Name, o.fed.graph)}}
	}
	selectedOn := ""
	if f.AST.ObjectDefinition != nil {
		selectedOn = f.AST.ObjectDefinition.Name
	}
	fetch := p.entityFor(o, parent, def, up, abstract, selectedOn)
	if fetch == nil && o.fed.above != nil && up != nil {
		if child := p.viaParent(f, parent, def, o, up, leaf); child != nil {
			return child
		}
	}
	if fetch == nil {
		switch {
		case p.err != nil:
		case p.needLoop:
			p.fail(f.AST, "no subgraph can resolve %s.%s from subgraph %s: the @requires on the way loop (a field requires one that, in the end, requires it)", parent.Name, def.Name, o.fed.graph)
		case o.fed.foreign:
			p.foreignFail(f, parent, def, o)
		default:
			p.fail(f.AST, "no subgraph can resolve %s.%s from subgraph %s: no entity key of %s leads there", parent.Name, def.Name, o.fed.graph, parent.Name)
		}
		return nil
	}
	fetch.Fields = append(fetch.Fields, f)
	f.Fetch = fetch
	p.fieldConds(fetch, f)
	frag := p.entitySel(fetch, parent.Name)
	var sub *docSel
	if o.fed.foreign {
		// The entity is merged into an object of another upstream's
		// answer, which may hold a key of the field's name.
		sub = frag.addAliased(p, f, def.Name, leaf)
	} else {
		sub = frag.addEntityClient(p, f, def.Name, leaf)
	}
	return &owner{kind: ownerGraphQL, fetch: fetch, doc: sub, fed: &fedOwner{graph: fetch.Subgraph, provided: provides(sg.Field(parent.Name, def.Name, fetch.Subgraph)),
		candidates: []string{fetch.Subgraph}}}
}

// provides returns the field set a field's @provides names, if any.
func provides(fin *supergraph.FieldIn) ast.SelectionSet {
	if fin == nil {
		return nil
	}
	return fin.Provides
}

// providedWithin returns what set says of field name's value: its sub-selection,
// fragments on the value's type included.
func providedWithin(set ast.SelectionSet, name string, typ *ast.Definition) ast.SelectionSet {
	var out ast.SelectionSet
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			if sel.Name == name {
				out = append(out, sel.SelectionSet...)
			}
		case *ast.InlineFragment:
			out = append(out, providedWithin(sel.SelectionSet, name, typ)...)
		}
	}
	return out
}

func mergeSets(a, b ast.SelectionSet) ast.SelectionSet {
	if len(a) == 0 {
		return b
	}
	if len(b) == 0 {
		return a
	}
	return append(append(ast.SelectionSet(nil), a...), b...)
}

// isProvided reports whether set names field of concrete type typeName.
func (p *planner) isProvided(set ast.SelectionSet, typeName, field string) bool {
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			if sel.Name == field {
				return true
			}
		case *ast.InlineFragment:
			if sel.TypeCondition == "" || sel.TypeCondition == typeName || p.implements(typeName, sel.TypeCondition) {
				if p.isProvided(sel.SelectionSet, typeName, field) {
					return true
				}
			}
		}
	}
	return false
}

func (p *planner) implements(typeName, abstract string) bool {
	def := p.s.Federation.Supergraph.Schema.Types[abstract]
	if def == nil {
		return false
	}
	for _, t := range p.s.Federation.Supergraph.Schema.GetPossibleTypes(def) {
		if t.Name == typeName {
			return true
		}
	}
	return false
}

// resolvesHere reports whether the owner's subgraph returns field of
// typeName with the objects it answered: it resolves the field without
// needing more (no @requires), or a @provides says it returns it.
func (p *planner) resolvesHere(o *owner, typeName, field string) bool {
	if o.fed.foreign {
		return p.carries(o, typeName, field)
	}
	sg := p.s.Federation.Supergraph
	if o.fed.iface != "" && sg.Field(o.fed.iface, field, o.fed.graph) != nil {
		typeName = o.fed.iface
	}
	fin := sg.Field(typeName, field, o.fed.graph)
	if fin.Resolves() && len(fin.Requires) == 0 {
		return true
	}
	return fin != nil && p.isProvided(o.fed.provided, typeName, field)
}

// possibleFor reports whether objects of concrete type typeName are
// asked for in an abstract selection of a federated owner: the owner's
// subgraph and every other candidate that knows the abstract type have
// it as one of its types.
func (p *planner) possibleFor(o *owner, abstract, typeName string) bool {
	if !p.possibleIn(abstract, typeName, o.fed.graph) {
		return false
	}
	sg := p.s.Federation.Supergraph
	for _, g := range o.fed.candidates {
		if a := sg.Types[abstract]; a != nil && a.In[g] != nil && !p.possibleIn(abstract, typeName, g) {
			return false
		}
	}
	return true
}

// possibleIn reports whether, in subgraph graph, objects of concrete
// type typeName can be values of abstract type abstract: the subgraph
// says the type implements the interface, or is a member of the union.
func (p *planner) possibleIn(abstract, typeName, graph string) bool {
	sg := p.s.Federation.Supergraph
	t, a := sg.Types[typeName], sg.Types[abstract]
	if t == nil || a == nil || t.In[graph] == nil || a.In[graph] == nil {
		return false
	}
	if a.Kind == ast.Union {
		return slices.Contains(a.In[graph].Members, typeName)
	}
	return slices.Contains(t.In[graph].Implements, abstract)
}

// rootGraph picks the subgraph a root field is fetched from: of those
// that resolve it, the one that resolves most of the fields selected
// below it (each one it does not is an entity fetch more), then one
// already called for another root field, then the first.
func (p *planner) rootGraph(root, field string, value *ast.Definition, occs []*ast.Field) string {
	gs := p.s.Federation.Supergraph.Resolvers(root, field)
	best, bestScore := "", -1
	for _, g := range gs {
		score := 0
		for _, occ := range occs {
			score += p.resolvedBelow(value, occ.SelectionSet, g.Name) * 4
		}
		if p.op.Operation == ast.Query && p.fedRoots[g.Name] != nil ||
			p.op.Operation != ast.Query && p.lastRoot != nil && p.lastRoot.Subgraph == g.Name {
			score += 2
		}
		if score > bestScore {
			best, bestScore = g.Name, score
		}
	}
	return best
}

// resolvedBelow counts the fields of set, on type def, that subgraph g
// resolves; fragment spreads are not followed (a heuristic, not a plan).
func (p *planner) resolvedBelow(def *ast.Definition, set ast.SelectionSet, g string) int {
	if def == nil {
		return 0
	}
	sg := p.s.Federation.Supergraph
	n := 0
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			if sg.Field(def.Name, sel.Name, g).Resolves() {
				n++
			}
		case *ast.InlineFragment:
			inner := def
			if sel.TypeCondition != "" && p.s.AST.Types[sel.TypeCondition] != nil {
				inner = p.s.AST.Types[sel.TypeCondition]
			}
			n += p.resolvedBelow(inner, sel.SelectionSet, g)
		}
	}
	return n
}

// fedBinding is the binding a federated fetch carries: the supergraph
// upstream's, for the executor's per-fetch settings.
func (p *planner) fedBinding(typeName, field string, op ast.Operation) *schema.Binding {
	fed := p.s.Federation
	return &schema.Binding{
		FieldRef: schema.FieldRef{Type: typeName, Field: field},
		Upstream: fed.Upstream,
		Kind:     fed.Kind,
		GraphQL:  &schema.GraphQLBinding{Field: field, Operation: op},
	}
}

// fedRootFetch returns the fetch of root field f from subgraph g: the
// query operation of g, or the mutation operation of the field before
// when it went to g too (the subgraph runs its fields in order).
func (p *planner) fedRootFetch(f *Field, root, g string) *Fetch {
	var fetch *Fetch
	if p.op.Operation == ast.Query {
		fetch = p.fedRoots[g]
	} else if p.lastRoot != nil && p.lastRoot.Subgraph == g && p.lastRoot.Entity == nil {
		fetch = p.lastRoot
	}
	if fetch != nil {
		fetch.Fields = append(fetch.Fields, f)
		// Conditions are the fields' own, which render applies; the
		// operation runs when any field may be in the response.
		fetch.Conds = nil
		p.docs[fetch].addRoot(p, f, p.fedBinding(root, f.Name, p.op.Operation))
		return fetch
	}
	op := p.op.Operation
	b := p.fedBinding(root, f.Name, op)
	fetch = &Fetch{
		ID:       len(p.plan.Fetches),
		Upstream: b.Upstream,
		Kind:     b.Kind,
		Binding:  b,
		Fields:   []*Field{f},
		Subgraph: g,
		Conds:    p.condsOf(nil, f.Conds),
	}
	p.plan.Fetches = append(p.plan.Fetches, fetch)
	if p.paths == nil {
		p.paths = map[*Fetch][]*Field{}
	}
	p.paths[fetch] = nil
	p.lastRoot = fetch
	if op == ast.Query {
		if p.fedRoots == nil {
			p.fedRoots = map[string]*Fetch{}
		}
		p.fedRoots[g] = fetch
	}
	p.newDoc(fetch)
	p.docs[fetch].addRoot(p, f, b)
	return fetch
}

// fedFallbacks gives a federated fetch its subgraph's fallback, and each
// of its fields the field's own, if any: what serves them when the
// subgraph fails.
func (p *planner) fedFallbacks(fetch *Fetch) {
	fetch.Binding.Fallback = p.s.SubgraphFallback(fetch.Subgraph)
	for _, f := range fetch.Fields {
		f.Fallback = p.s.FederatedFallback(f.ParentType, f.Name)
	}
}
