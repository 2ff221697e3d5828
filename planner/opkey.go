package planner

import (
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/lexer"
)

// OperationKey returns the key caches file an operation's text under: its
// tokens, without what GraphQL ignores (white space, commas, comments, a
// byte order mark), a space between two tokens only where they would
// otherwise run together. Texts that differ only in what GraphQL ignores
// have one key, so a client that sends an operation indented and another
// that sends it on one line share one validated document and one plan;
// texts whose tokens differ have different keys.
//
// A text already in that form (a minified operation) is its own key, at no
// cost but a scan. A text with something the lexer refuses (an
// unterminated string, a character outside strings that GraphQL does not
// know) is keyed as it is, behind a byte no other key starts with: it
// never parses, so it is never cached, and no other text shares its key.
//
// The key is found by a scan of the bytes, not by printing the parsed
// document: it is computed on every request, before the query cache.
func OperationKey(query string) string {
	k, same := AppendOperationKey(nil, query)
	if same {
		return query
	}
	return string(k)
}

// AppendOperationKey appends query's key (see OperationKey) to dst, unless
// query is its own key: then it returns dst unchanged and true.
func AppendOperationKey(dst []byte, query string) ([]byte, bool) {
	base, i, prev := len(dst), 0, tokNone
	// out is false while the key so far is query's own prefix: nothing is
	// written until the two part.
	out := false
	for {
		start := skipIgnored(query, i)
		if start >= len(query) {
			if !out && start != i {
				dst = append(dst, query[:i]...)
				out = true
			}
			return dst, !out
		}
		end, kind := scanToken(query, start)
		if kind == tokInvalid {
			return append(append(dst[:base], invalidKey), query...), false
		}
		space := needSpace(prev, query[start])
		if !out && !(start == i && !space || space && start == i+1 && query[i] == ' ') {
			dst = append(dst, query[:i]...)
			out = true
		}
		if out {
			if space {
				dst = append(dst, ' ')
			}
			dst = append(dst, query[start:end]...)
		}
		prev, i = kind, end
	}
}

// invalidKey starts the key of a text the lexer refuses. No token starts
// with it, so no other key does.
const invalidKey = 0

// tokKind is a class of token, as far as keys need to tell them apart.
type tokKind uint8

const (
	tokNone tokKind = iota
	// tokName is a name: [A-Za-z_][A-Za-z0-9_]*.
	tokName
	// tokNumber is a number and what sticks to it: a run of
	// [0-9A-Za-z_.+-] that starts with a digit or '-'. It holds more than
	// the lexer's number ("1a" is two tokens to it); a key only needs its
	// tokens to be runs of the lexer's.
	tokNumber
	// tokSpread is "...".
	tokSpread
	// tokString is a string or a block string, quotes included.
	tokString
	// tokPunct is one of !$&()[]{}:=@|.
	tokPunct
	// tokInvalid is what the lexer refuses.
	tokInvalid
)

// needSpace reports whether a token that starts with next must be
// separated from a token of kind prev, lest the two read as one.
func needSpace(prev tokKind, next byte) bool {
	switch prev {
	case tokName:
		return isNameByte(next)
	case tokNumber:
		return isNumberByte(next)
	case tokString:
		// "" followed by "x" would start a block string; a block string
		// followed by a quote would end later.
		return next == '"'
	}
	return false
}

func isNameStart(c byte) bool {
	return c|0x20 >= 'a' && c|0x20 <= 'z' || c == '_'
}

func isNameByte(c byte) bool { return isNameStart(c) || c >= '0' && c <= '9' }

func isNumberByte(c byte) bool { return isNameByte(c) || c == '.' || c == '+' || c == '-' }

// skipIgnored returns the index of the first byte at or after i that GraphQL
// does not ignore, as gqlparser's lexer reads it: white space, line
// terminators, commas, a byte order mark, and comments, which end at any
// control character but a tab.
func skipIgnored(q string, i int) int {
	for i < len(q) {
		switch c := q[i]; c {
		case ' ', '\t', '\n', '\r', ',':
			i++
		case 0xef:
			if !strings.HasPrefix(q[i:], "\uFEFF") {
				return i
			}
			i += 3
		case '#':
			i++
			for i < len(q) && (q[i] >= 0x20 || q[i] == '\t') {
				i++
			}
		default:
			return i
		}
	}
	return i
}

