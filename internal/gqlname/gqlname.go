// Package gqlname makes GraphQL names from the names of other worlds
// (OpenAPI, protobuf, XML Schema): valid, unique and chosen
// deterministically, for the importers that turn API descriptions into SDL.
package gqlname

import (
	"sort"
	"strconv"
	"strings"
)

// Valid reports whether s is a GraphQL name that a schema may define:
// /[_A-Za-z][_0-9A-Za-z]*/ without the "__" prefix GraphQL reserves.
func Valid(s string) bool {
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

// ValidEnumValue reports whether s can be a GraphQL enum value as it is.
func ValidEnumValue(s string) bool {
	return Valid(s) && s != "true" && s != "false" && s != "null"
}

// IsUpper reports whether c is an ASCII upper-case letter.
func IsUpper(c byte) bool { return c >= 'A' && c <= 'Z' }

// IsLower reports whether c is an ASCII lower-case letter.
func IsLower(c byte) bool { return c >= 'a' && c <= 'z' }

// IsDigit reports whether c is an ASCII digit.
func IsDigit(c byte) bool { return c >= '0' && c <= '9' }

// Segments splits s at every character that cannot be in a GraphQL name,
// underscores included (pet-type_id: pet, type, id); case changes do not
// split.
func Segments(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r >= 0x80 || !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	})
}

// Words splits an identifier into its words: at every character that
// cannot be in a GraphQL name (see Segments), and at case changes
// (getStock: get, Stock; URLInfo: URL, Info). Digits stay with the word
// before them.
func Words(s string) []string {
	var out []string
	for _, seg := range Segments(s) {
		start := 0
		for i := 1; i < len(seg); i++ {
			prev, c := seg[i-1], seg[i]
			next := byte(0)
			if i+1 < len(seg) {
				next = seg[i+1]
			}
			if IsUpper(c) && (IsLower(prev) || IsDigit(prev)) || IsUpper(c) && IsUpper(prev) && IsLower(next) {
				out = append(out, seg[start:i])
				start = i
			}
		}
		out = append(out, seg[start:])
	}
	return out
}

