package virtualservices_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/weft-gateway/weft/virtualservices"
)

// valueServer is a REST upstream that answers every call with {"value": v}.
func valueServer(t *testing.T, v string) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"value": v, "other": v + "-other"})
	}))
	t.Cleanup(s.Close)
	return s
}

// greetingServer is a GraphQL upstream that answers every operation with
// {"greeting": "hello"}.
func greetingServer(t *testing.T) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"data": {"greeting": "hello"}}`))
	}))
	t.Cleanup(s.Close)
	return s
}

// reloadWorld is a gateway whose config directory the test edits and
// reloads with a Reloader, as `weft serve` does on a change.
type reloadWorld struct {
	*gateway
	dir      string
	reloader *virtualservices.Reloader
}

func startReloadWorld(t *testing.T, files map[string]string) *reloadWorld {
	t.Helper()
	return startReloadWorldIn(t, writeConfig(t, files), kinds())
}

// edit writes files and reloads; the reload must succeed.
func (w *reloadWorld) edit(t *testing.T, files map[string]string) {
	t.Helper()
	for name, content := range files {
		write(t, filepath.Join(w.dir, name), content)
	}
	if err := w.reloader.Reload(context.Background()); err != nil {
		t.Fatalf("reload: %v", err)
	}
}

// cacheMetrics returns the route's cache counters as /metrics reports
// them; a counter not reported reads as -1.
func cacheMetrics(t *testing.T, srv *virtualservices.Server, route string) map[string]float64 {
	t.Helper()
	rec := httptest.NewRecorder()
	srv.MetricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	out := map[string]float64{}
	for _, name := range []string{"plan_cache_hits", "plan_cache_misses", "query_cache_hits", "query_cache_misses"} {
		re := regexp.MustCompile(`(?m)^weft_` + name + `_total\{route="` + regexp.QuoteMeta(route) + `",virtual_service="api"\} (\S+)$`)
		m := re.FindStringSubmatch(rec.Body.String())
		if m == nil {
			out[name] = -1
			continue
		}
		v, err := strconv.ParseFloat(m[1], 64)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = v
	}
	return out
}

func wantCounts(t *testing.T, when string, got map[string]float64, planHits, planMisses, queryHits, queryMisses float64) {
	t.Helper()
	want := map[string]float64{"plan_cache_hits": planHits, "plan_cache_misses": planMisses, "query_cache_hits": queryHits, "query_cache_misses": queryMisses}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %s = %v, want %v (all: %v)", when, k, got[k], v, got)
		}
	}
}

func valuesUpstream(url string, extra string) string {
	return "apiVersion: weft.dev/v1\nkind: Upstream\nmetadata: {name: values}\nspec:\n" + extra + "  rest: {baseURL: \"" + url + "\"}\n"
}

const valueSDL = `type Query {
  value: String @rest(upstream: "values", path: "/v", result: "value")
  other: String @rest(upstream: "values", path: "/v", result: "other")
}
`

// TestReloadKeepsCaches: a reload that leaves a VirtualService's schema as
// it was keeps its plans and validated documents (the first request of a
// known operation after it is a hit, in any layout), while its executor
// calls the new snapshot's upstreams.
func TestReloadKeepsCaches(t *testing.T) {
	a, b := valueServer(t, "a"), valueServer(t, "b")
	w := startReloadWorld(t, map[string]string{
		"up.yaml":     valuesUpstream(a.URL, ""),
		"vs.yaml":     reloadVS,
		"api.graphql": valueSDL,
	})
	const indented = "query Values {\n  value\n  # and the other\n  other\n}\n"
	const minified = "query Values{value other}"

	r := w.query("", indented, nil)
	r.noErrors(t)
	equalJSON(t, r.Data, `{"value": "a", "other": "a-other"}`)
	wantCounts(t, "first request", cacheMetrics(t, w.server, "api/0"), 0, 1, 0, 1)
	before := w.server.Snapshot()

	// The upstream moves to another address: it is rebuilt, but what its
	// bindings are checked against is unchanged, and so is the schema.
	w.edit(t, map[string]string{"up.yaml": valuesUpstream(b.URL, "  timeout: 5s\n")})
	after := w.server.Snapshot()
	if after == before || after.Version == before.Version {
		t.Fatal("the reload did not swap in a new snapshot")
	}
	if after.Upstream("values") == before.Upstream("values") {
		t.Fatal("the edited upstream was not rebuilt")
	}
	if after.API("api").Schema != before.API("api").Schema {
		t.Error("the schema was rebuilt though nothing it is built from changed")
	}
	r = w.query("", minified, nil)
	r.noErrors(t)
	equalJSON(t, r.Data, `{"value": "b", "other": "b-other"}`)
	wantCounts(t, "first request after the reload", cacheMetrics(t, w.server, "api/0"), 1, 1, 1, 1)

	// Limits that plans are not checked against keep the caches too.
	w.edit(t, map[string]string{"vs.yaml": strings.Replace(reloadVS, "schema: {file: api.graphql}", "schema: {file: api.graphql}\n          timeout: 10s\n          limits: {maxAliases: 5}", 1)})
	w.query("", indented, nil).noErrors(t)
	wantCounts(t, "after a timeout change", cacheMetrics(t, w.server, "api/0"), 2, 1, 2, 1)
}

// TestReloadDropsStaleCaches: a reload that changes the schema, or the
// schema of an upstream a binding is checked against, or a limit that
// documents and plans are checked against, plans and validates anew:
// no document or plan of the old schema is used.
func TestReloadDropsStaleCaches(t *testing.T) {
	values := valueServer(t, "a")
	greeter := greetingServer(t)
	graphqlUp := func(sdl string) string {
		return "apiVersion: weft.dev/v1\nkind: Upstream\nmetadata: {name: greeter}\nspec:\n  graphql:\n    url: \"" + greeter.URL + "\"\n    schema:\n      inline: |\n        " + sdl + "\n"
	}
	sdl := valueSDL + "extend type Query { greeting: String @graphql(upstream: \"greeter\") }\n"
	w := startReloadWorld(t, map[string]string{
		"up.yaml":      valuesUpstream(values.URL, ""),
		"greeter.yaml": graphqlUp("type Query { greeting: String }"),
		"vs.yaml":      reloadVS,
		"api.graphql":  sdl,
	})
	const op = "{ value other greeting }"
	w.query("", op, nil).noErrors(t)
	w.query("", op, nil).noErrors(t)
	wantCounts(t, "before", cacheMetrics(t, w.server, "api/0"), 1, 1, 1, 1)

	steps := []struct {
		name  string
		files map[string]string
	}{
		{"an upstream's schema changes", map[string]string{"greeter.yaml": graphqlUp("type Query { greeting: String farewell: String }")}},
		{"a limit plans are checked against changes", map[string]string{"vs.yaml": strings.Replace(reloadVS, "schema: {file: api.graphql}", "schema: {file: api.graphql}\n          limits: {maxDepth: 10}", 1)}},
		{"the schema changes", map[string]string{"api.graphql": strings.Replace(sdl, "  other: String", "  other: Int", 1)}},
	}
	for _, step := range steps {
		prev := w.server.Snapshot().API("api")
		w.edit(t, step.files)
		api := w.server.Snapshot().API("api")
		if api.Executable.Plans() == prev.Executable.Plans() {
			t.Errorf("%s: the plan cache was kept", step.name)
		}
		r := w.query("", op, nil)
		if step.name == "the schema changes" {
			// "other" is an Int now: the value "a-other" is no Int, which
			// only a plan of the new schema knows.
			if len(r.Errors) == 0 || !strings.Contains(r.raw, `"other":null`) {
				t.Errorf("%s: served as before: %s", step.name, r.raw)
			}
		} else {
			r.noErrors(t)
		}
		wantCounts(t, step.name, cacheMetrics(t, w.server, "api/0"), 0, 1, 0, 1)
	}

	// A field the schema no longer has is refused, though a document that
	// selects it was cached before.
	w.query("", "{ value }", nil).noErrors(t)
	w.edit(t, map[string]string{"api.graphql": strings.Replace(sdl, "  value: String", "  renamed: String", 1)})
	r := w.query("", "{ value }", nil)
	if len(r.Errors) == 0 || !strings.Contains(fmt.Sprint(r.Errors[0]["message"]), `Cannot query field "value"`) {
		t.Errorf("a field removed by the reload: %s", r.raw)
	}
}

// TestCacheSizes: the caches' sizes come from the route's config.
func TestCacheSizes(t *testing.T) {
	values := valueServer(t, "a")
	vs := strings.Replace(reloadVS, "schema: {file: api.graphql}", "schema: {file: api.graphql}\n          caches: {plans: 1, documents: 1, persistedQueries: 1}", 1)
	w := startReloadWorld(t, map[string]string{
		"up.yaml":     valuesUpstream(values.URL, ""),
		"vs.yaml":     vs,
		"api.graphql": valueSDL,
	})
	for _, q := range []string{"{ value }", "{ other }", "{ value }"} {
		w.query("", q, nil).noErrors(t)
	}
	// One entry each: the third request missed again.
	wantCounts(t, "size 1", cacheMetrics(t, w.server, "api/0"), 0, 3, 0, 3)
	if n := w.server.Snapshot().API("api").Executable.Plans().Len(); n != 1 {
		t.Errorf("%d plans cached, want 1", n)
	}
}

// TestErrorLocationsFollowTheTextSent: two layouts of one operation share
// its plan, and each gets error locations in its own text.
func TestErrorLocationsFollowTheTextSent(t *testing.T) {
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	defer failing.Close()
	w := startReloadWorld(t, map[string]string{
		"up.yaml":     valuesUpstream(failing.URL, ""),
		"vs.yaml":     reloadVS,
		"api.graphql": valueSDL,
	})
	for _, tt := range []struct {
		query string
		line  float64
		col   float64
	}{
		{"{ value }", 1, 3},
		{"# the same operation\n{\n    value\n}", 3, 5},
		{"{value}", 1, 2},
	} {
		r := w.query("", tt.query, nil)
		if len(r.Errors) != 1 {
			t.Fatalf("%q: want one error: %s", tt.query, r.raw)
		}
		locs, _ := r.Errors[0]["locations"].([]any)
		want := []any{map[string]any{"line": tt.line, "column": tt.col}}
		if fmt.Sprint(locs) != fmt.Sprint(want) {
			t.Errorf("%q: locations %v, want %v", tt.query, locs, want)
		}
	}
	wantCounts(t, "three layouts", cacheMetrics(t, w.server, "api/0"), 2, 1, 2, 1)
}
