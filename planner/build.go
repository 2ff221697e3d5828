package planner

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/weft-gateway/weft/internal/jsonwrite"
	"github.com/weft-gateway/weft/schema"
)

// Build plans the operation named opName (or the only one) of a document
// that gqlparser validated against s.AST. Its work is bounded by
// opts.MaxSelections (a *TooLargeError past it) and by ctx: planning stops
// soon after ctx is done.
func Build(ctx context.Context, s *schema.Schema, doc *ast.QueryDocument, opName string, opts Options) (*Plan, error) {
	op := doc.Operations.ForName(opName)
	if op == nil {
		if opName == "" {
			return nil, errors.New("the document has several operations: name the one to run")
		}
		return nil, fmt.Errorf("the document has no operation %q", opName)
	}
	var root *ast.Definition
	switch op.Operation {
	case ast.Query:
		root = s.AST.Query
	case ast.Mutation:
		root = s.AST.Mutation
	default:
		// A subscription's answer is a stream; the transports that carry
		// one (WebSocket, SSE) are not served yet.
		return nil, fmt.Errorf("%s operations need a streaming transport (WebSocket or server-sent events), which this endpoint does not serve yet", op.Operation)
	}
	if root == nil {
		return nil, fmt.Errorf("the schema has no %s type", op.Operation)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("planning stopped: %w", err)
	}
	p := &planner{ctx: ctx, maxSteps: opts.maxSelections(), maxDepth: opts.MaxDepth, s: s, doc: doc, op: op, plan: &Plan{Operation: op.Operation, Name: op.Name}, rootGraphQL: map[rootGroup]*Fetch{}}
	p.plan.Root = p.selection(root, []ast.SelectionSet{op.SelectionSet}, &owner{kind: ownerRoot}, nil, 1)
	if p.err != nil {
		return nil, p.err
	}
	p.plan.Complexity, p.plan.Aliases = measure(p.plan.Root)
	p.plan.Selections = p.steps
	p.plan.Coordinates = coordinates(doc, op)
	p.finish()
	return p.plan, nil
}

type ownerKind uint8

const (
	ownerRoot    ownerKind = iota // the root object the executor creates
	ownerGraphQL                  // objects in a GraphQL upstream's answer
	ownerValue                    // objects in another upstream's answer, read by field name
	// ownerIntrospection: objects of __schema and __type, which render
	// writes from the schema. Their selections are planned all the same,
	// so that their expansion, depth, aliases and complexity count against
	// the operation's bounds like any other.
	ownerIntrospection
)

// owner says where the objects of a selection come from.
type owner struct {
	kind  ownerKind
	fetch *Fetch
	// doc is the upstream operation's selection for these objects
	// (ownerGraphQL).
	doc *docSel
	// fed, for objects a subgraph of the schema's supergraph answered,
	// says which one and what it provides of them.
	fed *fedOwner
	// dead says no object reaches this selection (a type the subgraph
	// does not know): its fields are compiled for render, never fetched.
	dead bool
}

type planner struct {
	ctx context.Context
	// steps counts the selections visited, up to maxSteps.
	steps, maxSteps int
	maxDepth        int

	s    *schema.Schema
	doc  *ast.QueryDocument
	op   *ast.OperationDefinition
	plan *Plan
	err  error

	keys int
	// rootGraphQL groups the root query fields each GraphQL upstream serves
	// into one operation per fallback and timeout.
	rootGraphQL map[rootGroup]*Fetch
	// lastRoot is the latest root fetch, to group consecutive mutation
	// fields of one upstream.
	lastRoot *Fetch
	// paths holds each fetch's path as fields until keys are assigned.
	paths map[*Fetch][]*Field
	// docs holds each GraphQL fetch's operation selection until printing.
	docs map[*Fetch]*fetchDoc
	// fedRoots are the root query fetches of each subgraph; entities the
	// entity fetches fields may join (see federation.go).
	fedRoots map[string]*Fetch
	entities map[entityGroup]*Fetch
	unions   map[*Fetch]*condUnion
	// entityKeys are the keys entity types are fetched by.
	entityKeys map[*EntityType]*entityKey
	// needLoop says what a representation needs went round in a loop.
	needLoop bool
	// foreignFetches are the entity fetches of objects that no subgraph
	// answered, whose representations read the upstream's own names;
	// valueSels stand for the selections of REST, gRPC and SOAP objects
	// in entity groups (see foreign.go).
	foreignFetches []foreignFetch
	valueSels      map[*trail]*docSel
}

