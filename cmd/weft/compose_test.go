package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/weft-gateway/weft/schema/compose"
)

const (
	usersSDL = `extend schema
  @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

type Query {
  me: User
}

type User @key(fields: "id") {
  id: ID!
  name: String
}
`
	reviewsSDL = `extend schema
  @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

type User @key(fields: "id") {
  id: ID!
  reviews: [String]
}
`
	// sharedSDL defines User.name too, without @shareable: it does not
	// compose with usersSDL.
	sharedSDL = `extend schema
  @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

type User @key(fields: "id") {
  id: ID!
  name: String
}
`
)

// subgraphServer is a federation subgraph that answers { _service { sdl } }
// with sdl, and counts the requests that asked for it properly.
func subgraphServer(t *testing.T, sdl string) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var asked atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Query string `json:"query"`
		}
		if r.Method != http.MethodPost || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			http.Error(w, "want a POST of JSON", http.StatusBadRequest)
			return
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || !strings.Contains(req.Query, "_service") || !strings.Contains(req.Query, "sdl") {
			http.Error(w, "want { _service { sdl } }", http.StatusBadRequest)
			return
		}
		if r.Header.Get("Authorization") != "" && r.Header.Get("Authorization") != "Bearer s3cret" {
			http.Error(w, "bad token", http.StatusUnauthorized)
			return
		}
		asked.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{"_service": map[string]any{"sdl": sdl}}})
	}))
	t.Cleanup(srv.Close)
	return srv, &asked
}

// libraryCompose is what the library composes of the same subgraphs.
func libraryCompose(t *testing.T, subgraphs ...compose.Subgraph) *compose.Result {
	t.Helper()
	res, err := compose.Compose(subgraphs)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func loadSupergraph(t *testing.T, sdl string) *ast.Schema {
	t.Helper()
	s, err := gqlparser.LoadSchema(&ast.Source{Name: "supergraph", Input: sdl})
	if err != nil {
		t.Fatalf("the printed supergraph does not load: %v\n%s", err, sdl)
	}
	return s
}

// TestComposeFromServers composes two running subgraphs: each is asked
// for its SDL with a POST of { _service { sdl } }, and its URL is the one
// in join__Graph.
func TestComposeFromServers(t *testing.T) {
	users, usersAsked := subgraphServer(t, usersSDL)
	reviews, reviewsAsked := subgraphServer(t, reviewsSDL)
	r := weft(t, "compose", "users="+users.URL+"/graphql", "reviews="+reviews.URL+"/graphql", "-H", "Authorization: Bearer s3cret")
	if r.code != 0 {
		t.Fatalf("exit %d\nstderr:\n%s", r.code, r.stderr)
	}
	if usersAsked.Load() != 1 || reviewsAsked.Load() != 1 {
		t.Errorf("subgraphs asked %d and %d times, want once each", usersAsked.Load(), reviewsAsked.Load())
	}
	for _, want := range []string{
		fmt.Sprintf(`USERS @join__graph(name: "users", url: "%s/graphql")`, users.URL),
		fmt.Sprintf(`REVIEWS @join__graph(name: "reviews", url: "%s/graphql")`, reviews.URL),
		"reviews: [String] @join__field(graph: REVIEWS)",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the supergraph lacks %q:\n%s", want, r.stdout)
		}
	}
	want := libraryCompose(t,
		compose.Subgraph{Name: "users", URL: users.URL + "/graphql", SDL: usersSDL},
		compose.Subgraph{Name: "reviews", URL: reviews.URL + "/graphql", SDL: reviewsSDL})
	if r.stdout != want.Supergraph {
		t.Errorf("the command printed another supergraph than the library composes:\n%s", r.stdout)
	}
	loadSupergraph(t, r.stdout)
	if r.stderr != "" {
		t.Errorf("stderr is not empty:\n%s", r.stderr)
	}
}

