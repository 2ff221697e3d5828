package openapi

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/weft-gateway/weft/internal/gqlname"
	"github.com/weft-gateway/weft/internal/sdlwrite"
)

// rootField is a generated Query or Mutation field.
type rootField struct {
	name        string
	description string
	deprecated  bool
	args        []*argument
	typ         tref
	binding     string
}

type argument struct {
	name        string
	typ         tref
	description string
}

// pathParams returns the names of the {parameters} in an OpenAPI path
// template, in order.
func pathParams(path string) ([]string, bool) {
	var out []string
	for {
		i := strings.IndexByte(path, '{')
		if i < 0 {
			return out, !strings.Contains(path, "}")
		}
		j := strings.IndexByte(path[i:], '}')
		if j < 0 || strings.Contains(path[:i], "}") {
			return out, false
		}
		out = append(out, path[i+1:i+j])
		path = path[i+j+1:]
	}
}

// headerSkipped are the header parameters OpenAPI says to ignore: the
// request's own framing and credentials, which the upstream's config owns.
func headerSkipped(name string) bool {
	switch http.CanonicalHeaderKey(name) {
	case "Accept", "Content-Type", "Authorization":
		return true
	}
	return false
}

// literalName reports whether a query, header or cookie name can be
// written literally in a binding.
func literalName(in, name string) bool {
	if name == "" || strings.ContainsAny(name, "{}") {
		return false
	}
	switch in {
	case "query":
		return !strings.ContainsAny(name, "&=#?")
	case "header":
		for _, r := range name {
			if r <= ' ' || r >= 0x7f || strings.ContainsRune("\"(),/:;<=>?@[\\]{}", r) {
				return false
			}
		}
	case "cookie":
		return !strings.ContainsAny(name, ":;= \t\",")
	}
	return true
}

// opFieldName is the field name of an operation: its operationId, else its
// method and path.
func opFieldName(op *operation) string {
	if op.id != "" {
		return camel(op.id)
	}
	return camel(strings.ToLower(op.method) + " " + strings.NewReplacer("{", " ", "}", " ").Replace(op.path))
}

func (im *importer) skip(op *operation, l loc, format string, args ...any) {
	im.res.Skipped++
	im.warn(l, op.label(), "operation skipped: "+format, args...)
	im.reasons = append(im.reasons, im.warnings[len(im.warnings)-1])
}

// importOperation adds op's root field, or skips op with a warning that
// says why. Each step below warns about what it leaves out, in the order
// the document declares it.
func (im *importer) importOperation(op *operation) {
	if !restMethod(op.method) {
		im.skip(op, op.loc, "@rest sends GET, POST, PUT, PATCH and DELETE only")
		return
	}
	names, ok := pathParams(op.path)
	if !ok {
		im.skip(op, op.loc, "path %q has unbalanced braces", op.path)
		return
	}
	byPath, params, ok := im.sendableParams(op)
	if !ok {
		return
	}
	pathArgs, ok := im.pathArgs(op, names, byPath)
	if !ok {
		return
	}
	body, ok := im.sendableBody(op)
	if !ok {
		return
	}
	for _, r := range op.responses {
		if errorAnswer(r) {
			im.res.ErrorAnswers = true
		}
	}
	resp, first, found := chooseResponse(op.responses)
	if found && !readableResponse(resp) {
		why := "a field can hold a JSON or text answer only"
		if wildcardMedia(resp.mediaType) {
			why = "a field holds an answer of a media range as JSON, for an object or array schema only"
		}
		im.skip(op, resp.loc, "the %s response is %s; %s", resp.code, resp.mediaType, why)
		return
	}
	if first != nil {
		im.warn(first.loc, op.label(), "the %s response is %s, which a field cannot hold: the field is typed from the %s response (%s)", first.code, first.mediaType, resp.code, resp.mediaType)
	}

	kind := im.kind(op)
	f := &rootField{
		name:        im.fields[kind].Take(opFieldName(op)),
		description: joinDescription(op.summary, op.description),
		deprecated:  op.deprecated,
	}
	base := pascal(f.name)
	c := mctx{op: op.label()}
	argNames := gqlname.NewSet()
	if body != nil {
		argNames.Reserve("input")
	}
	argOf := map[*param]string{}
	for _, p := range append(pathArgs, params...) {
		a := im.paramArgument(op, p, argNames.Take(fieldName(p.name)), c.child(base+pascal(p.name), p.loc.child("schema", nil)))
		argOf[p] = a.name
		f.args = append(f.args, a)
	}
	var bodyText, contentType string
	var files []string
	if body != nil {
		var a *argument
		a, contentType, files = im.bodyArgument(body, c.child(base, body.loc.child("schema", nil)))
		f.args = append(f.args, a)
		// The input goes whole: absent fields stay absent, and the keys
		// of its fields, at every depth, are their @from keys.
		bodyText = sdlwrite.String("{args.input}")
	}
	f.typ = im.resultType(op, resp, found, c, base+"Result")
	// Root fields stay nullable: a failed call then nulls its own field
	// only, and the rest of the response stands.
	f.typ.nonNull = false
	f.binding = im.binding(op, pathArgs, params, argOf, bodyText, contentType, files)
	if kind == "Query" {
		im.query = append(im.query, f)
	} else {
		im.mutation = append(im.mutation, f)
	}
	im.res.Operations++
}

