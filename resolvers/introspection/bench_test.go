package introspection

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// largeSchema builds a schema of n object types with ten fields each, with
// arguments, lists and an enum, about the size of a real gateway's.
func largeSchema(n int) string {
	var b strings.Builder
	b.WriteString("enum Status { ACTIVE INACTIVE OLD @deprecated }\n")
	b.WriteString("interface Node { id: ID! }\n")
	b.WriteString("type Query {\n")
	for i := range n {
		fmt.Fprintf(&b, "  t%d(id: ID!, first: Int = 10): T%d\n", i, i)
	}
	b.WriteString("}\n")
	for i := range n {
		fmt.Fprintf(&b, "\"Type number %d.\"\ntype T%d implements Node {\n  id: ID!\n", i, i)
		for j := range 9 {
			fmt.Fprintf(&b, "  \"Field %d.\"\n  f%d(status: Status = ACTIVE, filter: In%d): [T%d!]!\n", j, j, i, (i+j)%n)
		}
		fmt.Fprintf(&b, "}\ninput In%d { a: String = \"x\", b: [Int!] = [1, 2], s: Status }\n", i)
	}
	return b.String()
}

func BenchmarkFullQuery(b *testing.B) {
	query := FullQuery
	cases := []struct{ name, sdl string }{
		{"interfaces", readFile(b, filepath.Join("testdata", "schemas", "interfaces.graphql"))},
		{"large200", largeSchema(200)},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			s := loadSchema(b, c.name, c.sdl)
			field, vars := rootField(b, s, query, nil)
			buf, err := Write(nil, s, field, vars)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(buf)))
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				buf, err = Write(buf[:0], s, field, vars)
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
