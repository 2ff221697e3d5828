package planner

import (
	"slices"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/weft-gateway/weft/schema"
	"github.com/weft-gateway/weft/schema/supergraph"
)

// Entity fetches: which subgraph and key fetch a field its parent's
// subgraph does not resolve, and the fetch fields of one selection join.

// entityFor returns the entity fetch that resolves field def of concrete
// type parent for the objects of owner o: one that fields of this
// selection (of any type) already use when its subgraph resolves def,
// else a new one to the first subgraph that resolves it and whose key o's
// subgraph can give. selectedOn is the type the field was selected on (an
// interface, or parent itself).
func (p *planner) entityFor(o *owner, parent *ast.Definition, def *ast.FieldDefinition, up *trail, abstract bool, selectedOn string) *Fetch {
	sg := p.s.Federation.Supergraph
	gs, as := p.sources(parent.Name, def.Name, selectedOn)
	var fetch *Fetch
	for _, g := range gs {
		e := p.entities[entityGroup{o.doc.level(), g.Name}]
		if e == nil {
			continue
		}
		requires := sg.Field(as, def.Name, g.Name).Requires
		if e == o.fed.typeFetch {
			// The fetch that learns the objects' types answers them as
			// the concrete types they are: a field of one of them that
			// needs nothing more is selected in it, on its type.
			if as == parent.Name && len(requires) == 0 {
				fetch = e
				break
			}
			continue
		}
		if p.joinEntity(e, o, as, parent.Name, abstract, requires) {
			fetch = e
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
		p.addRequires(fetch, parent.Name, fin.Requires)
	}
	return fetch
}

// joinEntity makes entity fetch e, of the objects of o's level, also
// fetch o's objects (of concrete type concrete) as entities of type as,
// for a field that requires the field set requires, and reports whether
// it could. A type it does not send yet joins when its key's fields are
// in o's objects as they are. The parents of one representation type
// (the types an @interfaceObject subgraph knows as one) share its shape:
// another parent type joins when its objects hold what the shape reads,
// and a requirement is added when the objects of every other parent type
// hold it. A fetch that learns the objects' types (its one type is for
// parents of any type) takes no other type, and neither it nor a fetch
// it waits for can wait for e.
func (p *planner) joinEntity(e *Fetch, o *owner, as, concrete string, abstract bool, requires ast.SelectionSet) bool {
	tf := o.fed.typeFetch
	if e.Entity == nil || len(e.Entity.Types) == 1 && e.Entity.Types[0].Parents == nil || e == tf || tf != nil && dependsOn(tf, e) {
		return false
	}
	et := e.Entity.forParent(concrete)
	if et != nil && et.TypeName != as {
		return false
	}
	if et == nil {
		et = e.Entity.byName(as)
	}
	var k *entityKey
	if et != nil {
		k = p.entityKeys[et]
		var own []ast.SelectionSet
		if !slices.Contains(et.Parents, concrete) {
			// What the others' representations carry, this type's must.
			own = append([]ast.SelectionSet{k.key.Set}, k.requires...)
		}
		for _, set := range own {
			if !p.returnsSet(o, as, set) {
				return false
			}
		}
		for i, other := range k.owners {
			if et.Parents[i] != concrete && !p.returnsSet(other, as, requires) {
				return false
			}
		}
		for _, set := range own {
			p.requireOn(o, as, set)
		}
		for i, other := range k.owners {
			if et.Parents[i] != concrete {
				p.requireOn(other, as, requires)
			}
		}
	} else {
		key := p.keyFor(o, as, e.Subgraph, false)
		if key == nil {
			return false
		}
		p.requireOn(o, as, key.Set)
		et = &EntityType{TypeName: as, Rep: repOf(key.Set)}
		e.Entity.Types = append(e.Entity.Types, et)
		k = &entityKey{key: key}
		p.entityKeys[et] = k
		// Each parent's representation is picked by its type.
		o.doc.level().typename = true
	}
	if !slices.Contains(et.Parents, concrete) {
		et.Parents = append(et.Parents, concrete)
		k.owners = append(k.owners, o)
	}
	if abstract && !slices.Contains(e.ParentTypes, concrete) {
		e.ParentTypes = append(e.ParentTypes, concrete)
	}
	if tf != nil {
		e.After = appendFetch(e.After, tf)
	}
	return true
}

// entityKey is what planning keeps of an entity type's representation:
// the key it is by, the field sets fields it fetches require, and the
// owners of its parents, one per parent type.
type entityKey struct {
	key      *supergraph.Key
	requires []ast.SelectionSet
	owners   []*owner
}

// addRequires adds a field set the fields of concrete type concrete
// require to their representation.
func (p *planner) addRequires(fetch *Fetch, concrete string, set ast.SelectionSet) {
	et := fetch.Entity.forParent(concrete)
	if et == nil {
		et = fetch.Entity.Types[0]
	}
	et.Rep = mergeRep(et.Rep, repOf(set))
	if k := p.entityKeys[et]; k != nil {
		k.requires = append(k.requires, set)
	}
}

// entitySel returns the selection, in entity fetch fetch, of the fields
// of parents of concrete type concrete: the fragment on the type they are
// sent as, or on their own type where the fetch learns it.
func (p *planner) entitySel(fetch *Fetch, concrete string) *docSel {
	typeName := concrete
	if et := fetch.Entity.forParent(concrete); et != nil {
		typeName = et.TypeName
	}
	return p.docs[fetch].entities.fragment(typeName)
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
	p.entitySel(tf, def.Name).typename = true
	// Render needs the types, whatever fields join the fetch.
	if p.unions == nil {
		p.unions = map[*Fetch]*condUnion{}
	}
	p.unions[tf] = &condUnion{always: true}
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
		p.requireOn(o, as, k.Set)
	}
	et := &EntityType{TypeName: as, Rep: repOf(k.Set)}
	if concrete != "" {
		et.Parents = []string{concrete}
	}
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
		Entity:   &Entity{Types: []*EntityType{et}},
	}
	if abstract && concrete != "" {
		fetch.ParentTypes = []string{concrete}
		if up != nil && up.field != nil {
			// Objects from an upstream that does not say their type (a
			// REST answer) have it told by the abstract type's @typeBy.
			fetch.ParentRule = p.s.TypeRule(up.field.Type.Name())
		}
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
	d.entities = ent.sel
	if p.entities == nil {
		p.entities = map[entityGroup]*Fetch{}
	}
	if p.entityKeys == nil {
		p.entityKeys = map[*EntityType]*entityKey{}
	}
	p.entityKeys[et] = &entityKey{key: k}
	if concrete != "" {
		p.entityKeys[et].owners = []*owner{o}
	}
	p.entities[entityGroup{o.doc.level(), g}] = fetch
	if o.fed.foreign {
		p.foreignFetches = append(p.foreignFetches, foreignFetch{fetch, o})
	}
	return fetch
}

