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
//     _entities(representations:) call per subgraph, type and parent
//     selection, whose representations (the key's fields and what the
//     fetched fields @require) are built from the parent objects and whose
//     answers are merged back into them. What a representation needs that
//     the parent's subgraph does not resolve is fetched first, by entity
//     fetches of its own (Fetch.After).
//
// Fields of one parent selection that one subgraph resolves go in one
// entity fetch, so that a subgraph is called once per level, with every
// parent in the batch.

// entityGroup identifies an entity fetch that fields may join: the
// subgraph, the concrete type and the parent selection it reads objects
// from.
type entityGroup struct {
	parent *docSel
	graph  string
	typ    string
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
		return o.fed != nil
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
	if p.resolvesHere(o, parent.Name, def.Name) {
		if o.fed.iface != "" && leaf && len(f.AST.Arguments) == 0 {
			// Each concrete type of the interface selects the field from
			// the same object of the subgraph's answer.
			if ex := o.doc.byAlias(f.ResponseKey); ex != nil && ex.name == def.Name && len(ex.args) == 0 {
				f.Key = ex.alias
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
		default:
			p.fail(f.AST, "no subgraph can resolve %s.%s from subgraph %s: no entity key of %s leads there", parent.Name, def.Name, o.fed.graph, parent.Name)
		}
		return nil
	}
	fetch.Fields = append(fetch.Fields, f)
	f.Fetch = fetch
	p.fieldConds(fetch, f)
	frag := p.docs[fetch].entitySel
	sub := frag.addEntityClient(p, f, def.Name, leaf)
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

// inGraph reports whether subgraph graph knows type typeName.
func (p *planner) inGraph(typeName, graph string) bool {
	t := p.s.Federation.Supergraph.Types[typeName]
	return t != nil && t.In[graph] != nil
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

// entityFor returns the entity fetch that resolves field def of concrete
// type parent for the objects of owner o: one that fields of this
// selection already use when its subgraph resolves def, else a new one to
// the first subgraph that resolves it and whose key o's subgraph can give.
// selectedOn is the type the field was selected on (an interface, or
// parent itself).
func (p *planner) entityFor(o *owner, parent *ast.Definition, def *ast.FieldDefinition, up *trail, abstract bool, selectedOn string) *Fetch {
	sg := p.s.Federation.Supergraph
	gs, as := p.sources(parent.Name, def.Name, selectedOn)
	var fetch *Fetch
	for _, g := range gs {
		if e := p.entities[entityGroup{o.doc, g.Name, as}]; e != nil && e != o.fed.typeFetch {
			fetch = e
			if abstract && !slices.Contains(fetch.ParentTypes, parent.Name) {
				fetch.ParentTypes = append(fetch.ParentTypes, parent.Name)
			}
			break
		}
	}
	if fetch == nil {
		// Prefer a subgraph whose key the parent's subgraph returns as it
		// is: no fetch in between.
		for pass := 0; pass < 2 && fetch == nil; pass++ {
			for _, g := range gs {
				if g.Name == o.fed.graph && len(sg.Field(as, def.Name, g.Name).Requires) == 0 {
					continue
				}
				if fetch = p.newEntityFetch(o, as, parent.Name, g.Name, up, abstract, pass == 1); fetch != nil {
					break
				}
			}
		}
	}
	if fetch == nil {
		return nil
	}
	if fin := sg.Field(as, def.Name, fetch.Subgraph); fin != nil && len(fin.Requires) > 0 {
		deps, ok := p.need(o, p.s.AST.Types[as], fin.Requires, up, abstract, fetch, 0)
		if !ok {
			return nil
		}
		for _, d := range deps {
			fetch.After = appendFetch(fetch.After, d)
		}
		fetch.Entity.Rep = mergeRep(fetch.Entity.Rep, repOf(fin.Requires))
	}
	return fetch
}

// sources returns the subgraphs that resolve field of concrete type t,
// and the type whose entities they are fetched as: t's own resolvers, or,
// for a field selected on an interface or one t leaves to an interface
// object, the @interfaceObject subgraphs of the interface that resolve
// it, fetched as the interface.
func (p *planner) sources(t, field, selectedOn string) ([]*supergraph.Graph, string) {
	sg := p.s.Federation.Supergraph
	if selectedOn != "" && selectedOn != t {
		if gs := p.interfaceObjects(selectedOn, field); len(gs) > 0 {
			return gs, selectedOn
		}
	}
	if gs := sg.Resolvers(t, field); len(gs) > 0 {
		return gs, t
	}
	if def := sg.Schema.Types[t]; def != nil {
		for _, i := range def.Interfaces {
			if gs := p.interfaceObjects(i, field); len(gs) > 0 {
				return gs, i
			}
		}
	}
	return nil, t
}

// interfaceObjects returns the subgraphs that see interface iface as an
// @interfaceObject and resolve its field.
func (p *planner) interfaceObjects(iface, field string) []*supergraph.Graph {
	sg := p.s.Federation.Supergraph
	t := sg.Types[iface]
	if t == nil || t.Kind != ast.Interface {
		return nil
	}
	var out []*supergraph.Graph
	for _, g := range sg.Resolvers(iface, field) {
		if in := t.In[g.Name]; in != nil && in.InterfaceObject {
			out = append(out, g)
		}
	}
	return out
}

// interfaceObject reports whether subgraph graph sees interface name as
// an @interfaceObject.
func (p *planner) interfaceObject(name, graph string) bool {
	t := p.s.Federation.Supergraph.Types[name]
	return t != nil && t.Kind == ast.Interface && t.In[graph] != nil && t.In[graph].InterfaceObject
}

// interfaceObjectSelection compiles the selection of an interface's
// objects answered by a subgraph that sees the interface as an
// @interfaceObject: their __typename is the interface's, so an entity
// fetch to a subgraph that knows the interface as one (its typeFetch)
// learns each one's concrete type, and the fields the answering subgraph
// resolves come from it, for every concrete type alike.
func (p *planner) interfaceObjectSelection(def *ast.Definition, sets []ast.SelectionSet, o *owner, up *trail, depth int) *Selection {
	sel := &Selection{Type: def, ByType: map[string][]*Field{}}
	o.doc.typename = true
	var tf *Fetch
	sg := p.s.Federation.Supergraph
	for _, g := range sg.Graphs {
		in := sg.Types[def.Name].In[g.Name]
		if in == nil || in.InterfaceObject {
			continue
		}
		if tf = p.newEntityFetch(o, def.Name, "", g.Name, up, false, false); tf != nil {
			break
		}
	}
	if tf == nil {
		p.fail(nil, "no subgraph can tell the concrete types of %s objects from subgraph %s (an @interfaceObject): none has %s as an interface with a key %s returns", def.Name, o.fed.graph, def.Name, o.fed.graph)
		return nil
	}
	p.docs[tf].entitySel.typename = true
	for _, t := range p.s.AST.GetPossibleTypes(def) {
		co := &owner{kind: ownerGraphQL, fetch: o.fetch, doc: o.doc,
			fed: &fedOwner{graph: o.fed.graph, provided: o.fed.provided, iface: def.Name, typeFetch: tf}}
		if !p.possibleIn(def.Name, t.Name, tf.Subgraph) {
			co.dead, co.doc = true, &docSel{}
		}
		sel.ByType[t.Name] = p.fields(t, sets, co, up, depth, true)
	}
	return sel
}

func appendFetch(list []*Fetch, f *Fetch) []*Fetch {
	for _, x := range list {
		if x == f {
			return list
		}
	}
	return append(list, f)
}

// keyFor picks the key of typeName in subgraph g that an entity fetch
// uses: a resolvable one whose fields o's subgraph returns; with
// indirect, any resolvable one (its fields fetched first from elsewhere).
func (p *planner) keyFor(o *owner, typeName, g string, indirect bool) *supergraph.Key {
	t := p.s.Federation.Supergraph.Types[typeName]
	if t == nil || t.In[g] == nil {
		return nil
	}
	for _, k := range t.In[g].Keys {
		if !k.Resolvable {
			continue
		}
		if indirect || p.returnsSet(o, typeName, k.Set) {
			return k
		}
	}
	return nil
}

// returnsSet reports whether o's subgraph returns every field of set on
// objects of typeName.
func (p *planner) returnsSet(o *owner, typeName string, set ast.SelectionSet) bool {
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			if sel.Name == "__typename" {
				continue
			}
			if !p.resolvesHere(o, typeName, sel.Name) {
				return false
			}
		case *ast.InlineFragment:
			if !p.returnsSet(o, typeName, sel.SelectionSet) {
				return false
			}
		}
	}
	return true
}

// newEntityFetch starts an entity fetch of typeName's objects from
// subgraph g for owner o's objects, or returns nil when no key of g can
// be had. With indirect, a key whose fields o's subgraph does not return
// is used too, its fields fetched first.
func (p *planner) newEntityFetch(o *owner, as, concrete, g string, up *trail, abstract, indirect bool) *Fetch {
	parent := p.s.AST.Types[as]
	k := p.keyFor(o, as, g, indirect)
	if k == nil {
		return nil
	}
	var deps []*Fetch
	if indirect {
		var ok bool
		if deps, ok = p.need(o, parent, k.Set, up, abstract, nil, 0); !ok {
			return nil
		}
	} else {
		requireSet(p, o.doc, k.Set)
	}
	typeName := as
	b := p.fedBinding(as, "_entities", ast.Query)
	fetch := &Fetch{
		ID:       len(p.plan.Fetches),
		Upstream: b.Upstream,
		Kind:     b.Kind,
		Binding:  b,
		Parent:   o.fetch,
		Subgraph: g,
		Batch:    true,
		Conds:    p.condsOf(up, nil),
		After:    deps,
		Entity:   &Entity{TypeName: typeName, Rep: repOf(k.Set)},
	}
	if abstract && concrete != "" {
		fetch.ParentTypes = []string{concrete}
	}
	if tf := o.fed.typeFetch; tf != nil {
		// The objects' concrete types are known once it ran.
		fetch.After = appendFetch(fetch.After, tf)
	}
	p.plan.Fetches = append(p.plan.Fetches, fetch)
	if p.paths == nil {
		p.paths = map[*Fetch][]*Field{}
	}
	p.paths[fetch] = p.pathOf(up)
	if o.fetch != nil {
		o.fetch.Children = append(o.fetch.Children, fetch)
	}
	p.newDoc(fetch)
	d := p.docs[fetch]
	ent := &docField{alias: "_entities", name: "_entities", sel: &docSel{},
		args: ast.ArgumentList{{Name: "representations", Value: &ast.Value{Kind: ast.Variable, Raw: schema.RepresentationsVariable}}}}
	d.root.fields = append(d.root.fields, ent)
	d.argDefs = append(d.argDefs, &ast.VariableDefinition{Variable: schema.RepresentationsVariable, Type: ast.NonNullListType(ast.NonNullNamedType("_Any", nil), nil)})
	d.entitySel = ent.sel.fragment(typeName)
	if p.entities == nil {
		p.entities = map[entityGroup]*Fetch{}
	}
	p.entities[entityGroup{o.doc, g, as}] = fetch
	return fetch
}

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
		if p.resolvesHere(o, parent.Name, field.Name) {
			df := o.doc.requireField(p, field.Name, field.Arguments)
			src = &owner{kind: ownerGraphQL, fetch: o.fetch, doc: df.sel, fed: &fedOwner{graph: o.fed.graph}}
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
				from.Entity.Rep = mergeRep(from.Entity.Rep, repOf(fin.Requires))
			}
			df := p.docs[from].entitySel.requireField(p, field.Name, field.Arguments)
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
		internal := &Field{ResponseKey: field.Name, Key: field.Name, Name: field.Name, Type: fd.Type, Def: fd}
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
	for _, g := range gs {
		if e := p.entities[entityGroup{o.doc, g.Name, parent.Name}]; e != nil && e != not && e != o.fed.typeFetch && !dependsOn(e, not) {
			return e
		}
	}
	for _, g := range gs {
		var prev *Fetch
		key := entityGroup{o.doc, g.Name, parent.Name}
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

// addEntityClient adds a client field to an entity fetch's selection. A
// field under its own name is the entity's field, which other fetches
// may also have merged into the parent object (a key, a required field):
// the same value. An aliased one, or one with arguments, goes under a key
// of its own, so that it never overwrites such a field.
func (s *docSel) addEntityClient(p *planner, f *Field, name string, leaf bool) *docSel {
	if f.ResponseKey == name && len(f.AST.Arguments) == 0 {
		return s.addClient(p, f, name, leaf)
	}
	return s.addAliased(p, f, name, leaf)
}

// addAliased adds a client field under a key of its own.
func (s *docSel) addAliased(p *planner, f *Field, name string, leaf bool) *docSel {
	alias := p.freshAlias()
	df := &docField{alias: alias, name: name, args: f.AST.Arguments, client: f}
	if !leaf {
		df.sel = &docSel{}
	}
	f.Key = alias
	s.fields = append(s.fields, df)
	return df.sel
}

// viaParent fetches field def of parent, which no entity fetch reaches
// (parent is no entity where def is resolved), together with the field
// whose value the objects are: an entity fetch of the objects above, to
// a subgraph that resolves both, selects that field again under the same
// key, with def below it, and the answers merge into the same objects.
func (p *planner) viaParent(f *Field, parent *ast.Definition, def *ast.FieldDefinition, o *owner, up *trail, leaf bool) *owner {
	sg := p.s.Federation.Supergraph
	above, via := o.fed.above, o.fed.via
	if above.kind != ownerGraphQL || above.fed == nil || above.dead {
		return nil
	}
	for _, g := range sg.Resolvers(o.fed.viaType, via.Name) {
		if g.Name == above.fed.graph || !sg.Field(parent.Name, def.Name, g.Name).Resolves() {
			continue
		}
		fetch := p.entities[entityGroup{above.doc, g.Name, o.fed.viaType}]
		if fetch == nil {
			fetch = p.newEntityFetch(above, o.fed.viaType, o.fed.viaType, g.Name, up.up, false, false)
		}
		if fetch == nil {
			continue
		}
		ds := p.docs[fetch].entitySel
		vf := ds.byAlias(via.Key)
		if vf == nil {
			vf = &docField{alias: via.Key, name: via.Name, args: via.AST.Arguments, sel: &docSel{}}
			ds.fields = append(ds.fields, vf)
		}
		if vf.sel == nil {
			vf.sel = &docSel{}
		}
		fetch.Fields = append(fetch.Fields, f)
		f.Fetch = fetch
		p.fieldConds(fetch, f)
		sub := vf.sel.addEntityClient(p, f, def.Name, leaf)
		return &owner{kind: ownerGraphQL, fetch: fetch, doc: sub, fed: &fedOwner{graph: g.Name, provided: provides(sg.Field(parent.Name, def.Name, g.Name))}}
	}
	return nil
}

// requireField makes the selection return field name, with args, under
// its own name (as representations carry it), moving a client field that
// uses that key for something else; it returns the field.
func (s *docSel) requireField(p *planner, name string, args ast.ArgumentList) *docField {
	df := s.byAlias(name)
	if df != nil && (df.name != name || !sameArgs(df.args, args)) {
		df.alias = p.freshAlias()
		if df.client != nil {
			df.client.Key = df.alias
		}
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

// condUnion is when an entity fetch's fields may be in the response: any
// of them, so the fetch runs when one may.
type condUnion struct {
	always bool
	groups Conds
}

// fieldConds adds field f's @include/@skip to those of fetch.
func (p *planner) fieldConds(fetch *Fetch, f *Field) {
	if p.unions == nil {
		p.unions = map[*Fetch]*condUnion{}
	}
	u := p.unions[fetch]
	if u == nil {
		u = &condUnion{}
		p.unions[fetch] = u
	}
	if f.Conds == nil {
		u.always = true
		return
	}
	u.groups = append(u.groups, f.Conds...)
}

// applyConds makes each entity fetch run only when one of its fields may
// be in the response (their conditions, beside those of the path above).
func (p *planner) applyConds() {
	for fetch, u := range p.unions {
		if !u.always && len(u.groups) > 0 {
			fetch.Conds = append(fetch.Conds, u.groups)
		}
	}
}
