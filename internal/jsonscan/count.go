package jsonscan

import "errors"

// ErrTooManyValues stops SkipCounting when a value holds more values than
// its budget.
var ErrTooManyValues = errors.New("too many values")

// SkipCounting validates the value starting at b[i] (after white space) as
// Skip does, and also returns how many values it holds: itself, and every
// element and member value, nested ([1, {"a": 2}] is four). Past budget
// values it stops with ErrTooManyValues, so a huge value costs no more than
// its budget's worth of scanning. Nesting costs no stack: the scan keeps
// its own, MaxDepth deep.
func SkipCounting(b []byte, i, budget int) (next, values int, err error) {
	var open [MaxDepth]byte // the closing bracket of each open container
	depth := 0
	for {
		// A value starts at i.
		i = SkipSpace(b, i)
		values++
		if values > budget {
			return i, values, ErrTooManyValues
		}
		switch KindAt(b, i) {
		case Object, Array:
			if depth == MaxDepth {
				return i, values, errAt(i, "nested too deep")
			}
			closer := byte(']')
			if b[i] == '{' {
				closer = '}'
			}
			open[depth] = closer
			depth++
			i = SkipSpace(b, i+1)
			if i < len(b) && b[i] == closer {
				depth--
				i++
				break
			}
			if closer == '}' {
				if i, err = skipKey(b, i); err != nil {
					return i, values, err
				}
			}
			continue
		case String:
			_, i, _, err = ReadString(b, i)
		case Number:
			i, _, err = ReadNumber(b, i)
		case True:
			i, err = literal(b, i, "true")
		case False:
			i, err = literal(b, i, "false")
		case Null:
			i, err = literal(b, i, "null")
		default:
			_, err = skip(b, i, 0) // for its error
			return i, values, err
		}
		if err != nil {
			return i, values, err
		}
		// A value ended at i: close containers until one goes on.
		for depth > 0 {
			i = SkipSpace(b, i)
			if i >= len(b) {
				return i, values, errAt(i, "unexpected end")
			}
			if b[i] == open[depth-1] {
				depth--
				i++
				continue
			}
			if b[i] != ',' {
				return i, values, errAt(i, "want ',' or '"+string(open[depth-1])+"'")
			}
			i = SkipSpace(b, i+1)
			if open[depth-1] == '}' {
				if i, err = skipKey(b, i); err != nil {
					return i, values, err
				}
			}
			break
		}
		if depth == 0 {
			return i, values, nil
		}
	}
}

// skipKey validates an object key at b[i] and the colon after it, and
// returns the index of the member's value.
func skipKey(b []byte, i int) (int, error) {
	if KindAt(b, i) != String {
		return i, errAt(i, "want a key")
	}
	_, end, _, err := ReadString(b, i)
	if err != nil {
		return end, err
	}
	i = SkipSpace(b, end)
	if i >= len(b) || b[i] != ':' {
		return i, errAt(i, "want ':'")
	}
	return i + 1, nil
}
