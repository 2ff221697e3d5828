package wsdl

import (
	"sort"
	"strconv"
	"strings"
)

// validName reports whether s is a GraphQL name that a schema may define:
// /[_A-Za-z][_0-9A-Za-z]*/ without the "__" prefix GraphQL reserves.
func validName(s string) bool {
	if s == "" || strings.HasPrefix(s, "__") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// validEnumValue reports whether s can be a GraphQL enum value as it is.
func validEnumValue(s string) bool {
	return validName(s) && s != "true" && s != "false" && s != "null"
}

func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }
func isLower(c byte) bool { return c >= 'a' && c <= 'z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// words splits an identifier into its words: at every character that
// cannot be in a GraphQL name, and at case changes (getStock: get, Stock;
// URLInfo: URL, Info). Digits stay with the word before them.
func words(s string) []string {
	var out []string
	for _, seg := range strings.FieldsFunc(s, func(r rune) bool {
		return r >= 0x80 || !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}) {
		start := 0
		for i := 1; i < len(seg); i++ {
			prev, c := seg[i-1], seg[i]
			next := byte(0)
			if i+1 < len(seg) {
				next = seg[i+1]
			}
			if isUpper(c) && (isLower(prev) || isDigit(prev)) || isUpper(c) && isUpper(prev) && isLower(next) {
				out = append(out, seg[start:i])
				start = i
			}
		}
		out = append(out, seg[start:])
	}
	return out
}

func upperFirst(s string) string {
	if s == "" || !isLower(s[0]) {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// lowerCamel joins words into a field name: the first word in lower case,
// the others with an upper-case first letter (GetURLInfo: getURLInfo;
// get_stock: getStock). It never returns an invalid name.
func lowerCamel(ws ...string) string {
	var b strings.Builder
	for _, w := range ws {
		if w == "" {
			continue
		}
		if b.Len() == 0 {
			b.WriteString(strings.ToLower(w))
		} else {
			b.WriteString(upperFirst(w))
		}
	}
	return leadingDigit(b.String(), "field")
}

// fieldName is the GraphQL name of an XML element, attribute or part.
func fieldName(xmlName string) string {
	return lowerCamel(words(xmlName)...)
}

// pascal joins words into a type name, each with an upper-case first
// letter. It never returns an invalid name.
func pascal(ws ...string) string {
	var b strings.Builder
	for _, w := range ws {
		b.WriteString(upperFirst(w))
	}
	return leadingDigit(b.String(), "Type")
}

// typeName is the GraphQL name of an XSD type or element name: the name
// with an upper-case first letter when that is a GraphQL name (so that
// ArrayOfstring and MNB_Rate keep their spelling), else its words joined.
func typeName(xmlName string) string {
	if n := upperFirst(xmlName); validName(n) {
		return n
	}
	return pascal(words(xmlName)...)
}

func leadingDigit(s, empty string) string {
	if s == "" {
		return empty
	}
	if isDigit(s[0]) {
		return "_" + s
	}
	if strings.HasPrefix(s, "__") {
		return strings.TrimLeft(s, "_")
	}
	return s
}

// nameSet hands out unique names: the first request for a name gets it,
// later ones get it with a suffix 2, 3, ...
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

// nameRequest is one thing that needs a unique name: its candidates, from
// the plainest to the most qualified, and a key that orders requests.
type nameRequest struct {
	key   string
	cands []string
	name  string
}

// assignNames names every request uniquely, whatever the order the
// requests were made in: a request gets its first candidate that no other
// request wants at the same level and that is still free; requests still
// unnamed after the last level take their last candidate with a number,
// in key order.
func assignNames(reqs []*nameRequest, taken *nameSet) {
	sort.SliceStable(reqs, func(i, j int) bool { return reqs[i].key < reqs[j].key })
	pending := reqs
	levels := 0
	for _, r := range reqs {
		levels = max(levels, len(r.cands))
	}
	at := func(r *nameRequest, level int) string { return r.cands[min(level, len(r.cands)-1)] }
	for level := 0; level < levels && len(pending) > 0; level++ {
		count := map[string]int{}
		for _, r := range pending {
			count[at(r, level)]++
		}
		var next []*nameRequest
		for _, r := range pending {
			if c := at(r, level); count[c] == 1 && taken.reserve(c) {
				r.name = c
			} else {
				next = append(next, r)
			}
		}
		pending = next
	}
	for _, r := range pending {
		r.name = taken.take(r.cands[len(r.cands)-1])
	}
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
		return p != "" && isDigit(p[0])
	}
	switch {
	case len(segs) >= 2 && version(segs[len(segs)-1]):
		return append(words(segs[len(segs)-2]), words(segs[len(segs)-1])...)
	case len(segs) >= 1:
		return words(segs[len(segs)-1])
	}
	labels := strings.Split(host, ".")
	for _, l := range labels {
		if l != "www" && l != "" {
			return words(l)
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
