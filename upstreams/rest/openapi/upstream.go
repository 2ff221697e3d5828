package openapi

import (
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/weft-gateway/weft/internal/gqlname"
	"github.com/weft-gateway/weft/internal/sdlwrite"

	v2high "github.com/pb33f/libopenapi/datamodel/high/v2"
	v3high "github.com/pb33f/libopenapi/datamodel/high/v3"
	"github.com/pb33f/libopenapi/orderedmap"
)

// Scheme is a security scheme the document declares.
type Scheme struct {
	// Name is the scheme's key in securitySchemes (securityDefinitions).
	Name string
	// Type is apiKey, http, oauth2, openIdConnect or mutualTLS; Swagger
	// 2.0's basic is http with Scheme "basic".
	Type string
	// In and Param say where an apiKey goes: header, query or cookie, and
	// under which name.
	In, Param string
	// Scheme is the HTTP authentication scheme (basic, bearer, ...), and
	// BearerFormat its token format, for Type http.
	Scheme, BearerFormat string
	// Flows are the OAuth 2 flows declared (clientCredentials,
	// authorizationCode, implicit, password, device), sorted.
	Flows []string
	// TokenURL and Scopes describe the client credentials flow, the one a
	// gateway can run by itself.
	TokenURL string
	Scopes   []string
	// OpenIDConnectURL is the discovery URL of an openIdConnect scheme.
	OpenIDConnectURL string
	Description      string
}

// Kind describes the scheme in a few words, such as "apiKey in header
// X-API-Key", "http bearer" or "oauth2 client credentials".
func (s Scheme) Kind() string {
	switch s.Type {
	case "apiKey":
		return fmt.Sprintf("apiKey in %s %s", s.In, s.Param)
	case "http":
		return "http " + strings.ToLower(s.Scheme)
	case "oauth2":
		for _, f := range s.Flows {
			if f == "clientCredentials" {
				return "oauth2 client credentials"
			}
		}
		return "oauth2 " + strings.Join(s.Flows, ", ")
	}
	return s.Type
}

func sortedKeys(m *orderedmap.Map[string, string]) []string {
	if m == nil {
		return nil
	}
	var out []string
	for p := m.First(); p != nil; p = p.Next() {
		out = append(out, p.Key())
	}
	sort.Strings(out)
	return out
}

// serverAndSecurity reads the base URL and the security schemes.
func (im *importer) serverAndSecurity() (string, []Scheme) {
	var base string
	var schemes []Scheme
	if d := im.doc.v3; d != nil {
		base, schemes = v3BaseURL(d), v3Schemes(d)
	} else {
		d := im.doc.v2
		base, schemes = v2BaseURL(d.Host, d.BasePath, d.Schemes), v2Schemes(d)
	}
	sortSchemes(schemes)
	return im.resolveBase(base), schemes
}

// v3Schemes are an OpenAPI 3 document's security schemes.
func v3Schemes(d *v3high.Document) []Scheme {
	if d.Components == nil || d.Components.SecuritySchemes == nil {
		return nil
	}
	var out []Scheme
	for p := d.Components.SecuritySchemes.First(); p != nil; p = p.Next() {
		if ss := p.Value(); ss != nil {
			out = append(out, v3Scheme(p.Key(), ss))
		}
	}
	return out
}

// v2Schemes are a Swagger 2.0 document's security definitions.
func v2Schemes(d *v2high.Swagger) []Scheme {
	if d.SecurityDefinitions == nil || d.SecurityDefinitions.Definitions == nil {
		return nil
	}
	var out []Scheme
	for p := d.SecurityDefinitions.Definitions.First(); p != nil; p = p.Next() {
		if ss := p.Value(); ss != nil {
			out = append(out, v2Scheme(p.Key(), ss))
		}
	}
	return out
}

// v3BaseURL is the URL of the document's first server, else of the first
// path item or operation that names one: some documents name their server
// on each path item only.
func v3BaseURL(d *v3high.Document) string {
	if base := serverURL(d.Servers); base != "" || d.Paths == nil || d.Paths.PathItems == nil {
		return base
	}
	for p := d.Paths.PathItems.First(); p != nil; p = p.Next() {
		it := p.Value()
		if it == nil {
			continue
		}
		if base := serverURL(it.Servers); base != "" {
			return base
		}
		for _, o := range v3PathOps(it) {
			if o == nil {
				continue
			}
			if base := serverURL(o.Servers); base != "" {
				return base
			}
		}
	}
	return ""
}

