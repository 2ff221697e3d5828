package weft_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGoldenHarnessReports runs the harness on a case whose expectations
// are wrong, and whose gateway sends a request the recording lacks: each
// difference must be reported, so that a golden case can fail.
func TestGoldenHarnessReports(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"config/api.yaml": `apiVersion: weft.dev/v1
kind: Upstream
metadata: {name: items}
spec:
  rest: {baseURL: "${UPSTREAM_ITEMS}"}
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
          schema:
            inline: |
              type Query { item(id: ID!): Item @rest(upstream: "items", path: "/items/{args.id}") }
              type Item { name: String! }
`,
		"upstreams/items.yaml": "protocol: rest\nexchanges:\n  - request: GET /items/1\n    response: {body: {name: Table}}\n",
		"query.graphql":        `{ a: item(id: "1") { name } b: item(id: "2") { name } }`,
		"response.json":        `{"data": {"a": {"name": "Chair"}, "b": null}}`,
		"calls.json":           `[{"upstream": "items", "request": "GET /items/1"}]`,
	}
	for name, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	problems := playCase(dir, false)
	all := strings.Join(problems, "\n")
	for _, want := range []string{
		"upstream items got a request its recording does not hold: GET /items/2",
		"the response differs from",
		`"name": "Table"`,
		"the list of upstream calls differs from",
		`"request": "GET /items/2"`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("the report lacks %q:\n%s", want, all)
		}
	}

	// Written by -update, the files hold what the gateway did; the
	// unexpected request is still reported.
	problems = playCase(dir, true)
	if len(problems) != 1 || !strings.Contains(problems[0], "GET /items/2") {
		t.Fatalf("with -update: %q", problems)
	}
	resp, _ := os.ReadFile(filepath.Join(dir, "response.json"))
	if !strings.Contains(string(resp), `"name": "Table"`) || !strings.Contains(string(resp), `"requestId": "golden"`) {
		t.Fatalf("response.json written as:\n%s", resp)
	}
	if problems = playCase(dir, false); len(problems) != 1 {
		t.Fatalf("after -update: %q", problems)
	}
}
