package compose

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkComposeEntities composes the four-subgraph entities fixture.
func BenchmarkComposeEntities(b *testing.B) {
	sgs := loadCase(b, filepath.Join("testdata", "compose", "entities"))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compose(sgs); err != nil {
			b.Fatal(err)
		}
	}
}

// largeSubgraphs makes n subgraphs that each define the same m entity
// types, each type with a field of its own per subgraph and a field
// pointing at the next type, so that every type is reachable from every
// subgraph through keys: the satisfiability walk's worst shape for its
// size.
func largeSubgraphs(n, m int) []Subgraph {
	var out []Subgraph
	for s := range n {
		var b strings.Builder
		b.WriteString(`extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable"])` + "\n")
		fmt.Fprintf(&b, "type Query {\n  root%d: T0\n}\n", s)
		for i := range m {
			fmt.Fprintf(&b, "type T%d @key(fields: \"id\") {\n  id: ID!\n  f%d_%d: String\n  next: T%d @shareable\n  all: [T%d] @shareable\n}\n", i, s, i, (i+1)%m, (i+7)%m)
		}
		out = append(out, Subgraph{Name: fmt.Sprintf("s%02d", s), URL: fmt.Sprintf("http://s%02d.example/graphql", s), SDL: b.String()})
	}
	return out
}

// BenchmarkComposeLarge composes 10 subgraphs sharing 200 entity types.
func BenchmarkComposeLarge(b *testing.B) {
	sgs := largeSubgraphs(10, 200)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compose(sgs); err != nil {
			b.Fatal(err)
		}
	}
}
