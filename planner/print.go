package planner

import (
	"fmt"
	"strings"
	"sync"

	"github.com/weft-gateway/weft/internal/jsonwrite"
)

// String prints the plan as an indented tree, for `weft plan` and golden
// files.
func (p *Plan) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Plan %s", p.Operation)
	if p.Name != "" {
		fmt.Fprintf(&b, " %s", p.Name)
	}
	b.WriteString(" {\n")
	if p.Tree != nil {
		printNode(&b, p.Tree, 1)
	}
	b.WriteString("}\n")
	return b.String()
}

func printNode(b *strings.Builder, n Node, depth int) {
	ind := strings.Repeat("  ", depth)
	switch n := n.(type) {
	case *Sequence:
		b.WriteString(ind + "Sequence {\n")
		for _, c := range n.Nodes {
			printNode(b, c, depth+1)
		}
		b.WriteString(ind + "}\n")
	case *Parallel:
		b.WriteString(ind + "Parallel {\n")
		for _, c := range n.Nodes {
			printNode(b, c, depth+1)
		}
		b.WriteString(ind + "}\n")
	case *Fetch:
		fmt.Fprintf(b, "%sFetch #%d %s (%s)", ind, n.ID, n.Upstream, n.Kind)
		if n.At != "" {
			fmt.Fprintf(b, " at %s", n.At)
		}
		if n.ParentTypes != nil {
			fmt.Fprintf(b, " on %s", strings.Join(n.ParentTypes, "|"))
		}
		if n.Subgraph != "" {
			fmt.Fprintf(b, " subgraph %s", n.Subgraph)
		}
		switch {
		case n.Entity != nil:
			b.WriteString(" entities")
			for i, t := range n.Entity.Types {
				if i > 0 {
					b.WriteByte(',')
				}
				fmt.Fprintf(b, " %s by {%s}", t.TypeName, repText(t.Rep))
			}
			for i, a := range n.After {
				if i == 0 {
					b.WriteString(" after")
				}
				fmt.Fprintf(b, " #%d", a.ID)
			}
		case n.Batch:
			fmt.Fprintf(b, " batched by %d", n.Binding.Batch.MaxSize)
		}
		b.WriteString(" {\n")
		fmt.Fprintf(b, "%s  %s\n", ind, n.Request())
		b.WriteString(ind + "}\n")
	}
}

// Request describes what the fetch sends: the operation of a GraphQL
// fetch, or what the kind's binding says of its call (the method and
// templates of a REST one, say).
func (f *Fetch) Request() string {
	switch {
	case f.Operation != nil:
		return f.Operation.Document
	case f.Binding != nil && f.Binding.Request != nil:
		return f.Binding.Request.Describe(f.Batch)
	}
	return ""
}

// JSON returns the plan as JSON, for a response's extensions.queryPlan.
func (p *Plan) JSON() []byte {
	p.jsonOnce.Do(func() {
		b := []byte(`{"kind":"QueryPlan","operation":`)
		b = jsonwrite.String(b, string(p.Operation))
		b = append(b, `,"node":`...)
		if p.Tree == nil {
			b = append(b, "null"...)
		} else {
			b = nodeJSON(b, p.Tree)
		}
		p.json = append(b, '}')
	})
	return p.json
}

type jsonCache struct {
	jsonOnce sync.Once
	json     []byte
}

func nodeJSON(b []byte, n Node) []byte {
	switch n := n.(type) {
	case *Sequence:
		return nodesJSON(append(b, `{"kind":"Sequence","nodes":[`...), n.Nodes)
	case *Parallel:
		return nodesJSON(append(b, `{"kind":"Parallel","nodes":[`...), n.Nodes)
	case *Fetch:
		b = fmt.Appendf(b, `{"kind":"Fetch","id":%d,"upstream":`, n.ID)
		b = jsonwrite.String(b, n.Upstream)
		b = append(b, `,"protocol":`...)
		b = jsonwrite.String(b, string(n.Kind))
		if n.At != "" {
			b = append(b, `,"at":`...)
			b = jsonwrite.String(b, n.At)
		}
		if n.Batch {
			b = append(b, `,"batch":true`...)
		}
		if n.Subgraph != "" {
			b = append(b, `,"subgraph":`...)
			b = jsonwrite.String(b, n.Subgraph)
		}
		if n.Entity != nil {
			b = append(b, `,"entities":`...)
			b = jsonwrite.String(b, n.Entity.names())
			b = append(b, `,"representation":`...)
			b = jsonwrite.String(b, n.Entity.repText())
		}
		b = append(b, `,"request":`...)
		b = jsonwrite.String(b, n.Request())
		return append(b, '}')
	}
	return append(b, "null"...)
}

func nodesJSON(b []byte, nodes []Node) []byte {
	for i, c := range nodes {
		if i > 0 {
			b = append(b, ',')
		}
		b = nodeJSON(b, c)
	}
	return append(b, "]}"...)
}

// repText prints a representation's shape as a field set; a field read
// from the parent under another name is written as an alias of it.
func repText(rep []*RepField) string {
	var b strings.Builder
	for i, rf := range rep {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(rf.Name)
		if rf.From != "" {
			b.WriteString(": " + rf.From)
		}
		if len(rf.Sub) > 0 {
			b.WriteString(" { " + repText(rf.Sub) + " }")
		}
	}
	return b.String()
}

// names prints the representations' types, joined by "|".
func (e *Entity) names() string {
	if len(e.Types) == 1 {
		return e.Types[0].TypeName
	}
	var b strings.Builder
	for i, t := range e.Types {
		if i > 0 {
			b.WriteByte('|')
		}
		b.WriteString(t.TypeName)
	}
	return b.String()
}

// repText prints the representations' shape as a field set: one type's
// fields, or a fragment on each type.
func (e *Entity) repText() string {
	if len(e.Types) == 1 {
		return repText(e.Types[0].Rep)
	}
	var b strings.Builder
	for i, t := range e.Types {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString("... on " + t.TypeName + " { " + repText(t.Rep) + " }")
	}
	return b.String()
}
