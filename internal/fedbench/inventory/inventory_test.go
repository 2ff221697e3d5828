package inventory_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/weft-gateway/weft/internal/fedbench"
	"github.com/weft-gateway/weft/internal/fedbench/fedbenchtest"
	"github.com/weft-gateway/weft/internal/fedbench/inventory"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func serve(t *testing.T) string {
	t.Helper()
	return fedbenchtest.Serve(t, inventory.NewHandler(fedbench.NewData()))
}

func TestService(t *testing.T) {
	sdl := fedbenchtest.ServiceSDL(t, serve(t))
	if sdl != inventory.SDL() {
		t.Errorf("_service.sdl:\n%s\nwant the schema file:\n%s", sdl, inventory.SDL())
	}
	for _, want := range []string{`extend type Product @key(fields: "upc")`, `weight: Int @external`, `shippingEstimate: Int @requires(fields: "price weight")`} {
		if !strings.Contains(sdl, want) {
			t.Errorf("_service.sdl lacks %s", want)
		}
	}
}

// TestShippingEstimate: the estimate comes from the price and weight in
// each representation, not from the products' own (p1 costs 54 and weighs
// 10, p4 costs 1,245), so one batch can answer the same product
// differently; a representation without them gets null, an unknown upc
// null in its place.
func TestShippingEstimate(t *testing.T) {
	url := serve(t)
	reps := `[
		{"__typename":"Product","upc":"p1","price":2000,"weight":300},
		{"__typename":"Product","upc":"p1","price":10,"weight":300},
		{"__typename":"Product","upc":"p4","price":1000,"weight":7},
		{"__typename":"Product","upc":"p404","price":10,"weight":300},
		{"__typename":"Product","upc":"p4","price":1001,"weight":7},
		{"__typename":"Product","upc":"p3"},
		{"__typename":"Product","upc":"p3","price":null,"weight":10}]`
	a := fedbenchtest.Post(t, url, fedbenchtest.EntitiesQuery(`... on Product { upc inStock shippingEstimate }`),
		map[string]any{"r": fedbenchtest.Representations(t, reps)})
	want := `{"data":{"_entities":[
		{"upc":"p1","inStock":true,"shippingEstimate":0},
		{"upc":"p1","inStock":true,"shippingEstimate":150},
		{"upc":"p4","inStock":true,"shippingEstimate":3},
		null,
		{"upc":"p4","inStock":true,"shippingEstimate":0},
		{"upc":"p3","inStock":false,"shippingEstimate":null},
		{"upc":"p3","inStock":false,"shippingEstimate":null}]}}`
	if a.Status != http.StatusOK || !fedbenchtest.SameJSON(t, a.Body, want) {
		t.Errorf("HTTP %d: %s\nwant %s", a.Status, a.Body, want)
	}
}

// TestEntitiesLargeBatch: a batch of every product, many times over, is
// answered in order.
func TestEntitiesLargeBatch(t *testing.T) {
	url := serve(t)
	var reps, want []string
	for i := range 500 {
		upc := fmt.Sprintf("p%d", i%fedbench.ProductCount+1)
		reps = append(reps, fmt.Sprintf(`{"__typename":"Product","upc":%q,"price":%d,"weight":%d}`, upc, i, 2*i))
		est := i
		if i > 1000 {
			est = 0
		}
		want = append(want, fmt.Sprintf(`{"upc":%q,"shippingEstimate":%d}`, upc, est))
	}
	a := fedbenchtest.Post(t, url, fedbenchtest.EntitiesQuery(`... on Product { upc shippingEstimate }`),
		map[string]any{"r": fedbenchtest.Representations(t, "["+strings.Join(reps, ",")+"]")})
	if w := `{"data":{"_entities":[` + strings.Join(want, ",") + `]}}`; a.Status != http.StatusOK || !fedbenchtest.SameJSON(t, a.Body, w) {
		t.Errorf("HTTP %d: %.300s\nwant %.300s", a.Status, a.Body, w)
	}
}
