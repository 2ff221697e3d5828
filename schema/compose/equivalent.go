package compose

import (
	"fmt"
	"sort"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// Equivalent lists the differences between two supergraphs in what a
// gateway plans by: the subgraphs (names and URLs), root types, types and
// their kinds, fields, arguments (types and defaults), interfaces, union
// members, enum values, and the join__* directives, with @inaccessible
// and @tag. Directive order, type order and field order are free; join
// directives are compared by subgraph name, not join__Graph value, with
// their arguments' defaults filled in and field sets normalized. An empty
// list means the two are equivalent.
func Equivalent(a, b *ast.Schema) []string {
	var d diff
	ga, gb := graphNames(a), graphNames(b)
	d.sets("subgraphs", graphList(a, ga), graphList(b, gb))
	for _, op := range []struct {
		name string
		get  func(*ast.Schema) *ast.Definition
	}{
		{"query", func(s *ast.Schema) *ast.Definition { return s.Query }},
		{"mutation", func(s *ast.Schema) *ast.Definition { return s.Mutation }},
		{"subscription", func(s *ast.Schema) *ast.Definition { return s.Subscription }},
	} {
		if na, nb := defName(op.get(a)), defName(op.get(b)); na != nb {
			d.add("%s root type: %q vs %q", op.name, na, nb)
		}
	}
	ta, tb := userTypes(a), userTypes(b)
	d.sets("types", keys(ta), keys(tb))
	for _, name := range keys(ta) {
		x, y := ta[name], tb[name]
		if y == nil {
			continue
		}
		if x.Kind != y.Kind {
			d.add("type %s: kind %s vs %s", name, x.Kind, y.Kind)
			continue
		}
		d.sets("type "+name+": directives", directiveSet(x.Directives, ga), directiveSet(y.Directives, gb))
		d.sets("type "+name+": interfaces", x.Interfaces, y.Interfaces)
		d.sets("type "+name+": members", x.Types, y.Types)
		va, vb := enumValues(x), enumValues(y)
		d.sets("type "+name+": values", keys(va), keys(vb))
		for _, v := range keys(va) {
			if vb[v] != nil {
				d.sets("value "+name+"."+v+": directives", directiveSet(va[v].Directives, ga), directiveSet(vb[v].Directives, gb))
			}
		}
		fa, fb := fields(x), fields(y)
		d.sets("type "+name+": fields", keys(fa), keys(fb))
		for _, f := range keys(fa) {
			p, q := fa[f], fb[f]
			if q == nil {
				continue
			}
			coord := name + "." + f
			if p.Type.String() != q.Type.String() {
				d.add("field %s: type %s vs %s", coord, p.Type.String(), q.Type.String())
			}
			if dv, dw := valueString(p.DefaultValue), valueString(q.DefaultValue); dv != dw {
				d.add("field %s: default %s vs %s", coord, dv, dw)
			}
			d.sets("field "+coord+": directives", directiveSet(p.Directives, ga), directiveSet(q.Directives, gb))
			d.sets("field "+coord+": arguments", argList(p.Arguments), argList(q.Arguments))
		}
	}
	sort.Strings(d.out)
	return d.out
}

type diff struct{ out []string }

func (d *diff) add(format string, a ...any) { d.out = append(d.out, fmt.Sprintf(format, a...)) }

// sets reports the elements only one side has.
func (d *diff) sets(what string, a, b []string) {
	in := func(list []string) map[string]bool {
		m := map[string]bool{}
		for _, s := range list {
			m[s] = true
		}
		return m
	}
	ma, mb := in(a), in(b)
	var onlyA, onlyB []string
	for s := range ma {
		if !mb[s] {
			onlyA = append(onlyA, s)
		}
	}
	for s := range mb {
		if !ma[s] {
			onlyB = append(onlyB, s)
		}
	}
	sort.Strings(onlyA)
	sort.Strings(onlyB)
	if len(onlyA) > 0 {
		d.add("%s: only in the first: %s", what, strings.Join(onlyA, ", "))
	}
	if len(onlyB) > 0 {
		d.add("%s: only in the second: %s", what, strings.Join(onlyB, ", "))
	}
}

func defName(d *ast.Definition) string {
	if d == nil {
		return ""
	}
	return d.Name
}

// graphNames maps each join__Graph value to its subgraph's name.
func graphNames(s *ast.Schema) map[string]string {
	out := map[string]string{}
	g := s.Types["join__Graph"]
	if g == nil {
		return out
	}
	for _, v := range g.EnumValues {
		if d := v.Directives.ForName("join__graph"); d != nil {
			out[v.Name] = argString(d, "name")
		}
	}
	return out
}

func graphList(s *ast.Schema, names map[string]string) []string {
	var out []string
	if g := s.Types["join__Graph"]; g != nil {
		for _, v := range g.EnumValues {
			if d := v.Directives.ForName("join__graph"); d != nil {
				out = append(out, fmt.Sprintf("%s at %s", quote(argString(d, "name")), argString(d, "url")))
			}
		}
	}
	return out
}

// userTypes are the supergraph's own types: not GraphQL's built-ins, not
// the join and link specs' machinery.
func userTypes(s *ast.Schema) map[string]*ast.Definition {
	out := map[string]*ast.Definition{}
	for name, t := range s.Types {
		if t.BuiltIn || strings.HasPrefix(name, "__") || strings.HasPrefix(name, "join__") || strings.HasPrefix(name, "link__") {
			continue
		}
		out[name] = t
	}
	return out
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func fields(t *ast.Definition) map[string]*ast.FieldDefinition {
	out := map[string]*ast.FieldDefinition{}
	for _, f := range t.Fields {
		if !strings.HasPrefix(f.Name, "__") {
			out[f.Name] = f
		}
	}
	return out
}

func enumValues(t *ast.Definition) map[string]*ast.EnumValueDefinition {
	out := map[string]*ast.EnumValueDefinition{}
	for _, v := range t.EnumValues {
		out[v.Name] = v
	}
	return out
}

func argList(args ast.ArgumentDefinitionList) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = a.Name + ": " + a.Type.String()
		if a.DefaultValue != nil {
			out[i] += " = " + valueString(a.DefaultValue)
		}
		if a.Directives.ForName("inaccessible") != nil {
			out[i] += " @inaccessible"
		}
	}
	return out
}