// scanToken returns the end of the token that starts at q[start] and its
// kind. Strings end where gqlparser's lexer ends them.
func scanToken(q string, start int) (int, tokKind) {
	c := q[start]
	i := start + 1
	switch {
	case isNameStart(c):
		for i < len(q) && isNameByte(q[i]) {
			i++
		}
		return i, tokName
	case c == '-' || c >= '0' && c <= '9':
		for i < len(q) && isNumberByte(q[i]) {
			i++
		}
		return i, tokNumber
	case c == '.':
		if strings.HasPrefix(q[start:], "...") {
			return start + 3, tokSpread
		}
		return i, tokInvalid
	case c == '"':
		if strings.HasPrefix(q[start:], `"""`) {
			return scanBlockString(q, start+3)
		}
		for i < len(q) {
			switch q[i] {
			case '"':
				return i + 1, tokString
			case '\\':
				if i+1 < len(q) && q[i+1] != '\n' && q[i+1] != '\r' {
					i += 2
					continue
				}
				return i, tokInvalid
			case '\n', '\r':
				return i, tokInvalid
			default:
				i++
			}
		}
		return len(q), tokInvalid
	}
	switch c {
	case '!', '$', '&', '(', ')', '[', ']', '{', '}', ':', '=', '@', '|':
		return i, tokPunct
	}
	return i, tokInvalid
}

// scanBlockString scans a block string from after its opening quotes: it
// ends at the last three quotes of the first run of three or more that
// \""" does not escape.
func scanBlockString(q string, i int) (int, tokKind) {
	for i < len(q) {
		switch {
		case q[i] == '"':
			n := 1
			for i+n < len(q) && q[i+n] == '"' {
				n++
			}
			if n >= 3 {
				return i + n, tokString
			}
			i += n
		case strings.HasPrefix(q[i:], `\"""`):
			i += 4
		default:
			i++
		}
	}
	return len(q), tokInvalid
}

// Relocate moves the locations of errs from the text a plan was built from
// to query, which has the same key (see OperationKey) and so the same
// tokens, laid out differently: a cached plan's fields carry the positions
// of the text that was planned first, and a client's errors must point into
// the text it sent. Locations are matched by token; one that is not at a
// token of the plan's text stays as it is.
func Relocate(errs gqlerror.List, p *Plan, query string) {
	src := p.source()
	if src == nil || src.Input == query || len(errs) == 0 {
		return
	}
	type at struct{ line, col int }
	var from map[at]int
	var to []ast.Position
	for _, e := range errs {
		for i, l := range e.Locations {
			if from == nil {
				from = map[at]int{}
				for n, pos := range tokenPositions(src.Input) {
					from[at{pos.Line, pos.Column}] = n
				}
				to = tokenPositions(query)
			}
			if n, ok := from[at{l.Line, l.Column}]; ok && n < len(to) {
				e.Locations[i] = gqlerror.Location{Line: to[n].Line, Column: to[n].Column}
			}
		}
	}
}

// tokenPositions returns the positions of the tokens of text, as the
// parser's positions give them, comments left out.
func tokenPositions(text string) []ast.Position {
	var out []ast.Position
	lx := lexer.New(&ast.Source{Input: text})
	for {
		tok, err := lx.ReadToken()
		if err != nil || tok.Kind == lexer.EOF {
			return out
		}
		if tok.Kind != lexer.Comment {
			out = append(out, tok.Pos)
		}
	}
}

// source returns the text the plan was built from: its fields' positions
// point into it.
func (p *Plan) source() *ast.Source {
	if p.Root == nil {
		return nil
	}
	fields := p.Root.Fields
	for _, fs := range p.Root.ByType {
		if len(fields) > 0 {
			break
		}
		fields = fs
	}
	for _, f := range fields {
		if f.AST != nil && f.AST.Position != nil {
			return f.AST.Position.Src
		}
	}
	return nil
}
