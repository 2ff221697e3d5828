package resource

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// expandEnv replaces ${VAR} and ${VAR:-default} in s and turns $$ into $.
// A '$' followed by anything else is kept as is, because GraphQL variables
// ($id) appear in config values and must not need escaping.
//
// ${VAR:-default} follows the shell: the default applies when VAR is unset
// or empty. The default is literal text; it may not contain "${" (nesting
// would make "}" ambiguous) nor "}".
func expandEnv(s string, lookup func(string) (string, bool)) (string, error) {
	if !strings.Contains(s, "$") {
		return s, nil
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c != '$' || i+1 >= len(s) {
			b.WriteByte(c)
			i++
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i += 2
		case '{':
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				return "", fmt.Errorf(`unterminated "${" (missing "}"); write "$$" for a literal "$"`)
			}
			body := s[i+2 : i+2+end]
			name, def, hasDef := strings.Cut(body, ":-")
			if !validEnvName(name) {
				return "", fmt.Errorf("invalid environment variable name %q in %q: use letters, digits and '_', not starting with a digit", name, "${"+body+"}")
			}
			if hasDef && strings.Contains(def, "${") {
				return "", fmt.Errorf("the default in %q may not contain %q: defaults are literal text", "${"+body+"}", "${")
			}
			v, ok := lookup(name)
			switch {
			case ok && (v != "" || !hasDef):
				b.WriteString(v)
			case hasDef:
				b.WriteString(def)
			default:
				return "", fmt.Errorf("environment variable %s is not set (write ${%s:-default} to give a default)", name, name)
			}
			i += 2 + end + 1
		default:
			b.WriteByte('$')
			i++
		}
	}
	return b.String(), nil
}

func validEnvName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
		case i > 0 && '0' <= c && c <= '9':
		default:
			return false
		}
	}
	return true
}

// expandNode expands environment variables in every scalar value under n,
// in place, and never in mapping keys: keys are the config's schema, and a
// key that changed with the environment would dodge strict decoding.
//
// Aliases are not followed; the anchored node is expanded where it is
// defined, once, so the work stays linear in the size of the document.
//
// Scalars whose expansion failed are added to bad, so decoding does not
// report a second, confusing error about the unexpanded text.
func expandNode(n *yaml.Node, path string, lookup func(string) (string, bool), file string, errs *Errors, bad map[*yaml.Node]bool) {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			expandNode(c, path, lookup, file, errs, bad)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			expandNode(c, JoinIndex(path, i), lookup, file, errs, bad)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			expandNode(n.Content[i+1], JoinField(path, keyText(n.Content[i])), lookup, file, errs, bad)
		}
	case yaml.ScalarNode:
		v, err := expandEnv(n.Value, lookup)
		if err != nil {
			*errs = append(*errs, newError(file, n.Line, n.Column, path, "%s", err))
			bad[n] = true
			return
		}
		if v == n.Value {
			return
		}
		n.Value = v
		// A plain scalar's type comes from its text, so it must be
		// resolved again: "${PORT:-8080}" is an integer once expanded,
		// "${TLS:-false}" a boolean. Quoted and explicitly tagged
		// scalars keep the type their author gave them.
		if n.Style == 0 {
			n.Tag = ""
			n.Tag = n.ShortTag()
		}
	}
}

// keyText is the text of a mapping key for use in paths and messages.
func keyText(k *yaml.Node) string {
	if k.Kind == yaml.AliasNode && k.Alias != nil {
		k = k.Alias
	}
	if k.Kind == yaml.ScalarNode {
		return k.Value
	}
	return "<" + describeKind(k) + " key>"
}
