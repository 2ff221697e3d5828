package introspect

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/lexer"
)

// maxValueDepth bounds list and object nesting in a default value, so that a
// hostile "[[[[..." cannot exhaust the stack.
const maxValueDepth = 64

// reprintLiteral parses a defaultValue, which introspection gives as GraphQL
// source text, and prints it again. Printing from the parsed value, rather
// than copying the text, is what guarantees that the text cannot close the
// argument list or open a new definition in the SDL.
func reprintLiteral(src string) (string, error) {
	p := valueParser{lex: lexer.New(&ast.Source{Input: src})}
	if err := p.next(); err != nil {
		return "", err
	}
	var b []byte
	b, err := p.value(b, 0)
	if err != nil {
		return "", err
	}
	if p.tok.Kind != lexer.EOF {
		return "", fmt.Errorf("unexpected %s after the value", p.tok.Kind.Name())
	}
	return string(b), nil
}

// valueParser reads one constant GraphQL value from gqlparser's lexer.
type valueParser struct {
	lex lexer.Lexer
	tok lexer.Token
}

func (p *valueParser) next() error {
	for {
		tok, err := p.lex.ReadToken()
		if err != nil {
			return err
		}
		if tok.Kind != lexer.Comment {
			p.tok = tok
			return nil
		}
	}
}

// value appends the value at the current token, printed the way graphql-js
// prints values, and moves past it.
func (p *valueParser) value(b []byte, depth int) ([]byte, error) {
	if depth > maxValueDepth {
		return nil, fmt.Errorf("value nested deeper than %d levels", maxValueDepth)
	}
	tok := p.tok
	switch tok.Kind {
	case lexer.Int, lexer.Float:
		b = append(b, tok.Value...)
	case lexer.String, lexer.BlockString:
		b = appendGraphQLString(b, tok.Value)
	case lexer.Name:
		// true, false, null and enum values all print as their name.
		b = append(b, tok.Value...)
	case lexer.BracketL:
		b = append(b, '[')
		if err := p.next(); err != nil {
			return nil, err
		}
		for i := 0; p.tok.Kind != lexer.BracketR; i++ {
			if i > 0 {
				b = append(b, ", "...)
			}
			var err error
			if b, err = p.value(b, depth+1); err != nil {
				return nil, err
			}
		}
		b = append(b, ']')
	case lexer.BraceL:
		b = append(b, '{')
		if err := p.next(); err != nil {
			return nil, err
		}
		for i := 0; p.tok.Kind != lexer.BraceR; i++ {
			if p.tok.Kind != lexer.Name {
				return nil, fmt.Errorf("expected a field name, found %s", p.tok.Kind.Name())
			}
			if i > 0 {
				b = append(b, ", "...)
			}
			b = append(append(b, p.tok.Value...), ": "...)
			if err := p.next(); err != nil {
				return nil, err
			}
			if p.tok.Kind != lexer.Colon {
				return nil, fmt.Errorf("expected : after a field name, found %s", p.tok.Kind.Name())
			}
			if err := p.next(); err != nil {
				return nil, err
			}
			var err error
			if b, err = p.value(b, depth+1); err != nil {
				return nil, err
			}
		}
		b = append(b, '}')
	case lexer.EOF:
		return nil, fmt.Errorf("missing value")
	default:
		// A variable ($x) is not a constant, and nothing else starts a value.
		return nil, fmt.Errorf("unexpected %s", tok.Kind.Name())
	}
	return b, p.next()
}

const upperHexDigits = "0123456789ABCDEF"

// appendGraphQLString appends s as a quoted GraphQL string, escaping the way
// graphql-js printString does: \" \\ \b \t \n \f \r, and \u00XX for the other
// C0 controls, DEL and the C1 controls. Bytes that are not UTF-8 become U+FFFD.
func appendGraphQLString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f && c != '"' && c != '\\' {
			dst = append(dst, c)
			i++
			continue
		}
		if c < utf8.RuneSelf {
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\t':
				dst = append(dst, '\\', 't')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\r':
				dst = append(dst, '\\', 'r')
			default:
				dst = append(dst, '\\', 'u', '0', '0', upperHexDigits[c>>4], upperHexDigits[c&0xf])
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r >= 0x80 && r <= 0x9f:
			dst = append(dst, '\\', 'u', '0', '0', upperHexDigits[r>>4], upperHexDigits[r&0xf])
		case r == utf8.RuneError && size == 1:
			// GraphQL source is Unicode text; a stray byte becomes U+FFFD here
			// rather than wherever the SDL is read next.
			dst = utf8.AppendRune(dst, utf8.RuneError)
		default:
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return append(dst, '"')
}

// printableAsBlockString reports whether a block string can hold value
// exactly, given that block strings drop common indentation, leading and
// trailing blank lines and carriage returns. It is graphql-js's
// isPrintableAsBlockString.
func printableAsBlockString(value string) bool {
	if value == "" {
		return true
	}
	isEmptyLine := true
	hasIndent := false
	hasCommonIndent := true
	seenNonEmptyLine := false
	for _, r := range value {
		switch {
		case r == '\r' || (r < 0x20 && r != '\n' && r != '\t'):
			return false
		case r == '\n':
			if isEmptyLine && !seenNonEmptyLine {
				return false // a leading blank line would be dropped
			}
			seenNonEmptyLine = true
			isEmptyLine = true
			hasIndent = false
		case r == '\t' || r == ' ':
			hasIndent = hasIndent || isEmptyLine
		default:
			hasCommonIndent = hasCommonIndent && hasIndent
			isEmptyLine = false
		}
	}
	if isEmptyLine {
		return false // a trailing blank line would be dropped
	}
	if hasCommonIndent && seenNonEmptyLine {
		return false // the common indentation would be dropped
	}
	return true
}

// blockString prints value, which must be printableAsBlockString, as a block
// string, laid out the way graphql-js printBlockString lays it out.
func blockString(value string) string {
	escaped := strings.ReplaceAll(value, `"""`, `\"""`)
	lines := strings.Split(escaped, "\n")
	isSingleLine := len(lines) == 1
	forceLeadingNewLine := len(lines) > 1
	for _, l := range lines[1:] {
		if l != "" && l[0] != ' ' && l[0] != '\t' {
			forceLeadingNewLine = false
			break
		}
	}
	hasTrailingTripleQuotes := strings.HasSuffix(escaped, `\"""`)
	hasTrailingQuote := strings.HasSuffix(value, `"`) && !hasTrailingTripleQuotes
	hasTrailingSlash := strings.HasSuffix(value, `\`)
	forceTrailingNewline := hasTrailingQuote || hasTrailingSlash
	printAsMultipleLines := !isSingleLine || len(value) > 70 || forceTrailingNewline ||
		forceLeadingNewLine || hasTrailingTripleQuotes
	skipLeadingNewLine := isSingleLine && value != "" && (value[0] == ' ' || value[0] == '\t')

	var b strings.Builder
	b.WriteString(`"""`)
	if (printAsMultipleLines && !skipLeadingNewLine) || forceLeadingNewLine {
		b.WriteString("\n")
	}
	b.WriteString(escaped)
	if printAsMultipleLines || forceTrailingNewline {
		b.WriteString("\n")
	}
	b.WriteString(`"""`)
	return b.String()
}
