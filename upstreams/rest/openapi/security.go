package openapi

import (
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/pb33f/go-yaml"
	"github.com/pb33f/libopenapi/datamodel/high/base"
	v2high "github.com/pb33f/libopenapi/datamodel/high/v2"
	v3high "github.com/pb33f/libopenapi/datamodel/high/v3"

	"github.com/weft-gateway/weft/internal/sdlwrite"
)

// requirements reads a list of security requirements: the alternatives,
// each the schemes needed together. A list that is there but empty
// (security: []) is empty and not nil: no credentials.
func requirements(list []*base.SecurityRequirement) [][]string {
	out := make([][]string, 0, len(list))
	for _, r := range list {
		names := []string{}
		if r != nil && r.Requirements != nil {
			for p := r.Requirements.First(); p != nil; p = p.Next() {
				names = append(names, p.Key())
			}
		}
		out = append(out, names)
	}
	return out
}

// v3Security is the security of an OpenAPI 3 operation: its own when it
// says, else the document's; nil when neither does.
func (im *importer) v3Security(o *v3high.Operation) [][]string {
	if o.Security != nil {
		return requirements(o.Security)
	}
	if d := im.doc.v3; d.Security != nil {
		return requirements(d.Security)
	}
	return nil
}

// v2Security is v3Security for Swagger 2.0, whose model does not keep an
// empty list apart from none: the operation's node says whether the key is
// there.
func (im *importer) v2Security(o *v2high.Operation, l loc) [][]string {
	if o.Security != nil || hasKey(im.nodeAt(l.file, l.pointer), "security") {
		return requirements(o.Security)
	}
	if d := im.doc.v2; d.Security != nil {
		return requirements(d.Security)
	}
	return nil
}

// unsent gathers, per scheme, the operations that need it when Weft
// cannot send it, for one warning each at the end.
type unsent struct {
	why string
	ops []string
}

// credentialsFor picks the credentials an operation's calls carry: the
// first of its security requirements whose schemes are all sendable (see
// sendable), all of them; none for security: [] or an empty requirement.
// set is false when the binding names none and the Upstream's auth
// serves: the operation needs no security, or only schemes Weft cannot
// send (noted for a warning), or the import is at load for an Upstream
// without named credentials.
func (im *importer) credentialsFor(op *operation) (names []string, set bool) {
	if op.security == nil || im.opts.AuthSchemes != nil && len(im.opts.AuthSchemes) == 0 {
		return nil, false
	}
	if len(op.security) == 0 {
		return []string{}, true
	}
	for _, req := range op.security {
		ok := true
		for _, n := range req {
			if why := im.sendable(n); why != "" {
				ok = false
			}
		}
		if ok {
			for _, n := range req {
				im.named[n] = true
			}
			return req, true
		}
	}
	seen := map[string]bool{}
	for _, req := range op.security {
		for _, n := range req {
			if why := im.sendable(n); why != "" && !seen[n] {
				seen[n] = true
				u := im.unsent[n]
				if u == nil {
					u = &unsent{why: why}
					im.unsent[n] = u
				}
				u.ops = append(u.ops, op.label())
			}
		}
	}
	return nil, false
}

// scheme returns the declared scheme of that name.
func (im *importer) scheme(name string) (Scheme, bool) { return im.res.scheme(name) }

