package grpc

import (
	"sort"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/weft-gateway/weft/internal/tmpl"
	"github.com/weft-gateway/weft/schema"
	"github.com/weft-gateway/weft/upstreams"
)

// KindName is the grpc kind's name: the key of its block in an Upstream's
// spec and the kind its bindings target.
const KindName schema.Kind = "grpc"

// Binder decodes @grpc bindings.
type Binder struct{}

var _ schema.Binder = Binder{}

// Kind implements schema.Binder.
func (Binder) Kind() schema.Kind { return KindName }

// Directive implements schema.Binder.
func (Binder) Directive() string {
	return `directive @grpc(upstream: String!, method: String!, request: _WeftValue, result: String, timeout: String, batch: _WeftValue) repeatable on FIELD_DEFINITION`
}

// Binding is a @grpc binding: one method of the upstream, with its request
// message as a template.
type Binding struct {
	// Method is the full method name, "pkg.Service/Method".
	Method string
	// Request is the request message in protojson form, as a template.
	Request *tmpl.JSON
	// ServerStreaming says the method answers with a stream.
	ServerStreaming bool
	// BatchMethod and BatchRequest, when set, are the batch form's method
	// and request (schema.Binding.Batch says how its answer maps back).
	BatchMethod  string
	BatchRequest *tmpl.JSON
}

var _ schema.Request = (*Binding)(nil)

// Describe implements schema.Request: the method and its request.
func (g *Binding) Describe(batch bool) string {
	method, req := g.form(batch)
	if req == nil {
		return method
	}
	return method + " " + req.String()
}

// form returns the single or the batch form's method and request.
func (g *Binding) form(batch bool) (string, *tmpl.JSON) {
	if batch {
		return g.BatchMethod, g.BatchRequest
	}
	return g.Method, g.Request
}

// Bind implements schema.Binder: @grpc(upstream, method, request, result,
// timeout, batch), checked against the method as the upstream's generated
// schema describes it: its request fields and its response message.
func (Binder) Bind(c *schema.BindContext) {
	bd := c.Binding()
	g := &Binding{Method: c.String("method", true)}
	bd.Request = g
	if v := c.Value("request"); v != nil {
		g.Request = c.Body(v)
	}
	if s := c.String("result", false); s != "" {
		bd.Result = c.ResultPath(s, c.Pos("result"))
	}
	if v := c.Value("batch"); v != nil {
		batchForm(c.Within("batch"), g, v)
	}
	info, known := c.Upstream()
	if !known || g.Method == "" {
		return
	}
	if g.BatchMethod != "" {
		if bm, ok := info.Methods[g.BatchMethod]; !ok {
			c.Within("batch").Errorf(c.Pos("batch"), "upstream %q has no method %q", bd.Upstream, g.BatchMethod)
		} else if bm.ServerStreaming {
			c.Within("batch").Errorf(c.Pos("batch"), "%s is server-streaming; a batch form calls a method that answers once", g.BatchMethod)
		}
	}
	m, ok := info.Methods[g.Method]
	if !ok {
		names := make([]string, 0, len(info.Methods))
		for n := range info.Methods {
			names = append(names, n)
		}
		sort.Strings(names)
		c.Errorf(c.Pos("method"), "upstream %q has no method %q%s", bd.Upstream, g.Method, schema.Suggest(g.Method, names))
		return
	}
	g.ServerStreaming = m.ServerStreaming
	bd.Streams = m.ServerStreaming
	op, isRoot := c.Root()
	subscription := isRoot && op == ast.Subscription
	switch {
	case subscription && !m.ServerStreaming:
		c.Errorf(c.Pos("method"), "%s answers once; a Subscription field binds to a server-streaming method", g.Method)
		return
	case !subscription && m.ServerStreaming:
		c.Errorf(c.Pos("method"), "%s is server-streaming; it serves a Subscription field, not a %s", g.Method, fieldKind(c.Parent(), isRoot))
		return
	}
	if subscription && bd.Batch != nil {
		c.Errorf(c.Pos("batch"), "a Subscription field has no parents to batch")
	}
	up := c.Operation(m)
	if up == nil {
		return
	}
	if v := c.Value("request"); g.Request != nil && v != nil && v.Kind == ast.ObjectValue {
		for _, ch := range v.Children {
			if up.Arguments.ForName(ch.Name) == nil {
				c.Errorf(ch.Position, "the request of %s has no field %q", g.Method, ch.Name)
			}
		}
	}
	if len(bd.Result) == 0 {
		c.CheckShape(bd.Def.Type, up.Type, bd.Def.Position)
	}
}

// fieldKind names the kind of field a binding is on, for errors.
func fieldKind(parent *ast.Definition, isRoot bool) string {
	if isRoot {
		return parent.Name + " field"
	}
	return "field of " + parent.Name
}

// batchForm reads batch: {method, request, result, key, maxSize}.
func batchForm(c *schema.BindContext, g *Binding, v *ast.Value) {
	if _, isRoot := c.Root(); v.Kind != ast.ObjectValue || isRoot {
		if isRoot {
			c.Errorf(v.Position, "root fields have no parents to batch")
		} else {
			c.Errorf(v.Position, "batch must be an object such as {method: \"pkg.Svc/GetMany\", request: {ids: \"{parent.id}\"}, result: \"items\", key: \"id\"}")
		}
		return
	}
	batch := c.NewBatch()
	for _, ch := range v.Children {
		switch ch.Name {
		case "method":
			g.BatchMethod = ch.Value.Raw
		case "request":
			g.BatchRequest = c.Body(ch.Value)
		default:
			if !c.BatchField(batch, ch) {
				c.Errorf(ch.Position, "unknown batch field %q (allowed: key, maxSize, method, request, result)", ch.Name)
			}
		}
	}
	if g.BatchMethod == "" || g.BatchRequest == nil || len(batch.Key) == 0 {
		c.Errorf(v.Position, "a gRPC batch needs method, request and key")
		return
	}
	keys := map[string][]string{}
	g.BatchRequest.EachRef(func(r *tmpl.Ref) {
		if r.Root == tmpl.Parent {
			keys[strings.Join(r.Path, ".")] = r.Path
		}
	})
	c.BatchKey(batch, keys, v.Position)
	c.Binding().Batch = batch
}

// Kind returns the kind, for the gateway's wiring.
func Kind() upstreams.Kind { return upstreams.Kind{Build: Build, Binder: Binder{}} }