// TestComposeFromFiles composes subgraphs read from files, with their
// URLs from --url, into a file given with -o.
func TestComposeFromFiles(t *testing.T) {
	dir := writeFiles(t, map[string]string{"users.graphql": usersSDL, "reviews.graphql": reviewsSDL})
	out := filepath.Join(dir, "supergraph.graphql")
	r := weft(t, "compose",
		"users="+filepath.Join(dir, "users.graphql"), "--url", "users=http://users.internal/graphql",
		"reviews="+filepath.Join(dir, "reviews.graphql"), "--url", "reviews=http://reviews.internal/graphql",
		"-o", out)
	if r.code != 0 {
		t.Fatalf("exit %d\nstderr:\n%s", r.code, r.stderr)
	}
	if r.stdout != "" {
		t.Errorf("stdout is not empty with -o:\n%s", r.stdout)
	}
	if want := "wrote " + out + ": 2 subgraphs composed\n"; r.stderr != want {
		t.Errorf("stderr %q, want %q", r.stderr, want)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want := libraryCompose(t,
		compose.Subgraph{Name: "users", URL: "http://users.internal/graphql", SDL: usersSDL},
		compose.Subgraph{Name: "reviews", URL: "http://reviews.internal/graphql", SDL: reviewsSDL})
	if string(got) != want.Supergraph {
		t.Errorf("-o wrote another supergraph than the library composes:\n%s", got)
	}
}

// TestComposeURLOverride gives a fetched subgraph another URL in the
// supergraph than the one its SDL was read from.
func TestComposeURLOverride(t *testing.T) {
	users, _ := subgraphServer(t, usersSDL)
	r := weft(t, "compose", "users="+users.URL, "--url", "users=https://users.prod.example/graphql")
	if r.code != 0 {
		t.Fatalf("exit %d\nstderr:\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, `url: "https://users.prod.example/graphql"`) || strings.Contains(r.stdout, users.URL) {
		t.Errorf("join__Graph does not have the --url:\n%s", r.stdout)
	}
}

// TestComposeHintsOnStderr: what composition decides for the user goes to
// stderr, the supergraph alone to stdout.
func TestComposeHintsOnStderr(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"a.graphql": "type Query { list(first: Int, after: String): [Int] }\n",
		"b.graphql": "type Query { list(first: Int): [Int] }\n",
	})
	r := weft(t, "compose", "a="+filepath.Join(dir, "a.graphql"), "--url", "a=http://a", "b="+filepath.Join(dir, "b.graphql"), "--url", "b=http://b")
	if r.code != 0 {
		t.Fatalf("exit %d\nstderr:\n%s", r.code, r.stderr)
	}
	if !strings.HasPrefix(r.stderr, `hint: subgraph "b": Query.list(after:): optional argument`) {
		t.Errorf("stderr lacks the hint:\n%s", r.stderr)
	}
	if !strings.Contains(r.stdout, "list(first: Int): [Int]") {
		t.Errorf("the supergraph keeps the argument one subgraph lacks:\n%s", r.stdout)
	}
}

