package virtualservices_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/weft-gateway/weft/internal/demo"
	"github.com/weft-gateway/weft/virtualservices"
)

const reloadVS = `apiVersion: weft.dev/v1
kind: VirtualService
metadata: {name: api}
spec:
  virtualHost:
    domains: ["*"]
    routes:
      - matchers: [{prefix: /graphql}]
        graphql:
          schema: {file: api.graphql}
`

func TestHotReload(t *testing.T) {
	dir := writeConfig(t, map[string]string{
		"upstreams.yaml": upstreamsYAML,
		"api.yaml":       reloadVS,
		"api.graphql":    "type Query { products: [Product!]! @graphql(upstream: \"catalog\") }\ntype Product { upc: ID! name: String! }\n",
	})
	ups, err := demo.Start(context.Background(), zerolog.Nop(), demo.Loopback(0))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ups.Close() })
	logs := &logBuffer{}
	log := zerolog.New(logs)
	srv := virtualservices.NewServer(log)
	defer srv.Close()
	reloads := make(chan error, 10)
	rl := &virtualservices.Reloader{
		Loader: &virtualservices.Loader{Kinds: kinds(), Log: log}, Server: srv,
		Config: virtualservices.Config{FS: os.DirFS(dir), Dir: ".", DisplayRoot: dir, Env: ups.Env(nil)},
		Dir:    dir, Debounce: 50 * time.Millisecond, Log: log,
		OnReload: func(err error) { reloads <- err },
	}
	if err := rl.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	<-reloads
	ctx, cancel := context.WithCancel(context.Background())
	watched := make(chan struct{})
	go func() { defer close(watched); _ = rl.Watch(ctx) }()
	defer func() { cancel(); <-watched }()
	hs := httptest.NewServer(srv)
	defer hs.Close()
	g := &gateway{t: t, server: srv, http: hs, logs: logs}
	time.Sleep(100 * time.Millisecond) // let the watcher start

	if r := g.query("", `{ products { price } }`, nil); len(r.Errors) == 0 {
		t.Fatalf("price served before it is in the schema: %s", r.raw)
	}
	first := srv.Snapshot()

	// A good edit: the new field is served.
	write(t, filepath.Join(dir, "api.graphql"), "type Query { products: [Product!]! @graphql(upstream: \"catalog\") }\ntype Product { upc: ID! name: String! price: Int! }\n")
	if err := waitReload(t, reloads); err != nil {
		t.Fatalf("good edit rejected: %v", err)
	}
	r := g.query("", `{ products { price } }`, nil)
	r.noErrors(t)
	if srv.Snapshot() == first || srv.Snapshot().Version == first.Version {
		t.Fatal("snapshot not swapped, or its version did not change with the SDL file")
	}
	if srv.Snapshot().Upstream("catalog") != first.Upstream("catalog") {
		t.Error("an unchanged upstream was rebuilt instead of reused")
	}

	// A bad edit: logged with file and line, the previous config keeps serving.
	write(t, filepath.Join(dir, "api.graphql"), "type Query { products: [Product!]! @graphql(upstream: \"catalog\") }\ntype Product { upc: ID! name: String! price: Int! sku: String }\n")
	err = waitReload(t, reloads)
	if err == nil || !strings.Contains(err.Error(), "api.graphql:2:") || !strings.Contains(err.Error(), `no field "sku"`) {
		t.Fatalf("bad edit: err = %v", err)
	}
	g.query("", `{ products { price } }`, nil).noErrors(t)
	if !strings.Contains(logs.String(), "still serving the previous config") {
		t.Errorf("bad reload not logged: %s", logs.String())
	}
}

func waitReload(t *testing.T, reloads chan error) error {
	t.Helper()
	select {
	case err := <-reloads:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("no reload within 10s of an edit")
		return nil
	}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestInFlightRequestFinishesOnOldSnapshot swaps the config while a request
// waits on its upstream; the request completes with the schema it started on.
func TestInFlightRequestFinishesOnOldSnapshot(t *testing.T) {
	release := make(chan struct{})
	arrived := make(chan struct{}, 1)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-release
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"value": "old"}`))
	}))
	defer slow.Close()
	files := func(field string) map[string]string {
		return map[string]string{
			"up.yaml": "apiVersion: weft.dev/v1\nkind: Upstream\nmetadata: {name: slow}\nspec:\n  rest: {baseURL: \"" + slow.URL + "\"}\n",
			"vs.yaml": vsYAML("type Query { " + field + ": String @rest(upstream: \"slow\", path: \"/v\", result: \"value\") }"),
		}
	}
	dir := writeConfig(t, files("old"))
	g := startGateway(t, virtualservices.Config{FS: os.DirFS(dir), Dir: ".", DisplayRoot: dir})

	done := make(chan *response, 1)
	go func() { done <- g.query("", `{ old }`, nil) }()
	<-arrived

	dir2 := writeConfig(t, files("renamed"))
	loader := &virtualservices.Loader{Kinds: kinds(), Log: zerolog.Nop()}
	next, err := loader.Load(context.Background(), virtualservices.Config{FS: os.DirFS(dir2), Dir: ".", DisplayRoot: dir2}, g.server.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	g.server.Swap(next)
	close(release)
	r := <-done
	r.noErrors(t)
	equalJSON(t, r.Data, `{"old":"old"}`)
	if r := g.query("", `{ old }`, nil); len(r.Errors) == 0 {
		t.Fatalf("old schema still served after the swap: %s", r.raw)
	}
}
