package catalog_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strconv"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"github.com/weft-gateway/weft/internal/demo/catalog"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// serve starts a catalog over loopback with a fresh store.
func serve(t testing.TB, generated int) string {
	t.Helper()
	store, err := catalog.NewStore(generated)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(catalog.NewHandler(store))
	t.Cleanup(srv.Close)
	return srv.URL
}

type gqlResponse struct {
	status int
	body   []byte
}

func post(t testing.TB, endpoint, query string, vars map[string]any) gqlResponse {
	t.Helper()
	resp, err := tryPost(endpoint, query, vars)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// tryPost is post for goroutines other than the test's own, which must not call t.Fatal.
func tryPost(endpoint, query string, vars map[string]any) (gqlResponse, error) {
	req, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return gqlResponse{}, err
	}
	resp, err := http.Post(endpoint, "application/json", bytes.NewReader(req))
	if err != nil {
		return gqlResponse{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return gqlResponse{}, err
	}
	return gqlResponse{status: resp.StatusCode, body: body}, nil
}

func get(t testing.TB, endpoint, query string) gqlResponse {
	t.Helper()
	resp, err := http.Get(endpoint + "?query=" + url.QueryEscape(query))
	if err != nil {
		t.Fatal(err)
	}
	return read(t, resp)
}

func read(t testing.TB, resp *http.Response) gqlResponse {
	t.Helper()
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return gqlResponse{status: resp.StatusCode, body: body}
}

// assertJSON compares JSON documents by value, so key order and spacing do not matter.
func assertJSON(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("response is not JSON: %v\n%s", err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad expectation: %v", err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestQueries(t *testing.T) {
	endpoint := serve(t, 0)
	tests := []struct {
		name       string
		query      string
		vars       map[string]any
		viaGET     bool
		wantStatus int
		want       string
	}{
		{
			name:  "all products",
			query: `{ products { upc name price weight } }`,
			want: `{"data":{"products":[
				{"upc":"1","name":"Table","price":89900,"weight":25000},
				{"upc":"2","name":"Couch","price":129900,"weight":48000},
				{"upc":"3","name":"Chair","price":5400,"weight":4500},
				{"upc":"4","name":"Lamp","price":3900,"weight":1200},
				{"upc":"5","name":"Rug","price":12900,"weight":null}]}}`,
		},
		{
			name:  "one product",
			query: `{ product(upc: "3") { upc name price } }`,
			want:  `{"data":{"product":{"upc":"3","name":"Chair","price":5400}}}`,
		},
		{
			name:  "null weight",
			query: `{ product(upc: "5") { name weight } }`,
			want:  `{"data":{"product":{"name":"Rug","weight":null}}}`,
		},
		{
			name:  "unknown product is null",
			query: `{ product(upc: "404") { name } }`,
			want:  `{"data":{"product":null}}`,
		},
		{
			name:  "variables",
			query: `query P($upc: ID!) { product(upc: $upc) { name } }`,
			vars:  map[string]any{"upc": "4"},
			want:  `{"data":{"product":{"name":"Lamp"}}}`,
		},
		{
			name:  "aliases",
			query: `{ a: product(upc: "1") { name } b: product(upc: "2") { n: name } }`,
			want:  `{"data":{"a":{"name":"Table"},"b":{"n":"Couch"}}}`,
		},
		{
			name:  "topProducts default first",
			query: `{ topProducts { upc } }`,
			want:  `{"data":{"topProducts":[{"upc":"1"},{"upc":"2"},{"upc":"3"},{"upc":"4"},{"upc":"5"}]}}`,
		},
		{
			name:  "topProducts first 2",
			query: `{ topProducts(first: 2) { upc } }`,
			want:  `{"data":{"topProducts":[{"upc":"1"},{"upc":"2"}]}}`,
		},
		{
			name:  "topProducts explicit null means the default",
			query: `query T($n: Int) { topProducts(first: $n) { upc } }`,
			vars:  map[string]any{"n": nil},
			want:  `{"data":{"topProducts":[{"upc":"1"},{"upc":"2"},{"upc":"3"},{"upc":"4"},{"upc":"5"}]}}`,
		},
		{
			name:  "topProducts first 0",
			query: `{ topProducts(first: 0) { upc } }`,
			want:  `{"data":{"topProducts":[]}}`,
		},
		{
			name:  "topProducts first beyond the catalog",
			query: `{ topProducts(first: 100) { upc } }`,
			want:  `{"data":{"topProducts":[{"upc":"1"},{"upc":"2"},{"upc":"3"},{"upc":"4"},{"upc":"5"}]}}`,
		},
		{
			name:  "topProducts negative first is a field error",
			query: `{ topProducts(first: -1) { upc } }`,
			want:  `{"errors":[{"message":"first must not be negative","path":["topProducts"],"locations":[{"line":1,"column":3}]}],"data":null}`,
		},
		{
			name:   "GET transport",
			query:  `{ product(upc: "2") { name } }`,
			viaGET: true,
			want:   `{"data":{"product":{"name":"Couch"}}}`,
		},
		{
			name:       "unknown field fails validation",
			query:      `{ product(upc: "1") { colour } }`,
			wantStatus: http.StatusUnprocessableEntity,
			want: `{"errors":[{"message":"Cannot query field \"colour\" on type \"Product\".",
				"locations":[{"line":1,"column":23}],"extensions":{"code":"GRAPHQL_VALIDATION_FAILED"}}],"data":null}`,
		},
		{
			name:       "missing required argument fails validation",
			query:      `{ product { name } }`,
			wantStatus: http.StatusUnprocessableEntity,
			want: `{"errors":[{"message":"Field \"product\" argument \"upc\" of type \"ID!\" is required, but it was not provided.",
				"locations":[{"line":1,"column":3}],"extensions":{"code":"GRAPHQL_VALIDATION_FAILED"}}],"data":null}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var resp gqlResponse
			if tt.viaGET {
				resp = get(t, endpoint, tt.query)
			} else {
				resp = post(t, endpoint, tt.query, tt.vars)
			}
			wantStatus := tt.wantStatus
			if wantStatus == 0 {
				wantStatus = http.StatusOK
			}
			if resp.status != wantStatus {
				t.Errorf("status %d, want %d", resp.status, wantStatus)
			}
			assertJSON(t, resp.body, tt.want)
		})
	}
}

func TestSetPrice(t *testing.T) {
	const mutation = `mutation S($upc: ID!, $price: Int!) { setPrice(upc: $upc, price: $price) { upc price } }`
	tests := []struct {
		name      string
		upc       string
		price     int
		want      string
		wantAfter string // the product as a later query sees it
	}{
		{
			name: "known product", upc: "3", price: 4999,
			want:      `{"data":{"setPrice":{"upc":"3","price":4999}}}`,
			wantAfter: `{"data":{"product":{"price":4999}}}`,
		},
		{
			name: "free", upc: "4", price: 0,
			want:      `{"data":{"setPrice":{"upc":"4","price":0}}}`,
			wantAfter: `{"data":{"product":{"price":0}}}`,
		},
		{
			name: "unknown product", upc: "404", price: 100,
			want:      `{"data":{"setPrice":null}}`,
			wantAfter: `{"data":{"product":null}}`,
		},
		{
			name: "negative price is refused", upc: "1", price: -1,
			want: `{"errors":[{"message":"price must not be negative","path":["setPrice"],
				"locations":[{"line":1,"column":39}]}],"data":{"setPrice":null}}`,
			wantAfter: `{"data":{"product":{"price":89900}}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			endpoint := serve(t, 0)
			resp := post(t, endpoint, mutation, map[string]any{"upc": tt.upc, "price": tt.price})
			if resp.status != http.StatusOK {
				t.Errorf("status %d", resp.status)
			}
			assertJSON(t, resp.body, tt.want)
			after := post(t, endpoint, `query P($upc: ID!) { product(upc: $upc) { price } }`, map[string]any{"upc": tt.upc})
			assertJSON(t, after.body, tt.wantAfter)
		})
	}
}

func TestMutationOverGETIsRefused(t *testing.T) {
	endpoint := serve(t, 0)
	resp := get(t, endpoint, `mutation { setPrice(upc: "1", price: 1) { price } }`)
	if resp.status == http.StatusOK {
		t.Fatalf("mutation over GET answered 200: %s", resp.body)
	}
	after := post(t, endpoint, `{ product(upc: "1") { price } }`, nil)
	assertJSON(t, after.body, `{"data":{"product":{"price":89900}}}`)
}

func TestStoresAreIndependent(t *testing.T) {
	a, b := serve(t, 0), serve(t, 0)
	post(t, a, `mutation { setPrice(upc: "2", price: 1) { price } }`, nil)
	assertJSON(t, post(t, a, `{ product(upc: "2") { price } }`, nil).body, `{"data":{"product":{"price":1}}}`)
	assertJSON(t, post(t, b, `{ product(upc: "2") { price } }`, nil).body, `{"data":{"product":{"price":129900}}}`)
}

func TestIntrospection(t *testing.T) {
	endpoint := serve(t, 0)
	tests := []struct {
		name  string
		query string
		want  string
	}{
		{
			name:  "root types",
			query: `{ __schema { queryType { name } mutationType { name } subscriptionType { name } } }`,
			want:  `{"data":{"__schema":{"queryType":{"name":"Query"},"mutationType":{"name":"Mutation"},"subscriptionType":null}}}`,
		},
		{
			name:  "Product fields",
			query: `{ __type(name: "Product") { fields { name type { kind name ofType { name } } } } }`,
			want: `{"data":{"__type":{"fields":[
				{"name":"upc","type":{"kind":"NON_NULL","name":null,"ofType":{"name":"ID"}}},
				{"name":"name","type":{"kind":"NON_NULL","name":null,"ofType":{"name":"String"}}},
				{"name":"price","type":{"kind":"NON_NULL","name":null,"ofType":{"name":"Int"}}},
				{"name":"weight","type":{"kind":"SCALAR","name":"Int","ofType":null}}]}}}`,
		},
		{
			name:  "topProducts default value",
			query: `{ __type(name: "Query") { fields { name args { name defaultValue } } } }`,
			want: `{"data":{"__type":{"fields":[
				{"name":"products","args":[]},
				{"name":"product","args":[{"name":"upc","defaultValue":null}]},
				{"name":"topProducts","args":[{"name":"first","defaultValue":"5"}]}]}}}`,
		},
		{
			name:  "typename",
			query: `{ product(upc: "1") { __typename } }`,
			want:  `{"data":{"product":{"__typename":"Product"}}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := post(t, endpoint, tt.query, nil)
			if resp.status != http.StatusOK {
				t.Errorf("status %d", resp.status)
			}
			assertJSON(t, resp.body, tt.want)
		})
	}
}

func TestConcurrentSetPrice(t *testing.T) {
	endpoint := serve(t, 0)
	const writers, writes = 8, 20
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := range writes {
				resp, err := tryPost(endpoint, `mutation S($p: Int!) { setPrice(upc: "1", price: $p) { price } }`,
					map[string]any{"p": w*1000 + i})
				if err != nil || resp.status != http.StatusOK {
					t.Errorf("setPrice: %v, status %d", err, resp.status)
					return
				}
			}
		}()
		go func() {
			defer wg.Done()
			for range writes {
				resp, err := tryPost(endpoint, `{ products { price } }`, nil)
				if err != nil || resp.status != http.StatusOK {
					t.Errorf("products: %v, status %d", err, resp.status)
					return
				}
			}
		}()
	}
	wg.Wait()
	var final struct {
		Data struct{ Product struct{ Price int } }
	}
	if err := json.Unmarshal(post(t, endpoint, `{ product(upc: "1") { price } }`, nil).body, &final); err != nil {
		t.Fatal(err)
	}
	// Whichever writer went last, its price is one a writer sent as its last write.
	if p := final.Data.Product.Price; p%1000 != writes-1 || p/1000 >= writers {
		t.Errorf("final price %d was never the last write of any writer", p)
	}
}

func TestGeneratedProducts(t *testing.T) {
	const n = 3000
	a, err := catalog.NewStore(n)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := catalog.NewStore(n)
	small, _ := catalog.NewStore(10)
	pa, pb := a.Products(), b.Products()
	if len(pa) != catalog.SeedProducts+n {
		t.Fatalf("%d products, want %d", len(pa), catalog.SeedProducts+n)
	}
	if !reflect.DeepEqual(pa, pb) {
		t.Error("two stores of the same size differ")
	}
	if !reflect.DeepEqual(small.Products(), pa[:catalog.SeedProducts+10]) {
		t.Error("a product's data depends on the number generated")
	}
	names := make(map[string]bool, len(pa))
	nullWeights := 0
	for i, p := range pa {
		if p.Upc != strconv.Itoa(i+1) {
			t.Fatalf("product %d has upc %q", i, p.Upc)
		}
		if names[p.Name] {
			t.Errorf("duplicate name %q", p.Name)
		}
		names[p.Name] = true
		if p.Price <= 0 {
			t.Errorf("product %s price %d", p.Upc, p.Price)
		}
		if p.Weight == nil {
			nullWeights++
		} else if *p.Weight <= 0 {
			t.Errorf("product %s weight %d", p.Upc, *p.Weight)
		}
	}
	if nullWeights < 2 || nullWeights > len(pa)/2 {
		t.Errorf("%d null weights in %d products", nullWeights, len(pa))
	}
}

func TestLargeResponse(t *testing.T) {
	const n = 3000
	endpoint := serve(t, n)
	resp := post(t, endpoint, `{ products { upc name price weight } }`, nil)
	var got struct {
		Data struct{ Products []catalog.Product }
	}
	if err := json.Unmarshal(resp.body, &got); err != nil {
		t.Fatal(err)
	}
	want, _ := catalog.NewStore(n)
	if !reflect.DeepEqual(got.Data.Products, want.Products()) {
		t.Errorf("large response differs from the store (%d products)", len(got.Data.Products))
	}
}

func TestNewStoreBounds(t *testing.T) {
	for _, n := range []int{-1, catalog.MaxGenerated + 1} {
		if _, err := catalog.NewStore(n); err == nil {
			t.Errorf("NewStore(%d) succeeded", n)
		}
	}
	for _, n := range []int{0, catalog.MaxGenerated} {
		s, err := catalog.NewStore(n)
		if err != nil {
			t.Fatalf("NewStore(%d): %v", n, err)
		}
		if s.Len() != catalog.SeedProducts+n {
			t.Errorf("NewStore(%d).Len() = %d", n, s.Len())
		}
	}
}

func BenchmarkProductsQuery(b *testing.B) {
	for _, n := range []int{0, 2000} {
		b.Run(fmt.Sprintf("generated=%d", n), func(b *testing.B) {
			endpoint := serve(b, n)
			b.ReportAllocs()
			for b.Loop() {
				if resp := post(b, endpoint, `{ products { upc name price weight } }`, nil); resp.status != http.StatusOK {
					b.Fatalf("status %d", resp.status)
				}
			}
		})
	}
}