// TestComposeFailures runs compose into its failure paths: the error is
// printed once on stderr, nothing on stdout, exit status 1.
func TestComposeFailures(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"users.graphql":  usersSDL,
		"shared.graphql": sharedSDL,
		"broken.graphql": "type Query {\n  me: User\n",
	})
	users, _ := subgraphServer(t, usersSDL)
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/errors":
			_, _ = io.WriteString(w, `{"errors":[{"message":"Cannot query field \"_service\" on type \"Query\"."}]}`)
		case "/html":
			_, _ = io.WriteString(w, "<html>not GraphQL</html>")
		case "/500":
			http.Error(w, "upstream exploded", http.StatusInternalServerError)
		case "/null":
			_, _ = io.WriteString(w, `{"data":{"_service":null}}`)
		}
	}))
	t.Cleanup(failing.Close)
	dead := "http://" + deadAddr(t)
	f := func(name string) string { return filepath.Join(dir, name) }
	tests := []struct {
		name  string
		args  []string
		want  []string
		usage bool
	}{
		{"no subgraph", []string{"compose"}, []string{"missing SUBGRAPH=URL_OR_FILE"}, true},
		{"no name", []string{"compose", f("users.graphql")}, []string{`"` + f("users.graphql") + `": want SUBGRAPH=URL_OR_FILE`}, true},
		{"named twice", []string{"compose", "u=" + users.URL, "u=" + users.URL}, []string{`subgraph "u" is named twice`}, true},
		{"file without URL", []string{"compose", "users=" + f("users.graphql")}, []string{
			`subgraph "users" is read from the file ` + f("users.graphql") + `, so the supergraph needs its URL: give it with --url users=URL`}, true},
		{"URL not http", []string{"compose", "users=" + f("users.graphql"), "--url", "users=ftp://x"}, []string{`"ftp://x" is not an http(s) URL`}, true},
		{"URL of no subgraph", []string{"compose", "users=" + users.URL, "--url", "other=http://x"}, []string{`there is no subgraph "other" to compose`}, true},
		{"bad header", []string{"compose", "users=" + users.URL, "-H", "nocolon"}, []string{`--header "nocolon": want NAME: VALUE`}, true},
		{"missing file", []string{"compose", "users=" + f("nope.graphql"), "--url", "users=http://u"}, []string{`subgraph "users": open ` + f("nope.graphql") + ": no such file or directory"}, false},
		{"subgraph answers errors", []string{"compose", "users=" + failing.URL + "/errors"}, []string{
			`subgraph "users": reading its SDL from ` + failing.URL + `/errors: the subgraph answered with errors: Cannot query field "_service" on type "Query".`}, false},
		{"subgraph answers HTML", []string{"compose", "users=" + failing.URL + "/html"}, []string{"the answer is not GraphQL JSON", "<html>not GraphQL</html>"}, false},
		{"subgraph fails", []string{"compose", "users=" + failing.URL + "/500"}, []string{"the subgraph answered HTTP 500 (Internal Server Error): upstream exploded"}, false},
		{"not a subgraph", []string{"compose", "users=" + failing.URL + "/null"}, []string{"the answer has no data._service.sdl: is it a federation subgraph?"}, false},
		{"subgraph down", []string{"compose", "users=" + dead}, []string{`subgraph "users": reading its SDL from ` + dead + ": ", "connection refused"}, false},
		{"does not parse", []string{"compose", "users=" + f("broken.graphql"), "--url", "users=http://u"}, []string{
			"Error: composition failed with 1 error:\n" + f("broken.graphql") + `:3:1: subgraph "users": Expected Name, found <EOF> (INVALID_GRAPHQL)` + "\n"}, false},
		{"does not compose", []string{"compose", "users=" + f("users.graphql"), "--url", "users=http://u", "shared=" + f("shared.graphql"), "--url", "shared=http://s"}, []string{
			"Error: composition failed with 1 error:\n" + f("shared.graphql") + `:6:3: subgraph "shared": User.name: field User.name is resolved by several subgraphs ("shared", "users") but is not @shareable in all of them (INVALID_FIELD_SHARING)` + "\n"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := weft(t, tt.args...)
			if r.code != 1 {
				t.Errorf("exit status %d, want 1", r.code)
			}
			if r.stdout != "" {
				t.Errorf("stdout is not empty:\n%s", r.stdout)
			}
			if n := strings.Count(r.stderr, "Error: "); n != 1 {
				t.Errorf("stderr has %d errors, want 1", n)
			}
			for _, w := range tt.want {
				if n := strings.Count(r.stderr, w); n != 1 {
					t.Errorf("stderr has %q %d times, want once", w, n)
				}
			}
			hint := "Run 'weft compose --help' for usage.\n"
			if tt.usage != strings.HasSuffix(r.stderr, hint) {
				t.Errorf("usage hint: want %t", tt.usage)
			}
			if t.Failed() {
				t.Logf("weft %s\nstderr:\n%s", strings.Join(tt.args, " "), r.stderr)
			}
		})
	}
}
