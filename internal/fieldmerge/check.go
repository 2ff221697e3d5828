package fieldmerge

import (
	"encoding/binary"
	"slices"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator/core"
)

// node is one field of the document, as gqlparser's walker resolved it.
// Fields are numbered on first sight so that sets of them can be keyed.
type node struct {
	field *ast.Field
	// name is the field's response name, interned.
	name int32
	// concrete says the field is defined on an object type: two such fields
	// on different object types can never both apply to one value, so they
	// are compared for their response shape only. gqlparser also requires
	// the field to be defined, and so does this rule, to agree with it.
	concrete bool
	// sel is what the field's selection set collects, once computed.
	sel *selection

	shapeDone, hasShape bool
	shape               string
	argsDone            bool
	args                string
}

// selection is what one selection set collects: the fields it selects
// directly or through inline fragments, in document order, and the
// fragments it spreads, which are expanded when sets are merged so that a
// fragment spread in many places is expanded once per merged set.
type selection struct {
	fields  []int32
	spreads []*ast.FragmentDefinition
}

// elem is one field in a merged field set: the node, the element of the
// parent set whose selection contributed it (-1 in a root set), and its
// position in its set. The parent chain is what names the fields of a
// conflict in the error, down from the nearest set both sides share.
type elem struct {
	node   int32
	origin int32
	order  int32
}

type span struct{ from, to int32 }

// leaf is a conflicting pair of elements found while checking one root.
type leaf struct{ a, b int32 }

type setMemo struct {
	one  map[int32]struct{}
	many map[string]struct{}
}

type checker struct {
	schema   *ast.Schema
	addError core.AddErrFunc

	ids   map[*ast.Field]int32
	nodes []node
	names map[string]int32
	frags map[*ast.FragmentDefinition]*selection

	// Stamps instead of cleared sets: a merge marks the fragments it
	// expanded, grouping marks the response names it has seen.
	fragStamp map[*ast.FragmentDefinition]uint32
	fragGen   uint32
	nameStamp []uint32
	nameGroup []int32
	nameGen   uint32

	elems []elem
	found []leaf

	shapeMemo, parentsMemo setMemo
	reported               map[[2]int32]struct{}
	rooted                 map[int32]struct{}
	pending                []int32

	conflicts int
	steps     int
	depth     int
	done      bool
	tooLarge  bool

	keyIDs []int32
	keyBuf []byte
	// The groups of merged sets: spans of idx, which holds element indices.
	idx   []int32
	spans []span

	// Arenas for what collect returns, which lives as long as the checker.
	sels    []selection
	fields  []int32
	shapeOf map[*ast.Type]string
}

func newChecker(schema *ast.Schema, doc *ast.QueryDocument, addError core.AddErrFunc) *checker {
	// Sized for the document up front: a large document is the case this
	// rule exists for, and growing these by doubling costs more than
	// checking it.
	n := 0
	if doc != nil {
		for _, op := range doc.Operations {
			n += countFields(op.SelectionSet, true)
		}
		for _, def := range doc.Fragments {
			n += countFields(def.SelectionSet, true)
		}
	}
	return &checker{
		schema:      schema,
		addError:    addError,
		ids:         make(map[*ast.Field]int32, n),
		nodes:       make([]node, 0, n),
		elems:       make([]elem, 0, 2*n),
		names:       map[string]int32{},
		frags:       map[*ast.FragmentDefinition]*selection{},
		fragStamp:   map[*ast.FragmentDefinition]uint32{},
		shapeMemo:   setMemo{one: map[int32]struct{}{}, many: map[string]struct{}{}},
		parentsMemo: setMemo{one: map[int32]struct{}{}, many: map[string]struct{}{}},
		reported:    map[[2]int32]struct{}{},
		rooted:      map[int32]struct{}{},
		shapeOf:     map[*ast.Type]string{},
	}
}

