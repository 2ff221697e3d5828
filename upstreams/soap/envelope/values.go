package envelope

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/weft-gateway/weft/internal/jsonwrite"
	"github.com/weft-gateway/weft/upstreams/soap/wsdl"
)

// intRange is the range of an XSD integer type; unbounded sides are nil
// limits checked by sign only.
type intRange struct {
	min, max int64
	// unsigned types are checked with umax.
	unsigned bool
	umax     uint64
	// big types have no bound but their sign: sign -1 (< 0), 1 (> 0),
	// -2 (<= 0), 2 (>= 0), 0 (any).
	big  bool
	sign int
}

var intRanges = map[string]intRange{
	"int":                {min: math.MinInt32, max: math.MaxInt32},
	"short":              {min: math.MinInt16, max: math.MaxInt16},
	"byte":               {min: math.MinInt8, max: math.MaxInt8},
	"long":               {min: math.MinInt64, max: math.MaxInt64},
	"unsignedInt":        {unsigned: true, umax: math.MaxUint32},
	"unsignedShort":      {unsigned: true, umax: math.MaxUint16},
	"unsignedByte":       {unsigned: true, umax: math.MaxUint8},
	"unsignedLong":       {unsigned: true, umax: math.MaxUint64},
	"integer":            {big: true},
	"nonNegativeInteger": {big: true, sign: 2},
	"positiveInteger":    {big: true, sign: 1},
	"nonPositiveInteger": {big: true, sign: -2},
	"negativeInteger":    {big: true, sign: -1},
}

// rangeOf is the range of a simple type's values: its built-in's, or the
// one its scalar implies.
func rangeOf(t *wsdl.Type) intRange {
	if r, ok := intRanges[t.Builtin]; ok {
		return r
	}
	switch t.Scalar {
	case wsdl.ScalarInt:
		return intRanges["int"]
	case wsdl.ScalarUInt32:
		return intRanges["unsignedInt"]
	case wsdl.ScalarInt64:
		return intRanges["long"]
	case wsdl.ScalarUInt64:
		return intRanges["unsignedLong"]
	}
	return intRanges["integer"]
}

// canonInt checks that s is an integer in r and returns it without sign
// "+" and leading zeros.
func canonInt(s string, r intRange) (string, error) {
	if s == "" {
		return "", errors.New("an empty value is not an integer")
	}
	neg := false
	digits := s
	switch s[0] {
	case '+':
		digits = s[1:]
	case '-':
		neg, digits = true, s[1:]
	}
	if digits == "" {
		return "", errors.New("not an integer")
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return "", errors.New("not an integer")
		}
	}
	digits = strings.TrimLeft(digits, "0")
	if digits == "" {
		digits, neg = "0", false
	}
	canon := digits
	if neg {
		canon = "-" + digits
	}
	switch {
	case r.big:
		zero := digits == "0"
		ok := true
		switch r.sign {
		case 1:
			ok = !neg && !zero
		case 2:
			ok = !neg
		case -1:
			ok = neg
		case -2:
			ok = neg || zero
		}
		if !ok {
			return "", errors.New("out of the type's range")
		}
	case r.unsigned:
		if neg {
			return "", errors.New("out of the type's range")
		}
		v, err := strconv.ParseUint(digits, 10, 64)
		if err != nil || v > r.umax {
			return "", errors.New("out of the type's range")
		}
	default:
		v, err := strconv.ParseInt(canon, 10, 64)
		if err != nil || v < r.min || v > r.max {
			return "", errors.New("out of the type's range")
		}
	}
	return canon, nil
}

// validDecimal reports whether s is an xs:decimal: digits with an optional
// sign and point, no exponent.
func validDecimal(s string) bool {
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	digits, point := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !point:
			point = true
		default:
			return false
		}
	}
	return digits > 0
}

// parseFloat reads an xs:float or xs:double that JSON can hold: INF and
// NaN cannot be, and Go's hexadecimal and underscore forms are not XSD's.
func parseFloat(s string, bits int) (float64, error) {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9', c == '.', c == 'e', c == 'E', c == '+', c == '-':
		default:
			if s == "INF" || s == "-INF" || s == "+INF" || s == "NaN" {
				return 0, errors.New("infinities and NaN have no JSON form")
			}
			return 0, errors.New("not a number")
		}
	}
	f, err := strconv.ParseFloat(s, bits)
	if err != nil {
		return 0, errors.New("not a number, or out of the type's range")
	}
	return f, nil
}

