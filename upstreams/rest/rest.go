// Package rest is the REST upstream kind: an HTTP API whose operations
// fields bind to with @rest (method, path and query templates, headers, a
// JSON body, and a batch form that resolves many parents in one call).
package rest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/weft-gateway/weft/internal/jsonscan"
	"github.com/weft-gateway/weft/internal/tmpl"
	"github.com/weft-gateway/weft/schema"
	"github.com/weft-gateway/weft/upstreams"
	"github.com/weft-gateway/weft/upstreams/hosts"
	"github.com/weft-gateway/weft/upstreams/rest/restbind"
	"github.com/weft-gateway/weft/upstreams/transport"
)

// Spec is the spec of a rest Upstream resource.
type Spec struct {
	transport.Options `yaml:",inline"`
	// AuthSchemes are named credentials, each one scheme as in auth
	// (apiKey, basic, bearer or oauth2), that a binding picks for its
	// calls with @rest(auth: ["name", ...]) in place of auth: an API
	// whose operations each want their own.
	AuthSchemes map[string]*transport.AuthOptions `yaml:"authSchemes"`
	REST        Options                           `yaml:"rest" weft:"required"`
}

// Options are the rest-specific options.
type Options struct {
	// BaseURL is joined with each binding's path. With an OpenAPI document
	// it defaults to the document's first server.
	BaseURL string `yaml:"baseURL"`
	// OpenAPI makes the upstream's operations GraphQL fields, bound to it,
	// that a VirtualService includes with schema.include.
	OpenAPI *OpenAPIOptions `yaml:"openapi"`
}

// OpenAPIOptions name an OpenAPI document (Swagger 2.0, OpenAPI 3.0 or
// 3.1, JSON or YAML, $refs across files) and how to import it.
type OpenAPIOptions struct {
	// File is the document on disk, relative to the resource's file.
	File string `yaml:"file"`
	// URL is the document at an http(s) address.
	URL string `yaml:"url"`
	// Prefix goes in front of the type names the document gives rise to.
	Prefix string `yaml:"prefix"`
	// Operations makes an operation (by operationId, or "METHOD /path") a
	// Query or a Mutation field, overriding GET-is-a-query.
	Operations map[string]string `yaml:"operations"`
	// MaxFiles and MaxBytes bound the files a document on disk or at a URL
	// may span and their bytes together (defaults openapi.DefaultMaxFiles
	// and openapi.DefaultMaxBytes).
	MaxFiles int   `yaml:"maxFiles"`
	MaxBytes int64 `yaml:"maxBytes"`
	// MaxDepth bounds how deep nested schemas are mapped (default
	// openapi.DefaultMaxDepth); deeper ones are typed JSON.
	MaxDepth int `yaml:"maxDepth"`
}

// Upstream is a REST upstream.
type Upstream struct {
	name   string
	base   string // without a trailing slash
	client *transport.Client
	// creds are the credentials of bindings that pick theirs, by
	// binding, found once.
	creds sync.Map // *restbind.Binding -> transport.Credentials
}

var _ upstreams.Upstream = (*Upstream)(nil)

// The metrics read the state of its hosts.
var _ hosts.Reporter = (*Upstream)(nil)