func (p *planner) fail(f *ast.Field, format string, args ...any) {
	if p.err == nil {
		msg := fmt.Sprintf(format, args...)
		if f != nil && f.Position != nil {
			msg = fmt.Sprintf("%d:%d: %s", f.Position.Line, f.Position.Column, msg)
		}
		p.err = errors.New(msg)
	}
}

// trail is the chain of fields from a selection up to the root, with each
// field's conditions. A field's fetch reads it once; sharing it with every
// child keeps planning a deep operation linear, where copying a path per
// field was quadratic in its depth.
type trail struct {
	field *Field
	up    *trail
}

// path returns the fields of t, from the root down.
func (t *trail) path() []*Field {
	n := 0
	for at := t; at != nil; at = at.up {
		n++
	}
	out := make([]*Field, n)
	for at := t; at != nil; at = at.up {
		n--
		out[n] = at.field
	}
	return out
}

// conds returns the conditions of the fields of t, from the root down, and
// then own.
func (t *trail) conds(own Conds) []Conds {
	var out []Conds
	for at := t; at != nil; at = at.up {
		if at.field.Conds != nil {
			out = append(out, at.field.Conds)
		}
	}
	slices.Reverse(out)
	if own != nil {
		out = append(out, own)
	}
	return out
}

// pathOf is up.path(), counted against the budget.
func (p *planner) pathOf(up *trail) []*Field {
	path := up.path()
	p.spend(len(path))
	return path
}

// condsOf is up.conds(own), counted against the budget.
func (p *planner) condsOf(up *trail, own Conds) []Conds {
	conds := up.conds(own)
	n := 0
	for _, c := range conds {
		for _, group := range c {
			n += len(group)
		}
	}
	p.spend(n)
	return conds
}

// selection compiles the selection sets (merged occurrences) on type def.
func (p *planner) selection(def *ast.Definition, sets []ast.SelectionSet, o *owner, up *trail, depth int) *Selection {
	if depth > p.plan.MaxDepth {
		p.plan.MaxDepth = depth
		if p.maxDepth > 0 && depth > p.maxDepth && p.err == nil {
			p.err = &TooDeepError{Limit: p.maxDepth}
		}
	}
	if p.err != nil {
		return nil
	}
	sel := &Selection{Type: def}
	if def.Kind == ast.Object {
		sel.Fields = p.fields(def, sets, o, up, depth, false)
		return sel
	}
	if o.fed != nil && !o.dead && o.fed.iface == "" && p.interfaceObject(def.Name, o.fed.graph) {
		return p.interfaceObjectSelection(def, sets, o, up, depth)
	}
	sel.ByType = map[string][]*Field{}
	sel.TypeRule = p.s.TypeRule(def.Name)
	if o.kind == ownerGraphQL {
		o.doc.typename = true
	}
	for _, t := range p.s.AST.GetPossibleTypes(def) {
		if t.Kind != ast.Object {
			continue // an interface implementing def: objects are of its types
		}
		co := *o
		switch {
		case o.dead:
		case o.fed != nil && !p.possibleFor(o, def.Name, t.Name):
			// In the subgraph, the type is not one of the abstract type's
			// (or not there at all): none of its objects are of it.
			co.dead, co.doc = true, &docSel{}
		case o.kind == ownerGraphQL:
			co.doc = o.doc.fragment(t.Name)
		}
		sel.ByType[t.Name] = p.fields(t, sets, &co, up, depth, true)
	}
	return sel
}

