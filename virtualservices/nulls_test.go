package virtualservices_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/weft-gateway/weft/virtualservices"
)

// faultyREST answers each path with a fixed body, including broken ones.
func faultyREST(t *testing.T) *httptest.Server {
	t.Helper()
	bodies := map[string]struct {
		status int
		body   string
	}{
		"/item":    {200, `{"name":"a","rating":1}`},
		"/items":   {200, `[{"name":"a","rating":1},{"name":"b","rating":null}]`},
		"/garbage": {200, `{not json`},
		"/wrong":   {200, `{"name":"x","rating":"abc"}`},
		"/big":     {200, `{"name":"x","rating":3000000000}`},
		"/500":     {500, `<html>oops</html>`},
		"/empty":   {204, ``},
		"/odd":     {200, `{"name":"ctl\u0001 quote\" emoji\ud83d\ude00 <tag>","rating":1}`},
	}
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, ok := bodies[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(b.status)
		_, _ = w.Write([]byte(b.body))
	}))
	t.Cleanup(s.Close)
	return s
}

// faultyGraphQL answers every operation with partial data and an error.
func faultyGraphQL(t *testing.T) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"data":{"a":{"name":null,"size":2}},"errors":[{"message":"name service down","path":["a","name"],"extensions":{"code":"INTERNAL"}}]}`))
	}))
	t.Cleanup(s.Close)
	return s
}

func nullsGateway(t *testing.T) *gateway {
	rest, gql := faultyREST(t), faultyGraphQL(t)
	dir := writeConfig(t, map[string]string{
		"up.yaml": `apiVersion: weft.dev/v1
kind: Upstream
metadata: {name: fake}
spec:
  rest: {baseURL: "` + rest.URL + `"}
---
apiVersion: weft.dev/v1
kind: Upstream
metadata: {name: g}
spec:
  graphql:
    url: "` + gql.URL + `"
    schema:
      inline: "type Query { thing: Thing } type Thing { name: String size: Int }"
`,
		"vs.yaml": vsYAML(`type Query {
  item: Item @rest(upstream: "fake", path: "/item")
  items: [Item!] @rest(upstream: "fake", path: "/items")
  nullableItems: [Item] @rest(upstream: "fake", path: "/items")
  strictWrong: Item! @rest(upstream: "fake", path: "/wrong")
  wrong: Item @rest(upstream: "fake", path: "/wrong")
  big: Item @rest(upstream: "fake", path: "/big")
  badJSON: Item @rest(upstream: "fake", path: "/garbage")
  status500: Item @rest(upstream: "fake", path: "/500")
  empty: Item @rest(upstream: "fake", path: "/empty")
  odd: Item @rest(upstream: "fake", path: "/odd")
  name: String @rest(upstream: "fake", path: "/item", result: "name")
  names: [String!] @rest(upstream: "fake", path: "/items", result: "[].name")
  thing: Thing @graphql(upstream: "g")
}
type Item { name: String! rating: Int! }
type Thing { name: String! size: Int }
`),
	})
	return startGateway(t, virtualservices.Config{FS: os.DirFS(dir), Dir: ".", DisplayRoot: dir})
}

func TestNullPropagation(t *testing.T) {
	g := nullsGateway(t)
	r := g.query("", `{ item { name rating } items { name rating } nullableItems { name rating } name names }`, nil)
	equalJSON(t, r.Data, `{"item":{"name":"a","rating":1},"items":null,"nullableItems":[{"name":"a","rating":1},null],"name":"a","names":["a","b"]}`)
	if len(r.Errors) != 2 {
		t.Fatalf("want 2 errors, got %s", r.raw)
	}
	equalJSON(t, r.Errors[0]["path"], `["items",1,"rating"]`)
	equalJSON(t, r.Errors[1]["path"], `["nullableItems",1,"rating"]`)
	if r.Errors[0]["message"] != "Cannot return null for non-nullable field Item.rating." {
		t.Errorf("message = %v", r.Errors[0]["message"])
	}

	// A non-null root field that fails nulls the whole data.
	r = g.query("", `{ item { name } strictWrong { rating } }`, nil)
	if r.Data != nil {
		t.Fatalf("data should be null: %s", r.raw)
	}
	equalJSON(t, r.Errors[0]["path"], `["strictWrong","rating"]`)
	equalJSON(t, r.Errors[0]["extensions"], `{"code":"UPSTREAM_BAD_RESPONSE","upstream":"fake"}`)
}

func TestBadUpstreamAnswers(t *testing.T) {
	g := nullsGateway(t)
	tests := []struct {
		query, path, code, msg string
	}{
		{`{ wrong { name rating } }`, `["wrong","rating"]`, "UPSTREAM_BAD_RESPONSE", `Int cannot represent value "abc"`},
		{`{ big { rating } }`, `["big","rating"]`, "UPSTREAM_BAD_RESPONSE", "Int cannot represent non 32-bit signed integer value 3000000000"},
		// The upstream exposes no errors: the stable message of the code.
		{`{ badJSON { name } }`, `["badJSON"]`, "UPSTREAM_BAD_RESPONSE", "upstream fake gave an answer that cannot be read"},
		{`{ status500 { name } }`, `["status500"]`, "UPSTREAM_ERROR", "upstream fake failed"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			r := g.query("", tt.query, nil)
			if len(r.Errors) != 1 {
				t.Fatalf("want one error: %s", r.raw)
			}
			e := r.Errors[0]
			equalJSON(t, e["path"], tt.path)
			ext := e["extensions"].(map[string]any)
			if ext["code"] != tt.code || ext["upstream"] != "fake" || e["message"] != tt.msg {
				t.Fatalf("error = %v", e)
			}
		})
	}
	r := g.query("", `{ empty { name } }`, nil)
	r.noErrors(t)
	equalJSON(t, r.Data, `{"empty":null}`)
	// Control characters, quotes and astral characters come out as valid
	// JSON that decodes to the upstream's string.
	r = g.query("", `{ odd { name } }`, nil)
	r.noErrors(t)
	equalJSON(t, r.Data, `{"odd":{"name":"ctl\u0001 quote\" emoji😀 <tag>"}}`)
}

func TestUpstreamGraphQLErrors(t *testing.T) {
	g := nullsGateway(t)
	r := g.query("", `{ a: thing { name size } }`, nil, "X-Request-Id", "req-a")
	// name is non-null: a becomes null; the upstream's error explains it,
	// with the path rewritten into the client's response, and no second
	// error is added. The upstream exposes no errors: its code stays, its
	// message is the stable one.
	equalJSON(t, r.Data, `{"a":null}`)
	if len(r.Errors) != 1 {
		t.Fatalf("want one error: %s", r.raw)
	}
	equalJSON(t, r.Errors[0]["path"], `["a","name"]`)
	equalJSON(t, r.Errors[0]["extensions"], `{"code":"INTERNAL","upstream":"g","requestId":"req-a"}`)
	if r.Errors[0]["message"] != "upstream g failed" {
		t.Fatalf("error = %v", r.Errors[0])
	}
}