// Build is the upstreams.Builder of the rest kind.
func Build(ctx context.Context, src *upstreams.Source) (upstreams.Upstream, schema.UpstreamInfo, error) {
	d := src.Doc
	var spec Spec
	if err := d.DecodeSpec(&spec); err != nil {
		return nil, schema.UpstreamInfo{}, err
	}
	spec.Options.ReadFile = transport.FileReader(src.ReadFile)
	spec.Options.NoProbes = src.Checking
	spec.Options.TextBodies = true
	spec.Options.Schemes = spec.AuthSchemes
	client, err := transport.New(d.Name, spec.Options)
	if err != nil {
		return nil, schema.UpstreamInfo{}, d.Errorf(transport.OptionPath(err), "%v", err)
	}
	info := schema.UpstreamInfo{Name: d.Name, Kind: KindName, Version: "1", Credentials: client.SchemeNames()}
	base := spec.REST.BaseURL
	if spec.REST.OpenAPI != nil {
		imported, err := importOpenAPI(ctx, src, spec.REST.OpenAPI, client, info.Credentials)
		if err != nil {
			client.Close()
			return nil, schema.UpstreamInfo{}, err
		}
		info.Fields, info.Scalars, info.Version = imported.fields, imported.scalars, imported.version
		if base == "" {
			base = imported.baseURL
		}
	}
	if base == "" {
		client.Close()
		msg := "missing required field"
		if spec.REST.OpenAPI != nil {
			msg += " (the OpenAPI document names no server to default to)"
		}
		return nil, schema.UpstreamInfo{}, d.Errorf("spec.rest.baseURL", "%s", msg)
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
		client.Close()
		return nil, schema.UpstreamInfo{}, d.Errorf("spec.rest.baseURL", "%q is not an http or https URL without a query", base)
	}
	if err := client.SetURL(base); err != nil {
		client.Close()
		return nil, schema.UpstreamInfo{}, d.Errorf("spec.rest.baseURL", "%v", err)
	}
	up := &Upstream{name: d.Name, base: strings.TrimSuffix(base, "/"), client: client}
	return up, info, nil
}

// Name returns the upstream's name.
func (u *Upstream) Name() string { return u.name }

// Close stops the health checks and releases idle connections.
func (u *Upstream) Close() { u.client.Close() }

// ExposeErrors reports whether clients see what the upstream says when a
// call fails (spec.exposeErrors).
func (u *Upstream) ExposeErrors() bool { return u.client.Options().ExposeErrors }

// HostStats returns the state of the upstream's hosts, for metrics.
func (u *Upstream) HostStats() hosts.Stats { return u.client.HostStats() }

type prepared struct {
	method string
	url    string
	header http.Header
	body   []byte
	creds  transport.Credentials
}

// credentials returns the credentials the calls of binding b carry.
func (u *Upstream) credentials(b *restbind.Binding) (transport.Credentials, error) {
	if b.Auth == nil {
		return u.client.Credentials(nil)
	}
	if cr, ok := u.creds.Load(b); ok {
		return cr.(transport.Credentials), nil
	}
	cr, err := u.client.Credentials(b.Auth)
	if err != nil {
		return cr, err
	}
	u.creds.Store(b, cr)
	return cr, nil
}

func pathSegment(dst []byte, s string) []byte { return append(dst, url.PathEscape(s)...) }
func queryValue(dst []byte, s string) []byte  { return append(dst, url.QueryEscape(s)...) }

// Idempotent implements resilience.Idempotency: a call whose method is GET
// or HEAD (safe methods, RFC 9110 section 9.2.1) is a read, which may be
// retried and hedged; anything else may change something.
func (u *Upstream) Idempotent(c *upstreams.Call) bool {
	b, _ := c.Binding.Request.(*restbind.Binding)
	if b == nil || (c.Batch && b.Batch == nil) {
		return false
	}
	switch b.Form(c.Batch).Method {
	case "", http.MethodGet, http.MethodHead:
		return true
	}
	return false
}