// fields compiles the fields selected on concrete type def.
func (p *planner) fields(def *ast.Definition, sets []ast.SelectionSet, o *owner, up *trail, depth int, abstract bool) []*Field {
	c := &collector{p: p, typeName: def.Name}
	for _, set := range sets {
		c.collect(set, nil)
	}
	if p.err != nil {
		return nil
	}
	out := make([]*Field, 0, len(c.out))
	for _, cf := range c.out {
		if p.err != nil {
			return nil
		}
		if f := p.field(def, cf, o, up, depth, abstract); f != nil {
			out = append(out, f)
		}
	}
	return out
}

func (p *planner) newKey() string {
	p.keys++
	return "\x00" + strconv.Itoa(p.keys)
}

func (p *planner) field(parent *ast.Definition, cf *collected, o *owner, up *trail, depth int, abstract bool) *Field {
	first := cf.fields[0]
	f := &Field{ResponseKey: cf.key, Name: first.Name, ParentType: parent.Name, Conds: cf.conds(), AST: first, Occurrences: cf.fields}
	f.KeyJSON = append(jsonwrite.String(nil, cf.key), ':')
	switch first.Name {
	case "__typename":
		f.Kind = KindTypename
		return f
	case "__schema", "__type":
		if o.kind != ownerRoot {
			p.fail(first, "%s is only available on the root query type", first.Name)
			return nil
		}
		f.Kind = KindSchema
		p.plan.Introspects = true
		typeName := "__Schema"
		if first.Name == "__type" {
			f.Kind = KindType
			typeName = "__Type"
		}
		if named := p.s.AST.Types[typeName]; named != nil {
			f.Sel = p.selection(named, occurrenceSets(cf), &owner{kind: ownerIntrospection}, &trail{field: f, up: up}, depth+1)
		}
		return f
	}
	def := parent.Fields.ForName(first.Name)
	if def == nil {
		p.fail(first, "type %s has no field %s", parent.Name, first.Name)
		return nil
	}
	f.Def, f.Type = def, def.Type
	named := p.s.AST.Types[def.Type.Name()]
	if named == nil {
		p.fail(first, "type %s of %s.%s is not defined", def.Type.Name(), parent.Name, def.Name)
		return nil
	}
	f.Leaf = leafKind(named)
	if f.Leaf == LeafEnum {
		f.Enum = named
		f.EnumWire = p.s.EnumWire(named.Name)
	}
	child := o
	if o.dead {
		f.Key = f.ResponseKey
	} else if b := p.binding(o, parent, def); b == nil && p.federated(o, parent, def) {
		if child = p.fedField(f, parent, def, o, up, abstract); child == nil {
			return nil
		}
	} else if b != nil {
		f.Key = p.newKey()
		fetch := p.fetchFor(f, b, o, up, abstract)
		if fetch == nil {
			return nil
		}
		f.Fetch = fetch
		if b.GraphQL != nil {
			child = &owner{kind: ownerGraphQL, fetch: fetch, doc: p.docs[fetch].fieldSel(f)}
		} else {
			f.Result = b.Result
			child = &owner{kind: ownerValue, fetch: fetch}
		}
	} else {
		switch o.kind {
		case ownerRoot:
			p.fail(first, "root field %s has no binding", def.Name)
			return nil
		case ownerGraphQL:
			child = &owner{kind: ownerGraphQL, fetch: o.fetch, doc: o.doc.addClient(p, f, p.s.SourceName(parent.Name, def.Name), named.IsLeafType())}
		case ownerValue:
			f.Key = p.s.SourceName(parent.Name, def.Name)
		}
	}
	if !named.IsLeafType() {
		f.Sel = p.selection(named, occurrenceSets(cf), child, &trail{field: f, up: up}, depth+1)
	}
	return f
}

// binding returns the binding of field def of parent; the introspection
// types have none.
func (p *planner) binding(o *owner, parent *ast.Definition, def *ast.FieldDefinition) *schema.Binding {
	if o.kind == ownerIntrospection {
		return nil
	}
	return p.s.Binding(parent.Name, def.Name)
}