// v3Scheme is the Scheme of an OpenAPI 3 security scheme.
func v3Scheme(name string, ss *v3high.SecurityScheme) Scheme {
	s := Scheme{Name: name, Type: ss.Type, In: ss.In, Param: ss.Name, Scheme: strings.ToLower(ss.Scheme),
		BearerFormat: ss.BearerFormat, OpenIDConnectURL: ss.OpenIdConnectUrl, Description: ss.Description}
	f := ss.Flows
	if f == nil {
		return s
	}
	for _, fl := range []struct {
		name string
		set  bool
	}{{"authorizationCode", f.AuthorizationCode != nil}, {"clientCredentials", f.ClientCredentials != nil}, {"device", f.Device != nil}, {"implicit", f.Implicit != nil}, {"password", f.Password != nil}} {
		if fl.set {
			s.Flows = append(s.Flows, fl.name)
		}
	}
	if cc := f.ClientCredentials; cc != nil {
		s.TokenURL, s.Scopes = cc.TokenUrl, sortedKeys(cc.Scopes)
	}
	return s
}

// v2BaseURL is a Swagger 2.0 document's base URL: its host with the
// first scheme listed, https when it is listed at all (https when none
// is), and its base path; without a host, the base path alone.
func v2BaseURL(host, basePath string, schemes []string) string {
	if host == "" {
		return basePath
	}
	scheme := "https"
	if len(schemes) > 0 && !slices.Contains(schemes, "https") {
		scheme = schemes[0]
	}
	return scheme + "://" + host + basePath
}

// v2Scheme is the Scheme of a Swagger 2.0 security definition: basic is
// http's basic scheme, and the OAuth 2 flows take OpenAPI 3's names.
func v2Scheme(name string, ss *v2high.SecurityScheme) Scheme {
	s := Scheme{Name: name, Type: ss.Type, In: ss.In, Param: ss.Name, Description: ss.Description}
	switch ss.Type {
	case "basic":
		s.Type, s.Scheme = "http", "basic"
	case "oauth2":
		flow := v2Flow(ss.Flow)
		s.Flows = []string{flow}
		if flow == "clientCredentials" {
			s.TokenURL = ss.TokenUrl
			if ss.Scopes != nil {
				s.Scopes = sortedKeys(ss.Scopes.Values)
			}
		}
	}
	return s
}

// v2Flow is OpenAPI 3's name of a Swagger 2.0 OAuth 2 flow; an unknown
// flow keeps its name.
func v2Flow(flow string) string {
	switch flow {
	case "application":
		return "clientCredentials"
	case "accessCode":
		return "authorizationCode"
	}
	return flow
}

// serverURL is the first server's URL with its variables' defaults.
func serverURL(servers []*v3high.Server) string {
	if len(servers) == 0 || servers[0] == nil {
		return ""
	}
	srv := servers[0]
	u := srv.URL
	if srv.Variables != nil {
		for p := srv.Variables.First(); p != nil; p = p.Next() {
			if p.Value() != nil {
				u = strings.ReplaceAll(u, "{"+p.Key()+"}", p.Value().Default)
			}
		}
	}
	return u
}

func sortSchemes(s []Scheme) {
	sort.Slice(s, func(i, j int) bool { return s[i].Name < s[j].Name })
}

// resolveBase makes a relative server URL absolute against the document's
// own URL, as OpenAPI says; for a local document it stays relative, and
// the Upstream skeleton asks for it.
func (im *importer) resolveBase(base string) string {
	base = strings.TrimSuffix(base, "/")
	if base == "" {
		return ""
	}
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	if !u.IsAbs() && im.doc.sourceURL != nil {
		return strings.TrimSuffix(im.doc.sourceURL.ResolveReference(u).String(), "/")
	}
	return base
}