// checkRoot checks the field set of an operation or a fragment definition
// and reports what it finds. self is the fragment being checked, which a
// spread of itself inside it does not expand again.
func (c *checker) checkRoot(set ast.SelectionSet, self *ast.FragmentDefinition, pos *ast.Position) {
	if c.done {
		return
	}
	c.elems, c.found, c.idx, c.spans = c.elems[:0], c.found[:0], c.idx[:0], c.spans[:0]
	c.checkSet(c.collect(set), self)
	// Fields on an unknown parent type are never compared, as in gqlparser,
	// but their own selection sets are checked like a root: an inline
	// fragment or a spread in them brings back fields of known types.
	for len(c.pending) > 0 && !c.done {
		n := c.pending[len(c.pending)-1]
		c.pending = c.pending[:len(c.pending)-1]
		c.checkSet(c.selectionOf(n), nil)
	}
	c.pending = c.pending[:0]
	c.report()
	if c.tooLarge {
		c.addError(
			core.Message("The fields of this document cannot be checked for conflicts: merging its selections takes more than %d steps or goes more than %d fields deep. Use fewer fragments, or fewer fields that share a response name.", MaxSteps, MaxDepth),
			core.At(pos),
		)
	}
}

// checkSet checks one root field set: first that fields which can apply to
// the same object agree on name and arguments, then that all fields of a
// response name have the same response shape. Name conflicts are looked for
// first so that a pair found by both checks is reported as graphql-js
// reports it.
func (c *checker) checkSet(sel *selection, self *ast.FragmentDefinition) {
	c.fragGen++
	if self != nil {
		c.fragStamp[self] = c.fragGen
	}
	start := len(c.elems)
	c.expand(sel, -1)
	lo, hi := c.groupByName(start, len(c.elems))
	for i := lo; i < hi; i++ {
		c.parents(c.group(i))
	}
	for i := lo; i < hi; i++ {
		c.shapes(c.group(i))
	}
}

// group returns the elements of a group made by groupByName.
func (c *checker) group(i int) []int32 {
	sp := c.spans[i]
	return c.idx[sp.from:sp.to:sp.to]
}

// recurse checks the merged subfields of g, by response name. What the
// merge adds to the arenas is dropped afterwards, so that they hold only
// the path being checked, except for the elements of a conflict's chain.
func (c *checker) recurse(g []int32, k check) {
	if c.depth >= MaxDepth {
		c.done, c.tooLarge = true, true
		return
	}
	c.depth++
	defer func() { c.depth-- }()
	elems, idx, spans, found := len(c.elems), len(c.idx), len(c.spans), len(c.found)
	lo, hi := c.merge(g)
	for i := lo; i < hi && !c.done; i++ {
		if k == byShape {
			c.shapes(c.group(i))
		} else {
			c.parents(c.group(i))
		}
	}
	c.idx, c.spans = c.idx[:idx], c.spans[:spans]
	if len(c.found) == found {
		c.elems = c.elems[:elems]
	}
}

// merge collects the selections of the members into one field set and
// groups it by response name. Each fragment is expanded once per merged
// set however many members spread it.
func (c *checker) merge(members []int32) (lo, hi int) {
	c.fragGen++
	start := len(c.elems)
	for _, m := range members {
		if n := c.elems[m].node; len(c.nodes[n].field.SelectionSet) > 0 {
			c.expand(c.selectionOf(n), m)
		}
	}
	return c.groupByName(start, len(c.elems))
}

// expand appends the fields of sel, then of the fragments it spreads, to
// the element arena. Fields selected directly come before fragments' fields,
// as graphql-js compares them, which decides the order of a pair in an
// error.
func (c *checker) expand(sel *selection, origin int32) {
	for _, id := range sel.fields {
		c.elems = append(c.elems, elem{node: id, origin: origin})
	}
	c.steps += len(sel.fields) + len(sel.spreads)
	for _, def := range sel.spreads {
		if c.fragStamp[def] == c.fragGen {
			continue
		}
		c.fragStamp[def] = c.fragGen
		c.expand(c.fragment(def), origin)
	}
}

// groupByName groups the elements from start to end by response name, in
// the order of first appearance, and numbers them in that set. The groups
// are spans lo to hi of the span arena.
func (c *checker) groupByName(start, end int) (lo, hi int) {
	c.nameGen++
	lo = len(c.spans)
	for i := start; i < end; i++ {
		c.elems[i].order = int32(i - start)
		name := c.nodes[c.elems[i].node].name
		if c.nameStamp[name] != c.nameGen {
			c.nameStamp[name] = c.nameGen
			c.nameGroup[name] = int32(len(c.spans) - lo)
			c.spans = append(c.spans, span{})
		}
		c.spans[lo+int(c.nameGroup[name])].to++ // a count, for now
	}
	hi = len(c.spans)
	at := int32(len(c.idx))
	for i := lo; i < hi; i++ {
		n := c.spans[i].to
		c.spans[i] = span{from: at, to: at}
		at += n
	}
	c.idx = slices.Grow(c.idx, end-start)[:int(at)]
	for i := start; i < end; i++ {
		sp := &c.spans[lo+int(c.nameGroup[c.nodes[c.elems[i].node].name])]
		c.idx[sp.to] = int32(i)
		sp.to++
	}
	c.steps += end - start
	c.checkSteps()
	return lo, hi
}