// occurrenceSets returns the selection sets of a field's occurrences, which
// its value's selection merges.
func occurrenceSets(cf *collected) []ast.SelectionSet {
	sets := make([]ast.SelectionSet, len(cf.fields))
	for i, occ := range cf.fields {
		sets[i] = occ.SelectionSet
	}
	return sets
}

// fetchFor returns the fetch that resolves field f bound by b: a new one, or
// a root GraphQL operation it joins.
func (p *planner) fetchFor(f *Field, b *schema.Binding, o *owner, up *trail, abstract bool) *Fetch {
	if o.kind == ownerRoot && b.GraphQL != nil {
		if fetch := p.joinRoot(f, b); fetch != nil {
			return fetch
		}
	}
	fetch := &Fetch{
		ID:       len(p.plan.Fetches),
		Upstream: b.Upstream,
		Kind:     b.Kind,
		Binding:  b,
		Fields:   []*Field{f},
		Parent:   o.fetch,
		Conds:    p.condsOf(up, f.Conds),
	}
	if abstract {
		fetch.ParentTypes = []string{f.ParentType}
		if up != nil && up.field != nil {
			// The abstract type is the type of the field whose
			// selection holds f.
			fetch.ParentRule = p.s.TypeRule(up.field.Type.Name())
		}
	}
	if b.Batch != nil && o.kind != ownerRoot {
		fetch.Batch = true
	}
	p.plan.Fetches = append(p.plan.Fetches, fetch)
	if p.paths == nil {
		p.paths = map[*Fetch][]*Field{}
	}
	p.paths[fetch] = p.pathOf(up)
	if o.fetch != nil {
		o.fetch.Children = append(o.fetch.Children, fetch)
	}
	if o.kind == ownerRoot {
		p.lastRoot = fetch
		if b.GraphQL != nil && p.op.Operation == ast.Query && b.GraphQL.Args == nil {
			p.rootGraphQL[groupOf(b)] = fetch
		}
	}
	// The parent's source must return what the templates read.
	if o.kind == ownerGraphQL {
		for _, ref := range b.ParentRefs {
			o.doc.require(p, ref)
		}
	}
	if b.GraphQL != nil {
		p.newDoc(fetch)
		p.docs[fetch].addRoot(p, f, b)
	}
	return fetch
}

// rootGroup is what root query fields share to go in one operation: the
// upstream, and the fallback and timeout the fetch applies to all of them.
type rootGroup struct {
	upstream string
	fallback *schema.Fallback
	timeout  time.Duration
}

func groupOf(b *schema.Binding) rootGroup {
	return rootGroup{upstream: b.Upstream, fallback: b.Fallback, timeout: b.Timeout}
}

// joinRoot adds a root field to the GraphQL operation already planned for
// its upstream: all query fields of one upstream go in one operation, and
// consecutive mutation fields of one upstream too (the upstream runs them in
// order).
func (p *planner) joinRoot(f *Field, b *schema.Binding) *Fetch {
	var fetch *Fetch
	if b.GraphQL.Args != nil {
		// Templated arguments read this field's arguments: the operation
		// cannot be shared with another field's.
		return nil
	}
	if p.op.Operation == ast.Query {
		fetch = p.rootGraphQL[groupOf(b)]
	} else if p.lastRoot != nil && p.lastRoot.Binding.GraphQL != nil && p.lastRoot.Upstream == b.Upstream {
		fetch = p.lastRoot
	}
	// A fetch has one fallback and one timeout for all its fields: fields
	// that declare others go in an operation of their own.
	if fetch == nil || fetch.Binding.GraphQL.Args != nil || fetch.Binding.Fallback != b.Fallback || fetch.Binding.Timeout != b.Timeout {
		return nil
	}
	fetch.Fields = append(fetch.Fields, f)
	p.docs[fetch].addRoot(p, f, b)
	return fetch
}

