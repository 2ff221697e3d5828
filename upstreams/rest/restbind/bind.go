// Package restbind is the @rest directive of the rest kind: its
// definition, and the decoding and load-time checking of the bindings that
// use it (HTTP method, path and query templates, headers, cookies, bodies
// and their encodings, files, batch forms). It does no I/O; the rest
// package builds and sends the calls. It is a package of its own so that
// the OpenAPI importer's tests, which package rest imports, can check what
// they generate against it.
package restbind

import (
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/weft-gateway/weft/internal/tmpl"
	"github.com/weft-gateway/weft/schema"
)

// KindName is the rest kind's name: the key of its block in an Upstream's
// spec and the kind its bindings target.
const KindName schema.Kind = "rest"

// Binder decodes @rest bindings.
type Binder struct{}

var _ schema.Binder = Binder{}

// Kind implements schema.Binder.
func (Binder) Kind() schema.Kind { return KindName }

// Directive implements schema.Binder.
func (Binder) Directive() string {
	return `directive @rest(upstream: String!, method: String, path: String!, headers: [String!], cookies: [String!], body: _WeftValue, contentType: String, files: [String!], auth: [String!], result: String, timeout: String, batch: _WeftValue) repeatable on FIELD_DEFINITION`
}

// Binding is a @rest binding: the HTTP request a call sends, in templates.
type Binding struct {
	Request
	// Batch, when set, is the request that resolves many parents at once
	// (schema.Binding.Batch says how its answer maps back).
	Batch *Request
	// Auth names the upstream's credentials (spec.authSchemes) its calls
	// carry, all of them, in place of the upstream's auth; nil when the
	// binding does not say (the upstream's auth), empty for none.
	Auth []string
}

var _ schema.Request = (*Binding)(nil)

// Request describes one HTTP request in templates.
type Request struct {
	Method string
	// Path is the URL path below the upstream's base URL; placeholders are
	// escaped as path segments.
	Path *tmpl.Template
	// Query parameters; a parameter that is exactly one placeholder whose
	// value is null is left out, and one whose placeholder has the explode
	// modifier ({args.tag*}) is sent once per item of the list.
	Query   []schema.Param
	Headers []schema.Param
	// Cookies are sent in one Cookie header.
	Cookies []schema.Param
	Body    *tmpl.JSON
	// ContentType is how Body is encoded: application/json (the default),
	// another application/*+json type (sent as JSON under that type),
	// application/x-www-form-urlencoded, multipart/form-data, or a text/*
	// type (the body is one scalar value, sent as its text).
	ContentType string
	// Files are the keys of a multipart/form-data body that are sent as
	// file parts: their values are base64 text, sent as the decoded bytes
	// with a filename.
	Files []string
}

// The body encodings a REST binding can ask for.
const (
	ContentJSON      = "application/json"
	ContentForm      = "application/x-www-form-urlencoded"
	ContentMultipart = "multipart/form-data"
)

// Describe implements schema.Request: the method, path, query and headers
// of the single or the batch form.
func (b *Binding) Describe(batch bool) string {
	r := &b.Request
	if batch && b.Batch != nil {
		r = b.Batch
	}
	var sb strings.Builder
	sb.WriteString(r.Method)
	sb.WriteByte(' ')
	sb.WriteString(r.Path.String())
	for i, q := range r.Query {
		if i == 0 {
			sb.WriteByte('?')
		} else {
			sb.WriteByte('&')
		}
		sb.WriteString(q.Name + "=" + q.Value.String())
	}
	for _, h := range r.Headers {
		fmt.Fprintf(&sb, " [%s: %s]", h.Name, h.Value)
	}
	if b.Auth != nil {
		fmt.Fprintf(&sb, " [auth: %s]", strings.Join(b.Auth, ", "))
	}
	return sb.String()
}

// Form returns the single or the batch form's request.
func (b *Binding) Form(batch bool) *Request {
	if batch {
		return b.Batch
	}
	return &b.Request
}

var restMethods = map[string]bool{
	http.MethodGet: true, http.MethodPost: true, http.MethodPut: true,
	http.MethodPatch: true, http.MethodDelete: true,
}