// sendableParams sorts op's parameters: the path parameters by name, and
// the query, header and cookie parameters a binding can send, in order.
// One it cannot send is left out with a warning, or skips the operation
// when it is required (ok false).
func (im *importer) sendableParams(op *operation) (byPath map[string]*param, params []*param, ok bool) {
	byPath = map[string]*param{}
	for _, p := range op.params {
		if p.in == "path" {
			byPath[p.name] = p
			continue
		}
		why, quiet := unsendable(p)
		switch {
		case why == "":
			params = append(params, p)
		case quiet:
		case p.required:
			im.skip(op, p.loc, "required %s", why)
			return nil, nil, false
		default:
			im.warn(p.loc, op.label(), "%s: left out", why)
		}
	}
	return byPath, params, true
}

// unsendable says why a binding cannot send a parameter that is not in
// the path, "" when it can; quiet means the parameter is left out without
// a word (the headers OpenAPI says to ignore).
func unsendable(p *param) (why string, quiet bool) {
	switch p.in {
	case "query", "header", "cookie":
	default:
		return fmt.Sprintf("parameter %q is in %q, which a binding cannot send", p.name, p.in), false
	}
	if p.in == "header" && headerSkipped(p.name) {
		return "skipped", true
	}
	if !literalName(p.in, p.name) {
		return fmt.Sprintf("%s parameter %q has a name a binding cannot write", p.in, p.name), false
	}
	return "", false
}

// pathArgs are the declared parameters of the path's {names}, in path
// order, each once; a name without a declaration skips the operation (ok
// false), and a declaration without a name is left out with a warning.
func (im *importer) pathArgs(op *operation, names []string, byPath map[string]*param) (args []*param, ok bool) {
	inPath := map[string]bool{}
	for _, n := range names {
		p := byPath[n]
		if p == nil {
			im.skip(op, op.loc, "path parameter {%s} is not declared", n)
			return nil, false
		}
		if !inPath[n] {
			args = append(args, p)
		}
		inPath[n] = true
	}
	for _, p := range op.params {
		if p.in == "path" && !inPath[p.name] {
			im.warn(p.loc, op.label(), "path parameter %q is not in the path %q: left out", p.name, op.path)
		}
	}
	return args, true
}

// bodyTypes says which request bodies a binding can send.
const bodyTypes = "JSON, application/x-www-form-urlencoded, multipart/form-data, text/* (of a string schema) and */* (of an object or array schema)"

