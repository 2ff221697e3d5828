package wsdl

import (
	"strings"

	"github.com/weft-gateway/weft/internal/gqlname"
)

// fieldName is the GraphQL name of an XML element, attribute or part.
func fieldName(xmlName string) string {
	return gqlname.LowerCamel(gqlname.Words(xmlName)...)
}

// typeName is the GraphQL name of an XSD type or element name: the name
// with an upper-case first letter when that is a GraphQL name (so that
// ArrayOfstring and MNB_Rate keep their spelling), else its words joined.
func typeName(xmlName string) string {
	if n := gqlname.UpperFirst(xmlName); gqlname.Valid(n) {
		return n
	}
	return gqlname.Pascal(gqlname.Words(xmlName)...)
}

// namespaceWords makes words from a namespace URI for a type name prefix:
// the last path segment (with the one before it when the last is a
// version, such as v1 or 2003), else the host's first label
// (http://www.tempuri.org/: Tempuri; urn:acme:shipping:v2: Shipping V2).
func namespaceWords(ns string) []string {
	s := ns
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
	} else {
		s = strings.TrimPrefix(s, "urn:")
	}
	s = strings.TrimRight(s, "/#:")
	var segs []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == '/' || r == ':' || r == '#' || r == '?' || r == '=' || r == '&' }) {
		p = strings.TrimSuffix(strings.TrimSuffix(p, ".xsd"), ".wsdl")
		if p != "" {
			segs = append(segs, p)
		}
	}
	if len(segs) == 0 {
		return nil
	}
	host := segs[0]
	if strings.Contains(ns, "://") {
		segs = segs[1:]
	}
	version := func(p string) bool {
		p = strings.TrimPrefix(strings.ToLower(p), "v")
		return p != "" && gqlname.IsDigit(p[0])
	}
	switch {
	case len(segs) >= 2 && version(segs[len(segs)-1]):
		return append(gqlname.Words(segs[len(segs)-2]), gqlname.Words(segs[len(segs)-1])...)
	case len(segs) >= 1:
		return gqlname.Words(segs[len(segs)-1])
	}
	labels := strings.Split(host, ".")
	for _, l := range labels {
		if l != "www" && l != "" {
			return gqlname.Words(l)
		}
	}
	return nil
}

// reservedTypeNames are the names a generated type may not take: GraphQL's
// built-in types, the root types, the custom scalars and the binding
// machinery's own.
func reservedTypeNames() []string {
	return []string{
		"String", "Int", "Float", "Boolean", "ID",
		"Query", "Mutation", "Subscription",
		ScalarJSON, ScalarInt64, ScalarUInt64, ScalarUInt32, ScalarBigInt, ScalarDecimal,
		ScalarDateTime, ScalarDate, ScalarTime, ScalarDuration,
		"_WeftValue",
	}
}