// Bind implements schema.Binder: @rest(upstream, method, path, headers,
// cookies, body, contentType, files, auth, result, timeout, batch).
func (Binder) Bind(c *schema.BindContext) {
	r := &Binding{}
	bd := c.Binding()
	bd.Request = r
	r.Request = request(c, requestArgs{
		method:      c.String("method", false),
		path:        c.String("path", true),
		headers:     c.Strings("headers"),
		cookies:     c.Strings("cookies"),
		body:        c.Value("body"),
		contentType: c.String("contentType", false),
		files:       c.Strings("files"),
		pos:         c.Pos,
	})
	if v := c.Value("auth"); v != nil {
		r.Auth = credentials(c, v)
	}
	if s := c.String("result", false); s != "" {
		bd.Result = c.ResultPath(s, c.Pos("result"))
	}
	if v := c.Value("batch"); v != nil {
		r.Batch, bd.Batch = batchForm(c.Within("batch"), v)
	}
}

// credentials reads auth: the names of credentials the upstream has, each
// once; [] for none.
func credentials(c *schema.BindContext, v *ast.Value) []string {
	names := c.Strings("auth")
	out := make([]string, 0, len(names))
	info, known := c.Upstream()
	for _, n := range names {
		switch {
		case slices.Contains(out, n):
			c.Errorf(v.Position, "auth: %q is listed twice", n)
		case known && !slices.Contains(info.Credentials, n):
			have := "it has none: add spec.authSchemes to the Upstream"
			if len(info.Credentials) > 0 {
				have = "it has " + strings.Join(info.Credentials, ", ")
			}
			c.Errorf(v.Position, "auth: upstream %s has no credentials named %q in spec.authSchemes (%s)%s", info.Name, n, have, schema.Suggest(n, info.Credentials))
		default:
			out = append(out, n)
		}
	}
	return out
}

type requestArgs struct {
	method, path, contentType string
	headers, cookies, files   []string
	body                      *ast.Value
	pos                       func(string) *ast.Position
}

func request(c *schema.BindContext, a requestArgs) Request {
	req := Request{Method: strings.ToUpper(a.method)}
	if req.Method == "" {
		req.Method = http.MethodGet
	}
	if !restMethods[req.Method] {
		c.Errorf(a.pos("method"), "method %q is not one of GET, POST, PUT, PATCH, DELETE", a.method)
	}
	if a.path != "" {
		req.Path, req.Query = pathAndQuery(c, a.path, a.pos("path"))
	}
	for _, p := range c.Named(a.headers, "header", a.pos("headers")) {
		req.Headers = append(req.Headers, schema.Param{Name: http.CanonicalHeaderKey(p.Name), Value: p.Value})
	}
	req.Cookies = c.Named(a.cookies, "cookie", a.pos("cookies"))
	if a.body != nil {
		if req.Method == http.MethodGet {
			c.Errorf(a.body.Position, "a GET request cannot have a body; set method: \"POST\" (or another method)")
		}
		req.Body = c.Body(a.body)
	}
	req.ContentType = contentType(c, a.contentType, a.body != nil, a.pos("contentType"))
	if req.Body != nil && IsText(req.ContentType) {
		textBody(c, req.Body, a.body.Position)
	}
	if len(a.files) > 0 {
		req.Files = fileParts(c, &req, a.files, a.pos("files"))
	}
	renameInputs(c, &req)
	return req
}

// pathAndQuery reads a path template with an optional query string of
// literal names and template values.
func pathAndQuery(c *schema.BindContext, s string, p *ast.Position) (*tmpl.Template, []schema.Param) {
	path, query, _ := strings.Cut(s, "?")
	if !strings.HasPrefix(path, "/") {
		c.Errorf(p, "path %q must start with \"/\" (it is joined to the upstream's base URL)", s)
	}
	t := c.Template(path, p)
	var params []schema.Param
	for _, kv := range strings.Split(query, "&") {
		if kv == "" {
			continue
		}
		name, val, _ := strings.Cut(kv, "=")
		if name == "" || strings.ContainsAny(name, "{}") {
			c.Errorf(p, "query parameter %q must have a literal name", kv)
			continue
		}
		v, err := tmpl.ParseQueryValue(val)
		if err != nil {
			c.Errorf(p, "%v", err)
			continue
		}
		c.CheckRefs(v, p)
		params = append(params, schema.Param{Name: name, Value: v})
	}
	return t, params
}

