package virtualservices_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/weft-gateway/weft/virtualservices"
)

// echoREST answers /echo with the request's headers and /slow after a delay.
func echoREST(t *testing.T, delay time.Duration) *httptest.Server {
	t.Helper()
	stop := make(chan struct{})
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/echo":
			h := map[string]string{}
			for k := range r.Header {
				h[strings.ReplaceAll(k, "-", "_")] = r.Header.Get(k)
			}
			_ = json.NewEncoder(w).Encode(map[string]any{"headers": h, "query": r.URL.RawQuery})
		case "/slow":
			select {
			case <-time.After(delay):
			case <-stop:
			case <-r.Context().Done():
			}
			_, _ = w.Write([]byte(`"late"`))
		case "/fast":
			_, _ = w.Write([]byte(`"fast"`))
		}
	}))
	t.Cleanup(func() { close(stop); s.Close() })
	return s
}

func limitsGateway(t *testing.T, graphqlExtra string) *gateway {
	t.Helper()
	up := echoREST(t, 5*time.Second)
	vs := strings.Replace(vsYAML(`type Query {
  echo: Echo @rest(upstream: "echo", path: "/echo?tenant={headers.x-tenant}", headers: ["X-Tenant: {headers.x-tenant}", "X-Version: {vars.version}"])
  slow: String @rest(upstream: "echo", path: "/slow")
  slowShort: String @rest(upstream: "echo", path: "/slow", timeout: "50ms")
  fast: String @rest(upstream: "echo", path: "/fast")
  node: Node @rest(upstream: "echo", path: "/echo")
}
type Echo { query: String headers: Headers }
type Headers { Authorization: String Cookie: String X_Static: String X_Request_Id: String X_Tenant: String X_Version: String }
type Node { a: Node b: Node c: Node leaf: String }
`), "        graphql:\n", "        graphql:\n"+graphqlExtra, 1)
	vs = strings.Replace(vs, "spec:\n  virtualHost:", "spec:\n  vars: {version: \"7\"}\n  virtualHost:", 1)
	dir := writeConfig(t, map[string]string{
		"up.yaml": `apiVersion: weft.dev/v1
kind: Upstream
metadata: {name: echo}
spec:
  headers: {X-Static: "yes"}
  forwardHeaders: [Authorization]
  rest: {baseURL: "` + up.URL + `"}
`,
		"vs.yaml": vs,
	})
	return startGateway(t, virtualservices.Config{FS: os.DirFS(dir), Dir: ".", DisplayRoot: dir})
}

func TestHeaderForwarding(t *testing.T) {
	g := limitsGateway(t, "")
	// Only the allowed client header is forwarded; the upstream's static
	// header, the binding's templated headers and the request id are added.
	r := g.query("", `{ echo { query headers { Authorization Cookie X_Static X_Request_Id X_Tenant X_Version } } }`, nil,
		"Authorization", "Bearer abc", "Cookie", "session=secret", "X-Tenant", "acme corp", "X-Request-Id", "req-42")
	r.noErrors(t)
	equalJSON(t, r.Data, `{"echo":{"query":"tenant=acme+corp","headers":{"Authorization":"Bearer abc","Cookie":null,
		"X_Static":"yes","X_Request_Id":"req-42","X_Tenant":"acme corp","X_Version":"7"}}}`)
}

func TestRequestDeadline(t *testing.T) {
	g := limitsGateway(t, "          timeout: 300ms\n")
	start := time.Now()
	r := g.query("", `{ fast slow slowShort }`, nil)
	took := time.Since(start)
	equalJSON(t, r.Data, `{"fast":"fast","slow":null,"slowShort":null}`)
	if len(r.Errors) != 2 {
		t.Fatalf("want 2 errors: %s", r.raw)
	}
	for _, e := range r.Errors {
		if e["extensions"].(map[string]any)["code"] != "UPSTREAM_TIMEOUT" {
			t.Errorf("error %v, want UPSTREAM_TIMEOUT", e)
		}
	}
	// The request ends at its deadline (300ms), not at the upstream's 5s.
	if took > 2*time.Second {
		t.Errorf("request took %v; its deadline is 300ms", took)
	}
}

func TestRequestLimits(t *testing.T) {
	g := limitsGateway(t, "          limits: {maxDepth: 3, maxAliases: 2, maxBodyBytes: 300, maxComplexity: 10}\n")
	tests := []struct {
		name, query, want string
	}{
		{"depth", `{ node { a { b { leaf } } } }`, "QUERY_TOO_DEEP"},
		{"aliases", `{ a: fast b: fast c: fast }`, "TOO_MANY_ALIASES"},
		{"complexity", `{ node { a { leaf } b { leaf } c { leaf } } n2: node { a { leaf } b { leaf } c { leaf } } }`, "COMPLEXITY_LIMIT_EXCEEDED"},
		{"body", `{ fast ` + strings.Repeat("__typename ", 40) + `}`, "request body too large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := g.query("", tt.query, nil)
			if len(r.Errors) == 0 || !strings.Contains(r.raw, tt.want) {
				t.Fatalf("want %s: %d %s", tt.want, r.status, r.raw)
			}
		})
	}
	g.query("", `{ node { a { leaf } } }`, nil).noErrors(t)
}