// Prepare evaluates the binding's templates into a request.
func (u *Upstream) Prepare(c *upstreams.Call) error {
	b, _ := c.Binding.Request.(*restbind.Binding)
	if b == nil || (c.Batch && b.Batch == nil) {
		return upstreams.Errorf(upstreams.CodeBadRequest, u.name, nil, "field %s has no REST binding", c.Binding.FieldRef)
	}
	req := b.Form(c.Batch)
	target := make([]byte, 0, len(u.base)+64)
	target = append(target, u.base...)
	var err error
	if target, err = req.Path.AppendPath(target, c.Scope, pathSegment); err != nil {
		return u.pathError(err)
	}
	sep := byte('?')
	for _, q := range req.Query {
		ref, single := q.Value.Single()
		if single && ref.Explode {
			// One parameter per item: tag=a&tag=b, none for no items.
			var n int
			if target, n = q.Value.AppendPairs(target, c.Scope, url.QueryEscape(q.Name), sep, queryValue); n > 0 {
				sep = '&'
			}
			continue
		}
		if single && c.Scope.Lookup(ref) == nil {
			continue // an absent optional value leaves its parameter out
		}
		target = append(target, sep)
		target = append(target, url.QueryEscape(q.Name)...)
		target = append(target, '=')
		// A null inside a longer value ("owner:{args.owner}") fails the
		// call, as in a path: leaving the parameter out would send a
		// different request (a filter dropped) than the binding says.
		if target, err = q.Value.AppendText(target, c.Scope, queryValue); err != nil {
			return u.badRequest(err)
		}
		sep = '&'
	}
	creds, err := u.credentials(b)
	if err != nil {
		return err
	}
	h := u.client.HeaderWith(c, creds)
	for _, p := range req.Headers {
		v, err := p.Value.AppendText(nil, c.Scope, tmpl.Raw)
		if err != nil {
			continue // a header whose value is absent is not sent
		}
		// Values come from arguments and parents; one that HTTP cannot
		// carry is the request's fault, not a broken upstream's, so it is
		// refused here rather than failing in the transport.
		if i := invalidHeaderByte(v); i >= 0 {
			return upstreams.Errorf(upstreams.CodeBadRequest, u.name, nil, "cannot build the request: header %s: byte %#x at %d is not allowed in a header value", p.Name, v[i], i)
		}
		h.Set(p.Name, string(v))
	}
	if len(req.Cookies) > 0 {
		cookie, err := cookieHeader(req.Cookies, c.Scope)
		if err != nil {
			return u.badRequest(err)
		}
		if cookie != "" {
			transport.AddCookie(h, cookie)
		}
	}
	h.Set("Accept", "application/json, text/plain;q=0.9, */*;q=0.1")
	var body []byte
	if req.Body != nil {
		form := req.ContentType == restbind.ContentForm || req.ContentType == restbind.ContentMultipart
		if absentBody(req.Body, c.Scope) {
			// A form left out is a form with no fields; anything else
			// left out is no body at all.
			if form {
				body = []byte("{}")
			}
		} else {
			if body, err = req.Body.AppendJSON(make([]byte, 0, 128), c.Scope); err != nil {
				return u.badRequest(err)
			}
			if form && string(body) == "null" {
				body = []byte("{}") // a form cannot say null
			}
		}
		contentType := req.ContentType
		if contentType == "" {
			contentType = restbind.ContentJSON
		}
		if body != nil && restbind.IsText(req.ContentType) {
			body, err = textBody(body)
			contentType = textContentType(contentType)
		}
		switch {
		case err != nil:
		case body == nil:
			contentType = ""
		case req.ContentType == restbind.ContentForm:
			body, err = formBody(body)
		case req.ContentType == restbind.ContentMultipart:
			body, contentType, err = multipartBody(body, req.Files)
		}
		if err != nil {
			return u.badRequest(err)
		}
		if contentType != "" {
			h.Set("Content-Type", contentType)
		}
	}
	p := &prepared{method: req.Method, url: string(target), header: h, body: body, creds: creds}
	c.Prepared = p
	c.Key = u.keyOf(p, req.Headers, len(req.Cookies) > 0, b.Auth)
	return nil
}

// absentBody reports whether a body that is one placeholder ("{args.input}")
// names a value the client did not give. An optional JSON body left out is
// not sent at all, rather than as the JSON text null, which the operation's
// schema rarely allows; an optional form left out is sent with no fields.
func absentBody(body *tmpl.JSON, s *tmpl.Scope) bool {
	r, ok := body.Single()
	if !ok {
		return false
	}
	_, present := s.Find(r)
	return !present
}

// invalidHeaderByte returns the index of the first byte HTTP does not allow
// in a header field value (controls other than tab, and DEL), or -1.
func invalidHeaderByte(v []byte) int {
	for i, b := range v {
		if b < ' ' && b != '\t' || b == 0x7f {
			return i
		}
	}
	return -1
}