// UpstreamYAML returns an Upstream resource for the imported API: its base
// URL, and the named credentials (spec.authSchemes) the bindings pick, one
// per security scheme the operations need that Weft can send, their
// secrets read from environment variables named after the upstream and
// the scheme (${PETSTORE_API_KEY}): the resource loads once they are set,
// and a missing one fails the load, naming it. Schemes the document
// declares that no operation needs are shown in comments, as an auth
// block that would send them on every call.
func (r *Result) UpstreamYAML(name string) string {
	env := envName(name)
	var b strings.Builder
	b.WriteString("apiVersion: weft.dev/v1\nkind: Upstream\nmetadata:\n  name: " + yamlString(name) + "\nspec:\n  rest:\n")
	base := r.BaseURL
	if u, err := url.Parse(base); base == "" || err != nil || !u.IsAbs() || (u.Scheme != "http" && u.Scheme != "https") {
		if base != "" {
			fmt.Fprintf(&b, "    # The document's server URL is %s; give the absolute URL.\n", yamlComment(base))
		}
		base = "${" + env + "_BASE_URL}"
	}
	b.WriteString("    baseURL: " + yamlString(base) + "\n")
	if r.ErrorAnswers {
		b.WriteString("  # The document declares its error answers. To show their message to clients\n")
		b.WriteString("  # (extensions.detail, beside the status) rather than a stable one, uncomment:\n")
		b.WriteString("  # exposeErrors: true\n")
	}
	used := map[string]bool{}
	if len(r.AuthSchemes) > 0 {
		b.WriteString("  # The credentials of the security schemes the operations need; each binding\n")
		b.WriteString("  # names its own (@rest(auth: [...])). Values come from the environment.\n")
		b.WriteString("  authSchemes:\n")
		for _, n := range r.AuthSchemes {
			used[n] = true
			for _, s := range r.Security {
				if s.Name == n {
					b.WriteString("    " + yamlKey(n) + ": # " + yamlComment(s.Kind()) + "\n")
					b.WriteString("      " + credentialsBlock(s, env+"_"+envName(s.Name)) + "\n")
				}
			}
		}
	}
	var forward, certs []string
	for _, n := range r.Unsendable {
		if s, ok := r.scheme(n); ok && s.Type == "mutualTLS" {
			certs = append(certs, n)
		} else {
			forward = append(forward, n)
		}
	}
	if len(forward) > 0 {
		fmt.Fprintf(&b, "  # Some operations need credentials Weft cannot send (%s): to pass\n", yamlComment(strings.Join(forward, ", ")))
		b.WriteString("  # the client's own on, uncomment:\n")
		b.WriteString("  # forwardHeaders: [Authorization]\n")
	}
	if len(certs) > 0 {
		fmt.Fprintf(&b, "  # Some operations need a client certificate (%s): give it in spec.tls\n", yamlComment(strings.Join(certs, ", ")))
		b.WriteString("  # (certFile, keyFile).\n")
	}
	var unused []Scheme
	for _, s := range r.Security {
		if !used[s.Name] && !slices.Contains(r.Unsendable, s.Name) {
			unused = append(unused, s)
		}
	}
	if len(unused) == 0 {
		return b.String()
	}
	also := ""
	if len(used) > 0 || len(r.Unsendable) > 0 {
		also = "also "
	}
	b.WriteString("  # The document " + also + "declares these security schemes, which no operation\n")
	b.WriteString("  # imported names. To send one on every call, uncomment its auth block\n")
	b.WriteString("  # (one at most); values come from the environment.\n")
	var notes []string
	for _, s := range unused {
		label := fmt.Sprintf("%s: %s", s.Name, s.Kind())
		if block := credentialsBlock(s, env+"_"+envName(s.Name)); block != "" {
			b.WriteString("  # " + yamlComment(label) + "\n  # auth:\n  #   " + block + "\n")
			continue
		}
		if s.Type == "mutualTLS" {
			notes = append(notes, fmt.Sprintf("# %s: give the client certificate in spec.tls (certFile, keyFile).", yamlComment(label)))
		} else {
			notes = append(notes, fmt.Sprintf("# %s: Weft cannot act for the client here; forward its Authorization header.", yamlComment(label)))
		}
	}
	if len(notes) > 0 && len(r.Unsendable) == 0 {
		b.WriteString("  # forwardHeaders: [Authorization]   # or pass the client's own credentials on\n")
	}
	for _, n := range notes {
		b.WriteString("  " + n + "\n")
	}
	return b.String()
}

// scheme returns the declared scheme of that name.
func (r *Result) scheme(name string) (Scheme, bool) {
	for _, s := range r.Security {
		if s.Name == name {
			return s, true
		}
	}
	return Scheme{}, false
}

func quoteAll(list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = yamlString(s)
	}
	return out
}

// envName makes an environment variable name from s: its words, camel
// case split too, upper-cased and joined by "_".
func envName(s string) string {
	var split strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if i > 0 && c >= 'A' && c <= 'Z' && (s[i-1] >= 'a' && s[i-1] <= 'z' || s[i-1] >= '0' && s[i-1] <= '9') {
			split.WriteByte('_')
		}
		split.WriteByte(c)
	}
	var b strings.Builder
	for _, w := range gqlname.Segments(split.String()) {
		if b.Len() > 0 {
			b.WriteByte('_')
		}
		b.WriteString(strings.ToUpper(w))
	}
	if b.Len() == 0 || b.String()[0] >= '0' && b.String()[0] <= '9' {
		return "X" + b.String()
	}
	return b.String()
}

// yamlString writes s as a double-quoted YAML scalar (JSON's string syntax
// is valid YAML).
func yamlString(s string) string { return sdlwrite.JSONString(s) }

// yamlKey writes a header name as a YAML key.
func yamlKey(s string) string {
	if s != "" && !strings.ContainsAny(s, ":#{}[],&*!|>'\"%@` ") {
		return s
	}
	return sdlwrite.JSONString(s)
}

func yamlComment(s string) string { return oneLine(sdlwrite.Clean(s)) }
