package products_test

import (
	"net/http"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/weft-gateway/weft/internal/fedbench"
	"github.com/weft-gateway/weft/internal/fedbench/fedbenchtest"
	"github.com/weft-gateway/weft/internal/fedbench/products"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func serve(t *testing.T) string {
	t.Helper()
	return fedbenchtest.Serve(t, products.NewHandler(fedbench.NewData()))
}

func TestService(t *testing.T) {
	sdl := fedbenchtest.ServiceSDL(t, serve(t))
	if sdl != products.SDL() {
		t.Errorf("_service.sdl:\n%s\nwant the schema file:\n%s", sdl, products.SDL())
	}
	for _, want := range []string{`@link(url: "https://specs.apollo.dev/federation/v2.3"`, `type Product @key(fields: "upc")`, `topProducts(first: Int = 5): [Product]`} {
		if !strings.Contains(sdl, want) {
			t.Errorf("_service.sdl lacks %s", want)
		}
	}
}

func TestEntities(t *testing.T) {
	url := serve(t)
	a := fedbenchtest.Post(t, url, fedbenchtest.EntitiesQuery(`... on Product { upc name price weight }`),
		map[string]any{"r": fedbenchtest.Representations(t,
			`[{"__typename":"Product","upc":"p4"},{"__typename":"Product","upc":"nope"},{"__typename":"Product","upc":"p1"}]`)})
	want := `{"data":{"_entities":[
		{"upc":"p4","name":"Rattan Shelf","price":1245,"weight":403},
		null,
		{"upc":"p1","name":"Oak Table","price":54,"weight":10}]}}`
	if a.Status != http.StatusOK || !fedbenchtest.SameJSON(t, a.Body, want) {
		t.Errorf("HTTP %d: %s\nwant %s", a.Status, a.Body, want)
	}
}

func TestTopProducts(t *testing.T) {
	tests := []struct {
		query string
		want  string
	}{
		{`{ topProducts { upc } }`, `{"data":{"topProducts":[{"upc":"p1"},{"upc":"p2"},{"upc":"p3"},{"upc":"p4"},{"upc":"p5"}]}}`},
		{`{ topProducts(first: null) { upc } }`, `{"data":{"topProducts":[{"upc":"p1"},{"upc":"p2"},{"upc":"p3"},{"upc":"p4"},{"upc":"p5"}]}}`},
		{`{ topProducts(first: 2) { upc name } }`, `{"data":{"topProducts":[{"upc":"p1","name":"Oak Table"},{"upc":"p2","name":"Walnut Lamp"}]}}`},
		{`{ topProducts(first: 0) { upc } }`, `{"data":{"topProducts":[]}}`},
		{`{ topProducts(first: -1) { upc } }`, `{"errors":[{"message":"first must not be negative","path":["topProducts"],"locations":[{"line":1,"column":3}]}],"data":{"topProducts":null}}`},
	}
	url := serve(t)
	for _, tt := range tests {
		a := fedbenchtest.Post(t, url, tt.query, nil)
		if a.Status != http.StatusOK || !fedbenchtest.SameJSON(t, a.Body, tt.want) {
			t.Errorf("%s: HTTP %d: %s\nwant %s", tt.query, a.Status, a.Body, tt.want)
		}
	}
	a := fedbenchtest.Post(t, url, `{ topProducts(first: 100) { upc } }`, nil)
	if n := strings.Count(string(a.Body), `"upc"`); n != fedbench.ProductCount {
		t.Errorf("topProducts(first: 100) answered %d products, want all %d: %s", n, fedbench.ProductCount, a.Body)
	}
}
