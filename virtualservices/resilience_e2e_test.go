package virtualservices_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/weft-gateway/weft/upstreams/resilience"
	"github.com/weft-gateway/weft/virtualservices"
)

// flakyREST fails the first `failures` GETs of each path with a 503, then
// answers; POSTs always fail. It counts the requests per method and path.
type flakyREST struct {
	*httptest.Server
	mu    sync.Mutex
	calls map[string]int
}

func newFlakyREST(t *testing.T, failures int) *flakyREST {
	t.Helper()
	f := &flakyREST{calls: map[string]int{}}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.calls[r.Method+" "+r.URL.Path]++
		n := f.calls[r.Method+" "+r.URL.Path]
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if r.Method != http.MethodGet || n <= failures {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(`{"message":"try again"}`))
			return
		}
		_, _ = w.Write([]byte(`{"id":"` + strings.TrimPrefix(r.URL.Path, "/items/") + `","name":"lamp"}`))
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *flakyREST) count(key string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[key]
}

// resilientUpstream is an Upstream resource named name at url with the
// given resilience block (lines indented by four spaces; empty: none).
func resilientUpstream(name, url, block string) string {
	out := "apiVersion: weft.dev/v1\nkind: Upstream\nmetadata: {name: " + name + "}\nspec:\n  timeout: 2s\n"
	if block != "" {
		out += "  resilience:\n" + block
	}
	return out + "  rest: {baseURL: \"" + url + "\"}\n"
}

const resilienceSDL = `type Query {
  item(id: ID!): Item @rest(upstream: "flaky", path: "/items/{args.id}")
  plain(id: ID!): Item @rest(upstream: "plain", path: "/items/{args.id}")
}
type Mutation {
  save(id: ID!): Item @rest(upstream: "flaky", method: "POST", path: "/items/{args.id}")
}
type Item { id: ID! name: String }
`

// fieldError asserts that r has one error, at the root field path, with
// this code; it returns the error's extensions.
func fieldError(t *testing.T, r *response, path, code string) map[string]any {
	t.Helper()
	if len(r.Errors) != 1 {
		t.Fatalf("want one error at %s, got %s", path, r.raw)
	}
	equalJSON(t, r.Errors[0]["path"], `["`+path+`"]`)
	ext, _ := r.Errors[0]["extensions"].(map[string]any)
	if ext["code"] != code {
		t.Fatalf("extensions %v, want code %s", ext, code)
	}
	return ext
}

// TestResilienceRetriesRecoverAFlakyUpstream runs the gateway over two
// Upstream resources pointing at the same flaky server: the one with a
// resilience block answers, the one without fails, and the server counts
// the calls each made. Writes are not retried.
func TestResilienceRetriesRecoverAFlakyUpstream(t *testing.T) {
	up := newFlakyREST(t, 2)
	dir := writeConfig(t, map[string]string{
		"flaky.yaml": resilientUpstream("flaky", up.URL, "    retries: {attempts: 3, backoff: {initial: 1ms, max: 5ms}}\n    circuitBreaker: {minRequests: 100}\n"),
		"plain.yaml": resilientUpstream("plain", up.URL, ""),
		"api.yaml":   vsYAML(resilienceSDL),
	})
	g := startGateway(t, virtualservices.Config{FS: os.DirFS(dir), Dir: ".", DisplayRoot: dir})

	r := g.query("", `{ item(id: "1") { id name } }`, nil)
	r.noErrors(t)
	equalJSON(t, r.Data, `{"item":{"id":"1","name":"lamp"}}`)
	if n := up.count("GET /items/1"); n != 3 {
		t.Fatalf("server received %d GETs for one field, want 3: two 503s and the answer", n)
	}

	r = g.query("", `{ plain(id: "2") { id } }`, nil)
	fieldError(t, r, "plain", "UPSTREAM_UNAVAILABLE")
	if n := up.count("GET /items/2"); n != 1 {
		t.Fatalf("an upstream without resilience sent %d GETs, want 1", n)
	}

	r = g.query("", `mutation { save(id: "3") { id } }`, nil)
	fieldError(t, r, "save", "UPSTREAM_UNAVAILABLE")
	if n := up.count("POST /items/3"); n != 1 {
		t.Fatalf("server received %d POSTs for one mutation, want 1: writes are not retried", n)
	}
}

