// Package compose composes Apollo Federation subgraphs into a supergraph:
// subgraph SDLs in (Federation 2, linked with @link, or Federation 1),
// the supergraph SDL out, with the join__* directives a federation
// gateway plans by. It refuses what Federation's composition refuses, with
// Apollo's error codes, and checks that every field a query can reach is
// resolvable by some subgraph.
//
// The output follows the supergraphs Apollo's composition emits:
// subgraphs in name order in join__Graph, directive definitions then
// types sorted by name (ignoring case), fields in the order the
// subgraphs, taken by name, first define them.
package compose

import (
	"fmt"
	"sort"
	"strings"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// Subgraph is one subgraph to compose.
type Subgraph struct {
	// Name names the subgraph in the supergraph (join__Graph) and in
	// errors.
	Name string
	// URL is where a gateway sends the subgraph's requests.
	URL string
	// SDL is the subgraph's schema, as its _service { sdl } returns it.
	SDL string
}

// Result is a composed supergraph.
type Result struct {
	// Supergraph is the supergraph SDL.
	Supergraph string
	// Schema is Supergraph, loaded.
	Schema *ast.Schema
	// Hints are what composition did that the subgraphs' owners may want
	// to know.
	Hints []Hint
}

// Compose composes the subgraphs into a supergraph. When composition
// fails the error is an Errors holding every problem found in the phase
// that failed (the subgraphs one by one, then their merge, then
// satisfiability).
func Compose(subgraphs []Subgraph) (*Result, error) {
	c, errs := newComposer(subgraphs)
	if len(errs) > 0 {
		return nil, errs
	}
	for _, sg := range c.sgs {
		sg.load()
		c.errs = append(c.errs, sg.errs...)
		c.hints = append(c.hints, sg.hints...)
	}
	if len(c.errs) > 0 {
		return nil, c.fail()
	}
	c.merge()
	if len(c.errs) > 0 {
		return nil, c.fail()
	}
	// The merged supergraph must be valid GraphQL (an implementation's
	// field a subtype of its interface's, say) before it is walked.
	sdl := c.print()
	schema, err := gqlparser.LoadSchema(&ast.Source{Name: "supergraph", Input: sdl})
	if err != nil {
		return nil, Errors{{Code: CodeInvalidGraphQL, Message: "the merged supergraph is not valid GraphQL: " + err.Error()}}
	}
	c.checkSatisfiability()
	if len(c.errs) > 0 {
		return nil, c.fail()
	}
	return &Result{Supergraph: sdl, Schema: schema, Hints: c.hints}, nil
}

func (c *composer) fail() Errors {
	sortErrors(c.errs)
	return c.errs
}

// newComposer checks the subgraphs' names and orders the subgraphs by
// name, as the supergraph lists them.
func newComposer(in []Subgraph) (*composer, Errors) {
	if len(in) == 0 {
		return nil, Errors{{Code: CodeInvalidSubgraphName, Message: "there are no subgraphs to compose"}}
	}
	sorted := append([]Subgraph(nil), in...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	c := &composer{byName: map[string]*subgraph{}}
	var errs Errors
	enums := map[string]bool{}
	for i, s := range sorted {
		switch {
		case strings.TrimSpace(s.Name) == "" || s.Name == "_":
			errs = append(errs, &Error{Code: CodeInvalidSubgraphName, Subgraph: s.Name,
				Message: fmt.Sprintf("subgraph %d has no usable name: give each subgraph a name", i+1)})
			continue
		case c.byName[s.Name] != nil:
			errs = append(errs, &Error{Code: CodeInvalidSubgraphName, Subgraph: s.Name,
				Message: "two subgraphs have this name: each subgraph needs its own"})
			continue
		}
		sg := &subgraph{idx: len(c.sgs), name: s.Name, url: s.URL, src: &ast.Source{Name: s.Name, Input: s.SDL}}
		sg.enum = graphEnumName(s.Name, enums)
		c.sgs = append(c.sgs, sg)
		c.byName[s.Name] = sg
	}
	return c, errs
}

// graphEnumName is a subgraph's join__Graph value: its name upper-cased,
// with what an enum value cannot hold turned to underscores, made unique.
func graphEnumName(name string, taken map[string]bool) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(name) {
		if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') || r == '_' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	s := b.String()
	if s == "" || (s[0] >= '0' && s[0] <= '9') {
		s = "_" + s
	}
	out := s
	for n := 1; taken[out]; n++ {
		out = fmt.Sprintf("%s_%d", s, n)
	}
	taken[out] = true
	return out
}
