package planner

import (
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
	index    map[string]*collected
}

func (c *collector) collect(set ast.SelectionSet, conds []Cond) {
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			cs, ok := directiveConds(sel.Directives, conds)
			if !ok {
				continue
			}
			key := sel.Alias
			if key == "" {
				key = sel.Name
			}
			e := c.index[key]
			if e == nil {
				e = &collected{key: key}
				c.index[key] = e
				c.out = append(c.out, e)
			}
			e.fields = append(e.fields, sel)
			if len(cs) == 0 {
				e.always = true
			} else {
				e.groups = append(e.groups, cs)
			}
		case *ast.InlineFragment:
			cs, ok := directiveConds(sel.Directives, conds)
			if !ok || !c.applies(sel.TypeCondition) {
				continue
			}
			c.collect(sel.SelectionSet, cs)
		case *ast.FragmentSpread:
			cs, ok := directiveConds(sel.Directives, conds)
			if !ok {
				continue
			}
			def := sel.Definition
			if def == nil {
				def = c.p.doc.Fragments.ForName(sel.Name)
			}
			if def == nil || !c.applies(def.TypeCondition) {
				continue
			}
			c.collect(def.SelectionSet, cs)
		}
	}
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
			if !copied {
				out = append([]Cond(nil), conds...)
				copied = true
			}
			out = append(out, Cond{Include: include, Variable: arg.Value.Raw})
			continue
		}
		lit := arg.Value.Raw == "true"
		if lit != include {
			return nil, false
		}
	}
	return out, true
}
