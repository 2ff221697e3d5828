package openapi

import (
	"fmt"
	"strings"
	"testing"
)

func TestV2BaseURL(t *testing.T) {
	tests := []struct {
		host, basePath string
		schemes        []string
		want           string
	}{
		{"api.example.com", "/v1", nil, "https://api.example.com/v1"},
		{"api.example.com", "/v1", []string{"http"}, "http://api.example.com/v1"},
		{"api.example.com", "", []string{"http", "https", "ws"}, "https://api.example.com"},
		{"api.example.com", "", []string{"ws", "http"}, "ws://api.example.com"},
		{"", "/v1", []string{"http"}, "/v1"},
		{"", "", nil, ""},
	}
	for _, tt := range tests {
		if got := v2BaseURL(tt.host, tt.basePath, tt.schemes); got != tt.want {
			t.Errorf("v2BaseURL(%q, %q, %v) = %q, want %q", tt.host, tt.basePath, tt.schemes, got, tt.want)
		}
	}
}

func TestV2Flow(t *testing.T) {
	for in, want := range map[string]string{
		"application": "clientCredentials", "accessCode": "authorizationCode",
		"implicit": "implicit", "password": "password", "device": "device", "": "",
	} {
		if got := v2Flow(in); got != want {
			t.Errorf("v2Flow(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestServerAndSecurity reads base URLs and schemes from whole documents:
// where a server may be named, and how Swagger 2.0's definitions read.
func TestServerAndSecurity(t *testing.T) {
	const v3paths = `
paths:
  /a:
    get:
      responses: {"200": {description: ok}}
  /b:
    servers: [{url: "https://item.example/{v}", variables: {v: {default: v2}}}]
    get:
      servers: [{url: "https://op-b.example"}]
      responses: {"200": {description: ok}}
`
	tests := []struct {
		name, doc string
		base      string
		// schemes lists each scheme's name, kind, token URL and scopes.
		schemes string
	}{
		{name: "document servers win",
			doc:  "openapi: 3.0.3\ninfo: {title: t, version: \"1\"}\nservers: [{url: \"https://doc.example/\"}]\n" + v3paths,
			base: "https://doc.example"},
		{name: "else the first path item's",
			doc:  "openapi: 3.0.3\ninfo: {title: t, version: \"1\"}\n" + v3paths,
			base: "https://item.example/v2"},
		{name: "else the first operation's",
			doc: `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /a:
    get:
      responses: {"200": {description: ok}}
    post:
      servers: [{url: "https://op-a.example"}]
      responses: {"200": {description: ok}}
`,
			base: "https://op-a.example"},
		{name: "no server at all",
			doc:  "openapi: 3.0.3\ninfo: {title: t, version: \"1\"}\n" + strings.ReplaceAll(strings.ReplaceAll(v3paths, `    servers: [{url: "https://item.example/{v}", variables: {v: {default: v2}}}]`+"\n", ""), `      servers: [{url: "https://op-b.example"}]`+"\n", ""),
			base: ""},
		{name: "OpenAPI 3 schemes, sorted by name",
			doc: `openapi: 3.0.3
info: {title: t, version: "1"}
paths: {/a: {get: {responses: {"200": {description: ok}}}}}
components:
  securitySchemes:
    z: {type: http, scheme: Bearer, bearerFormat: JWT}
    a:
      type: oauth2
      flows:
        password: {tokenUrl: "https://auth.example/p", scopes: {}}
        clientCredentials: {tokenUrl: "https://auth.example/cc", scopes: {write: w, read: r}}
`,
			schemes: `a oauth2 client credentials [clientCredentials password] https://auth.example/cc [read write]; z http bearer [] JWT []`},
		{name: "Swagger 2.0 host, schemes and definitions",
			doc: `swagger: "2.0"
info: {title: t, version: "1"}
host: api.example
basePath: /v1
schemes: [http, https]
paths: {/a: {get: {responses: {"200": {description: ok}}}}}
securityDefinitions:
  key: {type: apiKey, in: header, name: X-Key}
  basic: {type: basic}
  app: {type: oauth2, flow: application, tokenUrl: "https://auth.example/t", scopes: {b: b, a: a}}
  code: {type: oauth2, flow: accessCode, authorizationUrl: "https://auth.example/a", tokenUrl: "https://auth.example/t", scopes: {}}
`,
			base:    "https://api.example/v1",
			schemes: `app oauth2 client credentials [clientCredentials] https://auth.example/t [a b]; basic http basic [] []; code oauth2 authorizationCode [authorizationCode] []; key apiKey in header X-Key [] []`},
		{name: "Swagger 2.0 base path alone",
			doc:  "swagger: \"2.0\"\ninfo: {title: t, version: \"1\"}\nbasePath: /v1/\npaths: {/a: {get: {responses: {\"200\": {description: ok}}}}}\n",
			base: "/v1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := importText(t, tt.doc)
			if res.BaseURL != tt.base {
				t.Errorf("base URL %q, want %q", res.BaseURL, tt.base)
			}
			var got []string
			for _, s := range res.Security {
				g := fmt.Sprintf("%s %s %v", s.Name, s.Kind(), s.Flows)
				if s.TokenURL != "" {
					g += " " + s.TokenURL
				}
				if s.BearerFormat != "" {
					g += " " + s.BearerFormat
				}
				got = append(got, g+fmt.Sprintf(" %v", s.Scopes))
			}
			if strings.Join(got, "; ") != tt.schemes {
				t.Errorf("schemes:\n got %s\nwant %s", strings.Join(got, "; "), tt.schemes)
			}
		})
	}
}
