package compose

import (
	"fmt"
	"sort"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// The satisfiability check walks the supergraph from its root types, field
// by field, keeping for each place every way the subgraphs can be there:
// a set of states, each a subgraph, the type there and what an enclosing
// @provides makes available. A field is satisfiable when some state
// resolves it, after moving between subgraphs by @key where the key's
// fields can be read; a field no state resolves is a SATISFIABILITY_ERROR.
// Each (type, states) pair is walked once, so the walk ends.
//
// Limits, against Apollo's query-graph validation: a key's fields must
// all be readable in one subgraph the walk is in (Apollo may gather them
// from several); a @requires is met when each required field (its own
// @requires met in turn, a cycle of them never) is readable starting from
// the subgraph of the field that requires it, moving on by keys, without
// asking that one subgraph read them all; an interface field no subgraph
// resolves on the interface itself is checked, and walked below, only
// through the implementations (as Apollo reports it, under a type
// condition).

// state is one way a query can be at a place: in subgraph sg, at type typ
// there (an @interfaceObject's name when the supergraph type is one of its
// implementations), with prov made available by an enclosing @provides.
type state struct {
	sg      int
	typ     string
	prov    ast.SelectionSet
	provKey string
}

// newState makes a state, with its provided selection printed for its key.
func newState(sg int, typ string, prov ast.SelectionSet) state {
	s := state{sg: sg, typ: typ, prov: prov}
	if len(prov) > 0 {
		var b strings.Builder
		printSelection(&b, prov)
		s.provKey = b.String()
	}
	return s
}

// key identifies the state among others at one place.
func (s state) key() string { return fmt.Sprintf("%d:%s:%s", s.sg, s.typ, s.provKey) }

// entry is a way into a type in a subgraph: a resolvable @key there (nil
// for a root type, which any subgraph's root reaches).
type entry struct {
	sg  int
	typ string
	key *sKey
}

// walkItem is a place in the supergraph to walk on from.
type walkItem struct {
	typ    *mType
	states []state
	path   []string
}

// satisfier is one satisfiability walk.
type satisfier struct {
	c        *composer
	seen     map[string]bool
	queue    []walkItem
	entries  map[string][]entry
	reported map[string]bool
	// checking holds the fields whose @requires is being checked.
	checking map[string]bool
	// required holds whether a state meets a field's @requires.
	required map[string]bool
	// budget bounds the walk on pathological inputs.
	budget int
}

// maxSatisfiabilitySteps bounds the (type, states) pairs walked. Real
// supergraphs use a small share of it; past it the check stops with a
// hint rather than run on.
const maxSatisfiabilitySteps = 200000

// checkSatisfiability reports each field a query could reach that no
// subgraph can resolve there.
func (c *composer) checkSatisfiability() {
	s := &satisfier{c: c, seen: map[string]bool{}, entries: map[string][]entry{}, reported: map[string]bool{}, checking: map[string]bool{}, required: map[string]bool{}, budget: maxSatisfiabilitySteps}
	for _, root := range []string{"Query", "Mutation", "Subscription"} {
		mt := c.types[root]
		if mt == nil {
			continue
		}
		var states []state
		for i, d := range mt.defs {
			if d != nil {
				states = append(states, newState(i, root, nil))
			}
		}
		s.push(mt, states, nil)
	}
	for len(s.queue) > 0 {
		if s.budget <= 0 {
			c.hint(HintSatisfiabilityIncomplete, nil, "",
				"the supergraph has too many ways through it to check them all; the satisfiability check stopped early")
			return
		}
		s.budget--
		item := s.queue[0]
		s.queue = s.queue[1:]
		s.visit(item)
	}
}

// push queues a place to walk: type t with the states there (and those
// keys reach from them), unless it was walked already.
func (s *satisfier) push(t *mType, states []state, path []string) {
	if len(states) == 0 || t.inaccessible {
		return
	}
	states = s.closure(t, states)
	keys := make([]string, len(states))
	for i, st := range states {
		keys[i] = st.key()
	}
	sort.Strings(keys)
	k := t.name + "|" + strings.Join(keys, ",")
	if s.seen[k] {
		return
	}
	s.seen[k] = true
	s.queue = append(s.queue, walkItem{typ: t, states: states, path: path})
}

// visit checks the fields of a place and queues the places they lead to,
// and for an abstract type the places of its runtime types.
func (s *satisfier) visit(item walkItem) {
	t := item.typ
	if t.kind == ast.Object || t.kind == ast.Interface {
		for _, f := range t.fields {
			if !f.inaccessible {
				s.field(item, f)
			}
		}
	}
	if t.kind == ast.Interface && !s.canCast(item.states) {
		for _, rt := range s.runtimeTypes(t) {
			s.reportCast(item, rt)
		}
		return
	}
	if t.kind == ast.Interface || t.kind == ast.Union {
		for _, rt := range s.runtimeTypes(t) {
			var cast []state
			for _, st := range item.states {
				if c, ok := s.typecast(st, rt.name); ok {
					cast = append(cast, c)
				}
			}
			s.push(rt, cast, appendPath(item.path, "... on "+rt.name))
		}
	}
}

func appendPath(path []string, el string) []string {
	out := make([]string, len(path)+1)
	copy(out, path)
	out[len(path)] = el
	return out
}

// canCast says the states at an interface can tell which implementation
// a value is: some state is the interface itself (or an object type), not
// only @interfaceObjects, which know no implementations.
func (s *satisfier) canCast(states []state) bool {
	for _, st := range states {
		if lt := s.c.sgs[st.sg].types[st.typ]; lt != nil && !lt.interfaceObject {
			return true
		}
	}
	return false
}

// reportCast records that the walk cannot tell whether a value of an
// interface it reached only through @interfaceObjects is of type rt.
func (s *satisfier) reportCast(item walkItem, rt *mType) {
	t := item.typ
	key := "cast " + t.name + " " + rt.name
	if s.reported[key] {
		return
	}
	s.reported[key] = true
	var from []string
	for _, st := range item.states {
		from = append(from, fmt.Sprintf("%q", s.c.sgs[st.sg].name))
	}
	s.c.errorf(CodeSatisfiabilityError, nil, rt.name, nil,
		"no subgraph can tell whether a %s is a %s for the query %s: subgraph(s) %s have %s only as an @interfaceObject, and no subgraph defining the interface with a resolvable @key can be reached",
		t.name, rt.name, printPath(appendPath(item.path, "... on "+rt.name)), strings.Join(from, ", "), t.name)
}

// runtimeTypes are the object types a value of abstract type t can be.
func (s *satisfier) runtimeTypes(t *mType) []*mType {
	var out []*mType
	if t.kind == ast.Union {
		for _, m := range t.members {
			if mt := s.c.types[m]; mt != nil {
				out = append(out, mt)
			}
		}
		return out
	}
	return s.c.implementations(t.name)
}

// typecast moves a state at an abstract type to its runtime type rt, if
// the subgraph can return rt there.
func (s *satisfier) typecast(st state, rt string) (state, bool) {
	sg := s.c.sgs[st.sg]
	lt := sg.types[st.typ]
	if lt == nil {
		return state{}, false
	}
	if lt.name == rt {
		return st, true
	}
	if lt.interfaceObject {
		// An @interfaceObject's fields are every implementation's: under
		// a type condition the subgraph still resolves them.
		if mt := s.c.types[rt]; mt != nil {
			for _, i := range mt.interfaces {
				if i == lt.name {
					return newState(st.sg, lt.name, provFor(st.prov, rt)), true
				}
			}
		}
		return state{}, false
	}
	if lt.kind == ast.Object {
		return state{}, false
	}
	target := sg.types[rt]
	if target == nil || !sg.canBe(lt, target) {
		return state{}, false
	}
	return newState(st.sg, rt, provFor(st.prov, rt)), true
}

// provFor is the part of a provided selection that applies to type rt:
// its fields and its fragments on rt.
func provFor(prov ast.SelectionSet, rt string) ast.SelectionSet {
	var out ast.SelectionSet
	for _, sel := range prov {
		switch sel := sel.(type) {
		case *ast.Field:
			out = append(out, sel)
		case *ast.InlineFragment:
			if sel.TypeCondition == "" || sel.TypeCondition == rt {
				out = append(out, provFor(sel.SelectionSet, rt)...)
			}
		}
	}
	return out
}

// provided finds a field in a provided selection.
func provided(prov ast.SelectionSet, name string) (*ast.Field, bool) {
	for _, sel := range prov {
		if f, ok := sel.(*ast.Field); ok && f.Name == name {
			return f, true
		}
	}
	return nil, false
}

// field checks one field at a place and walks on into its type.
func (s *satisfier) field(item walkItem, f *mField) {
	t := item.typ
	var next []state
	// A field a progressive @override is moving must be resolvable both
	// while the label is off (by the subgraph it moves from) and once it
	// is on (by the subgraph it moves to).
	conds := []overrideCond{condNone}
	if f.progressive() {
		conds = []overrideCond{condLabelOff, condLabelOn}
	}
	ok := true
	for _, cond := range conds {
		found := false
		for _, st := range item.states {
			ns, good := s.resolveIn(t, st, f.name, cond)
			if good {
				found = true
				next = append(next, ns...)
			}
		}
		ok = ok && found
	}
	if !ok && t.kind == ast.Interface {
		// Where no subgraph resolves the field on the interface, the
		// query gets it from each implementation, and the walk checks
		// each of those under its type condition.
		return
	}
	if !ok {
		s.report(item, f)
		return
	}
	target := s.c.types[f.typ.Name()]
	if target != nil && (target.kind == ast.Object || target.kind == ast.Interface || target.kind == ast.Union) {
		s.push(target, next, appendPath(item.path, f.name))
	}
}

// overrideCond is the state of a progressive @override's label the walk
// assumes.
type overrideCond int

const (
	// condNone: no progressive override; both subgraphs resolve it.
	condNone overrideCond = iota
	// condLabelOff: the subgraph the field moves from resolves it.
	condLabelOff
	// condLabelOn: the subgraph it moves to does.
	condLabelOn
)

// progressive says a progressive @override is moving the field.
func (mf *mField) progressive() bool {
	for i, d := range mf.defs {
		if d != nil && mf.overrideLabel != nil && mf.overrideLabel[i] != "" {
			return true
		}
	}
	return false
}

// resolve says whether state st resolves field name of supergraph type t,
// and the states it leads to.
func (s *satisfier) resolve(t *mType, st state, name string) ([]state, bool) {
	return s.resolveIn(t, st, name, condNone)
}

// resolveIn is resolve with a progressive override's label on or off.
func (s *satisfier) resolveIn(t *mType, st state, name string, cond overrideCond) ([]state, bool) {
	sg := s.c.sgs[st.sg]
	lt := sg.types[st.typ]
	f := lt.field(name)
	if f == nil {
		return nil, false
	}
	if s.overridden(st.sg, st.typ, name) {
		return nil, false
	}
	if mt := s.c.types[st.typ]; mt != nil && mt.fieldMap[name] != nil && mt.fieldMap[name].overrideLabel != nil {
		mf := mt.fieldMap[name]
		movingFrom := mf.overrideLabel[st.sg] != ""
		movingTo := f.overrideLabel != "" && !mf.ignoreOverride[st.sg]
		if (cond == condLabelOn && movingFrom) || (cond == condLabelOff && movingTo) {
			return nil, false
		}
	}
	var prov ast.SelectionSet
	if f.external {
		pf, ok := provided(st.prov, name)
		if !ok {
			return nil, false
		}
		prov = pf.SelectionSet
	} else if f.provides != nil && f.provides.ok {
		prov = f.provides.sel
	} else if pf, ok := provided(st.prov, name); ok {
		prov = pf.SelectionSet
	}
	if f.requires != nil && f.requires.ok {
		// A requirement may need fields with requirements of their own;
		// one that comes back to this field cannot be met.
		key := fmt.Sprintf("%d:%s.%s", st.sg, st.typ, name)
		if s.checking[key] {
			return nil, false
		}
		// A result found with no other check under way holds wherever
		// the walk meets this state again; one found inside another
		// check may rest on that check's cycle, so it is not kept.
		memo := t.name + "|" + st.key() + "|" + name
		met, known := s.required[memo]
		if !known {
			outer := len(s.checking) == 0
			s.checking[key] = true
			// The gateway gets the required fields starting from this
			// subgraph: from the entity as it is here, moving on by keys
			// it can read here.
			met = s.selectionSatisfiable(t, s.closure(t, []state{st}), f.requires.sel, 0)
			delete(s.checking, key)
			if outer {
				s.required[memo] = met
			}
		}
		if !met {
			return nil, false
		}
	}
	target := sg.types[f.typ.Name()]
	if target == nil || target.kind == ast.Scalar || target.kind == ast.Enum {
		return nil, true
	}
	return []state{newState(st.sg, target.name, prov)}, true
}

// selectionSatisfiable says whether the fields a @requires selects can be
// read from the states at type t.
func (s *satisfier) selectionSatisfiable(t *mType, states []state, sel ast.SelectionSet, depth int) bool {
	if depth > maxFieldSetDepth {
		return false
	}
	for _, sl := range sel {
		switch sl := sl.(type) {
		case *ast.Field:
			if sl.Name == "__typename" {
				continue
			}
			mf := t.fieldMap[sl.Name]
			if mf == nil {
				return false
			}
			var next []state
			ok := false
			for _, st := range states {
				ns, good := s.resolve(t, st, sl.Name)
				if good {
					ok = true
					next = append(next, ns...)
				}
			}
			if !ok {
				return false
			}
			if len(sl.SelectionSet) > 0 {
				target := s.c.types[mf.typ.Name()]
				if target == nil {
					return false
				}
				if !s.selectionSatisfiable(target, s.closure(target, next), sl.SelectionSet, depth+1) {
					return false
				}
			}
		case *ast.InlineFragment:
			target := t
			cast := states
			if sl.TypeCondition != "" && sl.TypeCondition != t.name {
				target = s.c.types[sl.TypeCondition]
				if target == nil {
					return false
				}
				cast = nil
				for _, st := range states {
					if c, ok := s.typecast(st, sl.TypeCondition); ok {
						cast = append(cast, c)
					}
				}
				if len(cast) == 0 {
					continue
				}
				cast = s.closure(target, cast)
			}
			if !s.selectionSatisfiable(target, cast, sl.SelectionSet, depth+1) {
				return false
			}
		}
	}
	return true
}

// entryPoints are the ways into type t from another subgraph: its
// resolvable keys, the keys of an @interfaceObject standing for one of
// its interfaces, and for a root type every subgraph's root.
func (s *satisfier) entryPoints(t *mType) []entry {
	if e, ok := s.entries[t.name]; ok {
		return e
	}
	var out []entry
	if isRootName(t.name) {
		for i, d := range t.defs {
			if d != nil {
				out = append(out, entry{sg: i, typ: t.name})
			}
		}
	}
	for i, d := range t.defs {
		if d == nil {
			continue
		}
		for _, k := range d.keys {
			if k.resolvable && k.fs.ok {
				out = append(out, entry{sg: i, typ: t.name, key: k})
			}
		}
	}
	if t.kind == ast.Object {
		for _, iname := range t.interfaces {
			it := s.c.types[iname]
			if it == nil {
				continue
			}
			for i, d := range it.defs {
				if d == nil || !d.interfaceObject || t.defs[i] != nil {
					continue
				}
				for _, k := range d.keys {
					if k.resolvable && k.fs.ok {
						out = append(out, entry{sg: i, typ: iname, key: k})
					}
				}
			}
		}
	}
	s.entries[t.name] = out
	return out
}

// closure adds to states every state another subgraph's entry point
// reaches from them, until no more are added.
func (s *satisfier) closure(t *mType, states []state) []state {
	have := map[string]bool{}
	var out []state
	for _, st := range states {
		if k := st.key(); !have[k] {
			have[k] = true
			out = append(out, st)
		}
	}
	entries := s.entryPoints(t)
	for changed := true; changed; {
		changed = false
		for _, e := range entries {
			ns := newState(e.sg, e.typ, nil)
			if have[ns.key()] {
				continue
			}
			for _, st := range out {
				if e.key == nil || s.collectible(st, e.key.fs.sel, 0) {
					have[ns.key()] = true
					out = append(out, ns)
					changed = true
					break
				}
			}
		}
	}
	return out
}

// collectible says whether state st can read the fields of a key.
func (s *satisfier) collectible(st state, sel ast.SelectionSet, depth int) bool {
	if depth > maxFieldSetDepth {
		return false
	}
	sg := s.c.sgs[st.sg]
	lt := sg.types[st.typ]
	for _, sl := range sel {
		f, ok := sl.(*ast.Field)
		if !ok {
			return false
		}
		if f.Name == "__typename" {
			continue
		}
		sf := lt.field(f.Name)
		// An @override takes a key field from a subgraph, but not from an
		// extension: the key it extends by comes with the entity.
		if sf == nil || (s.overridden(st.sg, st.typ, f.Name) && !lt.extensionOnly()) {
			return false
		}
		var prov ast.SelectionSet
		if sf.external {
			pf, ok := provided(st.prov, f.Name)
			if !ok {
				return false
			}
			prov = pf.SelectionSet
		}
		if len(f.SelectionSet) > 0 {
			if sg.types[sf.typ.Name()] == nil || !s.collectible(newState(st.sg, sf.typ.Name(), prov), f.SelectionSet, depth+1) {
				return false
			}
		}
	}
	return true
}

// overridden says an @override took field name of type typ from
// subgraph sg: the subgraph no longer resolves it, not even as a key.
func (s *satisfier) overridden(sg int, typ, name string) bool {
	t := s.c.types[typ]
	if t == nil {
		return false
	}
	mf := t.fieldMap[name]
	return mf != nil && mf.dropped != nil && (mf.dropped[sg] || mf.usedOverridden[sg])
}

// report records the SATISFIABILITY_ERROR of a field, once.
func (s *satisfier) report(item walkItem, f *mField) {
	t := item.typ
	coord := t.name + "." + f.name
	if s.reported[coord] {
		return
	}
	s.reported[coord] = true
	var reasons []string
	for _, st := range item.states {
		sg := s.c.sgs[st.sg]
		lf := sg.types[st.typ].field(f.name)
		switch {
		case lf == nil:
			reasons = append(reasons, fmt.Sprintf("subgraph %q does not define %s.%s", sg.name, st.typ, f.name))
		case lf.external:
			reasons = append(reasons, fmt.Sprintf("subgraph %q has %s.%s only as @external, and no @provides brings it here", sg.name, st.typ, f.name))
		case lf.requires != nil:
			reasons = append(reasons, fmt.Sprintf("subgraph %q cannot get the fields %s.%s @requires (%q)", sg.name, st.typ, f.name, lf.requires.raw))
		default:
			reasons = append(reasons, fmt.Sprintf("subgraph %q no longer resolves %s.%s (another subgraph overrides it)", sg.name, st.typ, f.name))
		}
	}
	inStates := map[int]bool{}
	for _, st := range item.states {
		inStates[st.sg] = true
	}
	for i, d := range f.defs {
		if d == nil || d.external || inStates[i] {
			continue
		}
		sg := s.c.sgs[i]
		hasKey := false
		for _, k := range d.parent.keys {
			hasKey = hasKey || k.resolvable
		}
		if !hasKey {
			reasons = append(reasons, fmt.Sprintf("subgraph %q resolves it, but %s has no resolvable @key there to reach it by", sg.name, t.name))
		} else {
			reasons = append(reasons, fmt.Sprintf("subgraph %q resolves it, but none of its @key fields on %s can be read from the subgraphs the query is in", sg.name, t.name))
		}
	}
	s.c.errorf(CodeSatisfiabilityError, nil, coord, nil,
		"no subgraph can resolve %s for the query %s: %s", coord, printPath(appendPath(item.path, f.name)), strings.Join(reasons, "; "))
}

// printPath prints a path of fields and type conditions as a query.
func printPath(path []string) string {
	var b strings.Builder
	for i, el := range path {
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString("{ " + el)
	}
	for range path {
		b.WriteString(" }")
	}
	return b.String()
}