// finish assigns paths, prints upstream operations and builds the tree.
func (p *planner) finish() {
	p.applyConds()
	p.sourceReps()
	for _, fetch := range p.plan.Fetches {
		var at strings.Builder
		for i, f := range p.paths[fetch] {
			fetch.Path = append(fetch.Path, f.Key)
			if i > 0 {
				at.WriteByte('.')
			}
			at.WriteString(f.ResponseKey)
			for t := f.Type; t.Elem != nil; t = t.Elem {
				at.WriteString("[]")
			}
		}
		fetch.At = at.String()
		if d := p.docs[fetch]; d != nil {
			fetch.Operation = d.print(p)
		}
		fetch.Raw = rawable(fetch)
		if fetch.Raw {
			p.markVerbatim(fetch)
		}
		if fetch.Operation != nil && fetch.Subgraph != "" {
			fetch.Operation.Subgraph = fetch.Subgraph
			fetch.Operation.Representations = fetch.Entity != nil
		}
		fetch.Source = fetch.Upstream
		if fetch.Subgraph != "" {
			fetch.Source += "/" + fetch.Subgraph
			p.fedFallbacks(fetch)
		}
	}
	var roots []Node
	for _, fetch := range p.plan.Fetches {
		if fetch.Parent == nil {
			roots = append(roots, ordered(fetch))
		}
	}
	switch {
	case len(roots) == 0:
	case len(roots) == 1:
		p.plan.Tree = roots[0]
	case p.op.Operation == ast.Mutation:
		p.plan.Tree = &Sequence{Nodes: roots}
	default:
		p.plan.Tree = &Parallel{Nodes: roots}
	}
}

// ordered is the tree of root fetch f and the fetches below it. When an
// entity fetch must wait for fetches other than its parent (Fetch.After),
// the fetches run in levels: each after every one it waits for, at the
// same time as the others of its level.
func ordered(f *Fetch) Node {
	var all []*Fetch
	var walk func(x *Fetch)
	deps := false
	walk = func(x *Fetch) {
		all = append(all, x)
		deps = deps || len(x.After) > 0
		for _, c := range x.Children {
			walk(c)
		}
	}
	walk(f)
	if !deps {
		return subtree(f)
	}
	level := map[*Fetch]int{}
	var levelOf func(x *Fetch) int
	levelOf = func(x *Fetch) int {
		if l, ok := level[x]; ok {
			return l
		}
		level[x] = 0 // a cycle, which planning never makes, ends here
		l := 0
		if x.Parent != nil && x != f {
			l = levelOf(x.Parent) + 1
		}
		for _, a := range x.After {
			l = max(l, levelOf(a)+1)
		}
		level[x] = l
		return l
	}
	var levels [][]Node
	for _, x := range all {
		l := levelOf(x)
		for len(levels) <= l {
			levels = append(levels, nil)
		}
		levels[l] = append(levels[l], x)
	}
	seq := &Sequence{}
	for _, nodes := range levels {
		switch len(nodes) {
		case 0:
		case 1:
			seq.Nodes = append(seq.Nodes, nodes[0])
		default:
			seq.Nodes = append(seq.Nodes, &Parallel{Nodes: nodes})
		}
	}
	return seq
}

func subtree(f *Fetch) Node {
	switch len(f.Children) {
	case 0:
		return f
	case 1:
		return &Sequence{Nodes: []Node{f, subtree(f.Children[0])}}
	}
	kids := make([]Node, len(f.Children))
	for i, c := range f.Children {
		kids[i] = subtree(c)
	}
	return &Sequence{Nodes: []Node{f, &Parallel{Nodes: kids}}}
}

func leafKind(def *ast.Definition) LeafKind {
	switch def.Kind {
	case ast.Enum:
		return LeafEnum
	case ast.Scalar:
		switch def.Name {
		case "String":
			return LeafString
		case "ID":
			return LeafID
		case "Int":
			return LeafInt
		case "Float":
			return LeafFloat
		case "Boolean":
			return LeafBoolean
		}
		return LeafCustom
	}
	return NotLeaf
}