// addEntityClient adds a client field to an entity fetch's selection. A
// field under its own name is the entity's field, which other fetches
// may also have merged into the parent object (a key, a required field):
// the same value. An aliased one, or one with arguments, goes under a key
// of its own, so that it never overwrites such a field.
func (s *docSel) addEntityClient(p *planner, f *Field, name string, leaf bool) *docSel {
	if f.ResponseKey == name && len(f.AST.Arguments) == 0 {
		if ex := s.byAlias(name); leaf && ex != nil && ex.client != nil && ex.name == name && len(ex.args) == 0 && ex.sel == nil {
			// The same leaf of another type sent as this one (an
			// @interfaceObject's): one value serves both.
			ex.shared = append(ex.shared, f)
			f.Key = name
			return nil
		}
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
		// The objects above may be of several types (a fragment of
		// theirs): the fetch keeps those of the field's.
		abstract := above.doc.up != nil || above.fed.iface != ""
		fetch := p.entities[entityGroup{above.doc.level(), g.Name}]
		if fetch != nil && !p.joinEntity(fetch, above, o.fed.viaType, o.fed.viaType, abstract, nil) {
			fetch = nil
		}
		if fetch == nil {
			fetch = p.newEntityFetch(above, o.fed.viaType, o.fed.viaType, g.Name, up.up, abstract, false)
		}
		if fetch == nil {
			continue
		}
		ds := p.entitySel(fetch, o.fed.viaType)
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
// be in the response or a fetch that waits for it may run (their
// conditions, beside those of the path above): a fetch that fields of
// several types share may be one that another type's fetch needs.
func (p *planner) applyConds() {
	waiting := map[*Fetch][]*Fetch{}
	for _, f := range p.plan.Fetches {
		for _, a := range f.After {
			waiting[a] = append(waiting[a], f)
		}
	}
	memo := map[*Fetch]*condUnion{}
	for _, fetch := range p.plan.Fetches {
		if u := p.runsWhen(fetch, waiting, memo); !u.always && len(u.groups) > 0 {
			fetch.Conds = append(fetch.Conds, u.groups)
		}
	}
}

// runsWhen is when fetch f must run, beyond the conditions of its path:
// when one of its fields may be in the response or one of the fetches
// waiting for it may run, and always when it has neither fields nor
// fetches waiting (a fetch that is not an entity fetch, say).
func (p *planner) runsWhen(f *Fetch, waiting map[*Fetch][]*Fetch, memo map[*Fetch]*condUnion) *condUnion {
	if u, ok := memo[f]; ok {
		return u
	}
	always := &condUnion{always: true}
	own := p.unions[f]
	if own == nil && len(waiting[f]) == 0 || own != nil && own.always {
		memo[f] = always
		return always
	}
	u := &condUnion{}
	if own != nil {
		u.groups = append(u.groups, own.groups...)
	}
	for _, w := range waiting[f] {
		wu := p.runsWhen(w, waiting, memo)
		if wu.always {
			u = always
			break
		}
		u.groups = append(u.groups, wu.groups...)
	}
	memo[f] = u
	return u
}
