package openapi

import (
	"strings"

	"github.com/weft-gateway/weft/internal/gqlname"
)

// pascal builds a type name from s: its words, each with an upper-case
// first letter, joined. It never returns an invalid name.
func pascal(s string) string {
	return gqlname.Pascal(gqlname.Words(s)...)
}

// camel builds a field or argument name from s: its words joined, the
// first in lower case, the others with an upper-case first letter. It
// never returns an invalid name.
func camel(s string) string {
	return gqlname.LowerCamel(gqlname.Words(s)...)
}

// fieldName is the GraphQL name of a JSON property or parameter: the name
// itself when it is valid, else its camel-case form.
func fieldName(s string) string {
	if gqlname.Valid(s) {
		return s
	}
	return camel(s)
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

// jsonPointerToken escapes one JSON pointer reference token (RFC 6901).
func jsonPointerToken(s string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}

func unescapePointerToken(s string) string {
	return strings.NewReplacer("~1", "/", "~0", "~").Replace(s)
}
