package transport

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/weft-gateway/weft/upstreams"
)

// guarded answers 200 only when check accepts the request, 401 otherwise.
func guarded(t *testing.T, check func(r *http.Request) bool) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if !check(r) {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error":"unauthorized"}`))
			return
		}
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	t.Cleanup(s.Close)
	return s
}

func TestAuthSchemes(t *testing.T) {
	tests := []struct {
		name  string
		auth  *AuthOptions
		check func(r *http.Request) bool
	}{
		{"api key in a header", &AuthOptions{APIKey: &APIKeyAuth{In: "header", Name: "X-Api-Key", Value: "k1"}},
			func(r *http.Request) bool { return r.Header.Get("X-Api-Key") == "k1" }},
		{"api key in the query", &AuthOptions{APIKey: &APIKeyAuth{In: "query", Name: "api key", Value: "k&2"}},
			func(r *http.Request) bool {
				return r.URL.Query().Get("api key") == "k&2" && r.URL.Query().Get("q") == "1"
			}},
		{"api key in a cookie", &AuthOptions{APIKey: &APIKeyAuth{In: "cookie", Name: "token", Value: "k3"}},
			func(r *http.Request) bool { c, err := r.Cookie("token"); return err == nil && c.Value == "k3" }},
		{"basic", &AuthOptions{Basic: &BasicAuth{Username: "ada", Password: "s3cret:x"}},
			func(r *http.Request) bool { u, p, ok := r.BasicAuth(); return ok && u == "ada" && p == "s3cret:x" }},
		{"bearer", &AuthOptions{Bearer: &BearerAuth{Token: "tok"}},
			func(r *http.Request) bool { return r.Header.Get("Authorization") == "Bearer tok" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := guarded(t, tt.check)
			for _, auth := range []*AuthOptions{nil, tt.auth} {
				c, err := New("up", Options{Auth: auth})
				if err != nil {
					t.Fatal(err)
				}
				h := c.Header(&upstreams.Call{})
				resp, err := c.Send(context.Background(), http.MethodGet, srv.URL+"/x?q=1", h, nil, "")
				c.Close()
				if err != nil {
					t.Fatal(err)
				}
				want := http.StatusOK
				if auth == nil {
					want = http.StatusUnauthorized // the server does check
				}
				if resp.Status != want {
					t.Fatalf("auth %v: status %d, want %d", auth != nil, resp.Status, want)
				}
				resp.Release()
			}
		})
	}
}

func TestOAuth2ClientCredentials(t *testing.T) {
	var issued atomic.Int64
	tokens := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.Form.Get("grant_type") != "client_credentials" || r.Form.Get("audience") != "catalog" {
			http.Error(w, `{"error":"invalid_request"}`, http.StatusBadRequest)
			return
		}
		id, secret, ok := r.BasicAuth()
		if !ok {
			id, secret = r.Form.Get("client_id"), r.Form.Get("client_secret")
		}
		if id != "gw" || secret != "s" || r.Form.Get("scope") != "read write" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error":"invalid_client"}`))
			return
		}
		n := issued.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "t" + string(rune('0'+n)), "token_type": "Bearer", "expires_in": 3600})
	}))
	defer tokens.Close()
	api := guarded(t, func(r *http.Request) bool { return r.Header.Get("Authorization") == "Bearer t1" })

	c, err := New("up", Options{Auth: &AuthOptions{OAuth2: &OAuth2Auth{
		TokenURL: tokens.URL, ClientID: "gw", ClientSecret: "s", Scopes: []string{"read", "write"},
		Params: map[string]string{"audience": "catalog"},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for range 3 {
		resp, err := c.Send(context.Background(), http.MethodGet, api.URL, c.Header(&upstreams.Call{}), nil, "")
		if err != nil {
			t.Fatal(err)
		}
		if resp.Status != http.StatusOK {
			t.Fatalf("status %d", resp.Status)
		}
		resp.Release()
	}
	if issued.Load() != 1 {
		t.Fatalf("%d tokens issued for 3 calls; the token should be reused until it expires", issued.Load())
	}

	// Wrong credentials: the call fails with a clear error, not a 401 from
	// the API.
	bad, err := New("up", Options{Timeout: 2 * time.Second, Auth: &AuthOptions{OAuth2: &OAuth2Auth{TokenURL: tokens.URL, ClientID: "gw", ClientSecret: "wrong", Scopes: []string{"read", "write"}, Params: map[string]string{"audience": "catalog"}}}})
	if err != nil {
		t.Fatal(err)
	}
	defer bad.Close()
	_, err = bad.Send(context.Background(), http.MethodGet, api.URL, bad.Header(&upstreams.Call{}), nil, "")
	var ue *upstreams.Error
	if !errors.As(err, &ue) || ue.Code != upstreams.CodeError || !strings.Contains(ue.Msg, "refused the client credentials") {
		t.Fatalf("bad credentials: %v", err)
	}
}

func TestAuthOptionErrors(t *testing.T) {
	tests := []struct {
		auth AuthOptions
		path string
	}{
		{AuthOptions{}, "auth"},
		{AuthOptions{Basic: &BasicAuth{Username: "a"}, Bearer: &BearerAuth{Token: "t"}}, "auth"},
		{AuthOptions{APIKey: &APIKeyAuth{In: "body", Name: "k", Value: "v"}}, "auth.apiKey.in"},
		{AuthOptions{APIKey: &APIKeyAuth{In: "header", Name: "X Key", Value: "v"}}, "auth.apiKey.name"},
		{AuthOptions{OAuth2: &OAuth2Auth{TokenURL: "ftp://x", ClientID: "c"}}, "auth.oauth2.tokenURL"},
	}
	for _, tt := range tests {
		a := tt.auth
		_, err := New("up", Options{Auth: &a})
		if err == nil || OptionPath(err) != "spec."+tt.path {
			t.Errorf("%+v: error %v at %q, want spec.%s", tt.auth, err, OptionPath(err), tt.path)
		}
	}
}
