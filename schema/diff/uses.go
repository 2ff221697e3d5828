package diff

import (
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// A use is a place of the old schema that holds a named type: an output
// field of an object or interface, an argument, an input field.
type use struct {
	coord string
	// output: a field clients read. Otherwise an input value; holder is
	// the input type whose field it is, if it is one.
	output bool
	holder string
}

// uses indexes the old schema's uses by the named type they hold.
type uses map[string][]use

func indexUses(s *ast.Schema) uses {
	u := uses{}
	for _, name := range sortedKeys(s.Types) {
		t := s.Types[name]
		if t == nil || strings.HasPrefix(name, "__") {
			continue
		}
		for _, f := range t.Fields {
			if strings.HasPrefix(f.Name, "__") || f.Type == nil {
				continue
			}
			coord := name + "." + f.Name
			if t.Kind == ast.InputObject {
				u[f.Type.Name()] = append(u[f.Type.Name()], use{coord: coord, holder: name})
				continue
			}
			u[f.Type.Name()] = append(u[f.Type.Name()], use{coord: coord, output: true})
			for _, a := range f.Arguments {
				if a.Type != nil {
					u[a.Type.Name()] = append(u[a.Type.Name()], use{coord: coord + "(" + a.Name + ":)"})
				}
			}
		}
	}
	for _, name := range sortedKeys(s.Directives) {
		if builtInDirectives[name] {
			continue
		}
		if s.Directives[name] == nil {
			continue
		}
		for _, a := range s.Directives[name].Arguments {
			if a.Type != nil {
				u[a.Type.Name()] = append(u[a.Type.Name()], use{coord: "@" + name + "(" + a.Name + ":)"})
			}
		}
	}
	return u
}

// all returns the coordinates of every use of a type.
func (u uses) all(name string) []string {
	out := make([]string, 0, len(u[name]))
	for _, x := range u[name] {
		out = append(out, x.coord)
	}
	return out
}

// outputs returns the fields whose values are of a type.
func (u uses) outputs(name string) []string {
	var out []string
	for _, x := range u[name] {
		if x.output {
			out = append(out, x.coord)
		}
	}
	return out
}

// inputHolders returns the type and every input type that holds it,
// however deep: the types a variable may have whose value contains a
// value of the type, which an operation names without naming the field.
func (u uses) inputHolders(name string) []string {
	seen := map[string]bool{}
	var out []string
	var walk func(string)
	walk = func(t string) {
		if seen[t] {
			return
		}
		seen[t] = true
		out = append(out, t)
		for _, x := range u[t] {
			if x.holder != "" {
				walk(x.holder)
			}
		}
	}
	walk(name)
	return out
}
