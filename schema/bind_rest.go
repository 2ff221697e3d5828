package schema

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/weft-gateway/weft/internal/tmpl"
)

// defaultBatchSize caps a batch when the binding does not say.
const defaultBatchSize = 100

var restMethods = map[string]bool{
	http.MethodGet: true, http.MethodPost: true, http.MethodPut: true,
	http.MethodPatch: true, http.MethodDelete: true,
}

func (b *builder) bindREST(bd *Binding, parent *ast.Definition, args *directiveArgs, isRoot bool, where string) {
	r := &RESTBinding{}
	bd.REST = r
	r.RESTRequest = b.restRequest(bd, parent, restRequestArgs{
		method:      args.string("method", false),
		path:        args.string("path", true),
		headers:     args.strings("headers"),
		cookies:     args.strings("cookies"),
		body:        args.value("body"),
		contentType: args.string("contentType", false),
		files:       args.strings("files"),
		pos:         args.pos,
	}, isRoot, where)
	if s := args.string("result", false); s != "" {
		bd.Result = b.resultPath(s, bd.Def.Type, args.pos("result"), where)
	}
	if v := args.value("batch"); v != nil {
		r.Batch, bd.Batch = b.restBatch(bd, parent, v, isRoot, where)
	}
}

type restRequestArgs struct {
	method, path, contentType string
	headers, cookies, files   []string
	body                      *ast.Value
	pos                       func(string) *ast.Position
}

func (b *builder) restRequest(bd *Binding, parent *ast.Definition, a restRequestArgs, isRoot bool, where string) RESTRequest {
	req := RESTRequest{Method: strings.ToUpper(a.method)}
	if req.Method == "" {
		req.Method = http.MethodGet
	}
	if !restMethods[req.Method] {
		b.errorf(a.pos("method"), where, "method %q is not one of GET, POST, PUT, PATCH, DELETE", a.method)
	}
	if a.path != "" {
		path, query, _ := strings.Cut(a.path, "?")
		if !strings.HasPrefix(path, "/") {
			b.errorf(a.pos("path"), where, "path %q must start with \"/\" (it is joined to the upstream's base URL)", a.path)
		}
		req.Path = b.parseTemplate(path, a.pos("path"), where)
		if req.Path != nil {
			b.checkRefs(req.Path, bd, parent, isRoot, a.pos("path"), where)
		}
		for _, kv := range strings.Split(query, "&") {
			if kv == "" {
				continue
			}
			name, val, _ := strings.Cut(kv, "=")
			if name == "" || strings.ContainsAny(name, "{}") {
				b.errorf(a.pos("path"), where, "query parameter %q must have a literal name", kv)
				continue
			}
			t, err := tmpl.ParseQueryValue(val)
			if err != nil {
				b.errorf(a.pos("path"), where, "%v", err)
				continue
			}
			b.checkRefs(t, bd, parent, isRoot, a.pos("path"), where)
			req.Query = append(req.Query, Param{Name: name, Value: t})
		}
	}
	for _, p := range b.namedTemplates(a.headers, "header", bd, parent, isRoot, a.pos("headers"), where) {
		req.Headers = append(req.Headers, Param{Name: http.CanonicalHeaderKey(p.Name), Value: p.Value})
	}
	req.Cookies = b.namedTemplates(a.cookies, "cookie", bd, parent, isRoot, a.pos("cookies"), where)
	if a.body != nil {
		if req.Method == http.MethodGet {
			b.errorf(a.body.Position, where, "a GET request cannot have a body; set method: \"POST\" (or another method)")
		}
		req.Body = b.bodyTemplate(a.body, where)
		b.checkRefs(req.Body, bd, parent, isRoot, a.body.Position, where)
	}
	switch ct := strings.ToLower(a.contentType); {
	case ct == "" || ct == ContentJSON:
		req.ContentType = ContentJSON
	case ct == ContentForm || ct == ContentMultipart:
		req.ContentType = ct
		if a.body == nil {
			b.errorf(a.pos("contentType"), where, "contentType %q needs a body", a.contentType)
		}
	case strings.HasPrefix(ct, "application/") && strings.HasSuffix(ct, "+json") && !strings.ContainsAny(ct, " ;,"):
		req.ContentType = ct // a JSON body under its own media type (merge-patch+json, ...)
	default:
		b.errorf(a.pos("contentType"), where, "contentType %q is not one of %s, application/*+json, %s, %s", a.contentType, ContentJSON, ContentForm, ContentMultipart)
	}
	if len(a.files) > 0 {
		req.Files = b.fileParts(bd, &req, a.files, a.pos("files"), where)
	}
	b.renameInputs(bd, &req)
	return req
}

