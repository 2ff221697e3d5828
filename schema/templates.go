package schema

import (
	"strings"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/weft-gateway/weft/internal/tmpl"
)

// bodyTemplate reads a body: a GraphQL value literal, or a string holding
// JSON whose string leaves are templates (JSON keys need not be GraphQL
// names), or a string that is a template itself ("{args.input}").
func (b *builder) bodyTemplate(v *ast.Value, where string) *tmpl.JSON {
	if v.Kind != ast.StringValue && v.Kind != ast.BlockValue {
		return b.jsonTemplate(v, where)
	}
	j, jerr := tmpl.ParseJSON(v.Raw)
	if jerr == nil {
		return j
	}
	t, terr := tmpl.Parse(v.Raw)
	if terr != nil {
		// Report the error of what the text looks like it was meant to be.
		err := jerr
		if !looksLikeJSON(v.Raw) {
			err = terr
		}
		b.errorf(v.Position, where, "body: %v", err)
		return tmpl.JSONLiteral([]byte("null"))
	}
	return tmpl.JSONString(t)
}

// looksLikeJSON reports whether a body string starts as a JSON document
// does, rather than as a template ("{args.input}").
func looksLikeJSON(s string) bool {
	s = strings.TrimLeft(s, " \t\r\n")
	switch {
	case s == "":
		return false
	case s[0] == '{':
		s = strings.TrimLeft(s[1:], " \t\r\n")
		return s == "" || s[0] == '"' || s[0] == '}'
	case strings.ContainsRune("[\"-0123456789", rune(s[0])):
		return true
	}
	return strings.HasPrefix(s, "true") || strings.HasPrefix(s, "false") || strings.HasPrefix(s, "null")
}

func (b *builder) parseTemplate(s string, p *ast.Position, where string) *tmpl.Template {
	t, err := tmpl.Parse(s)
	if err != nil {
		b.errorf(p, where, "%v", err)
		return nil
	}
	return t
}

// resultPath parses a result path and checks it against the field's type:
// each [] maps over a list, so there cannot be more of them than the type
// has list levels.
func (b *builder) resultPath(s string, t *ast.Type, p *ast.Position, where string) Path {
	path, err := ParsePath(s)
	if err != nil {
		b.errorf(p, where, "%v", err)
		return nil
	}
	if n, d := path.Lists(), listDepth(t); n > d {
		b.errorf(p, where, "result path %q maps over %d list level(s), but the field's type %s has %d", s, n, t, d)
	}
	return path
}