// contentType reads how a body is encoded.
func contentType(c *schema.BindContext, given string, hasBody bool, p *ast.Position) string {
	switch ct := strings.ToLower(given); {
	case ct == "" || ct == ContentJSON:
		return ContentJSON
	case ct == ContentForm || ct == ContentMultipart:
		if !hasBody {
			c.Errorf(p, "contentType %q needs a body", given)
		}
		return ct
	case strings.HasPrefix(ct, "application/") && strings.HasSuffix(ct, "+json") && !strings.ContainsAny(ct, " ;,"):
		return ct // a JSON body under its own media type (merge-patch+json, ...)
	case IsText(ct):
		if !hasBody {
			c.Errorf(p, "contentType %q needs a body", given)
		}
		return ct
	default:
		c.Errorf(p, "contentType %q is not one of %s, application/*+json, %s, %s, text/*", given, ContentJSON, ContentForm, ContentMultipart)
		return ContentJSON
	}
}

// IsText reports whether a binding's contentType is a text type (text/plain,
// text/csv, ...; parameters such as charset allowed), whose body is one
// scalar value sent as its text.
func IsText(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && strings.HasPrefix(mt, "text/") && mt != "text/*"
}

// textBody checks the body of a text contentType: one value, which a
// placeholder of a scalar argument, or a string, gives.
func textBody(c *schema.BindContext, body *tmpl.JSON, p *ast.Position) {
	if _, _, ok := body.Object(); ok {
		c.Errorf(p, "a text body is one value, not an object; set body: \"{args.text}\" with a String argument")
		return
	}
	r, ok := body.Single()
	if !ok || r.Root != tmpl.Args {
		return
	}
	t := c.ArgType(r.Path)
	if t == nil {
		return
	}
	if t.Elem != nil {
		c.Errorf(p, "a text body is one value, but {%s} is a list (%s)", r, t)
		return
	}
	if def := c.Type(t.Name()); def != nil && def.Kind != ast.Scalar && def.Kind != ast.Enum {
		c.Errorf(p, "a text body is one value, but {%s} is a %s", r, t)
	}
}

// renameInputs gives each placeholder that reads an argument the renames
// of its input type, so that input objects go out with the keys @from
// gives their fields, at every depth.
func renameInputs(c *schema.BindContext, req *Request) {
	set := func(r *tmpl.Ref) {
		if r.Root == tmpl.Args {
			if t := c.ArgType(r.Path); t != nil {
				r.Keys = c.InputKeys(t)
			}
		}
	}
	if req.Path != nil {
		req.Path.EachRef(set)
	}
	for _, list := range [][]schema.Param{req.Query, req.Headers, req.Cookies} {
		for _, p := range list {
			p.Value.EachRef(set)
		}
	}
	if req.Body != nil {
		req.Body.EachRef(set)
	}
}

