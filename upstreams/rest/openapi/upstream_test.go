package openapi

import (
	"strings"
	"testing"
)

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
