package resource

import (
	"go.yaml.in/yaml/v3"
)

// Document is one resource read from a YAML document: its envelope, checked,
// and its spec, kept as a raw node that the package owning the kind decodes
// with DecodeSpec.
//
// A Document is not changed after loading, so it may be read from many
// goroutines.
type Document struct {
	// APIVersion and Kind say what the resource is, such as
	// weft.dev/v1 Upstream.
	APIVersion string
	Kind       string
	// Name, Namespace, Labels and Annotations come from metadata.
	Name        string
	Namespace   string
	Labels      map[string]string
	Annotations map[string]string

	// File is the name of the file the document came from, as errors
	// print it. Line and Column are where the document's top-level
	// mapping starts.
	File   string
	Line   int
	Column int
	// Index is the document's place in its file, counting from 0 and
	// skipping empty documents.
	Index int

	// Spec is the value of the spec key, or nil when the document has
	// none. Environment variables in it are already expanded.
	Spec *yaml.Node
	// Root is the document's top-level mapping, which field paths such
	// as "spec.routes[0]" start from.
	Root *yaml.Node

	// nodes is the number of nodes written in the document; it sets the
	// alias expansion budget of Decode.
	nodes int
	// bad holds the scalars whose environment expansion failed. The
	// failure is reported once, at load; decoding skips these nodes
	// instead of reporting their unexpanded text as a second error.
	bad map[*yaml.Node]bool
	// elsewhere holds the spec keys that SplitSpec handed to another
	// decoder: decoding the spec skips them and lists them as allowed.
	elsewhere []string
}

// Ref names the document in messages: "Upstream users".
func (d *Document) Ref() string {
	if d.Namespace != "" {
		return d.Kind + " " + d.Namespace + "/" + d.Name
	}
	return d.Kind + " " + d.Name
}

// Node returns the node at a field path such as "spec.routes[0].match"
// (aliases and merge keys followed), or nil when there is none.
func (d *Document) Node(path string) *yaml.Node {
	n, _, _, exact := d.lookup(path)
	if !exact {
		return nil
	}
	return n
}

// Pos returns the line and column to report for a field path such as
// "spec.routes[0].graphql.schema.file". When the path does not exist in the
// document (a field that was left out, an index past the end), it returns
// the position of the nearest ancestor that does, so an error about a
// missing part still points into the right place. Paths are written as
// JoinField and JoinIndex build them; the empty path is the document itself.
//
// For a mapping entry whose value is a scalar or is written in flow style,
// the position is the value's, so editors land on the offending value;
// for a block mapping or list it is the key's, since the value starts on a
// later line.
func (d *Document) Pos(path string) (line, col int) {
	_, line, col, _ = d.lookup(path)
	if line == 0 {
		return d.Line, d.Column
	}
	return line, col
}

// Errorf returns an *Error at the position of path in the document (see
// Pos), so that semantic checks made after decoding ("unknown upstream")
// print the same way as decoding errors. The message is formatted as by
// fmt.Errorf: a %w verb keeps its cause reachable.
func (d *Document) Errorf(path, format string, args ...any) *Error {
	line, col := d.Pos(path)
	return newError(d.File, line, col, path, format, args...)
}

// NodeErrorf returns an *Error at the position of node n, for checks that
// hold the node already (a raw yaml.Node field, say). path is the node's
// field path, as printed.
func (d *Document) NodeErrorf(n *yaml.Node, path, format string, args ...any) *Error {
	if n == nil {
		return d.Errorf(path, format, args...)
	}
	return newError(d.File, n.Line, n.Column, path, format, args...)
}

// lookup walks path from the document root. It returns the deepest node
// reached, the position to report for it, and whether the whole path was
// found.
func (d *Document) lookup(path string) (n *yaml.Node, line, col int, exact bool) {
	n = d.Root
	if n == nil {
		return nil, d.Line, d.Column, false
	}
	line, col = n.Line, n.Column
	steps, ok := parsePath(path)
	for _, s := range steps {
		cur := deref(n)
		var next, key *yaml.Node
		switch {
		case s.isIndex && cur.Kind == yaml.SequenceNode:
			if s.index < len(cur.Content) {
				next = cur.Content[s.index]
			}
		case !s.isIndex && cur.Kind == yaml.MappingNode:
			budget := maxMergeVisits
			key, next = findKey(cur, s.key, 0, &budget)
		}
		if next == nil {
			return n, line, col, false
		}
		n = next
		v := deref(next)
		switch {
		case key != nil && v.Kind != yaml.ScalarNode && v.Style&yaml.FlowStyle == 0:
			line, col = key.Line, key.Column
		default:
			line, col = next.Line, next.Column
		}
	}
	return n, line, col, ok
}

// Lookups follow merge keys at most maxMergeDepth deep and through at most
// maxMergeVisits mappings, since a merge may name a mapping that merges the
// first one back, or fan out to many that do the same.
const (
	maxMergeDepth  = 16
	maxMergeVisits = 1000
)

// findKey finds key in mapping m, looking into merged mappings (<<) when m
// does not hold it itself. It returns the key node and the value node.
func findKey(m *yaml.Node, key string, depth int, budget *int) (*yaml.Node, *yaml.Node) {
	if *budget <= 0 {
		return nil, nil
	}
	*budget--
	var merges []*yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		k := deref(m.Content[i])
		if k.Kind != yaml.ScalarNode {
			continue
		}
		if k.ShortTag() == tagMerge {
			merges = append(merges, m.Content[i+1])
			continue
		}
		if k.Value == key {
			return m.Content[i], m.Content[i+1]
		}
	}
	if depth >= maxMergeDepth {
		return nil, nil
	}
	for _, mv := range merges {
		src := deref(mv)
		var srcs []*yaml.Node
		switch src.Kind {
		case yaml.MappingNode:
			srcs = []*yaml.Node{src}
		case yaml.SequenceNode:
			srcs = src.Content
		}
		for _, s := range srcs {
			if s = deref(s); s.Kind == yaml.MappingNode {
				if k, v := findKey(s, key, depth+1, budget); v != nil {
					return k, v
				}
			}
		}
	}
	return nil, nil
}

// deref follows an alias to its anchored node. Aliases cannot point at
// other aliases in YAML, so one step is enough.
func deref(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		return n.Alias
	}
	return n
}