// TestResilienceCircuitOpen: once the breaker trips, the field's error says
// why, and the server receives no more calls.
func TestResilienceCircuitOpen(t *testing.T) {
	up := newFlakyREST(t, 1000)
	dir := writeConfig(t, map[string]string{
		"flaky.yaml": resilientUpstream("flaky", up.URL, "    circuitBreaker: {minRequests: 2, failureRatio: 1, openFor: 1m}\n"),
		"plain.yaml": resilientUpstream("plain", up.URL, ""),
		"api.yaml":   vsYAML(resilienceSDL),
	})
	g := startGateway(t, virtualservices.Config{FS: os.DirFS(dir), Dir: ".", DisplayRoot: dir})
	for range 2 {
		ext := fieldError(t, g.query("", `{ item(id: "1") { id } }`, nil), "item", "UPSTREAM_UNAVAILABLE")
		if ext["status"] != float64(503) {
			t.Fatalf("extensions = %v, want the upstream's 503", ext)
		}
	}
	ext := fieldError(t, g.query("", `{ item(id: "1") { id } }`, nil), "item", "UPSTREAM_CIRCUIT_OPEN")
	if ext["reason"] != resilience.ReasonCircuitOpen || ext["upstream"] != "flaky" {
		t.Fatalf("extensions = %v, want reason %q", ext, resilience.ReasonCircuitOpen)
	}
	if n := up.count("GET /items/1"); n != 2 {
		t.Fatalf("server received %d calls, want 2: the third was refused by the open circuit", n)
	}
	// The metrics say so too.
	rec := httptest.NewRecorder()
	g.server.MetricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	for _, want := range []string{
		`weft_upstream_circuit_refused_total{upstream="flaky"} 1`,
		`weft_upstream_attempts_total{upstream="flaky"} 2`,
		`weft_upstream_circuit_state{state="open",upstream="flaky"} 1`,
	} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// TestResilienceConfig: a bad resilience block is a load error at its file
// and line, reported with the kind's own errors; an Upstream whose spec did
// not change keeps its wrapper (and its breaker's state) across reloads,
// and a changed block builds a new one.
func TestResilienceConfig(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"attempts out of range", map[string]string{"a.yaml": resilientUpstream("flaky", "http://127.0.0.1:1", "    retries:\n      attempts: 11\n")},
			[]string{"cfg/a.yaml:8:17: spec.resilience.retries.attempts: 11 is not between 1 and 10"}},
		{"unknown mechanism", map[string]string{"a.yaml": resilientUpstream("flaky", "http://127.0.0.1:1", "    breaker: {openFor: 1s}\n")},
			[]string{`cfg/a.yaml:7:5: spec.resilience.breaker: unknown field "breaker"`}},
		{"hedging without after", map[string]string{"a.yaml": resilientUpstream("flaky", "http://127.0.0.1:1", "    hedging:\n      max: 1\n")},
			[]string{`cfg/a.yaml:8:7: spec.resilience.hedging.after: missing required field "after"`}},
		{"with the kind's errors", map[string]string{"a.yaml": strings.Replace(resilientUpstream("flaky", "http://127.0.0.1:1", "    concurrency: {max: 0}\n"), "timeout: 2s", "timeout: soon", 1)},
			[]string{"cfg/a.yaml:7:24: spec.resilience.concurrency.max: 0 is not a positive number", "cfg/a.yaml:5:12: spec.timeout"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeConfig(t, tt.files)
			loader := &virtualservices.Loader{Kinds: kinds(), Log: zerolog.Nop()}
			_, err := loader.Load(context.Background(), virtualservices.Config{FS: os.DirFS(dir), Dir: ".", DisplayRoot: "cfg"}, nil)
			if err == nil {
				t.Fatal("config loaded; want an error")
			}
			for _, want := range tt.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error:\n%v\nwant it to contain %q", err, want)
				}
			}
		})
	}

	t.Run("reload", func(t *testing.T) {
		block := "    retries: {attempts: 2}\n"
		files := map[string]string{
			"flaky.yaml": resilientUpstream("flaky", "http://127.0.0.1:1", block),
			"plain.yaml": resilientUpstream("plain", "http://127.0.0.1:1", ""),
			"api.yaml":   vsYAML(resilienceSDL),
		}
		dir := writeConfig(t, files)
		loader := &virtualservices.Loader{Kinds: kinds(), Log: zerolog.Nop()}
		cfg := virtualservices.Config{FS: os.DirFS(dir), Dir: ".", DisplayRoot: dir}
		first, err := loader.Load(context.Background(), cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer virtualservices.CloseSnapshot(first)
		if _, ok := first.Upstream("flaky").(*resilience.Upstream); !ok {
			t.Fatalf("upstream flaky is a %T, want it wrapped", first.Upstream("flaky"))
		}
		if _, ok := first.Upstream("plain").(*resilience.Upstream); ok {
			t.Fatal("an upstream without a resilience block was wrapped")
		}
		same, err := loader.Load(context.Background(), cfg, first)
		if err != nil {
			t.Fatal(err)
		}
		if same.Upstream("flaky") != first.Upstream("flaky") {
			t.Fatal("an unchanged upstream was rebuilt")
		}
		files["flaky.yaml"] = resilientUpstream("flaky", "http://127.0.0.1:1", "    retries: {attempts: 3}\n")
		dir2 := writeConfig(t, files)
		changed, err := loader.Load(context.Background(), virtualservices.Config{FS: os.DirFS(dir2), Dir: ".", DisplayRoot: dir2}, first)
		if err != nil {
			t.Fatal(err)
		}
		defer changed.Upstream("flaky").Close()
		if changed.Upstream("flaky") == first.Upstream("flaky") {
			t.Fatal("a changed resilience block kept the old upstream")
		}
	})
}

