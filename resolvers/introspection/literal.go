package introspection

import (
	"unicode/utf8"

	"github.com/vektah/gqlparser/v2/ast"
)

const upperHexDigits = "0123456789ABCDEF"

// appendLiteral appends v as GraphQL source text, for __InputValue.defaultValue.
// The layout is graphql-js's print (`[1, 2]`, `{a: 1}`), which is what most
// clients have seen from other servers. Block strings print as ordinary
// strings: the value counts, not how the schema spelled it.
func appendLiteral(dst []byte, v *ast.Value) []byte {
	switch v.Kind {
	case ast.Variable:
		return append(append(dst, '$'), v.Raw...)
	case ast.StringValue, ast.BlockValue:
		return appendGraphQLString(dst, v.Raw)
	case ast.ListValue:
		dst = append(dst, '[')
		for i, c := range v.Children {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst = appendLiteral(dst, c.Value)
		}
		return append(dst, ']')
	case ast.ObjectValue:
		dst = append(dst, '{')
		for i, c := range v.Children {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst = append(append(dst, c.Name...), ": "...)
			dst = appendLiteral(dst, c.Value)
		}
		return append(dst, '}')
	default: // Int, Float, Boolean, Null and Enum print as written
		return append(dst, v.Raw...)
	}
}

// appendGraphQLString appends s as a quoted GraphQL string the way graphql-js
// printString does: short escapes for " and \, \b \t \n \f \r, and \u00XX in
// upper-case hex for the other C0 controls, DEL and the C1 controls. Bytes that
// are not valid UTF-8 are copied as they are.
func appendGraphQLString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		b := s[i]
		if b >= 0x20 && b < 0x7f && b != '"' && b != '\\' {
			dst = append(dst, b)
			i++
			continue
		}
		if b < utf8.RuneSelf {
			switch b {
			case '"', '\\':
				dst = append(dst, '\\', b)
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
				dst = append(dst, '\\', 'u', '0', '0', upperHexDigits[b>>4], upperHexDigits[b&0xf])
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r >= 0x80 && r <= 0x9f {
			dst = append(dst, '\\', 'u', '0', '0', upperHexDigits[r>>4], upperHexDigits[r&0xf])
		} else {
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return append(dst, '"')
}