// measure counts a selection's fields (its complexity: one each, plus
// their own) and its aliased fields, on the plan, that is once fragments
// are expanded: a fragment spread in many places counts in each. For an
// abstract type it counts the largest concrete shape.
func measure(sel *Selection) (fields, aliases int) {
	if sel == nil {
		return 0, 0
	}
	count := func(list []*Field) (n, a int) {
		for _, f := range list {
			cn, ca := measure(f.Sel)
			n += 1 + cn
			a += ca
			if f.ResponseKey != f.Name {
				a++
			}
		}
		return n, a
	}
	if !sel.Abstract() {
		return count(sel.Fields)
	}
	for _, list := range sel.ByType {
		n, a := count(list)
		fields, aliases = max(fields, n), max(aliases, a)
	}
	return fields, aliases
}

// markVerbatim marks the fields of a Raw GraphQL fetch whose answer is
// their response byte for byte (see Field.Verbatim).
func (p *planner) markVerbatim(fetch *Fetch) {
	if fetch.Binding.GraphQL == nil || p.docs[fetch] == nil {
		return
	}
	info, ok := p.s.Upstream(fetch.Upstream)
	if !ok || !info.Trusted || info.Schema == nil {
		return
	}
	for _, f := range fetch.Fields {
		// Root fields of one upstream share the operation; each delegates
		// to an upstream field of its own.
		b := p.s.Binding(f.ParentType, f.Name)
		if b == nil || b.GraphQL == nil || b.GraphQL.UpstreamDef == nil {
			continue
		}
		f.Verbatim = sameValue(info.Schema, f, b.GraphQL.UpstreamDef.Type, p.docs[fetch].fieldSel(f))
	}
}

// sameValue reports whether the upstream's value of type up, selected by
// doc, is the response's value of field f: the same type (list and
// non-null wrappers, scalar, enum values the gateway knows), and for an
// object the same fields in the same order under the same keys, each the
// same value.
func sameValue(us *ast.Schema, f *Field, up *ast.Type, doc *docSel) bool {
	if f.Type.String() != up.String() {
		return false
	}
	if f.Sel == nil {
		if f.Leaf != LeafEnum {
			return true
		}
		if f.EnumWire != nil {
			return false // the answer's values are the wire's, mapped by render
		}
		ud := us.Types[up.Name()]
		if ud == nil || ud.Kind != ast.Enum {
			return false
		}
		for _, v := range ud.EnumValues {
			if f.Enum.EnumValues.ForName(v.Name) == nil {
				return false
			}
		}
		return true
	}
	ud := us.Types[up.Name()]
	if f.Sel.Abstract() || doc == nil || doc.typename || len(doc.frags) > 0 || ud == nil || ud.Kind != ast.Object ||
		len(doc.fields) != len(f.Sel.Fields) {
		return false
	}
	for i, cf := range f.Sel.Fields {
		df := doc.fields[i]
		if cf.Kind != KindValue || cf.Conds != nil || cf.Fetch != nil || df.client != cf || df.alias != cf.ResponseKey || df.name != cf.Name {
			return false
		}
		uf := ud.Fields.ForName(cf.Name)
		if uf == nil || !sameValue(us, cf, uf.Type, df.sel) {
			return false
		}
	}
	return true
}

// rawable reports whether a fetch's answer can be written into the response
// without a tree: nothing depends on it, each field's value is at a plain
// path, and the shapes below are concrete objects and leaves.
func rawable(f *Fetch) bool {
	if len(f.Children) > 0 || f.Batch {
		return false
	}
	for _, field := range f.Fields {
		for _, step := range field.Result {
			if step.Each {
				return false
			}
		}
		if !plainShape(field.Sel) {
			return false
		}
	}
	return true
}

func plainShape(sel *Selection) bool {
	if sel == nil {
		return true
	}
	if sel.Abstract() {
		return false
	}
	for _, f := range sel.Fields {
		if f.Kind == KindSchema || f.Kind == KindType || f.Fetch != nil || !plainShape(f.Sel) {
			return false
		}
	}
	return true
}
