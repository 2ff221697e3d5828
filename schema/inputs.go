package schema

import (
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/weft-gateway/weft/internal/tmpl"
)

// keysOf returns the renames of values of type t: nil unless an input
// type at or below it has a field renamed with @from or is sent unwrapped
// (@unwrap), or t is (or holds) an enum whose values @from renames.
func (b *builder) keysOf(t *ast.Type) *tmpl.Keys {
	if b.renames == nil {
		b.renames = b.inputRenames()
	}
	return b.renames[t.Name()]
}

// inputRenames builds the renames of every input type that has a renamed
// field (or enum value, or @unwrap) at or below it, and of each enum with
// renamed values. Types refer to each other, and to themselves, so
// each one's Keys exists before any is filled.
func (b *builder) inputRenames() map[string]*tmpl.Keys {
	renamed := map[string]bool{}
	for ref := range b.inputKeys {
		renamed[ref.Type] = true
	}
	// An enum with values sent as others, and a one-of input object sent
	// as its field's value, are renamed too.
	for name := range b.enums {
		renamed[name] = true
	}
	for name, def := range b.ast.Types {
		if def.Kind == ast.InputObject && def.Directives.ForName("unwrap") != nil && def.Directives.ForName("oneOf") != nil {
			renamed[name] = true
		}
	}
	// A type holding a field of a renamed type is renamed below; repeat
	// until no type is added.
	for changed := len(renamed) > 0; changed; {
		changed = false
		for name, def := range b.ast.Types {
			if def.Kind != ast.InputObject || renamed[name] {
				continue
			}
			for _, f := range def.Fields {
				if renamed[f.Type.Name()] {
					renamed[name], changed = true, true
					break
				}
			}
		}
	}
	out := make(map[string]*tmpl.Keys, len(renamed))
	for name := range renamed {
		out[name] = tmpl.NewKeys()
	}
	for name, k := range out {
		def := b.ast.Types[name]
		if e := b.enums[name]; e != nil {
			for v, w := range e.wire {
				k.SetValue(v, w)
			}
			continue
		}
		if def.Directives.ForName("unwrap") != nil {
			k.SetUnwrap()
		}
		for _, f := range def.Fields {
			key, sub := b.inputKey(name, f.Name), out[f.Type.Name()]
			if key != f.Name || sub != nil {
				k.Set(f.Name, key, sub)
			}
		}
	}
	return out
}

// argType returns the type of the argument value at path (an argument,
// then input fields), or nil when the path does not lead to one.
func (b *builder) argType(f *ast.FieldDefinition, path []string) *ast.Type {
	arg := f.Arguments.ForName(path[0])
	if arg == nil {
		return nil
	}
	t := arg.Type
	for _, seg := range path[1:] {
		def := b.ast.Types[t.Name()]
		if def == nil || def.Kind != ast.InputObject || t.Elem != nil {
			return nil
		}
		fd := def.Fields.ForName(seg)
		if fd == nil {
			return nil
		}
		t = fd.Type
	}
	return t
}

// textType reports whether values of t, under its lists, are sent as text
// that can hold base64: String, ID or a custom scalar.
func (b *builder) textType(t *ast.Type) bool {
	switch t.Name() {
	case "Int", "Float", "Boolean":
		return false
	}
	def := b.ast.Types[t.Name()]
	return def != nil && def.Kind == ast.Scalar
}