// renameInputs gives each placeholder that reads an argument the renames
// of its input type, so that input objects go out with the keys @from
// gives their fields, at every depth.
func (b *builder) renameInputs(bd *Binding, req *RESTRequest) {
	set := func(r *tmpl.Ref) {
		if r.Root == tmpl.Args {
			if t := b.argType(bd.Def, r.Path); t != nil {
				r.Keys = b.keysOf(t)
			}
		}
	}
	if req.Path != nil {
		req.Path.EachRef(set)
	}
	for _, list := range [][]Param{req.Query, req.Headers, req.Cookies} {
		for _, p := range list {
			p.Value.EachRef(set)
		}
	}
	if req.Body != nil {
		req.Body.EachRef(set)
	}
}

// keysOf returns the renames of values of type t: nil unless an input
// type at or below it has a field renamed with @from.
func (b *builder) keysOf(t *ast.Type) *tmpl.Keys {
	if b.renames == nil {
		b.renames = b.inputRenames()
	}
	return b.renames[t.Name()]
}

// inputRenames builds the renames of every input type that has a renamed
// field at or below it. Types refer to each other, and to themselves, so
// each one's Keys exists before any is filled.
func (b *builder) inputRenames() map[string]*tmpl.Keys {
	renamed := map[string]bool{}
	for ref := range b.inputKeys {
		renamed[ref.Type] = true
	}
	// A type holding a field of a renamed type is renamed below; repeat
	// until no type is added.
	for changed := len(renamed) > 0; changed; {
		changed = false
		for name, def := range b.ast.Types {
			if def.Kind != ast.InputObject || renamed[name] {
				continue
			}
			for _, f := range def.Fields {
				if renamed[f.Type.Name()] {
					renamed[name], changed = true, true
					break
				}
			}
		}
	}
	out := make(map[string]*tmpl.Keys, len(renamed))
	for name := range renamed {
		out[name] = tmpl.NewKeys()
	}
	for name, k := range out {
		for _, f := range b.ast.Types[name].Fields {
			key, sub := b.inputKey(name, f.Name), out[f.Type.Name()]
			if key != f.Name || sub != nil {
				k.Set(f.Name, key, sub)
			}
		}
	}
	return out
}

// fileParts checks the files of a binding: each names a top-level key of
// its multipart body, whose value is text (base64, decoded into the part).
func (b *builder) fileParts(bd *Binding, req *RESTRequest, files []string, p *ast.Position, where string) []string {
	if req.ContentType != ContentMultipart {
		b.errorf(p, where, "files are parts of a multipart body; set contentType: %q", ContentMultipart)
		return nil
	}
	if req.Body == nil {
		return nil // reported: a multipart contentType needs a body
	}
	// The body's keys, with the type of the value each one holds where
	// the binding's arguments say it (nil where they do not).
	keys := map[string]*ast.Type{}
	var order []string
	if ks, vs, ok := req.Body.Object(); ok {
		for i, k := range ks {
			keys[k] = nil
			if r, single := vs[i].Single(); single && r.Root == tmpl.Args {
				keys[k] = b.argType(bd.Def, r.Path)
			}
			order = append(order, k)
		}
	} else if r, ok := req.Body.Single(); ok && r.Root == tmpl.Args {
		t := b.argType(bd.Def, r.Path)
		def := (*ast.Definition)(nil)
		if t != nil && t.Elem == nil {
			def = b.ast.Types[t.Name()]
		}
		if def == nil || def.Kind != ast.InputObject {
			b.errorf(p, where, "files name keys of the body, but the body {%s} is not an input object", r)
			return nil
		}
		for _, f := range def.Fields {
			k := b.inputKey(def.Name, f.Name) // the key the body has
			keys[k] = f.Type
			order = append(order, k)
		}
	} else {
		b.errorf(p, where, "files name keys of the body, which must be an object or one argument of an input object type")
		return nil
	}
	seen := map[string]bool{}
	var out []string
	for _, name := range files {
		t, ok := keys[name]
		switch {
		case seen[name]:
			b.errorf(p, where, "files: %q is listed twice", name)
			continue
		case !ok:
			b.errorf(p, where, "files: %q is not a key of the body (its keys: %s)%s", name, strings.Join(order, ", "), suggest(name, order))
			continue
		case t != nil && !b.textType(t):
			b.errorf(p, where, "files: %q holds a %s; a file part is given as base64 text (String, or a list of them)", name, t)
			continue
		}
		seen[name] = true
		out = append(out, name)
	}
	return out
}

