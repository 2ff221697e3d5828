package virtualservices_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/weft-gateway/weft/virtualservices"
)

// host is one of an upstream's hosts: it answers items (or fails them
// with 500 when failing), its health check says healthy unless sick, and
// it counts the item calls it gets.
type host struct {
	srv           *httptest.Server
	sick, failing atomic.Bool
	calls         atomic.Int64
}

func newHost(t *testing.T, name string) *host {
	h := &host{}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" {
			if h.sick.Load() {
				w.WriteHeader(http.StatusServiceUnavailable)
			}
			return
		}
		h.calls.Add(1)
		if h.failing.Load() {
			http.Error(w, "boom", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id": %q, "name": %q}`, strings.TrimPrefix(r.URL.Path, "/items/"), name)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

// metricsText scrapes the gateway's /metrics.
func metricsText(g *gateway) string {
	rec := httptest.NewRecorder()
	g.server.MetricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	return rec.Body.String()
}

// TestHostsHealthChecksAndEjection: an upstream over three hosts stops
// calling the one its health checks find sick and the one whose calls
// fail, counted by the calls each host receives, and says so on /metrics.
func TestHostsHealthChecksAndEjection(t *testing.T) {
	a, b, c := newHost(t, "a"), newHost(t, "b"), newHost(t, "c")
	b.sick.Store(true)
	c.failing.Store(true)
	ups := fmt.Sprintf(`apiVersion: weft.dev/v1
kind: Upstream
metadata: {name: items}
spec:
  endpoints: [%q, %q, %q]
  healthCheck: {path: /healthz, interval: 20ms, timeout: 1s, unhealthyThreshold: 1}
  outlierDetection: {consecutiveFailures: 2, baseEjectionTime: 1m, maxEjectionPercent: 100}
  mergeInFlight: false
  rest: {baseURL: "http://items.invalid"}
`, a.srv.URL, b.srv.URL, c.srv.URL)
	sdl := `type Query { item(id: ID!): Item @rest(upstream: "items", path: "/items/{args.id}") @fallback(value: null) }
type Item { id: ID! name: String }
`
	dir := writeConfig(t, map[string]string{"items.yaml": ups, "api.yaml": vsYAML(sdl)})
	g := startGateway(t, virtualservices.Config{FS: os.DirFS(dir), Dir: ".", DisplayRoot: dir})

	// The first probe of each host counts at once: b is out as soon as it
	// was probed.
	bHost := strings.TrimPrefix(b.srv.URL, "http://")
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(metricsText(g), `weft_upstream_host_healthy{host="`+b.srv.URL+`",upstream="items"} 0`) {
		if time.Now().After(deadline) {
			t.Fatalf("host %s not reported unhealthy:\n%s", bHost, metricsText(g))
		}
		time.Sleep(10 * time.Millisecond)
	}
	for i := range 12 {
		g.query("", fmt.Sprintf(`{ item(id: "%d") { id name } }`, i), nil)
	}
	if n := b.calls.Load(); n != 0 {
		t.Errorf("the sick host received %d calls", n)
	}
	// c failed its first two calls, then was ejected.
	if n := c.calls.Load(); n != 2 {
		t.Errorf("the failing host received %d calls, want 2 before its ejection", n)
	}
	if n := a.calls.Load(); n != 10 {
		t.Errorf("the good host received %d calls, want the other 10", n)
	}
	m := metricsText(g)
	for _, want := range []string{
		`weft_upstream_host_ejected{host="` + c.srv.URL + `",upstream="items"} 1`,
		`weft_upstream_host_ejections_total{host="` + c.srv.URL + `",upstream="items"} 1`,
		`weft_upstream_host_calls_total{host="` + a.srv.URL + `",result="success",upstream="items"} 10`,
		`weft_upstream_hosts_usable{upstream="items"} 1`,
		`weft_upstream_hosts_panic{upstream="items"} 0`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	// Every answer after the ejection came from a.
	r := g.query("", `{ item(id: "x") { name } }`, nil)
	r.noErrors(t)
	equalJSON(t, r.Data, `{"item": {"name": "a"}}`)
}

// TestCheckingSendsNoProbes: a config loaded to be checked (weft validate,
// weft plan) builds its upstreams without health checks, so checking a
// config sends nothing to the hosts; served, the same config probes them.
func TestCheckingSendsNoProbes(t *testing.T) {
	var probes atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" {
			probes.Add(1)
		}
	}))
	defer srv.Close()
	ups := `apiVersion: weft.dev/v1
kind: Upstream
metadata: {name: items}
spec:
  endpoints: ["` + srv.URL + `"]
  healthCheck: {path: /healthz, interval: 10ms}
  rest: {baseURL: "http://items.invalid"}
`
	sdl := "type Query { item(id: ID!): Item @rest(upstream: \"items\", path: \"/items/{args.id}\") }\ntype Item { id: ID! }\n"
	dir := writeConfig(t, map[string]string{"items.yaml": ups, "api.yaml": vsYAML(sdl)})
	cfg := virtualservices.Config{FS: os.DirFS(dir), Dir: ".", DisplayRoot: dir}
	for _, checking := range []bool{true, false} {
		probes.Store(0)
		loader := &virtualservices.Loader{Kinds: kinds(), Log: zerolog.Nop(), Checking: checking}
		snap, err := loader.Load(context.Background(), cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		// Ten intervals: a served config has probed by then.
		time.Sleep(100 * time.Millisecond)
		virtualservices.CloseSnapshot(snap)
		switch n := probes.Load(); {
		case checking && n != 0:
			t.Errorf("a checked config sent %d probes", n)
		case !checking && n == 0:
			t.Errorf("a served config sent no probe")
		}
	}
}
