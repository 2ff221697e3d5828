package openapi

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/pb33f/go-yaml"
	"github.com/pb33f/libopenapi/datamodel/high/base"
	v2high "github.com/pb33f/libopenapi/datamodel/high/v2"
	v3high "github.com/pb33f/libopenapi/datamodel/high/v3"
	"github.com/pb33f/libopenapi/orderedmap"
)

// pathItemLoc is where a path item's operations are: in the root file under
// #/paths, or, for a path item that is a $ref, in the file it points to.
func pathItemLoc(path, ref string, node *yaml.Node) loc {
	if ref != "" && !strings.HasPrefix(ref, "#") {
		_, frag, _ := strings.Cut(ref, "#")
		// The file is found from the node when a warning is made.
		return loc{file: "", pointer: "#" + frag, node: node}
	}
	if strings.HasPrefix(ref, "#") {
		return loc{pointer: ref, node: node}
	}
	return loc{pointer: "#/paths/" + jsonPointerToken(path), node: node}
}

func v3PathOps(item *v3high.PathItem) [8]*v3high.Operation {
	return [8]*v3high.Operation{item.Get, item.Put, item.Post, item.Delete, item.Options, item.Head, item.Patch, item.Trace}
}

func (im *importer) v3Operations() []*operation {
	d := im.doc.v3
	if d.Paths == nil || d.Paths.PathItems == nil {
		return nil
	}
	var ops []*operation
	for pair := d.Paths.PathItems.First(); pair != nil; pair = pair.Next() {
		path, item := pair.Key(), pair.Value()
		if item == nil {
			continue
		}
		if u := unresolvedIn(item.Extensions); u != nil {
			im.skipPathItem(path, u)
			continue
		}
		var node *yaml.Node
		if lo := item.GoLow(); lo != nil {
			node = lo.KeyNode
			if node == nil {
				node = lo.RootNode
			}
		}
		ref := item.Reference
		if lo := item.GoLow(); lo != nil && ref == "" && lo.IsReference() {
			ref = lo.GetReference()
		}
		itemLoc := pathItemLoc(path, ref, node)
		if ref != "" && !strings.HasPrefix(ref, "#") && im.doc.rolodex != nil {
			// The operations live in the file the reference names.
			for _, o := range v3PathOps(item) {
				if o != nil && o.GoLow() != nil && o.GoLow().KeyNode != nil {
					if org := im.doc.rolodex.FindNodeOrigin(o.GoLow().KeyNode); org != nil {
						itemLoc.file = org.AbsoluteLocation
					}
					break
				}
			}
		}
		if item.Query != nil || (item.AdditionalOperations != nil && item.AdditionalOperations.Len() > 0) {
			im.warn(itemLoc, "", "QUERY and additional operations (OpenAPI 3.2) are not imported")
		}
		for i, o := range v3PathOps(item) {
			if o == nil {
				continue
			}
			ops = append(ops, im.v3Operation(path, strings.ToUpper(httpMethodNames()[i]), item, o, itemLoc))
		}
	}
	return ops
}

// skipPathItem warns about a path item whose $ref cannot be followed:
// whatever operations it holds are unknown, and counted as one skipped
// part.
func (im *importer) skipPathItem(path string, u *unresolvedRef) {
	im.res.Skipped++
	im.warn(loc{pointer: "#/paths/" + jsonPointerToken(path)}, "", "path item %s: its operations are not imported", im.describe(u))
	im.reasons = append(im.reasons, im.warnings[len(im.warnings)-1])
}

func httpMethodNames() [8]string {
	return [8]string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}
}

