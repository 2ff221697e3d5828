package virtualservices_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/weft-gateway/weft/internal/redistest"
	"github.com/weft-gateway/weft/resolvers/redisstale"
	"github.com/weft-gateway/weft/virtualservices"
)

// replica is one gateway process of several: its own Loader (and so its
// own in-memory stale values) over the shared store.
func replica(t *testing.T, cfg virtualservices.Config, store *redisstale.Store) *gateway {
	t.Helper()
	loader := &virtualservices.Loader{Kinds: kinds(), Log: zerolog.Nop(), SharedStale: store}
	snap, err := loader.Load(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := virtualservices.NewServer(zerolog.Nop())
	srv.Swap(snap)
	if err := srv.RegisterMetrics(redisstale.NewCollector(store)); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { hs.Close(); srv.Close() })
	return &gateway{t: t, server: srv, http: hs}
}

// TestStaleValuesSharedByReplicas: a replica that never saw a good answer
// serves the one another replica saw, through Redis; with Redis down, the
// replica answers at once with what it holds itself (here: the static
// value), not after a wait.
func TestStaleValuesSharedByReplicas(t *testing.T) {
	redis := redistest.Start(t)
	catalog, reviews, backup := newFlaky(t, "primary"), newFlaky(t, "primary"), newFlaky(t, "replica")
	backup.set("down")
	dir := writeConfig(t, map[string]string{
		"api.graphql":    fallbackSDL,
		"upstreams.yaml": fallbackUpstreams(catalog.srv.URL, reviews.srv.URL, backup.srv.URL),
		"vs.yaml":        fallbackVS,
	})
	cfg := virtualservices.Config{FS: os.DirFS(dir), Dir: ".", DisplayRoot: dir, OSDir: dir}
	stores := make([]*redisstale.Store, 2)
	for i := range stores {
		s, err := redisstale.New(redisstale.Options{URL: redis.URL()}, zerolog.Nop())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		stores[i] = s
	}
	a, b := replica(t, cfg, stores[0]), replica(t, cfg, stores[1])
	const q = `{ products { upc reviews { body } stock { quantity } } }`

	a.query("", q, nil).noErrors(t)
	// The values reach Redis from a queue: wait until they are there.
	deadline := time.Now().Add(5 * time.Second)
	for stores[0].Stats().Saved < 4 {
		if time.Now().After(deadline) {
			t.Fatalf("values not written to Redis: %+v", stores[0].Stats())
		}
		time.Sleep(5 * time.Millisecond)
	}

	reviews.set("down")
	r := b.query("", q, nil)
	r.noErrors(t)
	equalJSON(t, r.Data, `{"products": [
		{"upc": "1", "reviews": [{"body": "primary review of 1"}], "stock": {"quantity": 10}},
		{"upc": "2", "reviews": [{"body": "primary review of 2"}], "stock": {"quantity": 10}}]}`)
	notes, _ := r.Extensions["fallbacks"].([]any)
	if len(notes) != 4 {
		t.Fatalf("want 4 stale fallbacks on the replica that never saw the values: %s", r.raw)
	}
	for _, n := range notes {
		if m := n.(map[string]any); m["fallback"] != "stale" {
			t.Errorf("note %v: want stale", m)
		}
	}
	if st := stores[1].Stats(); st.Hits != 4 {
		t.Errorf("replica b's store: %+v, want 4 hits", st)
	}
	// The store's counters are on the replica's /metrics.
	rec := httptest.NewRecorder()
	b.server.MetricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if !strings.Contains(rec.Body.String(), `weft_stale_shared_hits_total{store="redis"} 4`) {
		t.Errorf("metrics lack the store's hits:\n%s", rec.Body.String())
	}

	// Redis hangs: the third replica gets no values from it, and answers
	// within the store's wait, with the static value and errors.
	redis.Pause()
	defer redis.Resume()
	c := replica(t, cfg, stores[1])
	start := time.Now()
	r = c.query("", q, nil)
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("with Redis hung the request took %v", took)
	}
	equalJSON(t, r.Data, `{"products": [
		{"upc": "1", "reviews": [], "stock": null},
		{"upc": "2", "reviews": [], "stock": null}]}`)
}