func valueString(v *ast.Value) string {
	if v == nil {
		return "(none)"
	}
	return printValue(v)
}

// joinDefaults are the join directives' arguments at their defaults, left
// out when comparing.
var joinDefaults = map[string]map[string]string{
	"join__type":  {"extension": "false", "resolvable": "true", "isInterfaceObject": "false"},
	"join__field": {"external": "false", "usedOverridden": "false"},
}

// directiveSet prints the directives that matter for planning, in a form
// two supergraphs compare by: join__* with graphs by subgraph name,
// defaults dropped and field sets normalized; @inaccessible; @tag.
func directiveSet(dirs ast.DirectiveList, graphs map[string]string) []string {
	var out []string
	for _, d := range dirs {
		if d.Name != "inaccessible" && d.Name != "tag" && !strings.HasPrefix(d.Name, "join__") {
			continue
		}
		var args []string
		for _, a := range d.Arguments {
			v := printValue(a.Value)
			switch a.Name {
			case "graph":
				if n, ok := graphs[a.Value.Raw]; ok {
					v = quote(n)
				}
			case "key", "requires", "provides":
				v = quote(normalizeFieldSet(a.Value.Raw))
			}
			if joinDefaults[d.Name][a.Name] == v {
				continue
			}
			args = append(args, a.Name+": "+v)
		}
		sort.Strings(args)
		s := "@" + d.Name
		if len(args) > 0 {
			s += "(" + strings.Join(args, ", ") + ")"
		}
		out = append(out, s)
	}
	return out
}