// TestResilienceHedgesGraphQLQueries: a GraphQL query is a read, so it is
// hedged; the server holds the first request it gets and answers the
// second, and counts both. A mutation is sent once.
func TestResilienceHedgesGraphQLQueries(t *testing.T) {
	var calls atomic.Int64
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if calls.Add(1) == 1 {
			select { // the first request is held until the hedge won
			case <-r.Context().Done():
			case <-release:
			}
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if strings.Contains(string(body), "mutation") {
			time.Sleep(50 * time.Millisecond) // ten times hedging.after
			_, _ = w.Write([]byte(`{"data": {"touch": 1}}`))
			return
		}
		_, _ = w.Write([]byte(`{"data": {"price": 9.5}}`))
	}))
	defer srv.Close()
	defer close(release)
	ups := `apiVersion: weft.dev/v1
kind: Upstream
metadata: {name: pricing}
spec:
  resilience: {hedging: {after: 5ms, max: 1}}
  graphql: {url: "` + srv.URL + `", schema: {inline: "type Query { price: Float } type Mutation { touch: Int }"}}
`
	sdl := "type Query { price: Float @graphql(upstream: \"pricing\") }\ntype Mutation { touch: Int @graphql(upstream: \"pricing\") }\n"
	dir := writeConfig(t, map[string]string{"pricing.yaml": ups, "api.yaml": vsYAML(sdl)})
	g := startGateway(t, virtualservices.Config{FS: os.DirFS(dir), Dir: ".", DisplayRoot: dir})
	r := g.query("", `{ price }`, nil)
	r.noErrors(t)
	equalJSON(t, r.Data, `{"price": 9.5}`)
	if n := calls.Load(); n != 2 {
		t.Fatalf("server received %d calls, want 2: the query and its hedge", n)
	}
	// A mutation is not hedged, though it is slow to come.
	r = g.query("", `mutation { touch }`, nil)
	r.noErrors(t)
	if n := calls.Load(); n != 3 {
		t.Fatalf("server received %d calls after the mutation, want 3", n)
	}
}
