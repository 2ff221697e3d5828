package diff

import (
	"sort"
	"strconv"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// printValue prints a default value canonically, so that two spellings of
// one value compare equal: object fields sorted by name (their order means
// nothing), strings and block strings printed alike. "" for no value.
func printValue(v *ast.Value) string {
	if v == nil {
		return ""
	}
	var b strings.Builder
	writeValue(&b, v, 0)
	return b.String()
}

// maxValueDepth bounds the nesting printed; deeper values print as "...",
// which a parsed schema's defaults never reach in practice.
const maxValueDepth = 64

func writeValue(b *strings.Builder, v *ast.Value, depth int) {
	if v == nil {
		b.WriteString("null")
		return
	}
	if depth > maxValueDepth {
		b.WriteString("...")
		return
	}
	switch v.Kind {
	case ast.Variable:
		b.WriteString("$" + v.Raw)
	case ast.StringValue, ast.BlockValue:
		b.WriteString(strconv.Quote(v.Raw))
	case ast.NullValue:
		b.WriteString("null")
	case ast.ListValue:
		b.WriteByte('[')
		for i, c := range v.Children {
			if i > 0 {
				b.WriteString(", ")
			}
			writeValue(b, c.Value, depth+1)
		}
		b.WriteByte(']')
	case ast.ObjectValue:
		children := append(ast.ChildValueList(nil), v.Children...)
		sort.SliceStable(children, func(i, j int) bool { return children[i].Name < children[j].Name })
		b.WriteByte('{')
		for i, c := range children {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(c.Name + ": ")
			writeValue(b, c.Value, depth+1)
		}
		b.WriteByte('}')
	default:
		// Ints, floats, booleans and enum values print as written.
		b.WriteString(v.Raw)
	}
}