func (im *importer) v3Operation(path, method string, item *v3high.PathItem, o *v3high.Operation, itemLoc loc) *operation {
	var node *yaml.Node
	if lo := o.GoLow(); lo != nil {
		node = lo.KeyNode
	}
	op := &operation{
		method: method, path: path, id: o.OperationId,
		summary: o.Summary, description: o.Description,
		deprecated: o.Deprecated != nil && *o.Deprecated,
		loc:        itemLoc.child(strings.ToLower(method), node),
	}
	if op.description == "" {
		op.description = item.Description
	}
	if op.summary == "" {
		op.summary = item.Summary
	}
	servers := o.Servers
	if len(servers) == 0 {
		servers = item.Servers
	}
	if u := im.resolveBase(serverURL(servers)); u != "" && u != im.res.BaseURL {
		im.warn(op.loc, op.label(), "the operation's server %s is not the upstream's base URL %s, which the binding calls", u, im.res.BaseURL)
	}
	// Operation parameters override path item parameters of the same name
	// and location.
	type pkey struct{ name, in string }
	var order []pkey
	byKey := map[pkey]*param{}
	add := func(list []*v3high.Parameter, base loc) {
		for i, p := range list {
			if p == nil {
				continue
			}
			if u := unresolvedIn(p.Extensions); u != nil {
				im.warn(base.child("parameters", nil).child(fmt.Sprint(i), nil), op.label(), "parameter %s: left out", im.describe(u))
				continue
			}
			k := pkey{p.Name, p.In}
			if _, ok := byKey[k]; !ok {
				order = append(order, k)
			}
			var pn *yaml.Node
			if lo := p.GoLow(); lo != nil {
				pn = lo.RootNode
			}
			pl := base.child("parameters", nil).child(fmt.Sprint(i), pn)
			byKey[k] = im.v3Param(p, pl, op)
		}
	}
	add(item.Parameters, itemLoc)
	add(o.Parameters, op.loc)
	for _, k := range order {
		if p := byKey[k]; p != nil {
			op.params = append(op.params, p)
		}
	}
	if rb := o.RequestBody; rb != nil && unresolvedIn(rb.Extensions) != nil {
		op.body = &requestBody{unresolved: im.describe(unresolvedIn(rb.Extensions)), loc: op.loc.child("requestBody", nil)}
	} else if rb != nil {
		var bn *yaml.Node
		if lo := rb.GoLow(); lo != nil {
			bn = lo.RootNode
		}
		op.body = v3Body(rb, op.loc.child("requestBody", bn))
	}
	op.responses = im.v3Responses(o.Responses, op.loc.child("responses", nil))
	op.security = im.v3Security(o)
	return op
}

func (im *importer) v3Param(p *v3high.Parameter, l loc, op *operation) *param {
	out := &param{
		name: p.Name, in: p.In, required: p.Required != nil && *p.Required,
		description: p.Description, deprecated: p.Deprecated, schema: p.Schema, loc: l,
	}
	if p.In == "path" {
		out.required = true
	}
	if out.schema == nil && p.Content != nil {
		if first := p.Content.First(); first != nil && first.Value() != nil {
			out.schema = first.Value().Schema
			im.warn(l, op.label(), "parameter %q is described by content %s; it is sent as text", p.Name, first.Key())
		}
	}
	style := p.Style
	explode := p.Explode
	switch p.In {
	case "path", "header":
		out.commaJoined = style == "" || style == "simple"
		if explode != nil && *explode {
			out.commaJoined = false
		}
	case "query":
		// Form style, the default, explodes unless the document says not
		// to (OpenAPI 3: explode defaults to true for form).
		out.commaJoined = (style == "" || style == "form") && explode != nil && !*explode
		out.exploded = (style == "" || style == "form") && (explode == nil || *explode)
	default:
		out.commaJoined = (style == "" || style == "form") && explode != nil && !*explode
	}
	return out
}

func v3Body(rb *v3high.RequestBody, l loc) *requestBody {
	out := &requestBody{required: rb.Required != nil && *rb.Required, description: rb.Description, loc: l}
	if rb.Content == nil {
		return out
	}
	var types []string
	media := map[string]*v3high.MediaType{}
	for pair := rb.Content.First(); pair != nil; pair = pair.Next() {
		types = append(types, pair.Key())
		media[pair.Key()] = pair.Value()
	}
	best := pickBodyType(types, func(t string) *base.SchemaProxy {
		if m := media[t]; m != nil {
			return m.Schema
		}
		return nil
	})
	if best == "" {
		out.unsupported = types
		return out
	}
	if m := media[best]; m != nil {
		out.schema = m.Schema
	}
	out.loc = l.child("content", nil).child(best, nil)
	out.setMediaType(best)
	return out
}