// sendableBody is op's request body when a binding can send it, nil when
// it is left out with a warning; a required body of media types a
// binding cannot write skips the operation (ok false).
func (im *importer) sendableBody(op *operation) (body *requestBody, ok bool) {
	body = op.body
	if body != nil && body.unresolved != "" {
		im.skip(op, body.loc, "request body %s", body.unresolved)
		return nil, false
	}
	if body != nil && body.mediaType == "" {
		if body.required {
			im.skip(op, body.loc, "request body media types (%s) are none of %s", strings.Join(body.unsupported, ", "), bodyTypes)
			return nil, false
		}
		im.warn(body.loc, op.label(), "optional request body media types (%s) are none of %s: left out", strings.Join(body.unsupported, ", "), bodyTypes)
		body = nil
	}
	if body != nil && body.wildcard != "" && op.method != http.MethodGet {
		im.warn(body.loc, op.label(), "request body media type %s names no one type: the body, an object or an array, is sent as application/json", body.wildcard)
	}
	if body != nil && op.method == http.MethodGet {
		im.warn(body.loc, op.label(), "a GET request cannot carry a body: the body is left out")
		body = nil
	}
	return body, true
}

// errorAnswer reports whether r is a declared JSON error answer (4xx,
// 5xx or default), which the upstream's errors then carry.
func errorAnswer(r *response) bool {
	errCode := r.code == "default" || len(r.code) == 3 && (r.code[0] == '4' || r.code[0] == '5')
	return errCode && r.schema != nil && isJSONMedia(r.mediaType)
}

// readableAnswer reports whether a field can hold an answer of media
// type mt: none, JSON or text.
func readableAnswer(mt string) bool {
	return mt == "" || isJSONMedia(mt) || strings.HasPrefix(mediaBase(mt), "text/")
}

// readableResponse reports whether a field can hold r's answer: one
// readableAnswer allows, one under a media range (*/*) whose schema is an
// object or an array, read as JSON, or one whose $ref cannot be followed,
// typed JSON.
func readableResponse(r *response) bool {
	return readableAnswer(r.mediaType) || r.unresolved != "" || wildcardMedia(r.mediaType) && jsonShaped(r.schema)
}

// paramArgument is the argument of parameter p, named name, typed in
// context c; it warns when the value cannot be sent as the document says.
func (im *importer) paramArgument(op *operation, p *param, name string, c mctx) *argument {
	c.input = true
	t, _, obj := im.schemaType(p.schema, c)
	t.nonNull = p.required
	p.explode = t.elem != nil && p.exploded
	if obj != nil {
		im.warn(p.loc, op.label(), "parameter %q is an object: it is sent as JSON text", p.name)
	} else if t.elem != nil && !p.commaJoined && !p.explode {
		im.warn(p.loc, op.label(), "array parameter %q is sent comma-joined (a,b), not in the serialization the document gives", p.name)
	}
	return &argument{name: name, typ: t, description: p.description}
}

// bodyArgument is the input argument of a request body, typed in context
// c, with the content type a binding sends ("" for JSON) and, in a
// multipart body, the properties sent as file parts (the binary ones).
func (im *importer) bodyArgument(body *requestBody, c mctx) (a *argument, contentType string, files []string) {
	c.input = true
	c.multipart = mediaBase(body.mediaType) == "multipart/form-data"
	if mediaBase(body.mediaType) != "application/json" {
		contentType = mediaBase(body.mediaType)
	}
	if strings.HasPrefix(contentType, "text/") {
		// The text is the body, as the client gives it.
		t := named("String")
		t.nonNull = body.required
		return &argument{name: "input", typ: t, description: body.description}, contentType, nil
	}
	t, _, obj := im.schemaType(body.schema, c)
	t.nonNull = body.required
	if c.multipart && obj != nil && t.elem == nil {
		for _, bf := range obj.fields {
			if bf.binary {
				files = append(files, bf.key)
			}
		}
	}
	return &argument{name: "input", typ: t, description: body.description}, contentType, files
}