// collapse applies XSD's whitespace collapse: trim, and runs of white
// space become one space.
func collapse(s string) string {
	s = strings.Trim(s, " \t\r\n")
	if !strings.ContainsAny(s, "\t\r\n") && !strings.Contains(s, "  ") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// textValue is a simple value's text after XSD's whitespace processing:
// kept for xs:string, replaced for normalizedString, removed for base64,
// collapsed for the rest.
func textValue(t *wsdl.Type, s string) string {
	switch t.Builtin {
	case "string":
		return s
	case "normalizedString":
		return strings.Map(func(r rune) rune {
			if r == '\t' || r == '\r' || r == '\n' {
				return ' '
			}
			return r
		}, s)
	case "base64Binary":
		if strings.ContainsAny(s, " \t\r\n") {
			return strings.Map(func(r rune) rune {
				if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
					return -1
				}
				return r
			}, s)
		}
		return s
	}
	return collapse(s)
}

// appendScalar writes the JSON form of a simple value read from XML.
func appendScalar(dst []byte, t *wsdl.Type, raw string) ([]byte, error) {
	s := textValue(t, raw)
	if t.Enum != nil {
		// The exact value first (a string enumeration keeps white space),
		// then the value collapsed, as servers pad values.
		for _, want := range []string{s, collapse(s)} {
			for _, v := range t.Enum {
				if v.Value == want {
					return jsonwrite.String(dst, v.Name), nil
				}
			}
		}
		return dst, errors.New(strconv.Quote(truncate(s)) + " is not one of the enumeration's values")
	}
	switch t.Scalar {
	case wsdl.ScalarInt, wsdl.ScalarUInt32:
		c, err := canonInt(s, rangeOf(t))
		if err != nil {
			return dst, valueErr(s, t, err)
		}
		return append(dst, c...), nil
	case wsdl.ScalarInt64, wsdl.ScalarUInt64, wsdl.ScalarBigInt:
		c, err := canonInt(s, rangeOf(t))
		if err != nil {
			return dst, valueErr(s, t, err)
		}
		dst = append(dst, '"')
		dst = append(dst, c...)
		return append(dst, '"'), nil
	case wsdl.ScalarDecimal:
		if !validDecimal(s) {
			return dst, valueErr(s, t, errors.New("not a decimal"))
		}
		return jsonwrite.String(dst, s), nil
	case wsdl.ScalarFloat:
		bits := 64
		if t.Builtin == "float" {
			bits = 32
		}
		f, err := parseFloat(s, bits)
		if err != nil {
			return dst, valueErr(s, t, err)
		}
		if bits == 32 {
			return strconv.AppendFloat(dst, f, 'g', -1, 32), nil
		}
		return jsonwrite.Float(dst, f), nil
	case wsdl.ScalarBoolean:
		switch s {
		case "true", "1":
			return append(dst, "true"...), nil
		case "false", "0":
			return append(dst, "false"...), nil
		}
		return dst, valueErr(s, t, errors.New("not a boolean"))
	}
	return jsonwrite.String(dst, s), nil
}

func valueErr(s string, t *wsdl.Type, err error) error {
	name := t.Builtin
	if name == "" {
		name = t.Scalar
	}
	return errors.New(strconv.Quote(truncate(s)) + " is not an xs:" + name + ": " + err.Error())
}

func truncate(s string) string {
	if len(s) <= 64 {
		return s
	}
	i := 64
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}

// validXMLRune reports whether XML 1.0 can hold r.
func validXMLRune(r rune) bool {
	return r == 0x9 || r == 0xA || r == 0xD ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}

// appendEscaped writes s as XML text, or an attribute value when attr:
// markup characters as entities, and the white space a parser would
// normalize as character references, so that the value arrives as sent.
// A character XML cannot hold is an error.
func appendEscaped(dst []byte, s string, attr bool) ([]byte, error) {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < utf8.RuneSelf && c != '&' && c != '<' && c != '>' && c != '"' {
			i++
			continue
		}
		var esc string
		size := 1
		switch c {
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '"':
			if attr {
				esc = "&quot;"
			}
		case '\r':
			esc = "&#xD;"
		case '\n':
			if attr {
				esc = "&#xA;"
			}
		case '\t':
			if attr {
				esc = "&#x9;"
			}
		default:
			var r rune
			r, size = utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 || !validXMLRune(r) {
				return dst, errors.New("the character " + strconv.QuoteRune(r) + " cannot be sent in XML")
			}
		}
		if esc != "" {
			dst = append(dst, s[start:i]...)
			dst = append(dst, esc...)
			start = i + size
		}
		i += size
	}
	return append(dst, s[start:]...), nil
}

// validNCName reports whether s can name an XML element or attribute
// without a prefix.
func validNCName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= 0xC0 && r != 0xD7 && r != 0xF7:
		case i > 0 && (r == '-' || r == '.' || r >= '0' && r <= '9' || r == 0xB7):
		default:
			return false
		}
	}
	return s != "xmlns"
}