// setMediaType sets the media type the body is sent as: a wildcard one
// (*/*, application/*) is sent as JSON, and text/* as text/plain.
func (b *requestBody) setMediaType(mt string) {
	b.mediaType = mt
	switch m := mediaBase(mt); {
	case m == "text/*":
		b.mediaType = "text/plain"
	case wildcardMedia(m):
		b.wildcard, b.mediaType = mt, "application/json"
	}
}

func (im *importer) v3Responses(rs *v3high.Responses, l loc) []*response {
	if rs == nil {
		return nil
	}
	var out []*response
	add := func(code string, r *v3high.Response) {
		if r == nil {
			return
		}
		if u := unresolvedIn(r.Extensions); u != nil {
			out = append(out, &response{code: code, unresolved: im.describe(u), loc: l.child(code, nil)})
			return
		}
		var n *yaml.Node
		if lo := r.GoLow(); lo != nil {
			n = lo.RootNode
		}
		rl := l.child(code, n)
		if r.Content == nil || r.Content.Len() == 0 {
			out = append(out, &response{code: code, loc: rl})
			return
		}
		for pair := r.Content.First(); pair != nil; pair = pair.Next() {
			var s *base.SchemaProxy
			if pair.Value() != nil {
				s = pair.Value().Schema
			}
			out = append(out, &response{code: code, mediaType: pair.Key(), schema: s, loc: rl.child("content", nil).child(pair.Key(), nil)})
		}
	}
	if rs.Codes != nil {
		for pair := rs.Codes.First(); pair != nil; pair = pair.Next() {
			add(pair.Key(), pair.Value())
		}
	}
	add("default", rs.Default)
	return out
}

// pickBodyType chooses the media type a body is sent as, of those
// offered with the schema each gives: JSON first, then a URL-encoded
// form, a multipart form, text (for a string), and last a wildcard type
// (*/*, application/*) for an object or an array, which is sent as JSON.
// "" means none of them.
func pickBodyType(types []string, schemaOf func(string) *base.SchemaProxy) string {
	best, rank := "", 0
	for _, t := range types {
		r := 0
		switch mt := mediaBase(t); {
		case mt == "application/json":
			r = 6
		case isJSONMedia(mt):
			r = 5
		case mt == "application/x-www-form-urlencoded":
			r = 4
		case mt == "multipart/form-data":
			r = 3
		case strings.HasPrefix(mt, "text/") && textSchema(schemaOf(t)):
			r = 2
		case wildcardMedia(mt) && jsonShaped(schemaOf(t)):
			r = 1
		}
		if r > rank {
			best, rank = t, r
		}
	}
	return best
}

// wildcardMedia reports whether mt is a media range that names no one
// type (*/*, application/*), as generated documents often declare.
func wildcardMedia(mt string) bool {
	return strings.HasSuffix(mediaBase(mt), "/*")
}

// jsonShaped reports whether a schema is an object or an array (or a
// composition of schemas): a value only JSON, of the types a gateway can
// send or read under a wildcard media type, can carry.
func jsonShaped(sp *base.SchemaProxy) bool {
	if sp == nil {
		return false
	}
	s := sp.Schema()
	if s == nil {
		return false
	}
	if isObjectSchema(s) || s.Items != nil || len(s.OneOf)+len(s.AnyOf) > 0 || s.AdditionalProperties != nil {
		return true
	}
	return slices.Contains(s.Type, "array")
}

// textSchema reports whether a text body's schema is a string (or says
// nothing), which a String argument sends as it is.
func textSchema(sp *base.SchemaProxy) bool {
	if sp == nil {
		return true
	}
	s := sp.Schema()
	if s == nil {
		return false
	}
	if s.Format == "binary" || len(s.Enum) > 0 && !slices.Contains(s.Type, "string") {
		return false
	}
	types := nonNullTypes(s)
	return len(types) == 1 && types[0] == "string" || len(types) == 0 && !isObjectSchema(s) && s.Items == nil && len(s.OneOf)+len(s.AnyOf) == 0
}

func mediaBase(t string) string {
	t, _, _ = strings.Cut(t, ";")
	return strings.ToLower(strings.TrimSpace(t))
}

func isJSONMedia(mt string) bool {
	mt = mediaBase(mt)
	return mt == "application/json" || strings.HasSuffix(mt, "+json") ||
		strings.HasPrefix(mt, "application/") && strings.Contains(mt, "json")
}

