package resource

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	locator "github.com/pb33f/go-yaml"
)

// Where a YAML syntax error is.
//
// go.yaml.in/yaml/v3 prints a syntax error as "yaml: line N: problem" and
// nothing else: no column, and N is the line of the construct the parser
// was in when it failed (its context mark: the first key of a block
// mapping, the "[" of a flow list), counted from 0 for parser errors and
// from 1 for scanner errors. So a key mis-indented on line 17 of a mapping
// that starts on line 9 comes out as "line 8" or "line 9". The position of
// the problem itself (the problem mark, line and column) stays in the
// parser's state, which the package does not export, and errors that no
// context belongs to (an unknown anchor, a bad escape) have no line at all.
//
// github.com/pb33f/go-yaml is a maintained fork of the same libyaml port
// (the module already reads OpenAPI documents with it) that returns both
// marks in a *LoadError. So when v3 reports a syntax error, the same bytes
// are parsed again with the fork, which being the same parser stops at the
// same place, and its error is reported: the problem's message and position, and the construct
// it was in. v3 alone decides whether a file is valid and builds the nodes
// every other position comes from; the fork only runs on a file v3 has
// rejected. TestSyntaxErrors pins that the two report the same problem for
// every kind of error it covers; where they word one differently, the
// fork's words go with the fork's position. Should the fork accept a file
// that v3 rejects, or give no position (a fix in one and not the other),
// the error keeps v3's own line, corrected to count from 1, and the column
// where the text of that line starts. Columns count characters, as the
// columns of nodes do.
//
// Errors in reading the text (bytes that are not UTF-8, characters YAML
// does not allow) come before any parsing and carry no position in either
// package; they are placed at the first character that breaks the rule the
// reader checks (YAML 1.2, section 5.1), found by scanning the bytes the
// same way.

var syntaxLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parserProblems are the messages of go.yaml.in/yaml/v3's parser, as
// opposed to its scanner, whose line numbers count from 0 (see above).
var parserProblems = map[string]bool{
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"did not find expected '-' indicator":    true,
	"did not find expected <document start>": true,
	"did not find expected <stream-start>":   true,
	"did not find expected key":              true,
	"did not find expected node content":     true,
	"found duplicate %TAG directive":         true,
	"found duplicate %YAML directive":        true,
	"found incompatible YAML document":       true,
	"found undefined tag handle":             true,
}

// readerProblems are the messages of the reader, which decodes the bytes
// into characters before the scanner sees them. The UTF-16 ones are not
// here: a UTF-16 file is not scanned for its position.
var readerProblems = map[string]bool{
	"invalid leading UTF-8 octet":        true,
	"incomplete UTF-8 octet sequence":    true,
	"invalid trailing UTF-8 octet":       true,
	"invalid length of a UTF-8 sequence": true,
	"invalid Unicode character":          true,
	"control characters are not allowed": true,
}

// syntaxError turns a syntax error that go.yaml.in/yaml/v3 returned for
// data into an *Error at the problem's line and column.
func syntaxError(file string, data []byte, err error) *Error {
	problem := strings.TrimPrefix(err.Error(), "yaml: ")
	v3Line := 0
	if m := syntaxLine.FindStringSubmatch(err.Error()); m != nil {
		v3Line, _ = strconv.Atoi(m[1])
		problem = m[2]
	}
	e := &Error{File: file, Msg: "invalid YAML: " + problem, Err: err}
	if readerProblems[problem] {
		if line, col, what, ok := firstUnreadable(data); ok {
			e.Line, e.Column = line, col
			e.Msg += " (" + what + "); config files are UTF-8 text"
		}
		return e
	}
	if le := locate(data); le != nil && le.Mark.Line > 0 {
		// The fork's diagnosis is taken whole, message included: where
		// the two word a problem differently (the fork names the
		// character a tag cannot hold, v3 says "did not find expected
		// whitespace"), a position with the other message would not
		// match.
		problem = le.Message
		e.Msg = "invalid YAML: " + problem
		m, c := le.Mark, le.ContextMark
		e.Line, e.Column = m.Line, m.Column
		switch {
		case le.ContextMsg == "" || c.Line == 0 || c.Line == m.Line && c.Column == m.Column:
		case problem == "found unexpected end of stream":
			// The end of the file is no place to fix anything: point
			// at what was left open (a quote, a block scalar).
			e.Line, e.Column = c.Line, c.Column
			e.Msg += fmt.Sprintf(" at line %d, column %d, %s that starts here", m.Line, m.Column, le.ContextMsg)
		default:
			e.Msg += fmt.Sprintf(" (%s at line %d, column %d)", le.ContextMsg, c.Line, c.Column)
		}
	} else if v3Line > 0 {
		if parserProblems[problem] {
			v3Line++
		}
		e.Line, e.Column = v3Line, textColumn(data, v3Line)
	}
	// A tab where indentation is expected is the most common cause of
	// "cannot start any token", and the message does not say so.
	if e.Line > 0 && !strings.Contains(problem, "tab") && runeAt(data, e.Line, e.Column) == '\t' {
		e.Msg += ": a tab (indent YAML with spaces)"
	}
	return e
}

