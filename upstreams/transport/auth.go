package transport

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/weft-gateway/weft/upstreams"
)

// AuthOptions are an upstream's credentials: exactly one scheme, sent on
// every call (and on introspection). Values usually come from the
// environment: value: ${CATALOG_API_KEY}.
type AuthOptions struct {
	APIKey *APIKeyAuth `yaml:"apiKey"`
	Basic  *BasicAuth  `yaml:"basic"`
	Bearer *BearerAuth `yaml:"bearer"`
	OAuth2 *OAuth2Auth `yaml:"oauth2"`
}

// APIKeyAuth sends a key in a header, a query parameter or a cookie.
type APIKeyAuth struct {
	In    string `yaml:"in" weft:"required"` // header, query or cookie
	Name  string `yaml:"name" weft:"required"`
	Value string `yaml:"value" weft:"required"`
}

// BasicAuth is HTTP basic authentication.
type BasicAuth struct {
	Username string `yaml:"username" weft:"required"`
	Password string `yaml:"password"`
}

// BearerAuth sends a fixed bearer token.
type BearerAuth struct {
	Token string `yaml:"token" weft:"required"`
}

// OAuth2Auth gets bearer tokens with the OAuth2 client credentials grant,
// and renews them before they expire.
type OAuth2Auth struct {
	TokenURL     string            `yaml:"tokenURL" weft:"required"`
	ClientID     string            `yaml:"clientID" weft:"required"`
	ClientSecret string            `yaml:"clientSecret"`
	Scopes       []string          `yaml:"scopes"`
	Params       map[string]string `yaml:"params"` // extra token request parameters (audience, ...)
}

// auth applies one scheme to requests.
type auth struct {
	header, value string // a fixed header
	cookie        string // a fixed cookie, name=value
	query         string // a fixed query parameter, escaped name=value
	tokens        oauth2.TokenSource
}

// Check validates the options, for load-time errors; it returns the
// offending field's path below auth.
func (a *AuthOptions) Check() (string, error) {
	n := 0
	for _, set := range []bool{a.APIKey != nil, a.Basic != nil, a.Bearer != nil, a.OAuth2 != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return "", errors.New("set exactly one of apiKey, basic, bearer and oauth2")
	}
	if k := a.APIKey; k != nil {
		switch k.In {
		case "header", "query", "cookie":
		default:
			return "apiKey.in", fmt.Errorf("in %q: want header, query or cookie", k.In)
		}
		if k.In != "query" && strings.ContainsAny(k.Name, " :;=,\r\n") {
			return "apiKey.name", fmt.Errorf("%q is not a valid %s name", k.Name, k.In)
		}
	}
	if o := a.OAuth2; o != nil {
		u, err := url.Parse(o.TokenURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return "oauth2.tokenURL", fmt.Errorf("%q is not an http or https URL", o.TokenURL)
		}
	}
	return "", nil
}

// newAuth prepares the scheme; tokens are fetched with client, bounded by
// timeout.
func newAuth(a *AuthOptions, client *http.Client, timeout time.Duration) (*auth, error) {
	if a == nil {
		return nil, nil
	}
	if _, err := a.Check(); err != nil {
		return nil, err
	}
	switch {
	case a.APIKey != nil:
		k := a.APIKey
		switch k.In {
		case "header":
			return &auth{header: http.CanonicalHeaderKey(k.Name), value: k.Value}, nil
		case "cookie":
			c := (&http.Cookie{Name: k.Name, Value: k.Value}).String()
			if c == "" {
				return nil, fmt.Errorf("apiKey: cannot send %q as a cookie", k.Name)
			}
			return &auth{cookie: c}, nil
		default:
			return &auth{query: url.QueryEscape(k.Name) + "=" + url.QueryEscape(k.Value)}, nil
		}
	case a.Basic != nil:
		cred := base64.StdEncoding.EncodeToString([]byte(a.Basic.Username + ":" + a.Basic.Password))
		return &auth{header: "Authorization", value: "Basic " + cred}, nil
	case a.Bearer != nil:
		return &auth{header: "Authorization", value: "Bearer " + a.Bearer.Token}, nil
	default:
		o := a.OAuth2
		conf := &clientcredentials.Config{ClientID: o.ClientID, ClientSecret: o.ClientSecret, TokenURL: o.TokenURL, Scopes: o.Scopes}
		if len(o.Params) > 0 {
			conf.EndpointParams = url.Values{}
			for k, v := range o.Params {
				conf.EndpointParams.Set(k, v)
			}
		}
		tokenClient := &http.Client{Transport: client.Transport, Timeout: timeout}
		ctx := context.WithValue(context.Background(), oauth2.HTTPClient, tokenClient)
		// ReuseTokenSource caches the token and fetches a new one shortly
		// before it expires; it is safe for concurrent use.
		return &auth{tokens: oauth2.ReuseTokenSource(nil, conf.TokenSource(ctx))}, nil
	}
}

// setStatic adds the fixed credentials to a call's headers (not the OAuth2
// token, which may need a fetch: see apply).
func (a *auth) setStatic(h http.Header) {
	if a == nil {
		return
	}
	if a.header != "" {
		h.Set(a.header, a.value)
	}
	if a.cookie != "" {
		AddCookie(h, a.cookie)
	}
}

// forProbe adds the credentials a health probe carries: the fixed ones
// and a query key, not an OAuth2 token, whose endpoint being down would
// otherwise read as every host being down.
func (a *auth) forProbe(req *http.Request) {
	if a == nil {
		return
	}
	a.setStatic(req.Header)
	a.addQuery(req)
}

// addQuery adds the query key, if any, to the request's URL.
func (a *auth) addQuery(req *http.Request) {
	if a.query == "" {
		return
	}
	if req.URL.RawQuery == "" {
		req.URL.RawQuery = a.query
	} else {
		req.URL.RawQuery += "&" + a.query
	}
}

// apply adds what is decided at send time: an OAuth2 token, a query key.
func (a *auth) apply(name string, req *http.Request) error {
	if a == nil {
		return nil
	}
	a.addQuery(req)
	if a.tokens != nil {
		tok, err := a.tokens.Token()
		if err != nil {
			var re *oauth2.RetrieveError
			if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode/100 == 4 {
				return upstreams.Errorf(upstreams.CodeError, name, err, "the OAuth2 token endpoint refused the client credentials (HTTP %d)", re.Response.StatusCode)
			}
			return upstreams.Errorf(upstreams.CodeUnavailable, name, err, "cannot get an OAuth2 token")
		}
		tok.SetAuthHeader(req)
	}
	return nil
}

// AddCookie appends a cookie (name=value) to a Cookie header that may
// already hold some.
func AddCookie(h http.Header, c string) {
	if prev := h.Get("Cookie"); prev != "" {
		h.Set("Cookie", prev+"; "+c)
		return
	}
	h.Set("Cookie", c)
}
