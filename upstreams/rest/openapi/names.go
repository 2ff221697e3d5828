package openapi

import (
	"strconv"
	"strings"
	"unicode"
)

// validName reports whether s is a GraphQL name that a schema may define:
// /[_A-Za-z][_0-9A-Za-z]*/ without the "__" prefix GraphQL reserves.
func validName(s string) bool {
	if s == "" || strings.HasPrefix(s, "__") {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_', r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// words splits s at every character that cannot be in a GraphQL name.
func words(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r >= 0x80 || !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	})
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// pascal builds a type name from s: its words, each with an upper-case
// first letter, joined. It never returns an invalid name.
func pascal(s string) string {
	var b strings.Builder
	for _, w := range words(s) {
		b.WriteString(upperFirst(w))
	}
	return leadingDigit(b.String(), "Type")
}

// camel builds a field or argument name from s: its words joined, the
// first with a lower-case first letter, the others with an upper-case one.
func camel(s string) string {
	var b strings.Builder
	for i, w := range words(s) {
		if i == 0 {
			b.WriteString(lowerFirst(w))
		} else {
			b.WriteString(upperFirst(w))
		}
	}
	return leadingDigit(b.String(), "field")
}

func leadingDigit(s, empty string) string {
	if s == "" {
		return empty
	}
	if unicode.IsDigit(rune(s[0])) {
		return "_" + s
	}
	return s
}

// fieldName is the GraphQL name of a JSON property or parameter: the name
// itself when it is valid, else its camel-case form.
func fieldName(s string) string {
	if validName(s) {
		return s
	}
	return camel(s)
}

// nameSet hands out unique names: the first request for a name gets it,
// later ones get it with a suffix 2, 3, ... Requests come in document
// order, so the same document always gets the same names.
type nameSet struct {
	used map[string]bool
}

func newNameSet(reserved ...string) *nameSet {
	n := &nameSet{used: map[string]bool{}}
	for _, r := range reserved {
		n.used[r] = true
	}
	return n
}

func (n *nameSet) take(want string) string {
	if !n.used[want] {
		n.used[want] = true
		return want
	}
	for i := 2; ; i++ {
		s := want + strconv.Itoa(i)
		if !n.used[s] {
			n.used[s] = true
			return s
		}
	}
}

// reserve marks want as used and reports whether it was free.
func (n *nameSet) reserve(want string) bool {
	if n.used[want] {
		return false
	}
	n.used[want] = true
	return true
}

// reservedTypeNames are the names a generated type may not take: GraphQL's
// built-in types, the root types, the scalars the importer declares, and
// the binding machinery's own.
func reservedTypeNames() []string {
	return []string{
		"String", "Int", "Float", "Boolean", "ID",
		"Query", "Mutation", "Subscription",
		scalarJSON, scalarInt64, scalarDateTime, scalarDate,
		"_WeftValue",
	}
}

// validEnumValue reports whether s can be a GraphQL enum value as it is.
func validEnumValue(s string) bool {
	return validName(s) && s != "true" && s != "false" && s != "null"
}

// jsonPointerToken escapes one JSON pointer reference token (RFC 6901).
func jsonPointerToken(s string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}

func unescapePointerToken(s string) string {
	return strings.NewReplacer("~1", "/", "~0", "~").Replace(s)
}
