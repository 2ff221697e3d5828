package reviews_test

import (
	"net/http"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/weft-gateway/weft/internal/fedbench"
	"github.com/weft-gateway/weft/internal/fedbench/fedbenchtest"
	"github.com/weft-gateway/weft/internal/fedbench/reviews"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func serve(t *testing.T) string {
	t.Helper()
	return fedbenchtest.Serve(t, reviews.NewHandler(fedbench.NewData()))
}

func TestService(t *testing.T) {
	sdl := fedbenchtest.ServiceSDL(t, serve(t))
	if sdl != reviews.SDL() {
		t.Errorf("_service.sdl:\n%s\nwant the schema file:\n%s", sdl, reviews.SDL())
	}
	for _, want := range []string{`author: User @provides(fields: "username")`, `username: String @external`, `type Product @key(fields: "upc")`} {
		if !strings.Contains(sdl, want) {
			t.Errorf("_service.sdl lacks %s", want)
		}
	}
}

// TestEntities: one batch mixes users and products; each is answered in
// its place, with the reviews of the user or product, the authors'
// usernames provided, and null for unknown keys.
func TestEntities(t *testing.T) {
	url := serve(t)
	reps := `[
		{"__typename":"User","id":"u2"},
		{"__typename":"Product","upc":"p5"},
		{"__typename":"User","id":"nobody"},
		{"__typename":"Product","upc":"p404"},
		{"__typename":"User","id":"u1"}]`
	a := fedbenchtest.Post(t, url, fedbenchtest.EntitiesQuery(`
		__typename
		... on User { id reviews { id product { upc } } }
		... on Product { upc reviews { id author { id username } } }`),
		map[string]any{"r": fedbenchtest.Representations(t, reps)})
	want := `{"data":{"_entities":[
		{"__typename":"User","id":"u2","reviews":[{"id":"r4","product":{"upc":"p4"}},{"id":"r5","product":{"upc":"p5"}},{"id":"r6","product":{"upc":"p6"}}]},
		{"__typename":"Product","upc":"p5","reviews":[
			{"id":"r5","author":{"id":"u2","username":"@alan2"}},
			{"id":"r17","author":{"id":"u6","username":"@donald6"}},
			{"id":"r29","author":{"id":"u10","username":"@ken10"}}]},
		null,
		null,
		{"__typename":"User","id":"u1","reviews":[{"id":"r1","product":{"upc":"p1"}},{"id":"r2","product":{"upc":"p2"}},{"id":"r3","product":{"upc":"p3"}}]}]}}`
	if a.Status != http.StatusOK || !fedbenchtest.SameJSON(t, a.Body, want) {
		t.Errorf("HTTP %d: %s\nwant %s", a.Status, a.Body, want)
	}
}

func TestReviewBody(t *testing.T) {
	url := serve(t)
	a := fedbenchtest.Post(t, url, fedbenchtest.EntitiesQuery(`... on User { reviews { id body } }`),
		map[string]any{"r": fedbenchtest.Representations(t, `[{"__typename":"User","id":"u1"}]`)})
	want := `{"data":{"_entities":[{"reviews":[
		{"id":"r1","body":"Ada Lovelace on the Oak Table: Love it, five stars!"},
		{"id":"r2","body":"Ada Lovelace on the Walnut Lamp: Too expensive for what it is."},
		{"id":"r3","body":"Ada Lovelace on the Steel Mirror: Could be better built."}]}]}}`
	if a.Status != http.StatusOK || !fedbenchtest.SameJSON(t, a.Body, want) {
		t.Errorf("HTTP %d: %s\nwant %s", a.Status, a.Body, want)
	}
}

// BenchmarkDeepEntities is the reviews subgraph's share of the deep query
// when a gateway asks for it in one call: every user's reviews, their
// products' reviews, those reviews' authors' reviews and products.
func BenchmarkDeepEntities(b *testing.B) {
	url := fedbenchtest.Serve(b, reviews.NewHandler(fedbench.NewData()))
	var reps []string
	for _, u := range fedbench.NewData().Users() {
		reps = append(reps, `{"__typename":"User","id":"`+u.ID+`"}`)
	}
	vars := map[string]any{"r": fedbenchtest.Representations(b, "["+strings.Join(reps, ",")+"]")}
	q := fedbenchtest.EntitiesQuery(`... on User { reviews { id body product { upc reviews { id body author { id username reviews { id body product { upc } } } } } } }`)
	if a := fedbenchtest.Post(b, url, q, vars); a.Status != http.StatusOK || strings.Contains(string(a.Body), `"errors"`) {
		b.Fatalf("HTTP %d: %.300s", a.Status, a.Body)
	}
	b.ResetTimer()
	for b.Loop() {
		fedbenchtest.Post(b, url, q, vars)
	}
}
