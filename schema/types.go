package schema

import (
	"fmt"

	"github.com/vektah/gqlparser/v2/ast"
)

// fits explains why a value of upstream type up cannot be served as gateway
// type gw, or returns "". Nullability may be tightened (a null then becomes
// a field error, as for any non-null field); list depth and named types must
// match.
func fits(gw, up *ast.Type) string {
	for {
		if (gw.Elem == nil) != (up.Elem == nil) {
			if gw.Elem != nil {
				return "the gateway type is a list and the upstream type is not"
			}
			return "the upstream type is a list and the gateway type is not"
		}
		if gw.Elem == nil {
			if gw.NamedType != up.NamedType {
				return fmt.Sprintf("%s is not %s", up.NamedType, gw.NamedType)
			}
			return ""
		}
		gw, up = gw.Elem, up.Elem
	}
}

// argFits explains why a gateway argument of type gw cannot be forwarded to
// an upstream argument of type up, or returns "".
func argFits(gw, up *ast.Type) string {
	for {
		if up.NonNull && !gw.NonNull {
			return "the upstream requires a value and the gateway argument may be null"
		}
		if (gw.Elem == nil) != (up.Elem == nil) {
			return "list depth differs"
		}
		if gw.Elem == nil {
			if gw.NamedType != up.NamedType {
				return fmt.Sprintf("%s is not %s", gw.NamedType, up.NamedType)
			}
			return ""
		}
		gw, up = gw.Elem, up.Elem
	}
}

// listDepth counts the list wrappers of t.
func listDepth(t *ast.Type) int {
	n := 0
	for ; t.Elem != nil; t = t.Elem {
		n++
	}
	return n
}
