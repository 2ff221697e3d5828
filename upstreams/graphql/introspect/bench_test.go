package introspect

import (
	"path/filepath"
	"testing"
)

func BenchmarkToSource(b *testing.B) {
	result := readFile(b, filepath.Join("testdata", "graphqljs", "shop.json"))
	b.SetBytes(int64(len(result)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ToSource("shop", result); err != nil {
			b.Fatal(err)
		}
	}
}