// fileParts checks the files of a binding: each names a top-level key of
// its multipart body, whose value is text (base64, decoded into the part).
func fileParts(c *schema.BindContext, req *Request, files []string, p *ast.Position) []string {
	if req.ContentType != ContentMultipart {
		c.Errorf(p, "files are parts of a multipart body; set contentType: %q", ContentMultipart)
		return nil
	}
	if req.Body == nil {
		return nil // reported: a multipart contentType needs a body
	}
	keys, order, ok := bodyKeys(c, req.Body, p)
	if !ok {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	for _, name := range files {
		t, ok := keys[name]
		switch {
		case seen[name]:
			c.Errorf(p, "files: %q is listed twice", name)
			continue
		case !ok:
			c.Errorf(p, "files: %q is not a key of the body (its keys: %s)%s", name, strings.Join(order, ", "), schema.Suggest(name, order))
			continue
		case t != nil && !textType(c, t):
			c.Errorf(p, "files: %q holds a %s; a file part is given as base64 text (String, or a list of them)", name, t)
			continue
		}
		seen[name] = true
		out = append(out, name)
	}
	return out
}

// bodyKeys returns the keys of a body, with the type of the value each
// holds where the binding's arguments say it (nil where they do not), and
// the keys in order.
func bodyKeys(c *schema.BindContext, body *tmpl.JSON, p *ast.Position) (map[string]*ast.Type, []string, bool) {
	keys := map[string]*ast.Type{}
	var order []string
	if ks, vs, ok := body.Object(); ok {
		for i, k := range ks {
			keys[k] = nil
			if r, single := vs[i].Single(); single && r.Root == tmpl.Args {
				keys[k] = c.ArgType(r.Path)
			}
			order = append(order, k)
		}
		return keys, order, true
	}
	r, ok := body.Single()
	if !ok || r.Root != tmpl.Args {
		c.Errorf(p, "files name keys of the body, which must be an object or one argument of an input object type")
		return nil, nil, false
	}
	t := c.ArgType(r.Path)
	var def *ast.Definition
	if t != nil && t.Elem == nil {
		def = c.Type(t.Name())
	}
	if def == nil || def.Kind != ast.InputObject {
		c.Errorf(p, "files name keys of the body, but the body {%s} is not an input object", r)
		return nil, nil, false
	}
	for _, f := range def.Fields {
		k := c.InputKey(def.Name, f.Name) // the key the body has
		keys[k] = f.Type
		order = append(order, k)
	}
	return keys, order, true
}

// textType reports whether values of t, under its lists, are sent as text
// that can hold base64: String, ID or a custom scalar.
func textType(c *schema.BindContext, t *ast.Type) bool {
	switch t.Name() {
	case "Int", "Float", "Boolean":
		return false
	}
	def := c.Type(t.Name())
	return def != nil && def.Kind == ast.Scalar
}

// batchFields are the fields of a @rest batch form.
var batchFields = []string{"body", "contentType", "headers", "key", "maxSize", "method", "path", "result"}

// batchForm reads batch: {path, method, headers, body, contentType, key,
// result, maxSize}.
func batchForm(c *schema.BindContext, v *ast.Value) (*Request, *schema.Batch) {
	if v.Kind != ast.ObjectValue {
		c.Errorf(v.Position, "batch must be an object such as {path: \"/reviews?upcs={parent.upc}\", key: \"productUpc\"}")
		return nil, nil
	}
	if _, isRoot := c.Root(); isRoot {
		c.Errorf(v.Position, "root fields have no parents to batch")
		return nil, nil
	}
	field := map[string]*ast.ChildValue{}
	for _, ch := range v.Children {
		if !contains(batchFields, ch.Name) {
			c.Errorf(ch.Position, "unknown batch field %q (allowed: %s)", ch.Name, strings.Join(batchFields, ", "))
			continue
		}
		field[ch.Name] = ch
	}
	str := func(name string, required bool) string {
		ch := field[name]
		if ch == nil {
			if required {
				c.Errorf(v.Position, "missing field %q", name)
			}
			return ""
		}
		if ch.Value.Kind != ast.StringValue && ch.Value.Kind != ast.BlockValue {
			c.Errorf(ch.Value.Position, "field %q must be a string", name)
			return ""
		}
		return ch.Value.Raw
	}
	pos := func(name string) *ast.Position {
		if ch := field[name]; ch != nil {
			return ch.Position
		}
		return v.Position
	}
	var headers []string
	if ch := field["headers"]; ch != nil {
		for _, h := range ch.Value.Children {
			headers = append(headers, h.Value.Raw)
		}
		if ch.Value.Kind == ast.StringValue {
			headers = []string{ch.Value.Raw}
		}
	}
	var body *ast.Value
	if ch := field["body"]; ch != nil {
		body = ch.Value
	}
	batch := c.NewBatch()
	req := request(c, requestArgs{
		method: str("method", false), path: str("path", true), headers: headers, body: body,
		contentType: str("contentType", false), pos: pos,
	})
	// The batch's parent references are its key; they are not extra
	// parent refs beyond those the single form already declared.
	refs := map[string][]string{}
	for _, r := range refsOf(&req) {
		if r.Root == tmpl.Parent {
			// By path: {parent.upc} and {parent.upc*} read one field.
			refs[strings.Join(r.Path, ".")] = r.Path
		}
	}
	c.BatchKey(batch, refs, v.Position)
	if ch := field["key"]; ch != nil {
		c.BatchField(batch, ch)
	} else {
		c.Errorf(v.Position, "missing field %q", "key")
	}
	for _, name := range []string{"result", "maxSize"} {
		if ch := field[name]; ch != nil {
			c.BatchField(batch, ch)
		}
	}
	return &req, batch
}

// refsOf returns every placeholder of a request.
func refsOf(r *Request) []tmpl.Ref {
	var out []tmpl.Ref
	if r.Path != nil {
		out = append(out, r.Path.Refs()...)
	}
	for _, list := range [][]schema.Param{r.Query, r.Headers, r.Cookies} {
		for _, p := range list {
			out = append(out, p.Value.Refs()...)
		}
	}
	if r.Body != nil {
		out = append(out, r.Body.Refs()...)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
