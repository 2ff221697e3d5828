package schema

import (
	"fmt"
	"sort"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// Source is SDL text and where it came from, so errors point into the file a
// user edits, even when the SDL is inline in a YAML document.
type Source struct {
	// File is the file errors name.
	File string
	// Input is the SDL.
	Input string
	// Line is the line of File where Input's first line is; 0 means 1.
	Line int
	// Col is added to every column: the indentation a YAML block scalar
	// strips.
	Col int
}

// Error is one problem found while building a schema.
type Error struct {
	Pos Pos
	// Where names the schema element, such as "Product.reviews @rest(path)".
	Where string
	Msg   string
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Pos.File != "" {
		b.WriteString(e.Pos.File)
		if e.Pos.Line > 0 {
			fmt.Fprintf(&b, ":%d", e.Pos.Line)
			if e.Pos.Col > 0 {
				fmt.Fprintf(&b, ":%d", e.Pos.Col)
			}
		}
		b.WriteString(": ")
	}
	if e.Where != "" {
		b.WriteString(e.Where)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is every problem found in one build, sorted by position.
type Errors []*Error

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

func (es Errors) sort() {
	sort.SliceStable(es, func(i, j int) bool {
		a, b := es[i].Pos, es[j].Pos
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
}

// pos maps a gqlparser position in src to a position in the user's file.
func (src *Source) pos(p *ast.Position) Pos {
	if p == nil {
		return Pos{File: src.File}
	}
	base := src.Line
	if base == 0 {
		base = 1
	}
	return Pos{File: src.File, Line: base + p.Line - 1, Col: p.Column + src.Col}
}
