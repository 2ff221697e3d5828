package schema

import (
	"sort"
	"strings"
	"time"

	"github.com/agnivade/levenshtein"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/weft-gateway/weft/internal/tmpl"
)

// directiveArgs reads a binding directive's arguments with precise errors,
// and remembers which it read so unknown ones can be reported.
type directiveArgs struct {
	b     *builder
	d     *ast.Directive
	where string
	used  map[string]bool
}

func newDirectiveArgs(b *builder, d *ast.Directive, where string) *directiveArgs {
	return &directiveArgs{b: b, d: d, where: where, used: map[string]bool{}}
}

func (a *directiveArgs) get(name string) *ast.Argument {
	a.used[name] = true
	return a.d.Arguments.ForName(name)
}

func (a *directiveArgs) pos(name string) *ast.Position {
	if arg := a.d.Arguments.ForName(name); arg != nil {
		return arg.Position
	}
	return a.d.Position
}

func (a *directiveArgs) string(name string, required bool) string {
	arg := a.get(name)
	if arg == nil || arg.Value == nil || arg.Value.Kind == ast.NullValue {
		if required {
			a.b.errorf(a.d.Position, a.where, "missing argument %q", name)
		}
		return ""
	}
	if arg.Value.Kind != ast.StringValue && arg.Value.Kind != ast.BlockValue {
		a.b.errorf(arg.Position, a.where, "argument %q must be a string, got %s", name, arg.Value.String())
		return ""
	}
	return arg.Value.Raw
}

func (a *directiveArgs) duration(name string) (time.Duration, bool) {
	s := a.string(name, false)
	if s == "" {
		return 0, false
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		a.b.errorf(a.pos(name), a.where, "argument %q: %q is not a positive duration such as \"2s\" or \"250ms\"", name, s)
		return 0, false
	}
	return d, true
}

func (a *directiveArgs) strings(name string) []string {
	arg := a.get(name)
	if arg == nil || arg.Value == nil || arg.Value.Kind == ast.NullValue {
		return nil
	}
	v := arg.Value
	if v.Kind == ast.StringValue || v.Kind == ast.BlockValue {
		return []string{v.Raw}
	}
	if v.Kind != ast.ListValue {
		a.b.errorf(arg.Position, a.where, "argument %q must be a list of strings", name)
		return nil
	}
	var out []string
	for _, c := range v.Children {
		if c.Value.Kind != ast.StringValue && c.Value.Kind != ast.BlockValue {
			a.b.errorf(c.Value.Position, a.where, "argument %q must be a list of strings, got %s", name, c.Value.String())
			continue
		}
		out = append(out, c.Value.Raw)
	}
	return out
}

func (a *directiveArgs) value(name string) *ast.Value {
	arg := a.get(name)
	if arg == nil || arg.Value == nil || arg.Value.Kind == ast.NullValue {
		return nil
	}
	return arg.Value
}

func (a *directiveArgs) rejectUnknown() {
	for _, arg := range a.d.Arguments {
		if !a.used[arg.Name] {
			allowed := make([]string, 0, len(a.used))
			for n := range a.used {
				allowed = append(allowed, n)
			}
			sort.Strings(allowed)
			a.b.errorf(arg.Position, a.where, "unknown argument %q (allowed: %s)", arg.Name, strings.Join(allowed, ", "))
		}
	}
}

// jsonTemplate turns a GraphQL value literal into a JSON template whose
// strings may hold placeholders.
func (b *builder) jsonTemplate(v *ast.Value, where string) *tmpl.JSON {
	switch v.Kind {
	case ast.StringValue, ast.BlockValue:
		t, err := tmpl.Parse(v.Raw)
		if err != nil {
			b.errorf(v.Position, where, "%v", err)
			return tmpl.JSONLiteral([]byte("null"))
		}
		return tmpl.JSONString(t)
	case ast.IntValue, ast.FloatValue:
		return tmpl.JSONLiteral([]byte(v.Raw))
	case ast.BooleanValue:
		return tmpl.JSONLiteral([]byte(v.Raw))
	case ast.NullValue:
		return tmpl.JSONLiteral([]byte("null"))
	case ast.EnumValue:
		return tmpl.JSONString(tmpl.MustParse(strings.NewReplacer("{", "{{", "}", "}}").Replace(v.Raw)))
	case ast.ListValue:
		vals := make([]*tmpl.JSON, len(v.Children))
		for i, c := range v.Children {
			vals[i] = b.jsonTemplate(c.Value, where)
		}
		return tmpl.JSONArray(vals)
	case ast.ObjectValue:
		ks := make([]string, len(v.Children))
		vals := make([]*tmpl.JSON, len(v.Children))
		for i, c := range v.Children {
			ks[i] = c.Name
			vals[i] = b.jsonTemplate(c.Value, where)
		}
		return tmpl.JSONObject(ks, vals)
	default:
		b.errorf(v.Position, where, "variables cannot appear in bindings: %s", v.String())
		return tmpl.JSONLiteral([]byte("null"))
	}
}

// suggest returns ` (did you mean "x"?)` for the closest candidate, if any is close.
func suggest(got string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		if d := levenshtein.ComputeDistance(strings.ToLower(got), strings.ToLower(c)); d < bestD {
			best, bestD = c, d
		}
	}
	if best == "" {
		return ""
	}
	return ` (did you mean "` + best + `"?)`
}
