package soap

import (
	"sort"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/weft-gateway/weft/internal/tmpl"
	"github.com/weft-gateway/weft/schema"
	"github.com/weft-gateway/weft/upstreams"
)

// KindName is the soap kind's name: the key of its block in an Upstream's
// spec and the kind its bindings target.
const KindName schema.Kind = "soap"

// Binder decodes @soap bindings.
type Binder struct{}

var _ schema.Binder = Binder{}

// Kind implements schema.Binder.
func (Binder) Kind() schema.Kind { return KindName }

// Directive implements schema.Binder.
func (Binder) Directive() string {
	return `directive @soap(upstream: String!, operation: String!, request: _WeftValue, result: String, timeout: String) repeatable on FIELD_DEFINITION`
}

// Binding is a @soap binding: an operation of the upstream, with its input.
type Binding struct {
	// Operation names the operation as the upstream imported it:
	// "Port/Operation".
	Operation string
	// Request is the operation's input as a JSON object template whose
	// keys are the arguments of the operation's generated field.
	Request *tmpl.JSON
}

var _ schema.Request = (*Binding)(nil)

// Describe implements schema.Request: the operation and its input.
func (s *Binding) Describe(bool) string {
	if s.Request == nil {
		return s.Operation
	}
	return s.Operation + " " + s.Request.String()
}

// Bind implements schema.Binder: @soap(upstream, operation, request,
// result, timeout), checked against the operation as the upstream's
// generated schema describes it: the root field that stands for it, whose
// arguments are the request's keys and whose type is the answer's.
func (Binder) Bind(c *schema.BindContext) {
	bd := c.Binding()
	s := &Binding{Operation: c.String("operation", true)}
	bd.Request = s
	if v := c.Value("request"); v != nil {
		s.Request = c.Body(v)
	}
	if r := c.String("result", false); r != "" {
		bd.Result = c.ResultPath(r, c.Pos("result"))
	}
	info, known := c.Upstream()
	if !known || s.Operation == "" {
		return
	}
	m, ok := info.Methods[s.Operation]
	if !ok {
		names := make([]string, 0, len(info.Methods))
		for n := range info.Methods {
			names = append(names, n)
		}
		sort.Strings(names)
		c.Errorf(c.Pos("operation"), "upstream %q has no operation %q%s", bd.Upstream, s.Operation, schema.Suggest(s.Operation, names))
		return
	}
	up := c.Operation(m)
	if up == nil {
		return
	}
	if v := c.Value("request"); v != nil && v.Kind == ast.ObjectValue {
		for _, ch := range v.Children {
			if up.Arguments.ForName(ch.Name) == nil {
				c.Errorf(ch.Position, "the request of %s has no part %q", s.Operation, ch.Name)
			}
		}
	}
	if len(bd.Result) == 0 {
		c.CheckShape(bd.Def.Type, up.Type, bd.Def.Position)
	}
}

// Kind returns the kind, for the gateway's wiring.
func Kind() upstreams.Kind { return upstreams.Kind{Build: Build, Binder: Binder{}} }
