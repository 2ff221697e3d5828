package schema

import "github.com/weft-gateway/weft/schema/supergraph"

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