// argType returns the type of the argument value at path (an argument,
// then input fields), or nil when the path does not lead to one.
func (b *builder) argType(f *ast.FieldDefinition, path []string) *ast.Type {
	arg := f.Arguments.ForName(path[0])
	if arg == nil {
		return nil
	}
	t := arg.Type
	for _, seg := range path[1:] {
		def := b.ast.Types[t.Name()]
		if def == nil || def.Kind != ast.InputObject || t.Elem != nil {
			return nil
		}
		fd := def.Fields.ForName(seg)
		if fd == nil {
			return nil
		}
		t = fd.Type
	}
	return t
}

// textType reports whether values of t, under its lists, are sent as text
// that can hold base64: String, ID or a custom scalar.
func (b *builder) textType(t *ast.Type) bool {
	switch t.Name() {
	case "Int", "Float", "Boolean":
		return false
	}
	def := b.ast.Types[t.Name()]
	return def != nil && def.Kind == ast.Scalar
}

// namedTemplates parses "Name: template" entries (headers, cookies).
func (b *builder) namedTemplates(entries []string, what string, bd *Binding, parent *ast.Definition, isRoot bool, p *ast.Position, where string) []Param {
	var out []Param
	for _, e := range entries {
		name, val, ok := strings.Cut(e, ":")
		name = strings.TrimSpace(name)
		if !ok || name == "" || strings.ContainsAny(name, "{}; =,") {
			b.errorf(p, where, "%s %q must be written \"Name: value\"", what, e)
			continue
		}
		t := b.parseTemplate(strings.TrimSpace(val), p, where)
		if t != nil {
			b.checkRefs(t, bd, parent, isRoot, p, where)
			out = append(out, Param{Name: name, Value: t})
		}
	}
	return out
}

// bodyTemplate reads a body: a GraphQL value literal, or a string holding
// JSON whose string leaves are templates (JSON keys need not be GraphQL
// names), or a string that is a template itself ("{args.input}").
func (b *builder) bodyTemplate(v *ast.Value, where string) *tmpl.JSON {
	if v.Kind != ast.StringValue && v.Kind != ast.BlockValue {
		return b.jsonTemplate(v, where)
	}
	j, jerr := tmpl.ParseJSON(v.Raw)
	if jerr == nil {
		return j
	}
	t, terr := tmpl.Parse(v.Raw)
	if terr != nil {
		// Report the error of what the text looks like it was meant to be.
		err := jerr
		if !looksLikeJSON(v.Raw) {
			err = terr
		}
		b.errorf(v.Position, where, "body: %v", err)
		return tmpl.JSONLiteral([]byte("null"))
	}
	return tmpl.JSONString(t)
}

// looksLikeJSON reports whether a body string starts as a JSON document
// does, rather than as a template ("{args.input}").
func looksLikeJSON(s string) bool {
	s = strings.TrimLeft(s, " \t\r\n")
	switch {
	case s == "":
		return false
	case s[0] == '{':
		s = strings.TrimLeft(s[1:], " \t\r\n")
		return s == "" || s[0] == '"' || s[0] == '}'
	case strings.ContainsRune("[\"-0123456789", rune(s[0])):
		return true
	}
	return strings.HasPrefix(s, "true") || strings.HasPrefix(s, "false") || strings.HasPrefix(s, "null")
}

func (b *builder) parseTemplate(s string, p *ast.Position, where string) *tmpl.Template {
	t, err := tmpl.Parse(s)
	if err != nil {
		b.errorf(p, where, "%v", err)
		return nil
	}
	return t
}

// resultPath parses a result path and checks it against the field's type:
// each [] maps over a list, so there cannot be more of them than the type
// has list levels.
func (b *builder) resultPath(s string, t *ast.Type, p *ast.Position, where string) Path {
	path, err := ParsePath(s)
	if err != nil {
		b.errorf(p, where, "%v", err)
		return nil
	}
	if n, d := path.Lists(), listDepth(t); n > d {
		b.errorf(p, where, "result path %q maps over %d list level(s), but the field's type %s has %d", s, n, t, d)
	}
	return path
}

