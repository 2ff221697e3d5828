package planner

import (
	"slices"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// collected is one response key of a selection set: every occurrence of
// the field (merged, as the spec's CollectFields does) and the conditions
// under which each occurrence is in the response.
type collected struct {
	key    string
	fields []*ast.Field
	always bool
	groups Conds
}

func (c *collected) conds() Conds {
	if c.always {
		return nil
	}
	return c.groups
}

// collector runs CollectFields at plan time. Variable values are not known
// yet, so @skip/@include on variables become conditions instead of being
// evaluated.
type collector struct {
	p        *planner
	typeName string
	out      []*collected
	// index finds a response key's entry in out once there are more than
	// indexAbove; below that a scan is cheaper than a map per selection
	// set.
	index map[string]*collected
	// visited holds, per fragment, the conditions it was spread under in
	// this selection set. The spec's CollectFields collects a fragment once
	// per selection set; without that, a fragment that spreads the next
	// one twice, forty levels deep, is walked 2^40 times. Conditions on
	// variables are not known at plan time, so a spread is skipped when an
	// earlier one was under conditions that hold whenever its own do.
	visited []visits
}

func (c *collector) collect(set ast.SelectionSet, conds []Cond) {
	for _, sel := range set {
		if !c.p.step() {
			return
		}
		switch sel := sel.(type) {
		case *ast.Field:
			cs, ok := directiveConds(sel.Directives, conds)
			if !ok || !c.spendConds(cs, conds) {
				continue
			}
			key := sel.Alias
			if key == "" {
				key = sel.Name
			}
			e := c.entry(key)
			e.fields = append(e.fields, sel)
			if len(cs) == 0 {
				e.always = true
			} else {
				e.groups = append(e.groups, cs)
			}
		case *ast.InlineFragment:
			cs, ok := directiveConds(sel.Directives, conds)
			if !ok || !c.spendConds(cs, conds) || !c.applies(sel.TypeCondition) {
				continue
			}
			c.collect(sel.SelectionSet, cs)
		case *ast.FragmentSpread:
			cs, ok := directiveConds(sel.Directives, conds)
			if !ok || !c.spendConds(cs, conds) {
				continue
			}
			def := sel.Definition
			if def == nil {
				def = c.p.doc.Fragments.ForName(sel.Name)
			}
			if def == nil || !c.applies(def.TypeCondition) || c.seen(def.Name, cs) {
				continue
			}
			c.collect(def.SelectionSet, cs)
		}
	}
}

// spendConds counts the copy directiveConds made of conds, if it made one.
func (c *collector) spendConds(cs, conds []Cond) bool {
	if len(cs) == len(conds) {
		return true
	}
	return c.p.spend(len(cs))
}

// seen reports whether fragment name was spread already under conditions
// that hold whenever cs holds, and records cs otherwise: collecting it again
// would add only occurrences already there, under a weaker condition. The
// first few conditions are compared by implication (an unconditional spread
// implies all); past them, exact sets are looked up in a map, so that a
// fragment spread under thousands of different conditions costs each spread
// a lookup rather than a scan of all before it.
func (c *collector) seen(name string, cs []Cond) bool {
	// Each comparison below reads cs.
	if !c.p.spend(len(cs) * (firstVisits + 1)) {
		return true
	}
	var v *visits
	for i := range c.visited {
		if c.visited[i].name == name {
			v = &c.visited[i]
			break
		}
	}
	if v == nil {
		c.visited = append(c.visited, visits{name: name})
		v = &c.visited[len(c.visited)-1]
	}
	for _, prev := range v.first {
		if implies(cs, prev) {
			return true
		}
	}
	if len(v.first) < firstVisits {
		v.first = append(v.first, cs)
		return false
	}
	key := condKey(cs)
	if v.exact[key] {
		return true
	}
	if v.exact == nil {
		v.exact = map[string]bool{}
	}
	v.exact[key] = true
	return false
}

// entry returns the entry of a response key, adding it.
func (c *collector) entry(key string) *collected {
	if c.index != nil {
		if e := c.index[key]; e != nil {
			return e
		}
	} else {
		for _, e := range c.out {
			if e.key == key {
				return e
			}
		}
	}
	e := &collected{key: key}
	c.out = append(c.out, e)
	if c.index != nil {
		c.index[key] = e
	} else if len(c.out) > indexAbove {
		c.index = make(map[string]*collected, 2*len(c.out))
		for _, e := range c.out {
			c.index[e.key] = e
		}
	}
	return e
}

// indexAbove is how many response keys a selection set holds before its
// collector indexes them.
const indexAbove = 16

// firstVisits is how many of a fragment's spreads seen compares by
// implication.
const firstVisits = 4

// visits are the conditions fragment name was spread under in one
// selection set.
type visits struct {
	name  string
	first [][]Cond
	exact map[string]bool
}

// condKey writes a conjunction in a canonical order.
func condKey(cs []Cond) string {
	if len(cs) == 0 {
		return ""
	}
	sorted := slices.Clone(cs)
	slices.SortFunc(sorted, func(a, b Cond) int {
		if c := strings.Compare(a.Variable, b.Variable); c != 0 {
			return c
		}
		switch {
		case a.Include == b.Include:
			return 0
		case a.Include:
			return 1
		}
		return -1
	})
	var b strings.Builder
	for _, c := range sorted {
		if c.Include {
			b.WriteByte('+')
		} else {
			b.WriteByte('-')
		}
		b.WriteString(c.Variable)
		b.WriteByte(' ')
	}
	return b.String()
}

// implies reports whether the conjunction a implies the conjunction b: every
// condition of b is one of a's.
func implies(a, b []Cond) bool {
	for _, want := range b {
		found := false
		for _, have := range a {
			if have == want {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// applies reports whether a fragment with type condition cond applies to
// objects of the collector's concrete type.
func (c *collector) applies(cond string) bool {
	if cond == "" || cond == c.typeName {
		return true
	}
	def := c.p.s.AST.Types[cond]
	if def == nil || !def.IsAbstractType() {
		return false
	}
	for _, t := range c.p.s.AST.GetPossibleTypes(def) {
		if t.Name == c.typeName {
			return true
		}
	}
	return false
}

// directiveConds adds the @skip/@include of dirs to conds. It returns false
// when a literal argument excludes the selection outright.
func directiveConds(dirs ast.DirectiveList, conds []Cond) ([]Cond, bool) {
	out := conds
	copied := false
	for _, d := range dirs {
		if d.Name != "skip" && d.Name != "include" {
			continue
		}
		arg := d.Arguments.ForName("if")
		if arg == nil || arg.Value == nil {
			continue
		}
		include := d.Name == "include"
		if arg.Value.Kind == ast.Variable {
			c := Cond{Include: include, Variable: arg.Value.Raw}
			if implies(out, []Cond{c}) {
				continue // nested spreads under one condition repeat it
			}
			if !copied {
				out = append([]Cond(nil), conds...)
				copied = true
			}
			out = append(out, c)
			continue
		}
		lit := arg.Value.Raw == "true"
		if lit != include {
			return nil, false
		}
	}
	return out, true
}