func (c *checker) checkSteps() {
	if c.steps > MaxSteps && !c.done {
		c.done = true
		c.tooLarge = true
	}
}

// parents checks one response name's fields for FieldsInSetCanMerge's
// second half: fields that can apply to the same object must have the same
// name and arguments, and so must their merged subfields. Fields on one
// object type can apply to the same object, and so can fields on an
// interface or union (or not defined) with any other: so there is one group
// per object type, each also holding the fields on abstract types, or one
// group of them all if none is on an object type.
func (c *checker) parents(g []int32) {
	if c.done {
		return
	}
	var first *ast.Definition
	mixed := false
	for _, e := range g {
		n := &c.nodes[c.elems[e].node]
		if !n.concrete {
			continue
		}
		def := n.field.ObjectDefinition
		if first == nil {
			first = def
		} else if def != first && def.Name != first.Name {
			mixed = true
			break
		}
	}
	if !mixed {
		c.parentsGroup(g)
		return
	}
	var types []string
	byType := map[string][]int32{}
	var abstract []int32
	for _, e := range g {
		n := &c.nodes[c.elems[e].node]
		if !n.concrete {
			abstract = append(abstract, e)
			continue
		}
		t := n.field.ObjectDefinition.Name
		if _, ok := byType[t]; !ok {
			types = append(types, t)
		}
		byType[t] = append(byType[t], e)
	}
	c.steps += len(g)
	for _, t := range types {
		if c.done {
			return
		}
		c.steps += len(abstract)
		c.parentsGroup(mergeOrdered(byType[t], abstract))
	}
}

// mergeOrdered merges two increasing lists of element indices.
func mergeOrdered(a, b []int32) []int32 {
	if len(b) == 0 {
		return a
	}
	out := make([]int32, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if a[i] < b[j] {
			out = append(out, a[i])
			i++
		} else {
			out = append(out, b[j])
			j++
		}
	}
	out = append(out, a[i:]...)
	return append(out, b[j:]...)
}

// parentsGroup checks fields that share a parent for FieldsInSetCanMerge:
// the same field with the same arguments, and so must their merged
// subfields.
func (c *checker) parentsGroup(g []int32) { c.checkGroup(g, &c.parentsMemo, byArgs) }

// shapes checks one response name's fields for SameResponseShape: all of
// them, whatever their parent types, must return the same shape (list and
// non-null wrappers, and the same scalar or enum type), and so must their
// merged subfields. Fields not defined by the schema have no type to
// compare, and take part with every shape.
func (c *checker) shapes(g []int32) { c.checkGroup(g, &c.shapeMemo, byShape) }

// checkGroup sorts g into classes by the check's key, reports the pairs
// across classes, and goes on into each class's merged subfields; a set
// already checked (memo) is not checked again.
func (c *checker) checkGroup(g []int32, memo *setMemo, by check) {
	if c.done || c.isLeaf(g) || !c.firstVisit(memo, g) {
		return
	}
	classes, n := c.classify(g, by)
	if classes == nil {
		c.recurse(g, by)
		return
	}
	c.crossPairs(g, classes, n)
	for k := range n {
		c.recurse(members(g, classes, int32(k)), by)
	}
}

// check is one of the two checks: byArgs is parents, byShape is shapes.
type check bool

const (
	byArgs  check = false
	byShape check = true
)

func (k check) key(c *checker, n int32) (string, bool) {
	if k == byShape {
		return c.shapeKey(n)
	}
	return c.argsKey(n), true
}

// members returns the elements of class k together with the unclassified
// ones, in order.
func members(g, classes []int32, k int32) []int32 {
	var out []int32
	for i, e := range g {
		if classes[i] == k || classes[i] < 0 {
			out = append(out, e)
		}
	}
	return out
}

// isLeaf says a group of one field without a selection set, which has
// nothing to check.
func (c *checker) isLeaf(g []int32) bool {
	return len(g) == 1 && len(c.nodes[c.elems[g[0]].node].field.SelectionSet) == 0
}

