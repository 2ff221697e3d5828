package diff

import "github.com/vektah/gqlparser/v2/ast"

// The wrapper rules. A type reference is a named type inside lists, each
// level nullable or not. Which changes a client survives depends on the
// direction values flow:
//
//	output (object and interface fields)   input (arguments, input fields)
//	A    -> A!     safe (tightened)         A!   -> A     safe (loosened)
//	A!   -> A      breaking (loosened)      A    -> A!    breaking (tightened)
//	[A]  -> [A!]!  safe                     [A!]! -> [A]  safe
//	[A!] -> [A]    breaking                 [A]  -> [A!]  breaking
//	[A]! -> [A!]   breaking (one level      [A!] -> [A]!  breaking (one level
//	               loosened is enough)                     tightened is enough)
//	A <-> [A], A -> B                       breaking either way
//
// A reader of an output copes with fewer nulls, never with more; a writer
// of an input may always send what it sent before only if no level became
// non-null. A list turned into a single value (or the reverse) changes the
// shape of every value, in both directions.

// outputTypeChange classifies a change of an output field's type: "" for
// none.
func outputTypeChange(o, n *ast.Type) Class {
	switch {
	case o == nil || n == nil || o.String() == n.String():
		return ""
	case safeOutput(o, n):
		return OutputNullabilityTightened
	case sameShape(o, n):
		return OutputNullabilityLoosened
	}
	return FieldTypeChanged
}

// inputTypeChange classifies a change of an argument's or input field's
// type; other is the class for a change of more than nullability.
func inputTypeChange(o, n *ast.Type, other Class) Class {
	switch {
	case o == nil || n == nil || o.String() == n.String():
		return ""
	case safeInput(o, n):
		return InputNullabilityLoosened
	case sameShape(o, n):
		return InputNullabilityTightened
	}
	return other
}

// safeOutput reports whether every value of n is a value of o: no level
// lost its non-null marker, and the shape is the same.
func safeOutput(o, n *ast.Type) bool {
	if o.NonNull && !n.NonNull {
		return false
	}
	if o.Elem != nil || n.Elem != nil {
		return o.Elem != nil && n.Elem != nil && safeOutput(o.Elem, n.Elem)
	}
	return o.NamedType == n.NamedType
}

// safeInput reports whether every value of o is a value of n: no level
// gained a non-null marker, and the shape is the same.
func safeInput(o, n *ast.Type) bool {
	if n.NonNull && !o.NonNull {
		return false
	}
	if o.Elem != nil || n.Elem != nil {
		return o.Elem != nil && n.Elem != nil && safeInput(o.Elem, n.Elem)
	}
	return o.NamedType == n.NamedType
}

// sameShape reports whether o and n differ at most in nullability.
func sameShape(o, n *ast.Type) bool {
	if o.Elem != nil || n.Elem != nil {
		return o.Elem != nil && n.Elem != nil && sameShape(o.Elem, n.Elem)
	}
	return o.NamedType == n.NamedType
}
