package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