// locate parses data again with the fork that reports positions and
// returns its first error, or nil when it finds none (or fails in a way
// that is not a load error).
func locate(data []byte) (le *locator.LoadError) {
	defer func() {
		// A parser must not take the process down over a config file;
		// without a position the caller falls back to v3's line.
		if recover() != nil {
			le = nil
		}
	}()
	l, err := locator.NewLoader(bytes.NewReader(data))
	if err != nil {
		return nil
	}
	for {
		var n locator.Node
		err := l.Load(&n)
		if err == nil {
			continue
		}
		if errors.Is(err, io.EOF) || !errors.As(err, &le) {
			return nil
		}
		return le
	}
}

// textColumn returns the column of the first character on line that is not
// a space or a tab, or 1 when the line has none.
func textColumn(data []byte, line int) int {
	l, c := 1, 1
	for i := 0; i < len(data) && l <= line; {
		r, size := utf8.DecodeRune(data[i:])
		if l == line && r != ' ' && r != '\t' && r != '\r' && r != '\n' {
			return c
		}
		i += size
		l, c, i = advance(data, r, l, c, i)
	}
	return 1
}

// runeAt returns the character at line and column of data, counted as the
// parser counts them (see firstUnreadable), or -1 when there is none.
func runeAt(data []byte, line, col int) rune {
	l, c := 1, 1
	for i := 0; i < len(data) && l <= line; {
		r, size := utf8.DecodeRune(data[i:])
		if l == line && c == col {
			return r
		}
		i += size
		l, c, i = advance(data, r, l, c, i)
	}
	return -1
}

// advance moves line and column past character r, which ended at i in
// data; it returns the new line, column and index ("\r\n" is one break).
func advance(data []byte, r rune, line, col, i int) (int, int, int) {
	switch r {
	case '\r':
		if i < len(data) && data[i] == '\n' {
			i++
		}
		return line + 1, 1, i
	case '\n', 0x85, 0x2028, 0x2029:
		return line + 1, 1, i
	}
	return line, col + 1, i
}

// firstUnreadable finds the first character of data that the YAML reader
// rejects: a byte that does not decode as UTF-8, or a character outside the
// printable set of YAML 1.2 (section 5.1). It returns its line and column,
// counted as the parser counts them (characters from 1; "\r\n", "\r", "\n",
// U+0085, U+2028 and U+2029 each end a line), and what it is. ok is false
// when every character is allowed, or when the text is UTF-16, which the
// reader decodes otherwise.
func firstUnreadable(data []byte) (line, col int, what string, ok bool) {
	if bytes.HasPrefix(data, []byte{0xFE, 0xFF}) || bytes.HasPrefix(data, []byte{0xFF, 0xFE}) {
		return 0, 0, "", false
	}
	line, col = 1, 1
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			return line, col, fmt.Sprintf("byte 0x%02X", data[i]), true
		case !yamlPrintable(r):
			return line, col, fmt.Sprintf("character U+%04X", r), true
		}
		i += size
		line, col, i = advance(data, r, line, col, i)
	}
	return 0, 0, "", false
}

// yamlPrintable is the set of characters a YAML stream may hold.
func yamlPrintable(r rune) bool {
	switch {
	case r == 0x09 || r == 0x0A || r == 0x0D:
	case r >= 0x20 && r <= 0x7E:
	case r == 0x85:
	case r >= 0xA0 && r <= 0xD7FF:
	case r >= 0xE000 && r <= 0xFFFD:
	case r >= 0x10000 && r <= 0x10FFFF:
	default:
		return false
	}
	return true
}
