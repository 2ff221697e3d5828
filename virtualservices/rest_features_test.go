package virtualservices_test

import (
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/weft-gateway/weft/virtualservices"
)

// restEcho describes each request it gets, and answers a few fixed shapes.
func restEcho(t *testing.T) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/text":
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			_, _ = io.WriteString(w, "plain words")
		case "/number-as-text":
			w.Header().Set("Content-Type", "text/plain")
			_, _ = io.WriteString(w, "42")
		case "/busy":
			w.Header().Set("Retry-After", "7")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = io.WriteString(w, `{"message":"slow down, quota is 10/s","trace":"internal-xyz"}`)
		case "/pet":
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"pet-type":"cat","owner_id":"o1","name":"Tom"}`)
		default:
			body, _ := io.ReadAll(r.Body)
			mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
			if mt == "multipart/form-data" {
				mr := multipart.NewReader(strings.NewReader(string(body)), params["boundary"])
				var parts []string
				for {
					p, err := mr.NextPart()
					if err != nil {
						break
					}
					v, _ := io.ReadAll(p)
					parts = append(parts, p.FormName()+"="+string(v))
				}
				body = []byte(strings.Join(parts, "&"))
			}
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]string{
				"method": r.Method, "contentType": mt, "body": string(body), "cookie": r.Header.Get("Cookie"),
			})
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func restFeaturesGateway(t *testing.T, exposeErrors bool) *gateway {
	up := restEcho(t)
	extra := ""
	if exposeErrors {
		extra = "  exposeErrors: true\n"
	}
	dir := writeConfig(t, map[string]string{
		"up.yaml": "apiVersion: weft.dev/v1\nkind: Upstream\nmetadata: {name: api}\nspec:\n" + extra + "  rest: {baseURL: \"" + up.URL + "\"}\n",
		"vs.yaml": vsYAML(`type Query {
  text: String @rest(upstream: "api", path: "/text")
  numberAsText: Int @rest(upstream: "api", path: "/number-as-text")
  busy: String @rest(upstream: "api", path: "/busy")
  pet: Pet @rest(upstream: "api", path: "/pet")
  cookies(session: String, theme: String): Echo @rest(upstream: "api", path: "/echo", cookies: ["session: {args.session}", "theme: {args.theme}"])
}
type Mutation {
  form(name: String!, tags: [String!]): Echo @rest(upstream: "api", method: "POST", path: "/echo", contentType: "application/x-www-form-urlencoded", body: {name: "{args.name}", tags: "{args.tags}", skip: null})
  multi(name: String!): Echo @rest(upstream: "api", method: "POST", path: "/echo", contentType: "multipart/form-data", body: {name: "{args.name}", n: 2})
  jsonText(input: PetInput!): Echo @rest(upstream: "api", method: "PUT", path: "/echo", body: """{"pet-type": "{args.input.petType}", "age": "{args.input.age}"}""")
}
input PetInput { petType: String! age: Int }
type Echo { method: String contentType: String body: String cookie: String }
type Pet {
  petType: String @from(key: "pet-type")
  ownerId: ID @from(key: "owner_id")
  name: String
  owner: Echo @rest(upstream: "api", path: "/owners/{parent.ownerId}")
}
`),
	})
	return startGateway(t, virtualservices.Config{FS: os.DirFS(dir), Dir: ".", DisplayRoot: dir})
}

func TestRESTShapes(t *testing.T) {
	g := restFeaturesGateway(t, false)
	r := g.query("", `{ text numberAsText pet { petType ownerId name owner { method } } cookies(session: "s 1", theme: "dark") { cookie } noTheme: cookies(session: "x") { cookie } }`, nil)
	r.noErrors(t)
	equalJSON(t, r.Data, `{"text":"plain words","numberAsText":42,
		"pet":{"petType":"cat","ownerId":"o1","name":"Tom","owner":{"method":"GET"}},
		"cookies":{"cookie":"session=\"s 1\"; theme=dark"},"noTheme":{"cookie":"session=x"}}`)

	r = g.query("", `mutation { form(name: "a b", tags: ["x", "y"]) { method contentType body } multi(name: "z") { contentType body } jsonText(input: {petType: "dog", age: 3}) { method contentType body } }`, nil)
	r.noErrors(t)
	equalJSON(t, r.Data, `{
		"form":{"method":"POST","contentType":"application/x-www-form-urlencoded","body":"name=a+b&tags=x&tags=y"},
		"multi":{"contentType":"multipart/form-data","body":"name=z&n=2"},
		"jsonText":{"method":"PUT","contentType":"application/json","body":"{\"pet-type\":\"dog\",\"age\":3}"}}`)
}

func TestRESTErrorDetail(t *testing.T) {
	// Hidden by default: the status only, and the request id that finds
	// the log line with the rest.
	g := restFeaturesGateway(t, false)
	r := g.query("", `{ busy }`, nil, "X-Request-Id", "req-busy")
	equalJSON(t, r.Errors[0]["extensions"], `{"code":"UPSTREAM_ERROR","upstream":"api","status":429,"requestId":"req-busy"}`)
	if r.Errors[0]["message"] != "upstream api failed" || strings.Contains(r.raw, "quota") {
		t.Errorf("error %v: want the stable message and nothing of the answer", r.Errors[0])
	}
	// Exposed when the upstream says so: the message, not the whole body.
	g = restFeaturesGateway(t, true)
	r = g.query("", `{ busy }`, nil)
	equalJSON(t, r.Errors[0]["extensions"], `{"code":"UPSTREAM_ERROR","upstream":"api","status":429,"detail":"slow down, quota is 10/s"}`)
}

// TestUpstreamAuthFromConfig configures credentials in YAML, with the secret
// from the environment, against a server that checks them.
func TestUpstreamAuthFromConfig(t *testing.T) {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Query().Get("key") != "s3cret" {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"error":"bad key"}`)
			return
		}
		_, _ = io.WriteString(w, `"hello"`)
	}))
	defer api.Close()
	dir := writeConfig(t, map[string]string{
		"up.yaml": `apiVersion: weft.dev/v1
kind: Upstream
metadata: {name: api}
spec:
  auth:
    apiKey: {in: query, name: key, value: "${API_KEY}"}
  rest: {baseURL: "` + api.URL + `"}
`,
		"vs.yaml": vsYAML(`type Query { hello: String @rest(upstream: "api", path: "/hello") }`),
	})
	env := func(k string) (string, bool) {
		if k == "API_KEY" {
			return "s3cret", true
		}
		return "", false
	}
	g := startGateway(t, virtualservices.Config{FS: os.DirFS(dir), Dir: ".", DisplayRoot: dir, Env: env})
	r := g.query("", `{ hello }`, nil)
	r.noErrors(t)
	equalJSON(t, r.Data, `{"hello":"hello"}`)
}