// v2Operations maps a Swagger 2.0 document's operations.
func (im *importer) v2Operations() []*operation {
	d := im.doc.v2
	if d.Paths == nil || d.Paths.PathItems == nil {
		return nil
	}
	var ops []*operation
	for pair := d.Paths.PathItems.First(); pair != nil; pair = pair.Next() {
		path, item := pair.Key(), pair.Value()
		if item == nil {
			continue
		}
		if u := unresolvedIn(item.Extensions); u != nil {
			im.skipPathItem(path, u)
			continue
		}
		// Swagger 2.0's low-level model keeps no node for these objects;
		// warnings find them by their pointer.
		itemLoc := pathItemLoc(path, item.Ref, nil)
		list := [8]*v2high.Operation{item.Get, item.Put, item.Post, item.Delete, item.Options, item.Head, item.Patch, nil}
		for i, o := range list {
			if o == nil {
				continue
			}
			ops = append(ops, im.v2Operation(path, strings.ToUpper(httpMethodNames()[i]), item, o, itemLoc))
		}
	}
	return ops
}

func (im *importer) v2Operation(path, method string, item *v2high.PathItem, o *v2high.Operation, itemLoc loc) *operation {
	op := &operation{
		method: method, path: path, id: o.OperationId,
		summary: o.Summary, description: o.Description, deprecated: o.Deprecated,
		loc: itemLoc.child(strings.ToLower(method), nil),
	}
	consumes := o.Consumes
	if consumes == nil {
		consumes = im.doc.v2.Consumes
	}
	produces := o.Produces
	if produces == nil {
		produces = im.doc.v2.Produces
	}
	type pkey struct{ name, in string }
	var order []pkey
	byKey := map[pkey]*v2high.Parameter{}
	locs := map[pkey]loc{}
	add := func(list []*v2high.Parameter, base loc) {
		for i, p := range list {
			if p == nil {
				continue
			}
			if u := unresolvedIn(p.Extensions); u != nil {
				im.warn(base.child("parameters", nil).child(fmt.Sprint(i), nil), op.label(), "parameter %s: left out", im.describe(u))
				continue
			}
			k := pkey{p.Name, p.In}
			if _, ok := byKey[k]; !ok {
				order = append(order, k)
			}
			byKey[k] = p
			locs[k] = base.child("parameters", nil).child(fmt.Sprint(i), nil)
		}
	}
	add(item.Parameters, itemLoc)
	add(o.Parameters, op.loc)
	form := &base.Schema{Type: []string{"object"}, Properties: orderedmap.New[string, *base.SchemaProxy]()}
	var formLoc loc
	multipart := false
	for _, k := range order {
		p, l := byKey[k], locs[k]
		required := p.Required != nil && *p.Required
		switch p.In {
		case "body":
			mt := pickBodyType(consumes, func(string) *base.SchemaProxy { return p.Schema })
			if len(consumes) == 0 {
				mt = "application/json"
			}
			op.body = &requestBody{required: required, schema: p.Schema, description: p.Description, loc: l.child("schema", nil)}
			op.body.setMediaType(mt)
			if mt == "" {
				op.body.unsupported = consumes
			}
		case "formData":
			if formLoc.pointer == "" {
				formLoc = l
			}
			s := v2SimpleSchema(p.Type, p.Format, p.Items, p.Enum)
			s.Description = p.Description
			im.synthLoc[s] = l
			if p.Type == "file" {
				multipart = true
			}
			form.Properties.Set(p.Name, base.CreateSchemaProxy(s))
			if required {
				form.Required = append(form.Required, p.Name)
			}
		default:
			s := v2SimpleSchema(p.Type, p.Format, p.Items, p.Enum)
			im.synthLoc[s] = l
			op.params = append(op.params, &param{
				name: p.Name, in: p.In, required: required || p.In == "path",
				description: p.Description,
				schema:      base.CreateSchemaProxy(s),
				commaJoined: p.CollectionFormat == "" || p.CollectionFormat == "csv",
				exploded:    p.CollectionFormat == "multi" && p.In == "query",
				loc:         l,
			})
		}
	}
	if form.Properties.Len() > 0 && op.body == nil {
		mt := "application/x-www-form-urlencoded"
		for _, c := range consumes {
			if mediaBase(c) == "multipart/form-data" {
				mt = c
			}
		}
		if multipart {
			mt = "multipart/form-data"
		}
		op.body = &requestBody{mediaType: mt, required: len(form.Required) > 0, schema: base.CreateSchemaProxy(form), loc: formLoc}
	}
	rl := op.loc.child("responses", nil)
	if o.Responses != nil {
		add := func(code string, r *v2high.Response) {
			if r == nil {
				return
			}
			l := rl.child(code, nil)
			if u := unresolvedIn(r.Extensions); u != nil {
				op.responses = append(op.responses, &response{code: code, unresolved: im.describe(u), loc: l})
				return
			}
			if r.Schema == nil {
				op.responses = append(op.responses, &response{code: code, loc: l})
				return
			}
			mt := "application/json"
			if len(produces) > 0 {
				mt = pickResponseType(produces)
			}
			if s := r.Schema.Schema(); s != nil && len(s.Type) == 1 && s.Type[0] == "file" {
				mt = "application/octet-stream"
			}
			op.responses = append(op.responses, &response{code: code, mediaType: mt, schema: r.Schema, loc: l.child("schema", nil)})
		}
		if o.Responses.Codes != nil {
			for pair := o.Responses.Codes.First(); pair != nil; pair = pair.Next() {
				add(pair.Key(), pair.Value())
			}
		}
		add("default", o.Responses.Default)
	}
	op.security = im.v2Security(o, op.loc)
	return op
}