// sendable says why Weft cannot send the scheme named, "" when it can: it
// is declared, Weft can act for the client with it (an API key, HTTP
// basic or bearer, OAuth 2 client credentials), and, for an import at
// load, the Upstream has credentials of that name.
func (im *importer) sendable(name string) string {
	s, ok := im.scheme(name)
	if !ok {
		return "it is not declared"
	}
	if credentialsBlock(s, "X") == "" {
		switch {
		case s.Type == "mutualTLS":
			return "a client certificate, which is the whole Upstream's: give it in spec.tls (certFile, keyFile)"
		case s.Type == "oauth2" && s.TokenURL != "":
			return "its token URL " + s.TokenURL + " is not an absolute http(s) URL"
		case s.Type == "apiKey" && s.Param != "":
			return fmt.Sprintf("an API key in %s %q, which Weft cannot send", s.In, s.Param)
		}
		return "Weft cannot act for the client with " + s.Kind() + "; forward the client's own credentials with spec.forwardHeaders: [Authorization]"
	}
	if im.opts.AuthSchemes != nil && !im.opts.AuthSchemes[name] {
		return "the Upstream has no credentials of that name in spec.authSchemes, so its auth serves"
	}
	return ""
}

// credentialsBlock is the YAML flow mapping of a scheme's credentials, its
// secrets read from environment variables that start with env; "" when
// Weft cannot send the scheme.
func credentialsBlock(s Scheme, env string) string {
	switch {
	case s.Type == "apiKey" && (s.In == "header" || s.In == "query" || s.In == "cookie"):
		if s.Param == "" || s.In != "query" && strings.ContainsAny(s.Param, " :;=,\r\n") {
			return ""
		}
		return fmt.Sprintf("apiKey: {in: %s, name: %s, value: %s}", s.In, yamlString(s.Param), yamlString("${"+env+"}"))
	case s.Type == "http" && s.Scheme == "bearer":
		return fmt.Sprintf("bearer: {token: %s}", yamlString("${"+env+"_TOKEN}"))
	case s.Type == "http" && s.Scheme == "basic":
		return fmt.Sprintf("basic: {username: %s, password: %s}", yamlString("${"+env+"_USERNAME}"), yamlString("${"+env+"_PASSWORD}"))
	case s.Type == "oauth2" && s.TokenURL != "":
		u, err := url.Parse(s.TokenURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return ""
		}
		return fmt.Sprintf("oauth2: {tokenURL: %s, clientID: %s, clientSecret: %s, scopes: [%s]}",
			yamlString(s.TokenURL), yamlString("${"+env+"_CLIENT_ID}"), yamlString("${"+env+"_CLIENT_SECRET}"), strings.Join(quoteAll(s.Scopes), ", "))
	}
	return ""
}

// authArg is the auth argument of a binding, "" for none.
func (im *importer) authArg(op *operation) string {
	names, set := im.credentialsFor(op)
	if !set {
		return ""
	}
	return sdlwrite.StringList(names)
}

// securityWarnings warns, once per scheme, about the operations imported
// without the credentials they need.
func (im *importer) securityWarnings() {
	names := make([]string, 0, len(im.unsent))
	for n := range im.unsent {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		u := im.unsent[n]
		l := loc{pointer: "#/components/securitySchemes/" + jsonPointerToken(n)}
		if im.doc.v2 != nil {
			l.pointer = "#/securityDefinitions/" + jsonPointerToken(n)
		}
		if _, declared := im.scheme(n); !declared {
			l.pointer = "#/paths"
		}
		ops := u.ops
		more := ""
		if len(ops) > 5 {
			ops, more = ops[:5], ", ..."
		}
		op, which := "", fmt.Sprintf("the %d operations that need it (%s%s) name", len(u.ops), strings.Join(ops, ", "), more)
		if len(u.ops) == 1 {
			op, which = u.ops[0], "the operation that needs it names"
		}
		im.warn(l, op, "security scheme %q: %s; %s no credentials, so only the Upstream's auth, if any, is sent", n, u.why, which)
		im.res.Unsendable = append(im.res.Unsendable, n)
	}
	for n := range im.named {
		im.res.AuthSchemes = append(im.res.AuthSchemes, n)
	}
	sort.Strings(im.res.AuthSchemes)
}

// hasKey reports whether the mapping n has the key.
func hasKey(n *yaml.Node, key string) bool {
	if n == nil || n.Kind != yaml.MappingNode {
		return false
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return true
		}
	}
	return false
}