// pathError is the error of a path that cannot be sent. A dot segment (or
// an empty one) the client's own input made is the client's error, named
// by its argument or header; one a parent's value or a variable made is
// the request's (see tmpl.Template.AppendPath for why it is refused).
func (u *Upstream) pathError(err error) error {
	var se *tmpl.SegmentError
	if !errors.As(err, &se) {
		return u.badRequest(err)
	}
	what := "makes the URL path segment " + strconv.Quote(se.Segment) + ", which servers resolve to another path"
	if se.Segment == "" {
		what = "makes an empty URL path segment, which servers merge away"
	}
	switch se.Ref.Root {
	case tmpl.Args:
		return upstreams.Errorf(upstreams.CodeBadUserInput, u.name, err, "argument %s: %s", strings.Join(se.Ref.Path, "."), what)
	case tmpl.Headers:
		return upstreams.Errorf(upstreams.CodeBadUserInput, u.name, err, "header %s: %s", se.Ref.Path[0], what)
	}
	return upstreams.Errorf(upstreams.CodeBadRequest, u.name, err, "cannot build the request: {%s} %s", se.Ref, what)
}

func (u *Upstream) badRequest(err error) error {
	return upstreams.Errorf(upstreams.CodeBadRequest, u.name, err, "cannot build the request: %v", err)
}

// keyOf identifies a request: its method, URL and body, the client headers
// it forwards (credentials among them), the headers and cookies the
// binding computes, which may differ between calls with the same URL
// ("X-Product: {parent.upc}"), and the credentials it picks, which
// differ between bindings. A JSON body holds no raw NUL.
func (u *Upstream) keyOf(p *prepared, params []schema.Param, cookies bool, auth []string) string {
	b := make([]byte, 0, len(p.method)+len(p.url)+len(p.body)+32)
	b = append(b, p.method...)
	b = append(b, ' ')
	b = append(b, p.url...)
	b = u.client.AppendKeyHeaders(b, p.header)
	for _, param := range params {
		b = transport.AppendKeyHeader(b, p.header, param.Name)
	}
	if cookies {
		b = transport.AppendKeyHeader(b, p.header, "Cookie")
	}
	if auth != nil {
		b = append(b, "\x00auth"...)
		for _, a := range auth {
			b = append(b, ':')
			b = append(b, a...)
		}
	}
	b = append(b, 0)
	b = append(b, p.body...)
	return string(b)
}

// Do sends the request. A 2xx answer's JSON body is the result; any other
// status is an UPSTREAM_ERROR carrying the status.
func (u *Upstream) Do(ctx context.Context, c *upstreams.Call) (*upstreams.Result, error) {
	p, ok := c.Prepared.(*prepared)
	if !ok {
		return nil, upstreams.Errorf(upstreams.CodeBadRequest, u.name, nil, "call was not prepared")
	}
	merge := ""
	if p.method == http.MethodGet {
		merge = c.Key // a read: identical ones in flight may share the exchange
	}
	ans, err := u.client.ExchangeWith(ctx, p.creds, p.method, p.url, p.header, p.body, merge)
	if err != nil {
		return nil, err
	}
	if c.Raw && ans.Status/100 == 2 && !strings.HasPrefix(ans.MediaType(), "text/") {
		body := ans.Body()
		i := jsonscan.SkipSpace(body, 0)
		if end, err := jsonscan.Skip(body, i); i < len(body) && err == nil && jsonscan.SkipSpace(body, end) == len(body) {
			return upstreams.NewRawResult(body[i:end], ans.Status, ans.Release), nil
		}
		// Empty or not JSON: the full path reports it.
	}
	resp, err := u.client.Parse(ans)
	if err != nil {
		return nil, err
	}
	if resp.Status/100 != 2 {
		return nil, u.client.StatusError(resp)
	}
	return upstreams.NewResult(resp.Value, resp.Status, resp.Detach()), nil
}

// String describes the upstream for plans and logs.
func (u *Upstream) String() string { return fmt.Sprintf("rest %s (%s)", u.name, u.base) }

// KindName is the rest kind's name.
const KindName = restbind.KindName

// Kind returns the kind, for the gateway's wiring.
func Kind() upstreams.Kind { return upstreams.Kind{Build: Build, Binder: restbind.Binder{}} }