// resultType is the type of the field that answers with resp (found
// false: no 2xx response is declared); an anonymous schema's type is
// named name.
func (im *importer) resultType(op *operation, resp *response, found bool, c mctx, name string) tref {
	switch {
	case !found:
		im.warn(op.loc.child("responses", nil), op.label(), "no 2xx response is declared: the field returns the answer as JSON")
		return im.scalar(scalarJSON)
	case resp.unresolved != "":
		im.warn(resp.loc, op.label(), "the %s response %s: the field returns the answer as JSON", resp.code, resp.unresolved)
		return im.scalar(scalarJSON)
	case resp.mediaType == "":
		// No content: the runtime reads an empty answer as null; JSON
		// also carries a body the document did not declare.
		return im.scalar(scalarJSON)
	case strings.HasPrefix(mediaBase(resp.mediaType), "text/"):
		return named("String")
	case wildcardMedia(resp.mediaType):
		im.warn(resp.loc, op.label(), "the %s response is %s, which names no one type: the answer, an object or an array, is read as JSON", resp.code, resp.mediaType)
	}
	t, _, _ := im.schemaType(resp.schema, c.child(name, resp.loc.child("schema", nil)))
	return t
}

func joinDescription(summary, description string) string {
	summary, description = strings.TrimSpace(summary), strings.TrimSpace(description)
	switch {
	case summary == "":
		return description
	case description == "" || strings.HasPrefix(description, summary):
		return summary
	}
	return summary + "\n\n" + description
}

// binding writes the @rest directive.
func (im *importer) binding(op *operation, pathArgs, params []*param, argOf map[*param]string, body, contentType string, files []string) string {
	var path strings.Builder
	pathArg := map[string]string{}
	for _, p := range pathArgs {
		pathArg[p.name] = argOf[p]
	}
	rest := op.path
	for {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			path.WriteString(escapeTemplate(rest))
			break
		}
		j := strings.IndexByte(rest[i:], '}')
		path.WriteString(escapeTemplate(rest[:i]))
		path.WriteString("{args." + pathArg[rest[i+1:i+j]] + "}")
		rest = rest[i+j+1:]
	}
	sep := "?"
	if strings.Contains(op.path, "?") {
		sep = "&"
	}
	var headers, cookies []string
	for _, p := range params {
		a := "{args." + argOf[p] + "}"
		if p.explode {
			a = "{args." + argOf[p] + "*}" // one parameter per item
		}
		switch p.in {
		case "query":
			path.WriteString(sep + escapeTemplate(p.name) + "=" + a)
			sep = "&"
		case "header":
			headers = append(headers, p.name+": "+a)
		case "cookie":
			cookies = append(cookies, p.name+": "+a)
		}
	}
	args := []sdlwrite.Arg{
		{Name: "upstream", Value: sdlwrite.String(im.opts.Upstream)},
		{Name: "method", Value: sdlwrite.String(op.method)},
		{Name: "path", Value: sdlwrite.String(path.String())},
	}
	if len(headers) > 0 {
		args = append(args, sdlwrite.Arg{Name: "headers", Value: sdlwrite.StringList(headers)})
	}
	if len(cookies) > 0 {
		args = append(args, sdlwrite.Arg{Name: "cookies", Value: sdlwrite.StringList(cookies)})
	}
	if contentType != "" {
		args = append(args, sdlwrite.Arg{Name: "contentType", Value: sdlwrite.String(contentType)})
	}
	if body != "" {
		args = append(args, sdlwrite.Arg{Name: "body", Value: body})
	}
	if len(files) > 0 {
		args = append(args, sdlwrite.Arg{Name: "files", Value: sdlwrite.StringList(files)})
	}
	if auth := im.authArg(op); auth != "" {
		args = append(args, sdlwrite.Arg{Name: "auth", Value: auth})
	}
	return sdlwrite.Directive("rest", args...)
}

// escapeTemplate doubles the braces of literal text in a template.
func escapeTemplate(s string) string {
	return strings.NewReplacer("{", "{{", "}", "}}").Replace(s)
}
