package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func run(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	root := newRoot(&out, &errb)
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	code = 0
	if err != nil {
		code = 1
		var ee *exitError
		if errors.As(err, &ee) {
			code = ee.code
		} else {
			errb.WriteString(err.Error())
		}
	}
	return out.String(), errb.String(), code
}

func TestValidateDemo(t *testing.T) {
	out, errs, code := run(t, "validate")
	if code != 0 || !strings.Contains(out, "config is valid") {
		t.Fatalf("validate of the demo: code %d\n%s%s", code, out, errs)
	}
	// The demo's folder on disk is the same config.
	out, errs, code = run(t, "validate", "--config", "../../internal/demo/config")
	if code != 0 {
		t.Fatalf("validate --config internal/demo/config: code %d\n%s%s", code, out, errs)
	}
}

func TestValidateReportsEveryError(t *testing.T) {
	dir := t.TempDir()
	cfg := `apiVersion: weft.dev/v1
kind: Upstream
metadata: {name: reviews}
spec:
  rest: {baseURL: "http://127.0.0.1:1"}
  retries: 3
---
apiVersion: weft.dev/v1
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
	sdl := "type Query {\n  a: String @rest(upstream: \"nope\", path: \"/a\")\n  b: String\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "weft.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "api.graphql"), []byte(sdl), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, code := run(t, "validate", "--config", dir)
	if code != 1 {
		t.Fatalf("exit code %d, want 1\n%s", code, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		t.Fatalf("want 3 errors, one per line:\n%s", out)
	}
	for _, want := range []string{
		filepath.Join(dir, "api.graphql") + ":2:",
		filepath.Join(dir, "api.graphql") + ":3:",
		filepath.Join(dir, "weft.yaml") + ":6:",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestPlanCommand(t *testing.T) {
	out, errs, code := run(t, "plan", "--query", `{ products { name reviews { rating } } }`)
	if code != 0 {
		t.Fatalf("code %d: %s", code, errs)
	}
	for _, want := range []string{"Fetch #0 catalog (graphql)", "query{products{name upc}}", "Fetch #1 reviews (rest) at products[]", "GET /products/{parent.upc}/reviews"} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
	out, _, code = run(t, "plan", "--host", "mobile.localhost", "--json", "--query", `{ products { rating { count } } }`)
	if code != 0 || !strings.Contains(out, `"request":"GET /products/{parent.upc}/reviews/summary"`) {
		t.Fatalf("mobile plan (code %d): %s", code, out)
	}
	_, errs, code = run(t, "plan", "--query", `{ nope }`)
	if code != 1 || !strings.Contains(errs, `Cannot query field "nope"`) {
		t.Fatalf("invalid query: code %d, %s", code, errs)
	}
}

// TestServe runs `weft serve` on a free port, queries it, and stops it by
// cancelling its context, as SIGTERM does.
func TestServe(t *testing.T) {
	dir := t.TempDir()
	cfg := `apiVersion: weft.dev/v1
kind: Upstream
metadata: {name: echo}
spec:
  rest: {baseURL: "http://127.0.0.1:1"}
---
apiVersion: weft.dev/v1
kind: VirtualService
metadata: {name: api}
spec:
  virtualHost:
    domains: ["*"]
    routes:
      - matchers: [{exact: /ping}]
        directResponse: {status: 200, body: pong}
      - matchers: [{prefix: /graphql}]
        graphql:
          schema:
            inline: "type Query { x: String @rest(upstream: \"echo\", path: \"/x\") }"
`
	if err := os.WriteFile(filepath.Join(dir, "weft.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		root := newRoot(pw, io.Discard)
		root.SetArgs([]string{"serve", "--config", dir, "--listen", "127.0.0.1:0"})
		done <- root.ExecuteContext(ctx)
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	var base string
	for sc.Scan() {
		if addr, ok := strings.CutPrefix(sc.Text(), "Weft is listening on "); ok {
			base = addr
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if base == "" {
		t.Fatal("serve printed no address")
	}
	resp, err := http.Get(base + "/ping")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "pong" {
		t.Fatalf("GET /ping = %q", body)
	}
	resp, err = http.Post(base+"/graphql", "application/json", strings.NewReader(`{"query":"{ x }"}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"UPSTREAM_UNAVAILABLE"`) {
		t.Fatalf("query against a dead upstream: %s", body)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop")
	}
}
