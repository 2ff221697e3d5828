package schema

import (
	"strconv"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/weft-gateway/weft/schema/supergraph"
)

// Federation is a supergraph that resolves the fields of a schema that no
// binding resolves: each is fetched from the subgraph the supergraph says
// resolves it, entities joined across subgraphs by their keys.
type Federation struct {
	// Upstream is the supergraph upstream whose subgraphs are called.
	Upstream string
	// Kind is that upstream's kind.
	Kind Kind
	// Supergraph is the supergraph, read.
	Supergraph *supergraph.Supergraph
	// Version identifies the supergraph's text, its subgraphs' URLs and
	// fallbacks.
	Version string
	// Fallbacks are the default fallbacks of the fields each subgraph
	// resolves, by subgraph name, for the subgraphs whose settings name
	// one (spec.supergraph.subgraphs.NAME.fallback); the others take the
	// supergraph Upstream's (UpstreamInfo.Fallback).
	Fallbacks map[string]*Fallback
}

// federated reports whether the supergraph resolves typeName.field, so
// that the field needs no binding.
func (b *builder) federated(typeName, field string) bool {
	f := b.opts.Federation
	return f != nil && len(f.Supergraph.Resolvers(typeName, field)) > 0
}

// FromSubgraph reports whether field of typeName, on an object that a
// REST, gRPC or SOAP upstream returned, is fetched from a subgraph by the
// object's key rather than read from the object: the supergraph resolves
// it, typeName is an entity (a subgraph resolves it by a key), and the
// field is in none of its keys. A key's fields are read from the object,
// for the representation the others are fetched by; so are the fields of
// a type that is no entity, which no subgraph could fetch by a key.
func (f *Federation) FromSubgraph(typeName, field string) bool {
	sg := f.Supergraph
	t := sg.Types[typeName]
	if t == nil || len(sg.Resolvers(typeName, field)) == 0 || f.keyField(typeName, field) {
		return false
	}
	for _, in := range t.In {
		for _, k := range in.Keys {
			if k.Resolvable {
				return true
			}
		}
	}
	return false
}

// keyField reports whether field is in a @key of typeName in some
// subgraph.
func (f *Federation) keyField(typeName, field string) bool {
	if t := f.Supergraph.Types[typeName]; t != nil {
		for _, in := range t.In {
			for _, k := range in.Keys {
				if keyNames(k.Set)[field] {
					return true
				}
			}
		}
	}
	return false
}

// KeyWithin returns a resolvable @key of typeName in some subgraph whose
// top-level fields has reports present (a key that objects with those
// fields can be fetched by), or nil. Subgraphs are tried in the
// supergraph's order.
func (f *Federation) KeyWithin(typeName string, has func(field string) bool) *supergraph.Key {
	sg := f.Supergraph
	t := sg.Types[typeName]
	if t == nil {
		return nil
	}
	for _, g := range sg.Graphs {
		in := t.In[g.Name]
		if in == nil {
			continue
		}
	keys:
		for _, k := range in.Keys {
			if !k.Resolvable {
				continue
			}
			for name := range keyNames(k.Set) {
				if !has(name) {
					continue keys
				}
			}
			return k
		}
	}
	return nil
}

// KeysText lists the resolvable keys of typeName per subgraph that
// resolves field, as `qa: "upc"; products: "id" or "sku"`, for errors.
func (f *Federation) KeysText(typeName, field string) string {
	sg := f.Supergraph
	t := sg.Types[typeName]
	var parts []string
	for _, g := range sg.Resolvers(typeName, field) {
		var keys []string
		if t != nil && t.In[g.Name] != nil {
			for _, k := range t.In[g.Name].Keys {
				if k.Resolvable {
					keys = append(keys, strconv.Quote(k.Fields))
				}
			}
		}
		if len(keys) == 0 {
			parts = append(parts, "subgraph "+g.Name+": no resolvable key")
			continue
		}
		parts = append(parts, "subgraph "+g.Name+": "+strings.Join(keys, " or "))
	}
	return strings.Join(parts, "; ")
}

// keyNames are the names of a key's top-level fields (those of inline
// fragments included), __typename aside.
func keyNames(set ast.SelectionSet) map[string]bool {
	out := map[string]bool{}
	var walk func(ast.SelectionSet)
	walk = func(set ast.SelectionSet) {
		for _, sel := range set {
			switch sel := sel.(type) {
			case *ast.Field:
				if sel.Name != "__typename" {
					out[sel.Name] = true
				}
			case *ast.InlineFragment:
				walk(sel.SelectionSet)
			}
		}
	}
	walk(set)
	return out
}
