package resource

import (
	"strconv"
	"strings"
)

// JoinField appends a mapping key to a field path: "spec" + "routes" gives
// "spec.routes". Keys that are not plain identifiers (dots, spaces, a leading
// digit, ...) are written quoted in brackets, as in headers["x.trace"], so
// that every path can be parsed back by Document.Pos.
func JoinField(path, key string) string {
	if plainKey(key) {
		if path == "" {
			return key
		}
		return path + "." + key
	}
	return path + "[" + strconv.Quote(key) + "]"
}

// JoinIndex appends a list index to a field path: "spec.routes" + 2 gives
// "spec.routes[2]".
func JoinIndex(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

// plainKey reports whether a key can be written after a dot without quoting.
func plainKey(key string) bool {
	if key == "" {
		return false
	}
	for i, r := range key {
		switch {
		case r == '_' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z':
		case i > 0 && (r == '-' || '0' <= r && r <= '9'):
		default:
			return false
		}
	}
	return true
}

// pathStep is one step of a parsed field path: a mapping key or, when isIndex
// is set, a list index.
type pathStep struct {
	key     string
	index   int
	isIndex bool
}

// parsePath splits a field path into steps. It returns the steps it could
// read and whether the whole path was well formed; callers that look up
// positions use the prefix, since the nearest ancestor is still a useful
// place to point at.
func parsePath(path string) ([]pathStep, bool) {
	var steps []pathStep
	i := 0
	for i < len(path) {
		switch c := path[i]; {
		case c == '.':
			if i == 0 || i+1 >= len(path) {
				return steps, false
			}
			i++
			j := i
			for j < len(path) && path[j] != '.' && path[j] != '[' {
				j++
			}
			if j == i {
				return steps, false
			}
			steps = append(steps, pathStep{key: path[i:j]})
			i = j
		case c == '[':
			end := strings.IndexByte(path[i:], ']')
			if i+1 < len(path) && path[i+1] == '"' {
				// A quoted key may itself contain ']', so let strconv find
				// where the quoted string ends.
				q, err := strconv.QuotedPrefix(path[i+1:])
				if err != nil || i+1+len(q) >= len(path) || path[i+1+len(q)] != ']' {
					return steps, false
				}
				key, err := strconv.Unquote(q)
				if err != nil {
					return steps, false
				}
				steps = append(steps, pathStep{key: key})
				i += 1 + len(q) + 1
				continue
			}
			if end < 0 {
				return steps, false
			}
			n, err := strconv.Atoi(path[i+1 : i+end])
			if err != nil || n < 0 {
				return steps, false
			}
			steps = append(steps, pathStep{index: n, isIndex: true})
			i += end + 1
		default:
			if i != 0 {
				return steps, false
			}
			j := i
			for j < len(path) && path[j] != '.' && path[j] != '[' {
				j++
			}
			steps = append(steps, pathStep{key: path[i:j]})
			i = j
		}
	}
	return steps, true
}