// restBatch reads batch: {path, method, headers, body, key, result, maxSize}.
func (b *builder) restBatch(bd *Binding, parent *ast.Definition, v *ast.Value, isRoot bool, where string) (*RESTRequest, *Batch) {
	where += " batch"
	if v.Kind != ast.ObjectValue {
		b.errorf(v.Position, where, "batch must be an object such as {path: \"/reviews?upcs={parent.upc}\", key: \"productUpc\"}")
		return nil, nil
	}
	if isRoot {
		b.errorf(v.Position, where, "root fields have no parents to batch")
		return nil, nil
	}
	field := map[string]*ast.ChildValue{}
	for _, c := range v.Children {
		switch c.Name {
		case "path", "method", "headers", "body", "contentType", "key", "result", "maxSize":
			field[c.Name] = c
		default:
			b.errorf(c.Position, where, "unknown batch field %q (allowed: body, contentType, headers, key, maxSize, method, path, result)", c.Name)
		}
	}
	str := func(name string, required bool) string {
		c := field[name]
		if c == nil {
			if required {
				b.errorf(v.Position, where, "missing field %q", name)
			}
			return ""
		}
		if c.Value.Kind != ast.StringValue && c.Value.Kind != ast.BlockValue {
			b.errorf(c.Value.Position, where, "field %q must be a string", name)
			return ""
		}
		return c.Value.Raw
	}
	pos := func(name string) *ast.Position {
		if c := field[name]; c != nil {
			return c.Position
		}
		return v.Position
	}
	var headers []string
	if c := field["headers"]; c != nil {
		for _, h := range c.Value.Children {
			headers = append(headers, h.Value.Raw)
		}
		if c.Value.Kind == ast.StringValue {
			headers = []string{c.Value.Raw}
		}
	}
	var body *ast.Value
	if c := field["body"]; c != nil {
		body = c.Value
	}
	batch := &Batch{MaxSize: defaultBatchSize}
	req := b.restRequest(bd, parent, restRequestArgs{
		method: str("method", false), path: str("path", true), headers: headers, body: body,
		contentType: str("contentType", false), pos: pos,
	}, false, where)
	// The batch's parent references are its key; they are not extra parent refs
	// beyond those the single form already declared.
	refs := map[string][]string{}
	for _, r := range batchRefs(&req) {
		if r.Root == tmpl.Parent {
			// By path: {parent.upc} and {parent.upc*} read one field.
			refs[strings.Join(r.Path, ".")] = r.Path
		}
	}
	b.batchKey(batch, refs, v.Position, where)
	if c := field["key"]; c != nil {
		b.batchCommon(batch, c, where)
	} else {
		b.errorf(v.Position, where, "missing field %q", "key")
	}
	for _, name := range []string{"result", "maxSize"} {
		if c := field[name]; c != nil {
			b.batchCommon(batch, c, where)
		}
	}
	return &req, batch
}

func batchRefs(r *RESTRequest) []tmpl.Ref {
	var out []tmpl.Ref
	if r.Path != nil {
		out = append(out, r.Path.Refs()...)
	}
	for _, q := range r.Query {
		out = append(out, q.Value.Refs()...)
	}
	for _, h := range r.Headers {
		out = append(out, h.Value.Refs()...)
	}
	for _, c := range r.Cookies {
		out = append(out, c.Value.Refs()...)
	}
	if r.Body != nil {
		out = append(out, r.Body.Refs()...)
	}
	return out
}

// batchKey sets the batch's parent key: the one parent field its templates
// read.
func (b *builder) batchKey(batch *Batch, refs map[string][]string, p *ast.Position, where string) {
	switch len(refs) {
	case 0:
		b.errorf(p, where, "batch templates must read exactly one parent field (the key), as in ?upcs={parent.upc}; they read none")
	case 1:
		for _, k := range refs {
			batch.ParentKey = k
		}
	default:
		b.errorf(p, where, "batch templates must read exactly one parent field (the key); they read %d", len(refs))
	}
}

// batchCommon reads the fields every batch form has: key, result, maxSize.
func (b *builder) batchCommon(batch *Batch, c *ast.ChildValue, where string) {
	str := func() string {
		if c.Value.Kind != ast.StringValue && c.Value.Kind != ast.BlockValue {
			b.errorf(c.Value.Position, where, "field %q must be a string", c.Name)
			return ""
		}
		return c.Value.Raw
	}
	switch c.Name {
	case "key":
		if s := str(); s != "" {
			kp, err := ParsePath(s)
			if err != nil || kp.Lists() > 0 {
				b.errorf(c.Position, where, "key %q must be a path such as \"productUpc\" or \"product.upc\"", s)
			}
			batch.Key = kp
		}
	case "result":
		if s := str(); s != "" {
			rp, err := ParsePath(s)
			if err != nil || rp.Lists() > 0 {
				b.errorf(c.Position, where, "result %q must be a path to the list of items, such as \"items\"", s)
			}
			batch.Result = rp
		}
	case "maxSize":
		n, err := strconv.Atoi(c.Value.Raw)
		if c.Value.Kind != ast.IntValue || err != nil || n < 1 || n > 10000 {
			b.errorf(c.Value.Position, where, "maxSize must be an integer from 1 to 10000")
		} else {
			batch.MaxSize = n
		}
	}
}
