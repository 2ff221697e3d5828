package compose

import (
	"fmt"
	"sort"

	"github.com/vektah/gqlparser/v2/ast"
)

// executableLocations are the directive locations in operations.
var executableLocations = map[ast.DirectiveLocation]bool{
	ast.LocationQuery: true, ast.LocationMutation: true, ast.LocationSubscription: true,
	ast.LocationField: true, ast.LocationFragmentDefinition: true, ast.LocationFragmentSpread: true,
	ast.LocationInlineFragment: true, ast.LocationVariableDefinition: true,
}

// mergeDirectives keeps the executable directives every subgraph defines,
// at the executable locations they all allow; the subgraphs' own
// type-system directives are not part of the supergraph.
func (c *composer) mergeDirectives() {
	type seen struct {
		def   *ast.DirectiveDefinition
		count int
		locs  map[ast.DirectiveLocation]int
		sg    *subgraph
		// defs are every subgraph's definition, for the arguments.
		defs []*ast.DirectiveDefinition
		sgs  []*subgraph
	}
	byName := map[string]*seen{}
	var order []string
	for _, sg := range c.sgs {
		for _, d := range sg.directives {
			s := byName[d.Name]
			if s == nil {
				s = &seen{def: d, locs: map[ast.DirectiveLocation]int{}, sg: sg}
				byName[d.Name] = s
				order = append(order, d.Name)
			}
			s.count++
			s.defs = append(s.defs, d)
			s.sgs = append(s.sgs, sg)
			for _, l := range d.Locations {
				s.locs[l]++
			}
		}
	}
	sort.Strings(order)
	for _, name := range order {
		s := byName[name]
		var locs []ast.DirectiveLocation
		for _, l := range s.def.Locations {
			if executableLocations[l] && s.locs[l] == len(c.sgs) {
				locs = append(locs, l)
			}
		}
		if len(locs) == 0 || s.count < len(c.sgs) {
			c.hint(HintDirectiveDropped, s.sg, "@"+name,
				"directive @%s is not in the supergraph: only executable directives that every subgraph defines are", name)
			continue
		}
		def := *s.def
		def.Locations = locs
		def.Directives = nil
		def.Arguments = c.mergeDirectiveArgs(name, s.defs, s.sgs)
		c.directives = append(c.directives, &def)
	}
}

// mergeDirectiveArgs merges the arguments of an executable directive the
// way a field's merge: those every subgraph defines, of the stricter
// type, a required one some lack an error.
func (c *composer) mergeDirectiveArgs(name string, defs []*ast.DirectiveDefinition, sgs []*subgraph) ast.ArgumentDefinitionList {
	var out ast.ArgumentDefinitionList
	for _, a := range defs[0].Arguments {
		coord := fmt.Sprintf("@%s(%s:)", name, a.Name)
		merged := *a
		keep := true
		for i, d := range defs[1:] {
			other := d.Arguments.ForName(a.Name)
			if other == nil {
				keep = false
				break
			}
			t, ok := inputSubtype(merged.Type, other.Type)
			if !ok {
				c.errorf(CodeFieldArgumentTypeMismatch, sgs[i+1], coord, other.Position,
					"argument %s has type %s here but %s in subgraph %q", coord, other.Type.String(), a.Type.String(), sgs[0].name)
				keep = false
				break
			}
			merged.Type = t
		}
		if keep {
			merged.Directives = nil
			out = append(out, &merged)
		}
	}
	for i, d := range defs {
		for _, a := range d.Arguments {
			if out.ForName(a.Name) != nil || !required(a.Type, a.DefaultValue) {
				continue
			}
			for _, other := range defs {
				if other.Arguments.ForName(a.Name) == nil {
					coord := fmt.Sprintf("@%s(%s:)", name, a.Name)
					c.errorf(CodeRequiredArgumentMissingInSomeSubgraph, sgs[i], coord, a.Position,
						"argument %s is required here but not every subgraph defines it", coord)
					break
				}
			}
		}
	}
	return out
}