// UpperFirst upper-cases s's first letter when it is an ASCII lower-case one.
func UpperFirst(s string) string {
	if s == "" || !IsLower(s[0]) {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// LowerCamel joins words into a field name: the first word in lower case,
// the others with an upper-case first letter (GetURLInfo: getURLInfo;
// get_stock: getStock). It never returns an invalid name.
func LowerCamel(ws ...string) string {
	var b strings.Builder
	for _, w := range ws {
		if w == "" {
			continue
		}
		if b.Len() == 0 {
			b.WriteString(strings.ToLower(w))
		} else {
			b.WriteString(UpperFirst(w))
		}
	}
	return LeadingDigit(b.String(), "field")
}

// Pascal joins words into a type name, each with an upper-case first
// letter. It never returns an invalid name.
func Pascal(ws ...string) string {
	var b strings.Builder
	for _, w := range ws {
		b.WriteString(UpperFirst(w))
	}
	return LeadingDigit(b.String(), "Type")
}

// LeadingDigit makes s a name: empty for an empty s, "_" in front of a
// leading digit, the underscores of a reserved "__" prefix dropped.
func LeadingDigit(s, empty string) string {
	if s == "" {
		return empty
	}
	if IsDigit(s[0]) {
		return "_" + s
	}
	if strings.HasPrefix(s, "__") {
		return strings.TrimLeft(s, "_")
	}
	return s
}

// Set hands out unique names: the first request for a name gets it,
// later ones get it with a suffix 2, 3, ...
type Set struct {
	used map[string]bool
}

// NewSet returns a set in which the reserved names are already taken.
func NewSet(reserved ...string) *Set {
	n := &Set{used: map[string]bool{}}
	for _, r := range reserved {
		n.used[r] = true
	}
	return n
}

// Take returns want when it is free, else want with the first suffix 2,
// 3, ... that is, and marks the name returned as used.
func (n *Set) Take(want string) string {
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

// Reserve marks want as used and reports whether it was free.
func (n *Set) Reserve(want string) bool {
	if n.used[want] {
		return false
	}
	n.used[want] = true
	return true
}

// Request is one thing that needs a unique name: its candidates, from
// the plainest to the most qualified, and a key that orders requests.
type Request struct {
	Key   string
	Cands []string
	// Name is the name Assign gave.
	Name string
}

// Assign names every request uniquely, whatever the order the
// requests were made in: a request gets its first candidate that no other
// request wants at the same level and that is still free; requests still
// unnamed after the last level take their last candidate with a number,
// in key order.
func Assign(reqs []*Request, taken *Set) {
	sort.SliceStable(reqs, func(i, j int) bool { return reqs[i].Key < reqs[j].Key })
	pending := reqs
	levels := 0
	for _, r := range reqs {
		levels = max(levels, len(r.Cands))
	}
	at := func(r *Request, level int) string { return r.Cands[min(level, len(r.Cands)-1)] }
	for level := 0; level < levels && len(pending) > 0; level++ {
		count := map[string]int{}
		for _, r := range pending {
			count[at(r, level)]++
		}
		var next []*Request
		for _, r := range pending {
			if c := at(r, level); count[c] == 1 && taken.Reserve(c) {
				r.Name = c
			} else {
				next = append(next, r)
			}
		}
		pending = next
	}
	for _, r := range pending {
		r.Name = taken.Take(r.Cands[len(r.Cands)-1])
	}
}

// symbolNames name the symbols that make up values without a letter or a
// digit, such as the operators "<=" or "!=": LT_EQ, BANG_EQ.
var symbolNames = map[byte]string{
	'+': "PLUS", '-': "MINUS", '*': "STAR", '/': "SLASH", '\\': "BACKSLASH", '.': "DOT",
	',': "COMMA", ':': "COLON", ';': "SEMICOLON", '<': "LT", '>': "GT", '=': "EQ",
	'!': "BANG", '?': "QUESTION", '&': "AMP", '|': "PIPE", '%': "PERCENT", '#': "HASH",
	'@': "AT", '~': "TILDE", '^': "CARET", '$': "DOLLAR", '(': "LPAREN", ')': "RPAREN",
	'[': "LBRACKET", ']': "RBRACKET", '{': "LBRACE", '}': "RBRACE", '\'': "QUOTE",
	'"': "DQUOTE", '`': "BACKTICK", ' ': "SPACE", '_': "UNDERSCORE",
}

// EnumValue makes a GraphQL enum value from a value of another world (an
// OpenAPI enum, an XSD enumeration): the value itself when it is a valid
// enum value; else its runs of other characters become "_" (in-stock:
// in_stock), a leading digit gets "_" in front (1st: _1st), and true,
// false and null get "_" after them. A value with no letter or digit is
// named after its symbols (<=: LT_EQ; +: PLUS), the empty string EMPTY,
// and anything else VALUE. It never returns an invalid enum value; two
// values may get the same name, which the caller makes unique.
func EnumValue(v string) string {
	if ValidEnumValue(v) {
		return v
	}
	var b strings.Builder
	under := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == '_' || IsDigit(c) || IsUpper(c) || IsLower(c) {
			b.WriteByte(c)
			under = false
			continue
		}
		if !under && b.Len() > 0 {
			b.WriteByte('_')
			under = true
		}
	}
	s := strings.TrimRight(b.String(), "_")
	if strings.Trim(s, "_") == "" {
		return symbolsName(v)
	}
	if IsDigit(s[0]) {
		s = "_" + s
	}
	for strings.HasPrefix(s, "__") {
		s = s[1:]
	}
	if s == "true" || s == "false" || s == "null" {
		s += "_"
	}
	return s
}

// symbolsName names a value made of symbols only.
func symbolsName(v string) string {
	if v == "" {
		return "EMPTY"
	}
	words := make([]string, 0, len(v))
	for i := 0; i < len(v); i++ {
		w, ok := symbolNames[v[i]]
		if !ok {
			return "VALUE"
		}
		words = append(words, w)
	}
	return strings.Join(words, "_")
}

// NumberEnumValue makes a GraphQL enum value from a number, as
// openapi-generator names them: NUMBER_1, NUMBER_MINUS_1, NUMBER_1_5.
func NumberEnumValue(num string) string {
	s := strings.NewReplacer("-", "MINUS_", ".", "_", "+", "").Replace(num)
	return EnumValue("NUMBER_" + s)
}