// classify partitions a group by key. It returns nil when every element
// has the same key (or none), the common case, without building the
// partition; otherwise each element's class, -1 for elements without a
// key, and the number of classes.
func (c *checker) classify(g []int32, by check) ([]int32, int) {
	c.steps += len(g)
	var first string
	have := false
	same := true
	for _, e := range g {
		k, ok := by.key(c, c.elems[e].node)
		if !ok {
			continue
		}
		if !have {
			first, have = k, true
		} else if k != first {
			same = false
			break
		}
	}
	if same {
		return nil, 0
	}
	classes := make([]int32, len(g))
	index := map[string]int32{}
	for i, e := range g {
		k, ok := by.key(c, c.elems[e].node)
		if !ok {
			classes[i] = -1
			continue
		}
		id, seen := index[k]
		if !seen {
			id = int32(len(index))
			index[k] = id
		}
		classes[i] = id
	}
	return classes, len(index)
}

// crossPairs records every pair of elements of different classes, in the
// order graphql-js would compare them. It stops at MaxConflicts; a pair
// already reported is skipped, and no element is looked at more than once
// unless a pair is recorded for it, so the walk costs at most the group's
// size for each conflict.
func (c *checker) crossPairs(g, classes []int32, n int) {
	counts := make([]int, n)
	classified := 0
	for j, cj := range classes {
		if cj < 0 {
			continue
		}
		if classified > counts[cj] {
			for i := range j {
				if ci := classes[i]; ci >= 0 && ci != cj {
					c.record(g[i], g[j])
					if c.done {
						return
					}
				}
			}
			c.steps += j
			c.checkSteps()
		}
		counts[cj]++
		classified++
	}
}

func (c *checker) record(a, b int32) {
	na, nb := c.elems[a].node, c.elems[b].node
	key := [2]int32{min(na, nb), max(na, nb)}
	if _, ok := c.reported[key]; ok {
		return
	}
	c.reported[key] = struct{}{}
	c.found = append(c.found, leaf{a, b})
	c.conflicts++
	if c.conflicts >= MaxConflicts {
		c.done = true
	}
}

// firstVisit says whether a set of fields has not been checked before, by
// this check, and marks it checked. Sets are keyed by their fields, not by
// how they were reached: the same fields reached through other aliases,
// paths or fragments are checked once.
func (c *checker) firstVisit(m *setMemo, g []int32) bool {
	if len(g) == 1 {
		id := c.elems[g[0]].node
		if _, ok := m.one[id]; ok {
			return false
		}
		m.one[id] = struct{}{}
		return true
	}
	c.keyIDs = c.keyIDs[:0]
	for _, e := range g {
		c.keyIDs = append(c.keyIDs, c.elems[e].node)
	}
	slices.Sort(c.keyIDs)
	c.keyBuf = c.keyBuf[:0]
	for _, id := range c.keyIDs {
		c.keyBuf = binary.LittleEndian.AppendUint32(c.keyBuf, uint32(id))
	}
	if _, ok := m.many[string(c.keyBuf)]; ok {
		return false
	}
	m.many[string(c.keyBuf)] = struct{}{}
	c.steps += len(g)
	return true
}

// id numbers a field on first sight.
func (c *checker) id(f *ast.Field) int32 {
	if id, ok := c.ids[f]; ok {
		return id
	}
	id := int32(len(c.nodes))
	c.ids[f] = id
	responseName := f.Alias
	if responseName == "" {
		responseName = f.Name
	}
	name, ok := c.names[responseName]
	if !ok {
		name = int32(len(c.names))
		c.names[responseName] = name
		c.nameStamp = append(c.nameStamp, 0)
		c.nameGroup = append(c.nameGroup, 0)
	}
	c.nodes = append(c.nodes, node{
		field:    f,
		name:     name,
		concrete: f.ObjectDefinition != nil && f.ObjectDefinition.Kind == ast.Object && f.Definition != nil,
	})
	return id
}

func (c *checker) selectionOf(n int32) *selection {
	if s := c.nodes[n].sel; s != nil {
		return s
	}
	s := c.collect(c.nodes[n].field.SelectionSet)
	c.nodes[n].sel = s
	return s
}

func (c *checker) fragment(def *ast.FragmentDefinition) *selection {
	if s, ok := c.frags[def]; ok {
		return s
	}
	s := c.collect(def.SelectionSet)
	c.frags[def] = s
	return s
}

