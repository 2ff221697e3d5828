package schema

import (
	"fmt"
	"strings"
)

// Path is a path into a JSON value: "data.items[].node" reads data, then
// items, then maps node over each element of items.
type Path []PathStep

// PathStep is one step of a Path.
type PathStep struct {
	Key string
	// Each maps the rest of the path over the elements of the list at Key.
	Each bool
}

// ParsePath parses a result path. The empty string is the empty path: the
// whole value.
func ParsePath(s string) (Path, error) {
	if s == "" {
		return nil, nil
	}
	var p Path
	for _, seg := range strings.Split(s, ".") {
		each := strings.HasSuffix(seg, "[]")
		key := strings.TrimSuffix(seg, "[]")
		if key == "" && !each || strings.ContainsAny(key, "[]{} ") {
			return nil, fmt.Errorf("result path %q: %q is not a valid step (want name or name[])", s, seg)
		}
		p = append(p, PathStep{Key: key, Each: each})
	}
	return p, nil
}

// Lists returns how many list projections the path makes.
func (p Path) Lists() int {
	n := 0
	for _, s := range p {
		if s.Each {
			n++
		}
	}
	return n
}

func (p Path) String() string {
	var b strings.Builder
	for i, s := range p {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(s.Key)
		if s.Each {
			b.WriteString("[]")
		}
	}
	return b.String()
}
