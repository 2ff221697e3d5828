package virtualservices_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
)

// benchmarkQuery sends one query through the whole gateway (HTTP in, plan
// cache, upstream calls over loopback, response out) per iteration.
func benchmarkQuery(b *testing.B, query string) {
	g := startDemo(b)
	body, _ := json.Marshal(map[string]string{"query": query})
	client := g.http.Client()
	url := g.http.URL + "/graphql"
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		resp, err := client.Post(url, "application/json", bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || bytes.Contains(out, []byte(`"errors"`)) {
			b.Fatalf("status %d: %s", resp.StatusCode, out)
		}
	}
}

// BenchmarkDemoProduct is the README's first query: one product from the
// catalog and its reviews from the REST service.
func BenchmarkDemoProduct(b *testing.B) {
	benchmarkQuery(b, `{ product(upc: "1") { upc name price reviews { rating body } } }`)
}

// BenchmarkDemoFanOut is every product with its reviews: one catalog call,
// then five REST calls in parallel.
func BenchmarkDemoFanOut(b *testing.B) {
	benchmarkQuery(b, `{ products { upc name price reviews { rating body author { name } } } }`)
}