// collect gathers a selection set's fields, looking into inline fragments,
// and the fragments it spreads. A field whose parent type is unknown is
// left out, as gqlparser leaves it out of every comparison, and its own
// selection set is queued to be checked on its own.
func (c *checker) collect(set ast.SelectionSet) *selection {
	if len(c.sels) == cap(c.sels) {
		c.sels = make([]selection, 0, 64)
	}
	c.sels = c.sels[:len(c.sels)+1]
	s := &c.sels[len(c.sels)-1]
	if need := countFields(set, false); cap(c.fields)-len(c.fields) < need {
		c.fields = make([]int32, 0, max(need, 1024))
	}
	from := len(c.fields)
	c.gather(s, set)
	s.fields = c.fields[from:len(c.fields):len(c.fields)]
	c.steps += len(s.fields) + len(s.spreads)
	return s
}

// countFields counts the fields of a selection set, looking into inline
// fragments, and into fields' selection sets if deep.
func countFields(set ast.SelectionSet, deep bool) int {
	n := 0
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			n++
			if deep {
				n += countFields(sel.SelectionSet, true)
			}
		case *ast.InlineFragment:
			n += countFields(sel.SelectionSet, deep)
		}
	}
	return n
}

func (c *checker) gather(s *selection, set ast.SelectionSet) {
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			id := c.id(sel)
			if sel.ObjectDefinition == nil {
				if _, ok := c.rooted[id]; !ok && len(sel.SelectionSet) > 0 {
					c.rooted[id] = struct{}{}
					c.pending = append(c.pending, id)
				}
				continue
			}
			c.fields = append(c.fields, id)
		case *ast.InlineFragment:
			c.gather(s, sel.SelectionSet)
		case *ast.FragmentSpread:
			if sel.Definition != nil {
				s.spreads = append(s.spreads, sel.Definition)
			}
		}
	}
}

// shapeKey is equal for two fields exactly when gqlparser finds their types
// do not conflict: the same list and non-null wrappers, around the same
// scalar or enum, or around any composite types (their fields are compared
// as subfields).
func (c *checker) shapeKey(n int32) (string, bool) {
	nd := &c.nodes[n]
	if !nd.shapeDone {
		nd.shapeDone = true
		if def := nd.field.Definition; def != nil && def.Type != nil {
			shape, ok := c.shapeOf[def.Type]
			if !ok {
				var b strings.Builder
				c.writeShape(&b, def.Type)
				shape = b.String()
				c.shapeOf[def.Type] = shape
			}
			nd.shape, nd.hasShape = shape, true
		}
	}
	return nd.shape, nd.hasShape
}

func (c *checker) writeShape(b *strings.Builder, t *ast.Type) {
	if t.NonNull {
		b.WriteByte('!')
	}
	if t.Elem != nil {
		b.WriteByte('[')
		c.writeShape(b, t.Elem)
		return
	}
	def := c.schema.Types[t.NamedType]
	if def != nil && !def.IsLeafType() {
		b.WriteByte('*')
		return
	}
	b.WriteByte('=')
	b.WriteString(t.NamedType)
}

// argsKey is equal for two fields exactly when they have the same name and
// gqlparser finds their arguments the same: the same names with the same
// values, whatever the order of arguments and of input object fields.
func (c *checker) argsKey(n int32) string {
	nd := &c.nodes[n]
	if !nd.argsDone {
		nd.argsDone = true
		f := nd.field
		if len(f.Arguments) == 0 {
			// A name has no NUL byte, which every encoding below has.
			nd.args = f.Name
		} else {
			b := append([]byte(f.Name), 0)
			args := slices.Clone(f.Arguments)
			slices.SortStableFunc(args, func(x, y *ast.Argument) int { return strings.Compare(x.Name, y.Name) })
			b = binary.AppendUvarint(b, uint64(len(args)))
			for _, a := range args {
				b = appendString(b, a.Name)
				b = appendValue(b, a.Value)
			}
			nd.args = string(b)
		}
	}
	return nd.args
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendValue(b []byte, v *ast.Value) []byte {
	if v == nil {
		return append(b, 0xff)
	}
	b = append(b, byte(v.Kind))
	b = appendString(b, v.Raw)
	children := v.Children
	if v.Kind == ast.ObjectValue {
		children = slices.Clone(children)
		slices.SortStableFunc(children, func(x, y *ast.ChildValue) int { return strings.Compare(x.Name, y.Name) })
	}
	b = binary.AppendUvarint(b, uint64(len(children)))
	for _, ch := range children {
		b = appendString(b, ch.Name)
		b = appendValue(b, ch.Value)
	}
	return b
}
