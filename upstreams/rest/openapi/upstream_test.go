package openapi

import (
	"context"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/weft-gateway/weft/internal/resource"
	"github.com/weft-gateway/weft/upstreams"
	"github.com/weft-gateway/weft/upstreams/rest"
)

// buildUpstream loads text as an Upstream resource and builds it with the
// rest kind's builder, the way a config load does.
func buildUpstream(t *testing.T, text string, env map[string]string) error {
	t.Helper()
	docs, err := resource.LoadBytes("upstream.yaml", []byte(text), resource.Options{Env: func(n string) (string, bool) {
		v, ok := env[n]
		return v, ok
	}})
	if err != nil {
		return err
	}
	if len(docs) != 1 || docs[0].Kind != "Upstream" {
		t.Fatalf("documents: %+v", docs)
	}
	up, _, err := rest.Build(context.Background(), &upstreams.Source{Doc: docs[0], Log: zerolog.Nop()})
	if err == nil {
		up.(*rest.Upstream).Close()
	}
	return err
}

// uncomment turns the skeleton's commented headers line i (0-based among
// them) into YAML, with the forwardHeaders line; ok is false when there
// is no such line.
func uncomment(text string, i int) (string, bool) {
	var out []string
	n, found := -1, false
	for _, line := range strings.Split(text, "\n") {
		switch {
		case line == "  # headers:":
			out = append(out, "  headers:")
		case strings.HasPrefix(line, "  #   "):
			n++
			if n == i {
				found = true
				out = append(out, "    "+strings.TrimPrefix(line, "  #   "))
			}
		case line == "  # forwardHeaders: [Authorization]   # or pass the client's own credentials on":
			out = append(out, "  forwardHeaders: [Authorization]")
		default:
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n"), found
}

func TestUpstreamYAML(t *testing.T) {
	env := map[string]string{
		"ZOO_KEY_HEADER": "k1", "ZOO_KEY_COOKIE": "k2", "ZOO_BASIC_CREDENTIALS": "dTpw", "ZOO_BEARER_TOKEN": "t",
		"PETSTORE_API_KEY": "k", "PETSTORE_BASIC_CREDENTIALS": "dTpw", "LIBRARY_API_KEY": "k",
		"API_BASE_URL": "http://127.0.0.1:9",
	}
	for _, fx := range fixtures() {
		t.Run(fx.name, func(t *testing.T) {
			res := importFile(t, fx.source, fx.opts)
			text := res.UpstreamYAML(fx.opts.Upstream)
			if err := buildUpstream(t, text, env); err != nil {
				t.Fatalf("the skeleton does not build: %v\n%s", err, text)
			}
			for i := 0; ; i++ {
				open, ok := uncomment(text, i)
				if !ok {
					if i == 0 && strings.Contains(text, "# headers:") {
						t.Fatalf("no header line to uncomment:\n%s", text)
					}
					break
				}
				if err := buildUpstream(t, open, env); err != nil {
					t.Fatalf("the skeleton with header line %d does not build: %v\n%s", i, err, open)
				}
			}
		})
	}
	// A document without an absolute server asks for the URL.
	doc, err := Parse("x.yaml", []byte("openapi: 3.0.0\ninfo: {title: x, version: '1'}\nservers: [{url: /v1}]\npaths: {}\n"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Import(doc, Options{Upstream: "api"})
	if err != nil {
		t.Fatal(err)
	}
	text := res.UpstreamYAML("api")
	if !strings.Contains(text, "baseURL: \"${API_BASE_URL}\"") || !strings.Contains(text, "server URL is /v1") {
		t.Errorf("skeleton:\n%s", text)
	}
	if err := buildUpstream(t, text, env); err != nil {
		t.Errorf("%v", err)
	}
	if err := buildUpstream(t, text, nil); err == nil || !strings.Contains(err.Error(), "API_BASE_URL") {
		t.Errorf("without the variable: %v", err)
	}
}

func TestSchemeKinds(t *testing.T) {
	res := importFile(t, "testdata/zoo/openapi.yaml", Options{Upstream: "zoo"})
	got := schemeKinds(res.Security)
	want := "basic (http basic), bearer (http bearer), keyCookie (apiKey in cookie zoo_session), keyHeader (apiKey in header X-API-Key), keyQuery (apiKey in query api_key), machines (oauth2 client credentials), mtls (mutualTLS), oidc (openIdConnect), people (oauth2 authorizationCode)"
	if got != want {
		t.Errorf("schemes:\n got %s\nwant %s", got, want)
	}
	for _, s := range res.Security {
		if s.Name == "machines" && (s.TokenURL != "https://auth.zoo.example/token" || strings.Join(s.Scopes, " ") != "animals:read animals:write") {
			t.Errorf("machines = %+v", s)
		}
	}
}
