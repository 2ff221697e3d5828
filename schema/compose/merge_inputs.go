package compose

import (
	"fmt"

	"github.com/vektah/gqlparser/v2/ast"
)

// mergeInputObject merges an input object type: the supergraph keeps the
// fields every subgraph defines.
func (c *composer) mergeInputObject(t *mType) {
	var defs []*sType
	for _, d := range t.defs {
		if d != nil {
			defs = append(defs, d)
		}
	}
	var names []string
	for _, d := range defs {
		for _, f := range d.fields {
			names = appendUnique(names, f.name)
		}
	}
	for _, name := range names {
		coord := t.name + "." + name
		var have []*sField
		var lacking *sType
		for _, d := range defs {
			if f := d.field(name); f != nil {
				have = append(have, f)
			} else if lacking == nil {
				lacking = d
			}
		}
		if lacking != nil {
			reported := false
			for _, f := range have {
				if required(f.typ, f.defaultValue) {
					c.errorf(CodeRequiredInputFieldMissingInSomeSubgraph, f.parent.sg, coord, f.pos,
						"input field %s is required here but subgraph %q does not define it", coord, lacking.sg.name)
					reported = true
					break
				}
			}
			if !reported {
				c.hint(HintInconsistentInputObjectField, lacking.sg, coord,
					"input field %s is left out of the supergraph: this subgraph does not define it", coord)
			}
			continue
		}
		mf := t.field(name)
		mf.defs = make([]*sField, len(c.sgs))
		mf.initOverrides(len(c.sgs))
		typ := have[0].typ
		var descs []described
		for i, f := range have {
			mf.defs[f.parent.sg.idx] = f
			descs = append(descs, described{f.parent.sg, f.desc})
			c.mergeFieldDirectives(mf, f)
			if i == 0 {
				continue
			}
			if f.typ.String() != have[0].typ.String() {
				mf.typeDiffers = true
			}
			merged, ok := inputSubtype(typ, f.typ)
			if !ok {
				c.errorf(CodeFieldTypeMismatch, f.parent.sg, coord, f.pos,
					"input field %s has type %s here but %s in subgraph %q", coord, f.typ.String(), have[0].typ.String(), have[0].parent.sg.name)
				break
			}
			typ = merged
		}
		mf.typ = typ
		mf.desc = c.pickDescription(coord, descs)
		mf.defaultValue = c.mergeDefault(coord, CodeInputFieldDefaultMismatch, func(i int) (*subgraph, *ast.Value, *ast.Position) {
			return have[i].parent.sg, have[i].defaultValue, have[i].pos
		}, len(have))
		if mf.typeDiffers {
			c.hint(HintInconsistentButCompatibleFieldType, nil, coord,
				"the subgraphs give %s different but compatible types; the supergraph uses %s", coord, typ.String())
		}
	}
	if len(t.fields) == 0 && len(names) > 0 {
		first := c.firstDef(t)
		c.errorf(CodeEmptyMergedInputType, first.sg, t.name, first.pos,
			"no field of input type %s is defined in every subgraph that defines the type, so the merged type would be empty", t.name)
	}
}

// enumUse says where the subgraphs use an enum: as an input (an argument
// or input field type), as an output (a field type), or both.
func (c *composer) enumUse(name string) (input, output bool, inExample, outExample string) {
	for _, sg := range c.sgs {
		for _, t := range sg.order {
			for _, f := range t.fields {
				if t.kind == ast.InputObject {
					if f.typ.Name() == name && !input {
						input, inExample = true, f.coordinate()
					}
					continue
				}
				if f.typ.Name() == name && !output {
					output, outExample = true, f.coordinate()
				}
				for _, a := range f.args {
					if a.typ.Name() == name && !input {
						input, inExample = true, fmt.Sprintf("%s(%s:)", f.coordinate(), a.name)
					}
				}
			}
		}
	}
	return input, output, inExample, outExample
}

// mergeEnum merges an enum's values by how the enum is used: every value
// of any subgraph for an output enum, the values every subgraph has for
// an input enum, and for an enum used both ways the subgraphs must agree
// (a value marked @inaccessible aside).
func (c *composer) mergeEnum(t *mType) {
	n := len(c.sgs)
	byName := map[string]*mValue{}
	var all []*mValue
	var defs []*sType
	for i, d := range t.defs {
		if d == nil {
			continue
		}
		defs = append(defs, d)
		for _, v := range d.values {
			mv := byName[v.name]
			if mv == nil {
				mv = &mValue{name: v.name, in: make([]bool, n)}
				byName[v.name] = mv
				all = append(all, mv)
			}
			mv.in[i] = true
			mv.inaccessible = mv.inaccessible || v.inaccessible
			for _, tag := range v.tags {
				mv.tags = appendUnique(mv.tags, tag)
			}
			if mv.deprecated == nil {
				mv.deprecated = v.deprecated
			}
		}
	}
	for _, mv := range all {
		var descs []described
		for _, d := range defs {
			for _, v := range d.values {
				if v.name == mv.name {
					descs = append(descs, described{d.sg, v.desc})
				}
			}
		}
		mv.desc = c.pickDescription(t.name+"."+mv.name, descs)
	}
	input, output, inEx, outEx := c.enumUse(t.name)
	missingIn := func(mv *mValue) *sType {
		for _, d := range defs {
			if !mv.in[d.sg.idx] {
				return d
			}
		}
		return nil
	}
	switch {
	case input && output:
		for _, mv := range all {
			lack := missingIn(mv)
			if lack == nil || mv.inaccessible {
				t.values = append(t.values, mv)
				continue
			}
			c.errorf(CodeEnumValueMismatch, lack.sg, t.name+"."+mv.name, lack.pos,
				"enum %s is used as an input (%s) and an output (%s), so every subgraph must define its values, but value %s is missing here (or mark it @inaccessible)",
				t.name, inEx, outEx, mv.name)
		}
	case input:
		for _, mv := range all {
			if lack := missingIn(mv); lack != nil {
				c.hint(HintInconsistentEnumValueForInputEnum, lack.sg, t.name+"."+mv.name,
					"value %s of input enum %s is left out of the supergraph: this subgraph does not define it", mv.name, t.name)
				continue
			}
			t.values = append(t.values, mv)
		}
		if len(t.values) == 0 {
			first := c.firstDef(t)
			c.errorf(CodeEmptyMergedEnumType, first.sg, t.name, first.pos,
				"no value of enum %s, used as an input, is defined in every subgraph that defines it, so the merged enum would be empty", t.name)
		}
	default:
		if !output {
			c.hint(HintUnusedEnumType, nil, t.name, "enum %s is used by no field or argument; it is merged as an output enum, with every value", t.name)
		}
		for _, mv := range all {
			if lack := missingIn(mv); lack != nil {
				c.hint(HintInconsistentEnumValueForOutputEnum, lack.sg, t.name+"."+mv.name,
					"value %s of enum %s is in the supergraph though this subgraph does not define it", mv.name, t.name)
			}
		}
		t.values = all
	}
}