// pickResponseType chooses, among the media types an operation produces,
// the one its field maps: JSON, else text, else the first.
func pickResponseType(types []string) string {
	for _, t := range types {
		if isJSONMedia(t) {
			return t
		}
	}
	for _, t := range types {
		if strings.HasPrefix(mediaBase(t), "text/") {
			return t
		}
	}
	return types[0]
}

// v2SimpleSchema turns the type fields of a Swagger 2.0 parameter or items
// object into a schema, so that every parameter maps the same way.
func v2SimpleSchema(typ, format string, items *v2high.Items, enum []*yaml.Node) *base.Schema {
	s := &base.Schema{Format: format, Enum: enum}
	switch typ {
	case "":
	case "file":
		s.Type, s.Format = []string{"string"}, "binary"
	default:
		s.Type = []string{typ}
	}
	if items != nil {
		s.Items = &base.DynamicValue[*base.SchemaProxy, bool]{A: base.CreateSchemaProxy(v2SimpleSchema(items.Type, items.Format, items.Items, items.Enum))}
	}
	return s
}

// chooseResponse picks the response that gives the field its type: the
// lowest 2xx code whose answer a field can hold, and in it JSON, else
// text, else JSON under a wildcard media type, else no content. When no
// 2xx code has such an answer, it is the lowest code's best, which a
// field cannot hold. first is the lowest 2xx code's, when it is another.
func chooseResponse(rs []*response) (best, first *response, found bool) {
	var codes []string
	seen := map[string]bool{}
	for _, r := range rs {
		if len(r.code) == 3 && r.code[0] == '2' && !seen[r.code] {
			seen[r.code] = true
			codes = append(codes, r.code)
		}
	}
	// "2XX" sorts after the numbered codes.
	sort.Strings(codes)
	if len(codes) == 0 {
		return nil, nil, false
	}
	for i, code := range codes {
		b, rank := bestAnswer(rs, code)
		if i == 0 {
			best = b
		}
		if rank > 0 {
			if i > 0 {
				return b, best, true
			}
			return b, nil, true
		}
	}
	return best, nil, true
}

// bestAnswer is the best response of one status code, ranked as
// chooseResponse says; rank 0 means a field cannot hold it.
func bestAnswer(rs []*response, code string) (*response, int) {
	var best *response
	rank := -1
	for _, r := range rs {
		if r.code != code {
			continue
		}
		n := 0
		switch mt := mediaBase(r.mediaType); {
		case r.unresolved != "":
			n = 1
		case mt == "":
			n = 1
		case mt == "application/json":
			n = 6
		case isJSONMedia(mt):
			n = 5
		case strings.HasPrefix(mt, "text/"):
			n = 4
		case wildcardMedia(mt) && jsonShaped(r.schema):
			n = 3
		}
		if n > rank {
			best, rank = r, n
		}
	}
	return best, rank
}
